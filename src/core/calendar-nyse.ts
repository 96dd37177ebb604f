import { DateTime } from 'luxon';
import type { DayRule } from './session-types.js';

/**
 * The NYSE holiday calendar by rule, for any year (NYSE Rule 7.2 as applied since Juneteenth joined in 2022).
 * Only dates: no instants, no zones. session.ts turns a date's rule into a session in New York time.
 */

/** A full-day closure on a weekday. */
export interface Holiday {
  /** The date the exchange is closed (yyyy-MM-dd): the observed date when the holiday falls on a weekend. */
  date: string;
  name: string;
  /** True for an unscheduled closure from {@link SPECIAL_CLOSURES}; false for a rule-based holiday. */
  special: boolean;
}

/** A shortened session. */
export interface EarlyClose {
  date: string;
  /** Local close time in New York, "HH:mm". */
  close: string;
  name: string;
}

/** The NYSE's early close time (the regular session ends at 16:00). */
export const EARLY_CLOSE_TIME = '13:00';

/**
 * Unscheduled full-day closures. No rule predicts them: each is added by hand when the NYSE announces one
 * (national days of mourning, storms, emergencies). Kept back to 2001 so historical runs and backtests agree.
 */
export const SPECIAL_CLOSURES: readonly { readonly date: string; readonly name: string }[] = Object.freeze([
  { date: '2001-09-11', name: 'September 11 attacks' },
  { date: '2001-09-12', name: 'September 11 attacks' },
  { date: '2001-09-13', name: 'September 11 attacks' },
  { date: '2001-09-14', name: 'September 11 attacks' },
  { date: '2004-06-11', name: 'National Day of Mourning for President Ronald Reagan' },
  { date: '2007-01-02', name: 'National Day of Mourning for President Gerald Ford' },
  { date: '2012-10-29', name: 'Hurricane Sandy' },
  { date: '2012-10-30', name: 'Hurricane Sandy' },
  { date: '2018-12-05', name: 'National Day of Mourning for President George H. W. Bush' },
  { date: '2025-01-09', name: 'National Day of Mourning for President Jimmy Carter' },
]);

const SATURDAY = 6;
const SUNDAY = 7;

/** Easter Sunday of a Gregorian year (anonymous Gregorian algorithm), as yyyy-MM-dd. */
export function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const h = (19 * a + b - Math.floor(b / 4) - Math.floor((b - Math.floor((b + 8) / 25) + 1) / 3) + 15) % 30;
  const l = (32 + 2 * (b % 4) + 2 * Math.floor(c / 4) - h - (c % 4)) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return iso(DateTime.utc(year, month, day));
}

/** The NYSE's full-day holidays of a year (observed dates) plus that year's special closures, by date. */
export function holidaysOf(year: number): Holiday[] {
  return [...yearOf(year).closed.entries()]
    .map(([date, c]) => ({ date, name: c.name, special: c.special }))
    .sort((x, y) => x.date.localeCompare(y.date));
}

/** The NYSE's 13:00 early closes of a year, by date. */
export function earlyClosesOf(year: number): EarlyClose[] {
  return [...yearOf(year).early.values()].sort((x, y) => x.date.localeCompare(y.date));
}

/** The NYSE rule for one date (yyyy-MM-dd): closed with a reason, or open with an early close time. */
export function nyseDayRule(date: string): DayRule {
  const day = parseDate(date);
  if (day.weekday >= SATURDAY) return { kind: 'closed', reason: `weekend (${day.weekday === SATURDAY ? 'Saturday' : 'Sunday'})` };
  const year = yearOf(day.year);
  const closed = year.closed.get(date);
  if (closed !== undefined) return { kind: 'closed', reason: closed.name };
  const early = year.early.get(date);
  if (early !== undefined) return { kind: 'open', close: early.close, reason: `early close: ${early.name}` };
  return { kind: 'open' };
}

/** Parses a yyyy-MM-dd date in UTC, where date arithmetic has no daylight-saving gaps. */
export function parseDate(date: string): DateTime {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? DateTime.fromISO(date, { zone: 'utc' }) : DateTime.invalid('format');
  if (!day.isValid) throw new RangeError(`not a date (yyyy-MM-dd): "${date}"`);
  return day;
}

interface YearCalendar {
  closed: Map<string, { name: string; special: boolean }>;
  early: Map<string, EarlyClose>;
}

// Memoised because the session functions ask about a date at a time, often many dates of one year.
const years = new Map<number, YearCalendar>();

function yearOf(year: number): YearCalendar {
  if (!Number.isInteger(year) || year < 1900 || year > 9999) throw new RangeError(`not a supported year: ${year}`);
  let cal = years.get(year);
  if (cal === undefined) {
    cal = buildYear(year);
    years.set(year, cal);
  }
  return cal;
}

function buildYear(year: number): YearCalendar {
  const closed = new Map<string, { name: string; special: boolean }>();
  const add = (day: DateTime | undefined, name: string): void => {
    if (day !== undefined) closed.set(iso(day), { name, special: false });
  };
  // New Year's Day on a Saturday is not moved to Friday 31 December: Rule 7.2 keeps the exchange open at the
  // end of an accounting year, so that year simply has no New Year's holiday (2022, 2028).
  add(observed(DateTime.utc(year, 1, 1), false), "New Year's Day");
  add(nthWeekday(year, 1, 1, 3), 'Martin Luther King Jr. Day');
  add(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  add(parseDate(easterSunday(year)).minus({ days: 2 }), 'Good Friday');
  add(lastWeekday(year, 5, 1), 'Memorial Day');
  if (year >= 2022) add(observed(DateTime.utc(year, 6, 19), true), 'Juneteenth National Independence Day');
  add(observed(DateTime.utc(year, 7, 4), true), 'Independence Day');
  add(nthWeekday(year, 9, 1, 1), 'Labor Day');
  const thanksgiving = nthWeekday(year, 11, 4, 4);
  add(thanksgiving, 'Thanksgiving Day');
  add(observed(DateTime.utc(year, 12, 25), true), 'Christmas Day');
  for (const s of SPECIAL_CLOSURES) if (s.date.startsWith(`${year}-`)) closed.set(s.date, { name: s.name, special: true });

  // Early closes happen only on weekday eves that are trading days: when 4 July or 25 December falls on a
  // Saturday the eve itself is the observed holiday, and when it falls on a Monday the eve is a weekend day.
  const early = new Map<string, EarlyClose>();
  const addEarly = (day: DateTime, name: string): void => {
    const date = iso(day);
    if (day.weekday < SATURDAY && !closed.has(date)) early.set(date, { date, close: EARLY_CLOSE_TIME, name });
  };
  addEarly(DateTime.utc(year, 7, 3), 'day before Independence Day');
  addEarly(thanksgiving.plus({ days: 1 }), 'day after Thanksgiving');
  addEarly(DateTime.utc(year, 12, 24), 'Christmas Eve');
  return { closed, early };
}

/** A fixed-date holiday's observed date: Sunday moves to Monday; Saturday to Friday only when allowed. */
function observed(day: DateTime, saturdayToFriday: boolean): DateTime | undefined {
  if (day.weekday === SUNDAY) return day.plus({ days: 1 });
  if (day.weekday === SATURDAY) return saturdayToFriday ? day.minus({ days: 1 }) : undefined;
  return day;
}

/** The n-th given weekday (1 = Monday) of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): DateTime {
  const first = DateTime.utc(year, month, 1);
  return first.plus({ days: ((weekday - first.weekday + 7) % 7) + 7 * (n - 1) });
}

/** The last given weekday (1 = Monday) of a month. */
function lastWeekday(year: number, month: number, weekday: number): DateTime {
  const last = DateTime.utc(year, month, 1).endOf('month').startOf('day');
  return last.minus({ days: (last.weekday - weekday + 7) % 7 });
}

/** yyyy-MM-dd; toISODate is locale-free, where toFormat could print another script's digits. */
function iso(day: DateTime): string {
  const date = day.toISODate();
  if (date === null) throw new RangeError(`invalid date: ${day.invalidExplanation ?? day.invalidReason}`);
  return date;
}
