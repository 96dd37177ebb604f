import { describe, expect, it } from 'vitest';
import { halfSpread, referencePrice } from '../../src/core/reference-price.js';
import type { Quote } from '../../src/core/types.js';

const q = (fields: Omit<Quote, 'symbol'>): Quote => ({ symbol: 'T', ...fields });

describe('referencePrice', () => {
  const cases: { name: string; quote: Quote | undefined; expected: number | undefined }[] = [
    // (189.98 + 190.02) / 2 = 190
    { name: 'is the midpoint when bid and ask are both valid', quote: q({ bid: 189.98, ask: 190.02, last: 191 }), expected: 190 },
    // (0.1 + 0.2) / 2 = 0.15 exactly in decimal (0.1 + 0.2 in doubles is 0.30000000000000004)
    { name: 'computes the midpoint in decimal, without float drift', quote: q({ bid: 0.1, ask: 0.2 }), expected: 0.15 },
    // (0.2901 + 0.2902) / 2 = 0.29015: finer than the tick, the limit price rounds it later
    { name: 'keeps a sub-tick midpoint exactly', quote: q({ bid: 0.2901, ask: 0.2902 }), expected: 0.29015 },
    { name: 'accepts a locked market (ask equal to bid)', quote: q({ bid: 50, ask: 50, last: 49 }), expected: 50 },
    {
      name: 'falls back to last when the quote is crossed (ask below bid)',
      quote: q({ bid: 10.5, ask: 10.4, last: 10.45 }),
      expected: 10.45,
    },
    { name: 'falls back to last when IB sends -1 for the bid', quote: q({ bid: -1, ask: 20.1, last: 20 }), expected: 20 },
    { name: 'is undefined when the ask is missing and there is no last', quote: q({ bid: 20 }), expected: undefined },
    { name: 'falls back to last when the ask is NaN', quote: q({ bid: 20, ask: Number.NaN, last: 20.05 }), expected: 20.05 },
    { name: 'falls back to last when the bid is zero', quote: q({ bid: 0, ask: 1, last: 0.5 }), expected: 0.5 },
    { name: 'is undefined when every field is -1', quote: q({ bid: -1, ask: -1, last: -1, close: 12 }), expected: undefined },
    {
      name: 'is undefined when last is Infinity and there is no two-sided market',
      quote: q({ last: Number.POSITIVE_INFINITY }),
      expected: undefined,
    },
    { name: 'never uses the previous close as a price', quote: q({ close: 100 }), expected: undefined },
    { name: 'is undefined when there is no quote at all', quote: undefined, expected: undefined },
  ];
  it.each(cases)('$name', ({ quote, expected }) => {
    expect(referencePrice(quote)).toBe(expected);
  });
});

describe('halfSpread', () => {
  const cases: { name: string; quote: Quote | undefined; expected: number }[] = [
    // (190.02 - 189.98) / 2 = 0.02 (in doubles 190.02 - 189.98 is 0.04000000000000625)
    { name: 'is half of ask minus bid, in decimal', quote: q({ bid: 189.98, ask: 190.02 }), expected: 0.02 },
    // (0.2902 - 0.2901) / 2 = 0.00005
    { name: 'works for sub-dollar quotes', quote: q({ bid: 0.2901, ask: 0.2902 }), expected: 0.00005 },
    { name: 'is zero for a locked market', quote: q({ bid: 5, ask: 5 }), expected: 0 },
    { name: 'is zero when the quote is crossed', quote: q({ bid: 5.1, ask: 5, last: 5 }), expected: 0 },
    { name: 'is zero when only last is known', quote: q({ last: 5 }), expected: 0 },
    { name: 'is zero when there is no quote', quote: undefined, expected: 0 },
  ];
  it.each(cases)('$name', ({ quote, expected }) => {
    expect(halfSpread(quote)).toBe(expected);
  });
});
