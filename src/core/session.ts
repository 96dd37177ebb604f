import { DateTime } from 'luxon';
import { nyseDayRule } from './calendar-nyse.js';
import type { DayRule, Session } from './session-types.js';

export type { DayRule, Session };

/**
 * The exchange session clock: NYSE regular hours, 09:30-16:00 America/New_York, on the NYSE's trading days.
 *
 * Pure: every function takes the instant it reasons about, and all calendar arithmetic happens in the
 * exchange's zone, so neither the machine's TZ nor a daylight-saving change moves a session.
 * Holidays and early closes come from {@link SessionRules}; the default is the NYSE calendar by rule
 * (calendar-nyse.ts), and the broker's liquid hours can take over for the dates they cover (liquid-hours.ts).
 */

export const EXCHANGE_ZONE = 'America/New_York';

/**
 * Calendar exceptions, keyed by New York date (yyyy-MM-dd). The lists win over `dayRule`, which answers for
 * every other date; without `dayRule` the rules are the bare clock (Monday to Friday, regular hours), so
 * `{}` means "no holidays" and `{ ...NYSE_RULES, holidays }` adds closures to the NYSE calendar.
 */
export interface SessionRules {
  /**
   * The IANA zone of the exchange whose dates key these rules (default America/New_York): a London listing's
   * rules are keyed by London dates, a Tokyo listing's by Tokyo dates.
   */
  zone?: string;
  /** Weekdays the exchange is closed. */
  holidays?: ReadonlySet<string>;
  /** Early closes: date -> local close time "HH:mm" (e.g. "13:00"). */
  earlyCloses?: Readonly<Record<string, string>>;
  /** The calendar for dates the lists do not name. */
  dayRule?: (date: string) => DayRule;
}

/** The NYSE calendar: weekends, holidays with their observance rules, early closes, special closures. */
export const NYSE_RULES: SessionRules = Object.freeze({ dayRule: nyseDayRule });
/** The bare clock with no holidays: every weekday has a regular session (tests, synthetic markets). */
export const WEEKDAYS_ONLY: SessionRules = Object.freeze({});

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

/** The zone whose dates key the rules: the exchange's own (New York by default). */
export function zoneOf(rules: SessionRules | undefined): string {
  return rules?.zone ?? EXCHANGE_ZONE;
}

/** The exchange's date (yyyy-MM-dd, New York unless `rules` name another zone) of an instant: its trading day. */
export function tradingDayOf(now: string, rules?: SessionRules): string {
  return isoDate(parseInstant(now).setZone(zoneOf(rules)));
}

/** The rule for an exchange date (yyyy-MM-dd) under `rules`: the lists first, then the calendar. */
export function dayRuleOn(date: string, rules: SessionRules): DayRule {
  const day = DateTime.fromISO(date, { zone: zoneOf(rules) });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !day.isValid) throw new RangeError(`not a date (yyyy-MM-dd): "${date}"`);
  if (rules.holidays?.has(date)) return { kind: 'closed', reason: 'holiday' };
  const base: DayRule = rules.dayRule?.(date) ?? (day.weekday > 5 ? { kind: 'closed', reason: 'weekend' } : { kind: 'open' });
  const early = rules.earlyCloses?.[date];
  return early !== undefined && base.kind === 'open' ? { kind: 'open', close: early, reason: 'early close' } : base;
}

/** The session held on a New York date (yyyy-MM-dd), or undefined on weekends and holidays. */
export function sessionOn(date: string, rules: SessionRules): Session | undefined {
  const rule = dayRuleOn(date, rules);
  if (rule.kind === 'closed') return undefined;
  if (rule.kind === 'session') return rule.session;
  // Wall-clock times in the exchange's zone: luxon applies that day's offset, so DST needs no special case.
  const day = DateTime.fromISO(date, { zone: zoneOf(rules) });
  const close = rule.close === undefined ? CLOSE_TIME : parseLocalTime(rule.close);
  return {
    open: toIsoUtc(day.set({ ...OPEN_TIME, second: 0, millisecond: 0 })),
    close: toIsoUtc(day.set({ ...close, second: 0, millisecond: 0 })),
  };
}

/**
 * The parts of the session held on an exchange date, in time order: one range, or two around a midday break;
 * empty on weekends and holidays.
 */
export function sessionRangesOn(date: string, rules: SessionRules): Session[] {
  const rule = dayRuleOn(date, rules);
  if (rule.kind === 'session') return rule.ranges === undefined || rule.ranges.length === 0 ? [rule.session] : [...rule.ranges];
  const session = sessionOn(date, rules);
  return session === undefined ? [] : [session];
}

/** The session of the exchange date of `now` (whether or not `now` is inside it), or undefined. */
export function sessionFor(now: string, rules: SessionRules): Session | undefined {
  return sessionOn(tradingDayOf(now, rules), rules);
}

/** True when `now` is within the regular session, outside any midday break: open <= now < close. */
export function isSessionOpen(now: string, rules: SessionRules): boolean {
  const t = parseInstant(now).toMillis();
  return sessionRangesOn(tradingDayOf(now, rules), rules).some(
    (r) => parseInstant(r.open).toMillis() <= t && t < parseInstant(r.close).toMillis(),
  );
}

/** The first session open (or reopening after a midday break) strictly after `now` (ISO UTC): later today, or on the next trading day. */
export function nextSessionOpen(now: string, rules: SessionRules): string {
  const t = parseInstant(now).toMillis();
  let day = parseInstant(now).setZone(zoneOf(rules)).startOf('day');
  for (let i = 0; i <= MAX_SEARCH_DAYS; i++, day = day.plus({ days: 1 })) {
    const next = sessionRangesOn(isoDate(day), rules).find((r) => parseInstant(r.open).toMillis() > t);
    if (next !== undefined) return next.open;
  }
  throw new RangeError(`no session open within ${MAX_SEARCH_DAYS} days after ${now}`);
}

/** The close of the last session held on an exchange date strictly before that of `now`. */
export function previousSessionClose(now: string, rules: SessionRules): string {
  let day = parseInstant(now).setZone(zoneOf(rules)).startOf('day');
  for (let i = 0; i < MAX_SEARCH_DAYS; i++) {
    day = day.minus({ days: 1 });
    const session = sessionOn(isoDate(day), rules);
    if (session !== undefined) return session.close;
  }
  throw new RangeError(`no session within ${MAX_SEARCH_DAYS} days before ${now}`);
}

/**
 * The latest instant at or before `now` when the market was open, as a price source: `now` itself during
 * the session, else the close of the last session (today's after the close, an earlier one before the open).
 */
export function lastMarketTime(now: string, rules: SessionRules): string {
  if (isSessionOpen(now, rules)) return now;
  const t = parseInstant(now).toMillis();
  // After today's close, or in its midday break: the end of the last part that has ended.
  const ended = sessionRangesOn(tradingDayOf(now, rules), rules).filter((r) => parseInstant(r.close).toMillis() <= t);
  const last = ended.at(-1);
  if (last !== undefined) return last.close;
  return previousSessionClose(now, rules);
}

function parseLocalTime(hhmm: string): { hour: number; minute: number } {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (m === null) throw new RangeError(`not a local time (HH:mm): "${hhmm}"`);
  return { hour: Number(m[1]), minute: Number(m[2]) };
}

/** yyyy-MM-dd of a DateTime in its own zone; toISODate is locale-free, where toFormat follows the locale. */
export function isoDate(dt: DateTime): string {
  const date = dt.toISODate();
  if (date === null) throw new RangeError(`invalid date: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return date;
}

/** The wall-clock time of an instant, "HH:mm", in New York or `zone`, for messages (fixed locale: always Latin digits). */
export function exchangeClock(iso: string, zone: string = EXCHANGE_ZONE): string {
  return parseInstant(iso).setZone(zone).setLocale('en-US').toFormat('HH:mm');
}

/** How messages name a zone's clock: "New York" for America/New_York, "Hong Kong" for Asia/Hong_Kong. */
export function zoneCity(zone: string): string {
  return (zone.split('/').at(-1) ?? zone).replaceAll('_', ' ');
}
