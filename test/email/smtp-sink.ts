/** Test helpers: a real SMTP server on loopback that keeps what it receives, and a small MIME reader. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string | undefined;
  to: string[];
  raw: string;
}

export interface SmtpSink {
  port: number;
  url: (userinfo?: string) => string;
  received: ReceivedMail[];
  close: () => Promise<void>;
}

/**
 * Starts smtp-server on 127.0.0.1, port 0 (or the port given). Plain SMTP without STARTTLS, optional login
 * checked against `login`. `reject` makes it refuse every message with that text (a 450, the server's default);
 * `refuse` answers the message it returns a refusal for with that code and text, after DATA.
 */
export async function startSmtpSink(
  o: {
    port?: number;
    login?: { user: string; pass: string };
    reject?: string;
    refuse?: (raw: string) => { code: number; text: string } | undefined;
  } = {},
): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: o.login === undefined,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (o.login && auth.username === o.login.user && auth.password === o.login.pass) return callback(null, { user: auth.username });
      return callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (o.reject !== undefined) return callback(new Error(o.reject));
        const refusal = o.refuse?.(Buffer.concat(chunks).toString('utf8'));
        if (refusal !== undefined) return callback(Object.assign(new Error(refusal.text), { responseCode: refusal.code }));
        const from = session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address;
        received.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: (userinfo) => `smtp://${userinfo ? `${userinfo}@` : ''}127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ParsedMail {
  headers: Map<string, string>;
  subject: string;
  text?: string;
  html?: string;
}

function splitHead(raw: string): { head: Map<string, string>; body: string } {
  const normal = raw.replace(/\r\n/g, '\n');
  const cut = normal.indexOf('\n\n');
  const headText = cut === -1 ? normal : normal.slice(0, cut);
  const body = cut === -1 ? '' : normal.slice(cut + 2);
  const head = new Map<string, string>();
  for (const line of headText.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) head.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { head, body };
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const joined = text.replace(/=\n/g, '');
  for (let i = 0; i < joined.length; i++) {
    const c = joined[i];
    const hex = joined.slice(i + 1, i + 3);
    if (c === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(body: string, encoding: string | undefined): string {
  const e = (encoding ?? '7bit').toLowerCase();
  if (e === 'quoted-printable') return decodeQuotedPrintable(body);
  if (e === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

/** RFC 2047 encoded words (UTF-8, Q or B), as nodemailer writes them. */
function decodeHeader(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B' ? Buffer.from(data, 'base64').toString('utf8') : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    );
}

/** Reads subject, text and HTML parts of a single-part or multipart/alternative message. */
export function parseMail(raw: string): ParsedMail {
  const { head, body } = splitHead(raw);
  const out: ParsedMail = { headers: head, subject: decodeHeader(head.get('subject') ?? '') };
  const type = head.get('content-type') ?? 'text/plain';
  const parts: { type: string; encoding?: string; body: string }[] = [];
  const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
  if (type.startsWith('multipart/') && boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHead(chunk.replace(/^\n/, ''));
      parts.push({
        type: part.head.get('content-type') ?? 'text/plain',
        encoding: part.head.get('content-transfer-encoding'),
        body: part.body.replace(/\n$/, ''),
      });
    }
  } else {
    parts.push({ type, encoding: head.get('content-transfer-encoding'), body });
  }
  for (const p of parts) {
    if (p.type.startsWith('text/plain')) out.text = decodeBody(p.body, p.encoding);
    if (p.type.startsWith('text/html')) out.html = decodeBody(p.body, p.encoding);
  }
  return out;
}
