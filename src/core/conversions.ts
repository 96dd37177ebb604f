/**
 * FX_POLICY=convert: the currency conversions a plan needs, pure. For each currency other than the account's in which
 * the plan's tickers are quoted:
 *
 * - fund: when its cash after this run's stock orders is below zero (they spend more than the account holds, or a
 *   loan is left from before), one order buying that shortfall on the FX pair;
 * - sweep: when this run's sales bring it in and its cash after them is above zero, one order selling back to the
 *   account's currency what they brought in (at most that: a balance the person holds on purpose stays).
 *
 * The pair is the one the broker quoted (IB lists each pair in one orientation: USD.SGD for an SGD account buying
 * dollars is a BUY of USD; SGD.HKD for one needing Hong Kong dollars is a SELL of SGD, enough of it at the limit to
 * bring the shortfall). Quantities are whole units of the pair's first currency, rounded so a funding conversion
 * brings at least the shortfall and a sweep sells at most the proceeds. The limit is the quote's midpoint +/-
 * LIMIT_OFFSET_BPS on the pair's tick (IDEALPRO: 0.00005; 0.005 for a pair with the yen). A conversion worth less
 * than MIN_CONVERSION_VALUE (in the account's currency) is not placed: the stock orders borrow (IB's loan) or the
 * proceeds stay. No quote (the FX market closed, a one-sided quote) leaves it for a later run the same way.
 */
import { cashAfter, projectCash } from './cash-projection.js';
import { limitPrice } from './limit-price.js';
import { Exact, formatMoney, round2, type Decimal } from './money.js';
import { isSymbolScoped } from './trading-state.js';
import type { Breach, ConversionLine, FxQuote, PlanInputs, PlanLine, TradingState } from './types.js';

/** MIN_CONVERSION_VALUE when the configuration does not say. */
export const DEFAULT_MIN_CONVERSION_VALUE = 1000;

/** IDEALPRO's price increments: half a pip; half a yen-pip for a pair with the yen. */
export function fxTick(pair: { symbol: string; currency: string }): number {
  return pair.symbol === 'JPY' || pair.currency === 'JPY' ? 0.005 : 0.00005;
}

/** The pair's name as IB writes it. */
export const pairSymbol = (pair: { symbol: string; currency: string }): string => `${pair.symbol}.${pair.currency}`;

export function planConversions(inputs: PlanInputs, lines: readonly PlanLine[]): ConversionLine[] {
  if (inputs.sizing.fxPolicy !== 'convert') return [];
  const projection = projectCash(inputs, lines);
  const base = inputs.account.currency;
  const quoted = new Set(lines.map((l) => l.currency).filter((c): c is string => c !== undefined && c !== '' && c !== base));
  if (projection === undefined) return unknownCash(inputs, lines, quoted);
  const out: ConversionLine[] = [];
  for (const currency of [...quoted].sort()) {
    const after = cashAfter(projection, currency);
    const moved = projection.moved.get(currency) ?? new Exact(0);
    if (after.isNaN()) continue; // CURRENCY_LOAN_LIMIT trips on it.
    let purpose: 'fund' | 'sweep';
    let amount: Decimal;
    if (after.isNeg()) {
      purpose = 'fund';
      amount = after.neg();
    } else if (moved.gt(0) && after.gt(0)) {
      purpose = 'sweep';
      amount = Exact.min(moved, after);
    } else continue;
    const orders = lines.filter((l) => l.action !== 'NONE' && l.currency === currency).length;
    out.push(conversionLine(inputs, base, currency, purpose, amount, orders));
  }
  return out;
}

/**
 * Without the broker's cash per currency (no ledger, or one in another currency than the account's) nothing says what
 * is short: each currency the run's orders trade gets a NONE line saying so, and they borrow.
 */
function unknownCash(inputs: PlanInputs, lines: readonly PlanLine[], quoted: ReadonlySet<string>): ConversionLine[] {
  const base = inputs.account.currency;
  const ledger = inputs.account.cashLedger;
  const why =
    ledger === undefined
      ? 'the broker gave no cash per currency'
      : `the broker's cash per currency is in ${ledger.baseCurrency}, not the account's ${base}`;
  return [...quoted]
    .sort()
    .filter((currency) => lines.some((l) => l.action !== 'NONE' && l.currency === currency))
    .map((currency) => ({
      symbol: pairSymbol({ symbol: currency, currency: base }),
      pair: { symbol: currency, currency: base },
      currency,
      purpose: 'fund',
      action: 'NONE',
      quantity: 0,
      amount: 0,
      value: 0,
      reason: `${why}: what is short in ${currency} is not known, nothing converted; the orders borrow ${currency} (IB's loan)`,
    }));
}

function conversionLine(
  inputs: PlanInputs,
  base: string,
  currency: string,
  purpose: 'fund' | 'sweep',
  amount: Decimal,
  orders: number,
): ConversionLine {
  const rate = inputs.exchangeRates?.[currency];
  const market = rate?.market;
  const settling = inputs.conversionsSettling?.[currency];
  const what =
    purpose === 'fund'
      ? `${formatMoney(amount)} ${currency} short after this run's orders`
      : `${formatMoney(amount)} ${currency} from this run's sales`;
  const stays = purpose === 'fund' ? `the orders borrow ${currency} (IB's loan) meanwhile` : `the proceeds stay in ${currency}`;
  const none = (reason: string, pair = market === undefined ? { symbol: currency, currency: base } : pairOf(market)): ConversionLine => ({
    symbol: pairSymbol(pair),
    pair,
    currency,
    purpose,
    action: 'NONE',
    quantity: 0,
    amount: amount.toNumber(),
    value: 0,
    ...(market === undefined ? {} : { referencePrice: midOf(market).toNumber() }),
    ...(rate === undefined ? {} : { quotedAt: rate.at }),
    reason: `${what}; ${reason}: ${stays}`,
  });
  if (settling !== undefined) return none(settling);
  if (market === undefined)
    return none(`no FX quote of ${currency} against ${base} (the FX market is closed or quoted no two-sided price)`);
  const pair = pairOf(market);
  const why = badQuote(market, base, currency);
  if (why !== undefined) return none(why, pair);
  const mid = midOf(market);
  // BUY the first currency when it is the one wanted (fund C on C.B, sweep into B on B.C); SELL it otherwise.
  const buysFirst = (pair.symbol === currency) === (purpose === 'fund');
  const action = buysFirst ? 'BUY' : 'SELL';
  const limit = limitPrice(action, mid.toNumber(), inputs.sizing.limitOffsetBps, fxTick(pair));
  if (limit === undefined) return none(`the ${pairSymbol(pair)} quote gives no limit price`, pair);
  // Units of the pair's first currency: the amount itself when it is in that currency, else the amount over the
  // limit (the worst price the order accepts), up for a funding (it must bring the whole shortfall), down for a sweep.
  const units = pair.symbol === currency ? amount : amount.div(limit);
  const wanted = (purpose === 'fund' ? units.ceil() : units.floor()).toNumber();
  // One conversion pays for all of the run's orders in its currency, each judged by MAX_ORDER_VALUE: it may be worth
  // that much per order (at least one). Beyond, it is cut to the cap: the rest borrowed (or left) until a later run.
  const cap = new Exact(inputs.limits.maxOrderValue).times(Math.max(1, orders));
  const valueOf = (q: number): Decimal => (pair.symbol === base ? new Exact(q) : new Exact(q).times(limit));
  const capped = valueOf(wanted).gt(cap);
  const quantity = capped ? (pair.symbol === base ? cap : cap.div(limit)).floor().toNumber() : wanted;
  // Its value in the account's currency: the quantity itself on B.C, the quantity at the limit on C.B.
  const inBase = valueOf(quantity);
  const min = inputs.sizing.minConversionValue ?? DEFAULT_MIN_CONVERSION_VALUE;
  const offset = `${action === 'BUY' ? '+' : '-'} ${inputs.sizing.limitOffsetBps} bp`;
  const order = `${action} ${quantity} ${pairSymbol(pair)} @ ${limit} (mid ${mid.toString()} ${offset})`;
  if (!(quantity > 0)) return none(`less than one ${pair.symbol} to convert`, pair);
  if (inBase.lt(min)) {
    return {
      ...none(`${order} would be worth ${formatMoney(inBase)} ${base} < MIN_CONVERSION_VALUE ${formatMoney(min)}`, pair),
      value: round2(inBase),
    };
  }
  return {
    symbol: pairSymbol(pair),
    pair,
    currency,
    purpose,
    action,
    quantity,
    limitPrice: limit,
    referencePrice: mid.toNumber(),
    amount: amount.toNumber(),
    value: round2(inBase),
    quotedAt: rate?.at ?? '',
    ...(pair.currency === base || inputs.exchangeRates?.[pair.currency] === undefined ? {} : { fx: inputs.exchangeRates[pair.currency] }),
    reason:
      `${what}: ${order}, ${formatMoney(inBase)} ${base}` +
      (capped
        ? `; cut to MAX_ORDER_VALUE ${formatMoney(inputs.limits.maxOrderValue)} x ${Math.max(1, orders)} order(s) in ${currency}: ${purpose === 'fund' ? 'the rest is borrowed' : 'the rest stays'} until a later run`
        : ''),
  };
}

function pairOf(market: FxQuote): { symbol: string; currency: string } {
  return { symbol: market.symbol, currency: market.currency };
}

function midOf(market: FxQuote): Decimal {
  return new Exact(market.bid).plus(market.ask).div(2);
}

/** Why a quote cannot price a conversion of `currency` against `base`: a pair of other currencies, a side not positive, crossed. */
function badQuote(market: FxQuote, base: string, currency: string): string | undefined {
  const name = pairSymbol(market);
  const ofThese = (market.symbol === currency && market.currency === base) || (market.symbol === base && market.currency === currency);
  if (!ofThese) return `the FX quote is of ${name}, not a pair of ${currency} and ${base}`;
  const { bid, ask } = market;
  if (!(Number.isFinite(bid) && bid > 0 && Number.isFinite(ask) && ask > 0))
    return `the ${name} quote is not two-sided (bid ${bid}, ask ${ask})`;
  if (bid > ask) return `the ${name} quote is crossed (bid ${bid} above ask ${ask})`;
  return undefined;
}

/** The conversions under a trading state that lets none go (a conversion breaker tripped): each NONE, saying why. */
export function blockConversions(
  conversions: readonly ConversionLine[],
  state: TradingState,
  breaches: readonly Breach[],
): ConversionLine[] {
  if (state !== 'HALTED') return [...conversions];
  const codes = [...new Set(breaches.filter((b) => !isSymbolScoped(b)).map((b) => b.code))].join(', ');
  return conversions.map((c) =>
    c.action === 'NONE'
      ? c
      : {
          ...c,
          action: 'NONE',
          quantity: 0,
          reason: `blocked (HALTED: ${codes}): would have ${c.action} ${c.quantity} ${c.symbol} @ ${String(c.limitPrice)}; ${c.reason}`,
        },
  );
}
