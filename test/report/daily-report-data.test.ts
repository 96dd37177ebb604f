import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyRowOf, loadDailyReport, slippageOf, type DailyReportData } from '../../src/report/daily-report-data.js';
import { fillTwoDays, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
let data: DailyReportData;

beforeEach(async () => {
  t = await openReportDb();
  fillTwoDays(t.store, t.reports);
  // 13:00 ET on Monday: after runs m1 and m2, before m3.
  data = loadDailyReport(t.reports, {
    kind: 'mid',
    tradingDay: '2026-11-23',
    now: '2026-11-23T18:00:00Z',
    account: 'DU0000001',
    nextRun: '2026-11-23T18:35:00Z',
    previousTradingDay,
  });
});
afterEach(() => t.cleanup());

describe('loadDailyReport', () => {
  it('takes NLV now from the latest snapshot of the day at or before now', () => {
    expect(data.latest).toMatchObject({
      nlv: 100_300,
      at: '2026-11-23T16:35:00.000Z',
      leverage: 0.62,
      cushion: 0.41,
      cash: 38_000,
      currency: 'USD',
    });
    expect(data.daySeries).toEqual([
      { t: '2026-11-23T14:35:00.000Z', nlv: 100_100 },
      { t: '2026-11-23T16:35:00.000Z', nlv: 100_300 },
    ]);
  });

  it("measures the change since the previous trading day's last snapshot, ignoring a weekend run", () => {
    expect(data.sincePreviousClose).toMatchObject({ day: '2026-11-20', base: 100_000 });
    expect(data.sincePreviousClose?.amount).toBeCloseTo(300, 9);
    expect(data.sincePreviousClose?.fraction).toBeCloseTo(0.003, 12);
  });

  it('measures the change since the first snapshot of the day', () => {
    expect(data.sinceOpen).toMatchObject({ at: '2026-11-23T14:35:00.000Z', base: 100_100 });
    expect(data.sinceOpen?.amount).toBeCloseTo(200, 9);
    expect(data.sinceOpen?.fraction).toBeCloseTo(200 / 100_100, 12);
  });

  it('falls back to an earlier close when the system did not run on the previous trading day', () => {
    const tuesday = loadDailyReport(t.reports, {
      kind: 'start',
      tradingDay: '2026-11-23',
      now: '2026-11-23T18:00:00Z',
      account: 'DU0000001',
      previousTradingDay: () => '2026-11-22',
    });
    // Sunday had no run; Saturday's off-session snapshot is the latest on or before it.
    expect(tuesday.sincePreviousClose).toMatchObject({ day: '2026-11-21', base: 100_050 });
  });

  it('lists positions with target weight, actual weight and drift, largest drift first', () => {
    expect(data.positions.map((p) => [p.symbol, p.weight, p.targetWeight])).toEqual([
      ['AAPL', 0.4, 0.38],
      ['MSFT', 0.2, 0.21],
    ]);
    expect(data.positions[0]?.drift).toBeCloseTo(0.02, 12);
    expect(data.positions[1]?.drift).toBeCloseTo(-0.01, 12);
  });

  it("lists the day's orders with their states and reference prices", () => {
    expect(data.orders).toEqual([
      expect.objectContaining({
        symbol: 'AAPL',
        action: 'BUY',
        quantity: 10,
        limitPrice: 190.09,
        referencePrice: 190,
        status: 'Filled',
        filledQuantity: 10,
        avgFillPrice: 190.05,
      }),
      expect.objectContaining({ symbol: 'MSFT', action: 'SELL', quantity: 5, limitPrice: 399.8, referencePrice: 400, status: 'Filled' }),
    ]);
  });

  it('counts a BUY filled above the reference as a cost and a SELL filled above it as an improvement', () => {
    const [buy, sell] = data.fills;
    expect(buy).toMatchObject({ symbol: 'AAPL', side: 'BUY', price: 190.05, commission: 1, referencePrice: 190 });
    expect(buy?.slippage?.cost).toBeCloseTo(0.5, 9);
    expect(buy?.slippage?.bps).toBeCloseTo((0.05 / 190) * 10_000, 9);
    expect(sell).toMatchObject({ symbol: 'MSFT', side: 'SELL', price: 400.2, referencePrice: 400 });
    expect(sell?.slippage?.cost).toBeCloseTo(-1, 9);
    expect(data.totals).toMatchObject({ fills: 2, commissions: 2, fillsWithReference: 2 });
    expect(data.totals.notional).toBeCloseTo(1_900.5 + 2_001, 9);
    expect(data.totals.slippageCost).toBeCloseTo(-0.5, 9);
  });

  it('lists the breaches and runs of the day up to now', () => {
    expect(data.breaches).toEqual([
      { code: 'POSITION_LIMIT', symbol: 'AAPL', detail: 'AAPL 40.0% of NLV > max 35%', runId: 'm2', at: '2026-11-23T16:35:00.000Z' },
    ]);
    expect(data.runs).toEqual({ total: 2, ok: 1, blocked: 1, failed: 0, skipped: 0, running: 0 });
  });

  it("builds the closing-NLV history from the daily table, ending with today's latest", () => {
    expect(data.history).toEqual([
      { t: '2026-11-19', nlv: 99_500 },
      { t: '2026-11-20', nlv: 100_000 },
      { t: '2026-11-23', nlv: 100_300 },
    ]);
    expect(data.nextRun).toBe('2026-11-23T18:35:00Z');
  });

  it('reports a day with no snapshot yet without inventing figures', () => {
    const empty = loadDailyReport(t.reports, {
      kind: 'start',
      tradingDay: '2026-11-24',
      now: '2026-11-24T14:00:00Z',
      account: 'DU0000001',
      previousTradingDay: () => '2026-11-23',
    });
    expect(empty.latest).toBeUndefined();
    expect(empty.sincePreviousClose).toBeUndefined();
    expect(empty.positions).toEqual([]);
    expect(dailyRowOf(empty)).toBeUndefined();
  });
});

describe('the daily row', () => {
  it('is written by the end of day and read back as history', () => {
    const end = loadDailyReport(t.reports, {
      kind: 'end',
      tradingDay: '2026-11-23',
      now: '2026-11-23T21:05:00Z',
      account: 'DU0000001',
      previousTradingDay,
    });
    const row = dailyRowOf(end);
    expect(row).toMatchObject({ tradingDay: '2026-11-23', closingNlv: 100_900, fills: 2, commissions: 2 });
    expect(row?.change).toBeCloseTo(900, 9);
    if (row === undefined) return;
    t.reports.recordDailyRow(row, '2026-11-23T21:05:00Z');
    t.reports.recordDailyRow({ ...row, closingNlv: 100_950 }, '2026-11-23T21:10:00Z');
    expect(t.reports.dailyRowsBefore('2026-11-24', 30).map((r) => [r.tradingDay, r.closingNlv])).toEqual([
      ['2026-11-19', 99_500],
      ['2026-11-20', 100_000],
      ['2026-11-23', 100_950],
    ]);
    expect(t.reports.dailyRowsBefore('2026-11-24', 2).map((r) => r.tradingDay)).toEqual(['2026-11-20', '2026-11-23']);
  });
});

describe('the v_fill_slippage view', () => {
  it('signs slippage as the report does: positive is a cost', () => {
    expect(
      t.db
        .prepare(
          "SELECT symbol, side, round(slippage_cost, 6) AS cost, round(slippage_bps, 3) AS bps FROM v_fill_slippage WHERE trading_day = '2026-11-23'",
        )
        .all(),
    ).toEqual([
      { symbol: 'AAPL', side: 'BUY', cost: 0.5, bps: 2.632 },
      { symbol: 'MSFT', side: 'SELL', cost: -1, bps: -5 },
    ]);
  });
});

describe('slippageOf', () => {
  it.each([
    ['BUY', 101, 100, 10, 10, 100],
    ['BUY', 99, 100, 10, -10, -100],
    ['SELL', 99, 100, 10, 10, 100],
    ['SELL', 101, 100, 10, -10, -100],
  ] as const)('%s filled at %d against %d: cost %d', (side, price, reference, quantity, cost, bps) => {
    const s = slippageOf(side, price, reference, quantity);
    expect(s.cost).toBeCloseTo(cost, 9);
    expect(s.bps).toBeCloseTo(bps, 9);
  });
});

describe('a start-of-day report after the first run', () => {
  it('has the change since the previous close but no change since the open yet', () => {
    const start = loadDailyReport(t.reports, {
      kind: 'start',
      tradingDay: '2026-11-23',
      now: '2026-11-23T14:40:00Z',
      account: 'DU0000001',
      previousTradingDay,
    });
    expect(start.latest?.nlv).toBe(100_100);
    expect(start.sincePreviousClose?.amount).toBeCloseTo(100, 9);
    expect(start.sinceOpen).toBeUndefined();
    expect(start.daySeries).toHaveLength(1);
    expect(start.fills).toHaveLength(2);
    expect(start.breaches).toEqual([]);
  });
});
