import { DateTime } from 'luxon';
import { EXCHANGE_ZONE, parseInstant, sessionOn, type SessionRules } from './session.js';

/** A stretch of session time in which no run started. */
export interface MissedRuns {
  /** The previous run's start. */
  since: string;
  /** This run's start. */
  until: string;
  /** Minutes of regular session time between the two. */
  sessionMinutes: number;
  /** Hourly runs that should have happened in that time. */
  expectedRuns: number;
}

/** More than this many days between runs is reported without counting session minutes day by day. */
const MAX_DAYS_SCANNED = 15;

/**
 * Whether hourly runs were missed between the previous run and this one: the machine slept, cron broke, or a
 * lock was held. Counts the regular session time between the two starts; more than one interval plus a
 * tolerance of session time without a run is a miss. Outside the session nothing is expected, so a weekend
 * or a night without runs is not reported.
 */
export function findMissedRuns(
  previousRunAt: string | undefined,
  now: string,
  rules: SessionRules,
  options: { intervalMinutes: number; toleranceMinutes: number } = { intervalMinutes: 60, toleranceMinutes: 15 },
): MissedRuns | undefined {
  if (previousRunAt === undefined) return undefined;
  const from = parseInstant(previousRunAt);
  const to = parseInstant(now);
  if (!(to > from)) return undefined;
  let minutes = 0;
  let day = from.setZone(EXCHANGE_ZONE).startOf('day');
  const lastDay = to.setZone(EXCHANGE_ZONE).startOf('day');
  for (let i = 0; day <= lastDay && i <= MAX_DAYS_SCANNED; i += 1, day = day.plus({ days: 1 })) {
    const session = sessionOn(day.toISODate() ?? '', rules);
    if (!session) continue;
    const start = DateTime.max(from, parseInstant(session.open));
    const end = DateTime.min(to, parseInstant(session.close));
    if (end > start) minutes += end.diff(start, 'minutes').minutes;
  }
  if (minutes <= options.intervalMinutes + options.toleranceMinutes) return undefined;
  return {
    since: previousRunAt,
    until: now,
    sessionMinutes: Math.round(minutes),
    expectedRuns: Math.floor(minutes / options.intervalMinutes),
  };
}
