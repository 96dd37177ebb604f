import type { Plan, PlanInputs } from './types.js';
import { computePlanLines } from './plan-lines.js';
import { checkBreakers } from './breakers.js';
import { applyTradingState, tradingStateFor } from './trading-state.js';
import { measureExposure } from './exposure.js';

/**
 * The pure planning core: from what the run gathered to the plan it will execute. Sizes every ticker,
 * checks every circuit breaker against the intended trades, decides the trading state, and removes the
 * orders that state forbids. It reads no clock, file or environment: `inputs.now` is the time.
 *
 * Leverage and turnover in the result describe the orders that remain, i.e. what will be sent.
 */
export function planRebalance(inputs: PlanInputs): Plan {
  const intended = computePlanLines(inputs);
  const breaches = [
    ...inputs.priorBreaches,
    ...checkBreakers({ inputs, lines: intended.lines, leverageAfter: intended.leverageAfter, turnoverPct: intended.turnoverPct }),
  ];
  const tradingState = tradingStateFor(breaches);
  const lines = applyTradingState(intended.lines, tradingState, breaches);
  return {
    now: inputs.now,
    netLiquidation: inputs.account.netLiquidation,
    sizingNetLiquidation: intended.sizingNetLiquidation,
    lines,
    breaches,
    tradingState,
    ...measureExposure(lines, inputs.account.netLiquidation),
  };
}
