/**
 * The daily summary email (start, mid or end of day): from the report's data and its chart images to a
 * MailMessage with a subject, an HTML part, a text part with the same content, and the charts attached
 * inline. Pure: the charts are drawn beforehand (see nlv-chart.ts), so this never touches a canvas.
 */
import type { InlineAttachment, MailMessage } from '../ports/mailer.js';
import type { DailyReportData } from './daily-report-data.js';
import { renderReportHtml, type ChartRef } from './daily-report-html.js';
import { renderReportText } from './daily-report-text.js';
import { formatMoney } from '../core/money.js';
import { buildReportView, type ReportView } from './report-view.js';
import { reportCsvFiles } from './report-csv.js';

/** Content-IDs of the two charts; the `@rebalancer` part keeps them unique the way RFC 2392 expects. */
export const DAY_CHART_CID = 'nlv-day@rebalancer';
export const MONTH_CHART_CID = 'nlv-month@rebalancer';

/** PNG images of the day's NLV and of the closing NLV of recent trading days. */
export interface ReportCharts {
  dayPng?: Buffer;
  monthPng?: Buffer;
}

const SUBJECT_KINDS = { start: 'start of day', mid: 'mid-day', end: 'end of day' } as const;

/** One line, for a header: newlines and runs of white space become one space. */
const oneLine = (text: string, max = 40): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
};

/** `[rebalancer] DU0000001 end of day 2026-11-23: NLV 100,234.50 (+0.23%)`, plus the breach count when there are any. */
export function dailyReportSubject(data: DailyReportData, view: Pick<ReportView, 'headline' | 'banner'> = buildReportView(data)): string {
  // The kill switch is a state, said first as the banner says it; other breaches are counted.
  const counted = data.breaches.filter((b) => view.banner === undefined || b.code !== 'KILL_SWITCH').length;
  const breaches = counted === 0 ? '' : `, ${counted} breach${counted === 1 ? '' : 'es'}`;
  // ASCII only: a subject with other characters is MIME-encoded, and people grep the outbox's .eml files.
  const state = view.banner === undefined ? '' : `${view.banner.title}, `;
  return `[rebalancer] ${oneLine(data.account)} ${SUBJECT_KINDS[data.kind]} ${data.tradingDay}: ${state}${view.headline}${breaches}`;
}

function altOf(label: string, points: { nlv: number }[]): string {
  const first = points[0];
  const last = points.at(-1);
  return first === undefined || last === undefined ? label : `${label}: from ${formatMoney(first.nlv)} to ${formatMoney(last.nlv)}`;
}

/**
 * How the HTML part shows the charts and the tables: `attached` (an email: inline attachments it names by Content-ID;
 * the tables within BODY_LIMITS, every row in the attached CSV files) or `embedded` (a file that stands alone,
 * `rebalancer report --html`: `data:` URIs, every row in the tables, nothing attached).
 */
export type ChartImages = 'attached' | 'embedded';

/** Renders the report; a chart given as PNG is attached inline (or embedded) and shown in the HTML part. */
export function renderDailyReport(data: DailyReportData, charts: ReportCharts = {}, images: ChartImages = 'attached'): MailMessage {
  const view = buildReportView(data, images === 'attached' ? 'body' : 'all');
  const subject = dailyReportSubject(data, view);
  const attachments: InlineAttachment[] = [];
  const refs: { day?: ChartRef; month?: ChartRef } = {};
  const srcOf = (cid: string, png: Buffer): string =>
    images === 'embedded' ? `data:image/png;base64,${png.toString('base64')}` : `cid:${cid}`;
  if (charts.dayPng !== undefined) {
    if (images === 'attached')
      attachments.push({ cid: DAY_CHART_CID, filename: 'nlv-today.png', content: charts.dayPng, contentType: 'image/png' });
    refs.day = { src: srcOf(DAY_CHART_CID, charts.dayPng), alt: altOf('NLV today', data.daySeries) };
  }
  if (charts.monthPng !== undefined) {
    if (images === 'attached')
      attachments.push({ cid: MONTH_CHART_CID, filename: 'nlv-30-days.png', content: charts.monthPng, contentType: 'image/png' });
    refs.month = { src: srcOf(MONTH_CHART_CID, charts.monthPng), alt: altOf('Closing NLV, recent trading days', data.history) };
  }
  const files = images === 'attached' ? reportCsvFiles(data) : [];
  return {
    subject,
    text: renderReportText(view),
    html: renderReportHtml(view, subject, refs),
    ...(attachments.length === 0 ? {} : { attachments }),
    ...(images === 'attached' && files.length > 0 ? { files } : {}),
  };
}
