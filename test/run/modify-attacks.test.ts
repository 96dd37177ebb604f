/**
 * Attacks on ORDER_UPDATES=modify (the default), on in-memory ports and the scripted broker: a stale or lying list
 * of open orders, fills at the worst moment, a halt, a lost lock, a stale plan, blocked tickers, REDUCING, a short
 * book, a second order on the ticker, a kill between a change and its record, a failing store. The invariants: no
 * order twice, never past the plan's target, every fill once, the records right, nothing of an old plan left
 * working after a run that halts, fails or is blocked. Each test documents a defence; those marked "was a defect"
 * failed before the fix named in their comment.
 */
import { describe, expect, it } from 'vitest';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import {
  aHalt,
  EARLIER,
  memoryRun,
  runIdAt,
  seedEarlierRun,
  WORKING,
  type MemoryRun,
  type MemoryRunOverrides,
} from '../support/memory-ports.js';
import { aForecastOf } from '../support/memory-ports.js';
import { aRunWithWorkingOrder, cancelled, EARLIER_RUN, go, MSFT_REF, placed, seedKilledChange } from '../support/working-orders.js';
import { aPosition, anAccountSummary } from '../support/scripted-broker.js';
import { BrokerError } from '../../src/ports/broker.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import { NYSE_RULES } from '../../src/core/session.js';
import type { Execution } from '../../src/core/types.js';

/** A second earlier run, a minute later, that left a BUY of 5 SPY working. */
const EARLIER_SPY = '2026-11-23T14:31:00Z';
const SPY_REF = orderRefFor(runIdAt(EARLIER_SPY, 'earlier'), 'SPY');
const SPY_WORKING = { ...WORKING, brokerOrderId: 42, permId: 4200, symbol: 'SPY', quantity: 5, limitPrice: 595 };

const aRun = aRunWithWorkingOrder;

/** MSFT and SPY both left working by earlier runs (MSFT first in plan order). */
function twoWorking(overrides: MemoryRunOverrides = {}): MemoryRun {
  const run = aRun(overrides);
  seedEarlierRun(run, EARLIER_SPY, { order: SPY_WORKING });
  return run;
}

const changes = (run: MemoryRun): string[] =>
  run.broker.callsTo('modifyOrder').map(([o, c]) => `${o.orderRef}: ${c.action} ${c.quantity} ${c.symbol} @ ${c.limitPrice}`);
const line = (result: RunResult, symbol: string) => result.plan?.lines.find((l) => l.symbol === symbol);

/** `quantity` shares of the MSFT order filled, as IB reports the execution. */
function msftFill(quantity: number, execId = 'e-msft-1'): Execution {
  return {
    execId,
    orderRef: MSFT_REF,
    brokerOrderId: 41,
    symbol: 'MSFT',
    side: 'BUY',
    quantity,
    price: 404,
    time: '2026-11-23T14:35:00Z',
    commission: 1,
  };
}

/** The broker holds `quantity` MSFT, bought by the working order, and reports its executions (or not). */
function msftFilled(run: MemoryRun, quantity: number, o: { executions?: boolean } = {}): void {
  run.broker.script.positions = [...run.broker.script.positions, aPosition('MSFT', quantity, { avgCost: 404 })];
  if (o.executions !== false) run.broker.script.executions = [msftFill(quantity)];
}

/** MSFT managed since an earlier run, with a ledger baseline of 0: the ledger check applies to it. */
function msftManaged(run: MemoryRun): void {
  run.store.addManagedSymbols(['MSFT'], EARLIER_RUN);
  run.store.recordLedgerAdjustment({
    symbol: 'MSFT',
    kind: 'baseline',
    quantity: 0,
    ledgerBefore: 0,
    brokerQuantity: 0,
    reason: 'first managed',
    runId: EARLIER_RUN,
    at: EARLIER,
    source: `run ${EARLIER_RUN}`,
  });
}

/** The plan a run makes with no working order: what "the plan wants exactly what the order asks" means. */
async function planWithoutWorking(): Promise<{ quantity: number; limitPrice: number }> {
  const dry = memoryRun({ dryRun: true, settings: { orderUpdates: 'modify' } });
  const result = await runRebalance(dry);
  const msft = line(result, 'MSFT');
  return { quantity: msft?.quantity ?? 0, limitPrice: msft?.limitPrice ?? 0 };
}

describe('attacks on changing working orders in place', () => {
  // --- never past the target ---------------------------------------------------------------------------------

  it('a stale list of open orders (0 filled) while 4 fills are recorded: the total counts the records (4 + 67 = 71), never 75', async () => {
    const run = aRun();
    msftFilled(run, 4);
    const result = await go(run);
    expect(line(result, 'MSFT')?.quantity).toBe(67);
    expect(changes(run)).toEqual([expect.stringMatching(new RegExp(`^${MSFT_REF}: BUY 71 MSFT`))]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
    expect(run.store.modificationsOf(run.runId)).toMatchObject([{ filledBefore: 4, quantity: 71, status: 'Modified' }]);
  });

  it('the broker reports more filled than the records hold (executions not seen): cancelled, not changed, and MSFT not sent new', async () => {
    const run = aRun({}, { filledQuantity: 4, avgFillPrice: 404 });
    msftFilled(run, 4, { executions: false });
    const result = await go(run);
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
    expect(result.status).toBe('ok');
    expect(run.lines.join('\n')).toMatch(/broker reports 4 filled, the records 0/);
  });

  it('the order filled past the target (75 of 100 BUY, target 71): the BUY is cancelled, the SELL waits a run, no change', async () => {
    const run = aRun({}, { quantity: 100, filledQuantity: 75, avgFillPrice: 404 });
    msftFilled(run, 75);
    const result = await go(run);
    expect(line(result, 'MSFT')).toMatchObject({ action: 'SELL' });
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 2, modified: 0, cancelled: 1 });
  });

  it('the plan shrinks the remainder to zero (71 of 100 filled, target 71): cancelled, not changed to its filled quantity', async () => {
    const run = aRun({}, { quantity: 100, filledQuantity: 71, avgFillPrice: 404 });
    msftFilled(run, 71);
    const result = await go(run);
    expect(line(result, 'MSFT')?.action).toBe('NONE');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
  });

  it('a side turn whose cancel finds the order Filled: the SELL is not sent on the stale size, and no alarm', async () => {
    const run = aRun({}, { action: 'SELL', quantity: 5 });
    run.broker.answer('cancelOrder', (o) => ({ brokerOrderId: o.brokerOrderId, orderRef: o.orderRef, confirmed: false, status: 'Filled' }));
    const result = await go(run);
    expect(placed(run)).toEqual(['SELL 49 AAPL', 'BUY 32 SPY']);
    expect(result.breaches).toEqual([]);
    expect(result.status).toBe('ok');
  });

  it('short book (allowShort): a SELL left working is changed to a SELL of filled + remainder, never turned into a BUY', async () => {
    const run = aRun(
      { forecasts: [aForecastOf({ AAPL: 0.1, MSFT: -0.1, SPY: 0.2 })], settings: { sizing: { ...shortSizing() } } },
      { action: 'SELL', quantity: 5 },
    );
    const result = await go(run);
    const msft = line(result, 'MSFT');
    expect(msft?.action).toBe('SELL');
    expect(changes(run)).toEqual([`${MSFT_REF}: SELL ${msft?.quantity} MSFT @ ${msft?.limitPrice}`]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
  });

  it("two working orders of ours on MSFT: both cancelled, no change, and the plan's MSFT waits a run (never on top of a live one)", async () => {
    const run = aRun();
    const second = orderRefFor(runIdAt('2026-11-23T14:45:00Z', 'earlier'), 'MSFT');
    seedEarlierRun(run, '2026-11-23T14:45:00Z', { order: { ...WORKING, brokerOrderId: 43, permId: 4300 } });
    await go(run);
    expect(changes(run)).toEqual([]);
    expect(cancelled(run).sort()).toEqual([MSFT_REF, second].sort());
    expect(placed(run)).toEqual(['SELL 49 AAPL', 'BUY 32 SPY']);
  });

  // --- blocked tickers and states ----------------------------------------------------------------------------

  it('a position break on MSFT (ledger 0, broker 5): the working order is cancelled, not changed', async () => {
    const run = aRun();
    msftManaged(run);
    run.broker.script.positions = [...run.broker.script.positions, aPosition('MSFT', 5)];
    const result = await go(run);
    expect(result.breaches.map((b) => b.code)).toContain('POSITION_BREAK');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
  });

  it('a lying broker reports the same 4 shares twice (two execIds): the ledger breaks, so the order is cancelled, not changed to 8 + remainder', async () => {
    const run = aRun();
    msftManaged(run);
    msftFilled(run, 4);
    run.broker.script.executions = [msftFill(4, 'e-msft-1'), msftFill(4, 'e-msft-2')];
    const result = await go(run);
    expect(result.breaches.map((b) => b.code)).toContain('POSITION_BREAK');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('an order of unknown outcome blocks MSFT (ORDER_OUTCOME_UNKNOWN): the working order is cancelled, not changed', async () => {
    const run = aRun();
    const friday = '2026-11-20T15:00:00Z';
    const fridayRun = runIdAt(friday, 'earlier');
    run.store.startRun({ runId: fridayRun, startedAt: friday, tradingDay: '2026-11-20', dryRun: false });
    const ref = orderRefFor(fridayRun, 'MSFT');
    run.store.recordOrderIntent(
      fridayRun,
      {
        orderRef: ref,
        symbol: 'MSFT',
        action: 'BUY',
        quantity: 20,
        limitPrice: 400,
        adaptivePriority: 'Normal',
        primaryExchange: 'NASDAQ',
        currency: 'USD',
      },
      friday,
    );
    run.store.markOrderSent(ref, { ...WORKING, brokerOrderId: 7, permId: 700, orderRef: ref, quantity: 20, limitPrice: 400 });
    run.store.recordReconciliation(ref, { status: 'Unknown', filledQuantity: 0, avgFillPrice: 0, message: 'out of sight', at: friday });
    run.store.finishRun(fridayRun, { finishedAt: friday, status: 'ok', exitCode: 0 });
    const result = await go(run);
    expect(result.breaches.map((b) => b.code)).toContain('ORDER_OUTCOME_UNKNOWN');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('the kill switch on when the run starts (HALTED): cancelled, nothing changed or sent', async () => {
    const run = aRun({ killSwitch: undefined });
    run.killSwitch.turnOn(aHalt());
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(changes(run)).toEqual([]);
    expect(placed(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('REDUCING (margin cushion under the limit): the working BUY is cancelled, not changed; the reducing SELL goes', async () => {
    const run = aRun();
    run.broker.script.summary = anAccountSummary({ totalCash: 81_000, grossPositionValue: 19_000, excessLiquidity: 2_000, cushion: 0.02 });
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('REDUCING');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).toEqual(['SELL 49 AAPL']);
  });

  it('the broker clock 10 minutes off (CLOCK_SKEW): cancelled, nothing changed', async () => {
    const run = aRun({ settings: { maxClockSkewSeconds: 60 } });
    run.broker.script.time = '2026-11-23T15:40:00Z';
    const result = await go(run);
    expect(result.breaches.map((b) => b.code)).toContain('CLOCK_SKEW');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('the no-trade window after the open: cancelled, nothing changed', async () => {
    const run = aRun({ now: '2026-11-23T14:35:00Z', settings: { noTradeFirstMinutes: 15 } });
    const result = await go(run);
    expect(result.status).toBe('skipped');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  // --- stops during the run ----------------------------------------------------------------------------------

  it('a halt between two changes: the first stands (this plan), the second is cancelled, nothing new sent; blocked', async () => {
    const run = twoWorking();
    run.killSwitch.turnOnWhen((read) => read >= 3, aHalt());
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(changes(run)).toHaveLength(1);
    expect(changes(run)[0]).toMatch(new RegExp(`^${MSFT_REF}:`));
    expect(cancelled(run)).toEqual([SPY_REF]);
    expect(placed(run)).toEqual([]);
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 0, modified: 1, cancelled: 1 });
  });

  it('the run lock lost (a second copy may start): no change sent, the working order cancelled, the run fails', async () => {
    const run = aRun();
    run.lock = { lost: () => 'the lock file was removed' };
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(result.breaches.map((b) => b.code)).toContain('LOCK_LOST');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).toEqual([]);
  });

  it('the plan grows stale while the quotes are read (a suspended machine): no change, the working order cancelled', async () => {
    const run = aRun();
    const quotes = run.broker.script.quotes;
    run.broker.answer('quotes', (symbols) => {
      run.clock.at = '2026-11-23T15:45:00Z';
      return Object.fromEntries(symbols.flatMap((s) => (quotes[s] === undefined ? [] : [[s, quotes[s]]])));
    });
    const result = await go(run);
    expect(result.breaches.map((b) => b.code)).toContain('STALE_PLAN');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).toEqual([]);
  });

  // Was a defect (fixed): an order the plan wants exactly as it stands is "left working" before the gates are asked; when a gate
  // then stops the run (a halt typed during the run, the deadline, a stale plan, the lock lost), only the orders
  // still to be changed are cancelled (apply-orders.ts, `changed.unsent`), and the sending of new orders stops in
  // submitOrders without touching `updates.unchanged`: the old order keeps working for another hour after a halt.
  // With ORDER_UPDATES=cancel it would have been cancelled before planning and never sent again.
  it('a halt during the run when the plan wants the working order exactly as it stands: the old order is cancelled', async () => {
    const wanted = await planWithoutWorking();
    const run = aRun({}, { quantity: wanted.quantity, limitPrice: wanted.limitPrice });
    run.killSwitch.turnOnWhen((read) => read >= 2, aHalt());
    const result = await go(run);
    expect(changes(run)).toEqual([]);
    expect(placed(run)).toEqual([]);
    expect(result.status).toBe('blocked');
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  // --- a slow, silent or failing broker and store ------------------------------------------------------------

  it('a change that times out while the next is answered: the one in doubt Unknown and cancelled, nothing new sent; the run fails', async () => {
    const run = twoWorking();
    run.broker.hang('modifyOrder', { ms: 5 });
    const result = await go(run);
    expect(result.status).toBe('failed');
    // Changes are pipelined (up to MODIFICATIONS_IN_FLIGHT waiting for IB at once): SPY's left before MSFT's timed
    // out, and IB answered it. MSFT's is in doubt: recorded Unknown, its order cancelled whichever terms it has now.
    expect(run.store.modificationsOf(run.runId)).toMatchObject([
      { orderRef: MSFT_REF, status: 'Unknown' },
      { orderRef: SPY_REF, status: 'Modified' },
    ]);
    expect(cancelled(run)).toContain(MSFT_REF);
    expect(placed(run)).toEqual([]);
  });

  // Was a defect (fixed): after a change times out (the connection still up), the order itself is left working with either its
  // old terms (an hour-old plan's size and limit) or the new ones, for another hour, while the run fails
  // (modify-orders.ts modifyOne: the `error.kind !== 'rejected'` branch returns without cancelling). A cancel is
  // right whichever way the change went; the next run settles the change from the order as IB lists it.
  it('a change that times out: the order whose change is in doubt is cancelled before the run ends', async () => {
    const run = aRun();
    run.broker.hang('modifyOrder', { ms: 5 });
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('the records cannot hold the change (disk error on its intent): no change sent, the order cancelled on the way out', async () => {
    const run = aRun();
    run.store.failOn('recordModificationIntent');
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).toEqual([]);
  });

  it('a change accepted, then the order killed at the broker (Inactive in the status window): BROKER_ERROR, the run fails', async () => {
    const run = aRun();
    run.broker.answer('orderStatuses', (ids) =>
      ids.flatMap((id) => {
        const o = run.broker.modified.get(id) ?? run.broker.placed.get(id);
        if (o === undefined) return [];
        return [id === 41 ? { ...o, status: 'Inactive' as const, message: 'margin (201)' } : o];
      }),
    );
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(result.breaches).toMatchObject([{ code: 'BROKER_ERROR', symbol: 'MSFT' }]);
    expect(run.store.ordersOf(EARLIER_RUN)).toMatchObject([{ orderRef: MSFT_REF, status: 'Inactive' }]);
  });

  it('a refused change (IB 103) whose cancel raises: CANCEL_UNCONFIRMED on MSFT, nothing new for MSFT', async () => {
    const run = aRun();
    run.broker.fail('modifyOrder', new BrokerError('Duplicate order id', 'rejected', 103));
    run.broker.fail('cancelOrder', new BrokerError('cancel lost', 'timeout'));
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(result.breaches.map((b) => b.code).sort()).toEqual(['BROKER_ERROR', 'CANCEL_UNCONFIRMED']);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
    expect(run.store.modificationsOf(run.runId)).toMatchObject([{ status: 'Refused', code: 103 }]);
  });

  // Was a defect (fixed): a run that fails after cancelOpenOrders kept the orders for the plan but before reconcileAndCancel
  // returns them (reconcile-and-cancel.ts cancelAndRecord: `updateOrderStatuses`, `settleEarlierModifications`)
  // never hands them to runRebalance: soFar.kept is set only from `settled.working` (rebalance-run.ts), so
  // cancelKept finds nothing and the hour-old order keeps working after a failed run. Fix: hand the kept orders to
  // the composer before anything else can fail (e.g. cancelAndRecord catches, cancels `cancelled.kept` best effort
  // and rethrows; or reconcileAndCancel returns the kept orders through a callback set before cancelOpenOrders).
  it('the records fail while the kept orders are recorded (disk error): the kept order is cancelled on the way out', async () => {
    const run = aRun();
    run.store.failOn('unsettledModifications');
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  // Was a defect (fixed with the one above): a cancel of an order the plan cannot keep that throws (a timeout) fails
  // the run inside cancelOpenOrders, before the kept orders reach soFar.kept: they keep working.
  it('the cancel of a PendingSubmit order of ours times out: the kept MSFT order is cancelled on the way out too', async () => {
    const run = aRun();
    seedEarlierRun(run, EARLIER_SPY, { order: { ...SPY_WORKING, status: 'PendingSubmit' } });
    run.broker.fail('cancelOrder', new BrokerError('cancel of 42 timed out', 'timeout'));
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(cancelled(run)).toContain(MSFT_REF);
  });

  // Was a defect (fixed): runs.orders_modified counts `applied.modified`, which a run that throws inside applyOrders (a disk error
  // on the second change's intent) never returns: the run records 0 changes though one reached the broker
  // (rebalance-run.ts, soFar.counts is set only after applyOrders returns; the catch adds cancelKept's cancels
  // only). Fix: count each change and cancel as it is confirmed (e.g. an `onCount` callback in UpdateOptions, or
  // return the counts with the failure as submitOrders does with `failure`).
  it('a disk error on the second change: the first change, which reached the broker, is counted', async () => {
    const run = twoWorking();
    run.store.failOn('recordModificationIntent', { call: 2 });
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(changes(run)).toHaveLength(1);
    // Both are cancelled on the way out: the changed one too (fail closed).
    expect(cancelled(run).sort()).toEqual([MSFT_REF, SPY_REF].sort());
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 0, modified: 1, cancelled: 2 });
  });

  it("an order of another day (Friday) still working on Monday: changed in place like today's, its Friday fills counted", async () => {
    const run = memoryRun({ settings: { orderUpdates: 'modify' } });
    const friday = '2026-11-20T15:00:00Z';
    seedEarlierRun(run, friday, { order: { ...WORKING, filledQuantity: 4, avgFillPrice: 404 } });
    const ref = orderRefFor(runIdAt(friday, 'earlier'), 'MSFT');
    run.store.recordFills(runIdAt(friday, 'earlier'), [{ ...msftFill(4), orderRef: ref, time: '2026-11-20T15:05:00Z' }]);
    run.broker.script.positions = [...run.broker.script.positions, aPosition('MSFT', 4, { avgCost: 404 })];
    const result = await go(run);
    expect(line(result, 'MSFT')?.quantity).toBe(67);
    expect(changes(run)).toEqual([expect.stringMatching(new RegExp(`^${ref}: BUY 71 MSFT`))]);
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
  });

  it('`rebalancer plan` with a stale list and a fill not yet recorded: says the change a run would make (71), records nothing', async () => {
    const run = aRun();
    msftFilled(run, 4);
    const preview = await previewPlan(
      { broker: run.broker, store: run.store, killSwitch: run.killSwitch, forecasts: run.forecasts, fallbackRules: NYSE_RULES },
      run.settings,
      run.clock.now(),
    );
    expect(preview.orderUpdates).toEqual([expect.stringMatching(/would change .*MSFT.* in place: 10 @ 405 -> 71 @/)]);
    expect(run.broker.methods()).not.toContain('modifyOrder');
    expect(run.broker.methods()).not.toContain('cancelOrder');
    expect(run.store.fillsOfOrder(MSFT_REF)).toEqual([]);
  });

  // --- a kill between a change and its record ------------------------------------------------------------------

  it('killed after a change 10 -> 71 that then filled completely: the next run finds it Modified, every fill once, the records 71', async () => {
    const run = aRun();
    msftFilled(run, 71);
    run.broker.script.openOrders = [];
    const killed = seedKilledChange(run, { quantity: 71, limitPrice: 410.5 });
    const result = await go(run);
    expect(run.store.modificationsOf(killed)).toMatchObject([{ status: 'Modified' }]);
    expect(run.store.fillsOfOrder(MSFT_REF).map((f) => f.quantity)).toEqual([71]);
    expect(line(result, 'MSFT')?.action).toBe('NONE');
    expect(placed(run).filter((p) => p.includes('MSFT'))).toEqual([]);
  });

  it('a dry run keeps nothing out of the plan and records no change, even with fills to collect', async () => {
    const run = aRun({ dryRun: true });
    msftFilled(run, 4);
    await go(run);
    expect(changes(run)).toEqual([]);
    expect(cancelled(run)).toEqual([]);
    expect(run.store.modificationsOf(run.runId)).toEqual([]);
    expect(run.lines.join('\n')).toMatch(/would change .*MSFT.* in place: 10 @ 405 -> 71 @/);
  });
});

function shortSizing() {
  return {
    cashBufferPct: 2,
    noTradeBandPct: 0.5,
    minOrderValue: 100,
    limitOffsetBps: 10,
    adaptivePriority: 'Normal' as const,
    commissionModel: 'fixed' as const,
    allowShort: true,
  };
}
