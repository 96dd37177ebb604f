import { describe, expect, it } from 'vitest';
import { isOnTick, midAt, roundToTick, quoteAt, UNIVERSE, universeMarket } from '../../src/sim/universe.js';

const t = '2026-01-14T15:05:00Z';

describe('universe', () => {
  it('is deterministic: the same seed and time give the same quote', () => {
    for (const { symbol } of UNIVERSE) expect(quoteAt(42, symbol, t)).toEqual(quoteAt(42, symbol, t));
  });

  it('differs between seeds', () => {
    const differing = UNIVERSE.filter(({ symbol }) => quoteAt(1, symbol, t).last !== quoteAt(2, symbol, t).last);
    expect(differing.length).toBeGreaterThan(UNIVERSE.length / 2);
  });

  it('quotes on the tick with bid < ask, last inside the spread, and a previous close', () => {
    for (const { symbol, minTick } of UNIVERSE) {
      const q = quoteAt(7, symbol, t);
      const { bid = 0, ask = 0, last = 0, close = 0 } = q;
      expect(bid).toBeGreaterThan(0);
      expect(bid).toBeLessThan(ask);
      expect(last).toBeGreaterThanOrEqual(bid);
      expect(last).toBeLessThanOrEqual(ask);
      for (const p of [bid, ask, last, close]) expect(isOnTick(p, minTick)).toBe(true);
      // The spread stays plausible: under 0.5% of the price.
      expect((ask - bid) / bid).toBeLessThan(0.005);
    }
  });

  it('takes close from the previous session: Monday quotes close at Friday 16:00 New York', () => {
    const monday = quoteAt(3, 'SPY', '2026-01-19T15:00:00Z');
    expect(monday.close).toBe(roundToTick(midAt(3, 'SPY', '2026-01-16T21:00:00Z'), 0.01, 'nearest'));
    expect(monday.close).toBe(quoteAt(3, 'SPY', '2026-01-19T20:00:00Z').close);
  });

  it('moves moderately: daily changes of a few percent at most, over a year of sessions', () => {
    const moves: number[] = [];
    for (let day = 0; day < 250; day++) {
      const a = Date.UTC(2026, 0, 5) + day * 86_400_000;
      moves.push(Math.log(midAt(9, 'SPY', new Date(a + 86_400_000).toISOString()) / midAt(9, 'SPY', new Date(a).toISOString())));
    }
    const sd = Math.sqrt(moves.reduce((s, m) => s + m * m, 0) / moves.length);
    expect(sd).toBeGreaterThan(0.003);
    expect(sd).toBeLessThan(0.025);
  });

  it('holds the last close outside the session and knows its contracts', () => {
    const m = universeMarket(5);
    expect(m.quoteAt('AAPL', '2026-01-17T12:00:00Z')).toEqual(quoteAt(5, 'AAPL', '2026-01-16T21:00:00Z'));
    expect(m.contract('PENY')?.minTick).toBe(0.0001);
    expect(m.contract('SPY')).toEqual({ symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' });
    expect(m.contract('ZZZZ')).toBeUndefined();
    expect(m.quoteAt('ZZZZ', t)).toBeUndefined();
  });
});
