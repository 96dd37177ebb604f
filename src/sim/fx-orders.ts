import { Decimal } from 'decimal.js';
import type { OrderRequest } from '../core/types.js';
import { fxPairNamed, idealproMinimum, pairMid, pairQuote, resolveFxPair, type FxPairView, type RateOf } from './fx-pairs.js';
import type { SimExecution, SimOrder, SimState } from './sim-state.js';
import { isOnTick } from './universe.js';

/**
 * Currency conversions on IDEALPRO (OrderRequest secType 'CASH', FX_POLICY=convert), as the simulated account fills
 * them: the pair as IB lists it (`USD.SGD`: quantity in USD, price in SGD per USD), filled whole at the pair's quote
 * (a BUY whose limit reaches the ask at the ask, a SELL at the bid), an order below IDEALPRO's minimum routed as an odd
 * lot 1 basis point worse (IB: "1-2 basis points outside the IdealPro quote"), commission 0.2 bp of the value (minimum
 * USD 2), both legs into the cash ledger. A conversion is never a position.
 */

/** IB's text for error 200. */
const NO_SECURITY_DEFINITION = 'No security definition has been found for the request';

/** How much worse than the IDEALPRO quote an odd lot fills: 1 basis point. */
const ODD_LOT_SLIPPAGE = new Decimal('0.0001');
/** IDEALPRO's commission: 0.2 basis points of the trade value, at least USD 2 (docs/research/multi-currency.md 2.2). */
const COMMISSION_RATE = new Decimal('0.00002');
const COMMISSION_MINIMUM_USD = 2;

/**
 * The pair a conversion names, or a refusal as IB gives it: 200 when the pair is not listed in that orientation, not
 * priced by the scenario, not on IDEALPRO or its currency disagrees; 201 for a quantity that is not a positive whole
 * number; 110 for a limit off the pair's tick.
 */
export function fxOrderCheck(
  request: Pick<OrderRequest, 'symbol' | 'currency' | 'primaryExchange' | 'quantity' | 'limitPrice'>,
  rateOf: RateOf,
): { pair: FxPairView } | { code: number; message: string } {
  const [first, second, ...rest] = request.symbol.toUpperCase().split('.');
  const exchange = request.primaryExchange.toUpperCase();
  const pair =
    first !== undefined && second !== undefined && rest.length === 0 && (exchange === '' || exchange === 'IDEALPRO')
      ? resolveFxPair({ secType: 'CASH', exchange: 'IDEALPRO', symbol: first, currency: second }, rateOf)
      : undefined;
  if (pair === undefined || (request.currency !== '' && request.currency.toUpperCase() !== pair.currency)) {
    return { code: 200, message: `${NO_SECURITY_DEFINITION} (${request.symbol} CASH ${request.currency} on IDEALPRO)` };
  }
  const { quantity, limitPrice } = request;
  if (!Number.isInteger(quantity) || quantity <= 0) {
    return { code: 201, message: `Order rejected - reason: quantity must be a positive whole number, got ${quantity}` };
  }
  if (!(limitPrice > 0) || !isOnTick(limitPrice, pair.minTick)) {
    return {
      code: 110,
      message: `The price does not conform to the minimum price variation for this contract: ${pair.localSymbol} limit ${limitPrice}, tick ${pair.minTick}`,
    };
  }
  return { pair };
}

/** True when the quantity (units of the pair's first currency) is below IDEALPRO's minimum: IB routes it as an odd lot. */
export function isOddLot(pair: FxPairView, quantity: number, rateOf: RateOf): boolean {
  const minimum = idealproMinimum(pair.symbol, rateOf);
  return minimum !== undefined && quantity < minimum;
}

/**
 * The price a conversion fills at now, or undefined when it rests (not marketable, or no quote): the ask for a BUY
 * whose limit reaches it, the bid for a SELL; an odd lot 1 bp worse than that side, on a tenth of the pair's tick away
 * from the client, and only while that is still within the limit.
 */
export function fxFillPrice(order: Pick<SimOrder, 'symbol' | 'action' | 'limitPrice' | 'oddLot'>, rateOf: RateOf): number | undefined {
  const pair = fxPairNamed(order.symbol);
  const mid = pair === undefined ? undefined : pairMid(pair, rateOf);
  if (pair === undefined || mid === undefined) return undefined;
  const quote = pairQuote(pair, mid);
  const buy = order.action === 'BUY';
  let price = new Decimal(buy ? quote.ask : quote.bid);
  if (order.oddLot === true) {
    const step = new Decimal(pair.minTick).dividedBy(10);
    const worse = price.times(buy ? Decimal.add(1, ODD_LOT_SLIPPAGE) : Decimal.sub(1, ODD_LOT_SLIPPAGE));
    price = worse
      .dividedBy(step)
      .toDecimalPlaces(0, buy ? Decimal.ROUND_CEIL : Decimal.ROUND_FLOOR)
      .times(step);
  }
  const within = buy ? price.lte(order.limitPrice) : price.gte(order.limitPrice);
  return within && price.gt(0) ? price.toNumber() : undefined;
}

/**
 * IDEALPRO's commission on a fill, in the pair's second currency (the execution's: the run books a commission in the
 * currency of the execution it comes with): 0.2 bp of the value, at least USD 2 at the account's rates (without a USD
 * rate, 2 units of the account's base currency), to 4 decimals as IB reports commissions.
 */
export function fxCommission(pair: FxPairView, value: Decimal, rateOf: RateOf, baseCurrency: string): number {
  const second = rateOf(pair.currency);
  const floorIn = rateOf('USD') ?? rateOf(baseCurrency);
  const minimum =
    second === undefined || floorIn === undefined || second.isZero()
      ? new Decimal(0)
      : floorIn.times(COMMISSION_MINIMUM_USD).dividedBy(second);
  return Decimal.max(value.times(COMMISSION_RATE), minimum).toDecimalPlaces(4, Decimal.ROUND_HALF_UP).toNumber();
}

/**
 * Books a conversion's fill of its whole remainder at `price`: the first currency moves by the quantity, the second by
 * the value the other way and by the commission (BUY USD.SGD q at p: USD +q, SGD -q*p - commission; SELL: USD -q, SGD
 * +q*p - commission). No position moves. The order is Filled; the execution carries secType CASH.
 */
export function bookFxFill(state: SimState, order: SimOrder, price: number, time: string, rateOf: RateOf): SimExecution {
  const pair = fxPairNamed(order.symbol);
  if (pair === undefined) throw new Error(`invariant: conversion ${order.orderId} names no pair (${order.symbol})`);
  const quantity = order.quantity - order.filled;
  const value = new Decimal(quantity).times(price);
  const commission = fxCommission(pair, value, rateOf, state.currency);
  const sign = order.action === 'BUY' ? 1 : -1;
  move(state, pair.symbol, new Decimal(quantity).times(sign));
  move(state, pair.currency, value.times(-sign).minus(commission));
  order.avgFillPrice = new Decimal(order.avgFillPrice)
    .times(order.filled)
    .plus(value)
    .div(order.filled + quantity)
    .toDecimalPlaces(8)
    .toNumber();
  order.filled += quantity;
  Object.assign(order, { status: 'Filled', completedAt: time });
  const execution: SimExecution = {
    execId: `${state.simId}.${state.nextExecSeq.toString(16).padStart(8, '0')}.01`,
    orderId: order.orderId,
    permId: order.permId,
    orderRef: order.orderRef,
    secType: 'CASH',
    symbol: order.symbol,
    side: order.action,
    quantity,
    price,
    commission,
    time,
  };
  state.nextExecSeq += 1;
  state.executions.push(execution);
  return execution;
}

/** Adds `amount` to the cash of `currency` (the base's own balance, or the foreign one). */
function move(state: SimState, currency: string, amount: Decimal): void {
  if (currency === state.currency) state.cash = amount.plus(state.cash).toNumber();
  else state.foreignCash = { ...state.foreignCash, [currency]: amount.plus(state.foreignCash?.[currency] ?? 0).toNumber() };
}
