// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
import { Exact, type Decimal, type Price } from './money.js';
import type { Quote } from '../../../src/core/types.js';

/**
 * The reference price every sizing and limit-price step starts from.
 *
 * IB reports "no price" as -1 (or 0, or NaN after a disconnect), so every field is checked before use. A
 * crossed quote (ask < bid) is a glitch, not a market: it falls back to the last trade rather than to a
 * midpoint that may sit outside anything anyone would trade at.
 */

interface TwoSidedQuote {
  bid: Decimal;
  ask: Decimal;
}

function isPositivePrice(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** Both sides when both are usable prices and not crossed; undefined otherwise. */
function readTwoSided(q: Quote | undefined): TwoSidedQuote | undefined {
  if (q === undefined || !isPositivePrice(q.bid) || !isPositivePrice(q.ask) || q.ask < q.bid) return undefined;
  return { bid: new Exact(q.bid), ask: new Exact(q.ask) };
}

/**
 * The reference price of a quote: the bid/ask midpoint when both sides are finite, positive and not crossed;
 * else the last trade when it is finite and positive; else undefined. Never invents a price.
 */
export function referencePrice(q: Quote | undefined): Price | undefined {
  const sides = readTwoSided(q);
  if (sides !== undefined) return sides.bid.plus(sides.ask).div(2).toNumber();
  if (q !== undefined && isPositivePrice(q.last)) return q.last;
  return undefined;
}

/**
 * Half the bid/ask spread, the expected cost per share of crossing to the midpoint. 0 when the quote has no
 * usable two-sided market (the cost is then unknown, and the plan does not guess it).
 */
export function halfSpread(q: Quote | undefined): Price {
  const sides = readTwoSided(q);
  if (sides === undefined) return 0;
  return sides.ask.minus(sides.bid).div(2).toNumber();
}
