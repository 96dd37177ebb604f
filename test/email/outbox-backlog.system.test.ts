/**
 * A backlog in the outbox (a week of a mail server down, then back but slow): the flush has its own deadline
 * (FLUSH_BUDGET x SMTP_TIMEOUT_MS), and a flush cut short by that deadline is not a server that failed. The
 * alert the run sends now must still go out at once, not wait behind hundreds of older messages for many runs.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMailer } from '../../src/adapters/email/create-mailer.js';

let dir: string;
let outboxDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebalancer-backlog-'));
  outboxDir = join(dir, 'outbox');
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** A working SMTP server that takes `delayMs` to accept each message; keeps the subjects it accepted. */
async function slowServer(delayMs: number): Promise<{ url: string; subjects: string[]; close: () => Promise<void> }> {
  const subjects: string[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        subjects.push(/^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r?\n[ \t]+/g, ' ') ?? '');
        setTimeout(() => callback(), delayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${port}`, subjects, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const ALERT = (n: number) => `[rebalancer] DU0000001 BLOCKED: cause ${n} - run 20261121T1530Z-ab12`;

describe('an outbox with a backlog larger than one flush can send', () => {
  it('the alert of this run still goes out at once; the rest of the backlog waits, nothing lost', async () => {
    const offline = createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [] });
    for (let i = 0; i < 40; i++) expect((await offline.send({ subject: ALERT(i), text: 'old' })).status).toBe('queued');

    const server = await slowServer(100);
    try {
      const mailer = createMailer({
        smtpUrl: server.url,
        from: 'bot@example.com',
        to: 'me@example.com',
        outboxDir,
        timeoutMs: 500,
        secrets: [],
      });
      const started = Date.now();
      const outcome = await mailer.send({ subject: ALERT(999), text: 'the alert of this run' });
      const tookMs = Date.now() - started;
      expect(outcome.status).toBe('sent');
      expect(server.subjects).toContain(ALERT(999));
      // The flush's own budget (3 x 500 ms) and one email's (500 ms), with some slack: the run is not held.
      expect(tookMs).toBeLessThan(4 * 500 + 1000);
      // Nothing lost: each older alert reached the server or still waits (one cut off by the flush's deadline
      // may be both: a server may accept a message after the client gave up on its answer).
      const waiting = readdirSync(outboxDir)
        .filter((f) => f.endsWith('.eml'))
        .map((f) => readFileSync(join(outboxDir, f), 'utf8'));
      expect(waiting.length).toBeGreaterThan(0);
      for (let i = 0; i < 40; i++) {
        const sent = server.subjects.includes(ALERT(i));
        const queued = waiting.some((raw) => raw.includes(`cause ${i} -`));
        expect(sent || queued, `alert ${i}`).toBe(true);
      }
    } finally {
      await server.close();
    }
  });
});

describe('the wall clock stepped back an hour during the flush (NTP, a person setting the date)', () => {
  it('does not extend the flush past its budget: the run is not held sending the backlog', async () => {
    const offline = createMailer({ from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 1000, secrets: [] });
    for (let i = 0; i < 40; i++) expect((await offline.send({ subject: ALERT(i), text: 'old' })).status).toBe('queued');
    const server = await slowServer(100);
    try {
      const mailer = createMailer({
        smtpUrl: server.url,
        from: 'bot@example.com',
        to: 'me@example.com',
        outboxDir,
        timeoutMs: 500,
        secrets: [],
      });
      const realNow = Date.now.bind(Date);
      let calls = 0;
      vi.spyOn(Date, 'now').mockImplementation(() => realNow() - (++calls > 1 ? 3_600_000 : 0));
      const started = performance.now();
      const flushed = await mailer.flushOutbox?.();
      const tookMs = performance.now() - started;
      vi.restoreAllMocks();
      expect(tookMs).toBeLessThan(3 * 500 + 1000);
      expect(flushed?.waiting).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
