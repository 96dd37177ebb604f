import { describe, expect, it } from 'vitest';
import { cents, Exact, formatMoney, formatUsd, round2, signOfCents, toNumber } from '../../src/core/money.js';

describe('money', () => {
  it('rounds to the cent in decimal, halves away from zero, whatever the double holds', () => {
    // 1.005 and 2.675 are stored just below the half cent as doubles; the user wrote the half cent.
    expect([round2(1.005), round2(2.675), round2(-1.005), round2(0.125), round2(-0.125)]).toEqual([1.01, 2.68, -1.01, 0.13, -0.13]);
    expect(round2(new Exact(3).times(0.335))).toBe(1.01);
    expect(cents(19.999).toString()).toBe('20');
  });

  it('never returns or prints a negative zero', () => {
    expect(Object.is(round2(-0.001), 0)).toBe(true);
    expect(Object.is(toNumber(new Exact(-0)), 0)).toBe(true);
    expect([formatMoney(-0.001), formatMoney(-0), formatMoney(new Exact(-0.004))]).toEqual(['0.00', '0.00', '0.00']);
    expect(signOfCents(-0.004)).toBe(0);
  });

  it('prints en-US grouping with two decimals', () => {
    expect([formatMoney(0), formatMoney(12_345.6), formatMoney(-1_234_567.891), formatMoney(999.995), formatMoney(100_000)]).toEqual([
      '0.00',
      '12,345.60',
      '-1,234,567.89',
      '1,000.00',
      '100,000.00',
    ]);
    expect([formatUsd(1_234.5), formatUsd(-3), formatUsd(-0.001)]).toEqual(['$1,234.50', '-$3.00', '$0.00']);
  });

  it('prints a figure it cannot round as it always did', () => {
    expect([formatMoney(Number.NaN), formatMoney(Number.POSITIVE_INFINITY), formatMoney(Number.NEGATIVE_INFINITY)]).toEqual([
      'NaN',
      '∞',
      '-∞',
    ]);
    expect(signOfCents(Number.NaN)).toBe(0);
  });

  it('computes exactly where doubles do not', () => {
    expect(0.315 - 0.3).not.toBe(0.015);
    expect(toNumber(new Exact(0.315).minus(0.3))).toBe(0.015);
    expect(new Exact(0.1).plus(0.2).eq(0.3)).toBe(true);
  });
});
