/**
 * The alert throttle: the same alert goes out at most once per interval, and the next one that goes out
 * says how often it was suppressed in between. A run that fails the same way every hour (or a crash loop
 * under a fast scheduler) must not become a burst of identical emails: such bursts have got other trading
 * tools' SMTP servers blacklisted (pysystemtrade#1429), after which even the important alerts are lost.
 * Pure: the history comes from the emails table, the clock from the caller.
 */
import { DateTime } from 'luxon';
import type { Breach } from '../core/types.js';
import type { AlertHistoryEntry } from '../ports/store.js';
import type { MailMessage } from '../ports/mailer.js';
import { escapeHtml } from './escape-html.js';
import { EXCHANGE_ZONE } from '../core/session.js';

/** Status recorded for an alert that was not sent because of the throttle. */
export const SUPPRESSED = 'suppressed';

export interface RepeatSummary {
  /** How many identical alerts were suppressed since the last one sent. */
  count: number;
  /** ISO instants of the first and the last of them. */
  first: string;
  last: string;
}

export type AlertDecision = { send: true; repeatsSince?: RepeatSummary } | { send: false; reason: string };

/**
 * What makes two alerts "the same": the outcome, the set of breaches (code and symbol), order aside, and the
 * cause of a failure (its error, see causeOf). Breach details are left out on purpose: they carry numbers that
 * change every run (leverage 2.31, then 2.32) and would defeat the throttle. The cause is in: "gateway down" and
 * "connection dropped mid-run" are both FAILED with BROKER_ERROR, and the second must not pass for the first.
 */
export function alertKeyOf(outcome: string, breaches: readonly Pick<Breach, 'code' | 'symbol'>[], error?: string): string {
  const parts = [...new Set(breaches.map((b) => (b.symbol === undefined ? b.code : `${b.code}:${b.symbol}`)))].sort();
  const cause = causeOf(error);
  return [outcome, ...parts, ...(cause === undefined ? [] : [`CAUSE:${cause}`])].join('|');
}

/** An IB error code in an error's text ("IB code 1100", "IB 504:"): it names the cause, so it is kept. */
const IB_CODE = /\bIB(?: code)? (\d{3,5})\b/gi;
/** Longest cause kept in a key: enough to tell causes apart, short enough for a key column. */
const MAX_CAUSE = 200;

/**
 * The cause of a failure, as the throttle compares it: the error's words, lower-cased, with every token that
 * carries a digit (order ids, orderRefs, times, prices, ports, durations) replaced by `#`, and the IB error
 * codes it names kept apart. The same failure repeating has the same cause; another failure has another.
 * Undefined without an error.
 */
export function causeOf(error: string | undefined): string | undefined {
  if (error === undefined || error.trim() === '') return undefined;
  const codes = [...new Set([...error.matchAll(IB_CODE)].map((m) => m[1]))];
  const words = error
    .toLowerCase()
    .replace(/\S*\d\S*/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_CAUSE);
  return codes.length === 0 ? words : `${words} [IB ${codes.join(',')}]`;
}

const millis = (iso: string): number => DateTime.fromISO(iso, { setZone: true }).toMillis();

/**
 * Decide whether the alert with this key goes out now. Anything recorded other than `suppressed` counts as
 * sent, a message queued in the outbox included: it goes out when the server is back, and counting it as
 * not sent would let the outbox fill with the very burst this prevents.
 */
export function decideAlert(history: readonly AlertHistoryEntry[], key: string, now: string, intervalMinutes: number): AlertDecision {
  const same = history.filter((h) => h.key === key).sort((a, b) => millis(a.at) - millis(b.at));
  const lastSent = same.filter((h) => h.status !== SUPPRESSED).at(-1);
  const nowMs = millis(now);
  if (lastSent !== undefined && nowMs - millis(lastSent.at) < intervalMinutes * 60_000) {
    const minutes = Math.round((nowMs - millis(lastSent.at)) / 60_000);
    return {
      send: false,
      reason: `the same alert went out ${minutes} min ago (at ${lastSent.at}); identical alerts are sent at most every ${intervalMinutes} min`,
    };
  }
  const suppressed = same.filter((h) => h.status === SUPPRESSED && (lastSent === undefined || millis(h.at) > millis(lastSent.at)));
  const first = suppressed[0];
  const last = suppressed.at(-1);
  if (first === undefined || last === undefined) return { send: true };
  return { send: true, repeatsSince: { count: suppressed.length, first: first.at, last: last.at } };
}

/** "this alert repeated 5 times since 10:35, suppressed" (times in the exchange's zone; the date too when not today). */
export function repeatsLine(r: RepeatSummary, now: string, zone = EXCHANGE_ZONE): string {
  const first = DateTime.fromISO(r.first, { zone });
  const sameDay = first.hasSame(DateTime.fromISO(now, { zone }), 'day');
  const since = first.toFormat(sameDay ? 'HH:mm' : 'LLL d HH:mm');
  return `this alert repeated ${r.count} time${r.count === 1 ? '' : 's'} since ${since} ET, suppressed`;
}

/** The alert with the repeat summary at the top of both parts, so it is the first thing read. */
export function withRepeatsSummary(message: MailMessage, r: RepeatSummary, now: string): MailMessage {
  return { ...withNote(message, repeatsLine(r, now)), subject: `${message.subject} (repeated ${r.count}x)` };
}

/** The message with a highlighted note in front of both parts (repeats, missed runs). */
export function withNote(message: MailMessage, line: string): MailMessage {
  const note = `<p style="margin:0 0 12px;padding:8px 12px;background:#fef7e0;color:#3c4043;border-radius:6px;font-family:sans-serif">${escapeHtml(`Note: ${line}.`)}</p>`;
  // After the opening <body ...> tag when there is one, else in front of the whole HTML.
  const html =
    message.html === undefined
      ? undefined
      : /<body[^>]*>/i.test(message.html)
        ? message.html.replace(/<body[^>]*>/i, (tag) => `${tag}\n${note}`)
        : `${note}\n${message.html}`;
  return { ...message, text: `Note: ${line}.\n\n${message.text}`, ...(html === undefined ? {} : { html }) };
}
