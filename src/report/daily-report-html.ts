/**
 * The HTML part of the daily report. Email HTML is not web HTML: Outlook renders with Word, Gmail drops
 * <style> blocks in some views, and phones shrink anything wider than the screen. So: nested tables for
 * layout, every style inline, one 600px column that narrows to the phone's width, no external resources,
 * and every interpolated string escaped. Pure.
 */
import { escapeHtml as e } from './escape-html.js';
import { FORECAST_CHANGES_TITLE, type ReportView, type Sign } from './report-view.js';

/**
 * An image the HTML shows: its source (`cid:<Content-ID>` for an inline attachment of the email, a `data:` URI for
 * a file that stands alone) and the alternative text.
 */
export interface ChartRef {
  src: string;
  alt: string;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const INK = '#202124';
const MUTED = '#5f6368';
const LINE = '#e8eaed';
const colourOf = (sign: Sign): string => (sign > 0 ? '#188038' : sign < 0 ? '#d93025' : INK);

const TABLE = 'role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"';
const cell = (align: 'left' | 'right', extra = ''): string =>
  `style="padding:6px 4px;border-bottom:1px solid ${LINE};text-align:${align};vertical-align:top;${extra}"`;
const num = cell('right', 'white-space:nowrap;font-variant-numeric:tabular-nums;');
const head = (label: string, align: 'left' | 'right' = 'left'): string =>
  `<th ${cell(align, `font-size:12px;font-weight:600;color:${MUTED};`)}>${e(label)}</th>`;
const small = (text: string): string => `<div style="font-size:12px;color:${MUTED}">${e(text)}</div>`;

function section(title: string, body: string): string {
  return `<tr><td style="padding:16px 16px 0">
<h2 style="margin:0 0 6px;font-size:16px;line-height:22px;color:${INK}">${e(title)}</h2>
${body}
</td></tr>`;
}

const table = (rows: string[]): string =>
  `<table ${TABLE} style="border-collapse:collapse;font-size:14px;line-height:20px">\n${rows.join('\n')}\n</table>`;
const none = (text: string): string => `<p style="margin:0;color:${MUTED};font-size:14px">${e(text)}</p>`;
/** The rows a table leaves out (see BODY_LIMITS): "and 475 more: see the attached positions.csv". */
const moreRows = (line: string | undefined): string =>
  line === undefined ? '' : `<p style="margin:6px 0 0;font-size:13px;font-weight:600;color:${INK}">${e(line)}</p>`;

function header(v: ReportView): string {
  const changes = v.changes
    .map(
      (c) =>
        `<div style="font-size:15px;line-height:22px"><span style="color:${colourOf(c.sign)};font-weight:600;white-space:nowrap">${e(c.value)}</span> <span style="color:${MUTED}">${e(c.label)}</span></div>`,
    )
    .join('\n');
  const flows = v.flows
    .map(
      (f) =>
        `<div style="font-size:13px;line-height:20px;color:${MUTED}"><span style="font-weight:600;white-space:nowrap;font-variant-numeric:tabular-nums">${e(f.value)}</span> ${e(f.label)}</div>`,
    )
    .join('\n');
  return `<tr><td style="padding:20px 16px 8px">
<div style="font-size:13px;color:${MUTED};letter-spacing:0.2px">${e(v.account)} · ${e(v.kindLabel)} · ${e(v.dayLabel)}</div>
<div style="font-size:14px;line-height:20px;font-weight:600;color:${INK};padding-top:4px">${e(v.summary)}</div>
<div style="font-size:30px;line-height:38px;font-weight:700;color:${INK};padding:4px 0;font-variant-numeric:tabular-nums">${e(v.nlv ?? 'No snapshot yet')}</div>
${changes}${flows === '' ? '' : `\n${flows}`}
</td></tr>`;
}

/** TRADING HALTED (red) or REDUCING (amber) while it holds: first, above everything else. */
function banner(v: ReportView): string {
  if (v.banner === undefined) return '';
  const [bg, fg] = v.banner.title === 'TRADING HALTED' ? ['#fce8e6', '#c5221f'] : ['#fef7e0', '#b06000'];
  return `<tr><td style="padding:16px 16px 0">
<table ${TABLE} style="border-collapse:collapse"><tr><td bgcolor="${bg}" style="background:${bg};color:${fg};padding:12px;border-radius:6px;font-size:16px;font-weight:700;letter-spacing:0.3px">${e(v.banner.title)}<div style="font-weight:400;color:${INK};font-size:14px;line-height:20px;letter-spacing:0;overflow-wrap:anywhere;word-break:break-word">${e(v.banner.text)}</div></td></tr></table>
</td></tr>`;
}

function status(v: ReportView): string {
  const [bg, fg] = v.breachSummary.ok ? ['#e6f4ea', '#137333'] : ['#fce8e6', '#c5221f'];
  return `<tr><td style="padding:8px 16px 0">
<table ${TABLE} style="border-collapse:collapse"><tr><td bgcolor="${bg}" style="background:${bg};color:${fg};padding:10px 12px;border-radius:6px;font-size:14px;font-weight:600">${e(v.breachSummary.text)}<div style="font-weight:400;color:${INK};font-size:13px">${e(v.runsLine)}</div></td></tr></table>
</td></tr>`;
}

/** Two figures a row: four short columns stay readable on a 320px screen. */
function figures(list: ReportView['figures']): string {
  if (list.length === 0) return '';
  const rows: string[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const pair = list.slice(i, i + 2);
    rows.push(
      `<tr>${pair.map(([label, value]) => `<td width="50%" style="padding:6px 4px;vertical-align:top">${small(label)}<div style="font-size:16px;font-weight:600;font-variant-numeric:tabular-nums">${e(value)}</div></td>`).join('')}</tr>`,
    );
  }
  return `<tr><td style="padding:8px 12px 0">${table(rows)}</td></tr>`;
}

/** Day P&L, unrealized on its cost basis, realized today: one line each, the figure coloured by its sign. */
function pnl(v: ReportView): string {
  if (v.pnl.length === 0) return '';
  const lines = v.pnl.map(
    (p) =>
      `<div style="font-size:14px;line-height:21px">${e(p.label)} <span style="color:${colourOf(p.sign)};font-weight:600;font-variant-numeric:tabular-nums">${e(p.value)}</span></div>`,
  );
  return `<tr><td style="padding:8px 16px 0">${lines.join('\n')}</td></tr>`;
}

/** Cash by currency, under the figures: each balance (coloured by its sign, a borrowed one red) and its rate. */
function cash(v: ReportView): string {
  if (v.cashByCurrency === undefined) return '';
  const lines = v.cashByCurrency.lines.map(
    (l) =>
      `<div style="font-size:14px;line-height:21px"><span style="color:${colourOf(l.sign < 0 ? -1 : 0)};font-weight:600;font-variant-numeric:tabular-nums">${e(l.cash)}</span> ${e(l.rest)}</div>`,
  );
  return `<tr><td style="padding:8px 16px 0">${small(v.cashByCurrency.title)}${lines.join('\n')}</td></tr>`;
}

/** End of day: the row written to the `daily` table. */
function dayRow(v: ReportView): string {
  if (v.dayRow === undefined) return '';
  return `${section("The day (the daily table's row)", '')}
${figures(v.dayRow)}`;
}

function chart(ref: ChartRef | undefined): string {
  if (ref === undefined) return '';
  return `<tr><td style="padding:16px 16px 0"><img src="${e(ref.src)}" width="568" alt="${e(ref.alt)}" style="display:block;width:100%;max-width:568px;height:auto;border:0"></td></tr>`;
}

function positions(v: ReportView): string {
  if (!v.content.positions) return '';
  if (v.positions.length === 0) return section('Positions', none('No positions.'));
  const rows = [`<tr>${head('Symbol')}${head('Weight', 'right')}${head('Target', 'right')}${head('Drift', 'right')}</tr>`];
  for (const p of v.positions) {
    rows.push(
      `<tr><td ${cell('left')}><strong>${e(p.symbol)}</strong>${small(p.detail)}<div style="font-size:12px;color:${MUTED}">${e(p.cost)} · <span style="color:${colourOf(p.unrealizedSign)};white-space:nowrap">${e(p.unrealized)}</span></div></td><td ${num}>${e(p.weight)}</td><td ${num}>${e(p.target)}</td><td ${num}><span style="color:${colourOf(p.sign)}">${e(p.drift)}</span></td></tr>`,
    );
  }
  const total = v.positionsTotal === undefined ? '' : `<p style="margin:6px 0 0;font-size:13px;color:${MUTED}">${e(v.positionsTotal)}</p>`;
  const title = v.more.positions === undefined ? v.titles.positions : `${v.titles.positions} (${v.counts.positions})`;
  return section(title, table(rows) + moreRows(v.more.positions) + total);
}

function orders(v: ReportView): string {
  if (v.orders.length === 0) return section(v.titles.orders, none(`No orders ${v.content.scope}.`));
  const rows = v.orders.map(
    (o) =>
      // The order and its plain state first; the time and IB's details, then each fill, on smaller lines.
      `<tr><td ${cell('left')}>${e(o.what)}<div style="font-size:12px;color:${MUTED};overflow-wrap:anywhere;word-break:break-word">${e(`${o.time} · ${o.details}`)}</div>${o.fills.map((f) => small(f)).join('')}</td><td ${cell('right')}><span style="color:${o.settled ? INK : '#b06000'}">${e(o.status)}</span></td></tr>`,
  );
  const totals = v.fillTotals === undefined ? '' : `<p style="margin:6px 0 0;font-size:13px;color:${MUTED}">${e(v.fillTotals)}</p>`;
  const activity = v.orderActivity === undefined ? '' : `<div style="margin-top:8px">${none(v.orderActivity)}</div>`;
  return section(`${v.titles.orders} (${v.counts.orders})`, table(rows) + moreRows(v.more.orders) + totals + activity);
}

function fills(v: ReportView): string {
  // The orders' fills are under their orders; this lists only fills of orders not shown.
  if (v.fills.length === 0) return '';
  const rows = [`<tr>${head('Fill')}${head('Slippage', 'right')}${head('Comm.', 'right')}</tr>`];
  for (const f of v.fills) {
    rows.push(
      `<tr><td ${cell('left')}>${e(f.what)}${small(f.time)}</td><td ${num}><span style="color:${colourOf(f.sign)}">${e(f.slippage)}</span></td><td ${num}>${e(f.commission)}</td></tr>`,
    );
  }
  return section(`${v.titles.fills} (${v.counts.fills})`, table(rows) + moreRows(v.more.fills));
}

/** Cash moved between currencies: apart from the orders and fills of tickers (and their totals). */
function conversions(v: ReportView): string {
  if (v.conversions === undefined) return '';
  const rows = [`<tr>${head('Conversion')}${head('Value', 'right')}${head('Comm.', 'right')}</tr>`];
  for (const c of v.conversions) {
    rows.push(
      `<tr><td ${cell('left')}>${e(c.what)}${small(c.time)}</td><td ${num}>${e(c.value)}</td><td ${num}>${e(c.commission)}</td></tr>`,
    );
  }
  return section(`${v.titles.conversions} (${v.conversions.length})`, table(rows));
}

function breaches(v: ReportView): string {
  if (v.breaches.length === 0) return '';
  const rows = v.breaches.map(
    (b) =>
      `<tr><td ${cell('left')}><strong style="color:#c5221f">${e(b.code)}</strong>${b.symbol === undefined ? '' : ` ${e(b.symbol)}`}<div style="font-size:13px;color:${INK}">${e(b.detail)}</div>${small(b.time)}</td></tr>`,
  );
  return section(`${v.titles.breaches} (${v.counts.breaches})`, table(rows) + moreRows(v.more.breaches));
}

/** What changed in the forecasts since the previous trading day: one line per strategy, wrapped anywhere. */
function strategyChanges(v: ReportView): string {
  if (v.forecastChanges === undefined) return '';
  const lines =
    v.forecastChanges.length === 0
      ? none('No change since the previous trading day.')
      : v.forecastChanges
          .map(
            (c) => `<div style="font-size:14px;line-height:20px;padding:2px 0;overflow-wrap:anywhere;word-break:break-word">${e(c)}</div>`,
          )
          .join('\n');
  return section(FORECAST_CHANGES_TITLE, lines);
}

/** The whole HTML document of the report. */
export function renderReportHtml(v: ReportView, subject: string, charts: { day?: ChartRef; month?: ChartRef }): string {
  const body = [
    banner(v),
    header(v),
    status(v),
    strategyChanges(v),
    pnl(v),
    figures(v.figures),
    cash(v),
    dayRow(v),
    chart(charts.day),
    chart(charts.month),
    positions(v),
    orders(v),
    fills(v),
    conversions(v),
    breaches(v),
  ]
    .filter((s) => s !== '')
    .join('\n');
  const footer = `<tr><td style="padding:20px 16px 20px;font-size:12px;line-height:18px;color:${MUTED}">${v.footer.map((l) => `<div>${e(l)}</div>`).join('')}</td></tr>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">
<title>${e(subject)}</title></head>
<body style="margin:0;padding:0;background:#f1f3f4">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:#f1f3f4">${e(v.preheader)}</div>
<table ${TABLE} bgcolor="#f1f3f4" style="background:#f1f3f4"><tr><td align="center" style="padding:12px 6px">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table ${TABLE} bgcolor="#ffffff" style="max-width:600px;background:#ffffff;border-radius:8px;font-family:${FONT};color:${INK}">
${body}
${footer}
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr></table>
</body></html>
`;
}
