import { describe, expect, it } from 'vitest';
import { cashContract, conventionalPair, pairName, rateFromSides } from '../../src/adapters/ib/ib-fx-rates.js';

describe('IDEALPRO pairs: the orientation asked first', () => {
  it.each([
    ['USD', 'SGD', 'USD.SGD'],
    ['SGD', 'USD', 'USD.SGD'],
    ['GBP', 'SGD', 'GBP.SGD'],
    ['USD', 'EUR', 'EUR.USD'],
    ['CHF', 'CAD', 'CAD.CHF'],
    ['NZD', 'AUD', 'AUD.NZD'],
    ['JPY', 'SGD', 'SGD.JPY'],
    ['CNH', 'USD', 'USD.CNH'],
    // A guess IB's listing contradicts (SGD.HKD): the retry on error 200 finds it.
    ['SGD', 'HKD', 'HKD.SGD'],
  ])('%s and %s: %s', (a, b, name) => {
    expect(pairName(conventionalPair(a, b))).toBe(name);
  });

  it('builds the CASH contract field by field (never @stoqey/ib Forex, which names USD/SGD SGD.USD)', () => {
    expect(cashContract({ symbol: 'USD', currency: 'SGD' })).toEqual({
      secType: 'CASH',
      exchange: 'IDEALPRO',
      symbol: 'USD',
      currency: 'SGD',
    });
  });
});

describe('a rate from a snapshot', () => {
  const usdSgd = { symbol: 'USD', currency: 'SGD' };
  it('pair C.B: the midpoint; pair B.C: one over it, to 10 significant digits', () => {
    expect(rateFromSides(usdSgd, 'USD', { bid: 1.3513, ask: 1.35145 })).toEqual({ rate: 1.351375 });
    expect(rateFromSides(usdSgd, 'SGD', { bid: 1.3513, ask: 1.35145 })).toEqual({ rate: 0.7399870502 });
  });

  it.each([
    [{ ask: 1.35 }, 'not two-sided (bid none, ask 1.35)'],
    [{ bid: -1, ask: -1 }, 'not two-sided (bid -1, ask -1)'],
    [{ bid: 0, ask: 1.35 }, 'not two-sided (bid 0, ask 1.35)'],
    [{ bid: 1.36, ask: 1.35 }, 'crossed (bid 1.36 above ask 1.35)'],
  ])('no rate from %j', (sides, why) => {
    const judged = rateFromSides(usdSgd, 'USD', sides);
    expect('why' in judged && judged.why).toContain(why);
  });
});
