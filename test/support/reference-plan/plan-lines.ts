// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
import { estimateCommission } from './commission.js';
import { limitPrice, tickFor } from './limit-price.js';
import { halfSpread, referencePrice } from './reference-price.js';
import { measureExposure } from './exposure.js';
import { cents, Exact, formatMoney, formatUsd, toNumber, type Decimal } from './money.js';
import type { Forecast, PlanInputs, PlanLine, Side } from '../../../src/core/types.js';

/**
 * Plan lines: one per symbol in a forecast or held, with the target, the trade (or why there is none), a
 * tick-exact limit price and the estimated costs. Pure: breakers and the trading state are decided elsewhere
 * from these lines; this module only never invents a price and never sizes from a non-positive NLV.
 */

export interface PlanLinesResult {
  lines: PlanLine[];
  /** NLV x (1 - cash buffer); 0 when NLV is not positive. */
  sizingNetLiquidation: number;
  /** Gross exposure / NLV before and after the BUY/SELL lines (0 when NLV is not positive). */
  leverageBefore: number;
  leverageAfter: number;
  /** Sum of the BUY/SELL lines' trade values / NLV, in percent. */
  turnoverPct: number;
}

/** One forecast's contribution to a ticker, kept apart so the reason can show the arithmetic. */
interface TargetTerm {
  capital: number;
  leverage: number;
  weight: number;
}

interface Context {
  inputs: PlanInputs;
  nlv: Decimal;
  nlvPositive: boolean;
  sizingNlv: Decimal;
  terms: Map<string, TargetTerm[]>;
  held: Map<string, Decimal>;
}

/**
 * Computes one plan line per symbol (every forecast ticker and every non-zero position), sorted by symbol,
 * plus the account-level leverage and turnover the breakers check.
 *
 * Throws when a forecast, position or sizing number is not finite: validation upstream guarantees it, so
 * meeting one here is a broken invariant, and sizing real orders from it would be worse than crashing.
 */
export function computePlanLines(inputs: PlanInputs): PlanLinesResult {
  const { sizing } = inputs;
  for (const name of ['cashBufferPct', 'noTradeBandPct', 'minOrderValue', 'limitOffsetBps'] as const) {
    assertFinite(sizing[name], `sizing.${name}`);
  }
  const rawNlv = inputs.account.netLiquidation;
  const nlvPositive = Number.isFinite(rawNlv) && rawNlv > 0;
  const nlv = new Exact(nlvPositive ? rawNlv : 0);
  const sizingNlv = nlv.times(new Exact(1).minus(new Exact(sizing.cashBufferPct).div(100)));
  const ctx: Context = { inputs, nlv, nlvPositive, sizingNlv, terms: collectTerms(inputs.forecasts), held: sumHoldings(inputs) };
  const symbols = new Set([...ctx.terms.keys(), ...ctx.held.keys()]);
  const lines = [...symbols].sort(compareCodePoints).map((symbol) => planLine(ctx, symbol));

  return { lines, sizingNetLiquidation: toNumber(sizingNlv), ...measureExposure(lines, rawNlv) };
}

function planLine(ctx: Context, symbol: string): PlanLine {
  const { inputs, nlv } = ctx;
  const current = ctx.held.get(symbol) ?? new Exact(0);
  const quote = inputs.quotes[symbol];
  const ref = referencePrice(quote);
  const terms = ctx.terms.get(symbol);
  const managed = terms !== undefined || inputs.managedSymbols.includes(symbol);
  const close = quote?.close;
  const currentValue = ref === undefined ? new Exact(0) : current.times(ref);
  const base: PlanLine = {
    symbol,
    action: 'NONE',
    quantity: 0,
    currentQuantity: toNumber(current),
    targetQuantity: toNumber(current),
    referencePrice: ref,
    limitPrice: undefined,
    tradeValue: 0,
    targetValue: 0,
    targetWeight: 0,
    currentWeight: ctx.nlvPositive ? toNumber(currentValue.div(nlv)) : 0,
    estimatedCommission: 0,
    estimatedSpreadCost: 0,
    managed,
    previousClose: close !== undefined && Number.isFinite(close) && close > 0 ? close : undefined,
    ...routing(inputs, symbol),
    reason: '',
  };
  const hold = `hold ${current.toString()}`;
  if (!ctx.nlvPositive) {
    return { ...base, reason: `NONE: NLV is not positive (${String(inputs.account.netLiquidation)}), nothing sized; ${hold}` };
  }
  if (!managed) {
    // Left exactly as it is: its target is what it holds, so it neither trades nor reads as off-target.
    const noPrice = ref === undefined ? '; no price' : '';
    return {
      ...base,
      targetValue: toNumber(cents(currentValue)),
      targetWeight: base.currentWeight,
      reason: `NONE: not managed (never in a forecast), left alone; ${hold}${noPrice}`,
    };
  }
  const targetValue = (terms ?? []).reduce(
    (sum, t) => sum.plus(ctx.sizingNlv.times(t.capital).times(t.leverage).times(t.weight)),
    new Exact(0),
  );
  const sized: PlanLine = { ...base, targetValue: toNumber(cents(targetValue)), targetWeight: toNumber(targetValue.div(nlv)) };
  if (ref === undefined) {
    // A dropped ticker's target is known (zero); a forecast ticker's share count is not, so it stays put.
    return {
      ...sized,
      targetQuantity: terms === undefined ? 0 : sized.currentQuantity,
      reason: `NONE: no price (no valid bid/ask midpoint or last trade); ${hold}`,
    };
  }
  const target = terms === undefined ? new Exact(0) : targetValue.divToInt(ref); // divToInt truncates toward zero
  const trade = target.minus(current);
  const tradeValue = cents(trade.abs().times(ref));
  const line: PlanLine = { ...sized, targetQuantity: toNumber(target), tradeValue: toNumber(tradeValue) };
  const closing = target.isZero() && !current.isZero();
  const why =
    terms === undefined
      ? `no longer in any forecast, closing to zero (${hold} at ${formatPrice(ref)})`
      : `target ${formatPct(targetValue.div(nlv))} of NLV (${formatUsd(targetValue)} = ${formatMoney(ctx.sizingNlv)} x ${formatTerms(terms)}) at ${formatPrice(ref)} = ${target.toString()} sh, ${hold}${closing ? ', closing to zero' : ''}`;
  if (trade.isZero()) return { ...line, reason: `NONE: at target; ${why}` };
  const skipped = closing ? undefined : explainTooSmall(ctx, tradeValue);
  if (skipped !== undefined) return { ...line, reason: `NONE: ${skipped}; ${why}` };

  const side: Side = trade.gt(0) ? 'BUY' : 'SELL';
  const quantity = toNumber(trade.abs());
  const tick = tickFor(inputs.contracts[symbol], ref);
  const limit = limitPrice(side, ref, inputs.sizing.limitOffsetBps, tick);
  if (limit === undefined) {
    return {
      ...line,
      reason: `NONE: no valid ${side} limit price (reference ${formatPrice(ref)}, offset ${inputs.sizing.limitOffsetBps} bps, tick ${tick}); ${why}`,
    };
  }
  return {
    ...line,
    action: side,
    quantity,
    limitPrice: limit,
    estimatedCommission: estimateCommission(inputs.sizing.commissionModel, quantity, limit, side),
    estimatedSpreadCost: toNumber(cents(trade.abs().times(halfSpread(quote)))),
    reason: `${side} ${quantity}: ${why}`,
  };
}

/** Why a trade is too small to send (minimum order value, then the no-trade band), or undefined to send it. */
function explainTooSmall(ctx: Context, tradeValue: Decimal): string | undefined {
  const { minOrderValue, noTradeBandPct } = ctx.inputs.sizing;
  if (tradeValue.lt(minOrderValue)) return `trade ${formatUsd(tradeValue)} below minimum order ${formatUsd(new Exact(minOrderValue))}`;
  // The band is compared in cents, as the trade value is, so the message never reads "$500.00 < $500.00".
  const band = cents(ctx.nlv.times(noTradeBandPct).div(100));
  if (tradeValue.lt(band)) return `inside no-trade band (${formatUsd(tradeValue)} < ${noTradeBandPct}% of NLV = ${formatUsd(band)})`;
  return undefined;
}

function collectTerms(forecasts: Forecast[]): Map<string, TargetTerm[]> {
  const terms = new Map<string, TargetTerm[]>();
  for (const f of forecasts) {
    assertFinite(f.capital, `${f.file}: capital`);
    assertFinite(f.leverage, `${f.file}: leverage`);
    for (const [symbol, weight] of Object.entries(f.weights)) {
      assertFinite(weight, `${f.file}: weights.${symbol}`);
      terms.set(symbol, [...(terms.get(symbol) ?? []), { capital: f.capital, leverage: f.leverage, weight }]);
    }
  }
  return terms;
}

/** Net quantity per symbol; flat positions are dropped so a closed ticker does not linger as a line. */
function sumHoldings(inputs: PlanInputs): Map<string, Decimal> {
  const held = new Map<string, Decimal>();
  for (const p of inputs.positions) {
    assertFinite(p.quantity, `position ${p.symbol}: quantity`);
    held.set(p.symbol, (held.get(p.symbol) ?? new Exact(0)).plus(p.quantity));
  }
  for (const [symbol, quantity] of held) if (quantity.isZero()) held.delete(symbol);
  return held;
}

/** Exchange and currency: the broker's contract first, then the first forecast that gives a hint. */
function routing(inputs: PlanInputs, symbol: string): Pick<PlanLine, 'primaryExchange' | 'currency'> {
  const contract = inputs.contracts[symbol];
  const hints = inputs.forecasts.map((f) => f.contracts[symbol]);
  const pick = (field: 'primaryExchange' | 'currency'): string | undefined =>
    nonEmpty(contract?.[field]) ?? hints.map((h) => nonEmpty(h?.[field])).find((v) => v !== undefined);
  return { primaryExchange: pick('primaryExchange'), currency: pick('currency') };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function assertFinite(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new Error(`broken invariant: ${what} is not a finite number (${String(value)})`);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function formatTerms(terms: TargetTerm[]): string {
  const parts = terms.map((t) => `cap ${t.capital} x lev ${t.leverage} x w ${t.weight}`);
  return parts.length === 1 ? parts.join('') : `(${parts.join(' + ')})`;
}

/** At least cents, but never hides sub-cent digits (0.29015 stays 0.29015). */
function formatPrice(value: number): string {
  const d = new Exact(value);
  return d.toFixed(Math.max(2, d.decimalPlaces()));
}

function formatPct(fraction: Decimal): string {
  return `${fraction.times(100).toFixed(2, Exact.ROUND_HALF_UP)}%`;
}
