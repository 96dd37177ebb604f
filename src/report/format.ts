/**
 * Number and time formats shared by the report's HTML, text and charts: one place decides how a figure
 * reads, so the subject, the body and the chart never disagree. en-US grouping on purpose: IB reports
 * and the user's statements use it, and a report must not change with the machine's locale.
 */
import { DateTime } from 'luxon';
import { formatMoney, signOfCents } from '../core/money.js';
import { EXCHANGE_ZONE } from '../core/session.js';

const whole = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const price = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const shares = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** Rounds away float noise and negative zero, so "-0.00" never appears. */
function clean(x: number, digits: number): number {
  const r = Number(x.toFixed(digits));
  return r === 0 ? 0 : r;
}

/** Axis labels: 100234.5 -> "100,235". */
export function formatWhole(x: number): string {
  return whole.format(clean(x, 0));
}

/** 234.5 -> "+234.50", -3 -> "-3.00", 0 -> "0.00": a change always shows its direction in text, not only in colour. */
export function formatSignedMoney(x: number): string {
  return `${signOfCents(x) > 0 ? '+' : ''}${formatMoney(x)}`;
}

/** A fraction as a signed percentage: 0.0023 -> "+0.23%". */
export function formatSignedPct(fraction: number, digits = 2): string {
  const c = clean(fraction * 100, digits);
  return `${c > 0 ? '+' : ''}${c.toFixed(digits)}%`;
}

/** A fraction as a percentage: 0.401 -> "40.1%". */
export function formatPct(fraction: number, digits = 1): string {
  return `${clean(fraction * 100, digits).toFixed(digits)}%`;
}

/** A difference of two weights, in percentage points: 0.001 -> "+0.1 pp". */
export function formatPp(fraction: number, digits = 1): string {
  const c = clean(fraction * 100, digits);
  return `${c > 0 ? '+' : ''}${c.toFixed(digits)} pp`;
}

/** Prices keep up to four decimals (sub-penny ticks) and at least two. */
export function formatPrice(x: number): string {
  return price.format(clean(x, 4));
}

const fxPrice = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 });

/** An FX rate as a conversion's price: up to six decimals (IDEALPRO quotes in 0.00005 steps), at least two. */
export function formatFxPrice(x: number): string {
  return fxPrice.format(clean(x, 6));
}

export function formatShares(x: number): string {
  return shares.format(clean(x, 4));
}

/** Basis points with one decimal and a sign: 3.24 -> "+3.2 bp". */
export function formatBps(bps: number): string {
  const c = clean(bps, 1);
  return `${c > 0 ? '+' : ''}${c.toFixed(1)} bp`;
}

/** "10:35" in the exchange's zone: the trading day is the user's frame, whatever the server's TZ. */
export function formatClock(iso: string, zone = EXCHANGE_ZONE): string {
  return DateTime.fromISO(iso, { zone }).toFormat('HH:mm');
}

/** "Mon Nov 23 10:35 ET". */
export function formatWhen(iso: string, zone = EXCHANGE_ZONE): string {
  const dt = DateTime.fromISO(iso, { zone });
  return `${dt.toFormat('ccc LLL d HH:mm')}${zone === EXCHANGE_ZONE ? ' ET' : ` ${dt.toFormat('ZZZZ')}`}`;
}

/** "2026-11-23" -> "Nov 23". */
export function formatShortDate(day: string): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).toFormat('LLL d');
}
