/**
 * Migration 0006: executions IB corrects, and commissions IB reports late.
 *
 * - fills.commission may be NULL: IB sends each execution's commission report separately, sometimes late or
 *   never; the fill is recorded at once without it (a NULL in a NOT NULL column made INSERT OR IGNORE drop the
 *   whole fill), and a later run that hears the report fills it in. SQLite cannot relax a column's constraint in
 *   place, so the table is rebuilt (legacy_alter_table keeps the views that read `fills` as they are).
 * - replaced_fills: an execution IB corrected (same exec id up to its last period, higher suffix). The
 *   correction takes its place in `fills`, so every figure that reads `fills` (orders' filled quantity and
 *   average price, the ledger, the daily views) counts each execution once, in its latest version; the
 *   replaced version is kept here with the id that replaced it, when, and whether trades.csv already had it.
 */
export const FILL_CORRECTIONS_SCHEMA = `
CREATE TABLE fills_0006 (
  exec_id         TEXT PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id),
  order_ref       TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  quantity        REAL NOT NULL,
  price           REAL NOT NULL,
  commission      REAL,
  time            TEXT NOT NULL,
  broker_order_id INTEGER,
  perm_id         INTEGER,
  in_csv          INTEGER NOT NULL DEFAULT 0 CHECK (in_csv IN (0, 1))
);
INSERT INTO fills_0006 SELECT exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time,
  broker_order_id, perm_id, in_csv FROM fills;
PRAGMA legacy_alter_table = ON;
DROP TABLE fills;
ALTER TABLE fills_0006 RENAME TO fills;
PRAGMA legacy_alter_table = OFF;
CREATE INDEX fills_by_run ON fills (run_id);
CREATE INDEX fills_by_order_ref ON fills (order_ref);
CREATE INDEX fills_by_time ON fills (time);
CREATE INDEX fills_not_in_csv ON fills (time) WHERE in_csv = 0;
CREATE INDEX fills_without_commission ON fills (time) WHERE commission IS NULL;

CREATE TABLE replaced_fills (
  exec_id         TEXT PRIMARY KEY,
  replaced_by     TEXT NOT NULL,
  replaced_at     TEXT NOT NULL,
  replaced_in_run TEXT NOT NULL REFERENCES runs (id),
  run_id          TEXT NOT NULL REFERENCES runs (id),
  order_ref       TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  quantity        REAL NOT NULL,
  price           REAL NOT NULL,
  commission      REAL,
  time            TEXT NOT NULL,
  broker_order_id INTEGER,
  perm_id         INTEGER,
  in_csv          INTEGER NOT NULL CHECK (in_csv IN (0, 1))
);
CREATE INDEX replaced_fills_by_replacement ON replaced_fills (replaced_by);
`;
