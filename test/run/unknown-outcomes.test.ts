/**
 * An order of an earlier day that is no longer open and whose executions IB's API no longer shows (IB Gateway
 * serves only the current day's): its outcome is Unknown, never "expired unfilled". Its ticker is held
 * (ORDER_OUTCOME_UNKNOWN) until the broker's statements show what it did, or a person accepts the position;
 * the other tickers trade. With statements configured, the executions are recovered and recorded once.
 */
import { describe, expect, it } from 'vitest';
import type { Execution } from '../../src/core/types.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { StatementError, type BrokerStatement, type StatementSource } from '../../src/ports/statements.js';
import { memoryRun, runIdAt, runInvariantViolations, seedEarlierRun, WORKING, type MemoryRun } from '../support/memory-ports.js';

/** Friday 2026-11-20, 15:30 New York: the last run of the day left a MSFT order working; the box was then off. */
const FRIDAY = '2026-11-20T20:30:00Z';
/** Monday 10:30 and 11:30 New York. */
const MONDAY = '2026-11-23T15:30:00Z';
const MONDAY_LATER = '2026-11-23T16:30:00Z';

class StatementsOf implements StatementSource {
  readonly name = 'test statements';
  readonly asked: [string, string, string][] = [];
  constructor(private readonly answer: (from: string, to: string) => BrokerStatement | Error) {}
  statement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    this.asked.push([account, fromDate, toDate]);
    const a = this.answer(fromDate, toDate);
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  }
}

function afterTheWeekend(now: string, over: { statements?: StatementSource; stores?: MemoryRun['stores'] } = {}): MemoryRun {
  const run = memoryRun({ now, ...(over.stores !== undefined ? { stores: over.stores } : {}) });
  if (over.statements !== undefined) run.statements = over.statements;
  return run;
}

function seedFriday(run: MemoryRun): string {
  const runId = seedEarlierRun(run, FRIDAY, { order: WORKING });
  // Monday: the order is no longer open (it expired or filled on Friday), and IB lists none of Friday's executions.
  run.broker.script.openOrders.length = 0;
  return `rebal:${runId}:MSFT`;
}

const fridayFill = (orderRef: string, over: Partial<Execution> = {}): Execution => ({
  execId: '0000e0d5.6576f5d1.01.01',
  brokerOrderId: WORKING.brokerOrderId,
  permId: WORKING.permId,
  orderRef,
  symbol: 'MSFT',
  side: 'BUY',
  quantity: 10,
  price: 404.5,
  commission: 1,
  time: '2026-11-20T20:41:07Z',
  ...over,
});

describe('an order whose outcome left the API after a night with the box off', () => {
  it('is recorded Unknown, holds its ticker only (ORDER_OUTCOME_UNKNOWN), and the run says what to do', async () => {
    const run = afterTheWeekend(MONDAY);
    const ref = seedFriday(run);
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    const order = run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0];
    expect(order).toMatchObject({ orderRef: ref, status: 'Unknown' });
    expect(order?.message).toContain('outcome unknown');
    expect(order?.message).toContain('sent on 2026-11-20');
    expect(order?.message).toContain('FLEX_TOKEN and FLEX_QUERY_ID are not set');
    expect(order?.message).not.toMatch(/expired|unfilled/);

    const held = result.breaches.filter((b) => b.code === 'ORDER_OUTCOME_UNKNOWN');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ symbol: 'MSFT' });
    expect(held[0]?.detail).toContain(ref);
    expect(held[0]?.detail).toContain('rebalancer reconcile --accept MSFT --reason');
    // MSFT is held; AAPL and SPY trade: the run is not halted by one ticker.
    expect(result.status).toBe('ok');
    expect(
      run.broker
        .callsTo('placeOrder')
        .map(([o]) => o.symbol)
        .sort(),
    ).toEqual(['AAPL', 'SPY']);
    expect(result.notices.some((n) => n.includes(ref) && n.includes('now Unknown'))).toBe(true);
    expect(run.mailer.attempts.some((m) => /ORDER_OUTCOME_UNKNOWN|MSFT/.test(m.text ?? ''))).toBe(true);
  });

  it('still holds the ticker on the next run, without repeating the notice; a person accepting the position releases it', async () => {
    const first = afterTheWeekend(MONDAY);
    seedFriday(first);
    await runRebalance(first);
    const second = afterTheWeekend(MONDAY_LATER, { stores: first.stores });
    const again = await runRebalance(second);
    expect(again.breaches.map((b) => b.code)).toContain('ORDER_OUTCOME_UNKNOWN');
    expect(again.notices.filter((n) => n.includes('now Unknown'))).toEqual([]);
    expect(second.broker.callsTo('placeOrder').map(([o]) => o.symbol)).not.toContain('MSFT');

    expect(second.store.acceptUnknownOutcomes('MSFT', MONDAY_LATER, 'accepted by operator test: checked at IB')).toBe(1);
    const third = afterTheWeekend('2026-11-23T17:30:00Z', { stores: first.stores });
    const released = await runRebalance(third);
    expect(released.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
    expect(third.broker.callsTo('openOrders').length).toBeGreaterThan(0);
  });
});

describe('an order IB reported filled whose executions no run collected before the night', () => {
  function seedFilledFriday(run: MemoryRun): string {
    const ref = seedFriday(run);
    run.store.updateOrderStatuses([{ ...WORKING, orderRef: ref, status: 'Filled', filledQuantity: 10, avgFillPrice: 404.5 }]);
    return ref;
  }

  it('without statements: Unknown, naming what IB reported, and its ticker held', async () => {
    const run = afterTheWeekend(MONDAY);
    const ref = seedFilledFriday(run);
    const result = await runRebalance(run);
    const order = run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0];
    expect(order).toMatchObject({ orderRef: ref, status: 'Unknown', filledQuantity: 10 });
    expect(order?.message).toContain('IB reported 10 filled while the run watched');
    expect(result.breaches.filter((b) => b.code === 'ORDER_OUTCOME_UNKNOWN').map((b) => b.symbol)).toEqual(['MSFT']);
  });

  it('with statements: the executions are recorded once and the order is Filled again', async () => {
    const run = afterTheWeekend(MONDAY);
    const ref = seedFilledFriday(run);
    run.statements = new StatementsOf((fromDate, toDate) => ({ fromDate, toDate, generatedAt: MONDAY, executions: [fridayFill(ref)] }));
    const result = await runRebalance(run);
    expect(run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(run.store.fillsOfOrder(ref).map((f) => f.execId)).toEqual(['0000e0d5.6576f5d1.01.01']);
    expect(result.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
  });

  it('an order of today missing its fills is left to the collection of fills, not looked up in statements', async () => {
    const run = afterTheWeekend(MONDAY);
    const runId = seedEarlierRun(run, '2026-11-23T14:30:00Z', { order: WORKING });
    run.broker.script.openOrders.length = 0;
    const ref = `rebal:${runId}:MSFT`;
    run.store.updateOrderStatuses([{ ...WORKING, orderRef: ref, status: 'Filled', filledQuantity: 10, avgFillPrice: 404.5 }]);
    run.broker.script.executions.push(fridayFill(ref, { time: '2026-11-23T14:31:00Z' }));
    const statements = new StatementsOf((fromDate, toDate) => ({ fromDate, toDate, generatedAt: MONDAY, executions: [] }));
    run.statements = statements;
    await runRebalance(run);
    expect(statements.asked).toEqual([]);
    expect(run.store.ordersOf(runId)[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(run.store.fillsOfOrder(ref)).toHaveLength(1);
  });
});

describe("with the broker's statements configured", () => {
  it("recovers Friday's executions from the statement: the order is Filled, the fill recorded once, no ticker held", async () => {
    const run = afterTheWeekend(MONDAY);
    const ref = seedFriday(run);
    const statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: MONDAY,
      executions: [fridayFill(ref)],
    }));
    run.statements = statements;
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(statements.asked).toEqual([[expect.any(String), '2026-11-20', '2026-11-22']]);
    const order = run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0];
    expect(order).toMatchObject({ status: 'Filled', filledQuantity: 10, avgFillPrice: 404.5 });
    expect(run.store.fillsOfOrder(ref).map((f) => f.execId)).toEqual(['0000e0d5.6576f5d1.01.01']);
    expect(result.newFills.map((f) => f.execId)).toEqual(['0000e0d5.6576f5d1.01.01']);
    expect(result.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
  });

  it('a statement that covers Friday and holds no execution of the order settles it as cancelled unfilled, from evidence', async () => {
    const run = afterTheWeekend(MONDAY);
    seedFriday(run);
    run.statements = new StatementsOf((fromDate, toDate) => ({ fromDate, toDate, generatedAt: MONDAY, executions: [] }));
    const result = await runRebalance(run);
    expect(run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 0 });
    expect(result.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
  });

  it('an execution of the ticker that day without an orderReference (IB leaves it empty at times) proves nothing: Unknown', async () => {
    const run = afterTheWeekend(MONDAY);
    seedFriday(run);
    run.statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: MONDAY,
      executions: [fridayFill('', { execId: 'noref.01' })],
    }));
    const result = await runRebalance(run);
    const order = run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0];
    expect(order?.status).toBe('Unknown');
    expect(order?.message).toContain('without an orderReference');
    expect(result.breaches.map((b) => b.code)).toContain('ORDER_OUTCOME_UNKNOWN');
  });

  it('a statement that does not reach back to Friday leaves the order Unknown', async () => {
    const run = afterTheWeekend(MONDAY);
    seedFriday(run);
    run.statements = new StatementsOf(() => ({ fromDate: '2026-11-21', toDate: '2026-11-22', generatedAt: MONDAY, executions: [] }));
    const result = await runRebalance(run);
    expect(run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]?.status).toBe('Unknown');
    expect(result.breaches.map((b) => b.code)).toContain('ORDER_OUTCOME_UNKNOWN');
  });

  it('statements that cannot be had (throttled) leave the order Unknown, say why, and the run goes on; the next run finds it', async () => {
    const first = afterTheWeekend(MONDAY);
    const ref = seedFriday(first);
    first.statements = new StatementsOf(() => new StatementError('IB Flex 1018: too many requests; try again later', true, 1018));
    const result = await runRebalance(first);
    expect(result.status).toBe('ok');
    expect(first.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]?.status).toBe('Unknown');
    expect(result.notices.some((n) => n.includes('statements of 2026-11-20 to 2026-11-22 not read') && n.includes('1018'))).toBe(true);

    const second = afterTheWeekend(MONDAY_LATER, { stores: first.stores });
    second.statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: MONDAY_LATER,
      executions: [fridayFill(ref)],
    }));
    const next = await runRebalance(second);
    expect(second.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(next.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
    expect(next.notices.some((n) => n.includes(ref) && n.includes('now Filled'))).toBe(true);
  });

  it('an execution of the statement already recorded is not recorded twice', async () => {
    const run = afterTheWeekend(MONDAY);
    const ref = seedFriday(run);
    run.store.recordFills(
      runIdAt(FRIDAY, 'earlier'),
      [fridayFill(ref, { quantity: 4 })].map((e) => ({ ...e, execId: 'part.01' })),
    );
    run.statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: MONDAY,
      executions: [fridayFill(ref, { execId: 'part.01', quantity: 4 }), fridayFill(ref, { execId: 'rest.01', quantity: 6 })],
    }));
    await runRebalance(run);
    expect(run.store.fillsOfOrder(ref).map((f) => [f.execId, f.quantity])).toEqual([
      ['part.01', 4],
      ['rest.01', 6],
    ]);
    expect(run.store.ordersOf(runIdAt(FRIDAY, 'earlier'))[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
  });
});

describe("an order of today that is no longer open: IB's completed orders say how it ended", () => {
  const EARLIER_TODAY = '2026-11-23T14:30:00Z';

  it('IB reported fills the executions do not show: the completed order gives its final status and filled quantity, the missing shares are named', async () => {
    const run = afterTheWeekend(MONDAY);
    const runId = seedEarlierRun(run, EARLIER_TODAY, { order: { ...WORKING, filledQuantity: 4, avgFillPrice: 404 } });
    run.broker.script.openOrders.length = 0;
    const ref = `rebal:${runId}:MSFT`;
    run.broker.script.completedOrders.push({
      ...WORKING,
      orderRef: ref,
      status: 'Cancelled',
      filledQuantity: 6,
      message: 'Cancelled by Trader',
    });
    const result = await runRebalance(run);
    expect(run.broker.callsTo('completedOrders')).toHaveLength(1);
    expect(run.store.ordersOf(runId)[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 6 });
    expect(run.store.ordersOf(runId)[0]?.message).toContain(
      "among the broker's completed orders of the day: Cancelled, filled 6 of 10 (Cancelled by Trader); the broker reports 6 filled but no execution was found",
    );
    expect(result.notices.some((n) => n.includes(ref) && n.includes('now Cancelled'))).toBe(true);
  });

  it('not asked for when the executions account for what IB reported (the usual case: an order expired or cancelled)', async () => {
    const run = afterTheWeekend(MONDAY);
    const runId = seedEarlierRun(run, EARLIER_TODAY, { order: WORKING });
    run.broker.script.openOrders.length = 0;
    await runRebalance(run);
    expect(run.broker.callsTo('completedOrders')).toEqual([]);
    expect(run.store.ordersOf(runId)[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 0 });
  });
});

describe('an order a person accepted as it was', () => {
  it("gains no fills from a statement fetched for another order's day: its shares are already in the ledger's adjustment", async () => {
    const run = afterTheWeekend(MONDAY);
    const friday = seedEarlierRun(run, FRIDAY, { order: WORKING });
    const spy = { ...WORKING, brokerOrderId: 42, permId: 4200, symbol: 'SPY' };
    run.store.recordOrderIntent(
      friday,
      {
        orderRef: `rebal:${friday}:SPY`,
        symbol: 'SPY',
        action: 'BUY',
        quantity: 10,
        limitPrice: 600,
        adaptivePriority: 'Normal',
        primaryExchange: 'ARCA',
        currency: 'USD',
      },
      FRIDAY,
    );
    run.store.markOrderSent(`rebal:${friday}:SPY`, { ...spy, orderRef: `rebal:${friday}:SPY` });
    run.broker.script.openOrders.length = 0;
    // Monday, without Flex: both Unknown; the person accepts MSFT only.
    await runRebalance(run);
    expect(run.store.acceptUnknownOutcomes('MSFT', MONDAY, 'accepted by operator test')).toBe(1);
    // Flex set up afterwards: the statement of Friday holds both orders' executions.
    const later = afterTheWeekend(MONDAY_LATER, { stores: run.stores });
    later.statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: MONDAY_LATER,
      executions: [
        fridayFill(`rebal:${friday}:MSFT`),
        fridayFill(`rebal:${friday}:SPY`, { execId: 'spy.01', symbol: 'SPY', price: 600, brokerOrderId: 42, permId: 4200 }),
      ],
    }));
    await runRebalance(later);
    expect(later.store.fillsOfOrder(`rebal:${friday}:MSFT`)).toEqual([]);
    expect(later.store.fillsOfOrder(`rebal:${friday}:SPY`).map((f) => f.execId)).toEqual(['spy.01']);
    expect(later.store.ordersOf(friday).map((o) => [o.symbol, o.status])).toEqual([
      ['MSFT', 'Unknown'],
      ['SPY', 'Filled'],
    ]);
  });
});
