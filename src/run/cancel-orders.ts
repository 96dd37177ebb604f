import type { Broker } from '../ports/broker.js';
import type { Breach, BrokerOrder, CancelResult } from '../core/types.js';
import type { OrderRefOwner } from '../core/foreign-orders.js';
import type { CancelScope } from './run-types.js';

/**
 * Step 2: cancel the orders this system placed earlier (found by orderRef: our prefix and a run the records know)
 * or, with CANCEL_SCOPE=all, every open order of the account, and wait for each confirmation. An order whose
 * cancel was not confirmed is a CANCEL_UNCONFIRMED breach: planning on top of a live order could buy twice.
 *
 * An order with our prefix but a run id the records never made (`ownerOf` says 'foreign') is not ours to cancel:
 * it belongs to another installation on the account, or to runs whose records were lost. It is left alone and
 * returned in `foreign`; with CANCEL_SCOPE=all the global cancel is skipped while one is open (it would cancel it
 * too), and only our own orders are cancelled, one by one.
 *
 * `keep` (ORDER_UPDATES=modify): orders of ours it accepts are not cancelled now but returned in `kept`, to be
 * modified or cancelled once the plan is made; the global cancel is skipped while any is kept.
 */
export async function cancelOpenOrders(
  broker: Broker,
  scope: CancelScope,
  ownerOf: (orderRef: string) => OrderRefOwner,
  keep: (order: BrokerOrder) => boolean = () => false,
  onKept: (kept: readonly BrokerOrder[]) => void = () => undefined,
): Promise<{
  results: CancelResult[];
  updated: BrokerOrder[];
  breaches: Breach[];
  foreign: BrokerOrder[];
  kept: BrokerOrder[];
  open: BrokerOrder[];
}> {
  const open = await broker.openOrders();
  const foreign = open.filter((o) => ownerOf(o.orderRef) === 'foreign');
  const kept = open.filter((o) => ownerOf(o.orderRef) === 'ours' && keep(o));
  onKept(kept);
  // A global cancel would take the kept orders too: with any kept, only orders of ours are cancelled, one by one.
  const global = scope === 'all' && foreign.length === 0 && kept.length === 0;
  const targets = open.filter((o) => !kept.includes(o) && (ownerOf(o.orderRef) === 'ours' || (global && ownerOf(o.orderRef) === 'other')));
  // Orders of other clients (typed by hand in TWS) can only be cancelled globally: a per-order cancel from our
  // client id would name our own order with that id. IB's global cancel reaches every order of the login.
  const results: CancelResult[] = [];
  if (global && targets.length > 0 && broker.cancelAllOrders) {
    results.push(...(await broker.cancelAllOrders()));
  } else {
    for (const order of targets) results.push(await broker.cancelOrder(order));
  }
  const breaches: Breach[] = results
    .filter((r) => !r.confirmed)
    .map((r) => ({
      code: 'CANCEL_UNCONFIRMED' as const,
      symbol: targets.find((o) => o.brokerOrderId === r.brokerOrderId)?.symbol,
      detail: `cancel of order ${r.brokerOrderId} (${r.orderRef}) not confirmed${r.detail ? `: ${r.detail}` : ''}`,
    }));
  // The orders as they stand after the cancel, so their records show the final state.
  const updated = results.flatMap((r) => {
    const order = targets.find((o) => o.brokerOrderId === r.brokerOrderId);
    return order ? [{ ...order, status: r.status ?? (r.confirmed ? 'Cancelled' : order.status) }] : [];
  });
  return { results, updated, breaches, foreign, kept, open };
}

/** Confirmed cancels among the results: what the run counts as orders it cancelled. */
export function confirmedCancels(results: readonly CancelResult[]): number {
  return results.filter((r) => r.confirmed).length;
}
