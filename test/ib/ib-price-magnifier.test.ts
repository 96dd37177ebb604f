import type { ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { toContractInfo } from '../../src/adapters/ib/ib-contract-info.js';

/** An LSE line as IB describes it: currency GBP, quoted in pence when priceMagnifier is 100. */
const lse = (priceMagnifier: number | undefined): ContractDetails => ({
  contract: { symbol: 'SHEL', secType: 'STK' as never, exchange: 'SMART', currency: 'GBP', primaryExch: 'LSE', conId: 81134567 },
  minTick: 0.5,
  priceMagnifier,
  timeZoneId: 'GB-Eire',
});

describe('toContractInfo: priceMagnifier', () => {
  it('keeps a pence line magnifier of 100', () => {
    expect(toContractInfo('SHEL', lse(100))).toMatchObject({ symbol: 'SHEL', currency: 'GBP', priceMagnifier: 100, minTick: 0.5 });
  });

  it('leaves it out when it is 1 or absent (prices in the currency itself)', () => {
    for (const m of [1, undefined]) {
      const info = toContractInfo('SHEL', lse(m));
      expect(info).toMatchObject({ symbol: 'SHEL', currency: 'GBP' });
      expect(info).not.toHaveProperty('priceMagnifier');
    }
  });

  it('refuses a magnifier that is not a positive whole number, with the reason, never guessing', () => {
    // 0 is what the client decodes from an empty field; NaN from text that is not a number.
    for (const m of [0, -100, Number.NaN, 2.5, Number.POSITIVE_INFINITY]) {
      const info = toContractInfo('SHEL', lse(m));
      expect(info).toEqual({ problem: expect.stringMatching(/^IB gave SHEL a price magnifier of .+, not a positive whole number/) });
    }
  });
});
