/**
 * Exposure circuit breakers: shorts when shorting is off, tickers without a price, gross leverage and the
 * size of one position after the planned trades.
 */
import {
  breach,
  exceeds,
  formatMultiple,
  formatPct,
  isOrder,
  isUsablePrice,
  percentOf,
  percentOfExceeds,
  postTradeQuantity,
  usableNetLiquidation,
  type BreakerContext,
} from './breakers-common.js';
import { Exact, formatMoney, type Money } from './money.js';
import * as X from './scaled.js';
import { shareValue, shareValueDecimal } from './share-value.js';
import type { Breach, PlanLine } from './types.js';

/**
 * SHORT_NOT_ALLOWED, when ALLOW_SHORT is off, for: a negative forecast weight (naming file and ticker), a
 * line whose target is short, and a SELL that would leave the position short whatever its target says (a
 * planner slip must not open a short).
 */
export function checkShortNotAllowed(ctx: BreakerContext): Breach[] {
  if (ctx.inputs.sizing.allowShort) return [];
  const out: Breach[] = [];
  for (const f of ctx.inputs.forecasts) {
    for (const [ticker, weight] of Object.entries(f.weights)) {
      if (weight < 0) {
        out.push(breach('SHORT_NOT_ALLOWED', `${f.file} weight for ${ticker} ${weight} < 0 and ALLOW_SHORT is off`, ticker));
      }
    }
  }
  for (const line of ctx.lines) {
    const after = postTradeQuantity(line);
    if (line.targetQuantity < 0) {
      out.push(breach('SHORT_NOT_ALLOWED', `${line.symbol} target ${line.targetQuantity} shares < 0 and ALLOW_SHORT is off`, line.symbol));
    } else if (line.action === 'SELL' && after < 0) {
      out.push(
        breach(
          'SHORT_NOT_ALLOWED',
          `${line.symbol} SELL ${line.quantity} from ${line.currentQuantity} would leave ${after} shares < 0 and ALLOW_SHORT is off`,
          line.symbol,
        ),
      );
    }
  }
  return out;
}

/**
 * MISSING_PRICE for a line with no usable reference price (absent, NaN, or <= 0) that matters: its ticker
 * has a non-zero forecast weight, the account holds it (its value is part of the leverage), or it is an order.
 * The broker's reason for leaving the ticker out, when it gave one, ends the detail.
 */
export function checkMissingPrice(ctx: BreakerContext): Breach[] {
  const out: Breach[] = [];
  for (const line of ctx.lines) {
    if (isUsablePrice(line.referencePrice)) continue;
    const why: string[] = [];
    // The forecasts that weight this ticker, in forecast order (looked up only for a line without a price).
    const files = ctx.inputs.forecasts.filter((f) => Object.hasOwn(f.weights, line.symbol) && f.weights[line.symbol] !== 0);
    if (files.length > 0) why.push(`is in forecast ${files.map((f) => f.file).join(', ')}`);
    if (line.currentQuantity !== 0) why.push(`holds ${line.currentQuantity} shares`);
    if (isOrder(line)) why.push(`has an order ${line.action} ${line.quantity}`);
    if (why.length === 0) continue;
    const price = line.referencePrice === undefined ? 'no reference price' : `reference price ${line.referencePrice} unusable`;
    const reason = ctx.inputs.priceProblems?.[line.symbol];
    const broker = reason === undefined ? '' : `; the broker: ${reason}`;
    out.push(breach('MISSING_PRICE', `${line.symbol} ${price} (bid/ask midpoint or last) but ${why.join(' and ')}${broker}`, line.symbol));
  }
  return out;
}

/** LEVERAGE_LIMIT when gross exposure after the trades / NLV is over maxLeverage. */
export function checkLeverage(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  if (nlv === undefined) return [];
  const max = ctx.inputs.limits.maxLeverage;
  if (!exceeds(ctx.leverageAfter, max)) return [];
  return [
    breach(
      'LEVERAGE_LIMIT',
      `gross after trades ${formatMultiple(ctx.leverageAfter)} of NLV ${formatMoney(nlv)} > max ${formatMultiple(max)}`,
    ),
  ];
}

/**
 * POSITION_LIMIT for a line whose position after its trade is worth more than maxPositionPct of NLV, long
 * or short. Lines without a usable price are left to checkMissingPrice.
 */
export function checkPositionLimit(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  if (nlv === undefined) return [];
  const max = ctx.inputs.limits.maxPositionPct;
  return ctx.lines.flatMap((line) => positionBreach(line, nlv, max));
}

function positionBreach(line: PlanLine, nlv: Money, max: number): Breach[] {
  const price = line.referencePrice;
  if (!isUsablePrice(price)) return [];
  const after = postTradeQuantity(line);
  // Valued in the account's currency: price / magnifier x rate (share-value.ts).
  const rate = line.fx?.rate;
  const share = shareValue(X.scaledOf(price), line);
  // Decided in integers (scaled.ts) when the position is a finite number; the detail is built only for a breach.
  if (Number.isFinite(after) && !percentOfExceeds(X.abs(X.times(X.scaledOf(after), share)), nlv, max)) return [];
  const value = new Exact(after).times(shareValueDecimal(price, line)).abs();
  const pct = percentOf(value, nlv);
  if (!exceeds(pct, max)) return [];
  return [
    breach(
      'POSITION_LIMIT',
      `${line.symbol} after trades ${after} sh x ${price}${line.priceMagnifier === undefined ? '' : ` / ${line.priceMagnifier}`}${rate === undefined ? '' : ` ${line.currency ?? ''} x ${rate}`} = ${formatMoney(value)} is ${formatPct(pct)} of NLV ` +
        `${formatMoney(nlv)} > max ${formatPct(max)}`,
      line.symbol,
    ),
  ];
}
