import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';

/** Prefix of every orderRef this system writes: how a run recognises its own orders at the broker. */
export const ORDER_REF_PREFIX = 'rebal';

/** A run id that sorts by time and is unique even for two runs pinned to the same `--now`. */
export function newRunId(now: string): string {
  const stamp = DateTime.fromISO(now, { zone: 'utc' }).toFormat("yyyyMMdd'T'HHmmss'Z'");
  // 48 random bits: two installations started by cron in the same second must not share a run id, or each
  // would take the other's orders for its own (FOREIGN_ORDERS relies on run ids being unique).
  return `${stamp}-${randomBytes(6).toString('hex')}`;
}

/** The orderRef of one order: names the run and the ticker, so a resend after a crash is detectable. */
export function orderRefFor(runId: string, symbol: string): string {
  return `${ORDER_REF_PREFIX}:${runId}:${symbol}`;
}

/** True when the orderRef was written by this system. */
export function isOwnOrderRef(orderRef: string): boolean {
  return orderRef.startsWith(`${ORDER_REF_PREFIX}:`);
}
