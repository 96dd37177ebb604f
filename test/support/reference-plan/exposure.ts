// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
import { Exact } from './money.js';
import type { PlanLine } from '../../../src/core/types.js';

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
  let before = new Exact(0);
  let after = new Exact(0);
  let traded = new Exact(0);
  for (const line of lines) {
    if (line.referencePrice === undefined) continue;
    const signed = line.action === 'BUY' ? line.quantity : line.action === 'SELL' ? -line.quantity : 0;
    before = before.plus(new Exact(line.currentQuantity).times(line.referencePrice).abs());
    after = after.plus(new Exact(line.currentQuantity).plus(signed).times(line.referencePrice).abs());
    if (line.action !== 'NONE') traded = traded.plus(line.tradeValue);
  }
  if (!(Number.isFinite(netLiquidation) && netLiquidation > 0)) return { leverageBefore: 0, leverageAfter: 0, turnoverPct: 0 };
  const nlv = new Exact(netLiquidation);
  return {
    leverageBefore: before.div(nlv).toNumber(),
    leverageAfter: after.div(nlv).toNumber(),
    turnoverPct: traded.times(100).div(nlv).toNumber(),
  };
}
