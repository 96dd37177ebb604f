/**
 * No secret leaves the process: the SMTP password, the whole SMTP_URL, the heartbeat URL and its token never
 * appear in a log line, an email (subject, text, HTML, the .eml files of the outbox, what an SMTP server
 * receives), the console, or an error message. The built command runs with secrets configured and is made to
 * fail in the ways that carry them into messages: an SMTP server that refuses the login and echoes the password
 * back, an SMTP host and a heartbeat that cannot be reached, and bad values next to (or in place of) the
 * secrets. Then every file under DATA_DIR and LOG_DIR, every delivered message and all process output is
 * searched for the secrets, as written, percent-encoded, JSON-escaped and HTML-escaped, and for the password's
 * distinctive letters alone (a form nobody thought of still contains them).
 */
import type { AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast, type CliResult } from '../support/cli.js';
import { parseMail } from '../email/smtp-sink.js';
import { asBytes, expectNoStackTrace, filesUnder, readBytes, transcriptOf } from '../properties/support/checks.js';

const IN_SESSION = '2026-11-23T15:35:00Z';
/** Letters found in no other string of the project: any form of the password that is not encrypted holds them. */
const MARKER = 'Zq9vXk';
/** A password with characters every encoding changes: URL (: / @ %), JSON (" \), HTML (& < > "), non-ASCII (é). */
const PASSWORD = `${MARKER}:p/w@"q\\z é&<>%1`;
const TOKEN = '7c0ffee5-5b6a-4789-8a9b-0c1d2e3f4a5b';
/** A heartbeat token of letters only (a Cronitor or Uptime Kuma key may have no digit). */
const WORD_TOKEN = 'QwfpgjLuyarstdHneiozxcvbkm';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** The text, and what every run of base64 letters in it decodes to, read from each of its first four letters. */
function revealed(text: string): string {
  const decoded = [...text.matchAll(/[A-Za-z0-9+/]{6,}/g)].flatMap(([run]) =>
    [0, 1, 2, 3].map((offset) => Buffer.from(run.slice(offset), 'base64').toString('latin1')),
  );
  return [text, ...decoded].join('\n');
}

const roots: string[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Every way the secrets may be spelt once written out. */
function forms(smtpUrl: string, heartbeatUrl: string): string[] {
  const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return [
    MARKER,
    PASSWORD,
    encodeURIComponent(PASSWORD),
    new URLSearchParams({ p: PASSWORD }).toString().slice(2),
    JSON.stringify(PASSWORD).slice(1, -1),
    b64(PASSWORD),
    b64(`\0bot\0${PASSWORD}`),
    html(PASSWORD),
    smtpUrl,
    JSON.stringify(smtpUrl).slice(1, -1),
    TOKEN,
    WORD_TOKEN,
    b64(WORD_TOKEN),
    heartbeatUrl,
  ];
}

/**
 * SMTP on loopback. `accept` decides the login; a refusal echoes the user and password it was given. `echoAuth`
 * accepts the login, then refuses every sender with an answer that echoes the AUTH line as the client sent it
 * (base64 of "\0user\0password"), the AUTH LOGIN password line and the password form-encoded.
 */
async function smtpServer(accept: boolean, echoAuth = false): Promise<{ port: number; received: string[] }> {
  const received: string[] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      // smtp-server may read the UTF-8 password as Latin-1: compare both ways.
      const given = [auth.password ?? '', Buffer.from(auth.password ?? '', 'latin1').toString('utf8')];
      if ((accept || echoAuth) && auth.username === 'bot' && given.includes(PASSWORD)) return callback(null, { user: 'bot' });
      return callback(new Error(`Authentication failed for ${auth.username} with password ${auth.password ?? ''}`));
    },
    onMailFrom(_address, _session, callback) {
      if (!echoAuth) return callback();
      const echo = `you sent AUTH PLAIN ${b64(`\0bot\0${PASSWORD}`)} then ${b64(PASSWORD)} (${new URLSearchParams({ p: PASSWORD }).toString()})`;
      return callback(Object.assign(new Error(`5.7.1 sender refused: ${echo}`), { responseCode: 550 }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, received };
}

/** A heartbeat endpoint that fails every ping with a 500 (the run reports it). */
async function failingHeartbeat(): Promise<number> {
  const server = createHttpServer((_req, res) => res.writeHead(500).end('down'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A heartbeat endpoint that redirects to another path carrying the token, as written and encoded. */
async function redirectingHeartbeat(): Promise<number> {
  const server = createHttpServer((_req, res) =>
    res
      .writeHead(302, { location: `http://127.0.0.1:1/moved/${WORD_TOKEN}?key=${encodeURIComponent(WORD_TOKEN)}&b=${b64(WORD_TOKEN)}` })
      .end(),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const smtpUrlFor = (port: number): string => `smtp://bot:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`;
const heartbeatUrlFor = (port: number): string => `http://127.0.0.1:${port}/ping/${TOKEN}`;

/** A workspace with a stale forecast (so the run is blocked and alerts) and a recorder of all process output. */
function workspace() {
  const ws = makeWorkspace('rebalancer-secrets-');
  roots.push(ws.root);
  writeForecast(ws.forecasts, 'trend.json', {
    strategy: 'trend',
    asOf: '2026-11-20T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { SPY: 0.4, TLT: 0.3 },
  });
  const results: CliResult[] = [];
  const base = {
    FORECAST_DIR: ws.forecasts,
    DATA_DIR: ws.data,
    LOG_DIR: ws.logs,
    SMTP_TIMEOUT_MS: '2000',
    HEARTBEAT_TIMEOUT_MS: '2000',
    MAIL_TO: 'me@example.com',
  };
  return {
    ...ws,
    results,
    async cli(args: string[], env: Record<string, string>): Promise<CliResult> {
      const r = await runCli(args, { cwd: ws.root, env: { ...base, ...env } });
      results.push(r);
      expectNoStackTrace(r);
      return r;
    },
  };
}

/** What there is to search: every file under DATA_DIR and LOG_DIR (raw bytes, and each .eml decoded), all output. */
function everythingWritten(ws: ReturnType<typeof workspace>, delivered: string[] = []): { where: string; text: string }[] {
  const out: { where: string; text: string }[] = [];
  for (const file of [...filesUnder(ws.data), ...filesUnder(ws.logs)]) {
    out.push({ where: file, text: readBytes(file) });
    if (file.endsWith('.eml')) {
      const mail = parseMail(readFileSync(file, 'utf8'));
      out.push({ where: `${file} (decoded)`, text: [mail.subject, mail.text ?? '', mail.html ?? ''].join('\n') });
    }
  }
  delivered.forEach((raw, i) => {
    const mail = parseMail(raw);
    out.push(
      { where: `delivered message ${i + 1}`, text: raw },
      { where: `delivered message ${i + 1} (decoded)`, text: [mail.subject, mail.text ?? '', mail.html ?? ''].join('\n') },
    );
  });
  ws.results.forEach((r, i) =>
    out.push({ where: `process ${i + 1} stdout`, text: r.stdout }, { where: `process ${i + 1} stderr`, text: r.stderr }),
  );
  return out;
}

function expectNoSecret(ws: ReturnType<typeof workspace>, secrets: string[], delivered: string[] = []): void {
  const places = everythingWritten(ws, delivered);
  expect(places.length).toBeGreaterThan(0);
  for (const { where, text } of places) {
    for (const secret of secrets) {
      // Files are read as bytes: search for the secret's UTF-8 bytes too.
      const found = text.includes(secret) || text.includes(asBytes(secret));
      expect(found, `${JSON.stringify(secret)} found in ${where}`).toBe(false);
    }
    // A base64 form nobody listed (at another offset, inside a longer text) still decodes to the distinctive letters.
    for (const letters of [MARKER, WORD_TOKEN.slice(3, 15)]) {
      expect(revealed(text).includes(letters), `${letters} found decoded in ${where}`).toBe(false);
    }
  }
}

describe('secrets, when the run fails in ways that carry them into messages', () => {
  it('an SMTP server that refuses the login and echoes the password: nothing leaks, and the emails wait in the outbox', async () => {
    const ws = workspace();
    const smtp = await smtpServer(false);
    const heartbeat = await failingHeartbeat();
    const env = { SMTP_URL: smtpUrlFor(smtp.port), HEARTBEAT_URL: heartbeatUrlFor(heartbeat) };

    const run = await ws.cli(['run', '--now', IN_SESSION], env);
    expect(run.code, transcriptOf(run)).toBe(3);
    expect(run.stdout).toMatch(/alert email queued in .* \(SMTP send failed \(EAUTH\)/);
    expect(run.stdout).toMatch(/heartbeat failed: HTTP 500/);
    const report = await ws.cli(['report', '--kind', 'start', '--send', '--now', IN_SESSION], env);
    expect(report.code, transcriptOf(report)).toBe(0);
    expect(report.stdout).toMatch(/queued in .*EAUTH/);
    expect((await ws.cli(['status'], env)).code).toBe(0);
    // The run was blocked (exit 3, the alert above): the plan says a run now would be blocked too.
    expect((await ws.cli(['plan', '--now', IN_SESSION], env)).code).toBe(3);

    expect(readdirSync(join(ws.data, 'outbox')).filter((f) => f.endsWith('.eml')).length).toBeGreaterThanOrEqual(3);
    expectNoSecret(ws, forms(env.SMTP_URL, env.HEARTBEAT_URL));
  });

  it('an SMTP host and a heartbeat nobody listens on: nothing leaks', async () => {
    const ws = workspace();
    const env = { SMTP_URL: smtpUrlFor(await deadPort()), HEARTBEAT_URL: heartbeatUrlFor(await deadPort()) };
    const run = await ws.cli(['run', '--now', IN_SESSION], env);
    expect(run.code, transcriptOf(run)).toBe(3);
    expect(run.stdout).toMatch(/alert email queued in .*ECONNREFUSED/);
    expect(run.stdout).toMatch(/heartbeat failed/);
    expectNoSecret(ws, forms(env.SMTP_URL, env.HEARTBEAT_URL));
  });

  it('bad values next to the secrets, or secrets in the wrong variables: exit 2, and nothing leaks', async () => {
    const ws = workspace();
    const smtpUrl = smtpUrlFor(25);
    const heartbeatUrl = heartbeatUrlFor(80);
    const cases: Record<string, string>[] = [
      { SMTP_URL: smtpUrl, HEARTBEAT_URL: heartbeatUrl, MAX_LEVERAGE: 'two', IB_PORT: '0' },
      { SMTP_URL: smtpUrl.replace('smtp:', 'https:'), HEARTBEAT_URL: heartbeatUrl },
      { SMTP_URL: smtpUrl, MAIL_TO: '' },
      { HEARTBEAT_URL: heartbeatUrl.replace('http:', 'ftp:') },
      { IB_HOST: smtpUrl, MAIL_FROM: smtpUrl, SIM_SCENARIO: `${smtpUrl}.json` },
      { SMTP_URL: `${smtpUrl}\nX`, HEARTBEAT_URL: `${heartbeatUrl}\u0001` },
      { SMTP_URL: smtpUrl, HEARTBEAT_URL: heartbeatUrl, BROKER: 'ib' },
    ];
    for (const env of cases) {
      const r = await ws.cli(['run', '--now', IN_SESSION], env);
      expect(r.code, transcriptOf(r)).toBe(2);
      expect(r.stderr).toMatch(/^configuration error: /);
    }
    expectNoSecret(ws, forms(smtpUrl, heartbeatUrl));
  });

  it('a server that accepts the login: the queued emails and a new one go out, and none carries a secret', async () => {
    const ws = workspace();
    const refusing = await smtpServer(false);
    const first = await ws.cli(['run', '--now', IN_SESSION], { SMTP_URL: smtpUrlFor(refusing.port) });
    expect(first.code, transcriptOf(first)).toBe(3);
    const accepting = await smtpServer(true);
    const second = await ws.cli(['report', '--kind', 'start', '--send', '--now', IN_SESSION], { SMTP_URL: smtpUrlFor(accepting.port) });
    expect(second.code, transcriptOf(second)).toBe(0);
    expect(second.stdout).toMatch(/^sent$/m);
    // The run's alert and start-of-day summary, flushed from the outbox, then the report itself.
    expect(accepting.received, transcriptOf(second)).toHaveLength(3);
    expect(readdirSync(join(ws.data, 'outbox')).filter((f) => f.endsWith('.eml'))).toEqual([]);
    expectNoSecret(ws, forms(smtpUrlFor(refusing.port), heartbeatUrlFor(80)).concat(smtpUrlFor(accepting.port)), accepting.received);
  });

  it('a heartbeat token of letters only, behind a redirect: never printed or logged', async () => {
    const ws = workspace();
    const env = { HEARTBEAT_URL: `http://127.0.0.1:${await redirectingHeartbeat()}/ping/${WORD_TOKEN}` };
    const run = await ws.cli(['run', '--now', IN_SESSION], env);
    expect(run.code, transcriptOf(run)).toBe(3);
    expect(run.stdout).toMatch(/heartbeat failed: HTTP 302 redirect to http:\/\/127\.0\.0\.1:1\/\S* not followed/);
    expectNoSecret(ws, forms(smtpUrlFor(25), env.HEARTBEAT_URL));
  });

  it('an SMTP server that echoes the AUTH line (base64) in its refusal: nothing leaks, and the refused email is set aside', async () => {
    const ws = workspace();
    const smtp = await smtpServer(true, true);
    const env = { SMTP_URL: smtpUrlFor(smtp.port) };
    const run = await ws.cli(['run', '--now', IN_SESSION], env);
    expect(run.code, transcriptOf(run)).toBe(3);
    expect(run.stdout).toMatch(/alert email queued in .*refused.*550/);
    expect(readdirSync(join(ws.data, 'outbox', 'refused')).some((f) => f.endsWith('.txt'))).toBe(true);
    expectNoSecret(ws, forms(env.SMTP_URL, heartbeatUrlFor(80)));
  });
});
