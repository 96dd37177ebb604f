/**
 * A trading day of hourly runs with a real SMTP server on loopback: the start-, mid- and end-of-day emails
 * go out once each, with both parts and the NLV chart; alerts are not repeated within the interval but a
 * summary follows; emails wait in the outbox while the server is down and go out with the next run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpSink, type SmtpSink } from '../email/smtp-sink.js';
import { mimeParts, typeOf } from '../report/mime-parts.js';
import { writeForecast } from '../support/cli.js';
import { hourlyRun } from '../support/run-harness.js';
import { newYorkTime } from '../../src/core/daily-emails.js';

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'rebalancer-day-'));
  mkdirSync(join(root, 'forecasts'));
  return root;
}

const subjects = (sink: SmtpSink): string[] =>
  sink.received.map((m) => /^Subject: (.*)$/m.exec(m.raw.replace(/\r\n[ \t]+/g, ' '))?.[1] ?? '');

describe('the emails of a trading day', () => {
  it('sends start, mid and end of day once each, the end with both parts and the NLV chart', async () => {
    const root = workspace();
    const sink = await startSmtpSink();
    sinks.push(sink);
    // Monday 23 Nov 2026: 09:35 .. 16:35 New York, one run an hour, plus a second run after the close.
    const times = ['09:35', '10:35', '11:35', '12:35', '13:35', '14:35', '15:35', '16:35', '17:35'].map((t) =>
      newYorkTime('2026-11-23', t),
    );
    for (const now of times) {
      writeForecast(join(root, 'forecasts'), 'trend.json', {
        strategy: 'trend',
        asOf: now,
        leverage: 1,
        weights: { SPY: 0.4, TLT: 0.3, GLD: 0.2 },
      });
      const result = await hourlyRun(root, now, { smtpUrl: sink.url() });
      expect(result.exitCode).toBe(0);
    }
    const daily = subjects(sink);
    expect(daily.filter((s) => /start of day 2026-11-23/.test(s))).toHaveLength(1);
    expect(daily.filter((s) => /mid-day 2026-11-23/.test(s))).toHaveLength(1);
    expect(daily.filter((s) => /end of day 2026-11-23/.test(s))).toHaveLength(1);
    // Order: start at the first run, mid past 12:45, end after the close.
    expect(sink.received).toHaveLength(3);
    expect(subjects(sink)[0]).toMatch(/start of day/);
    expect(subjects(sink)[2]).toMatch(/end of day 2026-11-23: NLV [\d,.]+/);

    const end = mimeParts(sink.received[2]?.raw ?? '');
    expect(end.map(typeOf)).toEqual(expect.arrayContaining(['text/plain', 'text/html', 'image/png']));
    const png = end.find((p) => typeOf(p) === 'image/png');
    expect(png?.body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const html = end.find((p) => typeOf(p) === 'text/html')?.body.toString('utf8') ?? '';
    expect(html).toMatch(/src="cid:/);
    expect(html).toMatch(/SPY/);
  });

  it('does not repeat an identical alert within the interval, then sends it with a summary of the repeats', async () => {
    const root = workspace();
    const sink = await startSmtpSink();
    sinks.push(sink);
    // A forecast the strategy stopped updating: stale from the first run on.
    writeForecast(join(root, 'forecasts'), 'trend.json', {
      strategy: 'trend',
      asOf: '2026-11-20T14:00:00Z',
      leverage: 1,
      weights: { SPY: 0.4 },
    });
    const settings = { notify: { alertRepeatMinutes: 150 } };
    for (const t of ['10:35', '11:35', '12:35', '13:35']) {
      const result = await hourlyRun(root, newYorkTime('2026-11-23', t), { smtpUrl: sink.url(), settings });
      expect(result.exitCode).toBe(3);
    }
    const alerts = subjects(sink).filter((s) => /BLOCKED: STALE_FORECAST/.test(s));
    // 10:35 sent; 11:35 and 12:35 within 150 minutes: suppressed; 13:35 (180 min later) sent with the summary.
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatch(/\(repeated 2x\)/);
    const last = sink.received.find((m) => /repeated 2x/.test(m.raw.replace(/\r\n[ \t]+/g, ' ')));
    const text =
      mimeParts(last?.raw ?? '')
        .find((p) => typeOf(p) === 'text/plain')
        ?.body.toString('utf8') ?? '';
    expect(text).toMatch(/repeated 2 times since/);
  });

  it('keeps emails in the outbox while the server is down and sends them first when it is back', async () => {
    const root = workspace();
    const first = await startSmtpSink();
    const port = first.port;
    const url = first.url();
    await first.close();
    writeForecast(join(root, 'forecasts'), 'trend.json', {
      strategy: 'trend',
      asOf: newYorkTime('2026-11-23', '09:00'),
      leverage: 1,
      weights: { SPY: 0.4 },
    });
    // The server is down: the start-of-day email is queued, the run is not affected.
    const down = await hourlyRun(root, newYorkTime('2026-11-23', '09:35'), { smtpUrl: url });
    expect(down.exitCode).toBe(0);
    expect(readdirSync(join(root, 'data', 'outbox'))).toHaveLength(1);
    // Back up on the same port: the next email-sending run delivers the queued one first.
    const sink = await startSmtpSink({ port });
    sinks.push(sink);
    await hourlyRun(root, newYorkTime('2026-11-23', '12:50'), { smtpUrl: url });
    expect(subjects(sink)[0]).toMatch(/start of day 2026-11-23/);
    expect(subjects(sink)[1]).toMatch(/mid-day 2026-11-23/);
    expect(readdirSync(join(root, 'data', 'outbox'))).toHaveLength(0);
  });
});
