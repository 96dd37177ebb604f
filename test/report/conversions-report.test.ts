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
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot } from '../storage/fixtures.js';
import { openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

const DAY = '2026-11-23';
const NOW = '2026-11-23T21:05:00Z';

/**
 * Friday's close: NLV 250,000.00 SGD, 100 SPY valued at 1.34. Monday, run m1 (09:35 ET):
 * - BUY 20,000 USD.SGD (limit 1.3502, reference 1.35) filled at 1.3501: 27,002.00 SGD, commission 2.70 SGD;
 * - BUY 10 SPY (limit 600.50 USD, reference 600.12, rate 1.35) filled at 600.30: 8,104.05 SGD, commission 1.00 USD
 *   (1.35 SGD), slippage 0.18 x 10 x 1.35 = 2.43 SGD;
 * - SELL 10,000 SGD.HKD (limit 5.80 HKD per SGD, HKD at 0.1724 SGD) rejected.
 * The broker then holds 110 SPY and no position in USD.SGD (a conversion moves cash).
 */
function mondayWithConversions(): void {
  t.store.startRun({ runId: 'f', startedAt: '2026-11-20T20:35:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  t.store.recordSnapshot('f', aSnapshot({ currency: 'SGD', netLiquidation: 250_000, grossPositionValue: 79_730 }), [
    aPosition({ symbol: 'SPY', quantity: 100, avgCost: 590, marketPrice: 595, marketValue: 79_730, fxRate: 1.34 }),
  ]);
  t.store.finishRun('f', { finishedAt: '2026-11-20T20:36:00.000Z', status: 'ok', exitCode: 0 });

  t.store.startRun({ runId: 'm1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: DAY, dryRun: false });
  const fx = 'rebal:m1:USD.SGD';
  const hkd = 'rebal:m1:SGD.HKD';
  const spy = 'rebal:m1:SPY';
  t.store.recordOrderIntents(
    'm1',
    [
      {
        ...anOrder({
          orderRef: fx,
          secType: 'CASH',
          symbol: 'USD.SGD',
          quantity: 20_000,
          limitPrice: 1.3502,
          primaryExchange: 'IDEALPRO',
          currency: 'SGD',
        }),
        referencePrice: 1.35,
      },
      {
        ...anOrder({
          orderRef: hkd,
          secType: 'CASH',
          symbol: 'SGD.HKD',
          action: 'SELL',
          quantity: 10_000,
          limitPrice: 5.8,
          primaryExchange: 'IDEALPRO',
          currency: 'HKD',
        }),
        referencePrice: 5.8,
        fx: { rate: 0.1724, at: '2026-11-23T14:35:01.000Z', source: 'IDEALPRO SGD.HKD midpoint' },
      },
      {
        ...anOrder({ orderRef: spy, symbol: 'SPY', quantity: 10, limitPrice: 600.5, primaryExchange: 'ARCA', currency: 'USD' }),
        referencePrice: 600.12,
        fx: { rate: 1.35, at: '2026-11-23T14:35:01.000Z', source: 'ledger' },
      },
    ],
    '2026-11-23T14:35:05.000Z',
  );
  t.store.markTurnsTaken([fx, hkd, spy]);
  t.store.markOrderSent(
    fx,
    aBrokerOrder({ orderRef: fx, secType: 'CASH', symbol: 'USD.SGD', brokerOrderId: 11, quantity: 20_000, limitPrice: 1.3502 }),
  );
  t.store.markOrderSent(
    hkd,
    aBrokerOrder({
      orderRef: hkd,
      secType: 'CASH',
      symbol: 'SGD.HKD',
      action: 'SELL',
      brokerOrderId: 12,
      quantity: 10_000,
      status: 'Rejected',
      message: 'IDEALPRO closed',
    }),
  );
  t.store.markOrderSent(spy, aBrokerOrder({ orderRef: spy, symbol: 'SPY', brokerOrderId: 13, quantity: 10, limitPrice: 600.5 }));
  t.store.recordFills('m1', [
    anExecution({
      execId: 'fx.01',
      secType: 'CASH',
      orderRef: fx,
      symbol: 'USD.SGD',
      brokerOrderId: 11,
      quantity: 20_000,
      price: 1.3501,
      commission: 2.7,
      time: '2026-11-23T14:35:10.000Z',
    }),
    anExecution({
      execId: 'spy.01',
      orderRef: spy,
      symbol: 'SPY',
      brokerOrderId: 13,
      quantity: 10,
      price: 600.3,
      commission: 1,
      time: '2026-11-23T14:36:00.000Z',
    }),
  ]);
  t.store.recordSnapshot('m1', aSnapshot({ currency: 'SGD', netLiquidation: 250_500, grossPositionValue: 89_248.5 }), [
    aPosition({ symbol: 'SPY', quantity: 110, avgCost: 590.95, marketPrice: 601, marketValue: 89_248.5, fxRate: 1.35 }),
  ]);
  t.store.finishRun('m1', { finishedAt: '2026-11-23T14:37:00.000Z', status: 'ok', exitCode: 0 });
}

const load = (): DailyReportData =>
  loadDailyReport(t.reports, { kind: 'end', tradingDay: DAY, now: NOW, account: 'DU0000001', previousTradingDay });

describe('currency conversions in the daily summary', () => {
  it('are apart from the orders, fills and totals: the notional, fills and daily row count the stock only', () => {
    mondayWithConversions();
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
    mondayWithConversions();
    const d = load();
    expect(d.positions.map((p) => p.symbol)).toEqual(['SPY']);
    expect(d.pnl.perPosition.map((p) => p.symbol)).toEqual(['SPY']);
    // Day +500.00; unrealized 110 x 601 x 1.35 - 110 x 590.95 x 1.35 = 1,492.43 against 670.00 at Friday's close.
    expect(d.pnl.realizedToday).toEqual({ value: -322.43 });
  });

  it('the email lists them in their own section, in text and HTML alike, and not among the orders', () => {
    mondayWithConversions();
    const { text, html } = renderDailyReport(load());
    for (const part of [text, html]) {
      expect(part).toContain('BUY 20,000 USD.SGD @ 1.3501');
      expect(part).toContain('27,002.00 SGD');
      expect(part).toContain('2.70 SGD');
      expect(part).toContain('SELL 10,000 SGD.HKD @ 5.80 limit');
      expect(part).toContain('rejected');
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
    mondayWithConversions();
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
