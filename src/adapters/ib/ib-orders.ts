/**
 * Open orders and cancels over an IB session.
 *
 * IB order ids belong to the API client that placed the order: `cancelOrder(7)` sent by client 17 names
 * client 17's order 7, whatever order 7 of client 3 is. So this client cancels by id only its own orders;
 * an order of another client (or typed in TWS) can be cancelled only by that client, in TWS, or by IB's
 * global cancel (`cancelAllOrders`, for CANCEL_SCOPE=all), which cancels every open order of the login.
 */
import type { BrokerOrder, CancelResult } from '../../core/types.js';
import { isNotice, meaningOf, ORDER_CANCELLED_CODE } from './ib-codes.js';
import { isOwnOrderRef } from './ib-conversions.js';
import type { BookEntry } from './ib-order-book.js';
import { isCancelledStatus, isFinalStatus } from './ib-order-status.js';
import type { IbSession } from './ib-session.js';

/**
 * Every open order of the account, of every client (reqAllOpenOrders), with its latest status; of currency
 * conversions (CASH), only this system's own.
 */
export function readOpenOrders(session: IbSession, timeoutMs: number): Promise<BrokerOrder[]> {
  return session.unkeyed.run(async () => {
    const touched = new Set<string>();
    await session.operation<void>({
      label: 'open orders',
      timeoutMs,
      listen: (ctx) => [session.book.onUpdate((entry) => touched.add(entry.key)), session.events.on('openOrderEnd', () => ctx.resolve())],
      send: (api) => api.reqAllOpenOrders(),
    });
    return [...touched].flatMap((key) => {
      const entry = session.book.get(key);
      if (entry === undefined || isFinalStatus(entry.status)) return [];
      // A currency conversion this system did not place is no order of a ticker: never reported (ib-conversions.ts).
      if (entry.secType === 'CASH' && !isOwnOrderRef(entry.orderRef)) return [];
      return [toBrokerOrder(entry)];
    });
  });
}

/** Cancels one of this client's orders and waits for IB's confirmation (Cancelled status or error 202). */
export async function cancelOwnOrder(session: IbSession, order: BrokerOrder, timeoutMs: number): Promise<CancelResult> {
  const base = { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef };
  const refusal = foreignOrderReason(order, session.clientId);
  if (refusal !== undefined) return { ...base, confirmed: false, status: order.status, detail: refusal };
  session.assertUsable();
  const key = session.book.ownKey(order.brokerOrderId);
  const known = session.book.get(key);
  if (known && isFinalStatus(known.status)) {
    return { ...base, confirmed: isCancelledStatus(known.status), status: known.status, detail: `already ${known.status}` };
  }
  const statusNow = () => session.book.get(key)?.status ?? order.status;
  return session.operation<CancelResult>({
    label: `cancel of order ${order.brokerOrderId}`,
    orderId: order.brokerOrderId,
    timeoutMs,
    listen: (ctx) => [
      session.book.onUpdate((entry) => {
        if (entry.key !== key) return;
        if (isCancelledStatus(entry.status)) ctx.resolve({ ...base, confirmed: true, status: entry.status });
        else if (isFinalStatus(entry.status))
          ctx.resolve({ ...base, confirmed: false, status: entry.status, detail: `${entry.status} before the cancel took effect` });
      }),
    ],
    onMessage: (ctx, code, text) => {
      if (code === ORDER_CANCELLED_CODE) ctx.resolve({ ...base, confirmed: true, status: 'Cancelled' });
      else if (!isNotice(code))
        ctx.resolve({ ...base, confirmed: false, status: statusNow(), detail: `IB ${code}: ${text} (${meaningOf(code)})` });
    },
    send: (api, id) => api.cancelOrder(id),
    onTimeout: (ctx) =>
      ctx.resolve({ ...base, confirmed: false, status: statusNow(), detail: `no confirmation from IB within ${timeoutMs} ms` }),
  });
}

/**
 * IB's global cancel (reqGlobalCancel): every open order of the login, of every client and typed in TWS, in
 * every account the login manages. Confirmed per order by asking for the open orders again until the ones
 * that were open are gone (an order of another client reports its cancel to that client, not to us).
 */
export async function cancelAllOrders(
  session: IbSession,
  requestTimeoutMs: number,
  cancelTimeoutMs: number,
  pollMs = 500,
): Promise<CancelResult[]> {
  const before = await readOpenOrders(session, requestTimeoutMs);
  if (before.length === 0) return [];
  await session.send((api) => api.reqGlobalCancel());
  const deadline = performance.now() + cancelTimeoutMs;
  let open = new Set(before.map(identity));
  while (open.size > 0 && performance.now() < deadline) {
    await sleep(Math.min(pollMs, Math.max(0, deadline - performance.now())));
    open = new Set((await readOpenOrders(session, requestTimeoutMs)).map(identity));
  }
  return before.map((order) => {
    const base = { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef };
    if (open.has(identity(order)))
      return { ...base, confirmed: false, status: order.status, detail: `still open ${cancelTimeoutMs} ms after IB's global cancel` };
    const latest = session.book.find(order);
    if (latest?.status === 'Filled') return { ...base, confirmed: false, status: 'Filled', detail: 'Filled before the cancel took effect' };
    return { ...base, confirmed: true, status: latest !== undefined && isCancelledStatus(latest.status) ? latest.status : 'Cancelled' };
  });
}

/** Why this client must not cancel the order by id, or undefined when it may. */
export function foreignOrderReason(order: BrokerOrder, ownClientId: number): string | undefined {
  const id = order.brokerOrderId;
  if (id <= 0) {
    return `order ${order.orderRef || `(permId ${order.permId ?? '?'})`} was entered in TWS, not through the API: cancel it in TWS, or set CANCEL_SCOPE=all (IB's global cancel)`;
  }
  if (order.clientId !== undefined && order.clientId !== ownClientId) {
    return (
      `order ${id} belongs to API client ${order.clientId}, not to this session's client ${ownClientId}; IB lets only that client cancel it by id ` +
      `(cancelOrder(${id}) from here would name this client's own order ${id}). Cancel it in TWS, or run once with IB_CLIENT_ID=${order.clientId} ` +
      `(the id that placed it, e.g. after a change of IB_CLIENT_ID), or set CANCEL_SCOPE=all (IB's global cancel); a DAY order also ends at the close`
    );
  }
  return undefined;
}

export function toBrokerOrder(entry: BookEntry): BrokerOrder {
  const { key: _key, ...order } = entry;
  return order;
}

function identity(order: BrokerOrder): string {
  return order.permId !== undefined ? `perm:${order.permId}` : `${order.clientId ?? '?'}:${order.brokerOrderId}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
