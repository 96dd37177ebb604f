import type { Clock } from '../../ports/clock.js';

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date().toISOString() };

/** A clock pinned to one instant (`--now`, REBALANCER_NOW): tests and replays. */
export function fixedClock(iso: string): Clock {
  return { now: () => iso };
}
