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
  it('pair C.B: the midpoint; pair B.C: one over it, to 10 significant digits; with the bid and ask it came from', () => {
    expect(rateFromSides(usdSgd, 'USD', { bid: 1.3513, ask: 1.35145 })).toEqual({ rate: 1.351375, bid: 1.3513, ask: 1.35145 });
    expect(rateFromSides(usdSgd, 'SGD', { bid: 1.3513, ask: 1.35145 })).toEqual({ rate: 0.7399870502, bid: 1.3513, ask: 1.35145 });
    // A spread of just under 1% of the midpoint still gives one.
    expect(rateFromSides(usdSgd, 'USD', { bid: 1.344, ask: 1.3575 })).toMatchObject({ rate: 1.35075 });
  });

  it.each([
    [{ ask: 1.35 }, 'not two-sided (bid none, ask 1.35)'],
    [{ bid: -1, ask: -1 }, 'not two-sided (bid -1, ask -1)'],
    [{ bid: 0, ask: 1.35 }, 'not two-sided (bid 0, ask 1.35)'],
    [{ bid: 1.36, ask: 1.35 }, 'crossed (bid 1.36 above ask 1.35)'],
    // A bad tick on one side: the midpoint would be a rate off by a third.
    [{ bid: 0.0135, ask: 1.35 }, 'too wide to trust (bid 0.0135, ask 1.35: 196.04% of its midpoint, over 1%)'],
    [{ bid: 1.3365, ask: 1.3501 }, 'too wide to trust (bid 1.3365, ask 1.3501: 1.01% of its midpoint, over 1%)'],
  ])('no rate from %j', (sides, why) => {
    const judged = rateFromSides(usdSgd, 'USD', sides);
    expect('why' in judged && judged.why).toContain(why);
  });
});
