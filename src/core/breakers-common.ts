/**
 * Shared pieces of the circuit breakers: the context every check reads, the arithmetic they agree on, and
 * the number formats of their details. Pure: no I/O, no clock.
 */
import { Decimal } from 'decimal.js';
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
 * True when `value` is over `limit`. Written as "not within" so that NaN (a value or a limit we cannot
 * compare) counts as over: a number we cannot check is not a number we trust. Equal is within.
 */
export function exceeds(value: number, limit: number): boolean {
  return !(value <= limit);
}

/** True when the line would send an order. */
export function isOrder(line: PlanLine): boolean {
  return line.action === 'BUY' || line.action === 'SELL';
}

/** Position after the line's trade: current + quantity for BUY, current - quantity for SELL. */
export function postTradeQuantity(line: PlanLine): number {
  if (line.action === 'BUY') return line.currentQuantity + line.quantity;
  if (line.action === 'SELL') return line.currentQuantity - line.quantity;
  return line.currentQuantity;
}

/** A price we can compute with: finite and positive (IB sends -1 for "no price"). */
export function isUsablePrice(price: number | undefined): price is number {
  return price !== undefined && Number.isFinite(price) && price > 0;
}

/** NLV when it can be the denominator of a ratio; undefined otherwise (checkNetLiquidation reports it). */
export function usableNetLiquidation(ctx: BreakerContext): number | undefined {
  const nlv = ctx.inputs.account.netLiquidation;
  return Number.isFinite(nlv) && nlv > 0 ? nlv : undefined;
}

/**
 * The most an order can move: the larger of its planned trade value and its quantity at the limit and at
 * the reference price. A planner slip that left tradeValue out of step with quantity then cannot slip an
 * oversized order past the limits. Products are exact in decimal and rounded up to the cent.
 */
export function orderValue(line: PlanLine): number {
  const atPrice = (price: number | undefined): number =>
    price === undefined ? 0 : new Decimal(line.quantity).times(price).toDecimalPlaces(2, Decimal.ROUND_UP).toNumber();
  return Math.max(line.tradeValue, atPrice(line.limitPrice), atPrice(line.referencePrice));
}

/** "BUY 52 @ 190.19": the order as a person would read it on an order ticket. */
export function describeOrder(line: PlanLine): string {
  const price = line.limitPrice === undefined ? 'no limit price' : String(line.limitPrice);
  return `${line.action} ${line.quantity} @ ${price}`;
}

const MONEY = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
// Up to 4 decimals so that a value just over a limit never prints as equal to it (2.004x vs 2.00x).
const RATIO = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 });

/** 100000 -> "100,000.00". */
export function formatMoney(value: number): string {
  return MONEY.format(value);
}

/** 12.5 -> "12.50%" (the value is already a percentage). */
export function formatPct(value: number): string {
  return `${RATIO.format(value)}%`;
}

/** 2.3 -> "2.30x". */
export function formatMultiple(value: number): string {
  return `${RATIO.format(value)}x`;
}
