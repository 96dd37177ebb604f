import { DateTime } from 'luxon';
import { ConfigError } from '../errors.js';

/**
 * The run's clock: `--now`, else REBALANCER_NOW, else the real time. A pinned time must name its zone
 * (Z or an offset): a bare local time would mean different instants on different machines.
 */
export function resolveNow(flag: string | undefined, env: NodeJS.ProcessEnv, realNow: () => Date = () => new Date()): string {
  const [source, value] =
    flag !== undefined ? ['--now', flag] : env.REBALANCER_NOW ? ['REBALANCER_NOW', env.REBALANCER_NOW] : [undefined, undefined];
  if (source === undefined || value === undefined) return realNow().toISOString();
  const parsed = DateTime.fromISO(value, { setZone: true });
  // A time of day, then its zone: a bare date like 2026-11-23 must not pass for one with a -23 offset.
  const hasZone = /T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(value.trim());
  if (!parsed.isValid || !hasZone) {
    throw new ConfigError(`${source}: not an ISO 8601 time with a zone, like 2026-11-23T15:30:00Z (got "${value}")`, source);
  }
  return parsed.toUTC().toISO() ?? value;
}
