/**
 * The plain-text part of the daily report: the same content as the HTML, for clients that show text
 * only and for reading in a terminal. Phones show it in a proportional font, so it uses short labelled
 * lines instead of space-aligned columns, which would break there. Pure.
 */
import { FORECAST_CHANGES_TITLE, type ReportView } from './report-view.js';

function list(title: string, lines: string[], empty: string): string[] {
  return ['', title, ...(lines.length === 0 ? [`  ${empty}`] : lines.map((l) => `  ${l}`))];
}

/** The text body of the report. */
export function renderReportText(v: ReportView): string {
  const banner = v.banner === undefined ? [] : [`*** ${v.banner.title} ***`, v.banner.text, ''];
  const out: string[] = [...banner, `${v.account} - ${v.kindLabel} - ${v.dayLabel}`, v.summary, ''];
  out.push(v.nlv === undefined ? 'No snapshot yet today.' : `NLV ${v.nlv}`);
  for (const c of v.changes) out.push(`  ${c.value} ${c.label}`);
  for (const f of v.flows) out.push(`  ${f.value} ${f.label}`);
  for (const p of v.pnl) out.push(`${p.label} ${p.value}`);
  if (v.figures.length > 0) out.push(v.figures.map(([label, value]) => `${label} ${value}`).join(' · '));
  if (v.cashByCurrency !== undefined) out.push(`${v.cashByCurrency.title}:`, ...v.cashByCurrency.lines.map((l) => `  ${l.cash} ${l.rest}`));
  out.push('', v.breachSummary.text, v.runsLine);
  if (v.forecastChanges !== undefined)
    out.push(
      '',
      FORECAST_CHANGES_TITLE.toUpperCase(),
      ...(v.forecastChanges.length === 0 ? ['  No change since the previous trading day.'] : v.forecastChanges.map((c) => `  ${c}`)),
    );
  if (v.dayRow !== undefined)
    out.push('', "THE DAY (the daily table's row)", `  ${v.dayRow.map(([label, value]) => `${label} ${value}`).join(' · ')}`);
  if (v.content.positions) {
    out.push(
      ...list(
        `${v.titles.positions.toUpperCase()} (${v.more.positions === undefined ? '' : `${v.counts.positions}; `}weight / target, drift)`,
        v.positions.map((p) => `${p.symbol} ${p.weight} / ${p.target}, ${p.drift} - ${p.detail} · ${p.cost} · unrealized ${p.unrealized}`),
        'none',
      ),
    );
    if (v.more.positions !== undefined) out.push(`  ${v.more.positions}`);
    if (v.positionsTotal !== undefined) out.push(`  ${v.positionsTotal}`);
  }
  out.push(
    ...list(
      `${v.titles.orders.toUpperCase()} (${v.counts.orders})`,
      // The state first; the details and each fill on lines of their own, indented under the order.
      v.orders.flatMap((o) => [`${o.time} ${o.what}: ${o.status}`, `  ${o.details}`, ...o.fills.map((f) => `  ${f}`)]),
      'none',
    ),
  );
  if (v.more.orders !== undefined) out.push(`  ${v.more.orders}`);
  if (v.fills.length > 0)
    out.push(
      ...list(
        `${v.titles.fills.toUpperCase()} (${v.counts.fills})`,
        v.fills.map((f) => `${f.time} ${f.what}, slippage ${f.slippage}, commission ${f.commission}`),
        'none',
      ),
      ...(v.more.fills === undefined ? [] : [`  ${v.more.fills}`]),
    );
  if (v.fillTotals !== undefined) out.push(`  ${v.fillTotals}`);
  if (v.orderActivity !== undefined) out.push(`  ${v.orderActivity}`);
  // Cash moved between currencies: apart from the orders and fills of tickers, and from their totals.
  if (v.conversions !== undefined)
    out.push(
      ...list(
        `${v.titles.conversions.toUpperCase()} (${v.conversions.length})`,
        v.conversions.map((c) => `${c.time} ${c.what}: ${c.value}${c.commission === '' ? '' : `, commission ${c.commission}`}`),
        'none',
      ),
    );
  if (v.breaches.length > 0) {
    out.push(
      ...list(
        `${v.titles.breaches.toUpperCase()} (${v.counts.breaches})`,
        v.breaches.map((b) => `${b.time} ${b.code}${b.symbol === undefined ? '' : ` ${b.symbol}`}: ${b.detail}`),
        'none',
      ),
      ...(v.more.breaches === undefined ? [] : [`  ${v.more.breaches}`]),
    );
  }
  out.push('', ...v.footer, '');
  return out.join('\n');
}
