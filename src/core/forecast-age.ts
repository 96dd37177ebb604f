import { DateTime } from 'luxon';
import { EXCHANGE_ZONE, isoDate, parseInstant, sessionOn, type SessionRules } from './session.js';
import type { Breach, Forecast } from './types.js';

/**
 * How old a forecast may be, counted in the exchange's trading sessions (the default) or in clock hours.
 *
 * The rule, in sessions: a session counts against a forecast once it has closed and it opened at or after the
 * forecast's `asOf`, i.e. the whole session could have traded on it. The forecast is stale once `sessions` such
 * sessions have closed. With the default of 1:
 * - written Friday 17:00 New York (after the close): Monday's session is its first; fresh all Monday, stale at
 *   Monday's close. A holiday or a weekend in between holds no session and costs nothing.
 * - written Thursday 17:00: Friday's session closed since, so a run on Monday morning finds it stale.
 * - written during a session (Tuesday 11:00): Tuesday's session was not whole after it and does not count; fresh
 *   until Wednesday's close.
 * - written before the open (Tuesday 08:00): Tuesday's session counts; stale at Tuesday's close.
 * - an early close (13:00) ends its session at 13:00: the session counts from then on.
 * The sessions are those of the rules the run trades by (the contracts' liquid hours, or our NYSE calendar).
 *
 * In hours: stale when `now - asOf` is more than `hours` (exactly the limit is fresh), weekends included.
 * Each limit that is set applies; with neither set, the limit is one session.
 */
export interface ForecastAgeLimit {
  /** Stale once this many whole sessions have closed since asOf (MAX_FORECAST_AGE_SESSIONS). */
  sessions?: number;
  /** Stale once more than this many clock hours old (MAX_FORECAST_AGE_HOURS). */
  hours?: number;
}

/** The limit when neither MAX_FORECAST_AGE_SESSIONS nor MAX_FORECAST_AGE_HOURS is set. */
export const DEFAULT_FORECAST_AGE_SESSIONS = 1;

/** The limits in force: those set; with neither set, {@link DEFAULT_FORECAST_AGE_SESSIONS} sessions. */
export function forecastAgeLimitOf(settings: { maxForecastAgeSessions?: number; maxForecastAgeHours?: number }): ForecastAgeLimit {
  const { maxForecastAgeSessions: sessions, maxForecastAgeHours: hours } = settings;
  if (sessions === undefined && hours === undefined) return { sessions: DEFAULT_FORECAST_AGE_SESSIONS };
  return { ...(sessions === undefined ? {} : { sessions }), ...(hours === undefined ? {} : { hours }) };
}

/** A session that closed, with its New York date. */
export interface ClosedSession {
  date: string;
  open: string;
  close: string;
}

const HOUR_MS = 3_600_000;
/** How many closed sessions a message lists before it says "and N more". */
const LISTED_SESSIONS = 5;

/**
 * The sessions that opened at or after `asOf` and closed at or before `now`, oldest first; at most `max` of them
 * (the search stops there, so a file years old costs no more than a fresh one).
 */
export function sessionsClosedSince(asOf: string, now: string, rules: SessionRules, max: number): ClosedSession[] {
  const from = parseInstant(asOf).toMillis();
  const to = parseInstant(now).toMillis();
  const found: ClosedSession[] = [];
  if (to <= from) return found;
  const last = parseInstant(now).setZone(EXCHANGE_ZONE).startOf('day');
  let day: DateTime = parseInstant(asOf).setZone(EXCHANGE_ZONE).startOf('day');
  for (; day <= last && found.length < max; day = nextDay(day)) {
    const date = isoDate(day);
    const session = sessionOn(date, rules);
    if (session === undefined) continue;
    if (parseInstant(session.open).toMillis() >= from && parseInstant(session.close).toMillis() <= to) found.push({ date, ...session });
  }
  return found;
}

/**
 * STALE_FORECAST when the forecast is past a limit of `limit` at `now` under `rules`; undefined when it is fresh.
 * An asOf after `now` is fresh here (how far ahead is the reader's INVALID_FORECAST). Pure.
 */
export function checkForecastAge(
  forecast: Pick<Forecast, 'file' | 'asOf'>,
  now: string,
  limit: ForecastAgeLimit,
  rules: SessionRules,
): Breach | undefined {
  let asOf: DateTime;
  try {
    asOf = parseInstant(forecast.asOf);
  } catch (error) {
    return { code: 'INVALID_FORECAST', detail: `${forecast.file}: asOf: ${error instanceof Error ? error.message : String(error)}` };
  }
  const ageMs = parseInstant(now).toMillis() - asOf.toMillis();
  const head = `${forecast.file}: asOf: forecast is ${formatDuration(Math.max(ageMs, 0))} old (asOf ${forecast.asOf}, now ${now})`;
  if (limit.hours !== undefined && ageMs > limit.hours * HOUR_MS) {
    const hint =
      limit.sessions === undefined
        ? '; MAX_FORECAST_AGE_HOURS counts clock hours, weekends and holidays included: unset it to count trading sessions instead (MAX_FORECAST_AGE_SESSIONS, default 1)'
        : '';
    return { code: 'STALE_FORECAST', detail: `${head}; the limit is ${limit.hours} hours (MAX_FORECAST_AGE_HOURS)${hint}` };
  }
  if (limit.sessions !== undefined) {
    const searched = limit.sessions + LISTED_SESSIONS;
    const closed = sessionsClosedSince(forecast.asOf, now, rules, searched);
    if (closed.length >= limit.sessions) {
      const more = closed.length === searched ? ' or more' : '';
      const listed = closed.slice(0, LISTED_SESSIONS).map(describeSession).join(', ');
      const rest = closed.length > LISTED_SESSIONS ? ', ...' : '';
      return {
        code: 'STALE_FORECAST',
        detail:
          `${head}; ${closed.length}${more} trading ${plural(closed.length, 'session')} closed since asOf: ${listed}${rest}; ` +
          `the limit is ${limit.sessions} ${plural(limit.sessions, 'session')} (MAX_FORECAST_AGE_SESSIONS)`,
      };
    }
  }
  return undefined;
}

/** The forecasts still fresh, and a STALE_FORECAST for each one that is not. Pure. */
export function judgeForecastAges(
  forecasts: readonly Forecast[],
  now: string,
  limit: ForecastAgeLimit,
  rules: SessionRules,
): { fresh: Forecast[]; breaches: Breach[] } {
  const fresh: Forecast[] = [];
  const breaches: Breach[] = [];
  for (const forecast of forecasts) {
    const breach = checkForecastAge(forecast, now, limit, rules);
    if (breach === undefined) fresh.push(forecast);
    else breaches.push(breach);
  }
  return { fresh, breaches };
}

/** "2026-11-20 (Fri, 09:30-16:00 New York)". */
function describeSession(session: ClosedSession): string {
  const zoned = (iso: string) => parseInstant(iso).setZone(EXCHANGE_ZONE).setLocale('en-US');
  const open = zoned(session.open);
  return `${session.date} (${open.toFormat('ccc')}, ${open.toFormat('HH:mm')}-${zoned(session.close).toFormat('HH:mm')} New York)`;
}

function nextDay(day: DateTime): DateTime {
  return day.plus({ days: 1 }).startOf('day');
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** "25.5 hours (25h 30m 0s)": the decimal for reading, the clock form so that just over a limit shows. */
function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const clock = `${Math.floor(seconds / 3600)}h ${Math.floor(seconds / 60) % 60}m ${seconds % 60}s`;
  const hours = Number((ms / HOUR_MS).toFixed(2));
  return `${hours} ${hours === 1 ? 'hour' : 'hours'} (${clock})`;
}
