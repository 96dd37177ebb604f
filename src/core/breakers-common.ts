/**
 * Shared pieces of the circuit breakers: the context every check reads, the arithmetic they agree on, and
 * the number formats of their details. Pure: no I/O, no clock.
 */
import { Exact, toNumber, type Cents, type Decimal, type Money, type Price, type Shares } from './money.js';
import * as X from './scaled.js';
import { shareValue, shareValueDecimal } from './share-value.js';
import type { Scaled } from './scaled.js';
import type { Breach, BreachCode, PlanInputs, PlanLine } from './types.js';

/** What every breaker check reads: the planner's inputs, its lines, and the ratios it computed. */
export interface BreakerContext {
  inputs: PlanInputs;
  lines: PlanLine[];
  /** Gross exposure after the planned trades / NLV (a multiple: 1.5 means 1.5x). */
  leverageAfter: number;
  /** Sum of the trade values of this run's orders / NLV, in percent. */
  turnoverPct: number;
}

/** A check: returns one breach per problem found, or none. */
export type BreakerCheck = (ctx: BreakerContext) => Breach[];

/** Builds a breach whose detail starts with its code, so a detail read alone still says what tripped. */
export function breach(code: BreachCode, detail: string, symbol?: string): Breach {
  // The code is its own field; every reader prints it next to the detail, so the detail does not repeat it.
  const b: Breach = { code, detail };
  if (symbol !== undefined) b.symbol = symbol;
  return b;
}

/**
 * True when `value` is over `limit`, compared exactly (in the decimals the numbers were written in, as sizing
 * compares): a value exactly at its limit is within. NaN (a value or a limit we cannot compare) counts as
 * over: a number we cannot check is not a number we trust.
 */
export function exceeds(value: Decimal.Value, limit: Decimal.Value): boolean {
  // Two doubles compare as their shortest decimals do (rounding a decimal to a double never reverses an order).
  if (typeof value === 'number' && typeof limit === 'number') return Number.isNaN(value) || Number.isNaN(limit) || value > limit;
  const v = new Exact(value);
  const l = new Exact(limit);
  return v.isNaN() || l.isNaN() || v.gt(l);
}

/**
 * `part` as a percentage of `whole`, exactly: 5,000 of 100,000 is 5, not 5.000000000000001. A zero whole gives
 * an infinite or NaN percentage, which `exceeds` counts as over.
 */
export function percentOf(part: Decimal.Value, whole: Decimal.Value): Decimal {
  return new Exact(part).times(100).div(whole);
}

/** How far `value` is from `base`, as a percentage of |base|, exactly: |value - base| x 100 / |base|. */
export function percentFrom(value: Decimal.Value, base: Decimal.Value): Decimal {
  return percentOf(new Exact(value).minus(base).abs(), new Exact(base).abs());
}

const HUNDRED: Scaled = { m: 100n, s: 0 };

/**
 * exceeds(percentOf(part, whole), limit), in integers (scaled.ts) when the three are finite and whole is not
 * zero; else (an answer of NaN or Infinity) as before. The checks ask this first and build the Decimal percentage
 * for the breach's detail only when it is over.
 */
export function percentOfExceeds(part: number | Scaled, whole: number, limit: number): boolean {
  const partFinite = typeof part !== 'number' || Number.isFinite(part);
  if (!partFinite || !Number.isFinite(whole) || whole === 0 || !Number.isFinite(limit)) {
    return exceeds(percentOf(typeof part === 'number' ? part : X.decimalOf(part), whole), limit);
  }
  const exact = typeof part === 'number' ? X.scaledOf(part) : part;
  return X.quotientExceeds(X.times(exact, HUNDRED), X.scaledOf(whole), X.scaledOf(limit));
}

/** exceeds(percentFrom(value, base), limit), in integers when the three are finite and base is not zero. */
export function percentFromExceeds(value: number, base: number, limit: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base === 0 || !Number.isFinite(limit)) {
    return exceeds(percentFrom(value, base), limit);
  }
  const b = X.scaledOf(base);
  return X.quotientExceeds(X.times(X.abs(X.minus(X.scaledOf(value), b)), HUNDRED), X.abs(b), X.scaledOf(limit));
}

/** True when the line would send an order. */
export function isOrder(line: PlanLine): boolean {
  return line.action === 'BUY' || line.action === 'SELL';
}

/** Position after the line's trade, exactly: current + quantity for BUY, current - quantity for SELL. */
export function postTradeQuantity(line: PlanLine): Shares {
  if (line.action !== 'BUY' && line.action !== 'SELL') return line.currentQuantity;
  // Whole share counts whose sum is below 2^53 add exactly as doubles, as they do in decimals.
  const sum = line.action === 'BUY' ? line.currentQuantity + line.quantity : line.currentQuantity - line.quantity;
  if (Number.isSafeInteger(line.currentQuantity) && Number.isSafeInteger(line.quantity) && Number.isSafeInteger(sum))
    return sum === 0 ? 0 : sum;
  if (Number.isFinite(line.currentQuantity) && Number.isFinite(line.quantity)) {
    const current = X.scaledOf(line.currentQuantity);
    const quantity = X.scaledOf(line.quantity);
    return X.toNumber(line.action === 'BUY' ? X.plus(current, quantity) : X.minus(current, quantity));
  }
  const current = new Exact(line.currentQuantity);
  if (line.action === 'BUY') return toNumber(current.plus(line.quantity));
  if (line.action === 'SELL') return toNumber(current.minus(line.quantity));
  return line.currentQuantity;
}

/** A price we can compute with: finite and positive (IB sends -1 for "no price"). */
export function isUsablePrice(price: number | undefined): price is Price {
  return price !== undefined && Number.isFinite(price) && price > 0;
}

/** NLV when it can be the denominator of a ratio; undefined otherwise (checkNetLiquidation reports it). */
export function usableNetLiquidation(ctx: BreakerContext): Money | undefined {
  const nlv = ctx.inputs.account.netLiquidation;
  return Number.isFinite(nlv) && nlv > 0 ? nlv : undefined;
}

/**
 * The most an order can move: the larger of its planned trade value and its quantity at the limit and at
 * the reference price. A planner slip that left tradeValue out of step with quantity then cannot slip an
 * oversized order past the limits. Products are exact in decimal and rounded up to the cent.
 */
export function orderValue(line: PlanLine): Cents {
  const { quantity, tradeValue, limitPrice, referencePrice } = line;
  // Prices are the contract's; values the account's (price / magnifier x rate: see share-value.ts).
  const finite = (x: number | undefined): boolean => x === undefined || Number.isFinite(x);
  if (Number.isFinite(quantity) && Number.isFinite(tradeValue) && finite(limitPrice) && finite(referencePrice) && finite(line.fx?.rate)) {
    // The same in integers (scaled.ts).
    const shares = X.scaledOf(quantity);
    const at = (price: number | undefined): Scaled =>
      price === undefined ? X.ZERO : X.toPlaces(X.times(shares, shareValue(X.scaledOf(price), line)), 2, 'up');
    let most = X.scaledOf(tradeValue);
    for (const value of [at(limitPrice), at(referencePrice)]) if (X.compare(value, most) > 0) most = value;
    return X.toNumber(most);
  }
  const atPrice = (price: number | undefined): Decimal =>
    price === undefined ? new Exact(0) : new Exact(line.quantity).times(shareValueDecimal(price, line)).toDecimalPlaces(2, Exact.ROUND_UP);
  return toNumber(Exact.max(line.tradeValue, atPrice(line.limitPrice), atPrice(line.referencePrice)));
}

/** "BUY 52 @ 190.19": the order as a person would read it on an order ticket. */
export function describeOrder(line: PlanLine): string {
  const price = line.limitPrice === undefined ? 'no limit price' : String(line.limitPrice);
  return `${line.action} ${line.quantity} @ ${price}`;
}

// Up to 4 decimals so that a value just over a limit never prints as equal to it (2.004x vs 2.00x).
const RATIO = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** 12.5 -> "12.50%" (the value is already a percentage). */
export function formatPct(value: Decimal.Value): string {
  return `${RATIO.format(new Exact(value).toNumber())}%`;
}

/** 2.3 -> "2.30x". */
export function formatMultiple(value: Decimal.Value): string {
  return `${RATIO.format(new Exact(value).toNumber())}x`;
}
