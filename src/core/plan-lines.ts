import { estimateCommission } from './commission.js';
import { limitPrice, priceGridFor, tickFor } from './limit-price.js';
import { priceParts } from './reference-price.js';
import { measureExposure } from './exposure.js';
import * as X from './scaled.js';
import { isPlain, isUsableRate, priceMagnifierOf, shareValue as valueOfShare, type Valuation } from './share-value.js';
import type { Scaled } from './scaled.js';
import type { ExchangeRate, Forecast, PlanInputs, PlanLine, Side } from './types.js';

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

/**
 * One forecast's contribution to a ticker, kept apart so the reason can show the arithmetic. `scaled` is
 * sizing NLV x capital x leverage, the forecast's part of the product (the same for all its tickers), and
 * `exactWeight` the weight as an exact decimal.
 */
interface TargetTerm {
  capital: number;
  leverage: number;
  weight: number;
  scaled: Scaled;
  exactWeight: Scaled;
  /** "cap 0.5 x lev 1 x w 0.02", as the reason shows it. */
  text: string;
}

/**
 * The arithmetic is exact integers (scaled.ts: cents, shares, prices as counts of their decimals), the same
 * numbers Decimal gave, step for step: sums and products are exact in both, and the two quotients (a weight, a
 * share count) are taken from the exact integers. What is the same for every line is worked out once.
 */
interface Context {
  inputs: PlanInputs;
  /** The account's currency: every value on a line is in it. */
  base: string;
  /** A value in the account's currency as the reasons print it: "$1,234.50" for USD, "SGD 1,234.50" otherwise. */
  money: (value: Scaled) => string;
  nlv: Scaled;
  nlvPositive: boolean;
  sizingNlv: Scaled;
  /** formatMoney(sizing NLV), the same in every reason. */
  sizingNlvText: string;
  /** The minimum order value, exactly, and as the reasons print it. */
  minOrder: Scaled;
  minOrderText: string;
  /** The no-trade band in cents (NLV x NO_TRADE_BAND_PCT / 100, rounded as trade values are), and as printed. */
  band: Scaled;
  bandText: string;
  terms: Map<string, TargetTerm[]>;
  held: Map<string, Scaled>;
  managed: Set<string>;
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
  const nlv = X.scaledOf(nlvPositive ? rawNlv : 0);
  const sizingNlv = X.times(nlv, X.minus(X.scaledOf(1), X.shiftDown(X.scaledOf(sizing.cashBufferPct), 2)));
  // The band is compared in cents, as the trade value is, so the message never reads "$500.00 < $500.00".
  const band = X.toPlaces(X.shiftDown(X.times(nlv, X.scaledOf(sizing.noTradeBandPct)), 2), 2, 'halfUp');
  const minOrder = X.scaledOf(sizing.minOrderValue);
  const base = inputs.account.currency;
  const money = base === 'USD' || base === '' ? X.formatUsd : (value: Scaled) => `${base} ${X.formatMoney(value)}`;
  const ctx: Context = {
    inputs,
    base,
    money,
    nlv,
    nlvPositive,
    sizingNlv,
    sizingNlvText: X.formatMoney(sizingNlv),
    minOrder,
    minOrderText: money(minOrder),
    band,
    bandText: money(band),
    terms: collectTerms(inputs.forecasts, sizingNlv),
    held: sumHoldings(inputs),
    managed: new Set(inputs.managedSymbols),
  };
  const symbols = new Set([...ctx.terms.keys(), ...ctx.held.keys()]);
  const lines = [...symbols].sort(compareCodePoints).map((symbol) => planLine(ctx, symbol));

  return { lines, sizingNetLiquidation: X.toNumber(sizingNlv), ...measureExposure(lines, rawNlv) };
}

function planLine(ctx: Context, symbol: string): PlanLine {
  const { inputs, nlv } = ctx;
  const current = ctx.held.get(symbol) ?? X.ZERO;
  const quote = inputs.quotes[symbol];
  const { reference: exactRef, halfSpread } = priceParts(quote);
  const ref = exactRef === undefined ? undefined : X.toNumber(exactRef);
  const terms = ctx.terms.get(symbol);
  const managed = terms !== undefined || ctx.managed.has(symbol);
  const close = quote?.close;
  const currency = pick(ctx, symbol, 'currency');
  // A ticker quoted in another currency is valued with the broker's rate: base units per unit of its currency.
  const fx = currency === undefined || currency === ctx.base ? undefined : rateOf(ctx, currency);
  const priceMagnifier = priceMagnifierOf(inputs.contracts[symbol]);
  const valuation = { ...(fx === undefined ? {} : { fx }), ...(priceMagnifier === undefined ? {} : { priceMagnifier }) };
  // The reference as the double it is reported as, read back exactly (as Decimal read it): the same value again.
  const refValue = exactRef === undefined ? undefined : X.asReported(exactRef);
  // One share's value in the account's currency: the price / magnifier x rate, exactly (share-value.ts).
  const shareValue = refValue === undefined ? undefined : valueOfShare(refValue, valuation);
  const noRate = currency !== undefined && currency !== ctx.base && fx === undefined;
  const currentValue = shareValue === undefined || noRate ? X.ZERO : X.times(current, shareValue);
  const base: PlanLine = {
    symbol,
    action: 'NONE',
    quantity: 0,
    currentQuantity: X.toNumber(current),
    targetQuantity: X.toNumber(current),
    referencePrice: ref,
    limitPrice: undefined,
    tradeValue: 0,
    targetValue: 0,
    targetWeight: 0,
    currentWeight: ctx.nlvPositive ? X.quotientToNumber(currentValue, nlv) : 0,
    estimatedCommission: 0,
    estimatedSpreadCost: 0,
    managed,
    previousClose: close !== undefined && Number.isFinite(close) && close > 0 ? close : undefined,
    primaryExchange: pick(ctx, symbol, 'primaryExchange'),
    currency,
    ...valuation,
    reason: '',
  };
  // The line is filled in as the sizing goes (one object per line: 5,000 of them an hour); `base` fixed its keys.
  const line = base;
  const hold = `hold ${X.toDecimalString(current)}`;
  if (!ctx.nlvPositive) {
    line.reason = `NONE: NLV is not positive (${String(inputs.account.netLiquidation)}), nothing sized; ${hold}`;
    return line;
  }
  if (noRate) {
    // Nothing is sized without the rate: a share count would be off by it (CURRENCY_MISMATCH halts the run).
    line.reason = `NONE: no exchange rate from ${currency} to ${ctx.base}, nothing sized; ${hold}`;
    return line;
  }
  if (!managed) {
    // Left exactly as it is: its target is what it holds, so it neither trades nor reads as off-target.
    const noPrice = ref === undefined ? '; no price' : '';
    line.targetValue = X.toNumber(X.toPlaces(currentValue, 2, 'halfUp'));
    line.targetWeight = line.currentWeight;
    line.reason = `NONE: not managed (never in a forecast), left alone; ${hold}${noPrice}`;
    return line;
  }
  let targetValue = X.ZERO;
  for (const t of terms ?? []) targetValue = X.plus(targetValue, X.times(t.scaled, t.exactWeight));
  line.targetValue = X.toNumber(X.toPlaces(targetValue, 2, 'halfUp'));
  line.targetWeight = X.quotientToNumber(targetValue, nlv);
  if (ref === undefined || refValue === undefined || shareValue === undefined) {
    // A dropped ticker's target is known (zero); a forecast ticker's share count is not, so it stays put.
    line.targetQuantity = terms === undefined ? 0 : line.currentQuantity;
    line.reason = `NONE: no price (no valid bid/ask midpoint or last trade); ${hold}`;
    return line;
  }
  // Shares are whole: the target value over the price, truncated toward zero (Decimal's divToInt).
  const target = terms === undefined ? X.ZERO : X.divToInt(targetValue, shareValue);
  const trade = X.minus(target, current);
  const tradeValue = X.toPlaces(X.times(X.abs(trade), shareValue), 2, 'halfUp');
  line.targetQuantity = X.toNumber(target);
  line.tradeValue = X.toNumber(tradeValue);
  const closing = X.sign(target) === 0 && X.sign(current) !== 0;
  const at = isPlain(valuation) ? formatPrice(refValue) : priceInBase(ctx, refValue, currency ?? '', valuation, shareValue);
  const why =
    terms === undefined
      ? `no longer in any forecast, closing to zero (${hold} at ${at})`
      : `target ${formatPct(targetValue, nlv)} of NLV (${ctx.money(targetValue)} = ${ctx.sizingNlvText} x ${formatTerms(terms)}) at ${at} = ${X.toDecimalString(target)} sh, ${hold}${closing ? ', closing to zero' : ''}`;
  if (X.sign(trade) === 0) {
    line.reason = `NONE: at target; ${why}`;
    return line;
  }
  const skipped = closing ? undefined : explainTooSmall(ctx, tradeValue);
  if (skipped !== undefined) {
    line.reason = `NONE: ${skipped}; ${why}`;
    return line;
  }

  const side: Side = X.sign(trade) > 0 ? 'BUY' : 'SELL';
  const quantity = X.toNumber(X.abs(trade));
  const contract = inputs.contracts[symbol];
  const tick = tickFor(contract, ref);
  const limit = limitPrice(side, ref, inputs.sizing.limitOffsetBps, priceGridFor(contract, ref));
  if (limit === undefined) {
    line.reason = `NONE: no valid ${side} limit price (reference ${formatPrice(refValue)}, offset ${inputs.sizing.limitOffsetBps} bps, tick ${tick}); ${why}`;
    return line;
  }
  line.action = side;
  line.quantity = quantity;
  line.limitPrice = limit;
  // IB's US schedule applied to the listing's own prices (in its quote units), then valued like a price.
  const commission = estimateCommission(inputs.sizing.commissionModel, quantity, limit, side);
  line.estimatedCommission = isPlain(valuation)
    ? commission
    : X.toNumber(X.toPlaces(valueOfShare(X.scaledOf(commission), valuation), 2, 'halfUp'));
  // The half spread as reference-price.ts reports it (a double, 0 without a two-sided market), read back exactly.
  const spread = halfSpread === undefined ? X.ZERO : X.asReported(halfSpread);
  const spreadValue = valueOfShare(spread, valuation);
  line.estimatedSpreadCost = X.toNumber(X.toPlaces(X.times(X.abs(trade), spreadValue), 2, 'halfUp'));
  line.reason = `${side} ${quantity}: ${why}`;
  return line;
}

/** Why a trade is too small to send (minimum order value, then the no-trade band), or undefined to send it. */
function explainTooSmall(ctx: Context, tradeValue: Scaled): string | undefined {
  if (X.compare(tradeValue, ctx.minOrder) < 0) return `trade ${ctx.money(tradeValue)} below minimum order ${ctx.minOrderText}`;
  if (X.compare(tradeValue, ctx.band) < 0) {
    return `inside no-trade band (${ctx.money(tradeValue)} < ${ctx.inputs.sizing.noTradeBandPct}% of NLV = ${ctx.bandText})`;
  }
  return undefined;
}

function collectTerms(forecasts: Forecast[], sizingNlv: Scaled): Map<string, TargetTerm[]> {
  const terms = new Map<string, TargetTerm[]>();
  for (const f of forecasts) {
    assertFinite(f.capital, `${f.file}: capital`);
    assertFinite(f.leverage, `${f.file}: leverage`);
    // sizing NLV x capital x leverage, multiplied in the order the product has always been taken.
    const scaled = X.times(X.times(sizingNlv, X.scaledOf(f.capital)), X.scaledOf(f.leverage));
    const prefix = `cap ${f.capital} x lev ${f.leverage} x w `;
    for (const [symbol, weight] of Object.entries(f.weights)) {
      assertFinite(weight, `${f.file}: weights.${symbol}`);
      const term = {
        capital: f.capital,
        leverage: f.leverage,
        weight,
        scaled,
        exactWeight: X.scaledOf(weight),
        text: `${prefix}${weight}`,
      };
      const list = terms.get(symbol);
      if (list === undefined) terms.set(symbol, [term]);
      else list.push(term);
    }
  }
  return terms;
}

/** Net quantity per symbol; flat positions are dropped so a closed ticker does not linger as a line. */
function sumHoldings(inputs: PlanInputs): Map<string, Scaled> {
  const held = new Map<string, Scaled>();
  for (const p of inputs.positions) {
    assertFinite(p.quantity, `position ${p.symbol}: quantity`);
    held.set(p.symbol, X.plus(held.get(p.symbol) ?? X.ZERO, X.scaledOf(p.quantity)));
  }
  for (const [symbol, quantity] of held) if (X.sign(quantity) === 0) held.delete(symbol);
  return held;
}

/** The rate of a currency other than the account's, when the run has a usable one (finite, > 0). */
function rateOf(ctx: Context, currency: string): ExchangeRate | undefined {
  const rates = ctx.inputs.exchangeRates;
  const fx = rates !== undefined && Object.hasOwn(rates, currency) ? rates[currency] : undefined;
  return fx !== undefined && isUsableRate(fx.rate) ? fx : undefined;
}

/**
 * "USD 190.19 x 1.3502 = 256.794538 SGD": the price in its currency, the rate, and one share in the account's; a line
 * quoted in pence: "GBP 3514.00 / 100 x 1.7215 = 60.49351 SGD".
 */
function priceInBase(ctx: Context, price: Scaled, currency: string, v: Valuation, shareValue: Scaled): string {
  const magnified = v.priceMagnifier === undefined ? '' : ` / ${v.priceMagnifier}`;
  const rate = v.fx === undefined ? '' : ` x ${String(v.fx.rate)}`;
  return `${currency} ${formatPrice(price)}${magnified}${rate} = ${X.toDecimalString(shareValue)} ${ctx.base}`;
}

/** Exchange or currency: the broker's contract first, then the first forecast that gives a hint. */
function pick(ctx: Context, symbol: string, field: 'primaryExchange' | 'currency'): string | undefined {
  const fromContract = nonEmpty(ctx.inputs.contracts[symbol]?.[field]);
  if (fromContract !== undefined) return fromContract;
  for (const f of ctx.inputs.forecasts) {
    const hint = nonEmpty(f.contracts[symbol]?.[field]);
    if (hint !== undefined) return hint;
  }
  return undefined;
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
  if (terms.length === 1) return terms[0]?.text ?? '';
  return `(${terms.map((t) => t.text).join(' + ')})`;
}

/** At least cents, but never hides sub-cent digits (0.29015 stays 0.29015). */
function formatPrice(value: Scaled): string {
  return X.toFixed(value, Math.max(2, X.decimalPlaces(value)));
}

/** part / whole as a percentage with two decimals, halves away from zero ("-0.00%" for a tiny negative). */
function formatPct(part: Scaled, whole: Scaled): string {
  return `${X.percentText(part, whole)}%`;
}
