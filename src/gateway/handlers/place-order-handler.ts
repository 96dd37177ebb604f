import type { AdaptivePriority, OrderStatusName, Side } from '../../core/types.js';
import { SimRejection } from '../../sim/sim-account.js';
import { NO_SECURITY_DEFINITION, resolveContract } from '../account/contracts.js';
import { errorMessage } from '../encode/encode-basic.js';
import { openOrder, orderStatus, refusedOrderStatus } from '../encode/encode-orders.js';
import { parsePlaceOrder, type ParsedPlaceOrder } from '../parse/parse-place-order.js';
import { pushEvents, type ClientLink, type GatewayContext } from '../session/context.js';

/**
 * PLACE_ORDER: read field by field (a decode error is thrown before anything is acted on), recorded for the
 * tests, checked against the faults and the simulator's venue rules, and only then placed in the simulated
 * account. The client hears what TWS says: OPEN_ORDER + ORDER_STATUS for an accepted order (and its fills), or
 * an error under the order id, followed by the status TWS gives a refused order.
 */

/** IB's text for error 321 when the API is read-only. */
export const READ_ONLY = "Error validating request:-'bN' : cause - The API interface is currently in Read-Only mode.";
const PRIORITIES = new Set(['Patient', 'Normal', 'Urgent']);

export function handlePlaceOrder(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const order = parsePlaceOrder(fields, link.clientId ?? 0);
  ctx.placed.push(order);
  ctx.stats.ordersPlaced += 1;
  const id = order.orderId;
  const qty = order.totalQuantity ?? 0;
  if (ctx.faults.readOnlyApi) return link.send(errorMessage(id, 321, READ_ONLY));
  const unsupported = unsupportedBy(order, ctx.account.state.account);
  if (unsupported !== undefined) return refuse(link, id, 201, `Order rejected - reason: ${unsupported}`, qty);
  // As at IB, a client's order ids only grow: an id at or below one it used before is a duplicate.
  const used = ctx.account.state.orders.filter((o) => o.clientId === order.clientId).reduce((max, o) => Math.max(max, o.orderId), 0);
  if (id <= used) return refuse(link, id, 103, `Duplicate order id ${id} (this client has used ids up to ${used})`, qty);
  const unknown = new Set(ctx.faults.unknownContracts);
  const ref = { ...order, conId: order.conId === 0 ? undefined : order.conId };
  const contract = resolveContract(ctx.account.market, ref, unknown);
  if (contract === undefined) return link.send(errorMessage(id, 200, NO_SECURITY_DEFINITION));
  const fault = ctx.faults.rejectOrders[contract.symbol];
  if (fault !== undefined) return refuse(link, id, fault.code, fault.message ?? defaultText(fault.code, order), qty);
  const adaptivePriority = order.algoParams.find((p) => p.tag === 'adaptivePriority')?.value ?? 'Normal';
  const request = {
    orderRef: order.orderRef,
    symbol: contract.symbol,
    action: order.action as Side,
    quantity: order.totalQuantity ?? 0,
    limitPrice: order.lmtPrice ?? 0,
    adaptivePriority: adaptivePriority as AdaptivePriority,
    primaryExchange: contract.primaryExchange,
    currency: contract.currency,
  };
  try {
    const placed = ctx.account.place(request, { orderId: id, clientId: link.clientId ?? 0, adaptive: order.algoStrategy !== '' });
    // TWS acknowledges first; fills (when the order is marketable at once) follow as their own updates.
    const accepted = {
      ...ctx.account.orderView(placed.order),
      status: initialStatus(placed.order.status),
      filled: 0,
      avgFillPrice: 0,
      lastFillPrice: 0,
    };
    link.send(openOrder(accepted), orderStatus(accepted));
    pushEvents(
      ctx,
      placed.events.filter((e) => e.kind !== 'order' || e.order.orderId !== id || e.order.filled > 0),
      link,
    );
  } catch (err) {
    if (!(err instanceof SimRejection)) throw err;
    refuse(link, id, err.code, err.code === 110 ? defaultText(110, order) : err.message, qty);
  }
}

/** Why the simulated venue cannot take the order at all; undefined when it is a transmitted DAY LMT stock order. */
function unsupportedBy(o: ParsedPlaceOrder, account: string): string | undefined {
  if (o.transmit !== true) return 'transmit is not set: TWS would only stage the order, never send it';
  if (o.whatIf === true) return 'what-if orders are not simulated';
  if (o.action !== 'BUY' && o.action !== 'SELL') return `action ${JSON.stringify(o.action)} (expected BUY or SELL)`;
  if (o.orderType !== 'LMT') return `order type ${JSON.stringify(o.orderType)} is not simulated (only LMT)`;
  if (o.tif !== 'DAY') return `time in force ${JSON.stringify(o.tif)} is not simulated (only DAY)`;
  if ((o.parentId ?? 0) !== 0) return 'child orders are not simulated';
  if (o.account !== '' && o.account !== account) return `account ${o.account} is not managed by this login (${account})`;
  if (o.algoStrategy !== '' && o.algoStrategy !== 'Adaptive') return `algo ${o.algoStrategy} is not simulated (only Adaptive)`;
  const bad = o.algoParams.find((p) => p.tag !== 'adaptivePriority' || !PRIORITIES.has(p.value));
  if (bad !== undefined) return `Adaptive parameter ${bad.tag}=${bad.value} (expected adaptivePriority Patient, Normal or Urgent)`;
  return undefined;
}

/** The error, then the status TWS leaves a refused order in: Inactive after 201, Cancelled after 110 and 451. */
function refuse(link: ClientLink, orderId: number, code: number, message: string, quantity: number): void {
  link.send(errorMessage(orderId, code, message));
  const status: OrderStatusName | undefined = code === 201 ? 'Inactive' : code === 110 || code === 451 ? 'Cancelled' : undefined;
  if (status !== undefined) link.send(refusedOrderStatus(orderId, status, link.clientId ?? 0, quantity));
}

function defaultText(code: number, o: ParsedPlaceOrder): string {
  if (code === 110) return 'The price does not conform to the minimum price variation for this contract.';
  if (code === 103) return 'Duplicate order id';
  if (code === 451) {
    const value = Math.round((o.totalQuantity ?? 0) * (o.lmtPrice ?? 0)).toLocaleString('en-US');
    return (
      `The following order "ID:${o.orderId}" value estimate of ${value} USD exceeds the Total Value Limit of 100,000 USD. ` +
      'Restriction is specified in Precautionary Settings of Global Configuration/Presets.'
    );
  }
  return 'Order rejected - reason:';
}

/** What TWS reports for a new order: Submitted in the session, PreSubmitted (held until the open) outside it. */
function initialStatus(status: OrderStatusName): OrderStatusName {
  return status === 'PreSubmitted' ? 'PreSubmitted' : 'Submitted';
}
