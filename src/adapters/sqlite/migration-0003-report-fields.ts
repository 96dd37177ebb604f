/**
 * Migration 0003: what the daily reports and the alert throttle need.
 *
 * - orders.reference_price: the price the plan sized the order with, so a fill's slippage is measured
 *   against the decision, not against the limit (which already includes the offset). NULL for older orders.
 * - emails.alert_key: identifies "the same alert", so a burst of identical alerts is suppressed and summed up.
 * - daily: one row per trading day, written by the end-of-day report: the 30-day NLV chart reads closes
 *   from here instead of scanning every snapshot, and the user gets a day-by-day ledger one SELECT away.
 * - v_fill_slippage: each fill against its order's reference price, signed so that a positive number is a cost.
 */
export const REPORT_FIELDS_SCHEMA = `
ALTER TABLE orders ADD COLUMN reference_price REAL;

ALTER TABLE emails ADD COLUMN alert_key TEXT;
CREATE INDEX emails_by_alert_key ON emails (alert_key, at) WHERE alert_key IS NOT NULL;

-- change: closing_nlv minus the previous close (NULL when there was none); turnover: notional of the day's
-- fills; both in account currency.
CREATE TABLE daily (
  trading_day TEXT PRIMARY KEY,
  closing_nlv REAL NOT NULL,
  change      REAL,
  turnover    REAL NOT NULL,
  commissions REAL NOT NULL,
  fills       INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);

-- v_fill_slippage: fills of the system's orders against the reference price at decision time.
-- slippage_cost > 0: paid more (BUY) or received less (SELL) than the reference; < 0: price improvement.
CREATE VIEW v_fill_slippage AS
SELECT f.exec_id, f.time, coalesce(placed.trading_day, collected.trading_day) AS trading_day,
       f.order_ref, f.symbol, f.side, f.quantity, f.price, o.reference_price, f.commission,
       CASE WHEN f.side = 'BUY' THEN f.price - o.reference_price ELSE o.reference_price - f.price END
         * f.quantity AS slippage_cost,
       CASE WHEN f.side = 'BUY' THEN f.price - o.reference_price ELSE o.reference_price - f.price END
         / o.reference_price * 10000 AS slippage_bps
FROM fills f
JOIN runs collected ON collected.id = f.run_id
LEFT JOIN orders o ON o.order_ref = f.order_ref
LEFT JOIN runs placed ON placed.id = o.run_id
ORDER BY f.time, f.exec_id;
`;
