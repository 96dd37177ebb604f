/**
 * Currency conversions (FX_POLICY=convert) in the daily summary: an SGD account converts 20,000 USD and buys 10 SPY
 * with them on Monday, and one more conversion (SGD.HKD) is rejected. The conversion is cash moved between currencies,
 * not a trade of a ticker: it is in a section of its own (text and HTML alike), not among the orders and fills nor in
 * the notional, share counts, slippage or the daily row, and it makes no position; the CSV files keep every order and
 * fill, each marked with its sec_type. Real SQLite file.
 */
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyRowOf, loadDailyReport, type DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { reportCsvFiles } from '../../src/report/report-csv.js';
import { mondayWithConversions } from './conversions-day.js';
import { openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

const DAY = '2026-11-23';
const NOW = '2026-11-23T21:05:00Z';

const load = (): DailyReportData =>
  loadDailyReport(t.reports, { kind: 'end', tradingDay: DAY, now: NOW, account: 'DU0000001', previousTradingDay });

describe('currency conversions in the daily summary', () => {
  it('are apart from the orders, fills and totals: the notional, fills and daily row count the stock only', () => {
    mondayWithConversions(t.store);
    const d = load();
    expect(d.orders.map((o) => o.symbol)).toEqual(['SPY']);
    expect(d.fills.map((f) => f.symbol)).toEqual(['SPY']);
    expect(d.totals.fills).toBe(1);
    expect(d.totals.notional).toBeCloseTo(8_104.05, 9);
    expect(d.totals.commissions).toBeCloseTo(1.35, 9);
    expect(d.totals.slippageCost).toBeCloseTo(2.43, 9);
    expect(d.conversions?.orders.map((o) => [o.symbol, o.action, o.status, o.secType])).toEqual([
      ['USD.SGD', 'BUY', 'Filled', 'CASH'],
      ['SGD.HKD', 'SELL', 'Rejected', 'CASH'],
    ]);
    expect(d.conversions?.fills.map((f) => [f.symbol, f.quantity, f.price, f.commission, f.currency, f.slippage])).toEqual([
      ['USD.SGD', 20_000, 1.3501, 2.7, 'SGD', undefined],
    ]);
    const row = dailyRowOf(d);
    expect(row?.turnover).toBeCloseTo(8_104.05, 9);
    expect(row?.commissions).toBeCloseTo(1.35, 9);
    expect(row?.fills).toBe(1);
  });

  it('make no position and no realized P&L of the pair', () => {
    mondayWithConversions(t.store);
    const d = load();
    expect(d.positions.map((p) => p.symbol)).toEqual(['SPY']);
    expect(d.pnl.perPosition.map((p) => p.symbol)).toEqual(['SPY']);
    // Day +500.00; unrealized 110 x 601 x 1.35 - 110 x 590.95 x 1.35 = 1,492.43 against 670.00 at Friday's close.
    expect(d.pnl.realizedToday).toEqual({ value: -322.43 });
  });

  it('the email lists them in their own section, in text and HTML alike, and not among the orders', () => {
    mondayWithConversions(t.store);
    const { text, html } = renderDailyReport(load());
    for (const part of [text, html]) {
      expect(part).toContain('BUY 20,000 USD.SGD @ 1.3501');
      expect(part).toContain('27,002.00 SGD');
      expect(part).toContain('2.70 SGD');
      expect(part).toContain('SELL 10,000 SGD.HKD @ 5.80 limit');
      expect(part).toContain('rejected (IDEALPRO closed)');
      expect(part).toContain('Notional 8,104.05 · commissions 1.35 · slippage +2.43');
    }
    expect(html).toContain('Currency conversions today (2)');
    expect(text).toContain('CURRENCY CONVERSIONS TODAY (2)');
    expect(text).toContain('09:35 BUY 20,000 USD.SGD @ 1.3501: 27,002.00 SGD, commission 2.70 SGD');
    // The orders' section: SPY only.
    const orders = text.slice(text.indexOf('ORDERS TODAY'), text.indexOf('CURRENCY CONVERSIONS'));
    expect(orders).toContain('BUY 10 SPY');
    expect(orders).not.toContain('USD.SGD');
    expect(orders).not.toContain('SGD.HKD');
    expect(text).toMatch(/Turnover\s+8,104\.05/);
    expect(text).toMatch(/1 order, SGD\s8\.1K traded, all filled, .*, 2 currency conversions, day /);
  });

  it('the CSV files keep every order and fill, each with its sec_type', () => {
    mondayWithConversions(t.store);
    const files = Object.fromEntries(reportCsvFiles(load()).map((f) => [f.filename, f.content.toString('utf8')]));
    const fills = parse(files['fills.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(fills.map((f) => [f.symbol, f.sec_type, f.quantity, f.price, f.currency, f.value, f.commission])).toEqual([
      ['USD.SGD', 'CASH', '20000', '1.3501', 'SGD', '27002', '2.7'],
      ['SPY', '', '10', '600.3', 'USD', expect.stringMatching(/^8104\.0/), '1'],
    ]);
    const orders = parse(files['orders.csv'] ?? '', { columns: true }) as Record<string, string>[];
    // By creation time; recorded in one batch, the stock order comes first.
    expect(orders.map((o) => [o.symbol, o.sec_type, o.status])).toEqual([
      ['SPY', '', 'Filled'],
      ['USD.SGD', 'CASH', 'Filled'],
      ['SGD.HKD', 'CASH', 'Rejected'],
    ]);
  });
});
