/**
 * Every kind of email reads on a phone and on a desktop: the alert (a breach whose detail holds a 200-character
 * path and a long unbroken token), the warning, and the three daily summaries are rendered as the program renders
 * them and opened in headless Chromium at 390 px (a phone) and 1200 px (a desktop client) wide. Nothing may be
 * wider than the window: the document does not scroll sideways, and no element's right edge is past the window's
 * (the failure names the element, its right edge and its text).
 */
import { existsSync } from 'node:fs';
import { createCanvas } from '@napi-rs/canvas';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailMessage } from '../../src/ports/mailer.js';
import { renderAlert, type AlertInput } from '../../src/report/render-alert.js';
import { renderWarning } from '../../src/report/render-warning.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { aReport } from '../report/report-builders.js';

/** Debian's chromium (apt-get install chromium): the browser the rendering tests open files in. */
const CHROMIUM = '/usr/bin/chromium';
const WIDTHS = [390, 1200] as const;

const LONG_PATH = `/home/trader/rebalancer/forecasts/${'quarterly-rebalanced-momentum-and-carry-'.repeat(4)}`.padEnd(195, 'x') + '.json';
const LONG_TOKEN = `sha256:${'0123456789abcdef'.repeat(6)}`;

const alert: AlertInput = {
  account: 'DU0000001',
  runId: '20261123T1535Z-ab12cd34ef56',
  outcome: 'BLOCKED',
  now: '2026-11-23T15:35:00Z',
  tradingState: 'HALTED',
  breaches: [
    { code: 'INVALID_FORECAST', detail: `${LONG_PATH}: field weights.BRK.B: expected a number, got "0.1O" (digest ${LONG_TOKEN})` },
    { code: 'POSITION_LIMIT', symbol: 'AAPL', detail: 'AAPL 45.2% of NLV > max 40%' },
    { code: 'STRATEGY_MISSING', detail: `strategy "carry" (last file ${LONG_PATH}) has no forecast file: every run is blocked` },
  ],
  error: `Error: ${LONG_PATH} could not be read\n    at readForecast (file://${LONG_PATH}:12:7)`,
  files: [
    { label: 'forecast file', path: LONG_PATH },
    { label: 'order file', path: '/data/orders/2026-11-23/20261123T1535Z-ab12cd34ef56.csv' },
  ],
  exitCode: 3,
  sentOrders: [{ symbol: 'SPY', action: 'BUY', quantity: 10, limitPrice: 560.5, orderRef: 'rebal:20261123T1535Z-ab12cd34ef56:SPY' }],
  forecastChanges: [`trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)`, `${LONG_PATH}: first forecast (none recorded before)`],
};

/** A chart-sized PNG (the daily report's charts are 568 CSS px wide, drawn at twice that). */
const PNG = createCanvas(1136, 520).toBuffer('image/png');

const emails: [string, () => MailMessage][] = [
  ['alert', () => renderAlert(alert)],
  [
    'warning',
    () =>
      renderWarning({
        account: 'DU0000001',
        runId: '20261123T1635Z-cd34',
        now: '2026-11-23T16:35:00Z',
        status: 'OK',
        exitCode: 0,
        breaches: [{ code: 'POSITION_BREAK', symbol: 'BRK B', detail: `ledger 55, broker 50 (${LONG_PATH})` }],
        notices: [`run ${LONG_TOKEN} was killed mid-submission; see \`rebalancer status\``],
        files: [{ label: 'log', path: LONG_PATH }],
      }),
  ],
  ...(['start', 'mid', 'end'] as const).map((kind): [string, () => MailMessage] => [
    `daily ${kind}`,
    () => renderDailyReport(aReport({ kind }), kind === 'start' ? {} : { dayPng: PNG, monthPng: PNG }, 'embedded'),
  ]),
];

let browser: Browser;

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install chromium`).toBe(true);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

interface Layout {
  scrollWidth: number;
  overflowing: string[];
}

/**
 * Run in the page (a string: this project's TypeScript has no DOM types): the document's width and every element whose
 * right edge is past the window's, each named by its tag, the start of its style, its right edge and its text.
 */
const MEASURE = `(() => {
  const limit = window.innerWidth;
  const overflowing = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (rect.right > limit + 0.5) {
      const style = el.getAttribute('style');
      const text = (el.textContent || '').replace(/\\s+/g, ' ').trim().slice(0, 80);
      overflowing.push(el.tagName.toLowerCase() + (style === null ? '' : '[style="' + style.slice(0, 60) + '"]') +
        ' right edge ' + Math.round(rect.right) + ' px > ' + limit + ': "' + text + '"');
    }
  }
  return { scrollWidth: document.documentElement.scrollWidth, overflowing };
})()`;

/** The box of the innermost element whose text starts with the given text, in lines of its own line height. */
const boxOf = (start: string): string => `(() => {
  const el = Array.from(document.querySelectorAll('div')).find((d) => d.childElementCount === 0 && (d.textContent || '').startsWith(${JSON.stringify(start)}));
  if (el === undefined) return null;
  const r = el.getBoundingClientRect();
  return { right: r.right, lines: Math.round(r.height / parseFloat(getComputedStyle(el).lineHeight)) };
})()`;

async function layoutOf(html: string, width: number): Promise<Layout> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  try {
    await page.setContent(html, { waitUntil: 'load' });
    return (await page.evaluate(MEASURE)) as Layout;
  } finally {
    await page.close();
  }
}

describe('every email at 390 px and 1200 px wide', () => {
  for (const [name, render] of emails) {
    for (const width of WIDTHS) {
      it(`${name} at ${width} px: nothing wider than the window`, async () => {
        const html = render().html ?? '';
        const layout = await layoutOf(html, width);
        expect(layout.overflowing, `elements past the right edge at ${width} px`).toEqual([]);
        expect(layout.scrollWidth, 'the document scrolls sideways').toBeLessThanOrEqual(width);
        expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
      });
    }
  }

  it('the alert at 390 px shows the whole breach detail: the 200-character path is in the page and wraps within the window', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    try {
      await page.setContent(renderAlert(alert).html ?? '', { waitUntil: 'load' });
      const box = (await page.evaluate(boxOf(LONG_PATH))) as { right: number; lines: number } | null;
      expect(box, 'the breach detail with the long path').not.toBeNull();
      expect(box?.right).toBeLessThanOrEqual(390);
      expect(box?.lines).toBeGreaterThan(2);
    } finally {
      await page.close();
    }
  });
});
