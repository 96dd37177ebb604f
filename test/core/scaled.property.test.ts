/**
 * scaled.ts promises Decimal's answers (money.ts's Exact: 100 significant digits, halves away from zero) from
 * integer arithmetic. Each operation is compared with Decimal on any finite double, from 5e-324 to 1.8e308, and on
 * products of them (which reach the bigint paths: quotients of integers past 2^53, sums past 100 digits).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Exact } from '../../src/core/money.js';
import * as X from '../../src/core/scaled.js';

const RUNS = { numRuns: 3_000, seed: 14 };
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
/** Doubles as prices, weights and NLVs are written, and any double. */
const value = fc.oneof(
  fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 100),
  fc.integer({ min: 1, max: 99_999 }).map((n) => n / 10_000),
  fc.double({ min: 1e-9, max: 1e12, noNaN: true }),
  finite,
);
const nonZero = value.filter((x) => x !== 0);
const mode = fc.constantFrom(
  ['halfUp', Exact.ROUND_HALF_UP] as const,
  ['up', Exact.ROUND_UP] as const,
  ['down', Exact.ROUND_DOWN] as const,
  ['floor', Exact.ROUND_FLOOR] as const,
  ['ceil', Exact.ROUND_CEIL] as const,
);

describe('scaled.ts computes what Decimal computes', () => {
  it('reads a double as Decimal does, prints it and gives it back', () => {
    fc.assert(
      fc.property(finite, (x) => {
        const s = X.scaledOf(x);
        expect(X.toDecimalString(s)).toBe(new Exact(x).toString());
        expect(X.toNumber(s)).toBe(x === 0 ? 0 : x);
        expect(X.decimalPlaces(s)).toBe(new Exact(x).decimalPlaces());
      }),
      RUNS,
    );
  });

  it('adds, subtracts and multiplies exactly, rounding to 100 digits where Decimal does', () => {
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        const [sa, sb, sc] = [X.scaledOf(a), X.scaledOf(b), X.scaledOf(c)];
        const [da, db, dc] = [new Exact(a), new Exact(b), new Exact(c)];
        expect(X.toDecimalString(X.plus(X.times(sa, sb), sc))).toBe(da.times(db).plus(dc).toString());
        expect(X.toDecimalString(X.minus(sa, X.times(sb, sc)))).toBe(da.minus(db.times(dc)).toString());
        expect(X.compare(sa, sb)).toBe(da.comparedTo(db));
      }),
      RUNS,
    );
  });

  it('divides to a double, to a percentage with two decimals and against a limit as Decimal does', () => {
    fc.assert(
      fc.property(value, value, nonZero, value, (a, b, c, limit) => {
        // a x b / c: the numerator is a product, so the integers of the fraction often pass 2^53.
        const n = X.times(X.scaledOf(a), X.scaledOf(b));
        const d = X.scaledOf(c);
        const q = new Exact(a).times(b).div(c);
        expect(X.quotientToNumber(n, d)).toBe(q.isZero() ? 0 : q.toNumber());
        expect(X.percentText(n, d)).toBe(q.times(100).toFixed(2, Exact.ROUND_HALF_UP));
        if (c > 0) expect(X.quotientExceeds(n, d, X.scaledOf(limit))).toBe(q.gt(limit));
        expect(X.toDecimalString(X.divToInt(n, d))).toBe(new Exact(a).times(b).divToInt(c).toString());
      }),
      RUNS,
    );
  });

  it('rounds to decimal places and to a tick by every mode the planner uses', () => {
    fc.assert(
      fc.property(
        value,
        fc.integer({ min: 0, max: 6 }),
        mode,
        fc.constantFrom(0.01, 0.0001, 0.005, 0.05, 1 / 3, 0.25),
        (x, dp, [m, rm], tick) => {
          expect(X.toDecimalString(X.toPlaces(X.scaledOf(x), dp, m))).toBe(new Exact(x).toDecimalPlaces(dp, rm).toString());
          expect(X.toFixedRounded(X.scaledOf(x), dp, m)).toBe(new Exact(x).toFixed(dp, rm));
          expect(X.toDecimalString(X.toNearest(X.scaledOf(x), X.scaledOf(tick), m))).toBe(new Exact(x).toNearest(tick, rm).toString());
        },
      ),
      RUNS,
    );
  });

  it('skips the round trip through a double only where it gives the same value back', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        const exact = X.shiftDown(X.plus(X.scaledOf(a), X.scaledOf(b)), 1);
        expect(X.compare(X.asReported(exact), X.scaledOf(X.toNumber(exact)))).toBe(0);
      }),
      RUNS,
    );
  });

  it('formats money as money.ts does', async () => {
    const money = await import('../../src/core/money.js');
    fc.assert(
      fc.property(value, (x) => {
        expect(X.formatMoney(X.scaledOf(x))).toBe(money.formatMoney(x));
        expect(X.formatUsd(X.scaledOf(x))).toBe(money.formatUsd(x));
      }),
      RUNS,
    );
  });
});
