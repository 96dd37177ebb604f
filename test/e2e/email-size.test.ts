/**
 * The daily summary at 500 tickers on a busy day (500 orders, about 1,550 fills, 40 breaches, written to a real SQLite
 * store): the HTML body stays under 100 KB (Gmail clips bodies past about 102 KB), the whole email as it goes out
 * (text, HTML, both charts, the CSV files) well under what mail providers accept, and every row is in the attached
 * CSV files, which parse back to what the store holds, hostile symbols defused. The truncated tables still read in
 * headless Chromium: the "and N more" lines are on screen at a phone's and a desktop's width.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { loadDailyReport, type DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { drawReportCharts } from '../../src/report/send-daily-report.js';
import type { MailMessage } from '../../src/ports/mailer.js';
import { fillBusyDay, TICKERS } from '../report/busy-day.js';
import { mimeParts, typeOf } from '../report/mime-parts.js';
import { openReportDb, type ReportDb } from '../report/report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const KB = 1024;

let t: ReportDb;
let written: { orders: number; fills: number; breaches: number };
let data: DailyReportData;
let message: MailMessage;
let eml: string;
let browser: Browser;

beforeAll(async () => {
  t = await openReportDb();
  written = fillBusyDay(t.store, t.reports);
  data = loadDailyReport(t.reports, {
    kind: 'end',
    tradingDay: '2026-11-23',
    now: '2026-11-23T21:05:00.000Z',
    account: 'DU0000001',
    nextRun: '2026-11-24T14:35:00Z',
    previousTradingDay: (day) => (day === '2026-11-23' ? '2026-11-20' : '2026-11-19'),
  });
  message = renderDailyReport(data, await drawReportCharts(data));
  const outboxDir = join(t.dir, 'outbox');
  const outcome = await createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [] }).send(
    message,
  );
  expect(outcome.status).toBe('queued');
  eml = readFileSync(join(outboxDir, readdirSync(outboxDir)[0] ?? ''), 'utf8');
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.cleanup();
});

const csvOf = (name: string): Record<string, string>[] => {
  const part = mimeParts(eml).find((p) => (p.headers.get('content-disposition') ?? '').includes(`filename=${name}`));
  expect(part, `${name} attached`).toBeDefined();
  expect(part?.headers.get('content-disposition')).toMatch(/^attachment/);
  return parse(part?.body.toString('utf8') ?? '', { columns: true }) as Record<string, string>[];
};

describe('the daily summary at 500 tickers on a busy day', () => {
  it('the day is as busy as intended', () => {
    expect(data.positions).toHaveLength(TICKERS);
    expect(data.orders).toHaveLength(written.orders);
    expect(written.orders).toBe(500);
    expect(data.fills).toHaveLength(written.fills);
    expect(written.fills).toBeGreaterThanOrEqual(1_500);
    expect(data.breaches).toHaveLength(written.breaches);
  });

  it('the HTML body is under 100 KB, the text part under 50 KB, and the whole email as queued under 1 MB', () => {
    const html = Buffer.byteLength(message.html ?? '');
    expect(html).toBeLessThan(100 * KB);
    expect(Buffer.byteLength(message.text)).toBeLessThan(50 * KB);
    expect(Buffer.byteLength(eml)).toBeLessThan(1_024 * KB);
    expect(mimeParts(eml).map(typeOf)).toEqual(['text/plain', 'text/html', 'image/png', 'image/png', ...Array(4).fill('text/csv')]);
  });

  it('the body shows the largest drifts and orders, every order that did not fill, and says how many more are attached', () => {
    const text = message.text;
    const html = message.html ?? '';
    expect(text).toContain(`and ${TICKERS - 25} more: see the attached positions.csv`);
    expect(html).toContain(`and ${TICKERS - 25} more: see the attached positions.csv`);
    // The orders that did not fill (25 rejected, 10 cancelled) are all shown, with IB's message; then the 25 largest
    // of the others.
    const unfilled = data.orders.filter((o) => o.filledQuantity === 0);
    expect(unfilled.length).toBe(35);
    for (const o of unfilled) expect(text).toContain(`${o.action} ${o.quantity} ${o.symbol} @ `);
    expect(text.match(/: not sent\n/g)?.length).toBe(25);
    expect(text.match(/: cancelled\n/g)?.length).toBe(10);
    expect(text).toContain('and 440 more: see the attached orders.csv (their fills: fills.csv)');
    expect(html).toContain('and 440 more: see the attached orders.csv (their fills: fills.csv)');
    const largest = [...data.orders]
      .filter((o) => o.filledQuantity > 0)
      .sort((a, b) => b.filledQuantity * b.avgFillPrice - a.filledQuantity * a.avgFillPrice)[0];
    expect(text).toContain(`${largest?.action} ${largest?.quantity} ${largest?.symbol} @ `);
    expect(text).toContain('and 15 more: see the attached breaches.csv');
    // The largest drift is in the body.
    const top = [...data.positions].sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift))[0];
    expect(text).toContain(`\n  ${top?.symbol ?? '?'} `);
  });

  it('every row is in the attached CSV files, and they parse back to what the store holds', () => {
    const positions = csvOf('positions.csv');
    expect(positions.map((p) => p.symbol)).toEqual(data.positions.map((p) => p.symbol.replace(/^([=+\-@])/, "'$1")));
    expect(positions.map((p) => Number(p.drift))).toEqual(data.positions.map((p) => p.drift));
    const orders = csvOf('orders.csv');
    expect(orders.map((o) => o.order_ref)).toEqual(data.orders.map((o) => o.orderRef.replace(/^([=+\-@])/, "'$1")));
    expect(orders.map((o) => Number(o.quantity))).toEqual(data.orders.map((o) => o.quantity));
    expect(orders.filter((o) => o.message !== '').map((o) => o.message)).toEqual(
      data.orders.filter((o) => o.message !== undefined).map((o) => o.message),
    );
    const fills = csvOf('fills.csv');
    expect(fills).toHaveLength(written.fills);
    expect(fills.reduce((s, f) => s + Number(f.quantity) * Number(f.price), 0)).toBeCloseTo(data.totals.notional, 4);
    expect(csvOf('breaches.csv')).toHaveLength(written.breaches);
  });

  it('a symbol that a spreadsheet would run as a formula is written with a leading quote, in quotes', () => {
    const raw =
      mimeParts(eml)
        .find((p) => (p.headers.get('content-disposition') ?? '').includes('positions.csv'))
        ?.body.toString('utf8') ?? '';
    expect(raw).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(raw).toContain(`"'+1-2"`);
    expect(raw).toContain(`"'@SUM(A1)"`);
    expect(raw).toContain(`"'-3+4"`);
    expect(raw).toContain(`"A,""B"""`);
    // No cell of any file starts with a formula character.
    for (const name of ['positions.csv', 'orders.csv', 'fills.csv', 'breaches.csv'])
      for (const row of parse(
        mimeParts(eml)
          .find((p) => (p.headers.get('content-disposition') ?? '').includes(name))
          ?.body.toString('utf8') ?? '',
      ) as string[][])
        for (const cell of row) if (!/^-?\d/.test(cell)) expect(cell, `${name}: ${cell}`).not.toMatch(/^[=+\-@\t\r]/);
    // And in the HTML, the symbols are text.
    expect(message.html).not.toContain('<img src=x');
    expect(message.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('`report --html` (a file that stands alone) has every row and no attachment', () => {
    const file = renderDailyReport(data, {}, 'embedded');
    expect(file.files).toBeUndefined();
    expect(file.html).not.toContain('see the attached');
    expect(file.html?.match(/IB: \w+|records: /g)?.length).toBe(500);
  });

  for (const width of [390, 1200])
    it(`at ${width} px the truncated tables read: each "and N more" line is on screen and nothing is wider than the window`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.setContent(message.html ?? '', { waitUntil: 'load' });
        for (const file of ['positions.csv', 'orders.csv', 'breaches.csv']) {
          const line = page.locator('p', { hasText: `see the attached ${file}` });
          await expect(line.count()).resolves.toBe(1);
          expect(await line.isVisible(), file).toBe(true);
          const box = await line.boundingBox();
          expect(box?.height ?? 0).toBeGreaterThan(10);
          expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(width);
        }
        const scrollWidth = (await page.evaluate('document.documentElement.scrollWidth')) as number;
        expect(scrollWidth).toBeLessThanOrEqual(width);
      } finally {
        await page.close();
      }
    });
});
