import { DateTime } from 'luxon';

/**
 * The exchange session clock: NYSE regular hours, 09:30-16:00 America/New_York, Monday to Friday.
 *
 * Pure: every function takes the instant it reasons about, and all calendar arithmetic happens in the
 * exchange's zone, so neither the machine's TZ nor a daylight-saving change moves a session.
 * Holidays and early closes plug in through {@link SessionRules}; the default has none.
 */

export const EXCHANGE_ZONE = 'America/New_York';

/** One session, as ISO 8601 UTC instants: open inclusive, close exclusive. */
export interface Session {
  open: string;
  close: string;
}

/**
 * Calendar exceptions, keyed by New York date (yyyy-MM-dd). A later calendar module supplies the NYSE list;
 * keeping it data lets the simulator and the run share one source.
 */
export interface SessionRules {
  /** Weekdays the exchange is closed. */
  holidays?: ReadonlySet<string>;
  /** Early closes: date -> local close time "HH:mm" (e.g. "13:00"). */
  earlyCloses?: Readonly<Record<string, string>>;
}

const REGULAR: SessionRules = {};
const OPEN_TIME = { hour: 9, minute: 30 };
const CLOSE_TIME = { hour: 16, minute: 0 };
/** Far more than any run of holidays and weekends; a bound so a bad rule set cannot loop forever. */
const MAX_SEARCH_DAYS = 30;

/** Parses an ISO 8601 instant; throws a RangeError naming the input when it is not one. */
export function parseInstant(iso: string): DateTime {
  const dt = DateTime.fromISO(iso, { setZone: true });
  if (!dt.isValid) throw new RangeError(`not an ISO 8601 instant: "${iso}" (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt;
}

/** Formats an instant as ISO 8601 UTC without milliseconds when they are zero. */
export function toIsoUtc(dt: DateTime): string {
  const iso = dt.toUTC().toISO({ suppressMilliseconds: true });
  if (iso === null) throw new RangeError(`invalid instant: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return iso;
}

/** The New York date (yyyy-MM-dd) of an instant: the trading day it belongs to. */
export function tradingDayOf(now: string): string {
  return parseInstant(now).setZone(EXCHANGE_ZONE).toFormat('yyyy-MM-dd');
}

/** The session held on a New York date (yyyy-MM-dd), or undefined on weekends and holidays. */
export function sessionOn(date: string, rules: SessionRules = REGULAR): Session | undefined {
  const day = DateTime.fromISO(date, { zone: EXCHANGE_ZONE });
  if (!day.isValid) throw new RangeError(`not a date (yyyy-MM-dd): "${date}"`);
  if (day.weekday > 5 || rules.holidays?.has(date)) return undefined;
  const early = rules.earlyCloses?.[date];
  const close = early === undefined ? CLOSE_TIME : parseLocalTime(early);
  return {
    open: toIsoUtc(day.set({ ...OPEN_TIME, second: 0, millisecond: 0 })),
    close: toIsoUtc(day.set({ ...close, second: 0, millisecond: 0 })),
  };
}

/** The session of the New York date of `now` (whether or not `now` is inside it), or undefined. */
export function sessionFor(now: string, rules: SessionRules = REGULAR): Session | undefined {
  return sessionOn(tradingDayOf(now), rules);
}

/** True when `now` is within the regular session: open <= now < close. */
export function isSessionOpen(now: string, rules: SessionRules = REGULAR): boolean {
  const session = sessionFor(now, rules);
  if (session === undefined) return false;
  const t = parseInstant(now).toMillis();
  return parseInstant(session.open).toMillis() <= t && t < parseInstant(session.close).toMillis();
}

/** The first session open strictly after `now` (ISO UTC): later today, or on the next trading day. */
export function nextSessionOpen(now: string, rules: SessionRules = REGULAR): string {
  const t = parseInstant(now).toMillis();
  let day = parseInstant(now).setZone(EXCHANGE_ZONE).startOf('day');
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++, day = day.plus({ days: 1 })) {
    const session = sessionOn(day.toFormat('yyyy-MM-dd'), rules);
    if (session !== undefined && parseInstant(session.open).toMillis() > t) return session.open;
  }
  throw new RangeError(`no session open within ${MAX_SEARCH_DAYS} days after ${now}`);
}

/** The close of the last session held on a New York date strictly before that of `now`. */
export function previousSessionClose(now: string, rules: SessionRules = REGULAR): string {
  let day = parseInstant(now).setZone(EXCHANGE_ZONE).startOf('day');
  for (let i = 0; i < MAX_SEARCH_DAYS; i++) {
    day = day.minus({ days: 1 });
    const session = sessionOn(day.toFormat('yyyy-MM-dd'), rules);
    if (session !== undefined) return session.close;
  }
  throw new RangeError(`no session within ${MAX_SEARCH_DAYS} days before ${now}`);
}

/**
 * The latest instant at or before `now` when the market was open, as a price source: `now` itself during
 * the session, else the close of the last session (today's after the close, an earlier one before the open).
 */
export function lastMarketTime(now: string, rules: SessionRules = REGULAR): string {
  if (isSessionOpen(now, rules)) return now;
  const today = sessionFor(now, rules);
  if (today !== undefined && parseInstant(now).toMillis() >= parseInstant(today.close).toMillis()) return today.close;
  return previousSessionClose(now, rules);
}

function parseLocalTime(hhmm: string): { hour: number; minute: number } {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (m === null) throw new RangeError(`not a local time (HH:mm): "${hhmm}"`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}
