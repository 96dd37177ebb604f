import type { AdaptivePriority, OrderRequest, OrderStatusName, Side } from '../../core/types.js';
import { idealproMinimum, isCashRequest, oddLotWarning, resolveFxPair, type FxPairView } from '../../sim/fx-pairs.js';
import { SimRejection } from '../../sim/sim-account.js';
import type { SimOrder } from '../../sim/sim-state.js';
import { NO_SECURITY_DEFINITION, resolveContract, smartRoutable, type ContractView } from '../account/contracts.js';
import { errorMessage } from '../encode/encode-basic.js';
import { openOrder, orderStatus, refusedOrderStatus } from '../encode/encode-orders.js';
import { parsePlaceOrder, type ParsedPlaceOrder } from '../parse/parse-place-order.js';
import { pushEvents, type ClientLink, type GatewayContext } from '../session/context.js';

/**
 * PLACE_ORDER: read field by field (a decode error is thrown before anything is acted on), recorded for the
 * tests, checked against the faults and the simulator's venue rules, and only then placed in the simulated
 * account. The client hears what TWS says: OPEN_ORDER + ORDER_STATUS for an accepted order (and its fills), or
 * an error under the order id, followed by the status TWS gives a refused order.
 *
 * A PLACE_ORDER on an order id this client already has is a modification, as at TWS (only the client that placed
 * an order can modify it, by sending it again with the same id: https://interactivebrokers.github.io/tws-api/modifying_orders.html).
 * See handleModification.
 */

/** IB's text for error 321 when the API is read-only. */
export const READ_ONLY = "Error validating request:-'bN' : cause - The API interface is currently in Read-Only mode.";
const PRIORITIES = new Set(['Patient', 'Normal', 'Urgent']);

export function handlePlaceOrder(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const order = parsePlaceOrder(fields, link.clientId ?? 0);
  // IB order ids are per client: an id names an existing order only among this client's own orders.
  if (ctx.account.state.orders.some((o) => o.orderId === order.orderId && o.clientId === order.clientId)) {
    return handleModification(link, order, ctx);
  }
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
  if (isCashRequest(order)) return placeConversion(link, order, ctx);
  const unknown = new Set(ctx.faults.unknownContracts);
  const ref = { ...order, conId: order.conId === 0 ? undefined : order.conId };
  const contract = resolveContract(ctx.account.market, ref, unknown);
  if (contract === undefined) return link.send(errorMessage(id, 200, NO_SECURITY_DEFINITION));
  const misrouted = routingRefusal(order, contract);
  if (misrouted !== undefined) return refuse(link, id, misrouted.code, misrouted.message, qty);
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
  placeAndAcknowledge(link, ctx, order, request, order.algoStrategy !== '');
}

/**
 * The simulated account places the order; TWS acknowledges it first (OPEN_ORDER + ORDER_STATUS), then `between` (a
 * conversion's odd-lot warning), then the fills when the order is marketable at once, as their own updates. A venue's
 * refusal is IB's error under the order id.
 */
function placeAndAcknowledge(
  link: ClientLink,
  ctx: GatewayContext,
  order: ParsedPlaceOrder,
  request: OrderRequest,
  adaptive: boolean,
  between: (placed: SimOrder) => void = () => undefined,
): void {
  const id = order.orderId;
  try {
    const placed = ctx.account.place(request, { orderId: id, clientId: link.clientId ?? 0, adaptive });
    const accepted = {
      ...ctx.account.orderView(placed.order),
      status: initialStatus(placed.order.status),
      filled: 0,
      avgFillPrice: 0,
      lastFillPrice: 0,
    };
    link.send(openOrder(accepted), orderStatus(accepted));
    between(placed.order);
    pushEvents(
      ctx,
      placed.events.filter((e) => e.kind !== 'order' || e.order.orderId !== id || e.order.filled > 0),
      link,
    );
  } catch (err) {
    if (!(err instanceof SimRejection)) throw err;
    refuse(link, id, err.code, err.code === 110 ? defaultText(110, order) : err.message, order.totalQuantity ?? 0);
  }
}

/**
 * A currency conversion: PLACE_ORDER with a CASH contract (by symbol and currency, or by the pair's conId) on IDEALPRO.
 * The pair must be listed in that orientation and priced by the scenario (else 200, as for contract details); no algo
 * on IDEALPRO (387, as on any direct route); then the simulated account places it (201 quantity, 110 tick). Accepted:
 * OPEN_ORDER + ORDER_STATUS with IB's CASH contract, then, for an order below IDEALPRO's minimum, IB's warning 399
 * under the order id (the order proceeds as an odd lot), then its fill if it filled at once.
 */
function placeConversion(link: ClientLink, order: ParsedPlaceOrder, ctx: GatewayContext): void {
  const id = order.orderId;
  const qty = order.totalQuantity ?? 0;
  const rateOf = (c: string) => ctx.account.exchangeRate(c);
  const pair = resolvePair(order, ctx);
  if (pair === undefined) return link.send(errorMessage(id, 200, NO_SECURITY_DEFINITION));
  if (order.algoStrategy !== '') return refuse(link, id, 387, UNSUPPORTED_ORDER_TYPE, qty);
  const fault = ctx.faults.rejectOrders[pair.localSymbol];
  if (fault !== undefined) return refuse(link, id, fault.code, fault.message ?? defaultText(fault.code, order), qty);
  const request = {
    orderRef: order.orderRef,
    secType: 'CASH' as const,
    symbol: pair.localSymbol,
    action: order.action as Side,
    quantity: qty,
    limitPrice: order.lmtPrice ?? 0,
    adaptivePriority: 'Normal' as const,
    primaryExchange: 'IDEALPRO',
    currency: pair.currency,
  };
  placeAndAcknowledge(link, ctx, order, request, false, (placed) => {
    const minimum = idealproMinimum(pair.symbol, rateOf);
    if (placed.oddLot === true && minimum !== undefined) link.send(errorMessage(id, 399, oddLotWarning(pair.symbol, minimum)));
  });
}

/** The IDEALPRO pair a CASH order names (by conId, or symbol and currency in the listed orientation), or undefined. */
function resolvePair(order: ParsedPlaceOrder, ctx: GatewayContext): FxPairView | undefined {
  const ref = { ...order, conId: order.conId === 0 ? undefined : order.conId };
  return resolveFxPair(ref, (c) => ctx.account.exchangeRate(c));
}

/**
 * A modification: checked as a new order is (read-only 321, what the venue cannot take 201, the contract and its
 * route 200 and 387), then
 * applied by the simulated account, which refuses what IB refuses (104 filled, 103 cancelled or finished, 105 symbol,
 * side or algo changed, 110 off tick, 201, and the scenario's `modifyFaults`: 2102 and the others). Accepted:
 * OPEN_ORDER with the new total quantity and limit and ORDER_STATUS (same id and permId, status and filled as they
 * stand), then the executions of fills booked on the way. Refused: the error under the order id and nothing else, the
 * order standing as it was. TWS sends no status for a refused modification: ib_async's wrapper (ib-api-reloaded/
 * ib_async, wrapper.py) notes that a modification's error leaves the order "STILL LIVE", and the Cancelled status
 * ib_insync shows after one is its own, set client-side (ib_insync issue #502, "Failed Order Modifications Result in
 * False Order Cancellations": the original order was still open). The scenario's `dropAfter`: applied, then the
 * connection drops before the client hears anything.
 */
function handleModification(link: ClientLink, order: ParsedPlaceOrder, ctx: GatewayContext): void {
  ctx.placed.push({ ...order, modification: true });
  ctx.stats.ordersModified += 1;
  const id = order.orderId;
  if (ctx.faults.readOnlyApi) return link.send(errorMessage(id, 321, READ_ONLY));
  const unsupported = unsupportedBy(order, ctx.account.state.account);
  if (unsupported !== undefined) return link.send(errorMessage(id, 201, `Order rejected - reason: ${unsupported}`));
  const ref = { ...order, conId: order.conId === 0 ? undefined : order.conId };
  const cash = isCashRequest(order);
  const pair = cash ? resolvePair(order, ctx) : undefined;
  const contract = cash ? undefined : resolveContract(ctx.account.market, ref, new Set(ctx.faults.unknownContracts));
  if (contract === undefined && pair === undefined) return link.send(errorMessage(id, 200, NO_SECURITY_DEFINITION));
  const misrouted = contract === undefined ? undefined : routingRefusal(order, contract);
  if (misrouted !== undefined) return link.send(errorMessage(id, misrouted.code, misrouted.message));
  if (pair !== undefined && order.algoStrategy !== '') return link.send(errorMessage(id, 387, UNSUPPORTED_ORDER_TYPE));
  const adaptive = order.algoStrategy !== '';
  const priority = order.algoParams.find((p) => p.tag === 'adaptivePriority')?.value;
  const result = ctx.account.modify(
    id,
    {
      symbol: pair?.localSymbol ?? contract?.symbol ?? '',
      action: order.action as Side,
      quantity: order.totalQuantity ?? 0,
      limitPrice: order.lmtPrice ?? 0,
      adaptive,
      ...(adaptive && priority !== undefined ? { adaptivePriority: priority as AdaptivePriority } : {}),
      orderRef: order.orderRef,
    },
    order.clientId,
  );
  if (!result.ok) {
    // Fills booked before the change arrived (the fillFirst fault) are reported as any fill is, then the refusal.
    pushEvents(ctx, result.events, link);
    const code = result.refusal.code;
    return link.send(errorMessage(id, code, code === 110 ? defaultText(110, order) : result.refusal.message));
  }
  if (result.dropAfter) {
    link.dropAfterThisMessage();
    return pushEvents(ctx, result.events, link);
  }
  // The acknowledgement shows the order as it now stands: new size and limit, status and filled quantity (remaining =
  // total - filled), counting fills booked just before the change (fillFirst) or by it (a new price is worked at once).
  // Their executions follow; the order's own updates would only repeat the acknowledgement.
  const now = ctx.account.orderView(result.order);
  link.send(openOrder(now), orderStatus(now));
  pushEvents(
    ctx,
    result.events.filter((e) => e.kind !== 'order' || e.order.orderId !== id),
    link,
  );
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

/** IB's text for error 387. */
export const UNSUPPORTED_ORDER_TYPE = 'Unsupported order type for this exchange and security type.';

/**
 * What IB answers an order routed where the listing cannot take it, or undefined:
 * - routed SMART for a listing IB does not route SMART (validExchanges without SMART: a Hong Kong line, valid on SEHK
 *   alone): error 200, no security definition, as IB finds no SMART listing for it (its contract is looked up on the
 *   exchange the order names; HK lines are always sent with exchange SEHK);
 * - the Adaptive algo on an order routed to an exchange directly: error 387, IB's code and text for an order type the
 *   exchange does not take (a real log: a REL order on TSE, error 387 "Unsupported order type for this exchange and
 *   security type."). IB describes Adaptive as its smart routing with a priority
 *   (https://www.interactivebrokers.com/en/index.php?f=19091) and leaves open which direct routes take it; the
 *   simulator takes it on SMART only, at least as hard as IB.
 */
function routingRefusal(o: ParsedPlaceOrder, c: ContractView): { code: number; message: string } | undefined {
  const exchange = o.exchange.toUpperCase();
  if (exchange === 'SMART' && !smartRoutable(c)) return { code: 200, message: NO_SECURITY_DEFINITION };
  if (exchange !== '' && exchange !== 'SMART' && o.algoStrategy !== '') return { code: 387, message: UNSUPPORTED_ORDER_TYPE };
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
