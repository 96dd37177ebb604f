/**
 * Migration 0010: splits in the ledger.
 *
 * - ledger_adjustments.kind may be 'split': a run found that a managed ticker's broker quantity is the ledger's
 *   times a split ratio, with the price and the broker's average cost moved by the inverse (src/core/splits.ts),
 *   and recorded the difference (broker - ledger) instead of a position break.
 * - ledger_adjustments.ratio: the split's ratio "N:M" (N new shares for M old), set for a split only.
 * - ledger_adjustments.evidence: what made it a split (quantities, prices, average costs, the broker's corporate
 *   action when its statements listed it), set for a split only.
 *
 * SQLite cannot change a CHECK constraint in place, so the table is rebuilt with its ids; v_ledger, which reads
 * it, is recreated to count splits with the accepted adjustments.
 */
export const SPLIT_ADJUSTMENTS_SCHEMA = `
DROP VIEW v_ledger;
CREATE TABLE ledger_adjustments_0010 (
  id              INTEGER PRIMARY KEY,
  symbol          TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('baseline', 'accept', 'split')),
  quantity        REAL NOT NULL,
  ledger_before   REAL NOT NULL,
  broker_quantity REAL NOT NULL,
  reason          TEXT NOT NULL,
  run_id          TEXT REFERENCES runs (id),
  at              TEXT NOT NULL,
  source          TEXT NOT NULL,
  ratio           TEXT CHECK ((kind = 'split') = (ratio IS NOT NULL)),
  evidence        TEXT CHECK ((kind = 'split') = (evidence IS NOT NULL))
);
INSERT INTO ledger_adjustments_0010 (id, symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source)
  SELECT id, symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source FROM ledger_adjustments;
DROP TABLE ledger_adjustments;
ALTER TABLE ledger_adjustments_0010 RENAME TO ledger_adjustments;
CREATE UNIQUE INDEX ledger_one_baseline ON ledger_adjustments (symbol) WHERE kind = 'baseline';
CREATE INDEX ledger_adjustments_by_symbol ON ledger_adjustments (symbol, id);

CREATE VIEW v_ledger AS
WITH own AS (
  SELECT symbol, sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END) AS quantity
  FROM fills WHERE substr(order_ref, 1, 6) = 'rebal:' GROUP BY symbol
), adj AS (
  SELECT symbol, sum(CASE WHEN kind = 'baseline' THEN quantity ELSE 0 END) AS baseline,
         sum(CASE WHEN kind = 'accept' THEN quantity ELSE 0 END) AS accepted,
         sum(CASE WHEN kind = 'split' THEN quantity ELSE 0 END) AS splits,
         max(kind = 'baseline') AS has_baseline
  FROM ledger_adjustments GROUP BY symbol
)
SELECT m.symbol, coalesce(a.has_baseline, 0) AS has_baseline, coalesce(a.baseline, 0) AS baseline,
       coalesce(o.quantity, 0) AS own_fills, coalesce(a.accepted, 0) AS accepted, coalesce(a.splits, 0) AS splits,
       coalesce(a.baseline, 0) + coalesce(o.quantity, 0) + coalesce(a.accepted, 0) + coalesce(a.splits, 0) AS ledger_quantity
FROM managed_symbols m
LEFT JOIN own o ON o.symbol = m.symbol
LEFT JOIN adj a ON a.symbol = m.symbol
ORDER BY m.symbol;
`;
