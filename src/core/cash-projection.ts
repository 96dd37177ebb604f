import { isOrder } from './breakers-common.js';
import { Exact, type Decimal } from './money.js';
import { isUsableRate } from './share-value.js';
import type { ConversionLine, PlanInputs, PlanLine } from './types.js';

/**
 * The account's cash per currency as this run's orders would leave it, from the broker's cash ledger (IB's
 * `$LEDGER:ALL`): each stock order moves its contract's currency by quantity x limit price (/ the price magnifier),
 * a BUY down, a SELL up; each conversion moves both of its pair's currencies. Undefined without a ledger in the
 * account's currency (a broker of one currency): there is nothing per currency to project.
 */
export interface CashProjection {
  base: string;
  /** The ledger's balance of each currency it lists. */
  cash: ReadonlyMap<string, Decimal>;
  /** What the orders move, by currency (negative: they spend it). */
  moved: ReadonlyMap<string, Decimal>;
  /** Usable rates (base units per one), the base's 1 included: the ledger's first, then the run's FX market's. */
  rates: ReadonlyMap<string, number>;
}

export function projectCash(
  inputs: Pick<PlanInputs, 'account' | 'exchangeRates'>,
  lines: readonly PlanLine[],
  conversions: readonly ConversionLine[] = [],
): CashProjection | undefined {
  const { account } = inputs;
  const ledger = account.cashLedger;
  if (ledger === undefined || ledger.baseCurrency !== account.currency) return undefined;
  const base = account.currency;
  const cash = new Map<string, Decimal>();
  const rates = new Map<string, number>([[base, 1]]);
  for (const b of ledger.balances) {
    cash.set(b.currency, new Exact(b.cash));
    // A ledger rate that is not usable never hides the run's usable rate of the same currency (its FX market's).
    if (isUsableRate(b.exchangeRate) && b.currency !== base) rates.set(b.currency, b.exchangeRate);
  }
  for (const [currency, fx] of Object.entries(inputs.exchangeRates ?? {}))
    if (!rates.has(currency) && isUsableRate(fx.rate)) rates.set(currency, fx.rate);
  const moved = new Map<string, Decimal>();
  const move = (currency: string, by: Decimal) => moved.set(currency, (moved.get(currency) ?? new Exact(0)).plus(by));
  for (const line of lines.filter(isOrder)) {
    const price = line.limitPrice ?? line.referencePrice;
    if (price === undefined || !Number.isFinite(price) || !Number.isFinite(line.quantity)) continue;
    const currency = line.currency === undefined || line.currency === '' ? base : line.currency;
    const value = new Exact(line.quantity).times(price).div(line.priceMagnifier ?? 1);
    move(currency, line.action === 'BUY' ? value.neg() : value);
  }
  for (const c of conversions) {
    if (c.action === 'NONE' || c.limitPrice === undefined) continue;
    // BUY USD.SGD q at p: USD +q, SGD -q x p (a SELL the other way round).
    const first = new Exact(c.quantity);
    const second = first.times(c.limitPrice);
    move(c.pair.symbol, c.action === 'BUY' ? first : first.neg());
    move(c.pair.currency, c.action === 'BUY' ? second.neg() : second);
  }
  return { base, cash, moved, rates };
}

/** The projection's cash of a currency after the orders. */
export function cashAfter(p: CashProjection, currency: string): Decimal {
  return (p.cash.get(currency) ?? new Exact(0)).plus(p.moved.get(currency) ?? 0);
}
