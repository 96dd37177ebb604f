import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { renderAlert } from '../../src/report/render-alert.js';
import type { MailMessage, MailOutcome } from '../../src/ports/mailer.js';
import { parseMail, startSmtpSink, type SmtpSink } from './smtp-sink.js';

const FIXED_NOW = () => new Date('2026-11-21T15:30:05Z');

let dir: string;
let outboxDir: string;
const sinks: SmtpSink[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebalancer-mail-'));
  outboxDir = join(dir, 'outbox');
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sink(o: Parameters<typeof startSmtpSink>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtpSink(o);
  sinks.push(s);
  return s;
}

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = await startSmtpSink();
  await s.close();
  return s.port;
}

const outbox = () => readdirSync(outboxDir).sort();

/** A mailer to a test server's URL, queueing in this test's outbox. */
const mailerTo = (smtpUrl: string, timeoutMs: number) =>
  createMailer({ smtpUrl, from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs, secrets: [] });

const message = (subject: string): MailMessage => ({ subject, text: `text of ${subject}`, html: `<p>html of ${subject}</p>` });

describe('createMailer with SMTP', () => {
  it('delivers subject, text and html to a real SMTP server, logging in with the URL credentials', async () => {
    const server = await sink({ login: { user: 'bot', pass: 'hunter2' } });
    const mailer = createMailer({
      smtpUrl: server.url('bot:hunter2'),
      from: 'Rebalancer <bot@example.com>',
      to: ['me@example.com', 'you@example.com'],
      outboxDir,
      timeoutMs: 5000,
      secrets: [],
    });
    const alert = renderAlert({
      account: 'DU0000001',
      runId: '20261121T1530Z-ab12',
      outcome: 'BLOCKED',
      now: '2026-11-21T15:30:00Z',
      tradingState: 'HALTED',
      breaches: [{ code: 'LEVERAGE_LIMIT', detail: 'leverage after trades 2.31 > max 2.00' }],
      files: [],
      exitCode: 3,
    });
    const outcome = await mailer.send(alert);
    expect(outcome.status).toBe('sent');
    expect(server.received).toHaveLength(1);
    const got = server.received[0];
    expect(got?.from).toBe('bot@example.com');
    expect(got?.to).toEqual(['me@example.com', 'you@example.com']);
    const mail = parseMail(got?.raw ?? '');
    expect(mail.subject).toBe(alert.subject);
    expect(mail.text).toContain('LEVERAGE_LIMIT: leverage after trades 2.31 > max 2.00');
    expect(mail.html).toBe(alert.html);
    expect(mail.html).toContain('<strong>LEVERAGE_LIMIT</strong>');
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
  });

  it('sends a text-only message when no html is given', async () => {
    const server = await sink();
    const mailer = mailerTo(server.url(), 5000);
    expect((await mailer.send({ subject: 'plain', text: 'just text' })).status).toBe('sent');
    const mail = parseMail(server.received[0]?.raw ?? '');
    expect(mail.text?.trim()).toBe('just text');
    expect(mail.html).toBeUndefined();
  });

  it('masks secrets in subject, text and html before they leave', async () => {
    const server = await sink();
    const url = server.url();
    const mailer = createMailer({
      smtpUrl: url,
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir,
      timeoutMs: 5000,
      secrets: ['s3&cret'],
    });
    await mailer.send({ subject: 'key s3&cret', text: `key s3&cret via ${url}`, html: '<p>key s3&amp;cret and s3&cret</p>' });
    const raw = server.received[0]?.raw ?? '';
    const mail = parseMail(raw);
    expect(mail.subject).toBe('key ***');
    expect(mail.text).toContain('key *** via ***');
    expect(mail.html).toContain('<p>key *** and ***</p>');
    expect(raw).not.toContain('s3&');
  });

  it('queues the message when the server is down, then sends the queued one first once it is up', async () => {
    const downUrl = `smtp://127.0.0.1:${await deadPort()}`;
    const first = createMailer({
      smtpUrl: downUrl,
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir,
      timeoutMs: 2000,
      secrets: [],
      now: FIXED_NOW,
    });
    const queued = await first.send(message('first alert'));
    expect(queued).toMatchObject({ status: 'queued', reason: expect.stringMatching(/SMTP send failed \(ESOCKET\): connect ECONNREFUSED/) });
    expect(outbox()).toEqual(['20261121T153005-alert-first-alert.eml']);
    if (queued.status === 'queued') expect(queued.file).toBe(join(outboxDir, '20261121T153005-alert-first-alert.eml'));

    const server = await sink();
    const next = mailerTo(server.url(), 5000);
    expect((await next.send(message('second alert'))).status).toBe('sent');
    expect(server.received.map((m) => parseMail(m.raw).subject)).toEqual(['first alert', 'second alert']);
    expect(server.received[0]?.to).toEqual(['me@example.com']);
    expect(parseMail(server.received[0]?.raw ?? '').html).toContain('<p>html of first alert</p>');
    expect(outbox()).toEqual([]);
  });

  it('sends queued messages oldest first, including those written without SMTP', async () => {
    const offline = createMailer({ from: 'bot@example.com', outboxDir, timeoutMs: 1000, secrets: [], now: FIXED_NOW });
    await offline.send(message('same'));
    await offline.send(message('same'));
    const later = createMailer({
      from: 'bot@example.com',
      outboxDir,
      timeoutMs: 1000,
      secrets: [],
      now: () => new Date('2026-11-21T16:00:00Z'),
    });
    await later.send(message('another'));
    const earlier = createMailer({
      from: 'bot@example.com',
      outboxDir,
      timeoutMs: 1000,
      secrets: [],
      now: () => new Date('2026-11-21T09:00:00Z'),
    });
    await earlier.send(message('zzz earliest'));
    expect(outbox()).toHaveLength(4);

    const server = await sink();
    const mailer = mailerTo(server.url(), 5000);
    await mailer.send(message('new'));
    expect(server.received.map((m) => parseMail(m.raw).subject)).toEqual(['zzz earliest', 'same', 'same', 'another', 'new']);
    expect(outbox()).toEqual([]);
  });

  it('queues with a redacted reason when the server refuses the message', async () => {
    const server = await sink({ reject: 'mailbox full for hunter2' });
    const mailer = createMailer({
      smtpUrl: server.url(),
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir,
      timeoutMs: 5000,
      secrets: ['hunter2'],
    });
    const outcome = await mailer.send(message('refused'));
    expect(outcome.status).toBe('queued');
    if (outcome.status !== 'queued') return;
    expect(outcome.reason).toContain('mailbox full for ***');
    expect(outcome.reason).not.toContain('hunter2');
    expect(readFileSync(outcome.file, 'utf8')).toContain('Subject: refused');
  });

  it('never shows the SMTP password in a reason, even when the login fails', async () => {
    const server = await sink({ login: { user: 'bot', pass: 'right' } });
    const url = server.url('bot:wr0ngpass');
    const mailer = createMailer({
      smtpUrl: url,
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir,
      timeoutMs: 5000,
      secrets: ['wr0ngpass'],
    });
    const outcome = await mailer.send(message('login'));
    expect(outcome).toMatchObject({ status: 'queued', reason: expect.stringMatching(/EAUTH/) });
    expect(JSON.stringify(outcome)).not.toContain('wr0ngpass');
  });

  it('gives up after the timeout when the server never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const mailer = createMailer({
        smtpUrl: `smtp://127.0.0.1:${port}`,
        from: 'bot@example.com',
        to: 'me@example.com',
        outboxDir,
        timeoutMs: 300,
        secrets: [],
      });
      const started = Date.now();
      const outcome = await mailer.send(message('slow'));
      expect(outcome.status).toBe('queued');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(outbox()).toHaveLength(1);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('createMailer without SMTP', () => {
  it('writes the message as an .eml file to the outbox', async () => {
    const mailer = createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [], now: FIXED_NOW });
    const outcome = await mailer.send(message('DU0000001 BLOCKED: <LEVERAGE_LIMIT>'));
    expect(outcome).toEqual({
      status: 'queued',
      file: join(outboxDir, '20261121T153005-alert-du0000001-blocked-leverage-limit.eml'),
      reason: 'no SMTP_URL configured',
    });
    expect(outbox()).toEqual(['20261121T153005-alert-du0000001-blocked-leverage-limit.eml']);
    const mail = parseMail(readFileSync(join(outboxDir, outbox()[0] ?? ''), 'utf8'));
    expect(mail.subject).toBe('DU0000001 BLOCKED: <LEVERAGE_LIMIT>');
    expect(mail.headers.get('from')).toBe('bot@example.com');
    expect(mail.headers.get('to')).toBe('me@example.com');
    expect(mail.headers.get('date')).toBe('Sat, 21 Nov 2026 15:30:05 +0000');
    expect(mail.text).toBe('text of DU0000001 BLOCKED: <LEVERAGE_LIMIT>');
    expect(mail.html).toBe('<p>html of DU0000001 BLOCKED: <LEVERAGE_LIMIT></p>');
  });

  it('never overwrites a queued message', async () => {
    const mailer = createMailer({ from: 'bot@example.com', outboxDir, timeoutMs: 1000, secrets: [], now: FIXED_NOW });
    await mailer.send(message('same'));
    await mailer.send(message('same'));
    expect(outbox()).toEqual(['20261121T153005-alert-same-2.eml', '20261121T153005-alert-same.eml']);
  });
});

describe('send never rejects', () => {
  it('resolves queued when neither SMTP nor the outbox works', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const blockedOutbox = join(dir, 'a-file', 'outbox');
    const mailer = createMailer({
      smtpUrl: `smtp://127.0.0.1:${await deadPort()}`,
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir: blockedOutbox,
      timeoutMs: 1000,
      secrets: [],
    });
    const outcome = await mailer.send(message('nowhere'));
    expect(outcome).toMatchObject({ status: 'queued', reason: expect.stringMatching(/ECONNREFUSED.*outbox file could not be written/) });
  });

  it('resolves queued without SMTP when the outbox cannot be written', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const mailer = createMailer({ from: 'bot@example.com', outboxDir: join(dir, 'a-file', 'outbox'), timeoutMs: 1000, secrets: [] });
    await expect(mailer.send(message('nowhere'))).resolves.toMatchObject({
      status: 'queued',
      reason: expect.stringMatching(/no SMTP_URL configured; and the outbox/),
    });
  });

  it('resolves queued for a host that does not resolve', async () => {
    const mailer = createMailer({
      smtpUrl: 'smtp://no-such-host.invalid:25',
      from: 'bot@example.com',
      to: 'me@example.com',
      outboxDir,
      timeoutMs: 2000,
      secrets: [],
    });
    await expect(mailer.send(message('dns'))).resolves.toMatchObject({ status: 'queued' });
  });
});

/** A server that greets, then answers EHLO one byte every 500 ms, forever: no inactivity timeout ever fires. */
async function tricklingServer(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.write('220 trickle.example ESMTP\r\n');
    let timer: NodeJS.Timeout | undefined;
    socket.once('data', () => {
      socket.write('250-trickle.example');
      timer = setInterval(() => socket.write('x'), 500);
    });
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

const ALERT = (what: string) => `[rebalancer] DU0000001 BLOCKED: ${what} - run 20261121T1530Z-ab12`;
const SUMMARY = (day: string) => `[rebalancer] DU0000001 end of day ${day}: NLV 100,000.00 (+0.10%)`;

/** Queues a message in the outbox, as a run without SMTP (or with the server down) would, at the given time. */
async function queueAt(at: string, subject: string): Promise<void> {
  const offline = createMailer({
    from: 'bot@example.com',
    to: 'me@example.com',
    outboxDir,
    timeoutMs: 1000,
    secrets: [],
    now: () => new Date(at),
  });
  expect((await offline.send(message(subject))).status).toBe('queued');
}

const eml = () => outbox().filter((f) => f.endsWith('.eml'));

describe('a trickling SMTP server (a greeting, then one byte every 500 ms)', () => {
  it('cannot hold a send past SMTP_TIMEOUT_MS: the connection is closed and the message queued with the reason', async () => {
    const server = await tricklingServer();
    try {
      const mailer = mailerTo(server.url, 1500);
      let outcome: MailOutcome | undefined;
      void mailer.send(message('trickled')).then((o) => (outcome = o));
      await expect
        .poll(() => outcome, { timeout: 20_000, interval: 100 })
        .toMatchObject({
          status: 'queued',
          reason: expect.stringMatching(/no complete answer from the SMTP server within 1500 ms \(SMTP_TIMEOUT_MS\)/),
        });
      expect(eml()).toHaveLength(1);
      await expect.poll(server.connections, { timeout: 5000 }).toBe(0);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('cannot hold the outbox flush either: the queued messages stay, and the flush returns', async () => {
    await queueAt('2026-11-21T09:00:00Z', ALERT('first'));
    await queueAt('2026-11-21T10:00:00Z', ALERT('second'));
    const server = await tricklingServer();
    try {
      const mailer = mailerTo(server.url, 1500);
      let flushed: { sent: number; waiting: number } | undefined;
      void mailer.flushOutbox?.().then((f) => (flushed = f));
      await expect.poll(() => flushed, { timeout: 20_000, interval: 100 }).toEqual({ sent: 0, waiting: 2 });
      await expect.poll(server.connections, { timeout: 5000 }).toBe(0);
    } finally {
      await server.close();
    }
  }, 30_000);
});

describe('the outbox with a message the server refuses', () => {
  it('moves a message refused for good (552) aside with the answer, sends the others (alerts first), and says so', async () => {
    await queueAt('2026-11-21T08:00:00Z', SUMMARY('2026-11-20'));
    await queueAt('2026-11-21T09:00:00Z', ALERT('huge'));
    await queueAt('2026-11-21T10:00:00Z', ALERT('later'));
    const server = await sink({
      refuse: (raw) => (/^Subject: .*huge/m.test(raw) ? { code: 552, text: '5.3.4 Message too big for system' } : undefined),
    });
    const mailer = mailerTo(server.url(), 5000);

    const outcome = await mailer.send(message(SUMMARY('2026-11-21')));
    expect(outcome.status).toBe('sent');
    const subjects = server.received.map((m) => parseMail(m.raw).subject);
    expect(subjects).toEqual([ALERT('later'), SUMMARY('2026-11-20'), SUMMARY('2026-11-21')]);
    expect(eml()).toEqual([]);
    const refused = readdirSync(join(outboxDir, 'refused')).sort();
    expect(refused).toHaveLength(2);
    const [emlFile, reasonFile] = [refused.find((f) => f.endsWith('.eml')), refused.find((f) => f.endsWith('.txt'))];
    expect(parseMail(readFileSync(join(outboxDir, 'refused', emlFile ?? ''), 'utf8')).subject).toBe(ALERT('huge'));
    expect(readFileSync(join(outboxDir, 'refused', reasonFile ?? ''), 'utf8')).toMatch(/552 5\.3\.4 Message too big for system/);
    // The next message that goes out says what was set aside, and why.
    const last = parseMail(server.received.at(-1)?.raw ?? '');
    expect(last.text).toMatch(/refused for good by the mail server.*moved to .*refused/s);
    expect(last.text).toContain(ALERT('huge'));
    expect(last.text).toContain('552');
  });

  it('keeps a message refused for now (451) and still sends the ones after it', async () => {
    await queueAt('2026-11-21T09:00:00Z', ALERT('busy'));
    await queueAt('2026-11-21T10:00:00Z', SUMMARY('2026-11-20'));
    await queueAt('2026-11-21T11:00:00Z', ALERT('later'));
    const server = await sink({
      refuse: (raw) => (/^Subject: .*busy/m.test(raw) ? { code: 451, text: '4.3.0 try again later' } : undefined),
    });
    const mailer = mailerTo(server.url(), 5000);

    expect(await mailer.flushOutbox?.()).toEqual({ sent: 2, waiting: 1 });
    expect(server.received.map((m) => parseMail(m.raw).subject)).toEqual([ALERT('later'), SUMMARY('2026-11-20')]);
    expect(eml()).toHaveLength(1);
    expect(parseMail(readFileSync(join(outboxDir, eml()[0] ?? ''), 'utf8')).subject).toBe(ALERT('busy'));
  });

  it('sets a new message refused for good aside at once, rather than retrying it with every run', async () => {
    const server = await sink({ refuse: () => ({ code: 550, text: '5.7.1 content rejected' }) });
    const mailer = mailerTo(server.url(), 5000);
    const outcome = await mailer.send(message(ALERT('rejected')));
    expect(outcome).toMatchObject({ status: 'queued', reason: expect.stringMatching(/refused for good .*550 5\.7\.1 content rejected/) });
    expect(eml()).toEqual([]);
    expect(readdirSync(join(outboxDir, 'refused')).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });

  it('names queued files by kind, so a person sees which are alerts', async () => {
    await queueAt('2026-11-21T09:00:00Z', ALERT('one'));
    await queueAt('2026-11-21T09:00:00Z', SUMMARY('2026-11-20'));
    expect(eml()).toEqual([
      '20261121T090000-alert-rebalancer-du0000001-blocked-one-run-20261121t1530z-ab12.eml',
      '20261121T090000-summary-rebalancer-du0000001-end-of-day-2026-11-20-nlv-100-000-00-0.eml',
    ]);
  });
});
