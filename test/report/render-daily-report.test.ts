import { describe, expect, it } from 'vitest';
import { DAY_CHART_CID, MONTH_CHART_CID, renderDailyReport } from '../../src/report/render-daily-report.js';
import { aReport } from './report-builders.js';

const fakePng = (tag: string): Buffer => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(tag)]);

describe('renderDailyReport', () => {
  it('says the kind, the day, the account and the headline figure in the subject', () => {
    expect(renderDailyReport(aReport()).subject).toBe('[rebalancer] DU0000001 end of day 2026-11-23: NLV 100,234.50 (+0.23%)');
    expect(renderDailyReport(aReport({ kind: 'start' })).subject).toBe(
      '[rebalancer] DU0000001 start of day 2026-11-23: NLV 100,234.50 (+0.23%)',
    );
    expect(renderDailyReport(aReport({ kind: 'mid' })).subject).toMatch(/^\[rebalancer\] DU0000001 mid-day 2026-11-23: /);
  });

  it('falls back to the change since the open, then to no figure, and counts breaches in the subject', () => {
    const { sincePreviousClose: _drop, ...noClose } = aReport();
    expect(renderDailyReport(noClose).subject).toBe('[rebalancer] DU0000001 end of day 2026-11-23: NLV 100,234.50 (-0.07%)');
    const { latest: _l, sincePreviousClose: _c, sinceOpen: _o, ...nothing } = aReport();
    expect(renderDailyReport(nothing).subject).toBe('[rebalancer] DU0000001 end of day 2026-11-23: no snapshot yet');
    const breaches = [
      { code: 'MISSING_PRICE' as const, symbol: 'XYZ', detail: 'no price', runId: 'r', at: '2026-11-23T15:35:00Z' },
      { code: 'MISSING_PRICE' as const, symbol: 'XYZ', detail: 'no price', runId: 'r2', at: '2026-11-23T16:35:00Z' },
    ];
    expect(renderDailyReport(aReport({ breaches })).subject).toMatch(/\(\+0\.23%\), 2 breaches$/);
  });

  it('shows the same content in the text and the HTML part', () => {
    const m = renderDailyReport(aReport());
    for (const part of [m.text, m.html ?? '']) {
      expect(part).toContain('100,234.50 USD');
      expect(part).toContain('+230.50 (+0.23%)');
      expect(part).toContain('since the close of Fri Nov 20');
      expect(part).toContain('-65.50 (-0.07%)');
      expect(part).toContain('No breaches today');
      expect(part).toContain('7 runs today: 7 ok');
      expect(part).toMatch(/AAPL[\s\S]*39\.8%[\s\S]*38\.0%[\s\S]*\+1\.8 pp/);
      expect(part).toMatch(/MSFT[\s\S]*-0\.7 pp/);
      expect(part).toContain('BUY 10 AAPL @ 190.09');
      expect(part).toContain('ref 190.00');
      expect(part).toContain('filled 10 @ 190.05');
      expect(part).toContain('partly filled 2 of 5 @ 406.10, working');
      // Each fill under its order.
      expect(part).toContain('fill 09:36 10 @ 190.05, commission 1.00, slippage +0.50 (+2.6 bp)');
      expect(part).toContain('Notional 2,712.70 · commissions 2.00 · slippage +0.70');
      expect(part).toContain('Next run: Tue Nov 24 09:35 ET');
      expect(part).toContain('Leverage');
      expect(part).toContain('0.62x');
      expect(part).toContain('41.2%');
    }
    expect(m.text).toMatch(/^DU0000001 - End of day - Mon Nov 23, 2026\n/);
  });

  it('lays the HTML out for mail clients and phones: tables, inline styles, 600px, nothing external', () => {
    const html = renderDailyReport(aReport(), { dayPng: fakePng('d'), monthPng: fakePng('m') }).html ?? '';
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('max-width:600px');
    expect(html).toContain('<!--[if mso]><table role="presentation" width="600"');
    expect(html).not.toMatch(/<style|<link|<script|class="/i);
    expect(html).not.toMatch(/(src|href)="(?!cid:)/);
    expect(html).not.toMatch(/url\(/);
  });

  it('escapes every interpolated string: a <script> in a ticker or a breach stays text', () => {
    const evil = '<script>alert("x")</script>';
    const m = renderDailyReport(
      aReport({
        account: 'DU<b>1</b>',
        positions: [
          {
            symbol: evil,
            quantity: 1,
            marketPrice: 1,
            marketValue: 1,
            avgCost: 1,
            costBasis: 1,
            unrealized: 0,
            weight: 0,
            targetWeight: 0,
            drift: 0,
          },
        ],
        breaches: [
          {
            code: 'INVALID_FORECAST',
            symbol: evil,
            detail: `weights.${evil}: not a ticker & "quoted"`,
            runId: 'r',
            at: '2026-11-23T15:35:00Z',
          },
        ],
        orders: [
          {
            createdAt: '2026-11-23T14:35:05Z',
            orderRef: 'rb:r:X',
            fills: [],
            symbol: evil,
            action: 'BUY',
            quantity: 1,
            limitPrice: 1,
            status: 'Rejected',
            filledQuantity: 0,
            avgFillPrice: 0,
            message: '<img src=x onerror=alert(1)>',
          },
        ],
      }),
    );
    const html = m.html ?? '';
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>1</b>');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('not a ticker &amp; &quot;quoted&quot;');
    expect(html).toContain('DU&lt;b&gt;1&lt;/b&gt;');
    expect(m.text).toContain(`INVALID_FORECAST ${evil}: weights.${evil}: not a ticker & "quoted"`);
    expect(m.subject).toContain('1 breach');
  });

  it('references each chart by cid and attaches it inline as a PNG', () => {
    const dayPng = fakePng('day');
    const monthPng = fakePng('month');
    const m = renderDailyReport(aReport(), { dayPng, monthPng });
    expect(m.html).toContain(`<img src="cid:${DAY_CHART_CID}" width="568" alt="NLV today: from 100,300.00 to 100,234.50"`);
    expect(m.html).toContain(`<img src="cid:${MONTH_CHART_CID}"`);
    expect(m.attachments).toEqual([
      { cid: DAY_CHART_CID, filename: 'nlv-today.png', content: dayPng, contentType: 'image/png' },
      { cid: MONTH_CHART_CID, filename: 'nlv-30-days.png', content: monthPng, contentType: 'image/png' },
    ]);
  });

  it('has no images and no attachments when no chart is given', () => {
    const m = renderDailyReport(aReport());
    expect(m.html).not.toContain('<img');
    expect(m.attachments).toBeUndefined();
  });

  it('shows breaches in red at the top and in detail below', () => {
    const m = renderDailyReport(
      aReport({
        breaches: [{ code: 'LEVERAGE_LIMIT', detail: 'leverage after trades 2.31 > max 2.00', runId: 'r', at: '2026-11-23T15:35:00Z' }],
        runs: { total: 7, ok: 6, blocked: 1, failed: 0, skipped: 0, running: 0 },
      }),
    );
    expect(m.text).toContain('1 breach today: LEVERAGE_LIMIT\n7 runs today: 6 ok, 1 blocked');
    expect(m.text).toContain('BREACHES TODAY (1)\n  10:35 LEVERAGE_LIMIT: leverage after trades 2.31 > max 2.00');
    expect(m.html).toContain('#fce8e6');
    expect(m.html).toContain('Breaches today (1)');
  });
});
