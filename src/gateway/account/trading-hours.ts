import { DateTime } from 'luxon';
import { EXCHANGE_ZONE, NYSE_RULES, parseInstant, sessionOn } from '../../core/session.js';

/**
 * A US stock's trading and liquid hours in IB's contract-details format (server version >= 106):
 * `20261123:0930-20261123:1600;20261124:CLOSED`, in the contract's time zone (`US/Eastern`), one entry per
 * day from the trading day of `now`. The sessions come from the project's exchange calendar (core/session),
 * so holidays and early closes show here exactly as the run's own calendar sees them.
 */

/** IB's name for the exchange time zone in contract details. */
export const IB_TIME_ZONE_ID = 'US/Eastern';
/** Days listed; IB lists about a week. */
const DAYS = 7;
/** Extended hours: pre-market from 04:00, after-hours until four hours past the close (20:00, or 17:00 on an early close). */
const PRE_MARKET = { hour: 4, minute: 0 };
const AFTER_HOURS = { hours: 4 };

/** `liquid`: the regular session; `trading`: with the extended hours around it. */
export function hoursText(now: string, kind: 'liquid' | 'trading'): string {
  const first = parseInstant(now).setZone(EXCHANGE_ZONE).startOf('day');
  const days: string[] = [];
  for (let i = 0; i < DAYS; i++) {
    const day = first.plus({ days: i });
    const ymd = day.toFormat('yyyyMMdd');
    const session = sessionOn(day.toFormat('yyyy-MM-dd'), NYSE_RULES);
    if (session === undefined) {
      days.push(`${ymd}:CLOSED`);
      continue;
    }
    const open = local(session.open);
    const close = local(session.close);
    const [from, to] = kind === 'liquid' ? [open, close] : [open.set(PRE_MARKET), close.plus(AFTER_HOURS)];
    days.push(`${ymd}:${from.toFormat('HHmm')}-${to.toFormat('yyyyMMdd')}:${to.toFormat('HHmm')}`);
  }
  return days.join(';');
}

function local(iso: string): DateTime {
  return parseInstant(iso).setZone(EXCHANGE_ZONE);
}
