/**
 * The mailer the composition root hands out (src/app/lazy-mailer.ts), which loads nodemailer only when an email is
 * sent or the outbox has one to send: it behaves as the mailer it wraps. With nothing waiting, or no SMTP_URL, the
 * flush answers without a connection; a message queued during an outage goes out with the next flush, to a real
 * SMTP server on loopback.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lazyMailer } from '../../src/app/lazy-mailer.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

let dir: string;
let outboxDir: string;
const sinks: SmtpSink[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebalancer-lazy-mail-'));
  outboxDir = join(dir, 'outbox');
});
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const options = (smtpUrl?: string) => ({ smtpUrl, from: 'bot@example.com', to: 'me@example.com', outboxDir, timeoutMs: 2000, secrets: [] });

describe('lazyMailer', () => {
  it('flushes nothing when nothing waits, queues without SMTP_URL, and sends the queue once a server answers', async () => {
    expect(await lazyMailer(options()).flushOutbox?.()).toEqual({ sent: 0, waiting: 0 });
    // No SMTP_URL: queued in the outbox; a flush says it waits, and sends nothing.
    const offline = lazyMailer(options());
    expect((await offline.send({ subject: 'queued alert', text: 'body' })).status).toBe('queued');
    expect(readdirSync(outboxDir).filter((n) => n.endsWith('.eml'))).toHaveLength(1);
    expect(await offline.flushOutbox?.()).toEqual({ sent: 0, waiting: 1 });

    const server = await startSmtpSink();
    sinks.push(server);
    const online = lazyMailer(options(server.url()));
    expect(await online.flushOutbox?.()).toEqual({ sent: 1, waiting: 0 });
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.raw).toContain('queued alert');
    const sent = await online.send({ subject: 'second', text: 'body' });
    expect(sent.status).toBe('sent');
    expect(server.received).toHaveLength(2);
  });
});
