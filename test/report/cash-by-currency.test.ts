import { describe, expect, it } from 'vitest';
import { cashByCurrency, cashCells, rateTimeText, showsCashByCurrency } from '../../src/report/cash-by-currency.js';

/** Cash by currency as status and the daily summaries show it. */

const AT = '2026-11-23T15:35:00Z';

describe('cash by currency', () => {
  it('values each balance at its rate to the cent; a currency without a rate says so and has no value', () => {
    const lines = cashByCurrency(
      [
        { currency: 'SGD', cash: 150_000, exchangeRate: 1, rateReadAt: AT },
        { currency: 'GBP', cash: -1_250.25, exchangeRate: 1.723456, rateReadAt: AT },
        { currency: 'JPY', cash: 1_000_000, rateReadAt: AT },
      ],
      '2026-11-23T18:05:59Z',
    );
    expect(lines.map(cashCells)).toEqual([
      ['SGD', '150,000.00', '1', '150,000.00'],
      ['GBP', '-1,250.25', '1.723456', '-2,154.75'],
      ['JPY', '1,000,000.00', 'no rate', '-'],
    ]);
    expect(rateTimeText(lines[1] ?? lines[0]!)).toBe(`read ${AT} (2 h 30 min ago)`);
  });

  it('is shown only when the account holds a currency other than its base', () => {
    expect(showsCashByCurrency([{ currency: 'USD', cash: 5, exchangeRate: 1, rateReadAt: AT }], 'USD')).toBe(false);
    expect(showsCashByCurrency([], 'USD')).toBe(false);
    expect(showsCashByCurrency([{ currency: 'USD', cash: 5, exchangeRate: 1.35, rateReadAt: AT }], 'SGD')).toBe(true);
  });
});
