import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDailyReport } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import type { CashBalanceRecord } from '../../src/ports/store.js';
import { aSnapshot } from '../storage/fixtures.js';
import { openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

/**
 * The daily summary's account section lists the cash by currency (text and HTML) when the account holds more than
 * its base currency, from the records of a real SQLite file; a one-currency account's summary has no such section.
 */

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

const AT = '2026-11-23T14:35:02Z';

function runWith(currency: string, cashBalances: CashBalanceRecord[]): void {
  t.store.startRun({ runId: 'm1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
  t.store.recordSnapshot('m1', aSnapshot({ currency, netLiquidation: 209_462.2, cashBalances }), []);
  t.store.finishRun('m1', { finishedAt: '2026-11-23T14:36:00.000Z', status: 'ok', exitCode: 0 });
}

function report() {
  const data = loadDailyReport(t.reports, {
    kind: 'mid',
    tradingDay: '2026-11-23',
    now: '2026-11-23T18:00:00Z',
    account: 'DU0000001',
    previousTradingDay,
  });
  return renderDailyReport(data);
}

describe('daily summary: cash by currency', () => {
  it('lists each currency, a borrowed one negative, with its rate and its value in the base currency', () => {
    runWith('SGD', [
      { currency: 'SGD', cash: 150_000, exchangeRate: 1, rateReadAt: AT },
      { currency: 'GBP', cash: -1_250.25, exchangeRate: 1.723456, rateReadAt: AT },
      { currency: 'JPY', cash: 20_000, rateReadAt: AT },
      { currency: 'USD', cash: 40_000.5, exchangeRate: 1.351234, rateReadAt: AT },
    ]);
    const { text, html } = report();
    expect(text).toContain(
      [
        "Cash by currency (the broker's rates, SGD per unit, read 09:35 ET):",
        '  150,000.00 SGD',
        '  -1,250.25 GBP at 1.723456 = -2,154.75 SGD',
        '  20,000.00 JPY, no rate',
        '  40,000.50 USD at 1.351234 = 54,050.04 SGD',
      ].join('\n'),
    );
    expect(html).toContain('Cash by currency (the broker&#39;s rates, SGD per unit, read 09:35 ET)');
    // The borrowed balance in red, as the summary colours a loss.
    expect(html).toMatch(/<span style="color:#d93025[^"]*">-1,250\.25<\/span> GBP at 1\.723456 = -2,154\.75 SGD/);
    expect(html).toContain('40,000.50</span> USD at 1.351234 = 54,050.04 SGD');
  });

  it('a one-currency account: no cash-by-currency section', () => {
    runWith('USD', [{ currency: 'USD', cash: 38_000, exchangeRate: 1, rateReadAt: AT }]);
    const { text, html } = report();
    expect(text).not.toContain('Cash by currency');
    expect(html).not.toContain('Cash by currency');
  });
});
