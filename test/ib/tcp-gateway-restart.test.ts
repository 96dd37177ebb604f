/**
 * IB Gateway's daily restart in the middle of a run (issue 10, "IB Gateway's life"), over TCP against the simulated
 * gateway's `restart` fault: the gateway goes away as the run's 2nd order is written (that order is lost with the
 * socket), refuses connections for a while, and comes back on the same account. The cut run fails closed (exit 1,
 * nothing resent); the next run, once the gateway is back, reconciles by orderRef and buys only what is missing;
 * the order id the lost order carried is handed out again (IB's next valid id is one above the highest it
 * received), which the project never matches on. Three invariants: no order twice, no fill lost, records hold.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/gateway.js';
import { ibJob } from './support/ib-job.js';
import { baseScenario, NOW, useIbHarness } from './support/ib-harness.js';
import { writeFileSync } from 'node:fs';

const h = useIbHarness();
const AWAY_MS = 1500;

/** Whether something accepts a TCP connection on the port (false: refused). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function sqlite<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}

interface SimState {
  orders: { orderId: number; orderRef: string; symbol: string; quantity: number; status: string; filled: number; permId: number }[];
  executions: { execId: string; orderRef: string; symbol: string; quantity: number }[];
}

describe('IB Gateway restarts in the middle of a run', () => {
  it('the cut run fails closed; the next one reconciles by orderRef and buys only what is missing; the lost id is reused; invariants hold', async () => {
    let ibNow = NOW;
    const scenarioFile = join(h.dir, 'scenario.json');
    const dataDir = join(h.dir, 'gateway-sim');
    writeFileSync(
      scenarioFile,
      JSON.stringify({
        ...baseScenario(),
        fills: { partialFillProbability: 0 },
        gateway: { faults: { restart: { afterOrders: 2, awayMs: AWAY_MS } } },
      }),
    );
    const gateway = await startGateway({ port: 0, dataDir, scenarioFile, now: () => ibNow });
    try {
      const cut = await ibJob(h.dir, gateway, NOW, { env: { IB_TIMEOUT_MS: '1000' } });
      expect(cut.code, cut.out).toBe(1);
      expect(cut.out).toMatch(/dropped during the run; nothing is resent/);
      // IB received one order before it went away; the second was lost with the socket, the third never reached it
      // (orders go out pipelined: it may have left before the run heard the socket close).
      expect(gateway.placedOrders().map((o) => [o.symbol, o.totalQuantity])).toEqual([['AAPL', 84]]);
      const lostId = (gateway.placedOrders()[0]?.orderId ?? 0) + 1;
      // Away: the port refuses connections. Then it listens again.
      expect(await accepts(gateway.port)).toBe(false);
      const back = Date.now() + 10_000;
      while (!(await accepts(gateway.port)) && Date.now() < back) await new Promise((r) => setTimeout(r, 100));
      expect(await accepts(gateway.port)).toBe(true);

      ibNow = '2026-11-23T16:00:00Z';
      const next = await ibJob(h.dir, gateway, ibNow, { env: { IB_TIMEOUT_MS: '1000' } });
      expect(next.code, next.out).toBe(0);
      const placed = gateway.placedOrders();
      // Only what was missing: MSFT and SPY; AAPL (filled before the restart) is not bought again.
      expect(placed.map((o) => [o.symbol, o.action, o.totalQuantity])).toEqual([
        ['AAPL', 'BUY', 84],
        ['MSFT', 'BUY', 85],
        ['SPY', 'BUY', 38],
      ]);
      // The id of the order lost in the restart is handed out again, to the next order.
      expect(placed[1]?.orderId).toBe(lostId);

      // A later run records the fills of the orders the last one sent, and sends nothing.
      ibNow = '2026-11-23T17:00:00Z';
      const after = await ibJob(h.dir, gateway, ibNow, { env: { IB_TIMEOUT_MS: '1000' } });
      expect(after.code, after.out).toBe(0);
      expect(gateway.placedOrders()).toHaveLength(3);

      // No order twice: each orderRef reached the broker once.
      const refs = placed.map((o) => o.orderRef);
      expect(new Set(refs).size).toBe(refs.length);
      // No fill lost: every execution at the broker is in SQLite and in trades.csv exactly once.
      const state = JSON.parse(readFileSync(join(dataDir, 'sim', 'state.json'), 'utf8')) as SimState;
      const atBroker = state.executions.map((e) => e.execId).sort();
      expect(atBroker.length).toBe(3);
      expect(
        sqlite<{ exec_id: string }>('SELECT exec_id FROM fills')
          .map((f) => f.exec_id)
          .sort(),
      ).toEqual(atBroker);
      const csv = join(h.dir, 'data', 'trades.csv');
      expect(existsSync(csv)).toBe(true);
      const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1);
      expect(rows.map((r) => r.split(',')[0]).sort()).toEqual(atBroker);
      // Records hold: every order IB holds under one of our orderRefs has its row, with IB's ids, status and fill;
      // the lost order is recorded as never having reached IB; no ticker breaks.
      const rowsByRef = sqlite<{
        order_ref: string;
        symbol: string;
        status: string;
        broker_order_id: number | null;
        perm_id: number | null;
        filled_quantity: number;
      }>('SELECT order_ref, symbol, status, broker_order_id, perm_id, filled_quantity FROM orders ORDER BY id');
      for (const o of state.orders.filter((x) => x.orderRef.startsWith('rebal:'))) {
        expect(
          rowsByRef.find((r) => r.order_ref === o.orderRef),
          o.orderRef,
        ).toMatchObject({
          status: o.status,
          broker_order_id: o.orderId,
          perm_id: o.permId,
          filled_quantity: o.filled,
        });
      }
      const lost = rowsByRef.filter((r) => !state.orders.some((o) => o.orderRef === r.order_ref));
      expect(lost.map((r) => r.symbol)).toEqual(['MSFT', 'SPY']);
      for (const r of lost) expect(r.status).not.toMatch(/^(Intent|Submitted|PreSubmitted|Filled)$/);
      expect(sqlite<{ symbol: string }>('SELECT symbol FROM v_position_breaks')).toEqual([]);
      expect(gateway.stats().decodeErrors).toEqual([]);
    } finally {
      await gateway.close();
    }
  });
});
