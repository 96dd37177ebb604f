/**
 * Dates and times as a Flex query writes them. Pure.
 *
 * The query's General Configuration chooses the spelling: Date Format (yyyyMMdd by default, or yyyy-MM-dd; the
 * others, MM/dd/yyyy, dd/MM/yyyy and the like, cannot be told apart and are refused), Time Format (HHmmss or
 * HH:mm:ss) and Date/Time Separator (`;` by default, `,`, a space, or none). IB writes the times in its reporting
 * zone, US Eastern, with no zone in the text.
 */
import { DateTime } from 'luxon';

/** IB's reporting zone: Flex times carry no zone and are New York times. */
export const FLEX_TIME_ZONE = 'America/New_York';

const DATE_FORMS = 'yyyyMMdd or yyyy-MM-dd';
const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;
const DATE_TIME = /^(\d{4}-?\d{2}-?\d{2})(?:[;,] ?| |T)?(\d{2}):?(\d{2}):?(\d{2})$/;

/** A Flex date as YYYY-MM-DD. @throws RangeError saying which formats are understood. */
export function parseFlexDate(text: string): string {
  const m = DATE.exec(text.trim());
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (!m || !DateTime.fromISO(iso, { zone: 'UTC' }).isValid) {
    throw new RangeError(`"${text}" is not a date in ${DATE_FORMS} (set the Flex query's Date Format to one of them)`);
  }
  return iso;
}

/**
 * A Flex date-time (`20261204;153000`, `2026-12-04, 15:30:00`...) in `zone` as an ISO 8601 UTC instant without
 * milliseconds. @throws RangeError saying which formats are understood.
 */
export function parseFlexDateTime(text: string, zone: string = FLEX_TIME_ZONE): string {
  const m = DATE_TIME.exec(text.trim());
  if (!m) {
    throw new RangeError(
      `"${text}" is not a date-time in ${DATE_FORMS} with HHmmss or HH:mm:ss (set the Flex query's Date Format, Time Format and Date/Time Separator: yyyyMMdd, HHmmss and ";" are IB's defaults)`,
    );
  }
  const date = parseFlexDate(m[1] ?? '');
  const dt = DateTime.fromISO(`${date}T${m[2] ?? ''}:${m[3] ?? ''}:${m[4] ?? ''}`, { zone });
  const iso = dt.isValid ? dt.toUTC().toISO({ suppressMilliseconds: true }) : null;
  if (iso === null) throw new RangeError(`"${text}" is not a valid date-time`);
  return iso;
}

/** YYYY-MM-DD as the yyyyMMdd of SendRequest's fd/td parameters. */
export function toFlexDateParameter(isoDate: string): string {
  return isoDate.replaceAll('-', '');
}

/** Days from `from` to `to` (YYYY-MM-DD), both included: 1 for the same day. */
export function daysInRange(from: string, to: string): number {
  const a = DateTime.fromISO(from, { zone: 'UTC' });
  const b = DateTime.fromISO(to, { zone: 'UTC' });
  return Math.round(b.diff(a, 'days').days) + 1;
}

/** Every date from `from` to `to` (YYYY-MM-DD), both included. */
export function eachDate(from: string, to: string): string[] {
  const dates: string[] = [];
  let day = DateTime.fromISO(from, { zone: 'UTC' });
  const end = DateTime.fromISO(to, { zone: 'UTC' });
  while (day <= end) {
    dates.push(day.toISODate() ?? '');
    day = day.plus({ days: 1 });
  }
  return dates;
}

/** True for a valid YYYY-MM-DD. */
export function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text, { zone: 'UTC' }).isValid;
}
