/**
 * Runs killed at the worst moment, on the sim broker: the next run reconciles what they left with the broker by
 * orderRef before it cancels or sends anything, so no order is sent twice, no fill is lost, and a person is told.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { BrokerError } from '../../src/ports/broker.js';
import type { Execution } from '../../src/core/types.js';
import { hourlyRun } from '../support/run-harness.js';
import { writeHalt } from '../../src/adapters/files/halt-file.js';
import {
  HOURS,
  outbox,
  records,
  runAt,
  runKilledAfterIntent,
  simOrdersWithRef,
  simState,
  simWorkspace,
  writeWeights,
} from '../support/sim-workspace.js';

/** The sim broker, but IB does not answer the request for executions (a stub of that one call). */
class NoExecutionsBroker extends SimBroker {
  override async executions(_since: string): Promise<Execution[]> {
    throw new BrokerError('executions: no answer from IB within 10000 ms', 'timeout');
  }
}

const [T0 = '', T1 = ''] = HOURS;
const WEIGHTS = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 };
const msftBuy = (limitPrice: number) => ({
  symbol: 'MSFT',
  action: 'BUY' as const,
  quantity: 10,
  limitPrice,
  adaptivePriority: 'Normal' as const,
  primaryExchange: 'NASDAQ',
  currency: 'USD',
});

describe('a run killed between sending an order and recording it', () => {
  it('when the order is still working: the next run finds it by orderRef, records its ids, cancels it, and the broker saw it once', async () => {
    const ws = simWorkspace();
    writeWeights(ws, T0, WEIGHTS);
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(300), true);
    expect(simOrdersWithRef(ws, killed.orderRef)).toHaveLength(1);

    const lines: string[] = [];
    writeWeights(ws, T1, WEIGHTS);
    const next = await runAt(ws, T1, {}, (...l) => lines.push(...l));
    expect(next.exitCode, lines.join('\n')).toBe(0);

    const [atBroker] = simOrdersWithRef(ws, killed.orderRef);
    expect(simOrdersWithRef(ws, killed.orderRef)).toHaveLength(1);
    expect(atBroker?.status).toBe('Cancelled');
    const recorded = records(ws).orders.find((o) => o.order_ref === killed.orderRef);
    expect(recorded).toMatchObject({ status: 'Cancelled', broker_order_id: atBroker?.orderId, perm_id: atBroker?.permId });
    expect(recorded?.message).toMatch(/^Intent of an earlier run found open at the broker by orderRef: order \d+, permId \d+, Submitted/);
    expect(lines.join('\n')).toMatch(new RegExp(`cancel ${killed.orderRef} \\(order ${atBroker?.orderId}\\): confirmed`));

    // The run then planned from the real position and bought MSFT under its own orderRef: one new order, not two.
    const msftOrders = simState(ws).orders.filter((o) => o.symbol === 'MSFT');
    expect(msftOrders.map((o) => o.orderRef)).toEqual([killed.orderRef, `rebal:${next.runId}:MSFT`]);
    expect(records(ws).runs.find((r) => r.id === killed.runId)).toMatchObject({
      status: 'failed',
      exit_code: null,
      error: expect.stringMatching(/^killed or crashed: did not finish/),
    });
  });

  it('when the order filled at once: the next run records its ids and fills, finishes it as Filled, and plans on the filled position', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(410.41), true);
    const [filled] = simOrdersWithRef(ws, killed.orderRef);
    expect(filled?.status).toBe('Filled');

    writeWeights(ws, T1, WEIGHTS);
    const next = await runAt(ws, T1);
    expect(next.exitCode).toBe(0);
    const r = records(ws);
    expect(r.orders.find((o) => o.order_ref === killed.orderRef)).toMatchObject({
      status: 'Filled',
      broker_order_id: filled?.orderId,
      perm_id: filled?.permId,
      filled_quantity: 10,
    });
    expect(r.fills.filter((f) => f.order_ref === killed.orderRef).map((f) => f.quantity)).toEqual([10]);
    expect(next.newFills.map((f) => f.orderRef)).toContain(killed.orderRef);
    // 85 shares is the target: the 10 already bought are not bought again.
    expect(next.plan?.lines.find((l) => l.symbol === 'MSFT')).toMatchObject({
      currentQuantity: 10,
      targetQuantity: 85,
      action: 'BUY',
      quantity: 75,
    });
    expect(simOrdersWithRef(ws, killed.orderRef)).toHaveLength(1);
    // The ledger starts from the broker's position less the recovered fill, so it agrees.
    expect(next.ledger?.breaks).toEqual([]);
    expect(r.breaches.filter((b) => b.code === 'POSITION_BREAK')).toEqual([]);
  });
});

describe('an intent that was recorded and never sent', () => {
  it('is marked NotSent with a message, and the broker never sees an order under its orderRef', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(410.41), false);
    writeWeights(ws, T1, WEIGHTS);
    const next = await runAt(ws, T1);
    expect(next.exitCode).toBe(0);
    expect(records(ws).orders.find((o) => o.order_ref === killed.orderRef)).toMatchObject({
      status: 'NotSent',
      broker_order_id: null,
      message: expect.stringMatching(/^not at the broker: no open order and no execution with this orderRef/),
    });
    expect(simOrdersWithRef(ws, killed.orderRef)).toEqual([]);
    expect(next.notices.some((n) => n.includes(killed.orderRef) && n.includes('NotSent'))).toBe(true);
  });
});

describe('a run left recorded as running by a killed process', () => {
  it('is marked failed by the next run, which tells a person in a warning email even though it traded normally', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(300), false);
    writeWeights(ws, T1, WEIGHTS);
    const next = await runAt(ws, T1);
    expect(next.exitCode).toBe(0);
    expect(next.status).toBe('ok');
    expect(next.notices[0]).toMatch(new RegExp(`^run ${killed.runId} \\(started ${T0}\\) was killed or crashed`));
    const warning = outbox(ws).find((m) => /Subject: \[rebalancer\] DU0000001 WARNING: /.test(m));
    expect(warning).toMatch(new RegExp(`run ${killed.runId} \\(started ${T0}\\) was killed or crashed`));
  });

  it('is reported in the alert of the next run when that run is blocked', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(300), false);
    writeWeights(ws, T1, WEIGHTS);
    writeHalt(ws.data, { reason: 'looking into it', at: T1, source: 'test' });
    const next = await runAt(ws, T1);
    expect(next.exitCode).toBe(3);
    const alert = outbox(ws).find((m) => /Subject: \[rebalancer\] DU0000001 BLOCKED: KILL_SWITCH/.test(m));
    expect(alert).toMatch(new RegExp(`Note: run ${killed.runId} \\(started ${T0}\\) was killed or crashed`));
    expect(records(ws).runs.map((r) => r.status)).toEqual(['failed', 'blocked']);
  });
});

describe('a send that timed out', () => {
  it('is looked up at the broker once by the next run: an order that reached it after all gets its ids and is cancelled', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(300), true);
    // What submitOrders records when placeOrder times out: the order may or may not be at the broker.
    const store = new SqliteStore(join(ws.data, 'rebalancer.sqlite'));
    store.markOrderFailed(
      killed.orderRef,
      'timeout: no acknowledgement; it may have reached the broker, the next run reconciles it by orderRef',
    );
    store.close();
    writeWeights(ws, T1, WEIGHTS);
    const next = await runAt(ws, T1);
    expect(next.exitCode).toBe(0);
    const [atBroker] = simOrdersWithRef(ws, killed.orderRef);
    expect(atBroker?.status).toBe('Cancelled');
    expect(records(ws).orders.find((o) => o.order_ref === killed.orderRef)).toMatchObject({
      status: 'Cancelled',
      broker_order_id: atBroker?.orderId,
    });
    expect(next.notices.some((n) => n.includes(killed.orderRef) && n.includes('recorded as SendFailed'))).toBe(true);
  });
});

describe('a reconciliation the broker cannot answer', () => {
  it('fails the run (exit 1) with nothing sent, but still cancels the orders earlier runs left working; the next run settles them', async () => {
    const ws = simWorkspace();
    const killed = await runKilledAfterIntent(ws, T0, msftBuy(300), true);
    writeWeights(ws, T1, WEIGHTS);
    const failed = await hourlyRun(ws.root, T1, {
      broker: (dataDir, now) => new NoExecutionsBroker({ dataDir, scenarioFile: ws.scenarioFile, now, commissionModel: 'fixed' }),
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.sent).toEqual([]);
    expect(simOrdersWithRef(ws, killed.orderRef).map((o) => o.status)).toEqual(['Cancelled']);
    expect(records(ws).orders.find((o) => o.order_ref === killed.orderRef)).toMatchObject({
      status: 'Cancelled',
      broker_order_id: simOrdersWithRef(ws, killed.orderRef)[0]?.orderId,
    });
    expect(simState(ws).orders).toHaveLength(1);

    const [, , T2 = ''] = HOURS;
    writeWeights(ws, T2, WEIGHTS);
    const next = await runAt(ws, T2);
    expect(next.exitCode).toBe(0);
    expect(simOrdersWithRef(ws, killed.orderRef)).toHaveLength(1);
  });
});
