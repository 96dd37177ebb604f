import { describe, expect, it } from 'vitest';
import { checkCurrency } from '../../src/core/breakers.js';
import { checkDailyLoss } from '../../src/core/breakers.js';
import { aContext, aLine, anAccount, withInputs } from './builders.js';

describe('the currency check', () => {
  it('passes lines in the account currency, and lines whose currency is unknown', () => {
    const ctx = aContext({ lines: [aLine({ symbol: 'SPY', currency: 'USD' }), aLine({ symbol: 'TLT', currency: undefined })] });
    expect(checkCurrency(ctx)).toEqual([]);
  });

  it('blocks a USD ETF on a EUR account: sizing would be off by the exchange rate', () => {
    const ctx = withInputs({ account: anAccount({ currency: 'EUR' }) }, { lines: [aLine({ symbol: 'SPY', currency: 'USD' })] });
    const [b] = checkCurrency(ctx);
    expect(b?.code).toBe('CURRENCY_MISMATCH');
    expect(b?.symbol).toBe('SPY');
    expect(b?.detail).toContain("SPY trades in USD but the account's currency is EUR");
  });
});

describe('the daily loss check with a start of day that is not a positive number', () => {
  it.each([0, -5, Number.NaN])('trips with a start of day of %s instead of passing unchecked', (start) => {
    const ctx = withInputs({ startOfDayNetLiquidation: start }, {});
    expect(checkDailyLoss(ctx).map((b) => b.code)).toEqual(['DAILY_LOSS_LIMIT']);
  });
});
