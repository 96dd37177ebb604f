/**
 * Migration 0007: orders whose outcome left the broker's view.
 *
 * - New final order status 'Unknown': an order of an earlier trading day that is no longer open at the broker and
 *   whose executions the live API no longer shows (IB Gateway serves only the current day's), with no statement
 *   to recover them from. Each run looks again (in IB's Flex statements when configured) until the outcome is
 *   known; meanwhile its ticker is not traded (ORDER_OUTCOME_UNKNOWN). v_open_orders is recreated to know it.
 * - orders.outcome_accepted_at: when a person accepted the broker's position for the order's ticker
 *   (`rebalancer reconcile --accept`) while its outcome was unknown. From then on the order is settled as it is:
 *   no run looks for its executions again (the acceptance already counts whatever it did).
 * - runs.broker_clock_offset_ms: the broker's clock minus the machine's, as the run measured it after connecting.
 *   The next run's executions window starts from the last run's start on the broker's clock, so a machine clock
 *   set right after running ahead does not hide the fills in between.
 * - orders_by_created_at: each run looks at the orders of the last days whose broker-reported fills exceed their
 *   recorded executions (IB said Filled, the run ended before collecting them, and the next morning IB no longer
 *   lists them).
 */
export const UNKNOWN_OUTCOMES_SCHEMA = `
ALTER TABLE orders ADD COLUMN outcome_accepted_at TEXT;
ALTER TABLE runs ADD COLUMN broker_clock_offset_ms INTEGER;

DROP VIEW v_open_orders;
CREATE VIEW v_open_orders AS
SELECT o.run_id, r.trading_day, o.order_ref, o.symbol, o.action, o.quantity, o.limit_price, o.status,
       o.broker_order_id, o.perm_id, o.filled_quantity, o.avg_fill_price, o.created_at, o.updated_at, o.message
FROM orders o
JOIN runs r ON r.id = o.run_id
WHERE o.status NOT IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected', 'SendFailed', 'NotSent', 'Unknown')
ORDER BY o.created_at, o.id;

CREATE INDEX orders_unknown_outcome ON orders (symbol) WHERE status = 'Unknown' AND outcome_accepted_at IS NULL;
CREATE INDEX orders_by_created_at ON orders (created_at);
`;
