import { Exact } from './money.js';
import * as X from './scaled.js';
import { shareValue, shareValueDecimal } from './share-value.js';
import type { PlanLine } from './types.js';

export interface Exposure {
  /** Gross position value / NLV before the lines' trades. */
  leverageBefore: number;
  /** Gross position value / NLV if every BUY and SELL line filled. */
  leverageAfter: number;
  /** Sum of the BUY and SELL lines' trade values / NLV, in percent. */
  turnoverPct: number;
}

/**
 * Leverage before and after, and turnover, of a set of plan lines. Lines without a reference price count
 * for nothing (a breaker blocks the run for them). With an NLV that is not positive every ratio is 0.
 */
export function measureExposure(lines: PlanLine[], netLiquidation: number): Exposure {
  if (!(Number.isFinite(netLiquidation) && netLiquidation > 0)) return { leverageBefore: 0, leverageAfter: 0, turnoverPct: 0 };
  if (!lines.every(isFinitePriced)) return measureExposureDecimal(lines, netLiquidation);
  // Exact integers of the numbers' decimals (scaled.ts), as Decimal computed them; the three ratios from them.
  let before = X.ZERO;
  let after = X.ZERO;
  let traded = X.ZERO;
  for (const line of lines) {
    if (line.referencePrice === undefined) continue;
    const current = X.scaledOf(line.currentQuantity);
    // One share's value in the account's currency (price / magnifier x rate, for a ticker quoted otherwise).
    const price = shareValue(X.scaledOf(line.referencePrice), line);
    const signed = line.action === 'BUY' ? line.quantity : line.action === 'SELL' ? -line.quantity : 0;
    before = X.plus(before, X.abs(X.times(current, price)));
    after = X.plus(after, X.abs(X.times(X.plus(current, X.scaledOf(signed)), price)));
    if (line.action !== 'NONE') traded = X.plus(traded, X.scaledOf(line.tradeValue));
  }
  const nlv = X.scaledOf(netLiquidation);
  return {
    leverageBefore: X.quotientToNumber(before, nlv),
    leverageAfter: X.quotientToNumber(after, nlv),
    turnoverPct: X.quotientToNumber(X.times(traded, X.scaledOf(100)), nlv),
  };
}

/** A line whose numbers are all finite (or which counts for nothing, having no price). */
function isFinitePriced(line: PlanLine): boolean {
  if (line.referencePrice === undefined) return true;
  return [line.referencePrice, line.currentQuantity, line.quantity, line.tradeValue, line.fx?.rate ?? 1].every(Number.isFinite);
}

/**
 * The same measure in Decimal, for lines with a number no integer holds: a share count or trade value that
 * overflowed a double (Infinity; ORDER_BOUNDS refuses such an order). Decimal carries the infinities through.
 */
function measureExposureDecimal(lines: PlanLine[], netLiquidation: number): Exposure {
  let before = new Exact(0);
  let after = new Exact(0);
  let traded = new Exact(0);
  for (const line of lines) {
    if (line.referencePrice === undefined) continue;
    const signed = line.action === 'BUY' ? line.quantity : line.action === 'SELL' ? -line.quantity : 0;
    const price = shareValueDecimal(line.referencePrice, line);
    before = before.plus(new Exact(line.currentQuantity).times(price).abs());
    after = after.plus(new Exact(line.currentQuantity).plus(signed).times(price).abs());
    if (line.action !== 'NONE') traded = traded.plus(line.tradeValue);
  }
  const nlv = new Exact(netLiquidation);
  return {
    leverageBefore: before.div(nlv).toNumber(),
    leverageAfter: after.div(nlv).toNumber(),
    turnoverPct: traded.times(100).div(nlv).toNumber(),
  };
}
