import type { ConversionLine, Plan, PlanInputs, PlanLine } from './types.js';
import { computePlanLines } from './plan-lines.js';
import { checkBreakers, checkPositionLimit } from './breakers.js';
import { loansOver } from './breakers-cash.js';
import type { BreakerContext } from './breakers-common.js';
import { applyTradingState, blockHeldSymbols, holdClosedMarkets, isSymbolScoped, tradingStateFor } from './trading-state.js';
import { measureExposure } from './exposure.js';
import { blockBrokenSymbols, checkPositionBreaks, DEFAULT_MAX_POSITION_BREAKS } from './ledger.js';
import { blockConversions, planConversions } from './conversions.js';
import { checkConversions } from './breakers-conversions.js';

/**
 * The pure planning core: from what the run gathered to the plan it will execute. Sizes every ticker,
 * blocks the tickers whose ledger and broker position disagree or whose earlier order's outcome is unknown (a
 * ticker-scoped breach known before planning), checks every circuit breaker against the
 * intended trades, decides the trading state, and removes the orders that state forbids. It reads no clock,
 * file or environment: `inputs.now` is the time.
 *
 * Leverage and turnover in the result describe the orders that remain, i.e. what will be sent.
 */
export function planRebalance(inputs: PlanInputs): Plan {
  const intended = computePlanLines(inputs);
  const breaks = inputs.positionBreaks ?? [];
  // A broken ticker is out before the breakers look: they judge the orders that could actually go out.
  const held = inputs.priorBreaches.filter(isSymbolScoped);
  const holds = inputs.marketHolds ?? {};
  const untouched = held.length === 0 && breaks.length === 0 && Object.keys(holds).length === 0;
  // A ticker whose market takes no orders now is left for a later run, like a broken one, before the breakers look.
  const unbroken = holdClosedMarkets(
    blockHeldSymbols(breaks.length === 0 ? intended.lines : blockBrokenSymbols(intended.lines, breaks), held),
    holds,
  );
  const exposure = untouched ? intended : measureExposure(unbroken, inputs.account.netLiquidation);
  // Orders working on a closed market may fill when it opens: the account's leverage, and the position of their
  // ticker, are judged with them filled.
  const working = inputs.workingOnClosed ?? {};
  const judged = Object.keys(working).length === 0 ? undefined : withWorkingOrders(unbroken, working);
  const leverageAfter =
    judged === undefined ? exposure.leverageAfter : measureExposure(judged, inputs.account.netLiquidation).leverageAfter;
  const pending = judged?.filter((line, i) => line !== unbroken[i]) ?? [];
  const tripped = checkBreakers({ inputs, lines: unbroken, leverageAfter, turnoverPct: exposure.turnoverPct });
  const overAlready = new Set(tripped.filter((b) => b.code === 'POSITION_LIMIT').map((b) => b.symbol));
  const breaches = [
    ...inputs.priorBreaches,
    ...checkPositionBreaks(breaks, inputs.limits.maxPositionBreaks ?? DEFAULT_MAX_POSITION_BREAKS),
    ...tripped,
    ...checkPositionLimit({ inputs, lines: pending, leverageAfter, turnoverPct: exposure.turnoverPct }).filter(
      (b) => !overAlready.has(b.symbol),
    ),
  ];
  let tradingState = tradingStateFor(breaches);
  let lines = applyTradingState(unbroken, tradingState, breaches);
  // FX_POLICY=convert: the conversions the remaining orders need, judged as orders; one that trips halts the run.
  let conversions = tradingState === 'HALTED' ? [] : planConversions(inputs, lines);
  // REDUCING: the loan limit was judged with the conversions of the intended lines; those of the lines that remain
  // are judged again, and one that would take the currency it pays with past the limit does not go.
  if (tradingState === 'REDUCING')
    conversions = withinLoanLimit({ inputs, lines, leverageAfter, turnoverPct: exposure.turnoverPct }, conversions);
  const convBreaches = checkConversions(inputs, conversions, lines.filter((l) => l.action !== 'NONE').length);
  if (convBreaches.length > 0) {
    breaches.push(...convBreaches);
    tradingState = tradingStateFor(breaches);
    lines = applyTradingState(unbroken, tradingState, breaches);
    conversions = blockConversions(conversions, tradingState, breaches);
  }
  return {
    now: inputs.now,
    netLiquidation: inputs.account.netLiquidation,
    sizingNetLiquidation: intended.sizingNetLiquidation,
    lines,
    breaches,
    tradingState,
    ...measureExposure(lines, inputs.account.netLiquidation),
    ...(inputs.sizing.fxPolicy === 'convert' ? { conversions } : {}),
  };
}

/** The lines as if the working orders of tickers without an order of their own filled (for the leverage only). */
function withWorkingOrders(lines: PlanLine[], working: NonNullable<PlanInputs['workingOnClosed']>): PlanLine[] {
  return lines.map((line) => {
    const w = Object.hasOwn(working, line.symbol) ? working[line.symbol] : undefined;
    return w === undefined || line.action !== 'NONE' ? line : { ...line, action: w.action, quantity: w.quantity };
  });
}

/** The conversions, each in turn set to NONE when, with those kept before it, the currency it pays with ends past the loan limit. */
function withinLoanLimit(ctx: BreakerContext, conversions: readonly ConversionLine[]): ConversionLine[] {
  const kept: ConversionLine[] = [];
  return conversions.map((c) => {
    if (c.action === 'NONE') return c;
    const pays = c.action === 'BUY' ? c.pair.currency : c.pair.symbol;
    const over = loansOver(ctx, [...kept, c]).find((l) => l.currency === pays);
    if (over === undefined) {
      kept.push(c);
      return c;
    }
    return {
      ...c,
      action: 'NONE' as const,
      quantity: 0,
      reason: `held back (REDUCING): ${c.action} ${c.quantity} ${c.symbol} would leave ${over.breach.detail}; ${c.reason}`,
    };
  });
}
