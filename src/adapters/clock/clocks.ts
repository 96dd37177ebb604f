import type { Clock } from '../../ports/clock.js';

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date().toISOString() };

/** A clock pinned to one instant for good: tests and replays that must not move. */
export function fixedClock(iso: string): Clock {
  return { now: () => iso };
}

/**
 * A clock that reads `start` at its first read and then advances with the machine's wall clock (`--now`,
 * REBALANCER_NOW): a pinned run still sees time pass, so the checks before each order (the plan's age, the
 * session, the run's deadline) work in a pinned run as in a real one. The wall clock, not a monotonic one: a
 * machine suspended (a laptop lid) must come back to a later instant. With `start` read from the machine's
 * clock this is the machine's clock.
 */
export function advancingClock(start: string, wallMs: () => number = Date.now): Clock {
  const startMs = Date.parse(start);
  if (!Number.isFinite(startMs)) throw new RangeError(`advancingClock: not an instant: ${JSON.stringify(start)}`);
  let firstReadMs: number | undefined;
  return {
    now: () => {
      const wall = wallMs();
      firstReadMs ??= wall;
      return wall === firstReadMs ? start : new Date(startMs + (wall - firstReadMs)).toISOString();
    },
  };
}
