/**
 * The circuit breakers of FX_POLICY=convert's conversions (core/conversions.ts): the limits of any order, judged on
 * each conversion that would go. A conversion's size is bounded where it is planned (MAX_ORDER_VALUE per order it
 * pays for); here, what would make it erroneous-looking: a quantity or limit that is not a sane number, a limit too
 * far from the quote, a quote too far from the rate the plan sized the orders with (two of the broker's sources that
 * disagree: one of them is wrong), and one order too many for MAX_ORDERS_PER_RUN.
 */
import { breach, formatPct, percentFrom, percentFromExceeds } from './breakers-common.js';
import { Exact } from './money.js';
import { isUsableRate } from './share-value.js';
import type { Breach, ConversionLine, PlanInputs } from './types.js';

/** The largest quantity a conversion may have (units of the pair's first currency): past it, a bug, not a trade. */
const MAX_UNITS = 1e12;

export function checkConversions(inputs: PlanInputs, conversions: readonly ConversionLine[], stockOrders: number): Breach[] {
  const going = conversions.filter((c) => c.action !== 'NONE');
  const out: Breach[] = [];
  const collar = inputs.limits.priceCollarPct;
  for (const c of going) {
    const what = `conversion ${c.action} ${c.quantity} ${c.symbol} @ ${String(c.limitPrice)}`;
    const { limitPrice: limit, referencePrice: mid } = c;
    if (!(Number.isSafeInteger(c.quantity) && c.quantity > 0 && c.quantity <= MAX_UNITS)) {
      out.push(breach('ORDER_BOUNDS', `${what}: quantity is not a whole number of 1..${MAX_UNITS}`, c.symbol));
      continue;
    }
    if (limit === undefined || mid === undefined || !(Number.isFinite(limit) && limit > 0) || !(Number.isFinite(mid) && mid > 0)) {
      out.push(breach('ORDER_BOUNDS', `${what}: limit or quote is not a positive number (quote ${String(mid)})`, c.symbol));
      continue;
    }
    if (percentFromExceeds(limit, mid, collar)) {
      out.push(
        breach(
          'PRICE_COLLAR',
          `${what}: limit is ${formatPct(percentFrom(limit, mid))} from the quote's midpoint ${mid} > max ${formatPct(collar)} (PRICE_COLLAR_PCT)`,
          c.symbol,
        ),
      );
    }
    const sized = sizingRate(inputs, c.currency);
    if (sized === undefined) continue;
    // The quote's rate of the currency in base units: the midpoint on C.B, one over it on B.C.
    const quoted = c.pair.symbol === c.currency ? new Exact(mid) : new Exact(1).div(mid);
    if (percentFromExceeds(quoted.toNumber(), sized.rate, collar)) {
      out.push(
        breach(
          'PRICE_COLLAR',
          `${what}: the ${c.symbol} quote values ${c.currency} at ${quoted.toSignificantDigits(10).toString()}, ` +
            `${formatPct(percentFrom(quoted, sized.rate))} from the rate the orders were sized with (${sized.rate}, ${sized.source}) ` +
            `> max ${formatPct(collar)} (PRICE_COLLAR_PCT): one of the broker's two rates is wrong`,
          c.symbol,
        ),
      );
    }
  }
  const max = inputs.limits.maxOrdersPerRun;
  if (going.length > 0 && stockOrders <= max && stockOrders + going.length > max) {
    out.push(breach('ORDER_COUNT_LIMIT', `${stockOrders} orders and ${going.length} conversion(s) > max ${max} per run`));
  }
  return out;
}

/** The rate the plan sized the currency's orders with (the ledger's when it lists the currency: see run/exchange-rates.ts). */
function sizingRate(inputs: PlanInputs, currency: string): { rate: number; source: string } | undefined {
  const rates = inputs.exchangeRates;
  const fx = rates !== undefined && Object.hasOwn(rates, currency) ? rates[currency] : undefined;
  return fx !== undefined && isUsableRate(fx.rate) ? { rate: fx.rate, source: fx.source } : undefined;
}
