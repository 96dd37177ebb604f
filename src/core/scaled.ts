/**
 * Exact decimals as integers: a value is a bigint count of 10^-s (a price of 190.02 is 19002 hundredths, a share
 * count is a count of shares, a trade value a count of the decimals its product needs). The planning core sizes
 * 5,000 tickers an hour through these, where the Decimal of money.ts allocated a digit array for every step
 * (issue 14: the Decimal arithmetic was most of the planning time).
 *
 * Every function here returns exactly what the same operation on money.ts's `Exact` (100 significant digits,
 * halves away from zero) returns, so the plans are identical (test/properties/plan-integer.property.test.ts holds
 * the planning core to a copy of its all-Decimal version):
 * - A double is read as Decimal reads it, by its shortest decimal representation (0.29 is 29 hundredths, not the
 *   binary fraction nearest to it).
 * - Sums and products of integers are exact; Decimal's are too, up to 100 significant digits, and past that
 *   (only absurd inputs: 1e300 + 1e-300) `round100` rounds exactly as Decimal does.
 * - A quotient is never an integer: where the planner divides (a weight, a leverage, a percentage) the quotient is
 *   wanted as a double or compared with a limit, and both are done exactly from the two integers (see
 *   `quotientToNumber` and `quotientExceeds`); in the few cases where the integers are too large for that to be
 *   provably the same as Decimal's rounded quotient, Decimal itself divides.
 */
import { Exact, type Decimal } from './money.js';

/** m x 10^-s, with s >= 0. */
export interface Scaled {
  readonly m: bigint;
  readonly s: number;
}

export const ZERO: Scaled = { m: 0n, s: 0 };

const POW10: bigint[] = [1n];
/** 10^k as a bigint (k >= 0), cached. */
function pow10(k: number): bigint {
  for (let i = POW10.length; i <= k; i++) POW10.push((POW10[i - 1] ?? 1n) * 10n);
  return POW10[k] ?? 1n;
}

/** 10^0 .. 10^22: the powers of ten a double holds exactly. */
const POW10_NUMBER = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));
const TWO_51 = 2 ** 51;
const MAX_SAFE = 2n ** 53n;
const DIGITS_100 = 10n ** 100n;

/**
 * The exact decimal a finite double stands for, as Decimal reads it (by its shortest representation: what
 * `String(x)` prints). Fast path: the first k <= 9 for which n = round(x * 10^k) gives back x as n / 10^k with
 * |n| < 2^51. Then the doubles around x are less than 10^-k / 2 apart, so n x 10^-k is the only k-decimal number
 * that reads as x, and it is the shortest one. Anything else goes through its string.
 */
export function scaledOf(x: number): Scaled {
  if (Number.isSafeInteger(x)) return { m: BigInt(x), s: 0 };
  for (let k = 1; k <= 9; k++) {
    const p = POW10_NUMBER[k] ?? 1;
    const n = Math.round(x * p);
    if (Math.abs(n) < TWO_51 && n / p === x) return { m: BigInt(n), s: k };
  }
  return parseScaled(String(x));
}

/**
 * The fewest decimals that write x, when the fast path of scaledOf finds them (k <= 9 and |x| x 10^k < 2^51): then
 * they are also the fewest d for which Number(x.toFixed(d)) === x, as no other number of d <= k decimals reads as
 * x. Undefined otherwise (the caller counts the slow way).
 */
export function fewestDecimals(x: number): number | undefined {
  if (Number.isSafeInteger(x)) return 0;
  for (let k = 1; k <= 9; k++) {
    const p = POW10_NUMBER[k] ?? 1;
    const n = Math.round(x * p);
    if (Math.abs(n) < TWO_51 && n / p === x) return k;
  }
  return undefined;
}

/**
 * scaledOf(toNumber(a)): the value a becomes once reported as a double and read back. When |m| < 2^51 and s <= 9
 * that is a itself (the double nearest to a reads back as the only s-decimal number near it, which a is), so the
 * round trip is skipped.
 */
export function asReported(a: Scaled): Scaled {
  if (a.s <= 9 && a.m < TWO_51_BIG && a.m > -TWO_51_BIG) return a;
  return scaledOf(toNumber(a));
}
const TWO_51_BIG = 2n ** 51n;

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/** A decimal string (what String(x) prints for a finite x: "-12.5", "1e-7", "1.5e+21") as m x 10^-s. */
export function parseScaled(text: string): Scaled {
  const match = NUMBER_TEXT.exec(text);
  if (match === null) throw new Error(`broken invariant: ${text} is not a finite decimal number`);
  const [, sign = '', whole = '0', fraction = '', exponent = '0'] = match;
  const m = BigInt(`${sign}${whole}${fraction}`);
  const s = fraction.length - Number(exponent);
  return s >= 0 ? { m, s } : { m: m * pow10(-s), s: 0 };
}

/** Decimal's rounding of every result to 100 significant digits, halves away from zero (exact below that). */
function round100(a: Scaled): Scaled {
  const abs = a.m < 0n ? -a.m : a.m;
  if (abs < DIGITS_100) return a;
  const drop = abs.toString().length - 100;
  const unit = pow10(drop);
  let q = abs / unit;
  if ((abs % unit) * 2n >= unit) q += 1n;
  const m = a.m < 0n ? -q : q;
  const s = a.s - drop;
  return s >= 0 ? { m, s } : { m: m * pow10(-s), s: 0 };
}

/** a and b as integers of the same scale: [a's, b's, the scale]. */
function align(a: Scaled, b: Scaled): [bigint, bigint, number] {
  if (a.s === b.s) return [a.m, b.m, a.s];
  return a.s > b.s ? [a.m, b.m * pow10(a.s - b.s), a.s] : [a.m * pow10(b.s - a.s), b.m, b.s];
}

export function plus(a: Scaled, b: Scaled): Scaled {
  if (b.m === 0n) return a;
  if (a.m === 0n) return b;
  const [x, y, s] = align(a, b);
  return round100({ m: x + y, s });
}

export function minus(a: Scaled, b: Scaled): Scaled {
  if (b.m === 0n) return a;
  const [x, y, s] = align(a, b);
  return round100({ m: x - y, s });
}

export function times(a: Scaled, b: Scaled): Scaled {
  return round100({ m: a.m * b.m, s: a.s + b.s });
}

export function abs(a: Scaled): Scaled {
  return a.m < 0n ? { m: -a.m, s: a.s } : a;
}

/** a / 10^k, exactly (Decimal's division by 100 or 10,000). */
export function shiftDown(a: Scaled, k: number): Scaled {
  return round100({ m: a.m, s: a.s + k });
}

/** -1, 0 or 1. */
export function compare(a: Scaled, b: Scaled): -1 | 0 | 1 {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sign(a: Scaled): -1 | 0 | 1 {
  return a.m < 0n ? -1 : a.m > 0n ? 1 : 0;
}

/** Decimal's rounding modes used by the planner. */
export type Rounding = 'halfUp' | 'up' | 'down' | 'floor' | 'ceil';

/** The integer n / d (d > 0) rounded by the mode. */
function divideRounded(n: bigint, d: bigint, mode: Rounding): bigint {
  const q = n / d; // truncates toward zero
  const r = n % d; // has n's sign
  if (r === 0n) return q;
  const away = n < 0n ? q - 1n : q + 1n;
  switch (mode) {
    case 'down':
      return q;
    case 'up':
      return away;
    case 'floor':
      return n < 0n ? q - 1n : q;
    case 'ceil':
      return n < 0n ? q : q + 1n;
    case 'halfUp':
      return (r < 0n ? -r : r) * 2n >= d ? away : q;
  }
}

/** Decimal's toDecimalPlaces(dp, mode): the value on dp decimals. */
export function toPlaces(a: Scaled, dp: number, mode: Rounding): Scaled {
  if (a.s <= dp) return a;
  return { m: divideRounded(a.m, pow10(a.s - dp), mode), s: dp };
}

/** Decimal's toNearest(step, mode) for a step > 0: the multiple of step that the mode rounds a / step to. */
export function toNearest(a: Scaled, step: Scaled, mode: Rounding): Scaled {
  const [x, y] = align(a, step);
  // Decimal multiplies back without rounding to its precision here.
  const n = divideRounded(x, y, mode);
  return { m: n * step.m, s: step.s };
}

/** Decimal's divToInt: the quotient truncated toward zero (b not zero). */
export function divToInt(a: Scaled, b: Scaled): Scaled {
  const [x, y] = align(a, b);
  return round100({ m: x / y, s: 0 });
}

/** Both values as integers over the same power of ten, so a / b = n / d. */
function fraction(a: Scaled, b: Scaled): [bigint, bigint] {
  const [n, d] = align(a, b);
  return d < 0n ? [-n, -d] : [n, d];
}

/**
 * Decimal's a.div(b).toNumber() for b not zero, without its zero's sign (callers never divide a zero they need
 * signed). When both integers of the fraction are exact doubles, a double division rounds their exact quotient
 * once, correctly; Decimal rounds it to 100 digits first, and the two agree whenever no halfway point between two
 * doubles lies within 10^-99 of the quotient: a halfway point of a quotient at least 1e-15 has fewer than 90
 * significant digits, and a quotient of integers below 2^53 that is not exactly on it is more than 2^-130 (relative)
 * away from it. Otherwise Decimal divides.
 */
export function quotientToNumber(a: Scaled, b: Scaled): number {
  const [n, d] = fraction(a, b);
  if (n === 0n) return 0;
  if (n < MAX_SAFE && n > -MAX_SAFE && d < MAX_SAFE) {
    const q = Number(n) / Number(d);
    if (Math.abs(q) >= 1e-15) return q;
  } else if (n < DIGITS_60 && n > -DIGITS_60 && d < DIGITS_60) {
    const q = roundedQuotient(n, d);
    if (q !== undefined) return q;
  }
  return decimalOf(a).div(decimalOf(b)).toNumber();
}
const DIGITS_60 = 10n ** 60n;

/**
 * n / d (d > 0) rounded once to the nearest double, for integers too large to divide as doubles: the quotient is
 * taken to about 60 bits with a sticky bit for any remainder, so Number() rounds it as the exact quotient rounds
 * (to nearest, ties to even), then scaled by a power of two, which is exact. For a quotient from 1e-15 to 1e45
 * with |n| < 10^60 this is Decimal's result too, by the argument of quotientToNumber (a halfway point is then
 * more than 10^-91, relative, from a quotient not on it). Undefined outside that range.
 */
function roundedQuotient(n: bigint, d: bigint): number | undefined {
  const negative = n < 0n;
  const abs = negative ? -n : n;
  const approx = Number(abs) / Number(d);
  if (!(approx >= 1e-15 && approx <= 1e45)) return undefined;
  const k = 60 - Math.floor(Math.log2(approx));
  let q: bigint;
  let r: bigint;
  if (k >= 0) {
    const shifted = abs << BigInt(k);
    q = shifted / d;
    r = shifted % d;
  } else {
    const shifted = d << BigInt(-k);
    q = abs / shifted;
    r = abs % shifted;
  }
  const value = Number((q << 1n) | (r === 0n ? 0n : 1n)) * 2 ** -(k + 1);
  return negative ? -value : value;
}

/**
 * Decimal's exceeds(a.div(b), limit) for b > 0 and a finite limit: whether the quotient, rounded to 100 digits
 * as Decimal rounds it, is over the limit. Compared exactly as a x 1 > limit x b; the rounding to 100 digits can
 * only change that when the quotient is within 10^-99 of the limit without being on it, which cannot happen while
 * the cross products stay below 10^98. Past that, Decimal divides and compares.
 */
export function quotientExceeds(a: Scaled, b: Scaled, limit: Scaled): boolean {
  const [n, d] = fraction(a, b);
  // n / d > L / 10^s  <=>  n x 10^s > L x d, as d > 0.
  const x = n * pow10(limit.s);
  const y = limit.m * d;
  if (x < DIGITS_98 && x > -DIGITS_98 && y < DIGITS_98 && y > -DIGITS_98) return x > y;
  return decimalOf(a).div(decimalOf(b)).gt(decimalOf(limit));
}
const DIGITS_98 = 10n ** 98n;
const DIGITS_90 = 10n ** 90n;

/**
 * Decimal's a.div(b).times(100).toFixed(2, ROUND_HALF_UP) for b not zero: a / b as a percentage with two decimals.
 * Rounded exactly from the integers: the exact quotient is at least 1 / (2 x 10^4 x |n|) (relative) from any
 * halfway point it is not on, more than Decimal's rounding to 100 digits can move it while |n| < 10^90.
 */
export function percentText(a: Scaled, b: Scaled): string {
  const [n, d] = fraction(a, b);
  if (n < DIGITS_90 && n > -DIGITS_90) {
    const hundredths = divideRounded(n * 10_000n, d, 'halfUp');
    const text = toFixed({ m: hundredths < 0n ? -hundredths : hundredths, s: 2 }, 2);
    return n < 0n ? `-${text}` : text;
  }
  return decimalOf(a).div(decimalOf(b)).times(100).toFixed(2, Exact.ROUND_HALF_UP);
}

/** The same value as a Decimal (the slow paths, and the breach details that print a ratio). */
export function decimalOf(a: Scaled): Decimal {
  return new Exact(a.s === 0 ? a.m.toString() : `${a.m.toString()}e-${a.s}`);
}

/** money.ts's toNumber (no negative zero) of the same value: the double nearest to it. */
export function toNumber(a: Scaled): number {
  if (a.m === 0n) return 0;
  if (a.m < MAX_SAFE && a.m > -MAX_SAFE && a.s <= 22) {
    const m = Number(a.m);
    return a.s === 0 ? m : m / (POW10_NUMBER[a.s] ?? 1);
  }
  return Number(a.s === 0 ? a.m.toString() : `${a.m.toString()}e-${a.s}`);
}

/** The digits of |m| with at least s + 1 of them, and the decimal point placed: "0.05" for m 5, s 2. */
function plain(a: Scaled): string {
  const digits = (a.m < 0n ? -a.m : a.m).toString().padStart(a.s + 1, '0');
  return a.s === 0 ? digits : `${digits.slice(0, -a.s)}.${digits.slice(-a.s)}`;
}

/** Decimal's toFixed(dp) of a value with at most dp decimals (a value with more is first rounded by the caller). */
export function toFixed(a: Scaled, dp: number): string {
  // Trailing zeros past dp are dropped (exact: the value has at most dp decimals); missing ones added.
  const padded = a.s === dp ? a : a.s > dp ? { m: a.m / pow10(a.s - dp), s: dp } : { m: a.m * pow10(dp - a.s), s: dp };
  return `${a.m < 0n ? '-' : ''}${plain(padded)}`;
}

/** Decimal's toFixed(dp, mode): "-0.00" for a negative value that rounds to zero, as Decimal prints it. */
export function toFixedRounded(a: Scaled, dp: number, mode: Rounding): string {
  const rounded = toPlaces(a, dp, mode);
  const text = toFixed(abs(rounded), dp);
  return a.m < 0n ? `-${text}` : text;
}

/** The fewest decimals that write the value (Decimal's decimalPlaces()). */
export function decimalPlaces(a: Scaled): number {
  let { m, s } = a;
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  return s;
}

/** Decimal's toString (exponent notation from 1e21 and below 1e-6, as a double prints). */
export function toDecimalString(a: Scaled): string {
  if (a.m === 0n) return '0';
  let { m, s } = a;
  while (s > 0 && m % 10n === 0n) {
    m /= 10n;
    s--;
  }
  const negative = m < 0n;
  let digits = (negative ? -m : m).toString();
  // The exponent of the leading digit.
  const e = digits.length - 1 - s;
  if (e > -7 && e < 21) return `${negative ? '-' : ''}${plain({ m: negative ? -m : m, s })}`;
  digits = digits.replace(/0+$/, '');
  const mantissa = digits.length === 1 ? digits : `${digits[0] ?? ''}.${digits.slice(1)}`;
  return `${negative ? '-' : ''}${mantissa}e${e < 0 ? '-' : '+'}${Math.abs(e)}`;
}

/** money.ts's formatMoney of the same value: "12,345.60", cents rounded half away from zero, never "-0.00". */
export function formatMoney(a: Scaled): string {
  const rounded = toPlaces(a, 2, 'halfUp');
  const cents = (rounded.m < 0n ? -rounded.m : rounded.m) * pow10(2 - rounded.s);
  const digits = cents.toString().padStart(3, '0');
  const whole = digits.slice(0, -2);
  // en-US grouping: a comma before every group of three whole digits from the right.
  let grouped = whole.slice(0, ((whole.length - 1) % 3) + 1);
  for (let i = grouped.length; i < whole.length; i += 3) grouped += `,${whole.slice(i, i + 3)}`;
  return `${rounded.m < 0n ? '-' : ''}${grouped}.${digits.slice(-2)}`;
}

/** money.ts's formatUsd of the same value: "$1,234.50", "-$3.00". */
export function formatUsd(a: Scaled): string {
  const text = formatMoney(a);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}
