/**
 * Money, prices and share counts: the one Decimal configuration of the system and the one set of helpers that
 * round and print amounts. Sizing, limit prices, the breakers, the ledger and the snapshot all compute through
 * `Exact`, so a value exactly at a limit is exactly at it everywhere.
 *
 * Binary floating point cannot hold 0.29 or 4.35 exactly (0.29 / 0.01 is 28.999999999999996 in doubles, and
 * 0.315 - 0.3 is 0.015000000000000013). Decimal reads a double by its shortest decimal representation (the
 * number the user or IB wrote), and with 100 significant digits the sums, products and quotients of a few
 * doubles are exact: the only roundings are the explicit ones (to the cent, to the tick, to whole shares).
 * The global Decimal configuration is not ours to set, hence the clone.
 */
import { Decimal } from 'decimal.js';

export type { Decimal } from 'decimal.js';

/** The exact arithmetic: 100 significant digits, halves rounded away from zero. */
export const Exact = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP });

/** An amount of money in the account's currency, as computed (NLV, a product before rounding). */
export type Money = number;
/** An amount of money rounded to the cent (trade values, market values, commissions): see `cents`/`round2`. */
export type Cents = number;
/** A price per share as quoted or derived (a bid/ask midpoint, a last trade, a previous close). */
export type Price = number;
/** A price per share on the contract's tick (a limit price): a whole multiple of its minTick. */
export type TickPrice = number;
/** A number of shares; an order's quantity is a positive whole number, a position may be negative (short). */
export type Shares = number;

/** Rounds to the cent, halves away from zero: 1.005 -> 1.01, -1.005 -> -1.01 (the decimal, not the double). */
export function cents(value: Decimal.Value): Decimal {
  return new Exact(value).toDecimalPlaces(2, Exact.ROUND_HALF_UP);
}

/** Decimal to number without a negative zero (-0 would fail equality checks and print oddly). */
export function toNumber(value: Decimal): number {
  return value.isZero() ? 0 : value.toNumber();
}

/** A number (or an exact product) rounded to the cent, as a number: round2(2.675) = 2.68, round2(-0.001) = 0. */
export function round2(value: Decimal.Value): Cents {
  return toNumber(cents(value));
}

// Only for what Decimal cannot print as money: NaN and the infinities ("NaN", "∞", "-∞"), as every report did. Made
// on first use: the first Intl formatter of a process costs milliseconds of start-up that `status` need not pay.
let nonFinite: Intl.NumberFormat | undefined;

/**
 * 12345.6 -> "12,345.60": two decimals (rounded as `cents` does), en-US grouping whatever the machine's locale,
 * and never "-0.00" (-0.001 prints "0.00").
 */
export function formatMoney(value: Decimal.Value): string {
  const exact = new Exact(value);
  if (!exact.isFinite()) return (nonFinite ??= new Intl.NumberFormat('en-US')).format(exact.toNumber());
  const rounded = cents(exact);
  const [whole = '0', fraction = '00'] = rounded.abs().toFixed(2).split('.');
  return `${rounded.lt(0) ? '-' : ''}${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

/** 1234.5 -> "$1,234.50", -3 -> "-$3.00": formatMoney with the dollar sign after any minus. */
export function formatUsd(value: Decimal.Value): string {
  const text = formatMoney(value);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** -1, 0 or 1: the sign of the amount once rounded to the cent (so -0.004 is 0, as it prints "0.00"); NaN is 0. */
export function signOfCents(value: Decimal.Value): -1 | 0 | 1 {
  const rounded = cents(value);
  return rounded.isNaN() || rounded.isZero() ? 0 : rounded.isNegative() ? -1 : 1;
}
