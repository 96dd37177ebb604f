/**
 * Order circuit breakers: the size of each order, their number, the run's and the day's turnover, and the
 * price collar. They catch the erroneous-looking order before it reaches the broker.
 */
import {
  breach,
  describeOrder,
  exceeds,
  formatPct,
  isOrder,
  isUsablePrice,
  orderValue,
  percentFrom,
  percentFromExceeds,
  percentOf,
  percentOfExceeds,
  usableNetLiquidation,
  type BreakerContext,
} from './breakers-common.js';
import { conformsTo, incrementAt } from './limit-price.js';
import { Exact, formatMoney } from './money.js';
import * as X from './scaled.js';
import type { Breach, PlanLine } from './types.js';

/**
 * ORDER_VALUE_LIMIT for an order worth more than maxOrderValue, or more than maxOrderPct of NLV (one breach
 * per limit, each naming its limit), or whose quantity is not a positive whole number of shares.
 * Worth = the most the order can move (see orderValue).
 */
export function checkOrderValue(ctx: BreakerContext): Breach[] {
  const { maxOrderValue, maxOrderPct } = ctx.inputs.limits;
  const nlv = usableNetLiquidation(ctx);
  const out: Breach[] = [];
  for (const line of ctx.lines.filter(isOrder)) {
    const what = (): string => `${line.symbol} ${describeOrder(line)}`;
    if (!(Number.isInteger(line.quantity) && line.quantity > 0)) {
      out.push(breach('ORDER_VALUE_LIMIT', `${what()}: quantity ${line.quantity} is not a positive whole number`, line.symbol));
      continue;
    }
    const value = orderValue(line);
    if (exceeds(value, maxOrderValue)) {
      out.push(
        breach(
          'ORDER_VALUE_LIMIT',
          `${what()}: order value ${formatMoney(value)} > max order value ${formatMoney(maxOrderValue)} (MAX_ORDER_VALUE)`,
          line.symbol,
        ),
      );
    }
    if (nlv === undefined || !percentOfExceeds(value, nlv, maxOrderPct)) continue;
    const pct = percentOf(value, nlv);
    if (exceeds(pct, maxOrderPct)) {
      out.push(
        breach(
          'ORDER_VALUE_LIMIT',
          `${what()}: order value ${formatMoney(value)} is ${formatPct(pct)} of NLV ${formatMoney(nlv)} > max ` +
            `${formatPct(maxOrderPct)} (MAX_ORDER_PCT)`,
          line.symbol,
        ),
      );
    }
  }
  return out;
}

/**
 * The most shares one order may carry: far above any order this program should make, below 2^31 (what an
 * integer quantity field of the IB API holds) and far below 2^53 (past which a double skips whole numbers).
 */
export const MAX_ORDER_QUANTITY = 1_000_000_000;

/** The most decimals a limit price is looked at with; beyond it a double is not a decimal price anyway. */
const MAX_PRICE_DECIMALS = 12;

/**
 * ORDER_BOUNDS for an order whose numbers are not exactly what the broker would receive: a quantity that is not
 * a safe whole number of shares from 1 to MAX_ORDER_QUANTITY (a huge NLV, weight or leverage can make one past
 * 2^53, where doubles skip whole numbers), a limit price that is not finite and positive or has more decimals
 * than the contract's tick or off its market rule's increment at that price (IB error 110), a trade value that is
 * not finite. No raised limit lets such an order through.
 */
export function checkOrderBounds(ctx: BreakerContext): Breach[] {
  const out: Breach[] = [];
  for (const line of ctx.lines.filter(isOrder)) {
    const problem = (text: string): void =>
      void out.push(breach('ORDER_BOUNDS', `${line.symbol} ${describeOrder(line)}: ${text}`, line.symbol));
    const { quantity, limitPrice, tradeValue } = line;
    if (!(Number.isSafeInteger(quantity) && quantity > 0 && quantity <= MAX_ORDER_QUANTITY)) {
      problem(`quantity ${quantity} is not a whole number of shares from 1 to ${formatCount(MAX_ORDER_QUANTITY)}`);
    }
    if (limitPrice !== undefined && !isUsablePrice(limitPrice)) {
      problem(`limit price ${limitPrice} is not a finite positive number`);
    } else if (limitPrice !== undefined) {
      const contract = ctx.inputs.contracts[line.symbol];
      const bands = contract?.priceIncrements;
      if (bands !== undefined) {
        // A market rule says exactly which prices IB takes; a price it takes has no more decimals than its increment.
        if (!conformsTo(bands, limitPrice)) {
          problem(`limit price ${limitPrice} is not a multiple of the increment ${String(incrementAt(bands, limitPrice))} at that price`);
        }
      } else {
        const tick = contract?.minTick;
        const allowed = isUsablePrice(tick) ? decimalsOf(tick) : MAX_PRICE_DECIMALS;
        const decimals = decimalsOf(limitPrice);
        if (decimals > allowed) {
          const has = decimals > MAX_PRICE_DECIMALS ? `more than ${MAX_PRICE_DECIMALS} decimals` : `${decimals} decimals`;
          const tickText = isUsablePrice(tick) ? `the tick ${tick} allows ${allowed}` : `at most ${allowed} are allowed`;
          problem(`limit price ${limitPrice} has ${has}, ${tickText}`);
        } else if (isUsablePrice(tick) && !onTickAsDouble(tick, limitPrice)) {
          // A multiple of the one tick it was priced on, as the rounding makes and IB takes: 400.03 has a 0.05 tick's
          // decimals, and IB would answer 110.
          problem(`limit price ${limitPrice} is not a multiple of the tick ${tick}`);
        }
      }
      if (!Number.isFinite(quantity * limitPrice)) problem(`quantity x limit price is not finite`);
    }
    if (!Number.isFinite(tradeValue)) problem(`trade value ${tradeValue} is not finite`);
  }
  return out;
}

/** The fewest decimals that write `value` exactly as a double reads it back; MAX_PRICE_DECIMALS + 1 when more. */
function decimalsOf(value: number): number {
  const fast = X.fewestDecimals(value);
  if (fast !== undefined && fast <= MAX_PRICE_DECIMALS) return fast;
  for (let d = 0; d <= MAX_PRICE_DECIMALS; d++) if (Number(value.toFixed(d)) === value) return d;
  return MAX_PRICE_DECIMALS + 1;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** TURNOVER_LIMIT when this run's orders trade more than maxTurnoverPct of NLV. */
export function checkTurnover(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  if (nlv === undefined) return [];
  const max = ctx.inputs.limits.maxTurnoverPct;
  if (!exceeds(ctx.turnoverPct, max)) return [];
  return [breach('TURNOVER_LIMIT', `run turnover ${formatPct(ctx.turnoverPct)} of NLV ${formatMoney(nlv)} > max ${formatPct(max)}`)];
}

/** ORDER_COUNT_LIMIT when the run would send more than maxOrdersPerRun orders: a runaway plan looks like this. */
export function checkOrderCount(ctx: BreakerContext): Breach[] {
  const count = ctx.lines.filter(isOrder).length;
  const max = ctx.inputs.limits.maxOrdersPerRun;
  if (!exceeds(count, max)) return [];
  return [breach('ORDER_COUNT_LIMIT', `${count} orders > max ${max} per run`)];
}

/**
 * DAILY_TURNOVER_LIMIT when what was sent today plus this run's orders is more than maxDailyTurnoverPct of
 * NLV. Only a run with orders can trip it: with nothing to send there is nothing to block, and an hourly
 * alert for a limit reached earlier (or pushed over by an NLV drop) would only be noise.
 */
export function checkDailyTurnover(ctx: BreakerContext): Breach[] {
  const nlv = usableNetLiquidation(ctx);
  const orders = ctx.lines.filter(isOrder);
  if (nlv === undefined || orders.length === 0) return [];
  const max = ctx.inputs.limits.maxDailyTurnoverPct;
  const today = ctx.inputs.tradedValueToday;
  if (!dailyTurnoverExceeds(orders, today, nlv, max)) return [];
  const thisRun = orders.reduce((sum, line) => sum.plus(orderValue(line)), new Exact(0));
  const total = thisRun.plus(today);
  const pct = percentOf(total, nlv);
  if (!exceeds(pct, max)) return [];
  return [
    breach(
      'DAILY_TURNOVER_LIMIT',
      `traded today ${formatMoney(today)} + this run ${formatMoney(thisRun)} = ${formatMoney(total)} is ${formatPct(pct)} ` +
        `of NLV ${formatMoney(nlv)} > max ${formatPct(max)}`,
    ),
  ];
}

/** Whether the day's turnover with these orders is over the limit, in integers (scaled.ts) when all is finite. */
function dailyTurnoverExceeds(orders: PlanLine[], today: number, nlv: number, max: number): boolean {
  const values = orders.map(orderValue);
  if (!values.every(Number.isFinite) || !Number.isFinite(today)) return true; // decided the Decimal way by the caller
  const thisRun = values.reduce((sum, value) => X.plus(sum, X.scaledOf(value)), X.ZERO);
  return percentOfExceeds(X.plus(thisRun, X.scaledOf(today)), nlv, max);
}

/**
 * PRICE_COLLAR for an order whose limit is more than priceCollarPct from the reference price, or whose
 * reference is more than priceCollarPct from the previous close (a bad quote makes a bad limit), or which
 * has no limit price at all. Orders without a reference price are left to checkMissingPrice.
 */
export function checkPriceCollar(ctx: BreakerContext): Breach[] {
  const max = ctx.inputs.limits.priceCollarPct;
  return ctx.lines.filter(isOrder).flatMap((line) => collarBreaches(line, max));
}

function collarBreaches(line: PlanLine, max: number): Breach[] {
  const ref = line.referencePrice;
  if (!isUsablePrice(ref)) return [];
  const what = (): string => `${line.symbol} ${describeOrder(line)}`;
  const limit = line.limitPrice;
  if (!isUsablePrice(limit)) {
    return [breach('PRICE_COLLAR', `${what()}: limit price ${String(limit)} is not a positive number`, line.symbol)];
  }
  const out: Breach[] = [];
  const limitPct = percentFromExceeds(limit, ref, max) ? percentFrom(limit, ref) : undefined;
  if (limitPct !== undefined && exceeds(limitPct, max)) {
    out.push(
      breach(
        'PRICE_COLLAR',
        `${what()}: limit ${limit} is ${formatPct(limitPct)} from reference ${ref} > max ${formatPct(max)}`,
        line.symbol,
      ),
    );
  }
  const close = line.previousClose;
  if (isUsablePrice(close) && percentFromExceeds(ref, close, max)) {
    const closePct = percentFrom(ref, close);
    if (exceeds(closePct, max)) {
      out.push(
        breach(
          'PRICE_COLLAR',
          `${what()}: reference ${ref} is ${formatPct(closePct)} from previous close ${close} > max ${formatPct(max)}`,
          line.symbol,
        ),
      );
    }
  }
  return out;
}

/**
 * Whether a price is a whole number of ticks as a double can hold it: the nearest multiple of the tick, read back as a
 * double, is the price itself (the rounding computes the multiple exactly and hands it on as a double, whose shortest
 * decimal may differ from the exact multiple in a tick of many digits).
 */
function onTickAsDouble(tick: number, price: number): boolean {
  const steps = new Exact(price).div(tick).toDecimalPlaces(0);
  return steps.times(tick).toNumber() === price;
}
