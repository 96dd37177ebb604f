/**
 * Pipelined submission (issue 14): the batch's intents are recorded together before the first order leaves, the
 * orders then leave one after the other without waiting for each acknowledgement, and the acknowledgements are
 * collected as they come. Every gate is still read before every order: a halt or a deadline that lands while
 * acknowledgements are outstanding stops what has not left, and what has left is answered and recorded. A process
 * that dies between two sends leaves intents that the next run reconciles by orderRef: nothing is sent twice.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerOrder } from '../../src/core/types.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { MAX_UNACKNOWLEDGED, TURNS_PER_COMMIT } from '../../src/run/submit-orders.js';
import { aForecastOf, memoryRun, runInvariantViolations, type MemoryRun } from '../support/memory-ports.js';
import { aContract, aQuote } from '../support/scripted-broker.js';

const ALL = ['AAPL', 'MSFT', 'SPY'];
const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => o.symbol);

/**
 * Holds every acknowledgement back until `release()`: the broker has the orders, its answers are on their way.
 * `pendingAtCall[i]`: acknowledgements still held when the (i+1)-th order left.
 */
function heldAcknowledgements(run: MemoryRun): { release: () => void; pendingAtCall: number[] } {
  const place = run.broker.placeOrder.bind(run.broker);
  const held: (() => void)[] = [];
  const pendingAtCall: number[] = [];
  let released = false;
  run.broker.placeOrder = (order) => {
    pendingAtCall.push(held.length);
    const answer = place(order);
    if (released) return answer;
    return new Promise<BrokerOrder>((resolve, reject) => held.push(() => void answer.then(resolve, reject)));
  };
  return {
    pendingAtCall,
    release: () => {
      released = true;
      for (const go of held.splice(0)) go();
    },
  };
}

/** Resolves once `cond` holds, checking on every turn of the event loop. */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(cond()).toBe(true);
}

describe('pipelined submission', () => {
  it('records every intent of the batch in one transaction before the first order leaves', async () => {
    const run = memoryRun();
    const place = run.broker.placeOrder.bind(run.broker);
    const seenAtFirstSend: string[][] = [];
    run.broker.placeOrder = (order) => {
      if (seenAtFirstSend.length === 0) seenAtFirstSend.push(run.store.ordersOf(run.runId).map((o) => `${o.symbol} ${o.status}`));
      return place(order);
    };
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(seenAtFirstSend).toEqual([['AAPL Intent', 'MSFT Intent', 'SPY Intent']]);
    expect(run.store.callCounts.get('recordOrderIntents')).toBe(1);
    expect(run.store.callCounts.get('recordOrderIntent') ?? 0).toBe(0);
    expect(run.store.ordersOf(run.runId).map((o) => o.status)).toEqual(['Submitted', 'Submitted', 'Submitted']);
  });

  it('sends every order without waiting for the acknowledgements, then collects them all', async () => {
    const run = memoryRun();
    const acks = heldAcknowledgements(run);
    const running = runRebalance(run);
    await until(() => placed(run).length === 3);
    // All three left while none had been answered.
    expect(acks.pendingAtCall).toEqual([0, 1, 2]);
    acks.release();
    const result = await running;
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(result.sent.map((o) => o.symbol)).toEqual(ALL);
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status, o.brokerOrderId])).toEqual([
      ['AAPL', 'Submitted', 1],
      ['MSFT', 'Submitted', 2],
      ['SPY', 'Submitted', 3],
    ]);
  });

  it('a halt that lands while acknowledgements are outstanding stops what has not left; what left is answered and recorded', async () => {
    const run = memoryRun();
    run.killSwitch.turnOnWhen(() => run.broker.callsTo('placeOrder').length >= 2);
    const acks = heldAcknowledgements(run);
    const running = runRebalance(run);
    // The halt is read before the third order: two have left, neither answered yet.
    await until(() => acks.pendingAtCall.length === 2 && run.killSwitch.isOn);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(placed(run)).toEqual(['AAPL', 'MSFT']);
    acks.release();
    const result = await running;
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(result).toMatchObject({ status: 'blocked', exitCode: 3 });
    expect(result.sent.map((o) => o.symbol)).toEqual(['AAPL', 'MSFT']);
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Submitted'],
      ['MSFT', 'Submitted'],
      ['SPY', 'NotSent'],
    ]);
    expect(result.breaches.map((b) => b.code)).toEqual(['KILL_SWITCH']);
  });

  it('a halt that lands while an order waits its turn (behind the pacing) keeps it back: asked again just before it leaves', async () => {
    const run = memoryRun();
    const send = run.broker.sendOrder.bind(run.broker);
    let waiting = 0;
    run.broker.sendOrder = (order, mayLeave) => {
      waiting += 1;
      return send(order, mayLeave);
    };
    // On once the second order is waiting its turn: after its gate was read, before it leaves.
    run.killSwitch.turnOnWhen(() => waiting >= 2);
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(waiting).toBe(2);
    expect(placed(run)).toEqual(['AAPL']);
    expect(result).toMatchObject({ status: 'blocked', exitCode: 3 });
    expect(result.breaches.map((b) => b.code)).toEqual(['KILL_SWITCH']);
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Submitted'],
      ['MSFT', 'NotSent'],
      ['SPY', 'NotSent'],
    ]);
  });

  it('a deadline that passes mid-batch stops what has not left: RUN_DEADLINE, failed; the unsent intent is NotSent', async () => {
    const run = memoryRun({ settings: { runDeadlineMinutes: 10 } });
    const place = run.broker.placeOrder.bind(run.broker);
    run.broker.placeOrder = (order) => {
      // The machine stalls for 11 minutes right after the first order left.
      if (run.broker.callsTo('placeOrder').length === 0) run.clock.at = '2026-11-23T15:46:00Z';
      return place(order);
    };
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(placed(run)).toEqual(['AAPL']);
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(result.breaches.map((b) => b.code)).toContain('RUN_DEADLINE');
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Submitted'],
      ['MSFT', 'NotSent'],
      ['SPY', 'NotSent'],
    ]);
  });

  it('a broker that stops answering gets no more than MAX_UNACKNOWLEDGED orders; the rest wait, and a lost session stops them', async () => {
    const symbols = Array.from({ length: MAX_UNACKNOWLEDGED + 20 }, (_, i) => `T${String(i).padStart(3, '0')}`);
    const base = memoryRun();
    const run = memoryRun({
      settings: { limits: { ...base.settings.limits, maxOrdersPerRun: 1000 } },
      forecasts: [aForecastOf(Object.fromEntries(symbols.map((s) => [s, 0.9 / symbols.length])))],
    });
    for (const s of symbols) {
      run.broker.script.contracts[s] = aContract(s);
      run.broker.script.quotes[s] = aQuote(s, 10);
    }
    // No acknowledgement ever comes.
    for (let call = 1; call <= symbols.length; call++) run.broker.hang('placeOrder', { call });
    const running = runRebalance(run);
    await until(() => placed(run).length >= MAX_UNACKNOWLEDGED);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(placed(run)).toHaveLength(MAX_UNACKNOWLEDGED);
    // The session is lost (the adapter's deadlines would end them as timeouts): every hanging answer rejects.
    await run.broker.disconnect();
    const result = await running;
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(result.error).toMatch(/^submission stopped: connectivity while sending /);
    expect(placed(run)).toHaveLength(MAX_UNACKNOWLEDGED);
    const recorded = run.store.ordersOf(run.runId);
    expect(recorded.filter((o) => o.status === 'SendFailed')).toHaveLength(MAX_UNACKNOWLEDGED);
    expect(recorded.filter((o) => o.status === 'NotSent')).toHaveLength(20);
  });
});

describe('a process that dies between two sends', () => {
  it('leaves every intent recorded; the next run finds the sent orders by orderRef, settles the unsent one, sends none of them again', async () => {
    const run = memoryRun();
    // The process dies once the second order has left: no acknowledgement is read, nothing more leaves.
    const place = run.broker.placeOrder.bind(run.broker);
    run.broker.placeOrder = (order) => {
      void place(order).catch(() => undefined);
      return new Promise<BrokerOrder>(() => undefined);
    };
    const send = run.broker.sendOrder.bind(run.broker);
    run.broker.sendOrder = (order) => (run.broker.callsTo('placeOrder').length >= 2 ? new Promise(() => undefined) : send(order));
    void runRebalance(run);
    await until(() => placed(run).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(placed(run)).toEqual(['AAPL', 'MSFT']);
    const killed = run.store.ordersOf(run.runId);
    expect(killed.map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Intent'],
      ['MSFT', 'Intent'],
      ['SPY', 'Intent'],
    ]);

    // The broker has the two that left, working.
    const atBroker = [...run.broker.placed.values()].map((o) => ({ ...o }));
    expect(atBroker.map((o) => o.symbol)).toEqual(['AAPL', 'MSFT']);
    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores });
    next.broker.script.openOrders = atBroker;
    const result = await runRebalance(next);
    expect(runInvariantViolations(next, result)).toEqual([]);
    const byRef = new Map(run.store.ordersOf(run.runId).map((o) => [o.symbol, o]));
    // Found at the broker by orderRef (its ids recorded), then cancelled with the rest of an old plan; never sent again.
    expect(byRef.get('AAPL')).toMatchObject({ brokerOrderId: atBroker[0]?.brokerOrderId });
    expect(byRef.get('MSFT')).toMatchObject({ brokerOrderId: atBroker[1]?.brokerOrderId });
    expect(byRef.get('SPY')?.status).toBe('NotSent');
    const sentAgain = next.broker.callsTo('placeOrder').filter(([o]) => killed.some((k) => k.orderRef === o.orderRef));
    expect(sentAgain).toEqual([]);
    expect(next.broker.callsTo('cancelOrder').map(([o]) => o.orderRef)).toEqual(atBroker.map((o) => o.orderRef));
    expect(result.notices.join('\n')).toContain(byRef.get('SPY')?.orderRef);
  });

  it('killed mid-batch and seen on a later day without statements: the intents whose turn never came are NotSent, only the few that may have left are Unknown', async () => {
    const symbols = Array.from({ length: 2 * TURNS_PER_COMMIT + 8 }, (_, i) => `T${String(i).padStart(3, '0')}`);
    const base = memoryRun();
    const friday = '2026-11-20T15:30:00Z';
    const run = memoryRun({
      now: friday,
      settings: { limits: { ...base.settings.limits, maxOrdersPerRun: 1000 } },
      forecasts: [aForecastOf(Object.fromEntries(symbols.map((s) => [s, 0.9 / symbols.length])), { asOf: '2026-11-20T15:00:00Z' })],
    });
    for (const s of symbols) {
      run.broker.script.contracts[s] = aContract(s);
      run.broker.script.quotes[s] = aQuote(s, 10);
    }
    // The process dies while the third order waits its turn (behind the pacing): two have left, nothing more will.
    const send = run.broker.sendOrder.bind(run.broker);
    run.broker.sendOrder = (order, mayLeave) =>
      run.broker.callsTo('placeOrder').length >= 2 ? new Promise(() => undefined) : send(order, mayLeave);
    void runRebalance(run);
    await until(() => placed(run).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const killed = run.store.ordersOf(run.runId);
    expect(killed).toHaveLength(symbols.length);
    // The turns of the first TURNS_PER_COMMIT were recorded before the first left; the others never came.
    expect(killed.filter((o) => o.awaitingTurn === true).map((o) => o.symbol)).toEqual(symbols.slice(TURNS_PER_COMMIT));

    // Monday: IB's API shows neither Friday's orders (DAY orders, ended) nor its executions; no statements configured.
    const monday = memoryRun({ now: '2026-11-23T15:30:00Z', stores: run.stores, settings: run.settings });
    for (const s of symbols) {
      monday.broker.script.contracts[s] = aContract(s);
      monday.broker.script.quotes[s] = aQuote(s, 10);
    }
    const result = await runRebalance(monday);
    expect(runInvariantViolations(monday, result)).toEqual([]);
    const after = new Map(run.store.ordersOf(run.runId).map((o) => [o.symbol, o]));
    for (const s of symbols.slice(0, TURNS_PER_COMMIT)) expect(after.get(s)?.status, s).toBe('Unknown');
    for (const s of symbols.slice(TURNS_PER_COMMIT)) {
      expect(after.get(s)?.status, s).toBe('NotSent');
      expect(after.get(s)?.message).toMatch(/never sent: the run that recorded it stopped before its turn came/);
    }
    // Only the tickers of orders that may have left are held for a person; none of Friday's orders is sent again.
    expect(monday.store.unknownOutcomes().map((o) => o.symbol)).toEqual(symbols.slice(0, TURNS_PER_COMMIT));
    const sentAgain = monday.broker.callsTo('placeOrder').filter(([o]) => killed.some((k) => k.orderRef === o.orderRef));
    expect(sentAgain).toEqual([]);
  });
});
