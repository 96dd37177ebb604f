/**
 * Migration 0017: an order quoted in another currency than the account's keeps the rate it was sized with (issue 15).
 * `currency` is the contract's (NULL for orders recorded before, and for orders in the account's currency the run
 * never named); `fx_rate` is base-currency units per one unit of it, `fx_rate_at` when the run read it and
 * `fx_rate_source` where from (the account ledger, or the broker's FX market). NULL rate: the account's currency.
 * `price_magnifier`: IB's, for a line quoted in a fraction of its currency (100: pence); NULL: 1. The order's
 * prices, and its fills', are in those units; its value is price / magnifier x rate.
 *
 * The daily views count values in the account's currency: a fill or order of a foreign listing at its order's rate.
 *
 * `account_reads.cash_by_currency`: the cash per currency the run read before deciding (JSON { "SGD": 1.5, "USD":
 * -20 }; NULL when the broker gave none): the next run measures money that moved per currency, so a purchase in a
 * currency the account borrows, or a move of the rate, is not taken for a deposit or a withdrawal.
 *
 * `order_modifications.fx_rate`, `fx_rate_at`, `fx_rate_source`: the rate a change in place was sized with; once
 * the broker accepts the change the order takes it with its new quantity and limit (NULL: the order keeps its own).
 *
 * `positions.fx_rate`: the rate a position in another currency than the account's was valued with (its
 * `market_value` is in the account's currency, at `market_price` / its magnifier x this rate; `avg_cost` stays in the
 * contract's currency, as the broker gives it); NULL: the account's currency.
 *
 * The contract cache is emptied: its rows were written before the program read IB's price magnifier, so a line
 * quoted in pence would be served for up to a day as if in pounds (a 100x error). A cache: emptying it costs one
 * day's contract requests. Lines with a magnifier are never cached (the table has no column for it).
 */
export const ORDER_RATES_SCHEMA = `
ALTER TABLE orders ADD COLUMN currency TEXT;
ALTER TABLE orders ADD COLUMN fx_rate REAL CHECK (fx_rate IS NULL OR fx_rate > 0);
ALTER TABLE orders ADD COLUMN fx_rate_at TEXT;
ALTER TABLE orders ADD COLUMN fx_rate_source TEXT;
ALTER TABLE orders ADD COLUMN price_magnifier INTEGER CHECK (price_magnifier IS NULL OR price_magnifier >= 1);
ALTER TABLE account_reads ADD COLUMN cash_by_currency TEXT;
ALTER TABLE order_modifications ADD COLUMN fx_rate REAL CHECK (fx_rate IS NULL OR fx_rate > 0);
ALTER TABLE order_modifications ADD COLUMN fx_rate_at TEXT;
ALTER TABLE order_modifications ADD COLUMN fx_rate_source TEXT;
ALTER TABLE positions ADD COLUMN fx_rate REAL CHECK (fx_rate IS NULL OR fx_rate > 0);
DELETE FROM contract_cache;

DROP VIEW v_latest_positions;
-- v_latest_positions: positions of the newest snapshot, target vs actual weight; market_value in the account's
-- currency, fx_rate the rate of a position in another (NULL: the account's).
CREATE VIEW v_latest_positions AS
SELECT p.run_id, p.symbol, p.quantity, p.avg_cost, p.market_price, p.market_value,
       p.weight, p.target_weight, p.weight - p.target_weight AS drift,
       EXISTS (SELECT 1 FROM managed_symbols m WHERE m.symbol = p.symbol) AS managed,
       p.fx_rate
FROM positions p
WHERE p.run_id = (SELECT run_id FROM v_latest_snapshot)
ORDER BY abs(p.weight - p.target_weight) DESC, p.symbol;

DROP VIEW v_daily_orders;
-- v_daily_orders: per trading day, orders recorded and accepted by the broker, and the traded value
-- (quantity x limit price of accepted orders, in the account's currency at each order's rate).
CREATE VIEW v_daily_orders AS
SELECT r.trading_day,
       count(*) AS orders,
       count(o.broker_order_id) AS orders_sent,
       coalesce(sum(CASE WHEN o.broker_order_id IS NOT NULL THEN o.quantity * o.limit_price / coalesce(o.price_magnifier, 1) * coalesce(o.fx_rate, 1) END), 0) AS traded_value
FROM orders o
JOIN runs r ON r.id = o.run_id
GROUP BY r.trading_day
ORDER BY r.trading_day DESC;

DROP VIEW v_daily_fills;
-- v_daily_fills: per trading day, fills, shares bought/sold, notional and commissions (in the account's currency at
-- each order's rate). A fill belongs to the trading day of the run that placed its order, else of the run that
-- collected it.
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
GROUP BY 1
ORDER BY 1 DESC;
`;
