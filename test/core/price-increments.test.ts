/**
 * Limit prices under IB's market rules: many exchanges vary the increment with the price (SEHK's spread table: 0.20
 * HKD from 200 to 500, 0.50 from 500 to 1000; TSEJ's yen bands). IB refuses a limit price that is not a multiple of the
 * increment of its own band (error 110), so a BUY rounds down and a SELL up to a price that conforms AT ITSELF, and an
 * order that cannot be priced that way gets none.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkOrderBounds } from '../../src/core/breakers.js';
import { conformsTo, incrementsProblem, limitPrice, tickFor } from '../../src/core/limit-price.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import type { ContractInfo, PriceIncrement, Side } from '../../src/core/types.js';
import { aContext, aLine, someInputs } from './builders.js';

/** HKEX's spread table (part A), as IB's market rule for SEHK gives it. */
const SEHK: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 0.001 },
  { lowEdge: 0.25, increment: 0.005 },
  { lowEdge: 0.5, increment: 0.01 },
  { lowEdge: 10, increment: 0.02 },
  { lowEdge: 20, increment: 0.05 },
  { lowEdge: 100, increment: 0.1 },
  { lowEdge: 200, increment: 0.2 },
  { lowEdge: 500, increment: 0.5 },
  { lowEdge: 1000, increment: 1 },
  { lowEdge: 2000, increment: 2 },
  { lowEdge: 5000, increment: 5 },
];
/** TSE's table for ordinary stocks (IB's rule 791). */
const TSEJ: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 1 },
  { lowEdge: 3000, increment: 5 },
  { lowEdge: 5000, increment: 10 },
  { lowEdge: 30000, increment: 50 },
  { lowEdge: 50000, increment: 100 },
  { lowEdge: 300000, increment: 500 },
];
/** A rule whose edges are not multiples of the increments: rounding across an edge must land on the other grid. */
const ODD: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 0.3 },
  { lowEdge: 1.1, increment: 0.5 },
  { lowEdge: 2.2, increment: 0.7 },
];
/** IB's rule for US stocks (557): 0.0001 below $1, 0.01 from $1. */
const US: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 0.0001 },
  { lowEdge: 1, increment: 0.01 },
];

describe('limitPrice on a market rule', () => {
  const cases: { name: string; side: Side; ref: number; bps: number; bands: readonly PriceIncrement[]; expected: number | undefined }[] = [
    { name: 'Tencent BUY at 400.03 rounds down to the 0.20 grid', side: 'BUY', ref: 400.03, bps: 0, bands: SEHK, expected: 400 },
    { name: 'Tencent SELL at 400.03 rounds up to the 0.20 grid', side: 'SELL', ref: 400.03, bps: 0, bands: SEHK, expected: 400.2 },
    { name: 'a BUY with 10 bps on 400 lands on 400.4', side: 'BUY', ref: 400, bps: 10, bands: SEHK, expected: 400.4 },
    { name: 'a BUY just below the 500 edge stays on the 0.20 grid', side: 'BUY', ref: 499.99, bps: 0, bands: SEHK, expected: 499.8 },
    { name: 'a BUY at the 500 edge is the edge', side: 'BUY', ref: 500, bps: 0, bands: SEHK, expected: 500 },
    {
      name: 'a BUY just above the 500 edge rounds down to it on the 0.50 grid',
      side: 'BUY',
      ref: 500.3,
      bps: 0,
      bands: SEHK,
      expected: 500,
    },
    { name: 'a SELL just below the 500 edge rounds up to the edge', side: 'SELL', ref: 499.9, bps: 0, bands: SEHK, expected: 500 },
    { name: 'a SELL just above the 500 edge rounds up on the 0.50 grid', side: 'SELL', ref: 500.01, bps: 0, bands: SEHK, expected: 500.5 },
    { name: 'a sub-quarter SEHK line trades in 0.001', side: 'SELL', ref: 0.2461, bps: 0, bands: SEHK, expected: 0.247 },
    { name: 'a yen BUY above 3000 rounds to 5 yen', side: 'BUY', ref: 3004, bps: 0, bands: TSEJ, expected: 3000 },
    { name: 'a yen SELL above 3000 rounds to 5 yen', side: 'SELL', ref: 3001, bps: 0, bands: TSEJ, expected: 3005 },
    { name: 'a yen BUY below 3000 keeps 1 yen', side: 'BUY', ref: 2999.6, bps: 0, bands: TSEJ, expected: 2999 },
    { name: 'a yen SELL at 29,996 crosses to the 50 yen band at 30,000', side: 'SELL', ref: 29996, bps: 0, bands: TSEJ, expected: 30000 },
    // 1.3 on the 0.5 grid is 1.0, which lies in the band below, where 1.0 is not a multiple of 0.3: 0.9 conforms.
    {
      name: 'a BUY whose grid floor falls below its band takes the band below’s grid',
      side: 'BUY',
      ref: 1.3,
      bps: 0,
      bands: ODD,
      expected: 0.9,
    },
    // 1.05 on the 0.3 grid is 1.2, which lies in the band above, where 1.2 is not a multiple of 0.5: 1.5 conforms.
    {
      name: 'a SELL whose grid ceiling passes the next edge takes that band’s grid',
      side: 'SELL',
      ref: 1.05,
      bps: 0,
      bands: ODD,
      expected: 1.5,
    },
    {
      name: 'a SELL crossing two edges',
      side: 'SELL',
      ref: 2.11,
      bps: 0,
      bands: [
        { lowEdge: 0, increment: 1 },
        { lowEdge: 2.05, increment: 0.3 },
        { lowEdge: 2.15, increment: 0.7 },
      ],
      expected: 2.8,
    },
    { name: 'a BUY below the first increment cannot be priced', side: 'BUY', ref: 0.2, bps: 0, bands: ODD, expected: undefined },
    { name: 'US rule: 0.0001 below $1', side: 'BUY', ref: 0.98765, bps: 0, bands: US, expected: 0.9876 },
    { name: 'US rule: 0.01 from $1', side: 'SELL', ref: 1.00001, bps: 0, bands: US, expected: 1.01 },
    {
      name: 'bands that do not start at 0 are not guessed at',
      side: 'BUY',
      ref: 400,
      bps: 0,
      bands: [{ lowEdge: 1, increment: 0.2 }],
      expected: undefined,
    },
    { name: 'an empty rule is not guessed at', side: 'BUY', ref: 400, bps: 0, bands: [], expected: undefined },
  ];
  it.each(cases)('$name', ({ side, ref, bps, bands, expected }) => {
    const price = limitPrice(side, ref, bps, bands);
    expect(price).toBe(expected);
    if (price !== undefined) expect(conformsTo(bands, price)).toBe(true);
  });

  it('without bands rounds to the tick as before', () => {
    expect(limitPrice('BUY', 400.03, 0, 0.01)).toBe(400.03);
    expect(limitPrice('SELL', 400.031, 0, 0.01)).toBe(400.04);
  });

  /** The best conforming price by brute force over each band's own grid (Decimal, independent of the code). */
  function oracle(side: Side, bound: Decimal, bands: readonly PriceIncrement[]): Decimal | undefined {
    let best: Decimal | undefined;
    for (const [i, band] of bands.entries()) {
      const lo = new Decimal(band.lowEdge);
      const inc = new Decimal(band.increment);
      const hi = bands[i + 1] === undefined ? undefined : new Decimal(bands[i + 1]?.lowEdge ?? 0);
      let p: Decimal;
      if (side === 'BUY') {
        const top = hi !== undefined && hi.lte(bound) ? hi : bound;
        p = top.div(inc).floor().times(inc);
        if (hi !== undefined && p.gte(hi)) p = p.minus(inc);
        if (p.lt(lo) || !p.gt(0)) continue;
        if (best === undefined || p.gt(best)) best = p;
      } else {
        const bottom = lo.gt(bound) ? lo : bound;
        p = bottom.div(inc).ceil().times(inc);
        if (hi !== undefined && p.gte(hi)) continue;
        if (best === undefined || p.lt(best)) best = p;
      }
    }
    return best;
  }

  it('property: the price is the best one on the safe side of the bound that conforms at itself', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(SEHK, TSEJ, ODD, US),
        fc.integer({ min: 1, max: 40_000_000 }),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom<Side>('BUY', 'SELL'),
        (bands, hundredths, bps, side) => {
          const reference = new Decimal(hundredths).div(100);
          const bound = reference.times(new Decimal(1).plus(new Decimal(side === 'BUY' ? bps : -bps).div(10_000)));
          const price = limitPrice(side, reference.toNumber(), bps, bands);
          const expected = oracle(side, bound, bands);
          expect(price === undefined ? undefined : new Decimal(price).toString()).toBe(expected?.toString());
          if (price !== undefined) expect(conformsTo(bands, price)).toBe(true);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('tickFor with a market rule', () => {
  const hk = (priceIncrements?: readonly PriceIncrement[]): ContractInfo => ({
    symbol: '700',
    minTick: 0.001,
    primaryExchange: 'SEHK',
    currency: 'HKD',
    ...(priceIncrements === undefined ? {} : { priceIncrements }),
  });
  it('is the increment of the highest band at or below the price, edges included', () => {
    expect(tickFor(hk(SEHK), 400.03)).toBe(0.2);
    expect(tickFor(hk(SEHK), 500)).toBe(0.5);
    expect(tickFor(hk(SEHK), 499.99)).toBe(0.2);
    expect(tickFor(hk(SEHK), 0.1)).toBe(0.001);
  });
  it('without bands is the minTick, as before', () => {
    expect(tickFor(hk(), 400.03)).toBe(0.001);
  });
});

describe('incrementsProblem', () => {
  it.each([
    [[], /no price bands/],
    [[{ lowEdge: 0.5, increment: 0.01 }], /first band starts at 0.5, not 0/],
    [
      [
        { lowEdge: 0, increment: 0.01 },
        { lowEdge: 0, increment: 0.1 },
      ],
      /band 2 starts at 0, not above 0/,
    ],
    [
      [
        { lowEdge: 0, increment: 0.01 },
        { lowEdge: 5, increment: 0.1 },
        { lowEdge: 2, increment: 1 },
      ],
      /band 3 starts at 2, not above 5/,
    ],
    [[{ lowEdge: 0, increment: 0 }], /band 1 has the increment 0/],
    [[{ lowEdge: 0, increment: -0.01 }], /increment -0.01/],
    [[{ lowEdge: 0, increment: Number.NaN }], /increment NaN/],
  ])('refuses %j', (bands, why) => {
    expect(incrementsProblem(bands)).toMatch(why);
  });
  it('accepts the exchanges’ tables', () => {
    for (const bands of [SEHK, TSEJ, US, ODD]) expect(incrementsProblem(bands)).toBeUndefined();
  });
});

describe('the plan on a market rule', () => {
  const tencent: ContractInfo = { symbol: 'AAPL', minTick: 0.001, primaryExchange: 'NASDAQ', currency: 'USD', priceIncrements: SEHK };
  it('a BUY at 400.03 goes out on the 0.20 grid, not the minTick', () => {
    const plan = planRebalance(
      someInputs({
        contracts: { AAPL: tencent },
        positions: [{ account: 'DU0000001', symbol: 'AAPL', quantity: 50, avgCost: 150 }],
        quotes: { AAPL: { symbol: 'AAPL', bid: 400.01, ask: 400.05, last: 400.03, close: 399.8 } },
        sizing: { ...someInputs().sizing, limitOffsetBps: 1 },
      }),
    );
    const line = plan.lines.find((l) => l.symbol === 'AAPL');
    // 400.03 x 1.0001 = 400.07 → 400.0 on the 0.20 grid (400.07 on the 0.001 minTick IB would refuse)
    expect(line?.action).toBe('BUY');
    expect(line?.limitPrice).toBe(400);
  });

  it('ORDER_BOUNDS refuses a limit off the rule’s increment at its price (IB would answer 110)', () => {
    const inputs = someInputs({ contracts: { AAPL: tencent } });
    const refused = checkOrderBounds(aContext({ inputs, lines: [aLine({ limitPrice: 400.03, referencePrice: 400 })] }));
    expect(refused.map((b) => b.code)).toEqual(['ORDER_BOUNDS']);
    expect(refused[0]?.detail).toMatch(/limit price 400.03 is not a multiple of the increment 0.2 at that price/);
    expect(checkOrderBounds(aContext({ inputs, lines: [aLine({ limitPrice: 400.2, referencePrice: 400 })] }))).toEqual([]);
    // On the rule, a price is judged by its band's increment alone, not by the decimals of a minTick set apart from it.
    const coarse = someInputs({ contracts: { AAPL: { ...tencent, minTick: 0.05 } } });
    expect(checkOrderBounds(aContext({ inputs: coarse, lines: [aLine({ limitPrice: 0.123, referencePrice: 0.12 })] }))).toEqual([]);
    const noisy = checkOrderBounds(aContext({ inputs, lines: [aLine({ limitPrice: 0.1 + 0.2, referencePrice: 0.3 })] }));
    expect(noisy[0]?.detail).toMatch(/limit price 0.30000000000000004 is not a multiple of the increment 0.005 at that price/);
  });
});
