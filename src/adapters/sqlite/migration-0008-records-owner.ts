/**
 * Migration 0008: whom the records belong to (src/core/records-owner.ts).
 *
 * - records_owner: at most one row (id = 1), the broker kind, account and trading mode of the first run that
 *   passed the account check on these records, with that run and its start. `adopted` is 1 when the records
 *   already held runs then (a database older than this migration adopts the account of its next run). The row
 *   is written once and never changed: UPDATE and DELETE are refused by triggers, so no bug of the program can
 *   move a set of records to another account (a person who means to start over starts a new DATA_DIR).
 */
export const RECORDS_OWNER_SCHEMA = `
CREATE TABLE records_owner (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  broker       TEXT NOT NULL CHECK (length(broker) > 0),
  account      TEXT NOT NULL CHECK (length(account) > 0),
  trading_mode TEXT NOT NULL CHECK (trading_mode IN ('paper', 'live')),
  run_id       TEXT NOT NULL REFERENCES runs(id),
  at           TEXT NOT NULL,
  adopted      INTEGER NOT NULL CHECK (adopted IN (0, 1))
);

CREATE TRIGGER records_owner_never_updated BEFORE UPDATE ON records_owner
BEGIN
  SELECT RAISE(ABORT, 'records_owner is written once: start a new DATA_DIR for another account');
END;

CREATE TRIGGER records_owner_never_deleted BEFORE DELETE ON records_owner
BEGIN
  SELECT RAISE(ABORT, 'records_owner is written once: start a new DATA_DIR for another account');
END;
`;
