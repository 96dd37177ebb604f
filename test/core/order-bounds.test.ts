/**
 * ORDER_BOUNDS: an order whose numbers are not exactly what IB would receive is never sent. A quantity past 2^53
 * (a huge NLV, or weights and leverage that multiply it up) is not a whole number of shares any more; a limit
 * price with more decimals than the tick, or not finite, is not a price. Whatever other limits a person raised.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOrderBounds } from '../../src/core/breakers.js';
import { MAX_ORDER_QUANTITY } from '../../src/core/breakers-orders.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { aContext, aForecast, aLine, anAccount, someInputs, someLimits } from './builders.js';

/** Limits a person raised as far as the configuration lets them: only the bounds are left to catch a slip. */
const wideOpen = someLimits({
  maxOrderValue: 1e300,
  maxOrderPct: 1000,
  maxPositionPct: 1000,
  maxTurnoverPct: 10000,
  maxDailyTurnoverPct: 10000,
  maxLeverage: 10,
});

describe('ORDER_BOUNDS in the plan', () => {
  it('an NLV that makes a quantity past 2^53: no order, a breach naming the ticker and the quantity', () => {
    const nlv = 1e20;
    const plan = planRebalance(
      someInputs({
        account: anAccount({ netLiquidation: nlv, totalCash: nlv, grossPositionValue: 0, excessLiquidity: nlv, cushion: 1 }),
        positions: [],
        forecasts: [aForecast({ weights: { AAPL: 0.9 } })],
        limits: wideOpen,
      }),
    );
    const line = plan.lines.find((l) => l.symbol === 'AAPL');
    expect(line?.targetQuantity ?? 0).toBeGreaterThan(Number.MAX_SAFE_INTEGER); // what the planner computed
    expect(
      plan.lines.filter((l) => l.action !== 'NONE'),
      'no order',
    ).toEqual([]);
    const bounds = plan.breaches.filter((b) => b.code === 'ORDER_BOUNDS');
    expect(bounds).toHaveLength(1);
    expect(bounds[0]?.symbol).toBe('AAPL');
    expect(bounds[0]?.detail).toMatch(/AAPL BUY .*quantity .* is not a whole number of shares from 1 to 1,000,000,000/);
  });

  it('weights and leverage that multiply a sane NLV past 2^53 are refused the same way', () => {
    const plan = planRebalance(
      someInputs({
        positions: [],
        forecasts: [aForecast({ weights: { AAPL: 1e15 }, leverage: 1e3 })],
        limits: wideOpen,
      }),
    );
    expect(plan.lines.filter((l) => l.action !== 'NONE')).toEqual([]);
    expect(plan.breaches.map((b) => b.code)).toContain('ORDER_BOUNDS');
  });
});

describe('checkOrderBounds', () => {
  const check = (line: Parameters<typeof aLine>[0]) => checkOrderBounds(aContext({ lines: [aLine(line)] }));

  it('passes a calm order', () => {
    expect(check({})).toEqual([]);
  });

  it.each([
    [
      'a quantity past 2^53',
      { quantity: 2 ** 53 + 2 },
      /quantity 9007199254740994 is not a whole number of shares from 1 to 1,000,000,000/,
    ],
    ['a quantity past the sane bound', { quantity: MAX_ORDER_QUANTITY + 1 }, /not a whole number of shares from 1 to/],
    ['a fractional quantity', { quantity: 10.5 }, /quantity 10.5/],
    ['an infinite limit', { limitPrice: Infinity }, /limit price Infinity is not a finite positive number/],
    ['a NaN limit', { limitPrice: NaN }, /limit price NaN/],
    ['a negative limit', { limitPrice: -1 }, /limit price -1/],
    ['a limit with more decimals than the tick', { limitPrice: 190.123 }, /limit price 190.123 has 3 decimals, the tick 0.01 allows 2/],
    ['an infinite trade value', { tradeValue: Infinity }, /trade value Infinity is not finite/],
  ])('refuses %s, naming the order', (_, line, why) => {
    const breaches = check(line);
    expect(breaches.map((b) => b.code)).toEqual(['ORDER_BOUNDS']);
    expect(breaches[0]?.symbol).toBe('AAPL');
    expect(breaches[0]?.detail).toMatch(why);
  });

  it('property: any order it passes has a safe whole quantity, a finite positive limit with the tick’s decimals, a finite value', () => {
    const numbers = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(2 ** 53, 2 ** 53 + 2, 1e21, 0.1 + 0.2, 190.19));
    fc.assert(
      fc.property(numbers, numbers, numbers, (quantity, limitPrice, tradeValue) => {
        const passed = check({ quantity, limitPrice, tradeValue }).length === 0;
        if (!passed) return;
        expect(Number.isSafeInteger(quantity) && quantity > 0 && quantity <= MAX_ORDER_QUANTITY).toBe(true);
        expect(Number.isFinite(limitPrice) && limitPrice > 0).toBe(true);
        expect(Number(limitPrice.toFixed(2))).toBe(limitPrice);
        expect(Number.isFinite(tradeValue) && Number.isFinite(quantity * limitPrice)).toBe(true);
      }),
    );
  });
});
