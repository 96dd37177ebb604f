import { describe, expect, it } from 'vitest';
import { advancingClock } from '../../src/adapters/clock/clocks.js';

describe('the run clock of a pinned --now', () => {
  it('reads the pinned instant first, then advances with the wall clock (a suspended machine comes back later)', () => {
    let wall = 1_000_000;
    const clock = advancingClock('2026-11-23T15:30:00.000Z', () => wall);
    expect(clock.now()).toBe('2026-11-23T15:30:00.000Z');
    wall += 1500;
    expect(clock.now()).toBe('2026-11-23T15:30:01.500Z');
    wall += 8 * 3600_000;
    expect(clock.now()).toBe('2026-11-23T23:30:01.500Z');
  });

  it('refuses what is not an instant', () => {
    expect(() => advancingClock('soon')).toThrow(/not an instant/);
  });
});
