/**
 * The IB contract and order for one OrderRequest. Pure.
 *
 * Every order is a limit order good for the day, regular hours only, transmitted at once, in the configured account,
 * with the run's orderRef: an Adaptive one routed SMART (the order the `sim` broker models), except for a listing IB
 * does not route SMART (contract details without SMART among the validExchanges: a Hong Kong line, valid on SEHK
 * alone), which goes to its primary exchange directly as a plain limit order. IB refuses a SMART order for such a
 * listing, and describes Adaptive as its SMART routing with a priority
 * (https://www.interactivebrokers.com/en/index.php?f=19091: "combines IB's smart routing capabilities"; its table
 * leaves open which direct-routed venues take it), so a direct order does not carry the algo. A listing that is on
 * SMART stays SMART, abroad too: TSEJ and others refuse direct-routed API orders under the Gateway's precautionary
 * settings (10311).
 *
 * A currency conversion (secType CASH, FX_POLICY=convert) goes to IDEALPRO on the pair's CASH contract, built field by
 * field (ib-fx-rates.ts cashContract), as a plain limit order: Adaptive is a SMART algo, and IDEALPRO is no SMART route.
 */
import { OrderAction, OrderType, SecType, TimeInForce, type Contract, type Order } from '@stoqey/ib';
import type { ContractInfo, OrderRequest } from '../../core/types.js';
import { conversionProblems, pairOf } from './ib-conversions.js';
import { cashContract } from './ib-fx-rates.js';

/** IB's routing through its smart router. */
export const SMART = 'SMART';

/** The stock contract of a symbol: SMART routing unless another exchange is named, with the primary exchange and conId when known. */
export function stockContract(
  symbol: string,
  currency: string,
  primaryExchange?: string,
  conId?: number,
  exchange: string = SMART,
): Contract {
  return {
    symbol,
    secType: SecType.STK,
    exchange,
    currency,
    ...(primaryExchange ? { primaryExch: primaryExchange } : {}),
    ...(conId !== undefined && conId > 0 ? { conId } : {}),
  };
}

/**
 * The exchange a listing's orders and quote requests are sent to: its primary exchange when IB does not route it
 * SMART (and names that exchange), else SMART.
 */
export function routeOf(known: ContractInfo | undefined): string {
  return known?.smartRoutable === false && known.primaryExchange !== '' ? known.primaryExchange : SMART;
}

/**
 * Contract of an order; the conId, and a direct route for a listing IB does not route SMART, are used only when the
 * contract details agree with the request. A conversion's is its pair's IDEALPRO CASH contract (the request's symbol
 * names the pair as IB lists it: `requestProblems` refuses one that does not).
 */
export function orderContract(request: OrderRequest, known: ContractInfo | undefined): Contract {
  if (request.secType === 'CASH') {
    const pair = pairOf(request.symbol);
    if (pair === undefined) throw new Error(`conversion symbol "${request.symbol}" is not a pair (requestProblems refuses it)`);
    return cashContract(pair);
  }
  const agrees =
    known !== undefined &&
    known.currency === request.currency &&
    (request.primaryExchange === '' || known.primaryExchange === request.primaryExchange);
  return stockContract(
    request.symbol,
    request.currency,
    request.primaryExchange || known?.primaryExchange,
    agrees ? known?.conId : undefined,
    agrees ? routeOf(known) : SMART,
  );
}

/**
 * The IB order of a request sent on `contract`: Adaptive when routed SMART, a plain limit order when routed to an
 * exchange directly (see the header).
 */
export function limitOrderFor(request: OrderRequest, account: string, contract: Contract): Order {
  if (contract.exchange === SMART && request.secType !== 'CASH') return adaptiveLimitOrder(request, account);
  const { algoStrategy: _algo, algoParams: _params, ...plain } = adaptiveLimitOrder(request, account);
  return plain;
}

/** The IB order of a request. `orderMiscOptions` stays unset: the encoder would flatten an array into the frame. */
export function adaptiveLimitOrder(request: OrderRequest, account: string): Order {
  return {
    orderType: OrderType.LMT,
    action: request.action === 'BUY' ? OrderAction.BUY : OrderAction.SELL,
    totalQuantity: request.quantity,
    lmtPrice: request.limitPrice,
    tif: TimeInForce.DAY,
    transmit: true,
    outsideRth: false,
    orderRef: request.orderRef,
    account,
    algoStrategy: 'Adaptive',
    algoParams: [{ tag: 'adaptivePriority', value: request.adaptivePriority }],
  };
}

/**
 * Problems that make a request unsendable, or an empty list. The planner never produces these; if one
 * appears, an invariant broke upstream, and sending would be worse than stopping.
 */
export function requestProblems(request: OrderRequest): string[] {
  const problems: string[] = [];
  const conversion = request.secType === 'CASH';
  if (conversion) problems.push(...conversionProblems(request));
  else if (!/^[A-Z0-9.\- ]{1,12}$/i.test(request.symbol)) problems.push(`symbol "${request.symbol}" is not a stock symbol`);
  if (request.secType !== undefined && !conversion) problems.push(`secType "${String(request.secType)}" is neither a stock nor CASH`);
  const units = conversion ? `units of ${pairOf(request.symbol)?.symbol ?? 'its first currency'}` : 'shares';
  if (!Number.isSafeInteger(request.quantity) || request.quantity <= 0)
    problems.push(`quantity ${request.quantity} is not a whole number of ${units} above 0`);
  if (!Number.isFinite(request.limitPrice) || request.limitPrice <= 0)
    problems.push(`limit price ${request.limitPrice} is not a price above 0`);
  if (request.orderRef.trim() === '') problems.push('the orderRef is empty: the next run could not recognise the order');
  if (!/^[A-Z]{3}$/.test(request.currency)) problems.push(`currency "${request.currency}" is not a currency code`);
  // A conversion carries no algo: its priority is ignored.
  if (!conversion && !['Patient', 'Normal', 'Urgent'].includes(request.adaptivePriority))
    problems.push(`adaptive priority "${request.adaptivePriority}" is not Patient, Normal or Urgent`);
  return problems;
}
