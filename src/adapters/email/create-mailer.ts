/**
 * The mailer: SMTP through nodemailer when SMTP_URL is set, else `.eml` files in the outbox. A message that
 * cannot be sent is queued in the outbox and sent before the next one, alerts before summaries. Every email has
 * a hard deadline (SMTP_TIMEOUT_MS, from connecting to the server's last answer; a server that trickles bytes
 * cannot hold it longer), and the outbox flush as a whole has one too. A message the server refuses for good
 * (a 5xx answer to it) is moved to `outbox/refused/` with the answer beside it, and the next email says so; a
 * temporary refusal (4xx) keeps it; a server that cannot be reached stops the flush. `send` never rejects, and
 * no secret reaches a message, a file or a reason.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { access, mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
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
  /**
   * The most one email may take, from connecting to the server's last answer (and the connection, greeting and
   * socket timeouts). The outbox flush as a whole may take FLUSH_BUDGET times as long.
   */
  timeoutMs: number;
  /** Strings to mask (see secretsOf); the SMTP URL is always masked. */
  secrets: readonly string[];
  /** The clock for the Date header and file names; defaults to the system clock. */
  now?: () => Date;
  /**
   * Told (redacted) when a message is set aside as refused for good; defaults to a warning on stderr. The
   * next email sent says it too.
   */
  onNotice?: (text: string) => void;
}

/** Errors that concern one message only; any other SMTP error means the server cannot be used right now. */
const MESSAGE_ERROR_CODES = new Set(['EENVELOPE', 'EMESSAGE']);

/** The outbox flush may take this many times SMTP_TIMEOUT_MS in all. */
export const FLUSH_BUDGET = 3;

/** Where messages refused for good are kept, inside the outbox. */
export const REFUSED_DIR = 'refused';

/** What an SMTP failure means for the message and for the messages after it. */
type Failure = 'refused' | 'later' | 'server';

/**
 * A 5xx answer to this message (its envelope or its data): refused for good, retrying cannot help. A 4xx answer
 * to it: later. Anything else (no connection, a timeout, the login refused, a broken conversation) is the
 * server's: the messages after it would fail the same way.
 */
function failureOf(error: unknown): Failure {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  if (!(typeof code === 'string' && MESSAGE_ERROR_CODES.has(code))) return 'server';
  return typeof responseCode === 'number' && responseCode >= 500 && responseCode < 600 ? 'refused' : 'later';
}

type Kind = 'alert' | 'summary';

/**
 * Alerts (a FAILED, BLOCKED or WARNING run) go before summaries (start of day, mid-day, end of day): told by the
 * subject, as the report renders it; a message of no known kind is treated as an alert.
 */
function kindOf(subject: string): Kind {
  if (/^\[rebalancer\] .{1,40}? (FAILED|BLOCKED|WARNING): /.test(subject)) return 'alert';
  return /^\[rebalancer\] .+? (start of day|mid-day|end of day) \d{4}-\d{2}-\d{2}: /.test(subject) ? 'summary' : 'alert';
}

export function createMailer(options: CreateMailerOptions): Mailer {
  const now = options.now ?? (() => new Date());
  const secrets = [...options.secrets, ...(options.smtpUrl ? [options.smtpUrl] : [])];
  const htmlSecrets = [...secrets, ...secrets.map(escapeHtml)];
  const to = typeof options.to === 'string' ? options.to : options.to?.join(', ');
  const envelope = { from: options.from, to };
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const smtp = options.smtpUrl === undefined ? undefined : smtpSender(options.smtpUrl, options.timeoutMs);
  const onNotice = options.onNotice ?? ((text: string) => void process.stderr.write(`warning: ${text}\n`));
  const refusedDir = join(options.outboxDir, REFUSED_DIR);

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

  /**
   * Compose the message as MIME and write it to the outbox (or `dir`): temp file, then rename, so no half file is
   * sent. The name tells the time and the kind: `20261121T153005-alert-<subject>.eml`.
   */
  async function queue(mail: MailMessage, reason: string, dir = options.outboxDir): Promise<MailOutcome> {
    let file = join(dir, `${fileStamp(now())}-${kindOf(mail.subject)}-${slug(mail.subject)}.eml`);
    try {
      await mkdir(dir, { recursive: true });
      file = await freeName(file);
      const info = await composer.sendMail(mailOptionsOf(mail));
      const temp = join(dir, `.${process.pid}-${Date.now()}.tmp`);
      await writeFile(temp, info.message);
      await rename(temp, file);
      return { status: 'queued', file, reason };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { status: 'queued', file, reason: redact(`${reason}; and the outbox file could not be written: ${why}`) };
    }
  }

  /** Writes the server's answer beside a message set aside in outbox/refused/. */
  async function writeRefusal(file: string, reason: string): Promise<void> {
    await writeFile(`${file.slice(0, -'.eml'.length)}.txt`, `refused at ${new Date().toISOString()}\n${reason}\n`);
  }

  /** Moves a queued message the server refused for good to outbox/refused/, with the answer beside it. */
  async function setAside(file: string, reason: string): Promise<string> {
    await mkdir(refusedDir, { recursive: true });
    const target = await freeName(join(refusedDir, basename(file)));
    await rename(file, target);
    await writeRefusal(target, reason);
    return target;
  }

  interface Flushed {
    /** The failure that stopped the flush: the server cannot be used now. */
    stop?: unknown;
    /**
     * Why the flush stopped before the outbox was empty although the server works: its own deadline. The message
     * being sent now still goes (a backlog must not hold back the newest alert); the rest waits for later runs.
     */
    budgetSpent?: string;
    refused: { subject: string; reason: string; file: string }[];
  }

  /**
   * Send what waits in the outbox, alerts first, oldest first within a kind. A message refused for good is set
   * aside and the flush goes on; one refused for now stays and the flush goes on; any other failure (the server
   * down, slow or refusing us) stops it, as does the flush's own deadline.
   */
  async function flushOutbox(sender: SmtpSender): Promise<Flushed> {
    const result: Flushed = { refused: [] };
    let files: string[];
    try {
      files = await priorityOrder(options.outboxDir);
    } catch {
      return result; // no outbox yet: nothing waits
    }
    // On the monotonic clock: a wall clock stepped back (NTP, a person setting the date) must not extend it.
    const deadline = performance.now() + FLUSH_BUDGET * options.timeoutMs;
    const budgetSpent = `the outbox flush took longer than ${FLUSH_BUDGET} x ${options.timeoutMs} ms (SMTP_TIMEOUT_MS); the rest waits for the next run`;
    for (const file of files) {
      const left = deadline - performance.now();
      if (left <= 0) {
        result.budgetSpent = budgetSpent;
        break;
      }
      let raw: Buffer;
      try {
        raw = await readFile(file);
      } catch {
        continue; // gone (sent by another process) or unreadable: not this flush's business
      }
      try {
        await sender.send({ raw, envelope }, Math.min(options.timeoutMs, left));
        await unlink(file);
      } catch (error) {
        const failure = failureOf(error);
        if (failure === 'server' && left < options.timeoutMs && performance.now() >= deadline) {
          // Cut short by the flush's deadline, not by the server: the message stays queued for the next flush.
          result.budgetSpent = budgetSpent;
          break;
        }
        if (failure === 'server') {
          result.stop = error;
          break;
        }
        if (failure === 'refused') {
          const reason = reasonOf(error);
          const subject = redact(subjectOf(raw.toString('utf8')));
          try {
            const target = await setAside(file, reason);
            result.refused.push({ subject, reason, file: target });
          } catch {
            // Cannot move it: it stays, and is tried again next time (and refused again, without blocking others).
          }
        }
      }
    }
    if (result.refused.length > 0) onNotice(refusalNotice(result.refused, refusedDir));
    return result;
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
      attachments: [
        ...(mail.attachments ?? []).map((a) => ({
          cid: a.cid,
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
          contentDisposition: 'inline' as const,
        })),
        ...(mail.files ?? []).map((f) => ({
          filename: f.filename,
          content: f.content,
          contentType: f.contentType,
          contentDisposition: 'attachment' as const,
        })),
      ],
    };
  }

  async function send(message: MailMessage): Promise<MailOutcome> {
    // Inline attachments pass as they are: they are images (charts drawn from numbers), with no text to redact. Attached
    // files are text (the summary's tables as CSV, with the records' messages): redacted like the body.
    const mail: MailMessage = {
      subject: redact(message.subject),
      text: redact(message.text),
      html: message.html === undefined ? undefined : redactSecrets(message.html, htmlSecrets),
      attachments: message.attachments,
      ...(message.files === undefined
        ? {}
        : { files: message.files.map((f) => ({ ...f, content: Buffer.from(redact(f.content.toString('utf8')), 'utf8') })) }),
    };
    if (smtp === undefined) return queue(mail, 'no SMTP_URL configured');
    const flushed = await flushOutbox(smtp);
    if (flushed.stop !== undefined) {
      // The server is down or refuses us: do not wait for a second timeout.
      return queue(mail, reasonOf(flushed.stop));
    }
    const note = flushed.refused.length === 0 ? undefined : refusalNotice(flushed.refused, refusedDir);
    const final = note === undefined ? mail : withNotice(mail, note);
    try {
      const info = await smtp.send(mailOptionsOf(final), options.timeoutMs);
      return { status: 'sent', messageId: info.messageId };
    } catch (error) {
      const reason = reasonOf(error);
      if (failureOf(error) !== 'refused') return queue(final, reason);
      // Refused for good: retrying with every run cannot help. Kept aside, with the answer, for a person.
      const kept = await queue(final, `refused for good by the mail server (${reason}); kept in ${refusedDir}, not retried`, refusedDir);
      if (kept.status === 'queued' && kept.file.startsWith(refusedDir)) await writeRefusal(kept.file, reason).catch(() => undefined);
      onNotice(`an email was refused for good by the mail server and kept in ${refusedDir}: "${final.subject}": ${reason}`);
      return kept;
    }
  }

  return {
    async flushOutbox() {
      const before = await priorityOrder(options.outboxDir).then(
        (f) => f.length,
        () => 0,
      );
      if (smtp === undefined || before === 0) return { sent: 0, waiting: before };
      try {
        const flushed = await flushOutbox(smtp);
        if (flushed.stop !== undefined) onNotice(`queued emails wait in the outbox: ${reasonOf(flushed.stop)}`);
        else if (flushed.budgetSpent !== undefined) onNotice(`queued emails wait in the outbox: ${flushed.budgetSpent}`);
      } catch {
        // flushOutbox returns its errors; anything else still must not reject.
      }
      const after = await priorityOrder(options.outboxDir).then(
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

interface SmtpSender {
  /** Sends one message; rejects with the SMTP error, or a deadline error once `deadlineMs` has passed. */
  send(mail: nodemailer.SendMailOptions, deadlineMs: number): Promise<SMTPTransport.SentMessageInfo>;
}

function deadlineError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

/**
 * SMTP through nodemailer with a hard deadline per message. nodemailer's timeouts measure silence, so a server
 * that answers one byte at a time defeats them; here the socket is opened for nodemailer (getSocket) and kept,
 * so that when the deadline passes it is destroyed and the send fails, whatever the server is doing.
 */
function smtpSender(smtpUrl: string, timeoutMs: number): SmtpSender {
  // Not `url:`: with it nodemailer ignores every other option, timeouts included.
  const parsed = parseConnectionUrl(smtpUrl) as SMTPTransport.Options;
  const host = parsed.host ?? 'localhost';
  const secure = parsed.secure === true;
  const port = parsed.port ?? (secure ? 465 : 587);
  const tlsOptions = (parsed.tls ?? {}) as ConnectionOptions;
  const open = (): Socket => {
    const socket = secure
      ? tlsConnect({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...tlsOptions })
      : netConnect({ host, port });
    socket.on('error', () => undefined); // nodemailer reports socket errors; this only keeps a late one from crashing
    return socket;
  };
  return {
    send(mail, deadlineMs) {
      const sockets: Socket[] = [];
      const transportOptions: SMTPTransport.Options = {
        ...parsed,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        dnsTimeout: timeoutMs,
        getSocket: (_options, callback) => {
          try {
            const socket = open();
            sockets.push(socket);
            callback(null, { connection: socket, secured: secure });
          } catch (error) {
            callback(error instanceof Error ? error : new Error(String(error)), undefined);
          }
        },
      };
      const transport = nodemailer.createTransport(transportOptions);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          sockets.forEach((s) => s.destroy());
          transport.close();
          reject(deadlineError(`no complete answer from the SMTP server within ${deadlineMs} ms (SMTP_TIMEOUT_MS); connection closed`));
        }, deadlineMs);
        transport
          .sendMail(mail)
          .then(resolve, reject)
          .finally(() => clearTimeout(timer));
      });
    },
  };
}

/** The notice that messages were set aside: for the console, the log and the next email. */
function refusalNotice(refused: readonly { subject: string; reason: string }[], refusedDir: string): string {
  const lines = refused.map((r) => `- "${r.subject}": ${r.reason}`);
  return `${refused.length} queued email(s) were refused for good by the mail server and moved to ${refusedDir} (not retried; the server's answer is beside each):\n${lines.join('\n')}`;
}

/** The message with a notice added at the end of its text and HTML. */
function withNotice(mail: MailMessage, notice: string): MailMessage {
  const html = `<hr><p style="white-space:pre-wrap">${escapeHtml(`Note: ${notice}`)}</p>`;
  return {
    ...mail,
    text: `${mail.text.replace(/\n*$/, '')}\n\nNote: ${notice}\n`,
    html:
      mail.html === undefined
        ? undefined
        : mail.html.includes('</body>')
          ? mail.html.replace('</body>', `${html}\n</body>`)
          : `${mail.html}${html}`,
  };
}

/** The Subject header of a MIME message, unfolded and with RFC 2047 encoded words decoded. */
function subjectOf(raw: string): string {
  const head = raw.replace(/\r\n/g, '\n').split('\n\n')[0] ?? '';
  const line = /^Subject: (.*(?:\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
  return line
    .replace(/\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : Buffer.from(
            data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          ).toString('utf8'),
    );
}

/** The outbox's .eml files in the order they are sent: alerts first, then by age (see oldestFirst). */
async function priorityOrder(outboxDir: string): Promise<string[]> {
  const files = await oldestFirst(outboxDir);
  const rank = (file: string): number => (/^\d{8}T\d{6}-summary-/.test(basename(file)) ? 1 : 0);
  return files
    .map((file, i) => ({ file, i }))
    .sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i)
    .map((e) => e.file);
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
