/**
 * The daily summary's charts as a reader sees them: the end-of-day email (both charts, drawn by the program, embedded)
 * opened in headless Chromium at a phone's width (390 px, 3 device pixels per CSS pixel), a narrow desktop client's
 * (600 px) and a wide one's (1200 px). Each chart fills the email's column, and its x-axis labels, measured in a
 * screenshot of the image as Chromium shows it, are those of a font of 11 CSS px or more.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NLV_CHART } from '../../src/report/nlv-chart.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { drawReportCharts } from '../../src/report/send-daily-report.js';
import { displayedFontPx, pixelsOf, xLabelGlyphHeight } from '../report/chart-pixels.js';
import { aReport } from '../report/report-builders.js';

const CHROMIUM = '/usr/bin/chromium';

let browser: Browser;
let html: string;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
  const data = aReport({ kind: 'end' });
  const charts = await drawReportCharts(data);
  expect(charts.dayPng, 'the day chart').toBeDefined();
  expect(charts.monthPng, 'the 30-day chart').toBeDefined();
  html = renderDailyReport(data, charts, 'embedded').html ?? '';
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface Shown {
  alt: string;
  width: number;
  naturalWidth: number;
}

const IMAGES = `Array.from(document.images).map((i) => ({ alt: i.alt, width: i.getBoundingClientRect().width, naturalWidth: i.naturalWidth }))`;

describe('the charts in the end-of-day email', () => {
  for (const [viewport, column, scale] of [
    [390, 346, 3],
    [600, 556, 2],
    [1200, 568, 1],
  ] as const) {
    it(`at ${viewport} px: each chart shows ${column} px wide (the column) and its x labels read at 11 px or more`, async () => {
      const page = await browser.newPage({ viewport: { width: viewport, height: 900 }, deviceScaleFactor: scale });
      try {
        await page.setContent(html, { waitUntil: 'load' });
        const shown = (await page.evaluate(IMAGES)) as Shown[];
        expect(shown).toHaveLength(2);
        for (const [i, s] of shown.entries()) {
          expect(s.naturalWidth).toBe(NLV_CHART.width * NLV_CHART.pixelRatio);
          expect(Math.round(s.width), `${s.alt}: displayed width`).toBe(column);
          // As configured: the labels' font times the displayed scale.
          expect((NLV_CHART.fontPx * s.width) / NLV_CHART.width, `${s.alt}: configured label size as shown`).toBeGreaterThanOrEqual(11);
          // As Chromium draws it: the x labels' glyphs in a screenshot of the image, in CSS px.
          const shot = await page.locator('img').nth(i).screenshot();
          const p = await pixelsOf(shot);
          const px = displayedFontPx(xLabelGlyphHeight(p), p.width, s.width);
          expect(px, `${s.alt}: x labels measured on screen`).toBeGreaterThanOrEqual(11);
          expect(px, `${s.alt}: x labels measured on screen`).toBeLessThanOrEqual(20);
        }
      } finally {
        await page.close();
      }
    });
  }
});
