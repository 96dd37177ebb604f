/**
 * The trader's numbers net of cash flows: the daily summary's P&L, the `daily` row and the charts take out money
 * that moved in or out (a deposit is not a gain, a withdrawal is not a loss), on real SQLite records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dailyRowOf, loadDailyReport, loadPnl, type DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { drawReportCharts } from '../../src/report/send-daily-report.js';
import { shiftedByLaterFlows, timeWeighted, timeWeightedReturn } from '../../src/report/flow-adjusted.js';
import type { CashFlowRecord } from '../../src/ports/store.js';
import { aRun, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

const FRI_CLOSE = '2026-11-20T20:35:00.000Z';
const M1 = '2026-11-23T14:35:00.000Z';
const M2 = '2026-11-23T16:35:00.000Z';

/** A run with its account read (a second after its start) and snapshot. */
function run(runId: string, startedAt: string, tradingDay: string, nlv: number): string {
  aRun(t.store, runId, startedAt, tradingDay, nlv);
  const readAt = new Date(Date.parse(startedAt) + 1000).toISOString();
  t.store.recordAccountRead({ runId, readAt, tradingDay, cash: 38_000, netLiquidation: nlv, currency: 'USD', positions: {} });
  return readAt;
}

function flow(f: Partial<CashFlowRecord> & Pick<CashFlowRecord, 'id' | 'at' | 'amount'>): void {
  t.store.recordCashFlow({
    currency: 'USD',
    kind: 'other',
    source: 'declared',
    description: 'test',
    recordedAt: f.at,
    recordedBy: 'operator t',
    ...f,
  });
}

function inferred(runId: string, at: string, windowFrom: string, amount: number): void {
  flow({
    id: `inferred:${runId}`,
    at,
    windowFrom,
    amount,
    source: 'inferred',
    runId,
    recordedBy: `run ${runId}`,
    description: 'cash moved',
  });
}

function monday(): DailyReportData {
  const data = loadDailyReport(t.reports, {
    kind: 'end',
    tradingDay: '2026-11-23',
    now: '2026-11-23T21:00:00Z',
    account: 'DU0000001',
    previousTradingDay,
  });
  // `status` reads the P&L alone (loadPnl): the same figures as the summary's, flows and all.
  expect(loadPnl(t.reports, { tradingDay: '2026-11-23', now: '2026-11-23T21:00:00Z', previousTradingDay })).toEqual(data.pnl);
  return data;
}

function closes(): void {
  t.reports.recordDailyRow({ tradingDay: '2026-11-19', closingNlv: 99_000, turnover: 0, commissions: 0, fills: 0 }, FRI_CLOSE);
  t.reports.recordDailyRow({ tradingDay: '2026-11-20', closingNlv: 100_000, turnover: 0, commissions: 0, fills: 0 }, FRI_CLOSE);
}

describe('the daily summary net of cash flows', () => {
  it('a deposit day shows the P&L without the deposit, the deposit as its own line, and a time-weighted chart', async () => {
    closes();
    const friRead = run('f2', FRI_CLOSE, '2026-11-20', 100_000);
    // 15,000 deposited over the weekend: the first run on Monday infers it; the market then adds 300.
    const m1Read = run('m1', M1, '2026-11-23', 115_100);
    inferred('m1', m1Read, friRead, 15_000);
    run('m2', M2, '2026-11-23', 115_300);
    const data = monday();

    expect(data.sincePreviousClose).toMatchObject({ base: 100_000, flows: 15_000, day: '2026-11-20' });
    expect(data.sincePreviousClose?.amount).toBeCloseTo(300, 9);
    expect(data.sincePreviousClose?.fraction).toBeCloseTo(0.003, 12);
    // Since the open: the deposit was already in the first snapshot.
    expect(data.sinceOpen).toMatchObject({ base: 115_100, flows: 0 });
    expect(data.sinceOpen?.amount).toBeCloseTo(200, 9);
    expect(data.flows).toEqual([expect.objectContaining({ amount: 15_000, source: 'inferred', kind: 'other' })]);
    expect(dailyRowOf(data)?.change).toBeCloseTo(300, 9);

    // The day's line: the deposit happened before the first point, so the close moves by it.
    expect(data.daySeries.map((p) => p.flow ?? 0)).toEqual([15_000, 0]);
    expect(shiftedByLaterFlows(data.daySeries, 100_000).baseline).toBe(115_000);
    // The days' line: Friday's close scaled by the return alone, ending at today's NLV.
    expect(data.history.map((p) => [p.t, p.nlv, p.flow ?? 0])).toEqual([
      ['2026-11-19', 99_000, 0],
      ['2026-11-20', 100_000, 0],
      ['2026-11-23', 115_300, 15_000],
    ]);
    const twr = timeWeighted(data.history);
    expect(twr.at(-1)?.nlv).toBeCloseTo(115_300, 6);
    expect(twr[1]?.nlv).toBeCloseTo(115_300 / 1.003, 6);
    expect(timeWeightedReturn(data.history)).toBeCloseTo((100_000 / 99_000) * 1.003 - 1, 12);

    // Both charts draw, flows taken out.
    const charts = await drawReportCharts(data);
    expect(charts.dayPng?.subarray(1, 4).toString()).toBe('PNG');
    expect(charts.monthPng?.subarray(1, 4).toString()).toBe('PNG');

    const mail = renderDailyReport(data);
    expect(mail.subject).toContain('NLV 115,300.00 (+0.30%)');
    expect(mail.text).toContain('+300.00 (+0.30%) since the close of Fri Nov 20, cash flows taken out');
    expect(mail.text).toContain('+15,000.00 came in (inferred), not a gain or loss');
    expect(mail.html).toContain('+15,000.00</span> came in (inferred), not a gain or loss');
  });

  it('a withdrawal day is no -8%: a declared withdrawal replaces the flow a run inferred for it, counted once', () => {
    closes();
    const friRead = run('f2', FRI_CLOSE, '2026-11-20', 100_000);
    const m1Read = run('m1', M1, '2026-11-23', 100_000);
    // 8,000 withdrawn between the runs; the run m2 infers it and the person declares it within that interval.
    const m2Read = run('m2', M2, '2026-11-23', 92_000);
    inferred('m2', m2Read, m1Read, -8000);
    flow({ id: 'declared:x', at: '2026-11-23T15:00:00.000Z', amount: -8000, kind: 'withdrawal', description: 'moved to savings' });
    expect(friRead < m1Read).toBe(true);
    const data = monday();

    expect(data.sincePreviousClose).toMatchObject({ base: 100_000, flows: -8000, amount: 0, fraction: 0 });
    expect(data.sinceOpen).toMatchObject({ base: 100_000, flows: -8000, amount: 0, fraction: 0 });
    expect(data.flows.map((f) => [f.source, f.amount])).toEqual([['declared', -8000]]);
    expect(dailyRowOf(data)?.change).toBe(0);
    expect(data.daySeries.map((p) => p.flow ?? 0)).toEqual([0, -8000]);
    expect(shiftedByLaterFlows(data.daySeries, 100_000)).toEqual({
      points: [
        { t: M1, nlv: 92_000 },
        { t: M2, nlv: 92_000 },
      ],
      baseline: 92_000,
    });
    expect(timeWeighted(data.history).map((p) => p.nlv)).toEqual([92_000 * (99_000 / 100_000), 92_000, 92_000]);

    const mail = renderDailyReport(data);
    expect(mail.subject).toContain('NLV 92,000.00 (0.00%)');
    expect(mail.subject).not.toContain('-8');
    expect(mail.text).toContain('-8,000.00 withdrawn (declared: moved to savings), not a gain or loss');
    expect(mail.text).not.toMatch(/-8,000\.00 \(-8\.00%\)/);
  });

  it('a real loss with no flow is still a loss, and a day without flows has no flow line', () => {
    closes();
    run('f2', FRI_CLOSE, '2026-11-20', 100_000);
    run('m1', M1, '2026-11-23', 93_000);
    const data = monday();
    expect(data.sincePreviousClose).toMatchObject({ amount: -7000, fraction: -0.07, flows: 0 });
    expect(data.flows).toEqual([]);
    const mail = renderDailyReport(data);
    expect(mail.text).toContain('-7,000.00 (-7.00%) since the close of Fri Nov 20\n');
    expect(mail.text).not.toMatch(/not a gain or loss|cash flows taken out/);
  });

  it('a flow declared after the last snapshot of the report is not in its numbers yet', () => {
    run('f2', FRI_CLOSE, '2026-11-20', 100_000);
    run('m1', M1, '2026-11-23', 100_000);
    flow({ id: 'declared:late', at: '2026-11-23T20:00:00.000Z', amount: 5000, kind: 'deposit' });
    const data = monday();
    expect(data.flows).toEqual([]);
    expect(data.sincePreviousClose).toMatchObject({ amount: 0, flows: 0 });
  });
});

describe('flow-adjusted series', () => {
  it('the time-weighted return is the product of the returns net of each flow', () => {
    const points = [
      { t: 'a', nlv: 100 },
      { t: 'b', nlv: 160, flow: 50 },
      { t: 'c', nlv: 88, flow: -80 },
    ];
    // (160 - 50) / 100 = 1.1; (88 + 80) / 160 = 1.05.
    expect(timeWeightedReturn(points)).toBeCloseTo(1.1 * 1.05 - 1, 12);
    expect(timeWeighted(points).map((p) => p.nlv)).toEqual(
      [88 / (1.1 * 1.05), (88 * 1.1) / (1.1 * 1.05), 88].map((x) => expect.closeTo(x, 9)),
    );
    expect(timeWeighted([])).toEqual([]);
    // A previous NLV that is not positive measures no return.
    expect(
      timeWeightedReturn([
        { t: 'a', nlv: 0 },
        { t: 'b', nlv: 100, flow: 100 },
      ]),
    ).toBe(0);
  });
});
