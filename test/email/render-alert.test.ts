import { describe, expect, it } from 'vitest';
import { escapeHtml, renderAlert, type AlertInput } from '../../src/report/render-alert.js';

const blocked: AlertInput = {
  account: 'DU0000001',
  runId: '20261121T1530Z-ab12',
  outcome: 'BLOCKED',
  now: '2026-11-21T15:30:00Z',
  tradingState: 'HALTED',
  breaches: [
    { code: 'LEVERAGE_LIMIT', detail: 'leverage after trades 2.31 > max 2.00 (gross 231000.00, NLV 100000.00)' },
    { code: 'POSITION_LIMIT', symbol: 'AAPL', detail: 'AAPL 45.2% of NLV > max 40%' },
    { code: 'MISSING_PRICE', symbol: 'MSFT', detail: 'no bid/ask or last for MSFT' },
  ],
  files: [{ label: 'order file', path: '/data/orders/2026-11-21/20261121T1530Z-ab12.csv' }],
  exitCode: 3,
};

describe('renderAlert', () => {
  it('names account, outcome, first breach and run in the subject', () => {
    expect(renderAlert(blocked).subject).toBe('[rebalancer] DU0000001 BLOCKED: LEVERAGE_LIMIT (+2 more) - run 20261121T1530Z-ab12');
  });

  it('lists the orders that reached the broker before a failed run stopped', () => {
    const message = renderAlert({
      ...blocked,
      outcome: 'FAILED',
      exitCode: 1,
      error: 'broker: connection dropped',
      sentOrders: [{ symbol: 'SPY', action: 'BUY', quantity: 10, limitPrice: 560.5, orderRef: 'rebal:r1:SPY' }],
    });
    expect(message.text).toContain(
      '1 order(s) reached the broker before the run stopped: BUY 10 SPY @ 560.5 (rebal:r1:SPY); nothing after them was sent',
    );
    expect(message.text).not.toContain('no orders were sent');
  });

  it('uses the first line of the error for a failed run', () => {
    const message = renderAlert({
      ...blocked,
      outcome: 'FAILED',
      breaches: [],
      error: 'connect ECONNREFUSED 127.0.0.1:4002\n    at stack',
      exitCode: 1,
    });
    expect(message.subject).toBe('[rebalancer] DU0000001 FAILED: connect ECONNREFUSED 127.0.0.1:4002 - run 20261121T1530Z-ab12');
    expect(message.text).toContain('Error:\n  connect ECONNREFUSED 127.0.0.1:4002\n      at stack');
    expect(message.text).toContain('no orders were sent');
    expect(message.text).toContain('1 (failed: see Orders for what was sent)');
  });

  it('keeps the subject on one line', () => {
    const message = renderAlert({ ...blocked, account: 'DU1\r\nBcc: evil@example.com', breaches: [], error: '\n\nfirst\nsecond' });
    expect(message.subject).not.toMatch(/[\r\n]/);
    expect(message.subject).toContain('BLOCKED: first');
  });

  it('lists every breach with code, symbol and numbers in text and html', () => {
    const { text, html } = renderAlert(blocked);
    for (const b of blocked.breaches) {
      expect(text).toContain(`${b.code}${b.symbol ? ` ${b.symbol}` : ''}: ${b.detail}`);
      expect(html).toContain(escapeHtml(b.detail));
      expect(html).toContain(`>${b.code}<`);
    }
    expect(text).toContain('Breaches (3):');
    expect(text).toContain('order file: /data/orders/2026-11-21/20261121T1530Z-ab12.csv');
    expect(html).toContain('/data/orders/2026-11-21/20261121T1530Z-ab12.csv');
  });

  it('says what happened to the orders', () => {
    expect(renderAlert(blocked).text).toContain('no orders were sent');
    const reducing = renderAlert({ ...blocked, tradingState: 'REDUCING' });
    expect(reducing.text).toContain('only exposure-reducing orders were sent');
    expect(reducing.html).toContain('only exposure-reducing orders were sent');
  });

  it('explains how to halt and resume, and says when the kill switch is on', () => {
    const { text } = renderAlert(blocked);
    expect(text).toContain('rebalancer halt --reason');
    expect(text).toContain('rebalancer resume');
    expect(text).not.toContain('The kill switch is on');
    const loss = renderAlert({
      ...blocked,
      breaches: [{ code: 'DAILY_LOSS_LIMIT', detail: 'NLV 94000.00 is 6.00% below start of day 100000.00 > max 5%' }],
    });
    expect(loss.text).toContain('The kill switch is on');
    expect(loss.subject).toContain('BLOCKED: DAILY_LOSS_LIMIT - run');
  });

  it('escapes every interpolated string in the html', () => {
    const evil = '<script>alert("x")</script>';
    const { html, text } = renderAlert({
      ...blocked,
      account: `A${evil}`,
      runId: `R${evil}`,
      tradingState: evil,
      breaches: [{ code: 'BROKER_ERROR', symbol: evil, detail: `detail ${evil} & more` }],
      error: `error ${evil}`,
      files: [{ label: evil, path: `/tmp/${evil}` }],
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('detail &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(text).toContain(`detail ${evil} & more`);
  });

  it('copes with neither breaches nor error', () => {
    const message = renderAlert({ ...blocked, breaches: [], files: [] });
    expect(message.subject).toContain('BLOCKED: no details recorded');
    expect(message.text).toContain('Breaches (0):\n  none');
  });
});
