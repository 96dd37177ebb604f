/**
 * Changes in place are pipelined like new orders: each waits for its turn in the adapter's pacing, not for IB's answer
 * to the one before, with at most MODIFICATIONS_IN_FLIGHT waiting for an answer at once. A change of unknown fate (a
 * timeout) stops the sending: those already sent are answered and settled, no new one leaves.
 */
import { describe, expect, it } from 'vitest';
import { MODIFICATIONS_IN_FLIGHT, modifyWorking, type UpdateOptions } from '../../src/run/modify-orders.js';
import type { Modification } from '../../src/core/order-updates.js';
import type { BrokerOrder } from '../../src/core/types.js';
import { memoryRun, runIdAt, type MemoryRun } from '../support/memory-ports.js';
import { orderRefFor } from '../../src/run/run-id.js';

const EARLIER = '2026-11-23T14:35:00Z';
const NOW = '2026-11-23T15:35:00Z';

/** `n` working orders of an earlier run (T0, T1, ...), recorded, and a change of each to 20 @ 101. */
function working(run: MemoryRun, n: number): Modification[] {
  const runId = runIdAt(EARLIER, 'earlier');
  run.store.startRun({ runId, startedAt: EARLIER, tradingDay: '2026-11-23', dryRun: false });
  const mods: Modification[] = [];
  for (let i = 0; i < n; i++) {
    const symbol = `T${i}`;
    const order: BrokerOrder = {
      orderRef: orderRefFor(runId, symbol),
      brokerOrderId: 100 + i,
      permId: 1000 + i,
      symbol,
      action: 'BUY',
      quantity: 10,
      limitPrice: 100,
      status: 'Submitted',
      filledQuantity: 0,
      avgFillPrice: 0,
    };
    run.store.recordOrderIntent(
      runId,
      {
        orderRef: order.orderRef,
        symbol,
        action: 'BUY',
        quantity: 10,
        limitPrice: 100,
        adaptivePriority: 'Normal',
        primaryExchange: 'NYSE',
        currency: 'USD',
      },
      EARLIER,
    );
    run.store.markOrderSent(order.orderRef, order);
    mods.push({
      order,
      change: {
        orderRef: order.orderRef,
        symbol,
        action: 'BUY',
        quantity: 20,
        limitPrice: 101,
        adaptivePriority: 'Normal',
        primaryExchange: 'NYSE',
        currency: 'USD',
      },
      remainder: 20,
      filledBefore: 0,
    });
  }
  run.store.finishRun(runId, { finishedAt: EARLIER, status: 'ok', exitCode: 0 });
  return mods;
}

async function optionsOf(run: MemoryRun): Promise<UpdateOptions> {
  await run.broker.connect();
  run.store.startRun({ runId: run.runId, startedAt: NOW, tradingDay: '2026-11-23', dryRun: false });
  return { broker: run.broker, store: run.store, runId: run.runId, now: NOW, out: () => undefined };
}

/** Counts how many changes wait for the broker's answer at once; each answer comes after `ms`. */
function measureInFlight(run: MemoryRun, ms: number): { most: number } {
  const seen = { most: 0 };
  let active = 0;
  const inner = run.broker.modifyOrder.bind(run.broker);
  run.broker.modifyOrder = async (order, change) => {
    active += 1;
    seen.most = Math.max(seen.most, active);
    try {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return await inner(order, change);
    } finally {
      active -= 1;
    }
  };
  return seen;
}

describe('changes in place, pipelined', () => {
  it(`sends the next change before the answer to the one before, never more than ${MODIFICATIONS_IN_FLIGHT} unanswered`, async () => {
    const run = memoryRun();
    const mods = working(run, MODIFICATIONS_IN_FLIGHT * 3 + 1);
    const seen = measureInFlight(run, 5);
    const done = await modifyWorking(await optionsOf(run), mods, []);
    expect(done.stop).toBeUndefined();
    expect(done.unsent).toEqual([]);
    expect(seen.most).toBe(MODIFICATIONS_IN_FLIGHT);
    // Every change sent once and settled as the broker answered it.
    expect(
      run.broker
        .callsTo('modifyOrder')
        .map(([o]) => o.symbol)
        .sort(),
    ).toEqual(mods.map((m) => m.order.symbol).sort());
    expect(done.modified).toHaveLength(mods.length);
    expect(run.store.modificationsOf(run.runId).map((m) => m.status)).toEqual(mods.map(() => 'Modified'));
  });

  it('a change that times out stops the sending: those already sent are settled, no new one leaves, the rest are unsent', async () => {
    const run = memoryRun();
    const mods = working(run, MODIFICATIONS_IN_FLIGHT + 4);
    // IB answers none of them: each times out after 5 ms.
    for (let call = 1; call <= mods.length; call++) run.broker.hang('modifyOrder', { call, ms: 5 });
    const done = await modifyWorking(await optionsOf(run), mods, []);
    expect(done.stop?.status).toBe('failed');
    expect(run.broker.callsTo('modifyOrder')).toHaveLength(MODIFICATIONS_IN_FLIGHT);
    expect(done.unsent.map((m) => m.order.symbol)).toEqual(mods.slice(MODIFICATIONS_IN_FLIGHT).map((m) => m.order.symbol));
    // Each change in doubt is recorded Unknown and its order cancelled, whichever terms it has now.
    expect(run.store.modificationsOf(run.runId).map((m) => m.status)).toEqual(mods.slice(0, MODIFICATIONS_IN_FLIGHT).map(() => 'Unknown'));
    expect(run.broker.callsTo('cancelOrder')).toHaveLength(MODIFICATIONS_IN_FLIGHT);
  });

  it('a gate that speaks mid-batch: no change leaves after it, those sent are answered', async () => {
    const run = memoryRun();
    const mods = working(run, 5);
    let calls = 0;
    const halted = () => {
      calls += 1;
      return calls > 2
        ? { status: 'blocked' as const, reason: 'kill switch on', breach: { code: 'KILL_SWITCH' as const, detail: 'halted mid-batch' } }
        : undefined;
    };
    const done = await modifyWorking(await optionsOf(run), mods, [halted]);
    expect(done.stop).toMatchObject({ status: 'blocked', reason: 'kill switch on' });
    expect(run.broker.callsTo('modifyOrder').map(([o]) => o.symbol)).toEqual(['T0', 'T1']);
    expect(done.modified.map((o) => o.symbol).sort()).toEqual(['T0', 'T1']);
    expect(done.unsent.map((m) => m.order.symbol)).toEqual(['T2', 'T3', 'T4']);
  });
});
