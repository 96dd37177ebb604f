import { isoDate, sessionOn, type SessionRules } from './session.js';
import { parseDate } from './calendar-nyse.js';

/**
 * Trading-day arithmetic on New York dates (yyyy-MM-dd): is a date a trading day, which is the next or the
 * previous one, which ones lie in a range. The NYSE calendar by default; any {@link SessionRules} otherwise
 * (the broker's liquid hours, a synthetic market), so the same rules decide sessions and day counts.
 */

export {
  EARLY_CLOSE_TIME,
  SPECIAL_CLOSURES,
  earlyClosesOf,
  easterSunday,
  holidaysOf,
  type EarlyClose,
  type Holiday,
} from './calendar-nyse.js';

/** Longer than any closure the NYSE has had (four days in 2001); a bound so bad rules cannot loop forever. */
const MAX_GAP_DAYS = 30;

/** True when the exchange holds a session on the date (a weekday that is not a holiday or closure). */
export function isTradingDay(date: string, rules: SessionRules): boolean {
  return sessionOn(date, rules) !== undefined;
}

/** The first trading day strictly after `date`. */
export function nextTradingDay(date: string, rules: SessionRules): string {
  return step(date, 1, rules);
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string, rules: SessionRules): string {
  return step(date, -1, rules);
}

/**
 * The trading days from `from` to `to`, both included when they are trading days, in date order; empty when
 * `from` is after `to`. Its length is the number of sessions in the range.
 */
export function tradingDaysBetween(from: string, to: string, rules: SessionRules): string[] {
  const end = parseDate(to);
  const days: string[] = [];
  for (let day = parseDate(from); day <= end; day = day.plus({ days: 1 })) {
    const date = isoDate(day);
    if (isTradingDay(date, rules)) days.push(date);
  }
  return days;
}

/**
 * The last `count` trading days ending at `date` (included when it is a trading day), oldest first: the
 * window of "the last 30 trading days".
 */
export function lastTradingDays(date: string, count: number, rules: SessionRules): string[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`not a count of days: ${count}`);
  const days: string[] = count > 0 && isTradingDay(date, rules) ? [date] : [];
  for (let day = date; days.length < count;) {
    day = previousTradingDay(day, rules);
    days.push(day);
  }
  return days.reverse();
}

function step(date: string, direction: 1 | -1, rules: SessionRules): string {
  let day = parseDate(date);
  for (let i = 0; i < MAX_GAP_DAYS; i++) {
    day = day.plus({ days: direction });
    const candidate = isoDate(day);
    if (isTradingDay(candidate, rules)) return candidate;
  }
  throw new RangeError(`no trading day within ${MAX_GAP_DAYS} days ${direction > 0 ? 'after' : 'before'} ${date}`);
}
