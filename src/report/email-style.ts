/**
 * The design every email shares (alerts, warnings; the daily summaries use the same colours, font and column):
 * one column at most 600 px wide that narrows to the phone's width, on a light grey page. Email HTML is not web
 * HTML: Outlook renders with Word (it ignores max-width, so it alone gets a fixed 600 px table in a conditional
 * comment), Gmail drops <style> blocks in some views, and phones shrink anything wider than the screen. So:
 * tables for layout, every style inline, no external resources, every interpolated string escaped, and text that
 * may hold long unbroken tokens (file paths, run ids, digests) allowed to break anywhere rather than push the
 * column wider than the screen. Pure: strings in, HTML out.
 *
 * Each block helper returns one row of the column (`<tr><td>…</td></tr>`); emailDocument wraps the rows. The tags a
 * helper writes never depend on the text it is given (only text and colours do): an email's structure is the
 * template's, whatever the run, the broker or a file name puts in it.
 */
import { DateTime } from 'luxon';
import { EXCHANGE_ZONE } from '../core/session.js';
import { escapeHtml as e } from './escape-html.js';

export const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
export const MONO = "ui-monospace,SFMono-Regular,Menlo,Consolas,'Liberation Mono',monospace";

export const COLOURS = {
  page: '#f1f3f4',
  card: '#ffffff',
  ink: '#202124',
  muted: '#5f6368',
  line: '#e8eaed',
  codeBackground: '#f1f3f4',
} as const;

/** A banner's or a block's tone: red for a failure, amber for blocked, halted or reducing, grey for a warning, green for ok. */
export type Tone = 'failure' | 'caution' | 'neutral' | 'ok';

export const TONES: Record<Tone, { background: string; ink: string; edge: string }> = {
  failure: { background: '#fce8e6', ink: '#c5221f', edge: '#d93025' },
  caution: { background: '#fef7e0', ink: '#b06000', edge: '#f9ab00' },
  neutral: { background: '#f1f3f4', ink: '#3c4043', edge: '#80868b' },
  ok: { background: '#e6f4ea', ink: '#137333', edge: '#188038' },
};

/** Long tokens (a 200-character path, a digest) break where they must instead of widening the column. */
export const WRAP = 'overflow-wrap:anywhere;word-break:break-word';

const TABLE = 'role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0"';

/**
 * An instant as the trader reads it: New York time with its zone ("Mon Nov 23 10:35 New York (EST)"), and UTC for
 * the logs ("2026-11-23 15:35 UTC"). Text that is not an ISO instant is shown as it is, with no UTC.
 */
export function exchangeTime(iso: string): { local: string; utc: string } {
  const t = DateTime.fromISO(iso, { zone: EXCHANGE_ZONE }).setLocale('en-US');
  if (!t.isValid) return { local: iso, utc: '' };
  return {
    local: `${t.toFormat('ccc LLL d HH:mm')} New York (${t.toFormat('ZZZZ')})`,
    utc: `${t.toUTC().toFormat('yyyy-LL-dd HH:mm')} UTC`,
  };
}

/** The instant in one line of plain text: "Mon Nov 23 10:35 New York (EST), 2026-11-23 15:35 UTC". */
export function exchangeTimeText(iso: string): string {
  const { local, utc } = exchangeTime(iso);
  return utc === '' ? local : `${local}, ${utc}`;
}

/** The instant in HTML: New York time, UTC below it in small print. */
export function exchangeTimeHtml(iso: string): string {
  const { local, utc } = exchangeTime(iso);
  return `${e(local)}<div style="font-size:12px;line-height:16px;color:${COLOURS.muted}">${e(utc)}</div>`;
}

/** Inline code (a command, a path): monospace on grey, breaking anywhere. */
export function code(text: string): string {
  return `<code style="font-family:${MONO};font-size:0.92em;background:${COLOURS.codeBackground};border-radius:3px;padding:0 3px;${WRAP}">${e(text)}</code>`;
}

/**
 * Prose written with backtick spans, as in the text part ("run `rebalancer resume`"), as HTML: each span is <code>,
 * everything escaped. A backtick without a partner stays a backtick.
 */
export function inlineCode(text: string): string {
  const parts = text.split('`');
  // An even number of parts means an odd number of backticks: the last one has no partner.
  const unpaired = parts.length % 2 === 0 ? parts.pop() : undefined;
  const html = parts.map((part, i) => (i % 2 === 1 ? code(part) : e(part))).join('');
  return unpaired === undefined ? html : `${html}\`${e(unpaired)}`;
}

/**
 * The whole document: the viewport for phones, a hidden preheader (the line clients show after the subject), and
 * the rows on a white column of at most 600 px, centred on a grey page.
 */
export function emailDocument(o: { title: string; preheader: string; rows: readonly string[] }): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">
<title>${e(o.title)}</title></head>
<body style="margin:0;padding:0;background:${COLOURS.page};${WRAP}">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:${COLOURS.page}">${e(o.preheader)}</div>
<table ${TABLE} bgcolor="${COLOURS.page}" style="background:${COLOURS.page};table-layout:fixed"><tr><td align="center" style="padding:12px 6px">
<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->
<table ${TABLE} bgcolor="${COLOURS.card}" style="max-width:600px;background:${COLOURS.card};border-radius:8px;font-family:${FONT};color:${COLOURS.ink};font-size:14px;line-height:20px;text-align:left;table-layout:fixed;${WRAP}">
${o.rows.join('\n')}
<tr><td style="padding:0 0 16px"></td></tr>
</table>
<!--[if mso]></td></tr></table><![endif]-->
</td></tr></table>
</body></html>
`;
}

/** The top of the column: a small line of context (account, what, when) and the headline. */
export function heading(context: string, title: string): string {
  return `<tr><td style="padding:20px 16px 8px">
<div style="font-size:13px;line-height:18px;color:${COLOURS.muted}">${e(context)}</div>
<h1 style="margin:4px 0 0;font-size:20px;line-height:26px;font-weight:700;color:${COLOURS.ink};${WRAP}">${e(title)}</h1>
</td></tr>`;
}

/**
 * The state in a coloured box, first thing under the heading: "BLOCKED · TRADING HALTED" and a line or two on
 * what it means (lines are HTML: pass them escaped).
 */
export function banner(tone: Tone, title: string, linesHtml: readonly string[]): string {
  const t = TONES[tone];
  return `<tr><td style="padding:8px 16px 0">
<table ${TABLE} style="border-collapse:collapse;table-layout:fixed"><tr><td data-banner bgcolor="${t.background}" style="background:${t.background};border-left:4px solid ${t.edge};border-radius:6px;padding:10px 12px;${WRAP}">
<div style="font-size:16px;line-height:22px;font-weight:700;letter-spacing:0.3px;color:${t.ink}">${e(title)}</div>
${linesHtml.map((l) => `<div style="font-size:14px;line-height:20px;color:${COLOURS.ink}">${l}</div>`).join('\n')}
</td></tr></table>
</td></tr>`;
}

/** A titled section; the body is HTML (from the helpers below). */
export function section(title: string, bodyHtml: string): string {
  return `<tr><td style="padding:16px 16px 0">
<h2 style="margin:0 0 6px;font-size:16px;line-height:22px;color:${COLOURS.ink};${WRAP}">${e(title)}</h2>
${bodyHtml}
</td></tr>`;
}

/** Label and value rows (values are HTML): the label column keeps a fixed width, the value wraps in the rest. */
export function keyValues(rows: readonly (readonly [string, string])[]): string {
  const cell = `padding:6px 4px;border-bottom:1px solid ${COLOURS.line};vertical-align:top;text-align:left`;
  return `<table ${TABLE} style="border-collapse:collapse;table-layout:fixed;font-size:14px;line-height:20px">
${rows
  .map(
    ([label, value]) =>
      `<tr><th style="${cell};width:104px;font-weight:600;font-size:13px;color:${COLOURS.muted}">${e(label)}</th><td style="${cell};${WRAP}">${value}</td></tr>`,
  )
  .join('\n')}
</table>`;
}

/**
 * One item in a coloured frame: a bold head (a breach code, a file's label) then its text, which wraps anywhere
 * (the detail of a breach often holds a file path and the field that failed). Both are HTML.
 */
export function block(tone: Tone, headHtml: string, detailHtml: string): string {
  const t = TONES[tone];
  return `<table ${TABLE} style="border-collapse:separate;table-layout:fixed;margin:0 0 8px"><tr><td style="border-left:3px solid ${t.edge};background:#fafafa;padding:6px 10px;${WRAP}">
<div style="font-size:14px;line-height:20px">${headHtml}</div>
<div style="font-size:13px;line-height:19px;color:${COLOURS.ink};${WRAP}">${detailHtml}</div>
</td></tr></table>`;
}

/** A bulleted list; the items are HTML. */
export function list(itemsHtml: readonly string[]): string {
  return `<ul style="margin:0;padding:0 0 0 20px;font-size:14px;line-height:20px">${itemsHtml.map((i) => `<li style="margin:0 0 6px;${WRAP}">${i}</li>`).join('')}</ul>`;
}

/** A quiet line: "none", a count, a note. */
export function muted(text: string): string {
  return `<p style="margin:0;color:${COLOURS.muted};font-size:14px;line-height:20px">${e(text)}</p>`;
}

/** Preformatted text (an error with its stack): kept as written, yet wrapped at the column's edge. */
export function preformatted(text: string): string {
  return `<pre style="margin:0;padding:8px 10px;background:${COLOURS.codeBackground};border-radius:4px;font-family:${MONO};font-size:12px;line-height:17px;white-space:pre-wrap;${WRAP}">${e(text)}</pre>`;
}

/** A footer row in small print. */
export function footer(linesHtml: readonly string[]): string {
  return `<tr><td style="padding:20px 16px 0;font-size:12px;line-height:18px;color:${COLOURS.muted}">${linesHtml.map((l) => `<div>${l}</div>`).join('')}</td></tr>`;
}
