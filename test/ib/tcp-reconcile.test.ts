/**
 * Reconciliation over the TWS API socket, against the simulated IB Gateway: a run killed between sending an
 * order and recording it, after a gateway restart that handed out the same order ids (and permIds) again.
 * The next run must match by orderRef, never by order id, and count nothing twice.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { loadState } from '../../src/sim/state-file.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { tradingDayOf } from '../../src/core/session.js';
import { newRunId, orderRefFor } from '../../src/run/run-id.js';
import { baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();

const at = (minutes: number): string => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

function job(gateway: Gateway, now: string): Promise<IbJobResult> {
  return ibJob(h.dir, gateway, now, { asOf: NOW });
}

interface OrderRow {
  run_id: string;
  order_ref: string;
  symbol: string;
  status: string;
  broker_order_id: number | null;
  perm_id: number | null;
  filled_quantity: number;
}

function read<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe('reconciliation after an IB Gateway restart that reuses order ids', () => {
  it("finds the killed run's order by orderRef although an earlier order has the same id, cancels it, and counts no fill twice", async () => {
    // Gateway A: the first run trades to the targets; the next records the fills.
    const dirA = join(h.dir, 'gateway-a');
    // Each gateway's clock keeps time with the machine's (a run reads it, and halts when they are apart: CLOCK_SKEW).
    let aNow = NOW;
    const a = await h.gateway({ ...baseScenario(), fills: { partialFillProbability: 0 } }, { dataDir: dirA, now: () => aNow });
    const first = await job(a, NOW);
    expect(first.code, first.out).toBe(0);
    aNow = at(30);
    const second = await job(a, at(30));
    expect(second.code, second.out).toBe(0);
    const filledAtA = read<OrderRow>('SELECT * FROM orders ORDER BY id');
    expect(filledAtA.map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Filled'],
      ['MSFT', 'Filled'],
      ['SPY', 'Filled'],
    ]);
    const fillsBefore = read<{ exec_id: string }>('SELECT exec_id FROM fills');
    expect(fillsBefore).toHaveLength(3);

    // Gateway B: a restart with fresh state (same account and positions): order ids and permIds start over.
    const account = loadState(dirA);
    if (account === undefined) throw new Error('gateway A kept no state');
    const positions = Object.fromEntries(
      Object.entries(account.positions)
        .filter(([, p]) => p.quantity !== 0)
        .map(([s, p]) => [s, { quantity: p.quantity, avgCost: p.avgCost }]),
    );
    let bNow = at(45);
    const b = await h.gateway(
      { ...baseScenario(), cash: account.cash, positions, fills: { partialFillProbability: 0 } },
      { dataDir: join(h.dir, 'gateway-b'), now: () => bNow },
    );

    // A run killed after sending a resting MSFT order to B and before recording it as sent.
    const db = openDatabase(join(h.dir, 'data', 'rebalancer.sqlite'));
    const store = new SqliteStore(db);
    const killedRun = newRunId(at(45));
    store.startRun({ runId: killedRun, startedAt: at(45), tradingDay: tradingDayOf(at(45)), dryRun: false });
    const orderRef = orderRefFor(killedRun, 'MSFT');
    const request = {
      orderRef,
      symbol: 'MSFT',
      action: 'BUY' as const,
      quantity: 5,
      limitPrice: 300,
      adaptivePriority: 'Normal' as const,
      primaryExchange: 'NASDAQ',
      currency: 'USD',
    };
    store.recordOrderIntent(killedRun, request, at(45));
    db.close();
    const broker = h.broker(b.port);
    await broker.connect();
    const sent = await broker.placeOrder(request);
    await broker.disconnect();
    // The collision this test is about: the same order id (and permId) as an order of the first run.
    const earlier = filledAtA.find((o) => o.broker_order_id === sent.brokerOrderId);
    expect(earlier, `an order of the first run with id ${sent.brokerOrderId}`).toBeDefined();
    expect(filledAtA.some((o) => o.perm_id === sent.permId)).toBe(true);

    bNow = at(75);
    const next = await job(b, at(75));
    expect(next.code, next.out).toBe(0);
    expect(next.out).toMatch(
      new RegExp(`${orderRef}: Submitted \\(Intent of an earlier run found open at the broker by orderRef: order ${sent.brokerOrderId}`),
    );

    const orders = read<OrderRow>('SELECT * FROM orders ORDER BY id');
    expect(orders.find((o) => o.order_ref === orderRef)).toMatchObject({
      status: 'Cancelled',
      broker_order_id: sent.brokerOrderId,
      perm_id: sent.permId,
      filled_quantity: 0,
    });
    // The first run's order with the same id is untouched.
    expect(orders.find((o) => o.order_ref === earlier?.order_ref)).toEqual(earlier);
    expect(b.placedOrders().filter((o) => o.orderRef === orderRef)).toHaveLength(1);
    expect(b.stats().cancels).toBe(1);
    // No fill counted twice, no position break: the ledger still agrees with the broker.
    expect(read<{ exec_id: string }>('SELECT exec_id FROM fills')).toEqual(fillsBefore);
    expect(read<{ code: string }>("SELECT code FROM breaches WHERE code LIKE 'POSITION_BREAK%'")).toEqual([]);
    expect(read<{ symbol: string; difference: number }>('SELECT symbol, difference FROM v_position_breaks')).toEqual([]);
    expect(
      read<{ id: string; status: string; error: string | null }>('SELECT id, status, error FROM runs ORDER BY started_at').map(
        (r) => r.status,
      ),
    ).toEqual(['ok', 'ok', 'failed', 'ok']);
  });
});
