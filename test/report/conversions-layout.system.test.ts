/**
 * The currency conversions' section of the daily summary reads on a phone: the end-of-day email of a day with
 * conversions (conversions-day.ts), opened in headless Chromium at 390 px and 430 px wide, is no wider than the window,
 * and each conversion's row is in the page within it.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDailyReport } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { mondayWithConversions } from './conversions-day.js';
import { openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

/** Debian's chromium (apt-get install chromium), as the other rendering tests use. */
const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
let t: ReportDb;
beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});
beforeEach(async () => {
  t = await openReportDb();
});
afterEach(() => t.cleanup());

/** Run in the page: the document's width, and the right edge of each table cell whose text starts with `start`. */
const measure = (start: string): string => `(() => {
  const cells = Array.from(document.querySelectorAll('td')).filter((td) => (td.textContent || '').trim().startsWith(${JSON.stringify(start)}));
  return { scrollWidth: document.documentElement.scrollWidth, rights: cells.map((td) => td.getBoundingClientRect().right) };
})()`;

describe('the currency conversions section in a browser', () => {
  // 390 px, the width every other rendering test of the summary uses, and 430 px. Narrower, the summary is wider than
  // the window whatever its conversions: its account figures' grid needs about 374 px (noted for the team).
  for (const width of [390, 430]) {
    it(`at ${width} px: nothing wider than the window, each conversion in it`, async () => {
      mondayWithConversions(t.store);
      const data = loadDailyReport(t.reports, {
        kind: 'end',
        tradingDay: '2026-11-23',
        now: '2026-11-23T21:05:00Z',
        account: 'DU0000001',
        previousTradingDay,
      });
      const html = renderDailyReport(data, {}, 'embedded').html ?? '';
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        for (const row of ['BUY 20,000 USD.SGD @ 1.3501', 'SELL 10,000 SGD.HKD @ 5.80 limit']) {
          const m = (await page.evaluate(measure(row))) as { scrollWidth: number; rights: number[] };
          expect(m.rights, `the cell of "${row}"`).toHaveLength(1);
          expect(m.rights[0]).toBeLessThanOrEqual(width);
          expect(m.scrollWidth, 'the document scrolls sideways').toBeLessThanOrEqual(width);
        }
      } finally {
        await page.close();
      }
    });
  }
});
