import type { ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { marketRuleIdOf } from '../../src/adapters/ib/ib-contract-info.js';
import { toIncrements } from '../../src/adapters/ib/ib-market-rules.js';

/**
 * Which of IB's market rules applies to a listing's orders, and whether IB's bands can be used: marketRuleIds are
 * aligned with validExchanges, and the rule of the exchange the order goes to (SMART, else the primary exchange) is
 * the one IB checks a limit against. Lists that do not line up, or bands that are not usable, are never guessed at.
 */

const details = (validExchanges: string | undefined, marketRuleIds: string | undefined, primaryExch = 'SEHK'): ContractDetails => ({
  contract: { symbol: '700', primaryExch },
  ...(validExchanges === undefined ? {} : { validExchanges }),
  ...(marketRuleIds === undefined ? {} : { marketRuleIds }),
});

describe('marketRuleIdOf', () => {
  it('takes SMART’s rule for a SMART-routable listing, not the first one listed', () => {
    expect(marketRuleIdOf('7203', details('TSEJ,SMART', '791,26', 'TSEJ'))).toBe(26);
    expect(marketRuleIdOf('AAPL', details('SMART,NASDAQ,ARCA', '26,557,26', 'NASDAQ'))).toBe(26);
  });

  it('takes the primary exchange’s rule for a listing IB does not route SMART', () => {
    expect(marketRuleIdOf('700', details('SEHK', '1704'))).toBe(1704);
    expect(marketRuleIdOf('700', details('SEHKNTL,SEHK', '12,1704'))).toBe(1704);
  });

  it('no rules listed (an older gateway): none, the minTick applies as before', () => {
    expect(marketRuleIdOf('700', details('SEHK', undefined))).toBeUndefined();
    expect(marketRuleIdOf('700', details('SEHK', ''))).toBeUndefined();
  });

  it.each([
    ['lists that do not line up', details('SMART,NYSE', '26'), /1 market rules \(26\) for 2 exchanges \(SMART,NYSE\)/],
    ['no rule for the exchange the order goes to', details('SEHKNTL', '12'), /no market rule for SEHK, where its orders go/],
    ['a rule id that is not a number', details('SEHK', 'abc'), /market rule id "abc" for SEHK, not a number/],
  ])('%s: a reason to leave the contract out', (_, d, why) => {
    const got = marketRuleIdOf('700', d);
    expect(got).toEqual({ problem: expect.stringMatching(why) as unknown });
  });
});

describe('toIncrements', () => {
  it('takes IB’s decoded bands', () => {
    expect(
      toIncrements([
        { lowEdge: 0, increment: 0.0001 },
        { lowEdge: 1, increment: 0.01 },
      ]),
    ).toEqual({
      increments: [
        { lowEdge: 0, increment: 0.0001 },
        { lowEdge: 1, increment: 0.01 },
      ],
    });
  });

  it.each([
    ['empty', [], /no price bands/],
    [
      'unsorted',
      [
        { lowEdge: 0, increment: 0.01 },
        { lowEdge: 5, increment: 0.1 },
        { lowEdge: 1, increment: 0.05 },
      ],
      /band 3 starts at 1, not above 5/,
    ],
    ['not from 0', [{ lowEdge: 0.25, increment: 0.005 }], /first band starts at 0.25/],
    ['a non-positive increment', [{ lowEdge: 0, increment: 0 }], /increment 0, not a positive number/],
    ['a band without numbers', [{ lowEdge: 0 }], /price band without numbers/],
  ])('%s: unusable, with the reason', (_, raw, why) => {
    expect(toIncrements(raw)).toEqual({ problem: expect.stringMatching(why) as unknown });
  });
});
