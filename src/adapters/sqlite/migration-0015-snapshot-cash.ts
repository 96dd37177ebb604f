/**
 * Migration 0015: cash per currency and the broker's exchange rates, with each run's snapshot (issue 15).
 *
 * - snapshot_cash: one row per currency the account held when the snapshot was taken: its cash (negative when the
 *   broker lends it), the broker's rate to the base currency (base units per one unit; NULL when the broker gave no
 *   usable rate; 1 for the base currency itself), when the rate was read (the run's clock on receipt: IB sends no
 *   time with a rate) and the broker's own account time when it gave one. The base currency is the snapshot's
 *   `currency`. Snapshots recorded before this migration have no rows here.
 */
export const SNAPSHOT_CASH_SCHEMA = `
CREATE TABLE snapshot_cash (
  run_id        TEXT NOT NULL REFERENCES snapshots (run_id),
  currency      TEXT NOT NULL,
  cash          REAL NOT NULL,
  exchange_rate REAL CHECK (exchange_rate IS NULL OR exchange_rate > 0),
  rate_read_at  TEXT NOT NULL,
  broker_time   TEXT,
  seq           INTEGER NOT NULL,
  PRIMARY KEY (run_id, currency)
);

CREATE VIEW v_latest_cash AS
SELECT c.currency, c.cash, c.exchange_rate, c.rate_read_at, s.currency AS base_currency, s.run_id, s.taken_at
FROM snapshot_cash c
JOIN snapshots s ON s.run_id = c.run_id
WHERE s.id = (SELECT id FROM snapshots ORDER BY taken_at DESC, id DESC LIMIT 1)
ORDER BY c.seq;
`;
