/**
 * Orders and fills that carry this system's orderRef prefix (`rebal:<runId>:<symbol>`) but a run id the records
 * never made: another installation trading the same account, or a database restored from an old copy or that lost
 * its WAL. They are not ours to cancel and not ours to count: the run halts (FOREIGN_ORDERS, exit 3), names them,
 * turns the kill switch on so that it stays halted until a person looks, and leaves them alone. Orders of runs the
 * records know (finished, failed, or killed after recording an intent) are ours as before.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerOrder, Execution } from '../../src/core/types.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { memoryRun, runIdAt, runInvariantViolations, seedEarlierRun, type MemoryRun } from '../support/memory-ports.js';

const NOW = '2026-11-23T15:30:00Z';
const EARLIER = '2026-11-23T14:30:00Z';
/** A run id of the same shape as ours, that these records never made. */
const GHOST_RUN = '20261123T143100Z-9f3e';
const GHOST_REF = orderRefFor(GHOST_RUN, 'MSFT');

const ghostOrder = (over: Partial<BrokerOrder> = {}): BrokerOrder => ({
  brokerOrderId: 77,
  permId: 7700,
  orderRef: GHOST_REF,
  symbol: 'MSFT',
  action: 'BUY',
  quantity: 12,
  limitPrice: 405,
  status: 'Submitted',
  filledQuantity: 0,
  avgFillPrice: 0,
  ...over,
});

const ghostFill = (over: Partial<Execution> = {}): Execution => ({
  execId: '0000e1.ghost.01',
  brokerOrderId: 78,
  permId: 7800,
  orderRef: orderRefFor(GHOST_RUN, 'SPY'),
  symbol: 'SPY',
  side: 'SELL',
  quantity: 7,
  price: 600,
  commission: 1,
  time: '2026-11-23T14:40:00Z',
  ...over,
});

const codes = (result: RunResult): string[] => result.breaches.map((b) => b.code);
const cancelledRefs = (run: MemoryRun): string[] => run.broker.callsTo('cancelOrder').map(([o]) => o.orderRef);

describe('orders of ours the records do not know', () => {
  it('an open order with a run id the records never made: FOREIGN_ORDERS names it, halts (exit 3), it is not cancelled, the kill switch holds', async () => {
    const run = memoryRun({ now: NOW });
    const ours = seedEarlierRun(run, EARLIER, {
      order: { ...ghostOrder(), brokerOrderId: 41, permId: 4100, symbol: 'AAPL', action: 'SELL', quantity: 3 },
    });
    run.broker.script.openOrders.push(ghostOrder());
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    expect({ status: result.status, exitCode: result.exitCode }).toEqual({ status: 'blocked', exitCode: 3 });
    expect(result.plan?.tradingState).toBe('HALTED');
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    // Ours is cancelled as before; the unknown one is left alone.
    expect(cancelledRefs(run)).toEqual([orderRefFor(ours, 'AAPL')]);
    const breach = result.breaches.find((b) => b.code === 'FOREIGN_ORDERS');
    expect(breach).toMatchObject({ symbol: 'MSFT' });
    expect(breach?.detail).toContain(GHOST_REF);
    expect(breach?.detail).toMatch(/open order .*BUY 12 MSFT/);
    expect(run.store.breachesOf(run.runId).map((b) => b.code)).toContain('FOREIGN_ORDERS');
    // It stays halted until a person looks: the kill switch is on, and says why.
    expect(run.killSwitch.isOn).toBe(true);
    expect(run.killSwitch.turnedOn[0]?.reason).toContain(GHOST_REF);
    const alert = run.mailer.alerts()[0];
    expect(alert?.subject).toContain('BLOCKED: FOREIGN_ORDERS');
    expect(alert?.text).toMatch(/another installation/);
    expect(alert?.text).toMatch(/rebalancer resume/);
    // Its record is not invented either.
    expect(run.db.orders.map((o) => o.orderRef)).not.toContain(GHOST_REF);
  });

  it('a fill with a run id the records never made: FOREIGN_ORDERS names it, halts, and the fill is neither recorded nor counted in the ledger', async () => {
    const run = memoryRun({ now: NOW });
    run.broker.script.executions.push(ghostFill());
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(result.exitCode).toBe(3);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    const breach = result.breaches.find((b) => b.code === 'FOREIGN_ORDERS');
    expect(breach).toMatchObject({ symbol: 'SPY' });
    expect(breach?.detail).toMatch(/execution .*SELL 7 SPY/);
    expect(breach?.detail).toContain(orderRefFor(GHOST_RUN, 'SPY'));
    expect(run.store.hasFill('0000e1.ghost.01')).toBe(false);
    expect(result.newFills).toEqual([]);
    expect(run.store.ownFillTotals('rebal:')).toEqual([]);
    expect(run.records.trades).toEqual([]);
    expect(run.killSwitch.isOn).toBe(true);
  });

  it('a fill outside the window of executions asked for (before the last collecting run) does not count', async () => {
    const run = memoryRun({ now: NOW });
    seedEarlierRun(run, EARLIER);
    // The window starts an hour before the last run that collected: 13:30.
    run.broker.script.executions.push(ghostFill({ time: '2026-11-23T13:00:00Z' }));
    const result = await runRebalance(run);
    expect(codes(result)).not.toContain('FOREIGN_ORDERS');
    expect(result.exitCode).toBe(0);
    expect(run.store.hasFill('0000e1.ghost.01')).toBe(false);
  });

  it('a fill from before the latest `rebalancer resume` was looked at: not reported again (and still not recorded); one after it is', async () => {
    const run = memoryRun({ now: NOW });
    run.store.recordHaltEvent({
      action: 'resume',
      reason: 'checked: old install stopped',
      at: '2026-11-23T14:45:00Z',
      source: 'operator x',
    });
    run.broker.script.executions.push(ghostFill({ time: '2026-11-23T14:40:00Z' }));
    const quiet = await runRebalance(run);
    expect(codes(quiet)).not.toContain('FOREIGN_ORDERS');
    expect(run.store.hasFill('0000e1.ghost.01')).toBe(false);

    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores });
    next.broker.script.executions.push(ghostFill({ execId: '0000e1.ghost.02', time: '2026-11-23T15:50:00Z' }));
    const result = await runRebalance(next);
    expect(result.breaches.filter((b) => b.code === 'FOREIGN_ORDERS').map((b) => b.detail)).toEqual([
      expect.stringContaining('execution 0000e1.ghost.02'),
    ]);
  });

  it('orders of runs the records know are ours: a run recorded as failed, and a run killed after recording its intent', async () => {
    const run = memoryRun({ now: NOW });
    const failed = seedEarlierRun(run, EARLIER, { order: { ...ghostOrder(), brokerOrderId: 41, permId: 4100 } });
    run.store.finishRun(failed, { finishedAt: EARLIER, status: 'failed', exitCode: 1, error: 'broker: lost' });
    const killed = runIdAt('2026-11-23T15:00:00Z', 'killed');
    run.store.startRun({ runId: killed, startedAt: '2026-11-23T15:00:00Z', tradingDay: '2026-11-23', dryRun: false });
    const killedRef = orderRefFor(killed, 'SPY');
    run.store.recordOrderIntent(
      killed,
      {
        orderRef: killedRef,
        symbol: 'SPY',
        action: 'BUY',
        quantity: 5,
        limitPrice: 598,
        adaptivePriority: 'Normal',
        primaryExchange: 'ARCA',
        currency: 'USD',
      },
      '2026-11-23T15:00:01Z',
    );
    run.broker.script.openOrders.push(ghostOrder({ brokerOrderId: 52, permId: 5200, orderRef: killedRef, symbol: 'SPY', quantity: 5 }));
    run.broker.script.executions.push(ghostFill({ orderRef: orderRefFor(failed, 'MSFT'), symbol: 'MSFT', side: 'BUY', quantity: 2 }));

    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(codes(result)).not.toContain('FOREIGN_ORDERS');
    expect(cancelledRefs(run).sort()).toEqual([orderRefFor(failed, 'MSFT'), killedRef].sort());
    expect(run.store.hasFill('0000e1.ghost.01')).toBe(true);
    expect(run.killSwitch.isOn).toBe(false);
  });

  it('CANCEL_SCOPE=all with an unknown order of ours open: no global cancel (it would cancel that one too); only ours are cancelled, one by one', async () => {
    const run = memoryRun({ now: NOW, settings: { cancelScope: 'all' } });
    const ours = seedEarlierRun(run, EARLIER, { order: { ...ghostOrder(), brokerOrderId: 41, permId: 4100, symbol: 'AAPL' } });
    run.broker.script.openOrders.push(ghostOrder(), ghostOrder({ brokerOrderId: 90, permId: 9000, orderRef: 'typed in TWS' }));
    const result = await runRebalance(run);
    expect(result.exitCode).toBe(3);
    expect(run.broker.callsTo('cancelAllOrders')).toEqual([]);
    // An order typed in TWS can only be cancelled globally (a per-order cancel would name our own order with its
    // id): it is left for this run, which halts and sends nothing anyway.
    expect(cancelledRefs(run)).toEqual([orderRefFor(ours, 'AAPL')]);
    expect(run.lines.join('\n')).toMatch(/CANCEL_SCOPE=all: no global cancel while orders of another installation are open/);
  });

  it('a dry run finds them too, and leaves the kill switch alone', async () => {
    const run = memoryRun({ now: NOW, dryRun: true });
    run.broker.script.openOrders.push(ghostOrder());
    const result = await runRebalance(run);
    expect(codes(result)).toContain('FOREIGN_ORDERS');
    expect(result.exitCode).toBe(3);
    expect(run.broker.callsTo('cancelOrder')).toEqual([]);
    expect(run.killSwitch.isOn).toBe(false);
  });
});
