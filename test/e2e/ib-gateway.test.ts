/**
 * The IB path end to end, as a new user would try it: `rebalancer gateway` started as a child process, and
 * `rebalancer run` with BROKER=ib against it, hour after hour. The gateway is restarted each hour with a later
 * clock (its account state persists in its data directory), as a real gateway keeps its account overnight.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { CLI, makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { newYorkTime } from '../../src/core/daily-emails.js';

interface GatewayChild {
  port: number;
  stderr: () => string;
  stop: () => Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** Start `rebalancer gateway` and wait for its one stdout line with the port. */
function startGatewayProcess(cwd: string, args: string[]): Promise<GatewayChild> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'gateway', '--port', '0', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}\n${err}`)), 15_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /^gateway listening on 127\.0\.0\.1:(\d+)$/m.exec(out)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({
        port: Number(port),
        stderr: () => err,
        stop: () =>
          new Promise((done) => {
            child.once('close', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('error', reject);
  });
}

describe('rebalancer run with BROKER=ib against rebalancer gateway', () => {
  it('sends Adaptive limit orders with the right fields, then records their fills as trades in the next hour', async () => {
    const ws = makeWorkspace('rebalancer-ib-e2e-');
    const scenario = join(ws.root, 'scenario.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        account: 'DU7654321',
        cash: 100_000,
        quotes: {
          SPY: { bid: 559.99, ask: 560.01, last: 560, close: 555 },
          TLT: { bid: 88.49, ask: 88.51, last: 88.5, close: 88.2 },
          GLD: { bid: 241.95, ask: 242.05, last: 242, close: 240 },
        },
        contracts: { SPY: { primaryExchange: 'ARCA' }, TLT: { primaryExchange: 'NASDAQ' }, GLD: { primaryExchange: 'ARCA' } },
        fills: { partialFillProbability: 0.5 },
      }),
    );
    const env = {
      BROKER: 'ib',
      IB_ACCOUNT: 'DU7654321',
      IB_CLIENT_ID: '17',
      IB_CONNECT_RETRIES: '0',
      FORECAST_DIR: ws.forecasts,
      DATA_DIR: ws.data,
      LOG_DIR: ws.logs,
      ORDER_STATUS_WINDOW_MS: '500',
      IB_TIMEOUT_MS: '5000',
    };
    const gatewayData = join(ws.root, 'gateway-state');
    const hours = ['10:35', '11:35', '12:35'].map((t) => newYorkTime('2026-11-23', t));
    const placeOrderLines: string[] = [];
    const exits: (number | null)[] = [];
    for (const [i, now] of hours.entries()) {
      writeForecast(ws.forecasts, 'trend.json', {
        strategy: 'trend',
        asOf: now,
        leverage: 1,
        weights: i === 0 ? { SPY: 0.4, TLT: 0.3, GLD: 0.2 } : { SPY: 0.3, TLT: 0.3, GLD: 0.3 },
      });
      const gateway = await startGatewayProcess(ws.root, ['--scenario', scenario, '--now', now, '--data-dir', gatewayData, '--log-frames']);
      const run = await runCli(['run', '--now', now], { cwd: ws.root, env: { ...env, IB_PORT: String(gateway.port) }, timeoutMs: 60_000 });
      exits.push(run.code);
      expect(run.stderr).toBe('');
      expect(await gateway.stop()).toBe(0);
      placeOrderLines.push(
        ...gateway
          .stderr()
          .split('\n')
          .filter((l) => l.startsWith('<- 3 PLACE_ORDER')),
      );
      // The client never sent anything the gateway could not decode.
      expect(gateway.stderr()).toMatch(/0 decode error\(s\)$/m);
    }
    expect(exits).toEqual([0, 0, 0]);

    // The first hour buys all three; each order is an Adaptive DAY limit order for our account, with our orderRef.
    expect(placeOrderLines.length).toBeGreaterThanOrEqual(3);
    for (const line of placeOrderLines) {
      expect(line).toMatch(
        /orderType=LMT lmtPrice=[\d.]+ tif=DAY account=DU7654321 orderRef=rebal:\d{8}T\d{6}Z-[0-9a-f]{12}:(SPY|TLT|GLD) transmit=1 algoStrategy=Adaptive adaptivePriority=Normal/,
      );
    }
    const refs = placeOrderLines.map((l) => /orderRef=(\S+)/.exec(l)?.[1]);
    expect(new Set(refs).size).toBe(refs.length);

    // Fills came back as trades, once each, in SQLite and in trades.csv.
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const fills = db.prepare('SELECT exec_id, order_ref, commission FROM fills').all() as {
      exec_id: string;
      order_ref: string;
      commission: number;
    }[];
    const orders = db.prepare('SELECT order_ref, status, broker_order_id FROM orders').all() as {
      order_ref: string;
      status: string;
      broker_order_id: number | null;
    }[];
    db.close();
    expect(fills.length).toBeGreaterThanOrEqual(3);
    // IB charges per order: a later partial fill of an order whose minimum was already paid may cost nothing.
    expect(fills.every((f) => f.order_ref.startsWith('rebal:') && f.commission >= 0)).toBe(true);
    expect(fills.reduce((sum, f) => sum + f.commission, 0)).toBeGreaterThanOrEqual(3);
    expect(orders.every((o) => o.broker_order_id !== null)).toBe(true);
    const csvIds = readFileSync(join(ws.data, 'trades.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]);
    expect(new Set(csvIds)).toEqual(new Set(fills.map((f) => f.exec_id)));
    expect(csvIds).toHaveLength(fills.length);

    // status reads the same records a user would inspect.
    const status = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, IB_PORT: '4002' } });
    const parsed = JSON.parse(status.stdout) as { positions: { symbol: string; quantity: number }[] };
    expect(parsed.positions.map((p) => p.symbol).sort()).toEqual(['GLD', 'SPY', 'TLT']);
  });
});
