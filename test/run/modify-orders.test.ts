/**
 * ORDER_UPDATES=modify (the default) on in-memory ports: the order an earlier run left working is changed in place
 * when the plan wants the same side, cancelled when it wants nothing or the other side, and every race (refused,
 * lost, a halt before the change) ends with nothing sent twice, the order cancelled or changed, and the records
 * saying which. The broker's side of a change (ids, codes, queue) is tested against the sim and the gateway.
 */
import { describe, expect, it } from 'vitest';
import { type RunResult } from '../../src/run/rebalance-run.js';
import { aForecastOf, aHalt, MemoryKillSwitch, memoryRun, WORKING, type MemoryRun } from '../support/memory-ports.js';
import { BrokerError } from '../../src/ports/broker.js';
import { aRunWithWorkingOrder, cancelled, EARLIER_RUN, go, MSFT_REF, placed, seedKilledChange } from '../support/working-orders.js';

const modifyCalls = (run: MemoryRun) => run.broker.callsTo('modifyOrder');
const msftLine = (result: RunResult) => result.plan?.lines.find((l) => l.symbol === 'MSFT');

describe('ORDER_UPDATES=modify: the order an earlier run left working', () => {
  it('the plan wants more of the same side: one change in place (same order, its orderRef, a new total and limit), no cancel, no second MSFT order', async () => {
    const run = aRunWithWorkingOrder();
    const result = await go(run);
    expect(result.status).toBe('ok');
    expect(cancelled(run)).toEqual([]);
    const [[order, change] = []] = modifyCalls(run);
    expect(order).toMatchObject({ brokerOrderId: 41, orderRef: MSFT_REF });
    expect(change).toMatchObject({
      orderRef: MSFT_REF,
      symbol: 'MSFT',
      action: 'BUY',
      quantity: 71,
      limitPrice: msftLine(result)?.limitPrice,
    });
    expect(placed(run)).toEqual(['SELL 49 AAPL', 'BUY 32 SPY']);
    // Recorded: the change, the order's new terms under its old orderRef, and what the run asked of the broker.
    expect(run.store.modificationsOf(run.runId)).toMatchObject([
      { orderRef: MSFT_REF, brokerOrderId: 41, fromQuantity: 10, fromLimitPrice: 405, quantity: 71, filledBefore: 0, status: 'Modified' },
    ]);
    expect(run.store.ordersOf(EARLIER_RUN)).toMatchObject([{ orderRef: MSFT_REF, quantity: 71, limitPrice: msftLine(result)?.limitPrice }]);
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 2, modified: 1, cancelled: 0 });
    expect(result.modified?.map((o) => o.orderRef)).toEqual([MSFT_REF]);
    expect(run.lines.join('\n')).toMatch(/modified .*MSFT.*10 @ 405 -> 71 @/);
  });

  it('a partly filled order: the total is what the records hold as filled plus the remainder the plan wants', async () => {
    // 4 of the 10 filled and recorded; the position holds them, so the plan wants 67 more for 71 in all.
    const run = aRunWithWorkingOrder({}, { filledQuantity: 4, avgFillPrice: 404 });
    run.broker.script.positions = [
      ...(run.broker.script.positions ?? []),
      { account: 'DU1234567', symbol: 'MSFT', quantity: 4, avgCost: 404 },
    ];
    run.broker.script.executions = [
      {
        execId: 'e-msft-1',
        orderRef: MSFT_REF,
        brokerOrderId: 41,
        symbol: 'MSFT',
        side: 'BUY',
        quantity: 4,
        price: 404,
        time: '2026-11-23T14:35:00Z',
        commission: 1,
      },
    ];
    const result = await go(run);
    const line = msftLine(result);
    expect(line?.quantity).toBe(67);
    expect(modifyCalls(run)[0]?.[1]).toMatchObject({ quantity: 71 });
    expect(placed(run)).not.toContain(expect.stringMatching(/MSFT/));
  });

  it('the plan wants nothing of the ticker: cancelled after the plan, nothing else for it', async () => {
    const run = aRunWithWorkingOrder({ forecasts: [aForecastOf({ AAPL: 0.1, SPY: 0.2 })] });
    const result = await go(run);
    expect(result.status).toBe('ok');
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 2, modified: 0, cancelled: 1 });
  });

  it('the plan turns the side: the BUY is cancelled and the SELL waits for the next run (sized before the cancel landed)', async () => {
    const run = aRunWithWorkingOrder({}, { action: 'SELL', quantity: 5 });
    const result = await go(run);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(modifyCalls(run)).toEqual([]);
    expect(placed(run)).toEqual(['SELL 49 AAPL', 'BUY 32 SPY']);
    expect(result.status).toBe('ok');
    expect(run.lines.join('\n')).toMatch(/waiting for the next run .*BUY 71 MSFT/);
  });

  it('refused because it filled first (IB 104): the order is cancelled (or found filled), MSFT waits, no alarm, nothing sent twice', async () => {
    const run = aRunWithWorkingOrder();
    run.broker.fail('modifyOrder', new BrokerError("Can't modify a filled order", 'rejected', 104));
    run.broker.answer('cancelOrder', (o) => ({
      brokerOrderId: o.brokerOrderId,
      orderRef: o.orderRef,
      confirmed: false,
      status: 'Filled',
      detail: 'already Filled',
    }));
    const result = await go(run);
    expect(result.status).toBe('ok');
    expect(result.breaches).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).toEqual(['SELL 49 AAPL', 'BUY 32 SPY']);
    expect(run.store.modificationsOf(run.runId)).toMatchObject([{ status: 'Refused', code: 104 }]);
    expect(run.store.ordersOf(EARLIER_RUN)).toMatchObject([{ quantity: 10, limitPrice: 405 }]);
  });

  it('refused for a reason that is no race (IB 110, off the tick): cancelled, BROKER_ERROR, the run fails and alerts', async () => {
    const run = aRunWithWorkingOrder();
    run.broker.fail('modifyOrder', new BrokerError('The price does not conform to the minimum price variation', 'rejected', 110));
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(result.breaches.map((b) => b.code)).toContain('BROKER_ERROR');
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(placed(run)).not.toContain(expect.stringMatching(/MSFT/));
  });

  it('a refused change whose cancel is not confirmed: CANCEL_UNCONFIRMED on MSFT; the run is blocked', async () => {
    const run = aRunWithWorkingOrder();
    run.broker.fail('modifyOrder', new BrokerError('Unable to modify this order as it is still being processed', 'rejected', 2102));
    run.broker.answer('cancelOrder', (o) => ({
      brokerOrderId: o.brokerOrderId,
      orderRef: o.orderRef,
      confirmed: false,
      detail: 'no confirmation',
    }));
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(result.breaches).toMatchObject([{ code: 'CANCEL_UNCONFIRMED', symbol: 'MSFT' }]);
  });

  it('the connection lost while the change was in flight: recorded Unknown, nothing more sent; the next run finds it in effect and records it', async () => {
    const run = aRunWithWorkingOrder();
    run.broker.dropConnection('modifyOrder');
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(placed(run)).toEqual([]);
    expect(run.store.modificationsOf(run.runId)).toMatchObject([{ status: 'Unknown', quantity: 71 }]);

    // The next run: the broker lists the order with the change in effect.
    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores, settings: { orderUpdates: 'modify' } });
    next.broker.script.openOrders = [{ ...WORKING, orderRef: MSFT_REF, quantity: 71, limitPrice: msftLine(result)?.limitPrice ?? 0 }];
    await go(next);
    expect(next.store.modificationsOf(run.runId)).toMatchObject([{ status: 'Modified' }]);
    expect(next.lines.join('\n')).toMatch(/change of .*MSFT.* sent by run .*: in effect/);
  });

  it('killed after the change left and before it was recorded: the next run settles the intent from the broker (not in effect) and plans again', async () => {
    const run = aRunWithWorkingOrder();
    // As a killed run leaves it: the intent recorded, the run never finished.
    const killed = seedKilledChange(run, { quantity: 50, limitPrice: 409 });
    const result = await go(run);
    expect(run.store.modificationsOf(killed)).toMatchObject([{ status: 'NotApplied' }]);
    expect(modifyCalls(run)).toHaveLength(1);
    expect(result.notices.join('\n')).toMatch(/killed or crashed/);
  });

  it('the kill switch turned on before the change: nothing changed or sent, the working order cancelled; blocked', async () => {
    const run = aRunWithWorkingOrder();
    run.killSwitch.turnOnWhen((read) => read >= 2, aHalt());
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(modifyCalls(run)).toEqual([]);
    expect(placed(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('the kill switch on when the run starts: the working order is cancelled after the plan, and the line says trading is halted', async () => {
    const run = aRunWithWorkingOrder({ killSwitch: new MemoryKillSwitch(aHalt()) });
    const result = await go(run);
    expect(result.status).toBe('blocked');
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(run.lines.join('\n')).toMatch(/cancel .*MSFT.*: trading HALTED \(KILL_SWITCH\): no order goes: cancelled/);
  });

  it('market closed (after the close): the working order is cancelled, nothing changed or sent', async () => {
    const run = aRunWithWorkingOrder({ now: '2026-11-23T21:30:00Z' });
    const result = await go(run);
    expect(result.status).toBe('skipped');
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
  });

  it('the run fails after keeping the order for its plan (the quotes cannot be read): the order is cancelled on the way out; exit 1', async () => {
    const run = aRunWithWorkingOrder();
    run.broker.fail('quotes', new BrokerError('market data farm down', 'connectivity'));
    const result = await go(run);
    expect(result.status).toBe('failed');
    expect(modifyCalls(run)).toEqual([]);
    expect(placed(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(run.lines.join('\n')).toMatch(/the run failed before its plan could change or cancel 1 working order\(s\): cancelling them/);
    expect(run.store.previousRun()?.orderCounts).toEqual({ sent: 0, modified: 0, cancelled: 1 });
  });

  it('a dry run changes and cancels nothing, and says what a run would do', async () => {
    const run = aRunWithWorkingOrder({ dryRun: true });
    await go(run);
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([]);
    expect(run.lines.join('\n')).toMatch(/would change .*MSFT.* in place: 10 @ 405 -> 71 @/);
    expect(run.store.modificationsOf(run.runId)).toEqual([]);
  });

  it('an order another API client placed cannot be changed from here: cancelled before the plan, the MSFT order goes out new', async () => {
    const run = aRunWithWorkingOrder({}, { clientId: 3 });
    await go(run);
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(run.broker.methods().indexOf('cancelOrder')).toBeLessThan(run.broker.methods().indexOf('quotes'));
    expect(placed(run)).toContain('BUY 71 MSFT');
  });

  it.each([
    ['ORDER_UPDATES=cancel', { orderUpdates: 'cancel' as const }],
    ['CANCEL_SCOPE=all', { cancelScope: 'all' as const }],
  ])('%s: cancelled before the plan and sent new, as before', async (_name, settings) => {
    const run = aRunWithWorkingOrder({ settings });
    await go(run);
    expect(modifyCalls(run)).toEqual([]);
    expect(cancelled(run)).toEqual([MSFT_REF]);
    expect(run.broker.methods().indexOf('cancelOrder')).toBeLessThan(run.broker.methods().indexOf('quotes'));
    expect(placed(run)).toContain('BUY 71 MSFT');
  });
});
