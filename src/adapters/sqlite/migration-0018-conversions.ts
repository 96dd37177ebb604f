/**
 * Migration 0018: currency conversions (FX_POLICY=convert, issue 15) are recorded beside the stock orders, and kept
 * apart from them wherever the records count trading.
 *
 * `orders.sec_type`: NULL for a stock, 'CASH' for a currency conversion. A conversion's `symbol` is the FX pair as the
 * broker lists it (`USD.SGD`), its `currency` the pair's second currency, its quantity in units of the first and its
 * prices in units of the second per one of the first; `fx_rate` is set only when that second currency is not the
 * account's (SGD.HKD in an SGD account: the HKD rate). `fills.sec_type` (and `replaced_fills.sec_type`, which keeps a
 * corrected version as it was): the same, as the broker reported the execution. Rows recorded before have NULL: no
 * conversion was placed before this version.
 *
 * Why apart: a conversion moves cash from one currency to another; it buys no position and is no turnover of the
 * portfolio. Counted as trading, a conversion funding a purchase would count the same money twice against
 * DAILY_TURNOVER_LIMIT (once converted, once spent) and its USD quantity would be added to shares bought.
 * - The daily views v_daily_orders and v_daily_fills (same columns as before) count stock orders and fills only.
 *   A fill is a conversion when its own record or its order's says so.
 * - fill_totals (migration 0014: the ledger's running net quantity per ticker) counts stock fills only: a
 *   conversion is never a position of a ticker.
 * - v_conversions: one row per conversion order, with its run and trading day, pair, side, quantity, limit, status,
 *   filled quantity and average price, the commissions of its fills (in the pair's second currency), and its value
 *   in the account's currency: `value` the filled part (filled quantity x average price x coalesce(fx_rate, 1)),
 *   `limit_value` the whole order at its limit.
 */
export const CONVERSIONS_SCHEMA = `
ALTER TABLE orders ADD COLUMN sec_type TEXT CHECK (sec_type IS NULL OR sec_type = 'CASH');
ALTER TABLE fills ADD COLUMN sec_type TEXT CHECK (sec_type IS NULL OR sec_type = 'CASH');
ALTER TABLE replaced_fills ADD COLUMN sec_type TEXT CHECK (sec_type IS NULL OR sec_type = 'CASH');

DROP TRIGGER fill_totals_after_insert;
DROP TRIGGER fill_totals_after_delete;
DROP TRIGGER fill_totals_after_update;
-- fill_totals: stock fills only (a conversion is no position of a ticker).
CREATE TRIGGER fill_totals_after_insert AFTER INSERT ON fills WHEN NEW.sec_type IS NULL BEGIN
  INSERT INTO fill_totals (ref_prefix, symbol, units)
    VALUES (substr(NEW.order_ref, 1, instr(NEW.order_ref, ':')), NEW.symbol,
            CASE WHEN NEW.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(NEW.quantity * 100000000) AS INTEGER))
    ON CONFLICT (ref_prefix, symbol) DO UPDATE SET units = units + excluded.units;
END;
CREATE TRIGGER fill_totals_after_delete AFTER DELETE ON fills WHEN OLD.sec_type IS NULL BEGIN
  UPDATE fill_totals SET units = units - CASE WHEN OLD.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(OLD.quantity * 100000000) AS INTEGER)
    WHERE ref_prefix = substr(OLD.order_ref, 1, instr(OLD.order_ref, ':')) AND symbol = OLD.symbol;
END;
CREATE TRIGGER fill_totals_after_update AFTER UPDATE OF order_ref, symbol, side, quantity, sec_type ON fills BEGIN
  UPDATE fill_totals SET units = units - CASE WHEN OLD.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(OLD.quantity * 100000000) AS INTEGER)
    WHERE OLD.sec_type IS NULL AND ref_prefix = substr(OLD.order_ref, 1, instr(OLD.order_ref, ':')) AND symbol = OLD.symbol;
  INSERT INTO fill_totals (ref_prefix, symbol, units)
    SELECT substr(NEW.order_ref, 1, instr(NEW.order_ref, ':')), NEW.symbol,
           CASE WHEN NEW.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(NEW.quantity * 100000000) AS INTEGER)
    WHERE NEW.sec_type IS NULL
    ON CONFLICT (ref_prefix, symbol) DO UPDATE SET units = units + excluded.units;
END;

DROP VIEW v_daily_orders;
-- v_daily_orders: per trading day, stock orders recorded and accepted by the broker, and the traded value
-- (quantity x limit price of accepted orders, in the account's currency at each order's rate). Currency
-- conversions are not counted: see v_conversions.
CREATE VIEW v_daily_orders AS
SELECT r.trading_day,
       count(*) AS orders,
       count(o.broker_order_id) AS orders_sent,
       coalesce(sum(CASE WHEN o.broker_order_id IS NOT NULL THEN o.quantity * o.limit_price / coalesce(o.price_magnifier, 1) * coalesce(o.fx_rate, 1) END), 0) AS traded_value
FROM orders o
JOIN runs r ON r.id = o.run_id
WHERE o.sec_type IS NULL
GROUP BY r.trading_day
ORDER BY r.trading_day DESC;

DROP VIEW v_daily_fills;
-- v_daily_fills: per trading day, stock fills, shares bought/sold, notional and commissions (in the account's
-- currency at each order's rate). A fill belongs to the trading day of the run that placed its order, else of the
-- run that collected it. Fills of currency conversions are not counted: see v_conversions.
CREATE VIEW v_daily_fills AS
SELECT coalesce(placed.trading_day, collected.trading_day) AS trading_day,
       count(*) AS fills,
       count(DISTINCT f.symbol) AS symbols,
       sum(CASE WHEN f.side = 'BUY' THEN f.quantity ELSE 0 END) AS shares_bought,
       sum(CASE WHEN f.side = 'SELL' THEN f.quantity ELSE 0 END) AS shares_sold,
       sum(f.quantity) AS shares,
       sum(f.quantity * f.price / coalesce(o.price_magnifier, 1) * coalesce(o.fx_rate, 1)) AS notional,
       sum(f.commission * coalesce(o.fx_rate, 1)) AS commissions
FROM fills f
JOIN runs collected ON collected.id = f.run_id
LEFT JOIN orders o ON o.order_ref = f.order_ref
LEFT JOIN runs placed ON placed.id = o.run_id
WHERE f.sec_type IS NULL AND o.sec_type IS NULL
GROUP BY 1
ORDER BY 1 DESC;

-- v_conversions: one row per currency conversion order, oldest first. Quantity in the pair's first currency, prices
-- and commissions in its second; value and limit_value in the account's currency (x fx_rate when the second
-- currency is not the account's).
CREATE VIEW v_conversions AS
SELECT o.run_id, r.trading_day, o.created_at, o.order_ref, o.symbol AS pair, o.action AS side, o.quantity,
       o.limit_price, o.status, o.filled_quantity, o.avg_fill_price, o.currency, o.fx_rate,
       (SELECT sum(f.commission) FROM fills f WHERE f.order_ref = o.order_ref) AS commissions,
       o.filled_quantity * o.avg_fill_price * coalesce(o.fx_rate, 1) AS value,
       o.quantity * o.limit_price * coalesce(o.fx_rate, 1) AS limit_value
FROM orders o
JOIN runs r ON r.id = o.run_id
WHERE o.sec_type = 'CASH'
ORDER BY o.created_at, o.id;
`;
