import { describe, expect, it } from 'vitest';
import { isUsablePrice, QuoteTicks } from '../../src/adapters/ib/ib-ticks.js';

describe('isUsablePrice', () => {
  it('takes positive finite prices only: IB sends -1 (or 0) for no price', () => {
    expect([189.5, 0.0001].every(isUsablePrice)).toBe(true);
    expect([-1, 0, Number.NaN, Number.POSITIVE_INFINITY, undefined].some(isUsablePrice)).toBe(false);
  });
});

describe('QuoteTicks', () => {
  it('builds a live quote from tick types 1, 2, 4 and 9', () => {
    const t = new QuoteTicks('AAPL');
    t.addPrice(1, 187.2);
    t.addPrice(2, 187.25);
    t.addPrice(4, 187.22);
    t.addPrice(9, 186);
    expect(t.toQuote()).toEqual({ symbol: 'AAPL', bid: 187.2, ask: 187.25, last: 187.22, close: 186 });
  });

  it('maps delayed tick types 66, 67, 68 and 75 and marks the quote delayed', () => {
    const t = new QuoteTicks('AAPL');
    for (const [type, price] of [
      [66, 187.2],
      [67, 187.25],
      [68, 187.22],
      [75, 186],
    ] as const)
      t.addPrice(type, price);
    expect(t.toQuote()).toEqual({ symbol: 'AAPL', bid: 187.2, ask: 187.25, last: 187.22, close: 186, delayed: true });
  });

  it('leaves out -1 prices and ignores sizes, highs and lows', () => {
    const t = new QuoteTicks('MSFT');
    expect(t.addPrice(1, -1)).toBe(true);
    expect(t.addPrice(6, 400)).toBe(false);
    t.addPrice(4, 401);
    expect(t.toQuote()).toEqual({ symbol: 'MSFT', last: 401 });
  });

  it('prefers a live tick over a delayed one for the same field', () => {
    const t = new QuoteTicks('SPY');
    t.addPrice(66, 500);
    t.addPrice(1, 501);
    t.addPrice(2, 502);
    expect(t.toQuote()).toEqual({ symbol: 'SPY', bid: 501, ask: 502 });
  });

  it('marks the quote delayed on a delayed-data notice even with live-numbered ticks', () => {
    const t = new QuoteTicks('SPY');
    t.addPrice(4, 500);
    t.markDelayed();
    expect(t.toQuote()).toEqual({ symbol: 'SPY', last: 500, delayed: true });
  });

  it('gives no quote when no field carries a price', () => {
    const t = new QuoteTicks('XYZ');
    t.addPrice(1, -1);
    t.markDelayed();
    expect(t.toQuote()).toBeUndefined();
  });
});
