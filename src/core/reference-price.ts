import type { Price } from './money.js';
import * as X from './scaled.js';
import type { Scaled } from './scaled.js';
import type { Quote } from './types.js';

/**
 * The reference price every sizing and limit-price step starts from.
 *
 * IB reports "no price" as -1 (or 0, or NaN after a disconnect), so every field is checked before use. A
 * crossed quote (ask < bid) is a glitch, not a market: it falls back to the last trade rather than to a
 * midpoint that may sit outside anything anyone would trade at.
 */

/** Both sides exactly, as integers of their decimals (scaled.ts): the same numbers Decimal read. */
interface TwoSidedQuote {
  bid: Scaled;
  ask: Scaled;
}

function isPositivePrice(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** Both sides when both are usable prices and not crossed; undefined otherwise. */
function readTwoSided(q: Quote | undefined): TwoSidedQuote | undefined {
  if (q === undefined || !isPositivePrice(q.bid) || !isPositivePrice(q.ask) || q.ask < q.bid) return undefined;
  return { bid: X.scaledOf(q.bid), ask: X.scaledOf(q.ask) };
}

/** The midpoint exactly (half the sum: one more decimal at most). */
function midpoint(sides: TwoSidedQuote): Scaled {
  return X.shiftDown(X.times(X.plus(sides.bid, sides.ask), { m: 5n, s: 0 }), 1);
}

/**
 * The reference price of a quote: the bid/ask midpoint when both sides are finite, positive and not crossed;
 * else the last trade when it is finite and positive; else undefined. Never invents a price.
 */
export function referencePrice(q: Quote | undefined): Price | undefined {
  const exact = referenceScaled(q);
  return exact === undefined ? undefined : X.toNumber(exact);
}

/** The reference price as an exact decimal: the midpoint before it becomes a double, or the last trade. */
export function referenceScaled(q: Quote | undefined): Scaled | undefined {
  const sides = readTwoSided(q);
  if (sides !== undefined) return midpoint(sides);
  if (q !== undefined && isPositivePrice(q.last)) return X.scaledOf(q.last);
  return undefined;
}

/**
 * Half the bid/ask spread, the expected cost per share of crossing to the midpoint. 0 when the quote has no
 * usable two-sided market (the cost is then unknown, and the plan does not guess it).
 */
export function halfSpread(q: Quote | undefined): Price {
  const half = halfSpreadScaled(q);
  return half === undefined ? 0 : X.toNumber(half);
}

/**
 * The reference price and the half spread of one quote, exactly, reading the quote once (the planner needs both
 * for every ticker): what referenceScaled and halfSpreadScaled give.
 */
export function priceParts(q: Quote | undefined): { reference: Scaled | undefined; halfSpread: Scaled | undefined } {
  const sides = readTwoSided(q);
  if (sides === undefined) return { reference: referenceScaled(q), halfSpread: undefined };
  return { reference: midpoint(sides), halfSpread: half(sides) };
}

function half(sides: TwoSidedQuote): Scaled {
  return X.shiftDown(X.times(X.minus(sides.ask, sides.bid), { m: 5n, s: 0 }), 1);
}

/** Half the spread exactly, or undefined without a usable two-sided market. */
export function halfSpreadScaled(q: Quote | undefined): Scaled | undefined {
  const sides = readTwoSided(q);
  return sides === undefined ? undefined : half(sides);
}
