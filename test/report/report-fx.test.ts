/**
 * An account in SGD trading a US listing (USD at 1.35), a London line quoted in pence (GBP at 1.72, IB's price
 * magnifier 100) and a local one: the daily summary, its CSV files and `status`'s P&L value every fill, commission,
 * slippage and cost basis in SGD, each at its order's (or position's) rate, never summing dollars, pence and Singapore
 * dollars. Real SQLite file; the expected figures are computed by hand in the comments (and in decimal below).
 */
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyRowOf, loadDailyReport, loadPnl, type DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { reportCsvFiles } from '../../src/report/report-csv.js';
import type { ExchangeRate } from '../../src/core/types.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot } from '../storage/fixtures.js';
import { openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

const USD: ExchangeRate = { rate: 1.35, at: '2026-11-23T14:35:01.000Z', source: 'ledger' };
const GBP: ExchangeRate = { rate: 1.72, at: '2026-11-23T14:35:01.000Z', source: 'IDEALPRO GBP.SGD midpoint' };

/** One order of run m1, sent and filled by one execution. */
function filledOrder(
  symbol: string,
  o: { quantity: number; limit: number; reference: number; price: number; commission: number; currency: string },
  fx: { rate?: ExchangeRate; magnifier?: number },
  n: number,
): void {
  const orderRef = `rb:m1:${symbol}`;
  t.store.recordOrderIntent(
    'm1',
    {
      ...anOrder({ orderRef, symbol, quantity: o.quantity, limitPrice: o.limit, currency: o.currency }),
      referencePrice: o.reference,
      ...(fx.rate === undefined ? {} : { fx: fx.rate }),
      ...(fx.magnifier === undefined ? {} : { priceMagnifier: fx.magnifier }),
    },
    `2026-11-23T14:35:0${n}.000Z`,
  );
  t.store.markOrderSent(
    orderRef,
    aBrokerOrder({
      orderRef,
      symbol,
      brokerOrderId: 10 + n,
      permId: 900 + n,
      quantity: o.quantity,
      limitPrice: o.limit,
      status: 'Filled',
      filledQuantity: o.quantity,
      avgFillPrice: o.price,
    }),
  );
  t.store.recordFills('m1', [
    anExecution({
      execId: `e${n}`,
      orderRef,
      symbol,
      brokerOrderId: 10 + n,
      permId: 900 + n,
      quantity: o.quantity,
      price: o.price,
      commission: o.commission,
      time: `2026-11-23T14:36:0${n}.000Z`,
    }),
  ]);
}

/**
 * Friday's close: NLV 250,000.00 SGD, 100 SPY (average cost 590.00 USD) at 595.00 USD, valued at 1.34:
 * 100 x 595 x 1.34 = 79,730.00 SGD, cost basis 100 x 590 x 1.34 = 79,060.00, unrealized +670.00.
 *
 * Monday (run m1, NLV 250,500.00 SGD): BUY 10 SPY filled at 600.30 USD (reference 600.12, commission 1.00 USD, order
 * rate 1.35); BUY 100 VOD filled at 3514 pence (reference 3512, commission 3.00 GBP, rate 1.72, magnifier 100); BUY
 * 20 D05 (SGX, in SGD) filled at 40.00 (reference 39.98, commission 2.00 SGD). Positions then:
 * - SPY 110, average cost 590.95 USD, at 601.00 USD, rate 1.35: value 110 x 601 x 1.35 = 89,248.50; cost basis
 *   110 x 590.95 x 1.35 = 87,756.075; unrealized 1,492.425.
 * - VOD 100, average cost 35.17 GBP (IB's, in pounds), at 3520 pence, rate 1.72: value 100 x 3520 / 100 x 1.72 =
 *   6,054.40; cost basis 100 x 35.17 x 1.72 = 6,049.24; unrealized +5.16.
 * - D05 20, average cost 40.10 SGD, at 40.05: value 801.00; cost basis 802.00; unrealized -1.00.
 */
function sgdAccount(): void {
  t.store.startRun({ runId: 'f', startedAt: '2026-11-20T20:35:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  t.store.recordSnapshot('f', aSnapshot({ currency: 'SGD', netLiquidation: 250_000, grossPositionValue: 79_730 }), [
    aPosition({ symbol: 'SPY', quantity: 100, avgCost: 590, marketPrice: 595, marketValue: 79_730, fxRate: 1.34 }),
  ]);
  t.store.finishRun('f', { finishedAt: '2026-11-20T20:36:00.000Z', status: 'ok', exitCode: 0 });

  t.store.startRun({ runId: 'm1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
  filledOrder('SPY', { quantity: 10, limit: 600.5, reference: 600.12, price: 600.3, commission: 1, currency: 'USD' }, { rate: USD }, 1);
  filledOrder(
    'VOD',
    { quantity: 100, limit: 3516, reference: 3512, price: 3514, commission: 3, currency: 'GBP' },
    { rate: GBP, magnifier: 100 },
    2,
  );
  filledOrder('D05', { quantity: 20, limit: 40.02, reference: 39.98, price: 40, commission: 2, currency: 'SGD' }, {}, 3);
  t.store.recordSnapshot('m1', aSnapshot({ currency: 'SGD', netLiquidation: 250_500, grossPositionValue: 96_103.9 }), [
    aPosition({ symbol: 'SPY', quantity: 110, avgCost: 590.95, marketPrice: 601, marketValue: 89_248.5, fxRate: 1.35 }),
    aPosition({ symbol: 'VOD', quantity: 100, avgCost: 35.17, marketPrice: 3520, marketValue: 6_054.4, fxRate: 1.72 }),
    aPosition({ symbol: 'D05', quantity: 20, avgCost: 40.1, marketPrice: 40.05, marketValue: 801 }),
  ]);
  t.store.finishRun('m1', { finishedAt: '2026-11-23T14:37:00.000Z', status: 'ok', exitCode: 0 });
}

const NOW = '2026-11-23T21:05:00Z';
function load(): DailyReportData {
  const data = loadDailyReport(t.reports, { kind: 'end', tradingDay: '2026-11-23', now: NOW, account: 'DU0000001', previousTradingDay });
  // `status` shows loadPnl: the same figures.
  expect(loadPnl(t.reports, { tradingDay: '2026-11-23', now: NOW, previousTradingDay })).toEqual(data.pnl);
  return data;
}

/** Decimal to the cent, half up, as a number: the hand computation's rounding. */
const cents = (d: Decimal.Value): number => new Decimal(d).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber();
const D = (x: number): Decimal => new Decimal(x);

// The hand computation, in decimal.
const SPY_VALUE = D(10).times(600.3).times(1.35); // 8,104.05
const VOD_VALUE = D(100).times(3514).div(100).times(1.72); // 6,044.08
const D05_VALUE = D(20).times(40); // 800.00
const COMMISSIONS = D(1).times(1.35).plus(D(3).times(1.72)).plus(2); // 1.35 + 5.16 + 2.00 = 8.51
const SPY_SLIPPAGE = D(600.3).minus(600.12).times(10).times(1.35); // 2.43
const VOD_SLIPPAGE = D(3514).minus(3512).times(100).div(100).times(1.72); // 3.44
const D05_SLIPPAGE = D(40).minus(39.98).times(20); // 0.40
const COST_SPY = D(110).times(590.95).times(1.35); // 87,756.075
const COST_VOD = D(100).times(35.17).times(1.72); // 6,049.24
const COST_D05 = D(20).times(40.1); // 802.00
const UNREALIZED = D(89_248.5).minus(COST_SPY).plus(D(6_054.4).minus(COST_VOD)).plus(D(801).minus(COST_D05)); // 1,496.585

describe('daily summary of an SGD account with USD and pence fills', () => {
  it('totals: notional, commissions and slippage in SGD, each fill at its order rate and magnifier', () => {
    sgdAccount();
    const d = load();
    expect(cents(SPY_VALUE.plus(VOD_VALUE).plus(D05_VALUE))).toBe(14_948.13);
    expect(cents(d.totals.notional)).toBe(14_948.13);
    expect(cents(d.totals.commissions)).toBe(cents(COMMISSIONS));
    expect(cents(d.totals.commissions)).toBe(8.51);
    expect(cents(d.totals.slippageCost)).toBe(cents(SPY_SLIPPAGE.plus(VOD_SLIPPAGE).plus(D05_SLIPPAGE)));
    expect(cents(d.totals.slippageCost)).toBe(6.27);
    expect(d.fills.map((f) => [f.symbol, cents(f.slippage?.cost ?? NaN), f.currency, f.fxRate, f.priceMagnifier])).toEqual([
      ['SPY', 2.43, 'USD', 1.35, undefined],
      ['VOD', 3.44, 'GBP', 1.72, 100],
      ['D05', 0.4, undefined, undefined, undefined],
    ]);
    // The daily row records the same: turnover and commissions in SGD.
    const row = dailyRowOf(d);
    expect(cents(row?.turnover ?? NaN)).toBe(14_948.13);
    expect(cents(row?.commissions ?? NaN)).toBe(8.51);
  });

  it('P&L: cost basis of a position in another currency at its rate, unrealized and realized in SGD', () => {
    sgdAccount();
    const d = load();
    expect(d.positions.map((p) => [p.symbol, p.costBasis, p.unrealized]).sort()).toEqual([
      ['D05', cents(COST_D05), -1],
      ['SPY', cents(COST_SPY), cents(D(89_248.5).minus(COST_SPY))],
      ['VOD', cents(COST_VOD), 5.16],
    ]);
    expect(cents(COST_SPY)).toBe(87_756.08);
    expect(d.pnl.costBasis).toBe(cents(COST_SPY.plus(COST_VOD).plus(COST_D05)));
    expect(d.pnl.costBasis).toBe(94_607.32);
    expect(d.pnl.unrealized).toBe(cents(UNREALIZED));
    expect(d.pnl.unrealized).toBe(1_496.59);
    // Friday: 100 x (595 - 590) x 1.34 = 670.00; day +500.00; realized 500 - (1,496.59 - 670.00) = -326.59.
    expect(d.pnl.unrealizedAtPreviousClose).toEqual({ value: 670 });
    expect(d.pnl.day).toEqual({ value: 500 });
    expect(d.pnl.realizedToday).toEqual({ value: -326.59 });
  });

  it('the email shows the SGD figures: prices labelled in their currency, commissions and slippage in SGD', () => {
    sgdAccount();
    const { text, html } = renderDailyReport(load());
    for (const part of [text, html]) {
      expect(part).toContain('Notional 14,948.13 · commissions 8.51 · slippage +6.27');
      expect(part).toContain('BUY 10 SPY @ USD 600.50');
      expect(part).toContain('10 @ USD 600.30, commission 1.35 SGD (1.00 USD), slippage +2.43 SGD (+3.0 bp)');
      expect(part).toContain('BUY 100 VOD @ GBP 3,516.00 / 100');
      expect(part).toContain('100 @ GBP 3,514.00 / 100, commission 5.16 SGD (3.00 GBP), slippage +3.44 SGD (+5.7 bp)');
      expect(part).toContain('20 @ 40.00, commission 2.00, slippage +0.40 (+5.0 bp)');
      expect(part).toContain('+1,496.59 on a cost basis of 94,607.32');
      expect(part).toContain('cost 87,756.08');
      expect(part).toContain('-326.59');
    }
    expect(text).toMatch(/Turnover\s+14,948\.13/);
    expect(text).toMatch(/Commissions\s+8\.51/);
    // The summary line (Intl puts a no-break space after the code): SGD traded, costs 8.51 + 6.27 = 14.78.
    expect(text).toMatch(/3 orders, SGD\s14\.9K traded, all filled, SGD\s14\.78 costs \(commissions \+ slippage\)/);
  });

  it('the CSV files carry each line currency, rate and magnifier, and its value and commission in SGD', () => {
    sgdAccount();
    const files = Object.fromEntries(reportCsvFiles(load()).map((f) => [f.filename, f.content.toString('utf8')]));
    const fills = parse(files['fills.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(
      fills.map((f) => [f.symbol, f.price, f.commission, f.currency, f.fx_rate, f.price_magnifier, f.value, f.commission_in_base]),
    ).toEqual([
      ['SPY', '600.3', '1', 'USD', '1.35', '', '8104.05', '1.35'],
      ['VOD', '3514', '3', 'GBP', '1.72', '100', '6044.08', '5.16'],
      ['D05', '40', '2', '', '', '', '800', '2'],
    ]);
    const positions = parse(files['positions.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(positions.map((p) => [p.symbol, p.avg_cost, p.fx_rate, p.cost_basis]).sort()).toEqual([
      ['D05', '40.1', '', '802'],
      ['SPY', '590.95', '1.35', '87756.08'],
      ['VOD', '35.17', '1.72', '6049.24'],
    ]);
    const orders = parse(files['orders.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(orders.map((o) => [o.symbol, o.limit_price, o.currency, o.fx_rate, o.price_magnifier])).toEqual([
      ['SPY', '600.5', 'USD', '1.35', ''],
      ['VOD', '3516', 'GBP', '1.72', '100'],
      ['D05', '40.02', '', '', ''],
    ]);
  });
});
