/**
 * The IB contract and order for one OrderRequest. Pure.
 *
 * Every order is an Adaptive limit order routed SMART, good for the day, regular hours only, transmitted at
 * once, in the configured account, with the run's orderRef: the same order the `sim` broker models.
 */
import { OrderAction, OrderType, SecType, TimeInForce, type Contract, type Order } from '@stoqey/ib';
import type { ContractInfo, OrderRequest } from '../../core/types.js';

/** The stock contract of a symbol: SMART routing, with the primary exchange and conId when known. */
export function stockContract(symbol: string, currency: string, primaryExchange?: string, conId?: number): Contract {
  return {
    symbol,
    secType: SecType.STK,
    exchange: 'SMART',
    currency,
    ...(primaryExchange ? { primaryExch: primaryExchange } : {}),
    ...(conId !== undefined && conId > 0 ? { conId } : {}),
  };
}

/** Contract of an order; the conId is used only when the contract details agree with the request. */
export function orderContract(request: OrderRequest, known: ContractInfo | undefined): Contract {
  const agrees =
    known !== undefined &&
    known.currency === request.currency &&
    (request.primaryExchange === '' || known.primaryExchange === request.primaryExchange);
  return stockContract(
    request.symbol,
    request.currency,
    request.primaryExchange || known?.primaryExchange,
    agrees ? known?.conId : undefined,
  );
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
  if (!/^[A-Z0-9.\- ]{1,12}$/i.test(request.symbol)) problems.push(`symbol "${request.symbol}" is not a stock symbol`);
  if (!Number.isSafeInteger(request.quantity) || request.quantity <= 0)
    problems.push(`quantity ${request.quantity} is not a whole number of shares above 0`);
  if (!Number.isFinite(request.limitPrice) || request.limitPrice <= 0)
    problems.push(`limit price ${request.limitPrice} is not a price above 0`);
  if (request.orderRef.trim() === '') problems.push('the orderRef is empty: the next run could not recognise the order');
  if (!/^[A-Z]{3}$/.test(request.currency)) problems.push(`currency "${request.currency}" is not a currency code`);
  if (!['Patient', 'Normal', 'Urgent'].includes(request.adaptivePriority))
    problems.push(`adaptive priority "${request.adaptivePriority}" is not Patient, Normal or Urgent`);
  return problems;
}
