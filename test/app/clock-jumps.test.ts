import { describe, expect, it } from 'vitest';
import { advancingClock } from '../../src/adapters/clock/clocks.js';
import { deadlineGate, freshPlanGate } from '../../src/run/submit-orders.js';
import type { OrderRequest } from '../../src/core/types.js';

const START = '2026-11-23T15:30:00.000Z';
const MIN = 60_000;
const order = { symbol: 'SPY', action: 'BUY', quantity: 1 } as unknown as OrderRequest;

describe('the run clock when the machine clock steps backward (NTP step, a person setting the date)', () => {
  it('never goes back: time the process lived still counts (monotonic), and no reading is earlier than the last', () => {
    let wall = 1_000_000_000;
    let mono = 5_000;
    const clock = advancingClock(
      START,
      () => wall,
      () => mono,
    );
    expect(clock.now()).toBe(START);
    wall += 5 * MIN;
    mono += 5 * MIN;
    expect(clock.now()).toBe('2026-11-23T15:35:00.000Z');
    // The wall clock is stepped back two hours; the process runs on for 5 more minutes.
    wall -= 2 * 60 * MIN;
    wall += 5 * MIN;
    mono += 5 * MIN;
    expect(clock.now()).toBe('2026-11-23T15:40:00.000Z');
    // A step back with no time passed: the clock stays where it was, never earlier.
    wall -= 60 * MIN;
    expect(Date.parse(clock.now())).toBeGreaterThanOrEqual(Date.parse('2026-11-23T15:40:00.000Z'));
  });

  it('a suspended machine (wall moves, monotonic does not) still comes back later', () => {
    let wall = 1_000_000_000;
    const mono = 5_000;
    const clock = advancingClock(
      START,
      () => wall,
      () => mono,
    );
    clock.now();
    wall += 3 * 60 * MIN;
    expect(clock.now()).toBe('2026-11-23T18:30:00.000Z');
  });

  it('a process stopped 50 minutes while the wall clock was stepped back an hour: the deadline and plan-age gates still stop the sending', () => {
    let wall = 1_000_000_000;
    let mono = 5_000;
    const clock = advancingClock(
      START,
      () => wall,
      () => mono,
    );
    const startedAt = clock.now();
    wall += 50 * MIN - 60 * MIN;
    mono += 50 * MIN;
    const deadline = deadlineGate({ startedAt, deadlineMinutes: 45, now: () => clock.now() });
    expect(deadline(order, [order])?.breach.code).toBe('RUN_DEADLINE');
    const fresh = freshPlanGate({
      plannedAt: startedAt,
      maxAgeMinutes: 10,
      now: () => clock.now(),
      phaseAt: () => ({ ordersAllowed: true }) as never,
    });
    expect(fresh(order, [order])?.breach.code).toBe('STALE_PLAN');
  });
});
