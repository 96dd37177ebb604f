/**
 * Each daily summary has its own content (README, Email): start of day is the overnight view (the previous close,
 * positions and drift, what the day's first run did, breaches), mid-day the day so far (orders and fills so far,
 * the intraday chart), end of day the full day (all orders and fills with their costs, the daily row, the intraday
 * and 30-day charts). The scheduled email and `rebalancer report` are the same function of the kind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Mailer, MailMessage } from '../../src/ports/mailer.js';
import { loadDailyReport, reportAsOf, type ReportKind } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { prepareDailyReport, sendDailyReport } from '../../src/report/send-daily-report.js';
import { fillTwoDays, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
beforeEach(async () => {
  t = await openReportDb();
  fillTwoDays(t.store, t.reports);
});
afterEach(async () => {
  await t.cleanup();
});

/** Monday, after the close: every run of the day is in the records. */
const options = (kind: ReportKind, now = '2026-11-23T21:05:00Z') => ({
  kind,
  tradingDay: '2026-11-23',
  now,
  account: 'DU0000001',
  nextRun: '2026-11-24T14:35:00Z',
  previousTradingDay,
});

/** The section headings of the text part (the lines in capitals). */
const headings = (text: string): string[] => text.split('\n').filter((l) => /^[A-Z][A-Z' ]{4,}/.test(l));

describe('each kind of daily summary has its own content', () => {
  it('start of day: the overnight change, positions and drift, the orders so far, breaches; no chart, no day totals', async () => {
    const { message } = await prepareDailyReport(t.reports, options('start', '2026-11-23T14:35:00Z'));
    expect(message.attachments ?? []).toEqual([]);
    expect(message.html).not.toContain('<img');
    for (const part of [message.text, message.html ?? '']) {
      expect(part).toContain('since the close of Fri Nov 20');
      expect(part).not.toContain('since the open');
      expect(part).toMatch(/AAPL[\s\S]*40\.0%[\s\S]*38\.0%/);
      expect(part).toMatch(/BUY 10 AAPL @ 190\.09/);
      expect(part).not.toContain('Closing NLV');
    }
    // The fills sit under their orders: no fills section of their own.
    expect(headings(message.text)).toEqual(['POSITIONS (weight / target, drift)', 'ORDERS SO FAR (2)']);
    expect(message.text).toMatch(/BUY 10 AAPL @ 190\.09: filled 10 @ 190\.05\n.*\n {4}fill 09:36 10 @ 190\.05/);
  });

  it('mid-day: the day so far, with the change since the open and the intraday chart; no positions, no 30-day chart', async () => {
    const { message } = await prepareDailyReport(t.reports, options('mid', '2026-11-23T17:05:00Z'));
    expect((message.attachments ?? []).map((a) => a.filename)).toEqual(['nlv-today.png']);
    expect(message.html?.match(/<img /g)).toHaveLength(1);
    for (const part of [message.text, message.html ?? '']) {
      expect(part).toContain('since the close of Fri Nov 20');
      expect(part).toContain('since the open');
      expect(part).not.toMatch(/MSFT[\s\S]*21\.0%/);
      expect(part).toContain('POSITION_LIMIT');
      expect(part).not.toContain('Closing NLV');
    }
    expect(headings(message.text)).toEqual(['ORDERS SO FAR (2)', 'BREACHES SO FAR (1)']);
  });

  it("end of day: the full day with its costs and the daily table's row, both charts", async () => {
    const { message } = await prepareDailyReport(t.reports, options('end'));
    expect((message.attachments ?? []).map((a) => a.filename)).toEqual(['nlv-today.png', 'nlv-30-days.png']);
    expect(message.html?.match(/<img /g)).toHaveLength(2);
    for (const part of [message.text, message.html ?? '']) {
      expect(part).toContain('since the open');
      expect(part).toMatch(/AAPL[\s\S]*40\.0%[\s\S]*38\.0%/);
      // the row the end of day writes: closing NLV 100,900 = Friday's 100,000 + 900 P&L; the fills' notional and costs
      expect(part).toContain('Closing NLV');
      expect(part).toContain('100,900.00');
      expect(part).toContain('+900.00');
      expect(part).toContain('Turnover');
      expect(part).toContain('3,901.50');
      expect(part).toContain('commissions 2.00');
    }
    expect(headings(message.text)).toEqual([
      "THE DAY (the daily table's row)",
      'POSITIONS (weight / target, drift)',
      'ORDERS TODAY (2)',
      'BREACHES TODAY (1)',
    ]);
  });

  it('the three kinds of one day differ in what they show, not only in their title', async () => {
    const texts = await Promise.all(
      (['start', 'mid', 'end'] as const).map(async (kind) => (await prepareDailyReport(t.reports, options(kind))).message.text),
    );
    const bodies = texts.map((text) => headings(text).join('|'));
    expect(new Set(bodies).size).toBe(3);
  });

  it('the scheduled email is the same function of the kind as `rebalancer report`', async () => {
    for (const kind of ['start', 'mid', 'end'] as const) {
      const sent: MailMessage[] = [];
      const mailer: Mailer = {
        send: (m) => {
          sent.push(m);
          return Promise.resolve({ status: 'sent' });
        },
      };
      await sendDailyReport({ reports: t.reports, mailer, emails: t.store }, options(kind));
      const onDemand = renderDailyReport(loadDailyReport(t.reports, options(kind)));
      expect(sent[0]?.text).toBe(onDemand.text);
      expect(sent[0]?.attachments?.length ?? 0).toBe({ start: 0, mid: 1, end: 2 }[kind]);
    }
  });
});

describe('reportAsOf: the moment a summary of a past day describes, as its scheduled email did', () => {
  const marks = { open: '2026-11-23T14:30:00Z', midpoint: '2026-11-23T17:45:00Z' };
  const runs = ['2026-11-23T13:35:00Z', '2026-11-23T14:35:00Z', '2026-11-23T16:35:00Z', '2026-11-23T17:45:00Z', '2026-11-23T19:35:00Z'];
  const now = '2026-11-24T02:00:00Z';

  it('start of day: the first run at or after the open; mid-day: the first at or after the midpoint; end: now', () => {
    expect(reportAsOf('start', runs, marks, now)).toEqual({ at: '2026-11-23T14:35:00Z', run: '2026-11-23T14:35:00Z' });
    expect(reportAsOf('mid', runs, marks, now)).toEqual({ at: '2026-11-23T17:45:00Z', run: '2026-11-23T17:45:00Z' });
    expect(reportAsOf('end', runs, marks, now)).toEqual({ at: now });
  });

  it('before that run (or on a day without a session): the day so far, as of now', () => {
    expect(reportAsOf('mid', runs.slice(0, 3), marks, '2026-11-23T17:00:00Z')).toEqual({ at: '2026-11-23T17:00:00Z' });
    expect(reportAsOf('start', ['2026-11-23T13:35:00Z'], marks, '2026-11-23T14:00:00Z')).toEqual({ at: '2026-11-23T14:00:00Z' });
    expect(reportAsOf('start', runs, undefined, now)).toEqual({ at: now });
  });

  it('compares instants, not their spelling', () => {
    expect(reportAsOf('start', ['2026-11-23T09:30:00-05:00'], marks, now)).toEqual({
      at: '2026-11-23T09:30:00-05:00',
      run: '2026-11-23T09:30:00-05:00',
    });
  });
});
