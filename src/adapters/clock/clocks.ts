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
 * clock this is the machine's clock. It never goes back: the time elapsed is the larger of the wall clock's and
 * the monotonic clock's (`monoMs`), and never less than at the last reading, so a wall clock stepped backward
 * (NTP, a person setting the date) cannot make a plan look younger or give a run more time before its deadline.
 */
export function advancingClock(start: string, wallMs: () => number = Date.now, monoMs: () => number = () => performance.now()): Clock {
  const startMs = Date.parse(start);
  if (!Number.isFinite(startMs)) throw new RangeError(`advancingClock: not an instant: ${JSON.stringify(start)}`);
  let first: { wall: number; mono: number } | undefined;
  let elapsedMs = 0;
  return {
    now: () => {
      const wall = wallMs();
      const mono = monoMs();
      first ??= { wall, mono };
      elapsedMs = Math.max(elapsedMs, wall - first.wall, mono - first.mono);
      return elapsedMs === 0 ? start : new Date(startMs + elapsedMs).toISOString();
    },
  };
}
