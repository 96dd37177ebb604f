/**
 * The gate before each order (issue 9, items 2 and 3): a run re-reads its clock before every order, and stops
 * sending when its plan has grown old, when the session it was made for has closed, or when the run is past its
 * deadline. A laptop lid closed after the first order (SIGSTOP) must not send the rest of a 10:35 plan at 18:30.
 */
import { describe, expect, it } from 'vitest';
import type { Breach } from '../../src/core/types.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { IN_SESSION, memoryRun, runInvariantViolations, type MemoryRun, type MemoryRunOverrides } from '../support/memory-ports.js';

const ALL = ['SELL 49 AAPL', 'BUY 71 MSFT', 'BUY 32 SPY'];
const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => `${o.action} ${o.quantity} ${o.symbol}`);
const codes = (breaches: readonly Breach[]): string[] => [...new Set(breaches.map((b) => b.code))];

/**
 * A run whose clock jumps to `later` once the first order has left (the process was stopped): orders go out
 * pipelined, so the next order's gate is read before the first one's acknowledgement comes back.
 */
function suspendedAfterFirstOrder(later: string, overrides: MemoryRunOverrides = {}): MemoryRun {
  const run = memoryRun(overrides);
  const place = run.broker.placeOrder.bind(run.broker);
  let orders = 0;
  run.broker.placeOrder = (order) => {
    const accepted = place(order);
    orders += 1;
    if (orders === 1) run.clock.at = later;
    return accepted;
  };
  return run;
}

async function go(run: MemoryRun): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result)).toEqual([]);
  return result;
}

describe('the gate before each order', () => {
  it('a run resumed after the close sends nothing more of its plan: STALE_PLAN naming the phase and the age, alerted', async () => {
    // Planned 10:30 New York; resumed 18:30 New York, after the close.
    const run = suspendedAfterFirstOrder('2026-11-23T23:30:00Z');
    const result = await go(run);
    expect(placed(run)).toEqual([ALL[0]]);
    expect(result.sent.map((o) => o.symbol)).toEqual(['AAPL']);
    expect(codes(result.breaches)).toContain('STALE_PLAN');
    const stale = result.breaches.find((b) => b.code === 'STALE_PLAN');
    expect(stale?.detail).toMatch(/after-close/);
    expect(stale?.detail).toMatch(/480 minutes/);
    expect(stale?.detail).toContain('BUY 71 MSFT');
    // Eight hours also put the run far past its deadline: both are said, and the run failed.
    expect(codes(result.breaches)).toContain('RUN_DEADLINE');
    expect(result.status).toBe('failed');
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/deadline.*; the plan is stale/);
    expect(run.db.breaches.some((b) => b.code === 'STALE_PLAN' && b.runId === run.runId)).toBe(true);
    expect(run.mailer.alerts()).toHaveLength(1);
    expect(run.mailer.alerts()[0]?.text).toContain('STALE_PLAN');
  });

  it('a plan older than MAX_PLAN_AGE_MINUTES stops sending, even in session', async () => {
    const run = suspendedAfterFirstOrder('2026-11-23T15:41:00Z', { settings: { maxPlanAgeMinutes: 10 } });
    const result = await go(run);
    expect(placed(run)).toEqual([ALL[0]]);
    expect(result.breaches.find((b) => b.code === 'STALE_PLAN')?.detail).toMatch(/11 minutes old, over the limit of 10/);
    expect(result.status).toBe('blocked');
  });

  it('a session that closed meanwhile stops sending, though the plan is young', async () => {
    // 15:58 New York, two minutes before the close; the first order took three minutes.
    const run = suspendedAfterFirstOrder('2026-11-23T21:01:00Z', { now: '2026-11-23T20:58:00Z', settings: { maxPlanAgeMinutes: 10 } });
    const result = await go(run);
    expect(placed(run)).toHaveLength(1);
    const stale = result.breaches.find((b) => b.code === 'STALE_PLAN');
    expect(stale?.detail).toMatch(/after-close/);
    expect(result.status).toBe('blocked');
  });

  it('a clock that moves a little (orders take seconds) sends the whole plan: no false alarm', async () => {
    const run = suspendedAfterFirstOrder('2026-11-23T15:32:00Z');
    const result = await go(run);
    expect(placed(run)).toEqual(ALL);
    expect(result.status).toBe('ok');
    expect(result.breaches).toEqual([]);
  });

  it('a run past RUN_DEADLINE_MINUTES sends nothing more: RUN_DEADLINE, failed, alerted', async () => {
    // A plan allowed to be an hour old, so that only the run's deadline speaks.
    const run = suspendedAfterFirstOrder('2026-11-23T16:16:00Z', { settings: { maxPlanAgeMinutes: 60, runDeadlineMinutes: 45 } });
    const result = await go(run);
    expect(placed(run)).toEqual([ALL[0]]);
    expect(codes(result.breaches)).toEqual(['RUN_DEADLINE']);
    expect(result.breaches[0]?.detail).toMatch(/46 minutes.*deadline of 45 minutes/);
    expect(result.status).toBe('failed');
    expect(result.exitCode).toBe(1);
    expect(result.error).toMatch(/deadline/);
    expect(run.mailer.alerts()[0]?.text).toContain('RUN_DEADLINE');
  });

  it('the kill switch still stops what is not yet sent (the gate keeps its first check)', async () => {
    const run = memoryRun({ now: IN_SESSION });
    run.killSwitch.turnOnWhen((read) => read === 3);
    const result = await go(run);
    expect(placed(run).length).toBeLessThan(ALL.length);
    expect(codes(result.breaches)).toContain('KILL_SWITCH');
    expect(result.status).toBe('blocked');
  });
});
