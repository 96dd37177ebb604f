/**
 * Issue 13: the summaries must not contradict themselves. An order's fills sit with the order whatever run
 * collected them, and the fills section and the totals count the same fills; the run sending the email is not
 * counted among the day's runs; order cells say a plain state first and keep the broker's details on a second
 * line; the kill switch and REDUCING are a banner, not "1 breach"; a summary line comes first.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadDailyReport } from '../../src/report/daily-report-data.js';
import { buildReportView } from '../../src/report/report-view.js';
import { dailyReportSubject, renderDailyReport } from '../../src/report/render-daily-report.js';
import { aRun, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';
import { aBrokerOrder, anExecution, anOrder, aSnapshot } from '../storage/fixtures.js';
import { aReport } from './report-builders.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
  aRun(t.store, 'f1', '2026-11-20T20:35:00.000Z', '2026-11-20', 100_000);
});
afterEach(() => t.cleanup());

const load = (kind: 'start' | 'mid' | 'end', now: string): ReturnType<typeof loadDailyReport> =>
  loadDailyReport(t.reports, { kind, tradingDay: '2026-11-23', now, account: 'DU0000001', previousTradingDay });

/** Run a1 (09:35 ET) sends BUY 55 AAPL, which fills; the fill is collected by the next run, a2 (10:35 ET). */
function orderFilledCollectedLater(): void {
  t.store.startRun({ runId: 'a1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
  t.store.recordOrderIntent(
    'a1',
    { ...anOrder({ orderRef: 'rb:a1:AAPL', quantity: 55, limitPrice: 175.7 }), referencePrice: 175.6 },
    '2026-11-23T14:35:05.000Z',
  );
  t.store.markOrderSent(
    'rb:a1:AAPL',
    aBrokerOrder({
      orderRef: 'rb:a1:AAPL',
      brokerOrderId: 2,
      permId: 1000002,
      quantity: 55,
      status: 'Filled',
      filledQuantity: 55,
      avgFillPrice: 175.65,
    }),
  );
  t.store.recordSnapshot('a1', aSnapshot({ netLiquidation: 100_100 }), []);
  t.store.finishRun('a1', { finishedAt: '2026-11-23T14:36:00.000Z', status: 'ok', exitCode: 0 });
  aRun(t.store, 'a2', '2026-11-23T15:35:00.000Z', '2026-11-23', 100_200);
  t.store.recordFills('a2', [
    anExecution({ execId: 'x1', orderRef: 'rb:a1:AAPL', quantity: 55, price: 175.65, commission: 1.5, time: '2026-11-23T14:35:30.000Z' }),
  ]);
}

describe('orders and their fills', () => {
  it('shows the fill of an order as of the start of day even when a later run collected it, and counts it once', () => {
    orderFilledCollectedLater();
    const start = load('start', '2026-11-23T14:35:00.000Z');
    expect(start.orders).toHaveLength(1);
    expect(start.orders[0]?.fills.map((f) => f.quantity)).toEqual([55]);
    expect(start.fills).toHaveLength(1);
    expect(start.totals.fills).toBe(1);
    const text = renderDailyReport(start).text ?? '';
    expect(text).toContain('filled 55 @ 175.65');
    expect(text).not.toMatch(/no fills/i);
    // The end of day counts the same fill once.
    expect(load('end', '2026-11-23T21:05:00.000Z').totals.fills).toBe(1);
  });
});

describe("the day's runs", () => {
  it('does not count the run sending the email, which is still running, and says so', () => {
    t.store.startRun({ runId: 'b1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
    t.store.finishRun('b1', { finishedAt: '2026-11-23T14:36:00.000Z', status: 'ok', exitCode: 0 });
    t.store.startRun({ runId: 'b2', startedAt: '2026-11-23T15:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
    const data = load('start', '2026-11-23T15:35:00.000Z');
    expect(data.runs).toMatchObject({ total: 1, ok: 1, running: 0 });
    expect(data.thisRun).toEqual({ startedAt: '2026-11-23T15:35:00.000Z' });
    expect(buildReportView(data).runsLine).toBe('1 run today before this one: 1 ok');
  });
});

describe('the trading state as a banner', () => {
  it('shows the kill switch as TRADING HALTED with since, by, the reason and how to resume, first in both parts', () => {
    aRun(
      t.store,
      'k1',
      '2026-11-23T14:35:00.000Z',
      '2026-11-23',
      100_100,
      [],
      [
        {
          code: 'KILL_SWITCH',
          detail: "halted since 2026-11-23T14:02:00.000Z by cli: broker maintenance; run 'rebalancer resume' to trade again",
        },
      ],
    );
    const data = load('start', '2026-11-23T14:35:00.000Z');
    expect(data.tradingState).toMatchObject({ state: 'HALTED', codes: ['KILL_SWITCH'] });
    const view = buildReportView(data);
    expect(view.banner?.title).toBe('TRADING HALTED');
    expect(view.banner?.text).toBe(
      "Kill switch on since Mon Nov 23 09:02 ET, by cli: broker maintenance. Runs cancel the system's orders and send none; 'rebalancer resume' to trade again.",
    );
    const { html, text } = renderDailyReport(data);
    expect((html ?? '').indexOf('TRADING HALTED<div')).toBeGreaterThan(0);
    expect((html ?? '').indexOf('TRADING HALTED<div')).toBeLessThan((html ?? '').indexOf('100,100.00 USD'));
    expect((text ?? '').split('\n')[0]).toBe('*** TRADING HALTED ***');
    expect(view.preheader.startsWith('TRADING HALTED · ')).toBe(true);
    // The subject says it too, first, and does not count the kill switch as a breach.
    expect(dailyReportSubject(data)).toMatch(/^\[rebalancer\] \S+ start of day 2026-11-23: TRADING HALTED, NLV /);
    expect(dailyReportSubject(data)).not.toMatch(/breach/);
  });

  it('shows REDUCING while the latest run reduced, and nothing once a later run traded normally', () => {
    aRun(
      t.store,
      'r1',
      '2026-11-23T14:35:00.000Z',
      '2026-11-23',
      100_100,
      [],
      [{ code: 'LEVERAGE_LIMIT', detail: 'leverage after trades 1.62 > max 1.50' }],
    );
    const view = buildReportView(load('mid', '2026-11-23T14:35:00.000Z'));
    expect(view.banner?.title).toBe('REDUCING');
    expect(view.banner?.text).toContain('only orders that shrink a position are sent');
    // A later run that decided ACTIVE (as every finished run records its state).
    t.store.startRun({ runId: 'r2', startedAt: '2026-11-23T15:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
    t.store.finishRun('r2', { finishedAt: '2026-11-23T15:36:00.000Z', status: 'ok', exitCode: 0, tradingState: 'ACTIVE' });
    expect(buildReportView(load('mid', '2026-11-23T15:35:00.000Z')).banner).toBeUndefined();
  });
});

describe('order cells', () => {
  const order = (over: Partial<ReturnType<typeof aReport>['orders'][number]>): ReturnType<typeof aReport> =>
    aReport({
      orders: [
        {
          createdAt: '2026-11-23T14:35:05Z',
          orderRef: 'rb:a1:AAPL',
          symbol: 'AAPL',
          action: 'BUY',
          quantity: 55,
          limitPrice: 175.7,
          status: 'Submitted',
          filledQuantity: 0,
          avgFillPrice: 0,
          fills: [],
          ...over,
        },
      ],
    });

  it('says a plain state first and the reconciliation details on the second line', () => {
    const o = buildReportView(
      order({ brokerOrderId: 2, permId: 1000002, message: 'found open at the broker by orderRef: order 2, permId 1000002, Submitted' }),
    ).orders[0];
    expect(o?.status).toBe('working');
    expect(o?.details).toContain('order 2, permId 1000002');
    expect(o?.details).toContain('IB: Submitted');
    const { html, text } = renderDailyReport(
      order({ brokerOrderId: 2, permId: 1000002, message: 'found open at the broker by orderRef: order 2' }),
    );
    expect(text).toMatch(/\n {2}09:35 BUY 55 AAPL @ 175.70: working\n {4}.*found open at the broker/);
    expect(html).toContain('>working</span>');
  });

  it('names each state plainly', () => {
    const state = (over: Parameters<typeof order>[0]): string | undefined => buildReportView(order(over)).orders[0]?.status;
    expect(state({ status: 'Filled', filledQuantity: 55, avgFillPrice: 175.65 })).toBe('filled 55 @ 175.65');
    expect(state({ status: 'Submitted', filledQuantity: 20, avgFillPrice: 175.6 })).toBe('partly filled 20 of 55 @ 175.60, working');
    expect(state({ status: 'Cancelled', filledQuantity: 20, avgFillPrice: 175.6 })).toBe('partly filled 20 of 55 @ 175.60, rest cancelled');
    expect(state({ status: 'Cancelled' })).toBe('cancelled');
    expect(state({ status: 'NotSent' })).toBe('not sent');
    expect(state({ status: 'SendFailed' })).toBe('not sent');
    expect(state({ status: 'Unknown' })).toBe('unknown');
    expect(state({ status: 'Rejected' })).toBe('rejected');
  });

  it('says on the second line that an order was changed in place', () => {
    expect(buildReportView(order({ modified: 2 })).orders[0]?.details).toContain('changed in place 2 times');
  });
});

describe('the summary line', () => {
  it('comes first: orders, traded value, fill state, costs (saying which), day P&L; and is the preheader', () => {
    const view = buildReportView(aReport());
    expect(view.summary).toBe('2 orders, $2.71K traded, 1 filled, 1 working, $2.70 costs (commissions + slippage), day +0.23%');
    expect(view.preheader).toBe(view.summary);
    const text = renderDailyReport(aReport()).text ?? '';
    expect(text.split('\n').slice(0, 3)).toContain(view.summary);
  });

  it('says "all filled" and "commissions only" when no fill has a reference price', () => {
    const report = aReport();
    const view = buildReportView(
      aReport({
        orders: report.orders.map((o) => ({ ...o, status: 'Filled', filledQuantity: o.quantity })),
        totals: { ...report.totals, slippageCost: 0, fillsWithReference: 0 },
      }),
    );
    expect(view.summary).toBe('2 orders, $2.71K traded, all filled, $2.00 commissions (no slippage measured), day +0.23%');
  });
});

describe('what changed in the forecasts since the previous trading day', () => {
  const trend = (leverage: number, weights: Record<string, number>, asOf: string) => ({
    strategy: 'trend',
    file: 'forecasts/trend.json',
    asOf,
    leverage,
    capital: 1,
    weights,
  });

  it("compares the previous day's last recorded forecasts with today's latest, in both parts; none recorded today, no section", () => {
    t.store.recordForecasts('f1', [trend(1, { SPY: 0.5, TLT: 0.3 }, '2026-11-20T20:00:00Z')]);
    // Before any run of the day recorded a forecast: no section at all.
    aRun(t.store, 'm0', '2026-11-23T13:35:00.000Z', '2026-11-23', 100_000);
    expect(load('start', '2026-11-23T13:35:00.000Z').forecastChanges).toBeUndefined();
    aRun(t.store, 'm1', '2026-11-23T14:35:00.000Z', '2026-11-23', 100_100);
    t.store.recordForecasts('m1', [trend(1.2, { SPY: 0.5, TLT: 0.3, NVDA: 0.1 }, '2026-11-23T14:00:00Z')]);
    aRun(t.store, 'm2', '2026-11-23T19:35:00.000Z', '2026-11-23', 100_200);
    t.store.recordForecasts('m2', [trend(1.2, { SPY: 0.4, TLT: 0.3, NVDA: 0.1 }, '2026-11-23T19:00:00Z')]);

    const start = load('start', '2026-11-23T14:35:00.000Z');
    expect(start.forecastChanges).toEqual(['trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)']);
    const { html, text } = renderDailyReport(start);
    expect(text).toContain(
      'WHAT CHANGED IN THE FORECASTS SINCE THE PREVIOUS TRADING DAY\n  trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)',
    );
    expect(html).toContain('What changed in the forecasts since the previous trading day');
    expect(html).toContain('trend.json: leverage 1.00 -&gt; 1.20; added NVDA (10.0%)');

    // The end of the day: the day's latest (m2) against Friday's.
    const end = load('end', '2026-11-23T21:35:00.000Z');
    expect(end.forecastChanges?.[0]).toMatch(/^trend\.json: leverage 1\.00 -> 1\.20; added NVDA \(10\.0%\).*SPY 50\.0% -> 40\.0%/);
  });

  it('the same forecast as the previous day: the section says no change', () => {
    t.store.recordForecasts('f1', [trend(1, { SPY: 0.5 }, '2026-11-20T20:00:00Z')]);
    aRun(t.store, 'm1', '2026-11-23T14:35:00.000Z', '2026-11-23', 100_100);
    t.store.recordForecasts('m1', [trend(1, { SPY: 0.5 }, '2026-11-23T14:00:00Z')]);
    const data = load('mid', '2026-11-23T17:35:00.000Z');
    expect(data.forecastChanges).toEqual([]);
    expect(renderDailyReport(data).text).toContain('  No change since the previous trading day.');
  });
});
