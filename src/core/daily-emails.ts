import { DateTime } from 'luxon';
import { EXCHANGE_ZONE, parseInstant, sessionOn, type SessionRules } from './session.js';
import { dayMarks } from './phase.js';

export type DailyEmailKind = 'start' | 'mid' | 'end';

export interface DueEmail {
  kind: DailyEmailKind;
  /** The trading day the email is about (New York date). */
  tradingDay: string;
}

/** How far back a late end-of-day email is still worth sending (a machine asleep over a long weekend). */
const LOOKBACK_DAYS = 5;

/**
 * The daily emails this run should send: start of day from the first run at or after the open, mid-day from
 * the first run past the session's midpoint, end of day from the first run after the close (even on a
 * later day: the weekend's first run still closes Friday). A start or mid email whose moment has passed
 * because the session is over is not sent late: the end-of-day email covers the day.
 *
 * `sent(day)` lists the kinds already recorded for a trading day, so each goes out once per trading day;
 * `ranOn(day)` says whether any run was recorded that day (the current one included): a day the system did
 * not run has nothing to report, and a new installation does not send summaries of days before it existed.
 */
export function dueDailyEmails(
  now: string,
  sent: (tradingDay: string) => readonly DailyEmailKind[],
  ranOn: (tradingDay: string) => boolean,
  rules: SessionRules,
): DueEmail[] {
  const instant = parseInstant(now);
  const due: DueEmail[] = [];
  let day = instant.setZone(EXCHANGE_ZONE).startOf('day').minus({ days: LOOKBACK_DAYS });
  const today = instant.setZone(EXCHANGE_ZONE).startOf('day');
  for (; day <= today; day = day.plus({ days: 1 })) {
    const tradingDay = day.toISODate() ?? '';
    const session = sessionOn(tradingDay, rules);
    if (!session || !ranOn(tradingDay)) continue;
    const already = sent(tradingDay);
    const marks = dayMarks(session);
    const [open, midpoint, close] = [marks.open, marks.midpoint, marks.close].map(parseInstant) as [DateTime, DateTime, DateTime];
    const add = (kind: DailyEmailKind): void => {
      if (!already.includes(kind)) due.push({ kind, tradingDay });
    };
    if (instant >= close) {
      add('end');
    } else if (instant >= open) {
      add('start');
      if (instant >= midpoint) add('mid');
    }
  }
  // Only the latest day's end matters once several are missing; older ones are history by now.
  const ends = due.filter((d) => d.kind === 'end');
  return due.filter((d) => d.kind !== 'end' || d === ends.at(-1));
}

/** The instant of a New York wall-clock time on a date, as ISO UTC (for tests and messages). */
export function newYorkTime(date: string, time: string): string {
  return DateTime.fromISO(`${date}T${time}`, { zone: EXCHANGE_ZONE }).toUTC().toISO({ suppressMilliseconds: true }) ?? '';
}
