import { isFinal } from '../../core/order-status.js';
import type { SimOrder } from '../../sim/sim-state.js';
import { errorMessage, openOrderEnd } from '../encode/encode-basic.js';
import { openOrder, orderStatus } from '../encode/encode-orders.js';
import { parseAutoOpenOrders, parseBare, parseCancelOrder, parseGlobalCancel } from '../parse/parse-requests.js';
import { pushCancel, type ClientLink, type GatewayContext } from '../session/context.js';
import { READ_ONLY } from './place-order-handler.js';

/**
 * Open orders and cancels. In IB an order id belongs to the API client that placed it: cancelOrder(id) looks
 * only among the orders of the client that sends it, so another client's order (or one typed in TWS) with that
 * id is "not found" for it. Only reqGlobalCancel reaches every open order of the account.
 */

/**
 * CANCEL_ORDER: Cancelled + error 202 for an open order of this client; 161 for one of its finished orders; 10147
 * for an id this client has no order under, whoever else has. 10147 "OrderId {id} that needs to be cancelled is
 * not found." is what TWS answers an API cancel of an id it cannot find for that client (IB's message codes,
 * https://interactivebrokers.github.io/tws-api/message_codes.html, and the replies real TWS sends, e.g. as logged
 * by ib_insync users: "Error 10147, reqId N: OrderId N that needs to be cancelled is not found."). The older
 * 135 "Can't find order with ID =" of IB's API message codes list
 * (https://www.interactivebrokers.com/php/apiUsersGuide/apiguide/tables/api_message_codes.htm) is not what
 * current TWS sends for a cancel; the adapter treats both as a refused cancel (ib-codes.ts CANCEL_REFUSED_CODES).
 */
export function handleCancelOrder(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const orderId = parseCancelOrder(fields);
  if (ctx.faults.readOnlyApi) return link.send(errorMessage(orderId, 321, READ_ONLY));
  const order = ctx.account.state.orders.find((o) => o.orderId === orderId && o.clientId === link.clientId);
  if (order === undefined) return link.send(errorMessage(orderId, 10147, `OrderId ${orderId} that needs to be cancelled is not found.`));
  if (isFinal(order.status)) {
    return link.send(
      errorMessage(orderId, 161, `Cancel attempted when order is not in a cancellable state.  Order permId =${order.permId}`),
    );
  }
  cancel(link, order, ctx);
}

/** REQ_GLOBAL_CANCEL: every open order of every client, each confirmed as a single cancel is. */
export function handleGlobalCancel(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseGlobalCancel(fields);
  if (ctx.faults.readOnlyApi) return link.send(errorMessage(-1, 321, READ_ONLY));
  for (const order of ctx.account.openOrders()) cancel(link, order, ctx);
}

function cancel(link: ClientLink, order: SimOrder, ctx: GatewayContext): void {
  const events = ctx.account.cancel(order);
  ctx.stats.cancels += 1;
  pushCancel(ctx, events, order.orderId, order.clientId, link);
}

/** REQ_ALL_OPEN_ORDERS: the open orders of every client (and those placed by hand), then the end marker. */
export function handleAllOpenOrders(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  sendOpenOrders(link, ctx, ctx.account.openOrders());
}

/** REQ_OPEN_ORDERS: as IB, only the orders this client id placed (client 0 also sees orders placed by hand). */
export function handleOpenOrders(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  sendOpenOrders(
    link,
    ctx,
    ctx.account.openOrders().filter((o) => o.clientId === link.clientId),
  );
}

/** REQ_AUTO_OPEN_ORDERS: answered like REQ_OPEN_ORDERS (binding manual orders is not simulated). */
export function handleAutoOpenOrders(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseAutoOpenOrders(fields);
  sendOpenOrders(
    link,
    ctx,
    ctx.account.openOrders().filter((o) => o.clientId === link.clientId),
  );
}

function sendOpenOrders(link: ClientLink, ctx: GatewayContext, orders: SimOrder[]): void {
  const frames = orders.flatMap((o) => {
    const view = ctx.account.orderView(o);
    return [openOrder(view), orderStatus(view)];
  });
  link.send(...frames, openOrderEnd());
}
