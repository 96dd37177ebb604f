import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { loadDailyReport } from '../../src/report/daily-report-data.js';
import { DAY_CHART_CID, MONTH_CHART_CID } from '../../src/report/render-daily-report.js';
import { sendDailyReport } from '../../src/report/send-daily-report.js';
import { startSmtpSink, type SmtpSink } from '../email/smtp-sink.js';
import { mimeParts, typeOf, type MimePart } from './mime-parts.js';
import { PNG_MAGIC } from './report-builders.js';
import { anOrder } from '../storage/fixtures.js';
import { fillTwoDays, openReportDb, previousTradingDay, type ReportDb } from './report-fixtures.js';

let t: ReportDb;
let sink: SmtpSink | undefined;

beforeEach(async () => {
  t = await openReportDb();
  fillTwoDays(t.store, t.reports);
});
afterEach(async () => {
  await sink?.close();
  sink = undefined;
  await t.cleanup();
});

const options = {
  kind: 'end' as const,
  tradingDay: '2026-11-23',
  now: '2026-11-23T21:05:00Z',
  account: 'DU0000001',
  nextRun: '2026-11-24T14:35:00Z',
  previousTradingDay,
};

function checkParts(parts: MimePart[]): void {
  expect(parts.map(typeOf)).toEqual(['text/plain', 'text/html', 'image/png', 'image/png', 'text/csv', 'text/csv', 'text/csv', 'text/csv']);
  const [text, html, day, month, ...csv] = parts;
  // The full tables as CSV, attached for download, each with every row the records hold for the day.
  const data = loadDailyReport(t.reports, options);
  const rows = csv.map((p) => ({
    disposition: p.headers.get('content-disposition'),
    rows: parse(p.body.toString('utf8'), { columns: true }) as Record<string, string>[],
  }));
  expect(rows.map((r) => r.disposition)).toEqual(
    ['positions.csv', 'orders.csv', 'fills.csv', 'breaches.csv'].map((f) => `attachment; filename=${f}`),
  );
  expect(rows[0]?.rows.map((r) => [r.symbol, Number(r.quantity), Number(r.drift)])).toEqual(
    data.positions.map((p) => [p.symbol, p.quantity, p.drift]),
  );
  expect(rows[1]?.rows.map((r) => [r.order_ref, r.status, Number(r.filled_quantity)])).toEqual(
    data.orders.map((o) => [o.orderRef, o.status, o.filledQuantity]),
  );
  expect(rows[2]?.rows.map((r) => [r.order_ref, Number(r.quantity), Number(r.price), Number(r.commission)])).toEqual(
    data.fills.map((f) => [f.orderRef, f.quantity, f.price, f.commission]),
  );
  expect(rows[3]?.rows.map((r) => [r.code, r.symbol, r.detail])).toEqual(data.breaches.map((b) => [b.code, b.symbol ?? '', b.detail]));
  expect(text?.body.toString('utf8')).toContain('NLV 100,900.00 USD');
  expect(html?.body.toString('utf8')).toContain(`src="cid:${DAY_CHART_CID}"`);
  expect(day?.headers.get('content-id')).toBe(`<${DAY_CHART_CID}>`);
  expect(month?.headers.get('content-id')).toBe(`<${MONTH_CHART_CID}>`);
  for (const png of [day, month]) {
    expect(png?.headers.get('content-disposition')).toMatch(/^inline/);
    expect(png?.body.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(png?.body.length).toBeGreaterThan(5_000);
  }
}

describe('the daily report by email', () => {
  it('reaches a real SMTP server with its text, HTML, inline PNG charts and attached CSV files, and is recorded', async () => {
    sink = await startSmtpSink();
    const mailer = createMailer({
      smtpUrl: sink.url(),
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir: join(t.dir, 'outbox'),
      timeoutMs: 5000,
      secrets: [],
    });
    const { outcome, message } = await sendDailyReport({ reports: t.reports, mailer, emails: t.store }, options);
    expect(outcome.status).toBe('sent');
    expect(message.subject).toBe('[rebalancer] DU0000001 end of day 2026-11-23: REDUCING, NLV 100,900.00 (+0.90%), 1 breach');
    const raw = sink.received[0]?.raw ?? '';
    expect(raw).toMatch(/Content-Type: multipart\/related/);
    checkParts(mimeParts(raw));
    expect(t.db.prepare('SELECT kind, trading_day, subject, status, alert_key FROM emails').all()).toEqual([
      { kind: 'end', trading_day: '2026-11-23', subject: message.subject, status: 'sent', alert_key: null },
    ]);
  });

  it("writes the day's row to the daily table at the end of the day, which the next day's history reads", async () => {
    const mailer = createMailer({ from: 'bot@example.com', outboxDir: join(t.dir, 'outbox'), timeoutMs: 1000, secrets: [] });
    await sendDailyReport({ reports: t.reports, mailer, emails: t.store }, options);
    expect(
      t.db
        .prepare('SELECT trading_day, closing_nlv, change, turnover, commissions, fills FROM daily WHERE trading_day = ?')
        .get('2026-11-23'),
    ).toEqual({
      trading_day: '2026-11-23',
      closing_nlv: 100_900,
      change: 900,
      turnover: 1_900.5 + 2_001,
      commissions: 2,
      fills: 2,
    });
    const tuesday = loadDailyReport(t.reports, {
      ...options,
      kind: 'start',
      tradingDay: '2026-11-24',
      now: '2026-11-24T14:40:00Z',
      previousTradingDay: () => '2026-11-23',
    });
    expect(tuesday.history.map((p) => p.t)).toEqual(['2026-11-19', '2026-11-20', '2026-11-23']);
  });

  it('a summary queued while the server was down goes out with the next email, its CSV files intact', async () => {
    const outboxDir = join(t.dir, 'outbox');
    sink = await startSmtpSink();
    const url = sink.url();
    await sink.close();
    const mailer = () =>
      createMailer({ smtpUrl: url, from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 2000, secrets: [] });
    const first = await sendDailyReport({ reports: t.reports, mailer: mailer(), emails: t.store }, options);
    expect(first.outcome.status).toBe('queued');
    sink = await startSmtpSink({ port: Number(new URL(url).port) });
    const flushed = await mailer().flushOutbox?.();
    expect(flushed).toEqual({ sent: 1, waiting: 0 });
    checkParts(mimeParts(sink.received[0]?.raw ?? ''));
  });

  it('a secret in a record (an order message quoting the SMTP URL) is masked in the CSV files as in the body', async () => {
    const secret = 'hunter2-smtp-password';
    t.store.recordOrderIntent(
      'm1',
      { ...anOrder({ orderRef: 'rb:m1:KO', symbol: 'KO', quantity: 3, limitPrice: 62.5 }) },
      '2026-11-23T14:35:07.000Z',
    );
    t.store.markOrderFailed('rb:m1:KO', `could not send: smtp://bot:${secret}@mail.example.com refused`);
    const outboxDir = join(t.dir, 'outbox');
    const mailer = createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [secret] });
    await sendDailyReport({ reports: t.reports, mailer, emails: t.store }, options);
    const raw = readFileSync(join(outboxDir, readdirSync(outboxDir)[0] ?? ''), 'utf8');
    const orders = mimeParts(raw).find((p) => p.headers.get('content-disposition') === 'attachment; filename=orders.csv');
    expect(orders?.body.toString('utf8')).toContain('could not send: smtp://bot:');
    expect(orders?.body.toString('utf8')).not.toContain(secret);
    expect(mimeParts(raw).some((p) => p.body.toString('utf8').includes(secret))).toBe(false);
  });

  it('queues the same message, charts and CSV files included, as an .eml in the outbox when there is no SMTP server', async () => {
    const outboxDir = join(t.dir, 'outbox');
    const mailer = createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [] });
    const { outcome } = await sendDailyReport({ reports: t.reports, mailer, emails: t.store }, options);
    expect(outcome.status).toBe('queued');
    const files = readdirSync(outboxDir);
    expect(files).toHaveLength(1);
    checkParts(mimeParts(readFileSync(join(outboxDir, files[0] ?? ''), 'utf8')));
  });
});
