/**
 * Push notifications besides email (issue 13): a generic webhook (JSON) and ntfy, for the same events as the alert
 * and warning emails and through the same throttle, against real HTTP servers on 127.0.0.1. A push never changes
 * the run's outcome; it has a deadline, no retry and follows no redirect; its URL, topic and token appear nowhere.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ntfyPush } from '../../src/adapters/push/ntfy.js';
import { webhookPush } from '../../src/adapters/push/webhook.js';
import { pushOf } from '../../src/app/compose.js';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { loadConfig } from '../../src/config/load-config.js';
import { BrokerError } from '../../src/ports/broker.js';
import type { Push, PushMessage } from '../../src/ports/push.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { renderPush } from '../../src/run/push-message.js';
import { aHalt, aMarket, IN_SESSION, memoryRun, MemoryKillSwitch, type MemoryRun } from '../support/memory-ports.js';
import { SCRIPTED_ACCOUNT, ScriptedBroker } from '../support/scripted-broker.js';
import { fileWith } from '../forecast/forecast-builders.js';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((done) => {
          s.close(() => done());
          s.closeAllConnections();
        }),
    ),
  );
});

/** A server on 127.0.0.1 that records every request and answers as `reply` says (200 by default). */
async function listen(reply: (res: ServerResponse, req: Received) => void = (res) => res.writeHead(200).end('ok')): Promise<{
  base: string;
  received: Received[];
}> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(got);
      reply(res, got);
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const WEBHOOK_TOKEN = 'Wh00kS3cretT0ken';
const TOPIC = 'rebal-Q7x2kP9zTopic';
const NTFY_TOKEN = 'tk_s3cr3tabcdefghijklmnopqrstu';
const HOUR_1 = '2026-11-23T15:30:00Z';
const HOUR_2 = '2026-11-23T16:30:00Z';

function aMessage(over: Partial<Parameters<typeof renderPush>[0]> = {}): PushMessage {
  return renderPush({
    account: 'DU1234567',
    runId: '20261123T153000Z-ab12',
    outcome: 'FAILED',
    now: HOUR_1,
    tradingState: 'HALTED',
    breaches: [{ code: 'BROKER_ERROR', detail: 'broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002' }],
    error: 'broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002',
    exitCode: 1,
    ...over,
  });
}

describe('the webhook', () => {
  it('receives the alert as JSON: account, run, outcome, exit code, trading state, breaches, error, time', async () => {
    const hook = await listen();
    const push = webhookPush({ url: `${hook.base}/hooks/${WEBHOOK_TOKEN}`, timeoutMs: 2000, secrets: [] });
    expect(await push.send(aMessage())).toEqual({ ok: true });
    expect(hook.received).toHaveLength(1);
    const got = hook.received[0];
    expect(got?.method).toBe('POST');
    expect(got?.path).toBe(`/hooks/${WEBHOOK_TOKEN}`);
    expect(got?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got?.body ?? '')).toMatchObject({
      account: 'DU1234567',
      runId: '20261123T153000Z-ab12',
      outcome: 'FAILED',
      exitCode: 1,
      tradingState: 'HALTED',
      breaches: [{ code: 'BROKER_ERROR', symbol: null, detail: 'broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002' }],
      error: 'broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002',
      at: HOUR_1,
    });
  });

  it('reports a 500, gives up at its deadline, and follows no redirect (told by its origin only)', async () => {
    const failing = await listen((res) => res.writeHead(500).end('boom'));
    expect(await webhookPush({ url: `${failing.base}/h`, timeoutMs: 2000, secrets: [] }).send(aMessage())).toEqual({
      ok: false,
      reason: 'HTTP 500',
    });

    const silent = await listen(() => undefined);
    const started = Date.now();
    expect(await webhookPush({ url: `${silent.base}/h`, timeoutMs: 200, secrets: [] }).send(aMessage())).toEqual({
      ok: false,
      reason: 'no answer in 200 ms',
    });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(silent.received).toHaveLength(1); // once: no retry behind the caller's back

    const elsewhere = await listen();
    const redirecting = await listen((res) => res.writeHead(307, { location: `${elsewhere.base}/steal/${WEBHOOK_TOKEN}` }).end());
    const redirected = await webhookPush({ url: `${redirecting.base}/h/${WEBHOOK_TOKEN}`, timeoutMs: 2000, secrets: [] }).send(aMessage());
    expect(redirected).toEqual({ ok: false, reason: `HTTP 307 redirect to ${elsewhere.base}/… not followed` });
    expect(elsewhere.received).toEqual([]);
  });
});

describe('ntfy', () => {
  it("receives the short text with ntfy's Title, Priority and Tags headers, and the token as a Bearer", async () => {
    const ntfy = await listen();
    const push = ntfyPush({ url: `${ntfy.base}/${TOPIC}`, token: NTFY_TOKEN, timeoutMs: 2000, secrets: [] });
    expect(await push.send(aMessage())).toEqual({ ok: true });
    const got = ntfy.received[0];
    expect(got?.method).toBe('POST');
    expect(got?.path).toBe(`/${TOPIC}`);
    expect(got?.headers.title).toBe('rebalancer DU1234567 FAILED BROKER_ERROR');
    expect(got?.headers.priority).toBe('high');
    expect(got?.headers.tags).toBe('rotating_light,rebalancer,failed');
    expect(got?.headers.authorization).toBe(`Bearer ${NTFY_TOKEN}`);
    expect(got?.body.split('\n')).toEqual([
      'DU1234567 FAILED (exit 1, HALTED)',
      'broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002',
      'The next run tries again. See the alert email or `rebalancer status`.',
      `run 20261123T153000Z-ab12 at ${HOUR_1}`,
    ]);
  });

  it('is high for a failed run or a halted account, default otherwise; no Authorization without a token', async () => {
    const ntfy = await listen();
    const push = ntfyPush({ url: `${ntfy.base}/${TOPIC}`, timeoutMs: 2000, secrets: [] });
    await push.send(aMessage({ outcome: 'BLOCKED', exitCode: 3, error: undefined, breaches: [{ code: 'KILL_SWITCH', detail: 'HALT' }] }));
    await push.send(
      aMessage({
        outcome: 'BLOCKED',
        exitCode: 3,
        tradingState: 'REDUCING',
        error: undefined,
        breaches: [{ code: 'LEVERAGE_LIMIT', detail: 'leverage 2.31 over 2' }],
      }),
    );
    await push.send(aMessage({ outcome: 'WARNING', exitCode: 0, tradingState: 'ACTIVE', error: undefined }));
    expect(ntfy.received.map((r) => r.headers.priority)).toEqual(['high', 'default', 'default']);
    expect(ntfy.received.every((r) => r.headers.authorization === undefined)).toBe(true);
    // The kill switch says what to do about it.
    expect(ntfy.received[0]?.body).toContain('`rebalancer resume`');
  });
});

/** The run's ports with both push services pointed at `hook` and `ntfy`, and a logger that keeps its lines. */
function withPush(run: MemoryRun, hook: string, ntfy: string, timeoutMs = 2000): MemoryRun & { push: Push[]; logged: string[] } {
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
  const push = [
    webhookPush({ url: `${hook}/hooks/${WEBHOOK_TOKEN}`, timeoutMs, secrets: [] }),
    ntfyPush({ url: `${ntfy}/${TOPIC}`, token: NTFY_TOKEN, timeoutMs, secrets: [] }),
  ];
  return Object.assign(run, { push, logger, logged });
}

const gatewayDown = (): BrokerError =>
  new BrokerError('could not connect to TWS/IB Gateway at 127.0.0.1:4002: connect ECONNREFUSED 127.0.0.1:4002', 'connect');

describe('a run that alerts', () => {
  it('pushes to the webhook and ntfy what it emails, and says so', async () => {
    const hook = await listen();
    const ntfy = await listen();
    const run = withPush(memoryRun({ now: HOUR_1 }), hook.base, ntfy.base);
    run.broker.fail('connect', gatewayDown());
    const result = await runRebalance(run);
    expect(result.exitCode).toBe(1);
    expect(run.mailer.alerts()).toHaveLength(1);
    expect(hook.received).toHaveLength(1);
    expect(ntfy.received).toHaveLength(1);
    expect(JSON.parse(hook.received[0]?.body ?? '')).toMatchObject({ outcome: 'FAILED', exitCode: 1, tradingState: 'HALTED' });
    expect(run.lines).toEqual(expect.arrayContaining(['push webhook sent', 'push ntfy sent']));
  });

  it('pushes a blocked run (the kill switch on) as BLOCKED and HALTED, high priority', async () => {
    const hook = await listen();
    const ntfy = await listen();
    const run = withPush(memoryRun({ now: HOUR_1, killSwitch: new MemoryKillSwitch(aHalt()) }), hook.base, ntfy.base);
    const result = await runRebalance(run);
    expect(result.exitCode).toBe(3);
    expect(JSON.parse(hook.received[0]?.body ?? '')).toMatchObject({ outcome: 'BLOCKED', exitCode: 3, tradingState: 'HALTED' });
    expect(ntfy.received[0]?.headers.priority).toBe('high');
  });

  it('ends with its own outcome when a push service hangs past the deadline or answers 500, and logs why', async () => {
    const slow = await listen(() => undefined);
    const broken = await listen((res) => res.writeHead(500).end());
    const run = withPush(memoryRun({ now: HOUR_1 }), slow.base, broken.base, 300);
    run.broker.fail('connect', gatewayDown());
    const started = Date.now();
    const result = await runRebalance(run);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.exitCode).toBe(1);
    expect(result.status).toBe('failed');
    expect(run.lines).toEqual(expect.arrayContaining(['push webhook failed: no answer in 300 ms', 'push ntfy failed: HTTP 500']));
    const warnings = run.logged.map((l) => JSON.parse(l) as { level: number; msg: string; reason?: string }).filter((l) => l.level === 40);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ msg: 'push webhook failed', reason: 'no answer in 300 ms' }),
        expect.objectContaining({ msg: 'push ntfy failed', reason: 'HTTP 500' }),
      ]),
    );
    // Asked once each: no retry.
    expect(slow.received).toHaveLength(1);
    expect(broken.received).toHaveLength(1);
  });

  it('pushes the same alert twice within ALERT_REPEAT_MINUTES once: the throttle is the email one', async () => {
    const hook = await listen();
    const ntfy = await listen();
    const first = withPush(memoryRun({ now: HOUR_1 }), hook.base, ntfy.base);
    first.broker.fail('connect', gatewayDown());
    await runRebalance(first);
    const second = withPush(memoryRun({ now: HOUR_2, stores: first.stores }), hook.base, ntfy.base);
    second.broker.fail('connect', gatewayDown());
    const result = await runRebalance(second);
    expect(result.exitCode).toBe(1);
    expect(second.lines.join('\n')).toMatch(/alert email suppressed: the same alert went out 60 min ago/);
    expect(second.lines.join('\n')).not.toMatch(/push /);
    expect(hook.received).toHaveLength(1);
    expect(ntfy.received).toHaveLength(1);
  });
});

describe('the configuration builds the push services', () => {
  it('one per service set, none when neither is', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'push-config-'));
    try {
      const env = { PUSH_WEBHOOK_URL: `https://hooks.example.com/${WEBHOOK_TOKEN}`, NTFY_URL: `https://ntfy.sh/${TOPIC}` };
      expect(pushOf(loadConfig({ cwd, env }).config).push?.map((p) => p.name)).toEqual(['webhook', 'ntfy']);
      expect(pushOf(loadConfig({ cwd, env: {} }).config)).toEqual({});
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('secrets, through the hourly job', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'push-secrets-'));
    mkdirSync(join(root, 'forecasts'));
    writeFileSync(
      join(root, 'forecasts', 'trend.json'),
      fileWith({ strategy: 'trend', asOf: '2026-11-23T14:00:00Z', leverage: 1, capital: 1, weights: { SPY: 0.5 }, contracts: {} }),
    );
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('never shows the webhook token, the topic or the ntfy token: not on the console, in the log, or in what is pushed', async () => {
    const hook = await listen();
    const ntfy = await listen((res) => res.writeHead(302, { location: `http://127.0.0.1:1/${TOPIC}?t=${NTFY_TOKEN}` }).end());
    const webhookUrl = `${hook.base}/hooks/${WEBHOOK_TOKEN}`;
    const ntfyUrl = `${ntfy.base}/${TOPIC}`;
    // A lying peer: the broker's error echoes every secret it could have seen.
    const broker = new ScriptedBroker(aMarket()).fail(
      'connect',
      new BrokerError(`refused by ${webhookUrl} and ${ntfyUrl} (Bearer ${NTFY_TOKEN}) ${encodeURIComponent(webhookUrl)}`, 'connect'),
    );
    const lines: string[] = [];
    const code = await runHourlyRebalance({
      cwd: root,
      env: {
        BROKER: 'ib',
        IB_ACCOUNT: SCRIPTED_ACCOUNT,
        FORECAST_DIR: join(root, 'forecasts'),
        DATA_DIR: join(root, 'data'),
        LOG_DIR: join(root, 'logs'),
        PUSH_WEBHOOK_URL: webhookUrl,
        NTFY_URL: ntfyUrl,
        NTFY_TOKEN,
        PUSH_TIMEOUT_MS: '2000',
      },
      now: IN_SESSION,
      dryRun: false,
      out: (l) => void lines.push(l),
      err: (l) => void lines.push(l),
      adapters: { broker },
    });
    expect(code).toBe(1);
    expect(hook.received).toHaveLength(1);
    expect(ntfy.received).toHaveLength(1);
    expect(lines).toEqual(expect.arrayContaining(['push webhook sent']));
    expect(lines.join('\n')).toMatch(/push ntfy failed: HTTP 302 redirect to http:\/\/127\.0\.0\.1:1\/… not followed/);
    const { authorization, ...ntfyHeaders } = ntfy.received[0]?.headers ?? {};
    expect(authorization).toBe(`Bearer ${NTFY_TOKEN}`);
    const seen = {
      console: lines.join('\n'),
      log: readFileSync(join(root, 'logs', 'rebalancer.log'), 'utf8'),
      webhook: hook.received[0]?.body ?? '',
      ntfy: `${JSON.stringify(ntfyHeaders)}\n${ntfy.received[0]?.body ?? ''}`,
    };
    for (const [where, text] of Object.entries(seen)) {
      for (const secret of [WEBHOOK_TOKEN, TOPIC, NTFY_TOKEN]) expect(text, `${secret} in ${where}`).not.toContain(secret);
    }
    expect(seen.webhook).toContain('***');
  });
});
