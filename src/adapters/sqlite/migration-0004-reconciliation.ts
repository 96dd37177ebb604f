/**
 * Migration 0004: crash-safe orders and the position ledger.
 *
 * - orders.reconciled_at: when a run last settled the order against the broker (open orders and executions, by
 *   orderRef). A failed send is looked up once, since a timed-out order may have reached the broker after all.
 * - New final order status 'NotSent': an intent the broker never had (v_open_orders is recreated to know it).
 * - ledger_adjustments: the parts of each managed ticker's ledger that are not fills of the system's own
 *   orders: the baseline (the broker's position when the ticker first became managed, once per ticker) and
 *   the differences a person accepted with `rebalancer reconcile --accept`. run_id: the run that recorded the
 *   baseline, or whose check an acceptance settles.
 * - ledger_checks: each run's comparison of ledger and broker, per managed ticker, made after collecting the
 *   fills and before planning: what `rebalancer reconcile` shows and accepts.
 * - v_ledger: each ticker's ledger now (baseline + own fills + accepted adjustments). The own-order prefix
 *   'rebal:' is the one src/run/run-id.ts writes.
 * - v_position_breaks: the tickers whose ledger and broker differed at the latest check.
 */
export const RECONCILIATION_SCHEMA = `
ALTER TABLE orders ADD COLUMN reconciled_at TEXT;

DROP VIEW v_open_orders;
CREATE VIEW v_open_orders AS
SELECT o.run_id, r.trading_day, o.order_ref, o.symbol, o.action, o.quantity, o.limit_price, o.status,
       o.broker_order_id, o.perm_id, o.filled_quantity, o.avg_fill_price, o.created_at, o.updated_at, o.message
FROM orders o
JOIN runs r ON r.id = o.run_id
WHERE o.status NOT IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected', 'SendFailed', 'NotSent')
ORDER BY o.created_at, o.id;

CREATE TABLE ledger_adjustments (
  id              INTEGER PRIMARY KEY,
  symbol          TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('baseline', 'accept')),
  quantity        REAL NOT NULL,
  ledger_before   REAL NOT NULL,
  broker_quantity REAL NOT NULL,
  reason          TEXT NOT NULL,
  run_id          TEXT REFERENCES runs (id),
  at              TEXT NOT NULL,
  source          TEXT NOT NULL
);
CREATE UNIQUE INDEX ledger_one_baseline ON ledger_adjustments (symbol) WHERE kind = 'baseline';
CREATE INDEX ledger_adjustments_by_symbol ON ledger_adjustments (symbol, id);

CREATE TABLE ledger_checks (
  run_id          TEXT NOT NULL REFERENCES runs (id),
  symbol          TEXT NOT NULL,
  ledger_quantity REAL NOT NULL,
  broker_quantity REAL NOT NULL,
  PRIMARY KEY (run_id, symbol)
);

CREATE VIEW v_ledger AS
WITH own AS (
  SELECT symbol, sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END) AS quantity
  FROM fills WHERE substr(order_ref, 1, 6) = 'rebal:' GROUP BY symbol
), adj AS (
  SELECT symbol, sum(CASE WHEN kind = 'baseline' THEN quantity ELSE 0 END) AS baseline,
         sum(CASE WHEN kind = 'accept' THEN quantity ELSE 0 END) AS accepted,
         max(kind = 'baseline') AS has_baseline
  FROM ledger_adjustments GROUP BY symbol
)
SELECT m.symbol, coalesce(a.has_baseline, 0) AS has_baseline, coalesce(a.baseline, 0) AS baseline,
       coalesce(o.quantity, 0) AS own_fills, coalesce(a.accepted, 0) AS accepted,
       coalesce(a.baseline, 0) + coalesce(o.quantity, 0) + coalesce(a.accepted, 0) AS ledger_quantity
FROM managed_symbols m
LEFT JOIN own o ON o.symbol = m.symbol
LEFT JOIN adj a ON a.symbol = m.symbol
ORDER BY m.symbol;

CREATE VIEW v_position_breaks AS
SELECT c.run_id, r.started_at, c.symbol, c.ledger_quantity, c.broker_quantity,
       c.broker_quantity - c.ledger_quantity AS difference
FROM ledger_checks c
JOIN runs r ON r.id = c.run_id
WHERE c.run_id = (SELECT c2.run_id FROM ledger_checks c2 JOIN runs r2 ON r2.id = c2.run_id ORDER BY r2.started_at DESC, r2.rowid DESC LIMIT 1)
  AND c.broker_quantity <> c.ledger_quantity
ORDER BY c.symbol;
`;
