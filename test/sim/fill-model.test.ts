import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FILL_PARAMS, fillRandom, marketEvents, simulateFills, type WorkingOrder } from '../../src/sim/fill-model.js';
import { isOnTick, roundToTick } from '../../src/sim/universe.js';

const quote = { symbol: 'AAPL', bid: 189.98, ask: 190.02, last: 190.0 };
const buy = (limitPrice: number, remaining = 100): WorkingOrder => ({ side: 'BUY', limitPrice, remaining, minTick: 0.01 });
const sell = (limitPrice: number, remaining = 100): WorkingOrder => ({ side: 'SELL', limitPrice, remaining, minTick: 0.01 });
const noPartials = { partialFillProbability: 0, maxStepValue: 1e12 };

describe('simulateFills', () => {
  it('fills a marketable BUY between the midpoint and the limit, on the tick, never above the limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 1_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (bidCents, spreadCents, extraCents, orderId, seed) => {
          const bid = bidCents / 100;
          const ask = (bidCents + spreadCents) / 100;
          const limit = (bidCents + spreadCents + extraCents) / 100;
          const q = { symbol: 'X', bid, ask };
          const fills = simulateFills(buy(limit), q, true, fillRandom(seed, orderId, '2026-01-14T15:00:00Z'), noPartials);
          expect(fills).toHaveLength(1);
          const [fill] = fills;
          expect(fill?.quantity).toBe(100);
          const price = fill?.price ?? NaN;
          expect(price).toBeLessThanOrEqual(limit);
          expect(price).toBeLessThanOrEqual(ask);
          expect(price).toBeGreaterThanOrEqual(roundToTick((bid + ask) / 2, 0.01, 'down'));
          expect(isOnTick(price, 0.01)).toBe(true);
        },
      ),
    );
  });

  it('fills a marketable SELL between the limit and the midpoint, never below the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 1000 }), (below, orderId) => {
        const limit = (18998 - below) / 100;
        const [fill] = simulateFills(sell(limit), quote, true, fillRandom(1, orderId, '2026-01-14T15:00:00Z'), noPartials);
        expect(fill?.price).toBeGreaterThanOrEqual(189.98);
        expect(fill?.price).toBeLessThanOrEqual(190.0);
        expect(isOnTick(fill?.price ?? NaN, 0.01)).toBe(true);
      }),
    );
  });

  it('rounds sub-dollar prices to a hundredth of a cent', () => {
    const q = { symbol: 'PENY', bid: 0.4201, ask: 0.4209 };
    const [fill] = simulateFills(
      { side: 'BUY', limitPrice: 0.421, remaining: 1000, minTick: 0.0001 },
      q,
      true,
      fillRandom(1, 1, '2026-01-14T15:00:00Z'),
    );
    expect(fill?.price).toBeGreaterThanOrEqual(0.4205);
    expect(fill?.price).toBeLessThanOrEqual(0.4209);
    expect(isOnTick(fill?.price ?? NaN, 0.0001)).toBe(true);
  });

  it('leaves a non-marketable order waiting until the market crosses its limit', () => {
    const random = fillRandom(1, 1, '2026-01-14T15:00:00Z');
    expect(simulateFills(buy(190.01), quote, true, random)).toEqual([]);
    expect(simulateFills(sell(189.99), quote, true, random)).toEqual([]);
    const crossed = { symbol: 'AAPL', bid: 189.9, ask: 190.0 };
    expect(simulateFills(buy(190.01), crossed, true, random)).toHaveLength(1);
  });

  it('fills nothing while the session is closed, or without a price', () => {
    const random = fillRandom(1, 1, '2026-01-14T15:00:00Z');
    expect(simulateFills(buy(191), quote, false, random)).toEqual([]);
    expect(simulateFills(buy(191), { symbol: 'AAPL' }, true, random)).toEqual([]);
  });

  it('fills part of the order when the draw says so', () => {
    const params = { ...DEFAULT_FILL_PARAMS, partialFillProbability: 1 };
    const [fill] = simulateFills(buy(191, 1000), quote, true, fillRandom(1, 1, '2026-01-14T15:00:00Z'), params);
    expect(fill?.quantity).toBeGreaterThan(0);
    expect(fill?.quantity).toBeLessThan(1000);
  });

  it('takes several steps for an order larger than one step can fill', () => {
    const params = { partialFillProbability: 0.3, maxStepValue: 50_000 };
    let remaining = 2000;
    let steps = 0;
    for (const event of marketEvents('2026-01-14T14:30:00Z', '2026-01-14T21:00:00Z')) {
      if (event.kind !== 'step' || remaining === 0) continue;
      const fills = simulateFills(buy(191, remaining), quote, true, fillRandom(3, 9, event.time), params);
      for (const f of fills) remaining -= f.quantity;
      steps += 1;
    }
    expect(remaining).toBe(0);
    expect(steps).toBeGreaterThanOrEqual(8);
  });

  it('is deterministic from the seed, the order and the step', () => {
    const run = (seed: number, orderId: number) =>
      simulateFills(buy(191, 1000), quote, true, fillRandom(seed, orderId, '2026-01-14T15:00:00Z'), {
        ...DEFAULT_FILL_PARAMS,
        partialFillProbability: 0.5,
      });
    expect(run(1, 2)).toEqual(run(1, 2));
    const variants = new Set([1, 2, 3, 4, 5, 6, 7, 8].map((id) => JSON.stringify(run(1, id))));
    expect(variants.size).toBeGreaterThan(1);
  });
});

describe('marketEvents', () => {
  it('steps every 5 minutes from the open, then the close, in (from, to]', () => {
    const events = [...marketEvents('2026-01-14T14:30:00Z', '2026-01-14T21:00:00Z')];
    expect(events[0]).toEqual({ kind: 'step', time: '2026-01-14T14:35:00Z' });
    expect(events.filter((e) => e.kind === 'step')).toHaveLength(77);
    expect(events.at(-1)).toEqual({ kind: 'close', time: '2026-01-14T21:00:00Z' });
  });

  it('skips the weekend and follows the summer clock', () => {
    const events = [...marketEvents('2026-07-17T19:52:00Z', '2026-07-20T13:40:00Z')];
    expect(events).toEqual([
      { kind: 'step', time: '2026-07-17T19:55:00Z' },
      { kind: 'close', time: '2026-07-17T20:00:00Z' },
      { kind: 'step', time: '2026-07-20T13:30:00Z' },
      { kind: 'step', time: '2026-07-20T13:35:00Z' },
      { kind: 'step', time: '2026-07-20T13:40:00Z' },
    ]);
  });
});
