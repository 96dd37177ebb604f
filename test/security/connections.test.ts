/**
 * Connections go only where the configuration says. The hourly job runs in this process with every outgoing
 * TCP connection recorded (net.Socket#connect, which net.connect, tls.connect, nodemailer and fetch all end
 * in): with BROKER=sim and neither SMTP nor heartbeat configured it opens none at all; with both configured it
 * opens connections to exactly their hosts and ports; with BROKER=ib it connects to IB_HOST:IB_PORT only, and
 * when nothing listens there it retries the same address and never falls back to another host or port, not
 * even to the IB_HOST/IB_PORT of the process environment that @stoqey/ib reads for its own defaults.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runHourlyRebalance } from '../../src/app/hourly-job.js';
import { makeWorkspace, writeForecast } from '../support/cli.js';
import { startSmtpSink, type SmtpSink } from '../email/smtp-sink.js';

// Monday 23 November 2026, 10:35 in New York: the market is open, and the day's first run sends an email.
const IN_SESSION = '2026-11-23T15:35:00Z';

interface Attempt {
  host?: string;
  port?: number;
  path?: string;
}

const attempts: Attempt[] = [];
const originalConnect = net.Socket.prototype.connect;

/** The target of a Socket#connect call, in any of its argument forms (options, port and host, path, normalized). */
function targetOf(args: unknown[]): Attempt {
  const first: unknown = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: unknown; port?: unknown; path?: unknown };
    return {
      ...(typeof o.host === 'string' ? { host: o.host } : {}),
      ...(o.port === undefined ? {} : { port: Number(o.port) }),
      ...(typeof o.path === 'string' ? { path: o.path } : {}),
    };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { port: Number(first), ...(typeof args[1] === 'string' ? { host: args[1] } : {}) };
  }
  return typeof first === 'string' ? { path: first } : {};
}

beforeAll(() => {
  const recording = function (this: net.Socket, ...args: unknown[]): net.Socket {
    attempts.push(targetOf(args));
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  net.Socket.prototype.connect = recording as unknown as typeof originalConnect;
});
afterAll(() => {
  net.Socket.prototype.connect = originalConnect;
});

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  attempts.length = 0;
});

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An HTTP server on loopback that answers every request with `status`, and counts them. */
async function httpServer(
  handler: (path: string) => { status: number; headers?: Record<string, string> },
): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server: Server = createHttpServer((req, res) => {
    paths.push(req.url ?? '');
    const { status, headers } = handler(req.url ?? '');
    res.writeHead(status, headers).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, paths };
}

async function smtpSink(): Promise<SmtpSink> {
  const sink = await startSmtpSink();
  closers.push(() => sink.close());
  return sink;
}

/** One hourly run in this process, on a fresh workspace with a valid forecast; its exit code and output. */
async function hourlyRun(env: Record<string, string>): Promise<{ code: number; out: string[] }> {
  const ws = makeWorkspace('rebalancer-connections-');
  writeForecast(ws.forecasts, 'trend.json', {
    strategy: 'trend',
    asOf: '2026-11-23T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { SPY: 0.4, TLT: 0.3 },
  });
  const out: string[] = [];
  const code = await runHourlyRebalance({
    cwd: ws.root,
    env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, ORDER_STATUS_WINDOW_MS: '0', ...env },
    now: IN_SESSION,
    dryRun: false,
    out: (line) => out.push(line),
    err: (line) => out.push(line),
  });
  return { code, out };
}

describe('outgoing connections during an hourly run', () => {
  it('the recorder sees a connection made through net.connect (so an empty list below means none)', async () => {
    const port = await closedPort();
    await new Promise<void>((resolve) => net.connect(port, '127.0.0.1').on('error', () => resolve()));
    expect(attempts).toEqual([{ port, host: '127.0.0.1' }]);
  });

  it('BROKER=sim without SMTP_URL or HEARTBEAT_URL opens no connection at all', async () => {
    const { code, out } = await hourlyRun({ BROKER: 'sim' });
    expect(code, out.join('\n')).toBe(0);
    expect(out.join('\n')).toMatch(/start-of-day email queued/);
    expect(attempts).toEqual([]);
  });

  it('with SMTP and a heartbeat configured, connects to exactly their hosts and ports', async () => {
    const sink = await smtpSink();
    const heartbeat = await httpServer(() => ({ status: 200 }));
    const { code, out } = await hourlyRun({
      SMTP_URL: sink.url(),
      MAIL_TO: 'me@example.com',
      HEARTBEAT_URL: `http://127.0.0.1:${heartbeat.port}/ping/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b`,
    });
    expect(code, out.join('\n')).toBe(0);
    expect(sink.received.length).toBeGreaterThan(0);
    expect(heartbeat.paths).toEqual(['/ping/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b']);
    const targets = new Set(attempts.map((a) => `${a.host ?? '?'}:${a.port ?? a.path ?? '?'}`));
    expect([...targets].sort()).toEqual([`127.0.0.1:${heartbeat.port}`, `127.0.0.1:${sink.port}`].sort());
  });

  it('BROKER=ib connects to IB_HOST:IB_PORT only, retrying that address and never another, even with IB_HOST/IB_PORT in the process environment', async () => {
    const port = await closedPort();
    const decoy = await closedPort();
    const saved = { host: process.env.IB_HOST, port: process.env.IB_PORT };
    // @stoqey/ib reads these for its own defaults; the rebalancer must never let it.
    process.env.IB_HOST = '127.0.0.2';
    process.env.IB_PORT = String(decoy);
    try {
      const { code, out } = await hourlyRun({
        BROKER: 'ib',
        IB_ACCOUNT: 'DU1234567',
        IB_HOST: '127.0.0.1',
        IB_PORT: String(port),
        IB_CONNECT_RETRIES: '2',
        IB_TIMEOUT_MS: '500',
      });
      expect(code, out.join('\n')).toBe(1);
      expect(out.join('\n')).toMatch(new RegExp(`could not connect to TWS/IB Gateway at 127\\.0\\.0\\.1:${port} .* after 3 attempt`));
    } finally {
      if (saved.host === undefined) delete process.env.IB_HOST;
      else process.env.IB_HOST = saved.host;
      if (saved.port === undefined) delete process.env.IB_PORT;
      else process.env.IB_PORT = saved.port;
    }
    expect(attempts).toEqual([
      { host: '127.0.0.1', port },
      { host: '127.0.0.1', port },
      { host: '127.0.0.1', port },
    ]);
  }, 20_000);
});
