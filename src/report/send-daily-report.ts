/**
 * The daily report end to end: read the records, draw the charts, render, send, and record what was sent
 * (and, for the end of day, the `daily` row that later 30-day charts read). The one place that puts the
 * pure pieces of src/report together for the run and for `rebalancer report`.
 */
import { withNote } from './alert-throttle.js';
import type { Mailer, MailMessage, MailOutcome } from '../ports/mailer.js';
import type { ReportStore, RunStore } from '../ports/store.js';
import { dailyRowOf, loadDailyReport, type DailyReportData, type LoadDailyReportOptions } from './daily-report-data.js';
import { formatMoney } from '../core/money.js';
import { renderNlvChart } from './nlv-chart.js';
import { signedMoney } from '../core/cash-flows.js';
import { shiftedByLaterFlows, timeWeighted } from './flow-adjusted.js';
import { renderDailyReport, type ReportCharts } from './render-daily-report.js';
import { KIND_CONTENT } from './report-view.js';

/**
 * Draws the charts the kind shows (KIND_CONTENT: mid-day the day's, end of day both, start of day none) that are
 * worth showing: a line needs two points, so a day with one snapshot gets none. Cash flows are
 * taken out of both lines (a deposit is not a gain): the day's points and the previous close move by the flows
 * that came after them, so the line ends at the NLV now and its distance to the close is the day's P&L; the days'
 * line is the time-weighted return, scaled to end at the NLV now.
 */
export async function drawReportCharts(data: DailyReportData): Promise<ReportCharts> {
  const charts: ReportCharts = {};
  const content = KIND_CONTENT[data.kind];
  const moved = (points: DailyReportData['daySeries']): boolean => points.some((p) => (p.flow ?? 0) !== 0);
  // The y axis says its unit: the account's currency.
  const currency = data.latest?.currency === undefined ? {} : { currency: data.latest.currency };
  if (content.dayChart && data.daySeries.length >= 2) {
    const close = data.sincePreviousClose;
    const day = shiftedByLaterFlows(data.daySeries, close?.base);
    const withFlows = moved(data.daySeries);
    charts.dayPng = await renderNlvChart(
      day.points,
      withFlows ? 'NLV today (ET), cash flows taken out' : 'NLV today (ET)',
      close === undefined || day.baseline === undefined
        ? currency
        : {
            ...currency,
            baseline: day.baseline,
            baselineLabel:
              close.flows === 0
                ? `previous close ${formatMoney(close.base)}`
                : `previous close ${formatMoney(close.base)} ${signedMoney(close.flows)} moved`,
          },
    );
  }
  if (content.monthChart && data.history.length >= 2) {
    const title = `Closing NLV, last ${data.history.length} trading days`;
    charts.monthPng = moved(data.history.slice(1))
      ? await renderNlvChart(
          timeWeighted(data.history),
          `NLV, last ${data.history.length} trading days, time-weighted (cash flows taken out)`,
          currency,
        )
      : await renderNlvChart(data.history, title, currency);
  }
  return charts;
}

/** Reads and renders the report without sending it. */
export async function prepareDailyReport(
  store: ReportStore,
  options: LoadDailyReportOptions,
): Promise<{ data: DailyReportData; message: MailMessage }> {
  const data = loadDailyReport(store, options);
  return { data, message: renderDailyReport(data, await drawReportCharts(data)) };
}

export interface SendDailyReportDeps {
  reports: ReportStore;
  mailer: Mailer;
  /** Where the email is recorded, so it goes out once per trading day and kind. */
  emails: Pick<RunStore, 'recordEmail'>;
  runId?: string;
  /** A line to put in front of the report (e.g. runs that were missed). */
  note?: string;
}

/**
 * Sends the report and records it. The end-of-day row is written even when the email is queued: the
 * close happened whether or not the mail server was up, and tomorrow's chart needs it.
 */
export async function sendDailyReport(
  deps: SendDailyReportDeps,
  options: LoadDailyReportOptions,
): Promise<{ data: DailyReportData; message: MailMessage; outcome: MailOutcome }> {
  const prepared = await prepareDailyReport(deps.reports, options);
  const data = prepared.data;
  const message = deps.note === undefined ? prepared.message : withNote(prepared.message, deps.note);
  if (options.kind === 'end') {
    const row = dailyRowOf(data);
    if (row !== undefined) deps.reports.recordDailyRow(row, options.now);
  }
  const outcome = await deps.mailer.send(message);
  deps.emails.recordEmail({
    kind: options.kind,
    tradingDay: options.tradingDay,
    subject: message.subject,
    status: outcome.status,
    at: options.now,
    ...(deps.runId === undefined ? {} : { runId: deps.runId }),
  });
  return { data, message, outcome };
}
