import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { limitPrice, tickFor } from '../../src/core/limit-price.js';
import type { ContractInfo, Side } from '../../src/core/types.js';

const contract = (minTick: number): ContractInfo => ({ symbol: 'T', minTick, primaryExchange: 'NYSE', currency: 'USD' });

describe('tickFor', () => {
  const cases: { name: string; contract: ContractInfo | undefined; price: number; expected: number }[] = [
    { name: "uses the contract's minTick when it is positive", contract: contract(0.005), price: 50, expected: 0.005 },
    { name: "uses the contract's minTick even for a sub-dollar price", contract: contract(0.001), price: 0.5, expected: 0.001 },
    { name: 'falls back to 0.0001 below one dollar when there is no contract', contract: undefined, price: 0.99, expected: 0.0001 },
    { name: 'falls back to 0.01 at exactly one dollar', contract: undefined, price: 1, expected: 0.01 },
    { name: 'falls back to 0.01 above one dollar', contract: undefined, price: 231.8, expected: 0.01 },
    { name: 'ignores a zero minTick', contract: contract(0), price: 0.5, expected: 0.0001 },
    { name: 'ignores a negative minTick (IB -1)', contract: contract(-1), price: 5, expected: 0.01 },
    { name: 'ignores a NaN minTick', contract: contract(Number.NaN), price: 5, expected: 0.01 },
  ];
  it.each(cases)('$name', ({ contract: c, price, expected }) => {
    expect(tickFor(c, price)).toBe(expected);
  });
});

describe('limitPrice', () => {
  const cases: { name: string; side: Side; reference: number; bps: number; tick: number; expected: number | undefined }[] = [
    // Prices already on a tick, 0 bps: each naive float division is just below the integer
    // (0.29/0.01 = 28.999999999999996, 4.35/0.01 = 434.99999999999994, 100.07/0.01 = 10006.999999999998),
    // so a float floor would lose a tick. Decimal keeps them.
    { name: 'keeps a BUY at 0.29 on its tick', side: 'BUY', reference: 0.29, bps: 0, tick: 0.01, expected: 0.29 },
    { name: 'keeps a SELL at 0.29 on its tick', side: 'SELL', reference: 0.29, bps: 0, tick: 0.01, expected: 0.29 },
    { name: 'keeps a BUY at 1.10 on its tick', side: 'BUY', reference: 1.1, bps: 0, tick: 0.01, expected: 1.1 },
    { name: 'keeps a SELL at 1.10 on its tick', side: 'SELL', reference: 1.1, bps: 0, tick: 0.01, expected: 1.1 },
    { name: 'keeps a BUY at 4.35 on its tick', side: 'BUY', reference: 4.35, bps: 0, tick: 0.01, expected: 4.35 },
    { name: 'keeps a SELL at 4.35 on its tick', side: 'SELL', reference: 4.35, bps: 0, tick: 0.01, expected: 4.35 },
    { name: 'keeps a BUY at 100.07 on its tick', side: 'BUY', reference: 100.07, bps: 0, tick: 0.01, expected: 100.07 },
    { name: 'keeps a SELL at 100.07 on its tick', side: 'SELL', reference: 100.07, bps: 0, tick: 0.01, expected: 100.07 },
    // Offsets that land exactly on a tick.
    // 2.00 x (1 + 50/10000) = 2 x 1.005 = 2.01 (doubles: 2 * 1.005 = 2.0099999999999998)
    { name: 'lands a BUY of 2.00 plus 50 bps exactly on 2.01', side: 'BUY', reference: 2, bps: 50, tick: 0.01, expected: 2.01 },
    // 100 x 1.001 = 100.1 (doubles: 100.09999999999999)
    { name: 'lands a BUY of 100 plus 10 bps exactly on 100.10', side: 'BUY', reference: 100, bps: 10, tick: 0.01, expected: 100.1 },
    // 100 x 0.999 = 99.9
    { name: 'lands a SELL of 100 minus 10 bps exactly on 99.90', side: 'SELL', reference: 100, bps: 10, tick: 0.01, expected: 99.9 },
    // 1.10 x 1.1 = 1.21 (1000 bps; doubles: 1.1 * 1.1 = 1.2100000000000002)
    { name: 'lands a BUY of 1.10 plus 1000 bps exactly on 1.21', side: 'BUY', reference: 1.1, bps: 1000, tick: 0.01, expected: 1.21 },
    // 0.29 x 0.99 = 0.2871, on a 0.0001 tick
    {
      name: 'lands a SELL of 0.29 minus 100 bps exactly on 0.2871',
      side: 'SELL',
      reference: 0.29,
      bps: 100,
      tick: 0.0001,
      expected: 0.2871,
    },
    // Offsets between ticks: BUY rounds down, SELL rounds up (both stay inside the allowed offset).
    // 231.80 x 1.0005 = 231.9159 -> down to 231.91
    { name: 'rounds a BUY down to the tick', side: 'BUY', reference: 231.8, bps: 5, tick: 0.01, expected: 231.91 },
    // 231.80 x 0.9995 = 231.6841 -> up to 231.69
    { name: 'rounds a SELL up to the tick', side: 'SELL', reference: 231.8, bps: 5, tick: 0.01, expected: 231.69 },
    // 10 x 1.0005 = 10.005 -> 10.00; 10 x 0.9995 = 9.995 -> 10.00
    { name: 'rounds a BUY half a tick up back down to the reference', side: 'BUY', reference: 10, bps: 5, tick: 0.01, expected: 10 },
    { name: 'rounds a SELL half a tick down back up to the reference', side: 'SELL', reference: 10, bps: 5, tick: 0.01, expected: 10 },
    // Sub-dollar, tick 0.0001: midpoint 0.29015 -> BUY 0.2901, SELL 0.2902
    { name: 'rounds a sub-dollar BUY midpoint down to 0.0001', side: 'BUY', reference: 0.29015, bps: 0, tick: 0.0001, expected: 0.2901 },
    { name: 'rounds a sub-dollar SELL midpoint up to 0.0001', side: 'SELL', reference: 0.29015, bps: 0, tick: 0.0001, expected: 0.2902 },
    // 0.5 x 1.002 = 0.501 on tick 0.0001 stays 0.501
    {
      name: 'keeps a sub-dollar BUY with an offset on its 0.0001 tick',
      side: 'BUY',
      reference: 0.5,
      bps: 20,
      tick: 0.0001,
      expected: 0.501,
    },
    // Coarser ticks: 1.23 -> BUY 1.20, SELL 1.25 on a 0.05 tick
    { name: 'rounds a BUY down to a 0.05 tick', side: 'BUY', reference: 1.23, bps: 0, tick: 0.05, expected: 1.2 },
    { name: 'rounds a SELL up to a 0.05 tick', side: 'SELL', reference: 1.23, bps: 0, tick: 0.05, expected: 1.25 },
    // No price possible.
    // 0.00005 rounded down to 0.0001 is 0
    { name: 'is undefined when a BUY rounds down to zero', side: 'BUY', reference: 0.00005, bps: 0, tick: 0.0001, expected: undefined },
    // 10 x (1 - 10000/10000) = 0
    {
      name: 'is undefined when a SELL offset takes the price to zero',
      side: 'SELL',
      reference: 10,
      bps: 10_000,
      tick: 0.01,
      expected: undefined,
    },
    {
      name: 'is undefined when a SELL offset takes the price below zero',
      side: 'SELL',
      reference: 10,
      bps: 20_000,
      tick: 0.01,
      expected: undefined,
    },
    { name: 'is undefined for a zero reference', side: 'BUY', reference: 0, bps: 10, tick: 0.01, expected: undefined },
    { name: 'is undefined for a negative reference (IB -1)', side: 'SELL', reference: -1, bps: 10, tick: 0.01, expected: undefined },
    { name: 'is undefined for a NaN reference', side: 'BUY', reference: Number.NaN, bps: 10, tick: 0.01, expected: undefined },
    { name: 'is undefined for a zero tick', side: 'BUY', reference: 10, bps: 10, tick: 0, expected: undefined },
    { name: 'is undefined for a NaN offset', side: 'BUY', reference: 10, bps: Number.NaN, tick: 0.01, expected: undefined },
  ];
  it.each(cases)('$name', ({ side, reference, bps, tick, expected }) => {
    expect(limitPrice(side, reference, bps, tick)).toBe(expected);
  });

  it('always returns a multiple of the tick within one tick of the allowed price, on the safe side', () => {
    const ticks = ['0.01', '0.0001', '0.005', '0.05'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.constantFrom(...ticks),
        fc.integer({ min: 0, max: 500 }),
        fc.constantFrom<Side>('BUY', 'SELL'),
        (tenThousandths, tick, bps, side) => {
          const reference = new Decimal(tenThousandths).div(10_000); // 0.0001 .. 1000.0000
          const price = limitPrice(side, reference.toNumber(), bps, Number(tick));
          const allowed = reference.times(new Decimal(1).plus(new Decimal(side === 'BUY' ? bps : -bps).div(10_000)));
          if (price === undefined) {
            expect(side === 'BUY' && allowed.lt(tick)).toBe(true);
            return;
          }
          const p = new Decimal(price);
          expect(p.mod(tick).isZero()).toBe(true);
          if (side === 'BUY') {
            expect(p.lte(allowed) && p.gt(allowed.minus(tick))).toBe(true);
          } else {
            expect(p.gte(allowed) && p.lt(allowed.plus(tick))).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
