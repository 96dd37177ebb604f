import type { Broker } from '../ports/broker.js';
import type { Breach, BrokerOrder, CancelResult } from '../core/types.js';
import { isOwnOrderRef } from './run-id.js';
import type { CancelScope } from './run-types.js';

/**
 * Step 2: cancel the orders this system placed earlier (found by orderRef prefix) or, with
 * CANCEL_SCOPE=all, every open order of the account, and wait for each confirmation. An order whose
 * cancel was not confirmed is a CANCEL_UNCONFIRMED breach: planning on top of a live order could buy twice.
 */
export async function cancelOpenOrders(
  broker: Broker,
  scope: CancelScope,
): Promise<{ results: CancelResult[]; updated: BrokerOrder[]; breaches: Breach[] }> {
  const open = await broker.openOrders();
  const targets = open.filter((o) => scope === 'all' || isOwnOrderRef(o.orderRef));
  // Orders of other clients (typed by hand in TWS) can only be cancelled globally: a per-order cancel from our
  // client id would name our own order with that id. IB's global cancel reaches every order of the login.
  const results: CancelResult[] = [];
  if (scope === 'all' && targets.length > 0 && broker.cancelAllOrders) {
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
  return { results, updated, breaches };
}
