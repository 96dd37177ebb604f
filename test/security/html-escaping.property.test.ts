/**
 * Every string that reaches an HTML email is escaped. The alert and the daily report are rendered with hostile
 * strings (script and img tags, event handlers, quotes that close attributes, comment openers, entities) in
 * every field a user, a broker or a file name can fill: symbols, breach codes and details, order statuses and
 * messages, file names and paths, account ids, run ids, errors, notes. The HTML's tags are then exactly those of
 * the same email rendered with harmless strings: no tag, attribute or event handler comes from the input, and no
 * bare `&` either. Subjects stay on one line (no header injection).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SEED } from '../properties/support/checks.js';
import { renderAlert, type AlertInput } from '../../src/report/render-alert.js';
import type { Breach, BreachCode } from '../../src/core/types.js';
import { withNote, withRepeatsSummary } from '../../src/report/alert-throttle.js';
import type { DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { aReport, PNG_MAGIC } from '../report/report-builders.js';

const PAYLOADS = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//x.example/x.js></SCRIPT>',
  '<img src=x onerror=alert(1)>',
  '<IMG SRC="javascript:alert(1)">',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(1)",
  '" onerror="alert(1)',
  '</td></tr></table><b>bold</b>',
  '<!--',
  '-->',
  '<![CDATA[x]]>',
  '&lt;script&gt;',
  '&amp;',
  '&',
  '<<script>script>alert(1)<</script>/script>',
  '<a href="http://evil.example">x</a>',
  '<style>body{}</style>',
  '<body onload=alert(1)>',
  '<iframe src=//evil.example>',
  '\u003cscript\u003e',
  '<',
  '>',
  '"',
  "'",
  '`',
  '</title><script>x</script>',
];

/** Any text: random strings, known payloads, and payloads glued to random text. */
const hostile = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 3, arbitrary: fc.constantFrom(...PAYLOADS) },
  {
    weight: 3,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...PAYLOADS), fc.string({ maxLength: 8 })), { minLength: 1, maxLength: 4 })
      .map((parts) => parts.join('')),
  },
);

/** The harmless string of the same shape: blank stays blank (some parts of the email are left out when blank). */
const harmless = (s: string): string => (s.trim() === '' ? s : 'x');

/** The HTML's tags, attribute values blanked: what the template decides. Escaped input contributes no `<`. */
function skeleton(html: string): string[] {
  return (html.match(/<[^>]*>/g) ?? []).map((tag) => tag.replace(/"[^"]*"/g, '""'));
}

function expectSameStructure(html: string, baseline: string): void {
  expect(skeleton(html)).toEqual(skeleton(baseline));
  expect(html).not.toMatch(/<script/i);
  expect((html.match(/<img/gi) ?? []).length).toBe((baseline.match(/<img/gi) ?? []).length);
  for (const tag of html.match(/<[^>]*>/g) ?? []) expect(tag).not.toMatch(/\bon[a-z]+\s*=/i);
  // Every & starts an entity: the input's own & were escaped.
  expect(html).not.toMatch(/&(?!(?:amp|lt|gt|quot|#39);)/);
}

/**
 * Breach codes are a fixed set in the run, but the report reads them back from the database as text, and the
 * escaping must not depend on that: any text is tried, as a code.
 */
const asCode = (text: string): BreachCode => text as BreachCode;
const breach = fc.record({ code: hostile.map(asCode), detail: hostile, symbol: fc.option(hostile, { nil: undefined }) });
const alertInput: fc.Arbitrary<AlertInput> = fc.record({
  account: hostile,
  runId: hostile,
  outcome: fc.constantFrom<'FAILED' | 'BLOCKED'>('FAILED', 'BLOCKED'),
  now: hostile,
  tradingState: hostile,
  breaches: fc
    .array(breach, { maxLength: 3 })
    .map((bs) => bs.map((b): Breach => ({ code: b.code, detail: b.detail, ...(b.symbol === undefined ? {} : { symbol: b.symbol }) }))),
  error: fc.option(hostile, { nil: undefined }),
  files: fc.array(fc.record({ label: hostile, path: hostile }), { maxLength: 3 }),
  exitCode: fc.integer({ min: 0, max: 4 }),
});

function harmlessAlert(a: AlertInput): AlertInput {
  return {
    ...a,
    account: harmless(a.account),
    runId: harmless(a.runId),
    now: harmless(a.now),
    tradingState: harmless(a.tradingState),
    breaches: a.breaches.map((b) => ({
      code: asCode(harmless(b.code)),
      detail: harmless(b.detail),
      ...(b.symbol === undefined ? {} : { symbol: harmless(b.symbol) }),
    })),
    ...(a.error === undefined ? {} : { error: harmless(a.error) }),
    files: a.files.map((f) => ({ label: harmless(f.label), path: harmless(f.path) })),
  };
}

describe('the alert email, with hostile strings in every field', () => {
  it('has exactly the tags of the same alert with harmless strings, and a one-line subject', () => {
    fc.assert(
      fc.property(alertInput, (input) => {
        const message = renderAlert(input);
        const baseline = renderAlert(harmlessAlert(input));
        expectSameStructure(message.html ?? '', baseline.html ?? '');
        expect(message.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 400, seed: SEED },
    );
  });

  it('keeps its structure with a note or a repeat summary in front', () => {
    fc.assert(
      fc.property(alertInput, hostile, fc.integer({ min: 1, max: 50 }), (input, note, count) => {
        const repeats = { count, first: '2026-11-23T14:35:00Z', last: '2026-11-23T15:35:00Z' };
        const noted = withRepeatsSummary(withNote(renderAlert(input), note), repeats, '2026-11-23T16:35:00Z');
        const baseline = withRepeatsSummary(withNote(renderAlert(harmlessAlert(input)), harmless(note)), repeats, '2026-11-23T16:35:00Z');
        expectSameStructure(noted.html ?? '', baseline.html ?? '');
        expect(noted.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 200, seed: SEED },
    );
  });
});

/** Report data with hostile strings wherever text comes from the account, the broker or the records. */
const reportStrings = fc.record({
  account: hostile,
  tradingDay: hostile,
  symbols: fc.array(hostile, { minLength: 4, maxLength: 4 }),
  statuses: fc.array(hostile, { minLength: 2, maxLength: 2 }),
  messages: fc.array(fc.option(hostile, { nil: undefined }), { minLength: 2, maxLength: 2 }),
  breaches: fc.array(
    fc.record({ code: hostile, detail: hostile, symbol: fc.option(hostile, { nil: undefined }), runId: hostile, at: hostile }),
    { maxLength: 3 },
  ),
  currency: hostile,
  note: fc.option(hostile, { nil: undefined }),
});
type ReportStrings = typeof reportStrings extends fc.Arbitrary<infer T> ? T : never;

function reportOf(s: ReportStrings, clean: (t: string) => string): DailyReportData {
  const base = aReport();
  const sym = (i: number): string => clean(s.symbols[i] ?? 'x');
  return {
    ...base,
    account: clean(s.account),
    tradingDay: clean(s.tradingDay),
    latest: base.latest === undefined ? undefined : { ...base.latest, currency: clean(s.currency) },
    positions: base.positions.map((p, i) => ({ ...p, symbol: sym(i) })),
    orders: base.orders.map((o, i) => ({
      ...o,
      symbol: sym(i + 2),
      status: clean(s.statuses[i] ?? 'x'),
      ...(s.messages[i] === undefined ? {} : { message: clean(s.messages[i] ?? 'x') }),
    })),
    fills: base.fills.map((f, i) => ({ ...f, symbol: sym(i) })),
    breaches: s.breaches.map((b) => ({
      code: asCode(clean(b.code)),
      detail: clean(b.detail),
      runId: clean(b.runId),
      at: clean(b.at),
      ...(b.symbol === undefined ? {} : { symbol: clean(b.symbol) }),
    })),
  };
}

const CHARTS = { dayPng: PNG_MAGIC, monthPng: PNG_MAGIC };

describe('the daily report email, with hostile strings in every field', () => {
  it('has exactly the tags of the same report with harmless strings (its two chart images included), and a one-line subject', () => {
    fc.assert(
      fc.property(reportStrings, fc.constantFrom<DailyReportData['kind']>('start', 'mid', 'end'), (strings, kind) => {
        let message = renderDailyReport({ ...reportOf(strings, (t) => t), kind }, CHARTS);
        let baseline = renderDailyReport({ ...reportOf(strings, harmless), kind }, CHARTS);
        if (strings.note !== undefined) {
          message = withNote(message, strings.note);
          baseline = withNote(baseline, harmless(strings.note));
        }
        expectSameStructure(message.html ?? '', baseline.html ?? '');
        expect((message.html ?? '').match(/<img/g)).toHaveLength(2);
        expect(message.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 200, seed: SEED },
    );
  });
});
