/**
 * The machine's clock against the broker's. IB stamps executions and reads the executions filter on its own
 * clock; the records' times are the machine's. A machine more than an hour ahead of IB used to ask for the fills
 * from an instant IB had not reached yet: every fill missed, orders recorded Cancelled, every ticker broken. The
 * run reads IB's clock right after connecting, asks for executions on it, warns when the clocks are over a minute
 * apart (naming both), and halts over MAX_CLOCK_SKEW_SECONDS (CLOCK_SKEW, exit 3).
 */
import { describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { Execution } from '../../src/core/types.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import { compareClocks } from '../../src/run/broker-clock.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { memoryRun, runInvariantViolations, seedEarlierRun } from '../support/memory-ports.js';

const NOW = '2026-11-23T15:30:00Z';
const EARLIER = '2026-11-23T14:30:00Z';
const shift = (iso: string, hours: number): string =>
  DateTime.fromISO(iso, { zone: 'utc' }).plus({ hours }).toISO({ suppressMilliseconds: true }) ?? iso;
/** IB's clock, two hours behind the machine's. */
const IB_NOW = shift(NOW, -2);

const earlierOrder = {
  brokerOrderId: 41,
  permId: 4100,
  symbol: 'MSFT',
  action: 'BUY' as const,
  quantity: 10,
  limitPrice: 410,
  status: 'Submitted' as const,
  filledQuantity: 0,
  avgFillPrice: 0,
};

/** The earlier order's fill, stamped by IB on its own clock: five minutes after the order, two hours "early". */
function fillOf(runId: string): Execution {
  return {
    execId: '0000e1.skew.01',
    brokerOrderId: 41,
    permId: 4100,
    orderRef: orderRefFor(runId, 'MSFT'),
    symbol: 'MSFT',
    side: 'BUY',
    quantity: 10,
    price: 409.5,
    commission: 1,
    time: shift('2026-11-23T14:35:00Z', -2),
  };
}

describe("IB's clock, not the machine's, for IB's times", () => {
  it("IB two hours behind (allowed): the executions are asked for from an hour before the last run on IB's clock, and the fill is recorded once", async () => {
    const run = memoryRun({ now: NOW, settings: { maxClockSkewSeconds: 3 * 3600 } });
    const earlier = seedEarlierRun(run, EARLIER, { order: earlierOrder });
    run.broker.script.time = IB_NOW;
    run.broker.script.openOrders = [];
    run.broker.script.executions = [fillOf(earlier)];
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    // An hour before the earlier run (14:30 machine = 12:30 IB): 11:30 on IB's clock, for the reconciliation and the collection.
    const asked = run.broker.callsTo('executions').map(([since]) => Date.parse(since));
    expect(asked.length).toBeGreaterThan(0);
    for (const since of asked) expect(new Date(since).toISOString()).toBe('2026-11-23T11:30:00.000Z');
    expect(run.store.fillsOfOrder(orderRefFor(earlier, 'MSFT')).map((f) => f.execId)).toEqual(['0000e1.skew.01']);
    // Read right after connecting, before anything else.
    expect(run.broker.methods().slice(0, 2)).toEqual(['connect', 'currentTime']);
    const warning = run.lines.find((l) => /clock/.test(l));
    expect(warning).toMatch(/broker's clock reads 2026-11-23T13:30:00Z, this machine's 2026-11-23T15:30:00Z/);
    expect(warning).toMatch(/2 h \(7200 s\) behind/);
    expect(result.breaches.map((b) => b.code)).not.toContain('CLOCK_SKEW');
    expect(result.exitCode).toBe(0);
  });

  it('past MAX_CLOCK_SKEW_SECONDS: CLOCK_SKEW names both clocks and the difference, HALTED, nothing sent (exit 3), the fills still recorded', async () => {
    const run = memoryRun({ now: NOW });
    const earlier = seedEarlierRun(run, EARLIER, { order: earlierOrder });
    run.broker.script.time = IB_NOW;
    run.broker.script.openOrders = [];
    run.broker.script.executions = [fillOf(earlier)];
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(result.exitCode).toBe(3);
    expect(result.plan?.tradingState).toBe('HALTED');
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    const skew = result.breaches.find((b) => b.code === 'CLOCK_SKEW');
    expect(skew?.detail).toMatch(/2026-11-23T13:30:00Z.*2026-11-23T15:30:00Z.*7200 s.*300 s \(MAX_CLOCK_SKEW_SECONDS\)/);
    expect(run.store.fillsOfOrder(orderRefFor(earlier, 'MSFT'))).toHaveLength(1);
  });

  it('IB ahead of the machine by the same amount is refused alike; under a minute apart says nothing and trades', async () => {
    const ahead = memoryRun({ now: NOW });
    ahead.broker.script.time = shift(NOW, 2);
    const blocked = await runRebalance(ahead);
    expect(blocked.breaches.map((b) => b.code)).toContain('CLOCK_SKEW');
    expect(ahead.broker.callsTo('placeOrder')).toEqual([]);

    const close = memoryRun({ now: NOW });
    close.broker.script.time = '2026-11-23T15:30:40Z';
    const traded = await runRebalance(close);
    expect(traded.exitCode).toBe(0);
    expect(close.broker.callsTo('placeOrder').length).toBeGreaterThan(0);
    expect(close.lines.filter((l) => /clock/.test(l))).toEqual([]);
  });

  it('`plan` shows the same: the warning and the CLOCK_SKEW breach', async () => {
    const run = memoryRun({ now: NOW });
    run.broker.script.time = IB_NOW;
    const preview = await previewPlan(run, run.settings, NOW);
    expect(preview.breaches.map((b) => b.code)).toContain('CLOCK_SKEW');
    expect(preview.plan?.tradingState).toBe('HALTED');
    expect(preview.sessionWarnings.join('\n')).toMatch(/broker's clock reads 2026-11-23T13:30:00Z, this machine's 2026-11-23T15:30:00Z/);
    expect(run.broker.callsTo('executions').map(([since]) => since)).toEqual([shift(shift(NOW, -24 * 7), -2)]);
  });

  it("a recorded fill still waiting for its commission, IB two hours ahead: the window reaches back to it on IB's clock", async () => {
    const run = memoryRun({ now: NOW, settings: { maxClockSkewSeconds: 3 * 3600 } });
    const earlier = seedEarlierRun(run, EARLIER, { order: earlierOrder });
    // Filled at 12:00 machine time, stamped 14:00 by IB; its commission report never came.
    const uncommissioned = { ...fillOf(earlier), time: '2026-11-23T14:00:00Z', commission: null };
    run.store.recordFills(earlier, [uncommissioned]);
    run.broker.script.time = shift(NOW, 2);
    run.broker.script.openOrders = [];
    run.broker.script.executions = [{ ...uncommissioned, commission: 1.25 }];
    await runRebalance(run);
    // A minute before the fill, on IB's clock (not 15:30 IB, an hour before the earlier run, which would miss it).
    const asked = run.broker.callsTo('executions').map(([since]) => new Date(since).toISOString());
    expect(asked.at(-1)).toBe('2026-11-23T13:59:00.000Z');
    expect(run.store.fillsOfOrder(orderRefFor(earlier, 'MSFT')).map((f) => f.commission)).toEqual([1.25]);
  });

  it('a broker time that is no time is a breach, never agreement', () => {
    expect(compareClocks('garbage', NOW, 300).breach?.code).toBe('CLOCK_SKEW');
    expect(compareClocks(NOW, NOW, 300)).toMatchObject({ offsetMs: 0 });
    expect(compareClocks(NOW, NOW, 300).warning).toBeUndefined();
  });
});
