/**
 * The mailer: SMTP through nodemailer when SMTP_URL is set, else `.eml` files in the outbox. A message that
 * cannot be sent is queued in the outbox and sent before the next one. `send` never rejects, and no secret
 * reaches a message, a file or a reason.
 */
import { access, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type { MailMessage, Mailer, MailOutcome } from '../../ports/mailer.js';
import { redactSecrets } from '../../log/redact.js';
import { escapeHtml } from '../../report/escape-html.js';

export interface CreateMailerOptions {
  /** smtp:// or smtps:// URL; unset means every message goes to the outbox. */
  smtpUrl?: string;
  from: string;
  to?: string | readonly string[];
  /** Where `.eml` files wait (DATA_DIR/outbox). */
  outboxDir: string;
  /** SMTP connection, greeting and socket timeout. */
  timeoutMs: number;
  /** Strings to mask (see secretsOf); the SMTP URL is always masked. */
  secrets: readonly string[];
  /** The clock for the Date header and file names; defaults to the system clock. */
  now?: () => Date;
}

/** Errors that concern one message only; any other SMTP error means the server cannot be used right now. */
const MESSAGE_ERROR_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

export function createMailer(options: CreateMailerOptions): Mailer {
  const now = options.now ?? (() => new Date());
  const secrets = [...options.secrets, ...(options.smtpUrl ? [options.smtpUrl] : [])];
  const htmlSecrets = [...secrets, ...secrets.map(escapeHtml)];
  const to = typeof options.to === 'string' ? options.to : options.to?.join(', ');
  const envelope = { from: options.from, to };
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const smtp = options.smtpUrl
    ? nodemailer.createTransport({
        // Not `url:`: with it nodemailer ignores every other option, timeouts included.
        ...parseConnectionUrl(options.smtpUrl),
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        dnsTimeout: options.timeoutMs,
      })
    : undefined;

  const redact = (text: string): string => redactSecrets(text, secrets);
  const reasonOf = (error: unknown): string => {
    const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
    if (code === 'EAUTH') {
      // The server's text is left out: servers may echo the credentials they refused, and not always in a form
      // that can be found and masked (a password with non-ASCII letters comes back in another encoding).
      const status = typeof responseCode === 'number' ? ` ${responseCode}` : '';
      return `SMTP send failed (EAUTH): the server refused the login${status}; check the user and password in SMTP_URL`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return redact(`SMTP send failed${typeof code === 'string' ? ` (${code})` : ''}: ${message}`);
  };

  /** Compose the message as MIME and write it to the outbox: temp file, then rename, so no half file is sent. */
  async function queue(mail: MailMessage, reason: string): Promise<MailOutcome> {
    let file = join(options.outboxDir, `${fileStamp(now())}-${slug(mail.subject)}.eml`);
    try {
      await mkdir(options.outboxDir, { recursive: true });
      file = await freeName(file);
      const info = await composer.sendMail(mailOptionsOf(mail));
      const temp = join(options.outboxDir, `.${process.pid}-${Date.now()}.tmp`);
      await writeFile(temp, info.message);
      await rename(temp, file);
      return { status: 'queued', file, reason };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { status: 'queued', file, reason: redact(`${reason}; and the outbox file could not be written: ${why}`) };
    }
  }

  /** Send what waits in the outbox, oldest first; stop at the first failure and return it. */
  async function flushOutbox(transport: nodemailer.Transporter): Promise<unknown> {
    let files: string[];
    try {
      files = await oldestFirst(options.outboxDir);
    } catch {
      return undefined; // no outbox yet: nothing waits
    }
    for (const file of files) {
      try {
        const raw = await readFile(file);
        await transport.sendMail({ raw, envelope });
        await unlink(file);
      } catch (error) {
        return error;
      }
    }
    return undefined;
  }

  /** The same nodemailer options for SMTP and the outbox, so a queued .eml is the message SMTP would have sent. */
  function mailOptionsOf(mail: MailMessage): nodemailer.SendMailOptions {
    return {
      from: options.from,
      to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      date: now(),
      attachments: mail.attachments?.map((a) => ({
        cid: a.cid,
        filename: a.filename,
        content: a.content,
        contentType: a.contentType,
        contentDisposition: 'inline' as const,
      })),
    };
  }

  async function send(message: MailMessage): Promise<MailOutcome> {
    // Attachments pass as they are: they are images (charts drawn from numbers), with no text to redact.
    const mail: MailMessage = {
      subject: redact(message.subject),
      text: redact(message.text),
      html: message.html === undefined ? undefined : redactSecrets(message.html, htmlSecrets),
      attachments: message.attachments,
    };
    if (smtp === undefined) return queue(mail, 'no SMTP_URL configured');
    const flushError = await flushOutbox(smtp);
    const code = (flushError as { code?: unknown } | undefined)?.code;
    if (flushError !== undefined && !(typeof code === 'string' && MESSAGE_ERROR_CODES.has(code))) {
      // The server is down or refuses us: do not wait for a second timeout.
      return queue(mail, reasonOf(flushError));
    }
    try {
      const info = await smtp.sendMail(mailOptionsOf(mail));
      return { status: 'sent', messageId: info.messageId };
    } catch (error) {
      return queue(mail, reasonOf(error));
    }
  }

  return {
    async flushOutbox() {
      const before = await oldestFirst(options.outboxDir).then(
        (f) => f.length,
        () => 0,
      );
      if (smtp === undefined || before === 0) return { sent: 0, waiting: before };
      try {
        await flushOutbox(smtp);
      } catch {
        // flushOutbox returns its errors; anything else still must not reject.
      }
      const after = await oldestFirst(options.outboxDir).then(
        (f) => f.length,
        () => 0,
      );
      return { sent: before - after, waiting: after };
    },
    async send(message) {
      try {
        return await send(message);
      } catch (error) {
        // Not expected (every step catches its own), but the port promises never to reject.
        const why = error instanceof Error ? error.message : String(error);
        return { status: 'queued', file: options.outboxDir, reason: redact(`could not send or queue the email: ${why}`) };
      }
    },
  };
}

/** `yyyyMMddTHHmmss` in UTC. */
function fileStamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '');
}

function slug(subject: string): string {
  const s = subject
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return s === '' ? 'message' : s;
}

/** The name, or the name with -2, -3... when a file of that name exists. */
async function freeName(file: string): Promise<string> {
  const base = file.slice(0, -'.eml'.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? file : `${base}-${n}.eml`;
    try {
      await access(candidate);
    } catch {
      return candidate;
    }
  }
}

/** The outbox's .eml files, oldest first: by the time stamp in the name, then by modification time. */
async function oldestFirst(outboxDir: string): Promise<string[]> {
  const names = (await readdir(outboxDir)).filter((n) => n.endsWith('.eml'));
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = join(outboxDir, name);
      const mtime = await stat(file).then(
        (s) => s.mtimeMs,
        () => 0,
      );
      return { file, stamp: name.slice(0, 15), mtime, base: name.slice(0, -'.eml'.length) };
    }),
  );
  entries.sort((a, b) => a.stamp.localeCompare(b.stamp) || a.mtime - b.mtime || a.base.localeCompare(b.base, 'en', { numeric: true }));
  return entries.map((e) => e.file);
}
