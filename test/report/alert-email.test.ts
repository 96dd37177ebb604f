/**
 * The alert and the warning emails in the shared email design (src/report/email-style.ts): a phone-sized document
 * (viewport, one fluid column), the outcome and the trading state as a banner, each breach as a block whose detail
 * wraps, backtick spans of the advice as <code>, times in New York time with the zone (UTC in small print), and what
 * changed in the forecasts when the run knows. The plain-text part keeps its content and its backticks.
 */
import { describe, expect, it } from 'vitest';
import { renderAlert, type AlertInput } from '../../src/report/render-alert.js';
import { renderWarning, type WarningInput } from '../../src/report/render-warning.js';
import { exchangeTime, inlineCode } from '../../src/report/email-style.js';
import { escapeHtml } from '../../src/report/escape-html.js';

const blocked: AlertInput = {
  account: 'DU0000001',
  runId: '20261121T1530Z-ab12',
  outcome: 'BLOCKED',
  now: '2026-11-23T15:35:00Z',
  tradingState: 'HALTED',
  breaches: [
    { code: 'KILL_SWITCH', detail: 'kill switch on since 2026-11-23T14:35:00Z (operator alice: "check the fills")' },
    { code: 'POSITION_LIMIT', symbol: 'AAPL', detail: 'AAPL 45.2% of NLV > max 40%' },
  ],
  files: [{ label: 'order file', path: '/data/orders/2026-11-23/20261121T1530Z-ab12.csv' }],
  exitCode: 3,
};

const warning: WarningInput = {
  account: 'DU0000001',
  runId: '20261123T1635Z-cd34',
  now: '2026-07-01T14:35:00Z',
  status: 'OK',
  exitCode: 0,
  breaches: [{ code: 'POSITION_BREAK', symbol: 'MSFT', detail: 'ledger 55, broker 50' }],
  notices: ['run r-old was killed mid-submission; see `rebalancer status`'],
  files: [{ label: 'log', path: '/logs/cron.log' }],
};

/** The banner: the element marked data-banner, its text without tags. */
function banner(html: string): { style: string; text: string } {
  const m = /<td data-banner[^>]*style="([^"]*)"[^>]*>([\s\S]*?)<\/td>/.exec(html);
  expect(m, 'no banner in the html').not.toBeNull();
  return {
    style: m?.[1] ?? '',
    text: (m?.[2] ?? '')
      .replace(/<[^>]*>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  };
}

describe('the email design', () => {
  it('formats a time as New York time with its zone, and UTC in small print; a time that does not parse is shown as it is', () => {
    expect(exchangeTime('2026-11-23T15:35:00Z')).toEqual({ local: 'Mon Nov 23 10:35 New York (EST)', utc: '2026-11-23 15:35 UTC' });
    expect(exchangeTime('2026-07-01T14:35:00Z')).toEqual({ local: 'Wed Jul 1 10:35 New York (EDT)', utc: '2026-07-01 14:35 UTC' });
    expect(exchangeTime('not a time')).toEqual({ local: 'not a time', utc: '' });
  });

  it('renders backtick spans as escaped <code>, and leaves an unpaired backtick as it is', () => {
    expect(inlineCode('run `rebalancer halt --reason "why"` now')).toMatch(
      /^run <code[^>]*>rebalancer halt --reason &quot;why&quot;<\/code> now$/,
    );
    expect(inlineCode('a `<b>` and a lone ` tick')).toMatch(/^a <code[^>]*>&lt;b&gt;<\/code> and a lone ` tick$/);
    expect(inlineCode('no code & no tags')).toBe('no code &amp; no tags');
  });
});

describe('the alert email', () => {
  it('is a phone-sized document: a viewport, one column at most 600 px wide that narrows with the screen', () => {
    const { html } = renderAlert(blocked);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/max-width:600px/);
    expect(html).toContain('overflow-wrap:anywhere');
    // Outlook (Word) ignores max-width: it alone gets a fixed 600 px table, in a conditional comment other clients skip.
    const forOthers = (html ?? '').replace(/<!--\[if mso\]>[\s\S]*?<!\[endif\]-->/g, '');
    expect(forOthers).not.toMatch(/\bwidth="\d+"/);
  });

  it('shows the outcome and the trading state as a banner: BLOCKED with TRADING HALTED in amber, FAILED in red, REDUCING in amber', () => {
    const halted = banner(renderAlert(blocked).html ?? '');
    expect(halted.text).toContain('BLOCKED');
    expect(halted.text).toContain('TRADING HALTED');
    expect(halted.text).toContain('no orders were sent');
    expect(halted.style).toContain('#fef7e0');

    const failed = banner(renderAlert({ ...blocked, outcome: 'FAILED', tradingState: 'ACTIVE', exitCode: 1, error: 'boom' }).html ?? '');
    expect(failed.text).toContain('FAILED');
    expect(failed.text).toContain('trading ACTIVE');
    expect(failed.style).toContain('#fce8e6');

    const reducing = banner(renderAlert({ ...blocked, tradingState: 'REDUCING' }).html ?? '');
    expect(reducing.text).toContain('REDUCING');
    expect(reducing.text).toContain('only exposure-reducing orders were sent');
    expect(reducing.style).toContain('#fef7e0');
  });

  it('puts each breach in its own block whose detail wraps, code and symbol first', () => {
    const { html = '' } = renderAlert(blocked);
    for (const b of blocked.breaches) {
      expect(html).toContain(`>${b.code}</strong>`);
      expect(html).toMatch(
        new RegExp(`<div style="[^"]*overflow-wrap:anywhere[^"]*">${escapeHtml(b.detail).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</div>`),
      );
    }
    expect(html).toContain('Breaches (2)');
  });

  it('shows times in New York time with the zone and UTC in small print, not the raw instant', () => {
    const { html = '', text } = renderAlert(blocked);
    expect(html).toContain('Mon Nov 23 10:35 New York (EST)');
    expect(html).toContain('2026-11-23 15:35 UTC');
    expect(html).not.toContain('2026-11-23T15:35:00Z');
    expect(text).toContain('Time:          Mon Nov 23 10:35 New York (EST), 2026-11-23 15:35 UTC');
  });

  it('renders the commands of the advice as <code> in the html and keeps the backticks in the text', () => {
    const { html = '', text } = renderAlert(blocked);
    expect(html).toMatch(/<code[^>]*>rebalancer resume<\/code>/);
    expect(html).toMatch(/<code[^>]*>rebalancer halt --reason &quot;why&quot;<\/code>/);
    expect(html).not.toContain('`');
    expect(text).toContain('`rebalancer resume`');
  });

  it('lists the files with their paths as code that wraps', () => {
    const { html = '' } = renderAlert(blocked);
    expect(html).toMatch(/order file<\/strong>[\s\S]*?<code[^>]*>\/data\/orders\/2026-11-23\/20261121T1530Z-ab12\.csv<\/code>/);
  });

  it('says what changed in the forecasts when the run knows, in both parts, and nothing when it does not', () => {
    const changes = ['trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)', 'carry.json: no change'];
    const { html = '', text } = renderAlert({ ...blocked, forecastChanges: changes });
    expect(html).toContain('What changed in the forecasts');
    expect(html).toContain('trend.json: leverage 1.00 -&gt; 1.20; added NVDA (10.0%)');
    expect(text).toContain(
      'What changed in the forecasts:\n  - trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)\n  - carry.json: no change',
    );
    const none = renderAlert(blocked);
    expect(none.html).not.toContain('What changed in the forecasts');
    expect(none.text).not.toContain('What changed in the forecasts');
  });

  it('keeps the error as preformatted text that wraps', () => {
    const { html = '' } = renderAlert({ ...blocked, outcome: 'FAILED', error: 'connect ECONNREFUSED 127.0.0.1:4002\n    at stack' });
    expect(html).toMatch(
      /<pre style="[^"]*white-space:pre-wrap[^"]*overflow-wrap:anywhere[^"]*">connect ECONNREFUSED 127.0.0.1:4002\n {4}at stack<\/pre>/,
    );
  });
});

describe('the warning email', () => {
  it('is in the same design: viewport, a grey WARNING banner with the run status, blocks for the blocked tickers, times in New York', () => {
    const { html = '', text } = renderWarning(warning);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(/max-width:600px/);
    const b = banner(html);
    expect(b.text).toContain('WARNING');
    expect(b.text).toContain('OK, exit code 0');
    expect(b.style).toContain('#f1f3f4');
    expect(html).toContain('>POSITION_BREAK</strong>');
    expect(html).toContain('Wed Jul 1 10:35 New York (EDT)');
    expect(html).toContain('2026-07-01 14:35 UTC');
    expect(html).toMatch(/see <code[^>]*>rebalancer status<\/code>/);
    expect(html).toMatch(/<code[^>]*>rebalancer reconcile --accept SYMBOL --reason &quot;why&quot;<\/code>/);
    expect(text).toContain('see `rebalancer status`');
    expect(text).toContain('  - POSITION_BREAK MSFT: ledger 55, broker 50');
  });

  it('shows TRADING HALTED or REDUCING in an amber banner while it holds, when the run knows the state', () => {
    const halted = renderWarning({ ...warning, tradingState: 'HALTED' });
    const b = banner(halted.html ?? '');
    expect(b.text).toContain('WARNING · TRADING HALTED');
    expect(b.style).toContain('#fef7e0');
    expect(halted.text).toContain('Trading state: HALTED');
    expect(banner(renderWarning({ ...warning, tradingState: 'REDUCING' }).html ?? '').text).toContain('WARNING · REDUCING');
    expect(banner(renderWarning({ ...warning, tradingState: 'ACTIVE' }).html ?? '').style).toContain('#f1f3f4');
  });
});
