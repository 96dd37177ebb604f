import type { ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import {
  CONTRACT_CACHE_MAX_AGE_MS,
  currencyOf,
  fromCache,
  isFreshFor,
  pickListing,
  toContractInfo,
} from '../../src/adapters/ib/ib-contract-info.js';
import type { CachedContract } from '../../src/ports/contract-cache.js';

const details = (primaryExch: string, conId: number, extra: Partial<ContractDetails> = {}): ContractDetails => ({
  contract: { symbol: 'AAPL', secType: 'STK' as never, exchange: 'SMART', currency: 'USD', primaryExch, conId },
  minTick: 0.01,
  timeZoneId: 'US/Eastern',
  liquidHours: '20261001:0930-20261001:1600',
  tradingHours: '20261001:0400-20261001:2000',
  ...extra,
});

describe('toContractInfo', () => {
  it('keeps conId, minTick, exchange, currency, zone and hours', () => {
    expect(toContractInfo('AAPL', details('NASDAQ', 265598))).toEqual({
      symbol: 'AAPL',
      conId: 265598,
      minTick: 0.01,
      primaryExchange: 'NASDAQ',
      currency: 'USD',
      timeZone: 'US/Eastern',
      liquidHours: '20261001:0930-20261001:1600',
      tradingHours: '20261001:0400-20261001:2000',
    });
  });

  it('refuses a contract without a usable minimum tick (limit prices are rounded to it)', () => {
    expect(toContractInfo('AAPL', details('NASDAQ', 1, { minTick: 0 }))).toEqual({ problem: expect.stringMatching(/minimum tick/) });
    expect(toContractInfo('AAPL', details('NASDAQ', 1, { minTick: undefined }))).toEqual({
      problem: expect.stringMatching(/minimum tick/),
    });
  });
});

describe('pickListing', () => {
  it('takes the only listing', () => {
    const only = details('NASDAQ', 1);
    expect(pickListing('AAPL', [only], undefined)).toBe(only);
  });

  it('takes the listing on the hinted primary exchange among several', () => {
    const arca = details('ARCA', 2);
    expect(pickListing('AAPL', [details('NYSE', 1), arca], { primaryExchange: 'ARCA' })).toBe(arca);
  });

  it('never guesses between listings, and says how to choose', () => {
    expect(pickListing('AAPL', [details('NYSE', 1), details('ARCA', 2)], undefined)).toEqual({
      problem: expect.stringMatching(/ambiguous.*NYSE.*ARCA.*primary exchange/),
    });
    expect(pickListing('AAPL', [details('NYSE', 1)], { primaryExchange: 'ARCA' })).toEqual({
      problem: expect.stringMatching(/not on ARCA/),
    });
    expect(pickListing('AAPL', [], undefined)).toEqual({ problem: expect.stringMatching(/no stock listing/) });
  });
});

describe('contract cache freshness', () => {
  const now = Date.parse('2026-11-23T15:00:00Z');
  const cached = (at: string, over: Partial<CachedContract> = {}): CachedContract => ({
    symbol: 'AAPL',
    conId: 265598,
    minTick: 0.01,
    primaryExchange: 'NASDAQ',
    currency: 'USD',
    cachedAt: at,
    ...over,
  });

  it('reuses an entry younger than a day that agrees with the hint', () => {
    expect(isFreshFor(cached('2026-11-22T15:00:01Z'), undefined, now)).toBe(true);
    expect(isFreshFor(cached('2026-11-23T14:00:00Z'), { primaryExchange: 'NASDAQ', currency: 'USD' }, now)).toBe(true);
  });

  it('asks again after a day, for another listing or currency, or for an entry from the future', () => {
    expect(isFreshFor(cached(new Date(now - CONTRACT_CACHE_MAX_AGE_MS).toISOString()), undefined, now)).toBe(false);
    expect(isFreshFor(cached('2026-11-23T14:00:00Z'), { primaryExchange: 'ARCA' }, now)).toBe(false);
    expect(isFreshFor(cached('2026-11-23T14:00:00Z'), { currency: 'CAD' }, now)).toBe(false);
    expect(isFreshFor(cached('2026-11-23T14:00:00Z', { currency: 'EUR' }), undefined, now)).toBe(false);
    expect(isFreshFor(cached('2026-11-24T15:00:00Z'), undefined, now)).toBe(false);
    expect(isFreshFor(cached('garbage'), undefined, now)).toBe(false);
  });

  it('strips the timestamp and defaults the currency to USD', () => {
    expect(fromCache(cached('2026-11-23T14:00:00Z'))).toEqual({
      symbol: 'AAPL',
      conId: 265598,
      minTick: 0.01,
      primaryExchange: 'NASDAQ',
      currency: 'USD',
    });
    expect(currencyOf(undefined)).toBe('USD');
    expect(currencyOf({ currency: 'CAD' })).toBe('CAD');
  });
});
