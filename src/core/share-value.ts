import { Exact, type Decimal } from './money.js';
import * as X from './scaled.js';
import type { Scaled } from './scaled.js';
import type { ContractInfo, ExchangeRate } from './types.js';

/**
 * What one share is worth in the account's currency: its price (in the contract's quote units) divided by the
 * contract's price magnifier (IB's priceMagnifier: 100 for a London line quoted in pence) and times the rate of its
 * currency (absent: the account's own). Exact: the magnifier is a power of ten and the rest are products.
 */
export interface Valuation {
  /** The rate of the contract's currency (only `rate` counts here; a plan line carries the whole ExchangeRate). */
  fx?: Pick<ExchangeRate, 'rate'>;
  priceMagnifier?: number;
}

/** The decimal digits of a price magnifier that is a power of ten (100 -> 2); undefined for any other number. */
export function magnifierDigits(magnifier: number): number | undefined {
  if (!Number.isSafeInteger(magnifier) || magnifier < 1) return undefined;
  const digits = Math.round(Math.log10(magnifier));
  return 10 ** digits === magnifier ? digits : undefined;
}

/** The contract's magnifier when it is more than 1 and a power of ten; undefined for 1 or absent. Throws for any other. */
export function priceMagnifierOf(contract: ContractInfo | undefined): number | undefined {
  const m = contract?.priceMagnifier;
  if (m === undefined || m === 1) return undefined;
  if (magnifierDigits(m) === undefined)
    throw new Error(`broken invariant: ${contract?.symbol ?? '?'}: price magnifier ${String(m)} is not a power of ten`);
  return m;
}

/** price / magnifier x rate, exactly. */
export function shareValue(price: Scaled, v: Valuation): Scaled {
  const digits = v.priceMagnifier === undefined ? 0 : (magnifierDigits(v.priceMagnifier) ?? 0);
  const inCurrency = digits === 0 ? price : X.shiftDown(price, digits);
  return v.fx === undefined ? inCurrency : X.times(inCurrency, X.scaledOf(v.fx.rate));
}

/** The same for a Decimal price (the slow paths). */
export function shareValueDecimal(price: Decimal.Value, v: Valuation): Decimal {
  return new Exact(price).div(v.priceMagnifier ?? 1).times(v.fx?.rate ?? 1);
}

/** A rate a value can be converted with: finite and > 0 (anything else is no rate, never guessed). */
export function isUsableRate(rate: number | undefined): rate is number {
  return rate !== undefined && Number.isFinite(rate) && rate > 0;
}

/** Whether the valuation is the account's own (rate 1, no magnifier): values are price x quantity. */
export function isPlain(v: Valuation): boolean {
  return v.fx === undefined && v.priceMagnifier === undefined;
}
