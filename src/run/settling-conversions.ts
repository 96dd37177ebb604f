import { DateTime } from 'luxon';
import type { Execution } from '../core/types.js';
import type { RunStore } from '../ports/store.js';
import { QUIET_MINUTES } from './measure-cash-flows.js';

/**
 * The currencies a conversion of ours moved within QUIET_MINUTES before this account read (its recorded fills, and
 * executions the broker reported that are not recorded yet), each with why: IB's cash per currency may not show such
 * a fill yet (its account values are refreshed every few minutes), and a conversion planned from that cash would buy
 * the currency a second time. FX_POLICY=convert plans none in them this run (core/conversions.ts).
 */
export function settlingConversions(
  store: Pick<RunStore, 'fillsSince'>,
  o: { readAt: string; base: string; unrecorded?: readonly Execution[]; toBroker?: (iso: string) => string },
): Record<string, string> {
  const from = DateTime.fromISO(o.readAt).minus({ minutes: QUIET_MINUTES }).toUTC().toISO() ?? o.readAt;
  const since = (o.toBroker ?? ((iso: string) => iso))(from);
  // The broker's executions not recorded yet are of the whole day: only those as recent count.
  const fills = [...store.fillsSince(since), ...(o.unrecorded ?? [])];
  const out: Record<string, string> = {};
  for (const f of fills) {
    if (f.secType !== 'CASH' || !(Date.parse(f.time) >= Date.parse(since))) continue;
    for (const currency of f.symbol.split('.')) {
      if (currency === o.base || currency === '') continue;
      out[currency] ??=
        `our conversion ${f.side} ${f.quantity} ${f.symbol} executed at ${f.time}, within ${QUIET_MINUTES} minutes of this ` +
        `account read: IB's cash may not show it yet, so none is planned from it this run`;
    }
  }
  return out;
}
