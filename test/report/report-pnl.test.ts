/**
 * P&L in the daily summaries: day P&L (cash flows out), cost basis and unrealized per position, realized of the day,
 * read from a real SQLite file and shown by every kind of summary, text and HTML.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyRowOf, loadDailyReport, loadPnl, type ReportKind } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { aPosition, aSnapshot } from '../storage/fixtures.js';
import { aRun, fillTwoDays, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

function load(kind: ReportKind = 'end', now = '2026-11-23T21:05:00Z'): ReturnType<typeof loadDailyReport> {
  const data = loadDailyReport(t.reports, { kind, tradingDay: '2026-11-23', now, account: 'DU0000001', previousTradingDay });
  // `status` reads the P&L alone (loadPnl): the same figures as the summary's, n/a and its reason included.
  expect(loadPnl(t.reports, { tradingDay: '2026-11-23', now, previousTradingDay })).toEqual(data.pnl);
  return data;
}

/**
 * Friday's close: 100 AAPL (average cost 150) at 170, 10 TSLA short (average cost 250) at 240. Monday: 50 AAPL sold
 * at 170 with 1.00 commission (IB's realized: 50 x 20 - 1 = 999), the price of AAPL now 172, TSLA 245, 10 MSFT bought
 * at 400 with 1.00 commission (average cost 400.10) now at 405.
 */
function twoCloses(): void {
  const friday = [
    aPosition({ symbol: 'AAPL', quantity: 100, avgCost: 150, marketPrice: 170, marketValue: 17_000 }),
    aPosition({ symbol: 'TSLA', quantity: -10, avgCost: 250, marketPrice: 240, marketValue: -2_400 }),
  ];
  t.store.startRun({ runId: 'f', startedAt: '2026-11-20T20:35:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  t.store.recordSnapshot('f', aSnapshot({ netLiquidation: 100_000, grossPositionValue: 19_400 }), friday);
  t.store.finishRun('f', { finishedAt: '2026-11-20T20:36:00.000Z', status: 'ok', exitCode: 0 });
  const monday = [
    aPosition({ symbol: 'AAPL', quantity: 50, avgCost: 150, marketPrice: 172, marketValue: 8_600 }),
    aPosition({ symbol: 'MSFT', quantity: 10, avgCost: 400.1, marketPrice: 405, marketValue: 4_050 }),
    aPosition({ symbol: 'TSLA', quantity: -10, avgCost: 250, marketPrice: 245, marketValue: -2_450 }),
  ];
  // NLV: -1 (AAPL sale commission) + 50 x 2 (AAPL 170 -> 172) + 10 x 5 - 1 (MSFT) - 10 x 5 (TSLA 240 -> 245) = +98.
  aRun(t.store, 'm', '2026-11-23T20:35:00.000Z', '2026-11-23', 100_098, monday);
}

describe('P&L in the daily report data', () => {
  it('day P&L, cost basis and unrealized per position, realized as day P&L less the change of unrealized', () => {
    twoCloses();
    const d = load();
    expect(d.pnl.day).toEqual({ value: 98 });
    expect(d.positions.map((p) => [p.symbol, p.avgCost, p.costBasis, p.unrealized]).sort()).toEqual([
      ['AAPL', 150, 7_500, 1_100],
      ['MSFT', 400.1, 4_001, 49],
      ['TSLA', 250, -2_500, 50],
    ]);
    expect(d.pnl.costBasis).toBe(9_001);
    expect(d.pnl.unrealized).toBe(1_199);
    // Friday: 2,000 + 100 = 2,100; 98 - (1,199 - 2,100) = 999: IB's realized for the sale.
    expect(d.pnl.unrealizedAtPreviousClose).toEqual({ value: 2_100 });
    expect(d.pnl.realizedToday).toEqual({ value: 999 });
    expect(dailyRowOf(d)?.realized).toBe(999);
  });

  it("n/a with the reason when the previous close's positions were not recorded, never a guess", () => {
    // The fixture's Friday close (run f2) has a snapshot holding positions but no position rows.
    fillTwoDays(t.store, t.reports);
    const d = load('mid', '2026-11-23T18:00:00Z');
    expect(d.pnl.day.value).toBeCloseTo(300, 6);
    expect(d.pnl.realizedToday).toEqual({
      value: null,
      reason: "the positions of the previous close's snapshot (run f2) are not recorded",
    });
    expect(dailyRowOf(load())?.realized).toBeUndefined();
    const text = renderDailyReport(d, {}).text;
    expect(text).toContain("Realized today n/a (the positions of the previous close's snapshot (run f2) are not recorded)");
  });

  it('n/a without a previous close', () => {
    aRun(t.store, 'm', '2026-11-23T20:35:00.000Z', '2026-11-23', 100_000, [aPosition()]);
    const d = load();
    expect(d.pnl.day).toEqual({ value: null, reason: 'no previous close recorded' });
    expect(d.pnl.realizedToday.value).toBeNull();
    expect(d.pnl.unrealized).toBe(4_000);
  });
});

describe('P&L in every kind of summary', () => {
  it.each(['start', 'mid', 'end'] as const)('%s: the day P&L, unrealized and realized lines, text and HTML', (kind) => {
    twoCloses();
    const m = renderDailyReport(load(kind), {});
    for (const part of [m.text, m.html ?? '']) {
      expect(part).toMatch(/Day P&(amp;)?L/);
      expect(part).toContain('+98.00');
      expect(part).toContain('+1,199.00 on a cost basis of 9,001.00');
      expect(part).toContain('+999.00');
    }
  });

  it.each(['start', 'end'] as const)('%s: positions with their cost basis and unrealized P&L, and the total', (kind) => {
    twoCloses();
    const m = renderDailyReport(load(kind), {});
    expect(m.text).toMatch(/AAPL .* · cost 7,500\.00 · unrealized \+1,100\.00 \(\+14\.67%\)/);
    expect(m.text).toMatch(/TSLA .* · cost -2,500\.00 · unrealized \+50\.00 \(\+2\.00%\)/);
    expect(m.text).toContain('Total: cost basis 9,001.00 · market value 10,200.00 · unrealized +1,199.00');
    expect(m.html).toContain('cost 4,001.00');
    expect(m.html).toContain('+49.00 (+1.22%)');
    expect(m.html).toContain('Total: cost basis 9,001.00');
  });

  it("end of day: the daily table's row carries the realized P&L", () => {
    twoCloses();
    const m = renderDailyReport(load('end'), {});
    expect(m.text).toMatch(/THE DAY[^\n]*\n[^\n]*Realized P&L \+999\.00/);
  });
});
