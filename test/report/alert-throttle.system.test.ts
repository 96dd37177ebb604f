import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { alertKeyOf, decideAlert, repeatsLine, SUPPRESSED, withRepeatsSummary } from '../../src/report/alert-throttle.js';
import { sendThrottledAlert } from '../../src/report/send-alert.js';
import type { AlertHistoryEntry } from '../../src/ports/store.js';
import { startSmtpSink, type SmtpSink } from '../email/smtp-sink.js';
import { openReportDb, type ReportDb } from './report-fixtures.js';

const KEY = alertKeyOf('BLOCKED', [{ code: 'POSITION_LIMIT', symbol: 'AAPL' }, { code: 'LEVERAGE_LIMIT' }]);
const OTHER = alertKeyOf('BLOCKED', [{ code: 'MISSING_PRICE', symbol: 'MSFT' }]);
const sent = (at: string, key = KEY): AlertHistoryEntry => ({ key, at, status: 'sent' });
const suppressed = (at: string, key = KEY): AlertHistoryEntry => ({ key, at, status: SUPPRESSED });

describe('alertKeyOf', () => {
  it('is the outcome and the sorted breach codes with their symbols, whatever the details', () => {
    expect(KEY).toBe('BLOCKED|LEVERAGE_LIMIT|POSITION_LIMIT:AAPL');
    expect(
      alertKeyOf('BLOCKED', [{ code: 'LEVERAGE_LIMIT' }, { code: 'POSITION_LIMIT', symbol: 'AAPL' }, { code: 'LEVERAGE_LIMIT' }]),
    ).toBe(KEY);
    expect(alertKeyOf('FAILED', [])).toBe('FAILED');
  });
});

describe('decideAlert', () => {
  it('sends the first alert', () => {
    expect(decideAlert([], KEY, '2026-11-23T15:35:00Z', 120)).toEqual({ send: true });
  });

  it('suppresses an identical alert within the interval, and says when the last went out', () => {
    const d = decideAlert([sent('2026-11-23T15:35:00Z')], KEY, '2026-11-23T16:35:00Z', 120);
    expect(d).toEqual({ send: false, reason: expect.stringMatching(/went out 60 min ago .*at most every 120 min/) });
  });

  it('sends a different alert within the interval', () => {
    expect(decideAlert([sent('2026-11-23T15:35:00Z')], OTHER, '2026-11-23T16:35:00Z', 120)).toEqual({ send: true });
  });

  it('counts a queued alert as sent, so an SMTP outage does not fill the outbox with the burst', () => {
    const d = decideAlert([{ key: KEY, at: '2026-11-23T15:35:00Z', status: 'queued' }], KEY, '2026-11-23T15:40:00Z', 120);
    expect(d.send).toBe(false);
  });

  it('sends the next identical alert after the interval, with a summary of the repeats', () => {
    const history = [
      sent('2026-11-23T14:35:00Z'),
      suppressed('2026-11-23T15:35:00Z'),
      suppressed('2026-11-23T15:35:00Z', OTHER),
      suppressed('2026-11-23T16:35:00Z'),
    ];
    const d = decideAlert(history, KEY, '2026-11-23T17:35:00Z', 180);
    expect(d).toEqual({ send: true, repeatsSince: { count: 2, first: '2026-11-23T15:35:00Z', last: '2026-11-23T16:35:00Z' } });
    if (!d.send || d.repeatsSince === undefined) return;
    expect(repeatsLine(d.repeatsSince, '2026-11-23T17:35:00Z')).toBe('this alert repeated 2 times since 10:35 ET, suppressed');
    expect(repeatsLine({ count: 1, first: '2026-11-20T20:35:00Z', last: '2026-11-20T20:35:00Z' }, '2026-11-23T14:35:00Z')).toBe(
      'this alert repeated 1 time since Nov 20 15:35 ET, suppressed',
    );
  });

  it('puts the summary first in both parts of the alert', () => {
    const m = withRepeatsSummary(
      { subject: 'BLOCKED', text: 'body', html: '<html><body style="x"><p>body</p></body></html>' },
      { count: 5, first: '2026-11-23T15:35:00Z', last: '2026-11-23T19:35:00Z' },
      '2026-11-23T20:35:00Z',
    );
    expect(m.subject).toBe('BLOCKED (repeated 5x)');
    expect(m.text).toBe('Note: this alert repeated 5 times since 10:35 ET, suppressed.\n\nbody');
    expect(m.html).toMatch(
      /^<html><body style="x">\n<p [^>]*>Note: this alert repeated 5 times since 10:35 ET, suppressed.<\/p><p>body<\/p>/,
    );
  });
});

describe('sendThrottledAlert on a real database and SMTP server', () => {
  let t: ReportDb;
  let sink: SmtpSink;
  beforeEach(async () => {
    t = await openReportDb();
    t.store.startRun({ runId: 'r1', startedAt: '2026-11-23T14:35:00Z', tradingDay: '2026-11-23', dryRun: false });
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    await sink.close();
    await t.cleanup();
  });

  it('sends, suppresses within the interval, sends a different one, then sends the repeat with its summary', async () => {
    const mailer = createMailer({
      smtpUrl: sink.url(),
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir: join(t.dir, 'outbox'),
      timeoutMs: 5000,
      secrets: [],
    });
    const deps = { mailer, history: t.reports, emails: t.store };
    const alert = {
      subject: '[rebalancer] DU0000001 BLOCKED: POSITION_LIMIT',
      text: 'blocked',
      html: '<html><body><p>blocked</p></body></html>',
    };
    const at = (now: string, key = KEY) => ({ key, now, tradingDay: '2026-11-23', intervalMinutes: 120, runId: 'r1' });

    expect((await sendThrottledAlert(deps, alert, at('2026-11-23T14:35:00Z'))).decision).toEqual({ send: true });
    expect((await sendThrottledAlert(deps, alert, at('2026-11-23T15:35:00Z'))).decision.send).toBe(false);
    expect((await sendThrottledAlert(deps, { ...alert, subject: 'MISSING_PRICE' }, at('2026-11-23T15:35:00Z', OTHER))).decision).toEqual({
      send: true,
    });
    expect((await sendThrottledAlert(deps, alert, at('2026-11-23T16:00:00Z'))).decision.send).toBe(false);
    const last = await sendThrottledAlert(deps, alert, at('2026-11-23T16:35:00Z'));
    expect(last.decision).toEqual({ send: true, repeatsSince: { count: 2, first: '2026-11-23T15:35:00Z', last: '2026-11-23T16:00:00Z' } });

    expect(sink.received.map((m) => /Subject: (.*)/.exec(m.raw)?.[1])).toEqual([
      '[rebalancer] DU0000001 BLOCKED: POSITION_LIMIT',
      'MISSING_PRICE',
      '[rebalancer] DU0000001 BLOCKED: POSITION_LIMIT (repeated 2x)',
    ]);
    expect(sink.received[2]?.raw).toContain('Note: this alert repeated 2 times since 10:35 ET, suppressed.');
    expect(t.db.prepare('SELECT status, alert_key FROM emails ORDER BY id').all()).toEqual([
      { status: 'sent', alert_key: KEY },
      { status: 'suppressed', alert_key: KEY },
      { status: 'sent', alert_key: OTHER },
      { status: 'suppressed', alert_key: KEY },
      { status: 'sent', alert_key: KEY },
    ]);
  });
});
