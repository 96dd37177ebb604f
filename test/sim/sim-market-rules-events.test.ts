/**
 * The simulators' quotes on a market rule's grid: the scenario (scenario.ts)
 * puts bid and ask on the bands; the dividend and split wrappers (withDividends, withSplits) keep them there
 * after an ex-date, on HKEX's spread table, not on the minTick alone.
 */
import { describe, expect, it } from 'vitest';
import { conformsTo } from '../../src/core/limit-price.js';
import { SEHK_INCREMENTS } from '../../src/sim/market-rules.js';
import { withDividends } from '../../src/sim/scenario-events.js';
import { withSplits } from '../../src/sim/scenario-splits.js';
import type { SimMarket } from '../../src/sim/universe.js';

const tencent: SimMarket = {
  symbols: () => ['700'],
  contract: () => ({ symbol: '700', minTick: 0.001, primaryExchange: 'SEHK', currency: 'HKD', priceIncrements: SEHK_INCREMENTS }),
  quoteAt: () => ({ symbol: '700', bid: 400, ask: 400.2, last: 400.2, close: 400 }),
};
const AFTER = '2026-11-25T16:00:00Z';

describe('simulated quotes after a dividend or split stay on the market rule', () => {
  it('a 3.37 HKD dividend leaves bid and ask on the 0.20 grid of the 200-500 band', () => {
    const market = withDividends(tencent, [
      { type: 'dividend', symbol: '700', amountPerShare: 3.37, exDate: '2026-11-24', payDate: '2026-12-01' },
    ] as never);
    const q = market.quoteAt('700', AFTER);
    expect(q?.bid).toBeDefined();
    expect(conformsTo(SEHK_INCREMENTS, q?.bid ?? 0)).toBe(true);
    expect(conformsTo(SEHK_INCREMENTS, q?.ask ?? 0)).toBe(true);
  });

  it('a 3-for-1 split leaves bid and ask on the grid of their band', () => {
    const market = withSplits(tencent, [{ type: 'split', symbol: '700', ratio: '3:1', exDate: '2026-11-24' }] as never);
    const q = market.quoteAt('700', AFTER);
    expect(q?.bid).not.toBe(400);
    expect(conformsTo(SEHK_INCREMENTS, q?.bid ?? 0)).toBe(true);
    expect(conformsTo(SEHK_INCREMENTS, q?.ask ?? 0)).toBe(true);
  });
});
