/**
 * Migration 0011: orders changed in place (ORDER_UPDATES=modify), and what each run did with orders.
 *
 * - order_modifications: each change a run asked of a working order of an earlier run, recorded before it is
 *   sent (status 'Intent'), then 'Modified' (the broker shows the new quantity and limit), 'Refused' (the broker
 *   said no, with its code: the order stood as it was), 'Unknown' (the connection failed after it left: the next
 *   run looks at the order) or 'NotApplied' (the next run found the order as it was before). quantity is the new
 *   TOTAL quantity (filled_before + the remainder the plan wanted), from_* the order as it stood. The order keeps
 *   its orderRef (the lineage: the run that placed it), its broker id and permId; orders.quantity and
 *   orders.limit_price follow each change the broker accepted.
 * - runs.orders_sent, orders_modified, orders_cancelled: what the run asked of the broker (new orders it
 *   accepted, changes it accepted, cancels it confirmed), for the order efficiency ratio (IB: orders submitted,
 *   modified and cancelled per executed order). NULL for runs before this migration.
 */
export const ORDER_MODIFICATIONS_SCHEMA = `
CREATE TABLE order_modifications (
  id               INTEGER PRIMARY KEY,
  run_id           TEXT NOT NULL REFERENCES runs (id),
  order_ref        TEXT NOT NULL REFERENCES orders (order_ref),
  broker_order_id  INTEGER NOT NULL,
  from_quantity    REAL NOT NULL,
  from_limit_price REAL NOT NULL,
  quantity         REAL NOT NULL,
  limit_price      REAL NOT NULL,
  filled_before    REAL NOT NULL,
  reference_price  REAL,
  status           TEXT NOT NULL CHECK (status IN ('Intent', 'Modified', 'Refused', 'Unknown', 'NotApplied')),
  code             INTEGER,
  message          TEXT,
  created_at       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
);
CREATE INDEX order_modifications_by_order ON order_modifications (order_ref, id);
CREATE INDEX order_modifications_by_run ON order_modifications (run_id);
CREATE INDEX order_modifications_unsettled ON order_modifications (status) WHERE status IN ('Intent', 'Unknown');

ALTER TABLE runs ADD COLUMN orders_sent INTEGER;
ALTER TABLE runs ADD COLUMN orders_modified INTEGER;
ALTER TABLE runs ADD COLUMN orders_cancelled INTEGER;
`;
