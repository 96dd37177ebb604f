/**
 * Orders and fills at the broker that carry this system's orderRef prefix (`<prefix>:<runId>:<symbol>`) but a run
 * id these records never made. They are not ours: another installation (another data directory, another machine)
 * trading the same account, or runs whose records were lost (a database restored from an old copy, a lost WAL).
 * Taking them as ours would cancel another installation's orders and count its fills in our ledger, every hour,
 * with both exiting 0. They are never cancelled or counted; they halt the run (FOREIGN_ORDERS) and the kill switch
 * holds until a person has looked. Pure.
 */
import type { Breach, BrokerOrder, Execution } from './types.js';

/** Whose orderRef: a run these records know, a run they never made (with our prefix), or another's (no prefix). */
export type OrderRefOwner = 'ours' | 'foreign' | 'other';

/** The run id an orderRef with our prefix carries (`<prefix>:<runId>:<symbol>`); '' when it carries none. */
export function runIdInOrderRef(orderRef: string, prefix: string): string {
  const head = `${prefix}:`;
  if (!orderRef.startsWith(head)) return '';
  const rest = orderRef.slice(head.length);
  const end = rest.indexOf(':');
  return end === -1 ? '' : rest.slice(0, end);
}

/**
 * Who owns each orderRef, asking `knowsRun` once per run id: `ours` when it has our prefix and a run id the
 * records hold (whatever the run's status: a run killed after recording its intent, or recorded as failed, is
 * known); `foreign` when it has our prefix and any other run id (or none); `other` without our prefix.
 */
export function orderRefOwners(prefix: string, knowsRun: (runId: string) => boolean): (orderRef: string) => OrderRefOwner {
  const known = new Map<string, boolean>();
  return (orderRef) => {
    if (!orderRef.startsWith(`${prefix}:`)) return 'other';
    const runId = runIdInOrderRef(orderRef, prefix);
    if (runId === '') return 'foreign';
    let ours = known.get(runId);
    if (ours === undefined) {
      ours = knowsRun(runId);
      known.set(runId, ours);
    }
    return ours ? 'ours' : 'foreign';
  };
}

/** An open order or an execution that carries our prefix and a run id the records never made. */
export type ForeignTrade = { kind: 'open order'; order: BrokerOrder } | { kind: 'execution'; execution: Execution };

function describeForeign(t: ForeignTrade): { symbol: string; text: string } {
  if (t.kind === 'open order') {
    const o = t.order;
    return {
      symbol: o.symbol,
      text: `open order ${o.orderRef} (${o.action} ${o.quantity} ${o.symbol} @ ${o.limitPrice}, ${o.status}, order ${o.brokerOrderId}${o.filledQuantity > 0 ? `, filled ${o.filledQuantity}` : ''})`,
    };
  }
  const e = t.execution;
  return {
    symbol: e.symbol,
    text: `execution ${e.execId} of ${e.orderRef} (${e.side} ${e.quantity} ${e.symbol} @ ${e.price} at ${e.time})`,
  };
}

/**
 * One FOREIGN_ORDERS breach per foreign open order and per foreign execution (each execution once), naming its
 * orderRef, ticker, side and quantity, and what it means.
 */
export function foreignOrderBreaches(found: readonly ForeignTrade[], prefix: string): Breach[] {
  const seen = new Set<string>();
  const breaches: Breach[] = [];
  for (const t of found) {
    const id = t.kind === 'open order' ? `o:${t.order.orderRef}:${t.order.brokerOrderId}` : `e:${t.execution.execId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const { symbol, text } = describeForeign(t);
    const ref = t.kind === 'open order' ? t.order.orderRef : t.execution.orderRef;
    const runId = runIdInOrderRef(ref, prefix);
    breaches.push({
      code: 'FOREIGN_ORDERS',
      symbol,
      detail: `${text}: this system's orderRef, but ${runId === '' ? 'no run id' : `run ${runId}`} is not in these records (another installation trading this account, or records lost: a database restored from an old copy, a lost WAL); not cancelled, not counted in the ledger`,
    });
  }
  return breaches;
}

/** The kill switch's reason: what was found (the first few), and what a person checks before resuming. */
export function foreignOrdersHaltReason(found: readonly ForeignTrade[]): string {
  const refs = [...new Set(found.map((t) => (t.kind === 'open order' ? t.order.orderRef : t.execution.orderRef)))];
  const shown = refs.slice(0, 5).join(', ');
  const more = refs.length > 5 ? ` and ${refs.length - 5} more` : '';
  return `FOREIGN_ORDERS: orders or fills of this system's orderRef whose run the records never made (${shown}${more}); check for another installation on this account and for lost or restored records; once such orders are gone and the records are right, run 'rebalancer resume'`;
}
