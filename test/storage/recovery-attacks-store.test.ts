/**
 * Attack review of issue 10's store queries, on a real SQLite file: the orders IB reported filled whose executions
 * no run collected (ordersMissingFills) over a large orders table, corrected fills, fractional quantities; and
 * the settling of orders of Unknown outcome by a person (acceptUnknownOutcomes).
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { aBrokerOrder, anExecution, anOrder, makeTempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let file: string;
let store: SqliteStore;
const clock = { now: '2026-11-23T15:30:00.000Z' };

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir());
  file = join(dir, 'rebalancer.sqlite');
  store = new SqliteStore(file, { now: () => clock.now });
});
afterEach(async () => {
  store.close();
  await cleanup();
});

/** A finished run of `at` with one order of `quantity` `symbol`, reported by IB as `status` with `filled`. */
function anOrderOf(runId: string, at: string, symbol: string, quantity: number, status: 'Filled' | 'Cancelled', filled: number): string {
  if (!store.hasRun(runId)) store.startRun({ runId, startedAt: at, tradingDay: at.slice(0, 10), dryRun: false });
  const orderRef = `rebal:${runId}:${symbol}`;
  store.recordOrderIntent(runId, anOrder({ orderRef, symbol, quantity }), at);
  store.markOrderSent(orderRef, aBrokerOrder({ orderRef, symbol, quantity, status: 'Submitted' }));
  store.updateOrderStatuses([aBrokerOrder({ orderRef, symbol, quantity, status, filledQuantity: filled, avgFillPrice: 190 })]);
  return orderRef;
}

const WEEK_AGO = '2026-11-16T15:30:00.000Z';
const FRIDAY = '2026-11-20T20:30:00.000Z';

describe('ordersMissingFills', () => {
  // LOW (performance, harmless today): SQLite answers it through orders_by_status (every Filled and Cancelled
  // order ever recorded, then a sort), not through orders_by_created_at, which migration 0007 added for it: 18 ms
  // at 100,000 orders (the test below), about eight years of hourly runs. Fix (one character, store-statements.ts):
  // `+o.status IN (...)`, which keeps the status index out, and the plan becomes a range on created_at with no sort.
  it('is answered through the index on created_at and the fills index on order_ref (no walk of every final order)', () => {
    const db = openDatabase(file, { readonly: true });
    try {
      // The query as store-statements.ts words it (kept in step by the test below, which runs the real one).
      const plan = db
        .prepare<[string, string], { detail: string }>(
          `EXPLAIN QUERY PLAN SELECT o.* FROM orders o
           WHERE o.created_at >= ? AND o.run_id <> ? AND +o.status IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected')
             AND o.filled_quantity > coalesce((SELECT sum(f.quantity) FROM fills f WHERE f.order_ref = o.order_ref), 0) + 1e-9
           ORDER BY o.created_at, o.id`,
        )
        .all(WEEK_AGO, 'x')
        .map((r) => r.detail);
      expect(plan.some((d) => /SEARCH o USING INDEX orders_by_created_at/.test(d))).toBe(true);
      expect(plan.some((d) => /SEARCH f USING INDEX fills_by_order_ref/.test(d))).toBe(true);
      expect(plan.some((d) => /^SCAN o\b/.test(d))).toBe(false);
    } finally {
      db.close();
    }
  });

  it('stays fast with a year of orders behind the week it looks at', () => {
    store.startRun({ runId: 'old', startedAt: '2025-11-20T15:00:00.000Z', tradingDay: '2025-11-20', dryRun: false });
    const db = openDatabase(file);
    try {
      const insert = db.prepare<[string, string, string]>(
        `INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, created_at, updated_at, filled_quantity, avg_fill_price)
         VALUES ('old', ?, 'AAPL', 'BUY', 10, 190, 'Filled', ?, ?, 10, 190)`,
      );
      db.transaction(() => {
        for (let i = 0; i < 100_000; i++) {
          const at = new Date(Date.parse('2025-11-20T15:00:00Z') + i * 60_000 * 4).toISOString();
          insert.run(`rebal:old:${i}`, at, at);
        }
      })();
    } finally {
      db.close();
    }
    const ref = anOrderOf('friday', FRIDAY, 'MSFT', 10, 'Filled', 10);
    const started = performance.now();
    const missing = store.ordersMissingFills('monday', WEEK_AGO);
    const took = performance.now() - started;
    expect(missing.map((o) => o.orderRef)).toEqual([ref]);
    expect(took).toBeLessThan(200);
  });

  it('an order whose fill was corrected (replaced_fills) is not missing fills: the correction replaced, it did not remove', () => {
    const ref = anOrderOf('friday', FRIDAY, 'MSFT', 10, 'Filled', 10);
    store.recordFills('friday', [anExecution({ execId: 'e.01.01', orderRef: ref, symbol: 'MSFT', quantity: 10, price: 404.5 })]);
    store.recordFills('friday', [anExecution({ execId: 'e.01.02', orderRef: ref, symbol: 'MSFT', quantity: 10, price: 404 })]);
    // IB's order status, heard after the correction, says Filled 10 again.
    store.updateOrderStatuses([
      aBrokerOrder({ orderRef: ref, symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10, avgFillPrice: 404 }),
    ]);
    expect(store.fillsOfOrder(ref).map((f) => f.execId)).toEqual(['e.01.02']);
    expect(store.ordersMissingFills('monday', WEEK_AGO)).toEqual([]);
  });

  it('a correction that lowers the quantity leaves the order missing the difference IB reported: looked up again, not lost', () => {
    const ref = anOrderOf('friday', FRIDAY, 'MSFT', 10, 'Filled', 10);
    store.recordFills('friday', [anExecution({ execId: 'e.01.01', orderRef: ref, symbol: 'MSFT', quantity: 10 })]);
    store.recordFills('friday', [anExecution({ execId: 'e.01.02', orderRef: ref, symbol: 'MSFT', quantity: 8 })]);
    store.updateOrderStatuses([aBrokerOrder({ orderRef: ref, symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10 })]);
    expect(store.ordersMissingFills('monday', WEEK_AGO).map((o) => [o.orderRef, o.filledQuantity])).toEqual([[ref, 10]]);
  });

  // LATENT (low): the sum of fills is a float sum in SQL, so fills of 0.7 and 0.1 sum to 0.7999999999999999 and an
  // order IB reported filled 0.8 reads as missing fills: looked up again (a Flex request) on every run for a
  // week. The planner sends whole shares today, and whole numbers sum exactly; with fractional shares this
  // would bite. Fix: compare with a tolerance below any share fraction IB trades (1e-9), in store-statements.ts
  // (`o.filled_quantity > coalesce(...) + 1e-9`) and the memory store alike.
  it('fractional fills that add up to what IB reported are not missing fills', () => {
    const ref = anOrderOf('friday', FRIDAY, 'MSFT', 0.8, 'Filled', 0.8);
    store.recordFills('friday', [
      anExecution({ execId: 'f.01.01', orderRef: ref, symbol: 'MSFT', quantity: 0.7 }),
      anExecution({ execId: 'f2.01.01', orderRef: ref, symbol: 'MSFT', quantity: 0.1 }),
    ]);
    store.updateOrderStatuses([aBrokerOrder({ orderRef: ref, symbol: 'MSFT', quantity: 0.8, status: 'Filled', filledQuantity: 0.8 })]);
    expect(store.ordersMissingFills('monday', WEEK_AGO)).toEqual([]);
  });

  it('an order of Unknown outcome a person accepted is not picked up again as missing fills', () => {
    const ref = anOrderOf('friday', FRIDAY, 'MSFT', 10, 'Filled', 10);
    store.recordReconciliation(ref, {
      status: 'Unknown',
      filledQuantity: 10,
      avgFillPrice: 190,
      message: 'outcome unknown',
      at: clock.now,
    });
    expect(store.acceptUnknownOutcomes('MSFT', clock.now, 'checked at IB')).toBe(1);
    expect(store.ordersMissingFills('monday', WEEK_AGO)).toEqual([]);
    expect(store.ordersToReconcile('monday')).toEqual([]);
    expect(store.unknownOutcomes()).toEqual([]);
    expect(store.acceptUnknownOutcomes('MSFT', clock.now, 'again')).toBe(0);
  });
});
