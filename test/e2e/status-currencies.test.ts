/**
 * The built `rebalancer` on the sim broker with an account in Singapore dollars that also holds US dollars and a
 * borrowed pound balance: a run records the cash per currency with the scenario's rates, and `status` (text and
 * JSON) lists it, each currency with its rate, its value in SGD and when the rate was read. The SPY it holds is valued
 * in SGD at the ledger's USD rate (test/e2e/sizing-fx.test.ts sizes orders that way).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, makeWorkspace, runCli, writeForecast } from '../support/cli.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** `rebalancer gateway` as a child process; resolves with its port once it listens. */
function startGateway(cwd: string, args: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'gateway', '--port', '0', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), 15_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /^gateway listening on 127\.0\.0\.1:(\d+)$/m.exec(out)?.[1];
      if (port === undefined) return;
      clearTimeout(timer);
      resolve({ port: Number(port), stop: () => new Promise((done) => (child.once('close', () => done()), child.kill('SIGTERM'))) });
    });
    child.on('error', reject);
  });
}

// Monday 2026-11-23, 10:35 in New York: the session is open.
const RUN_AT = '2026-11-23T15:35:00Z';
const STATUS_AT = '2026-11-23T16:20:00Z';

const SCENARIO = {
  account: 'DU0000001',
  currency: 'SGD',
  cash: { SGD: 150_000, USD: 40_000.5, GBP: -1_250.25 },
  exchangeRates: { USD: 1.351234, GBP: 1.723456 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  quotes: { SPY: { bid: 559.99, ask: 560.01, last: 560, close: 555 } },
  contracts: { SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
  fills: { partialFillProbability: 0 },
};

interface CashJson {
  currency: string;
  cash: number;
  exchangeRate: number | null;
  inBase: number | null;
  rateReadAt: string;
  rateAgeMinutes: number | null;
}

describe('status: cash by currency', () => {
  it('an SGD account with USD and GBP cash: each currency, its rate and age, a borrowed balance negative', async () => {
    const ws = makeWorkspace();
    const scenario = join(ws.root, 'scenario.json');
    writeFileSync(scenario, JSON.stringify(SCENARIO));
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario };
    writeForecast(ws.forecasts, 'local.json', { strategy: 'local', asOf: RUN_AT, leverage: 1, weights: {} });
    // The empty forecast blocks the run (INVALID_FORECAST), its snapshot is recorded; the SPY held is valued in SGD
    // at the ledger's USD rate (no CURRENCY_MISMATCH: the ledger has the rate).
    const run = await runCli(['run', '--now', RUN_AT], { cwd: ws.root, env });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toContain('INVALID_FORECAST');
    expect(run.stdout).not.toContain('CURRENCY_MISMATCH');

    const json = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: STATUS_AT } });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as { snapshot: { currency: string }; cashByCurrency: CashJson[] };
    expect(status.snapshot.currency).toBe('SGD');
    const byCurrency = new Map(status.cashByCurrency.map((c) => [c.currency, c]));
    expect(status.cashByCurrency.map((c) => c.currency)).toEqual(['SGD', 'GBP', 'USD']);
    expect(byCurrency.get('USD')).toEqual({
      currency: 'USD',
      cash: 40_000.5,
      exchangeRate: 1.351234,
      inBase: new Decimal('40000.5').times('1.351234').toDecimalPlaces(2).toNumber(),
      rateReadAt: RUN_AT,
      rateAgeMinutes: 45,
    });
    expect(byCurrency.get('GBP')?.cash).toBe(-1_250.25);
    expect(byCurrency.get('GBP')?.inBase).toBe(new Decimal('-1250.25').times('1.723456').toDecimalPlaces(2).toNumber());
    expect(byCurrency.get('SGD')).toMatchObject({ cash: 150_000, exchangeRate: 1, inBase: 150_000 });

    const text = await runCli(['status'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: STATUS_AT } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/NLV [\d,.]+ SGD/);
    expect(text.stdout).toContain(`cash by currency (the broker's rates, SGD per unit, read ${RUN_AT} (45 min ago)):`);
    expect(text.stdout).toMatch(/^ {2}CURRENCY +CASH +RATE +IN SGD$/m);
    expect(text.stdout).toMatch(/^ {2}SGD +150,000\.00 +1 +150,000\.00$/m);
    expect(text.stdout).toMatch(/^ {2}USD +40,000\.50 +1\.351234 +54,050\.04$/m);
    expect(text.stdout).toMatch(/^ {2}GBP +-1,250\.25 +1\.723456 +-2,154\.75$/m);
  });

  it('over IB: the run reads $LEDGER:ALL from the simulated gateway (keys $LEDGER- prefixed), status shows the same', async () => {
    const ws = makeWorkspace();
    const scenario = join(ws.root, 'scenario.json');
    writeFileSync(scenario, JSON.stringify({ ...SCENARIO, gateway: { ledger: { keyPrefix: 'all' } } }));
    writeForecast(ws.forecasts, 'local.json', { strategy: 'local', asOf: RUN_AT, leverage: 1, weights: {} });
    const gateway = await startGateway(ws.root, ['--scenario', scenario, '--now', RUN_AT, '--data-dir', join(ws.root, 'gateway-state')]);
    const env = {
      BROKER: 'ib',
      IB_ACCOUNT: 'DU0000001',
      IB_CLIENT_ID: '17',
      IB_CONNECT_RETRIES: '0',
      IB_PORT: String(gateway.port),
      FORECAST_DIR: ws.forecasts,
      DATA_DIR: ws.data,
      LOG_DIR: ws.logs,
    };
    const run = await runCli(['run', '--now', RUN_AT], { cwd: ws.root, env, timeoutMs: 60_000 });
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).not.toContain('CURRENCY_MISMATCH');
    await gateway.stop();
    const json = await runCli(['status', '--json'], { cwd: ws.root, env: { ...env, REBALANCER_NOW: STATUS_AT } });
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout) as { snapshot: { currency: string }; cashByCurrency: CashJson[] };
    expect(status.snapshot.currency).toBe('SGD');
    expect(status.cashByCurrency.map((c) => [c.currency, c.cash, c.exchangeRate])).toEqual([
      ['SGD', 150_000, 1],
      ['GBP', -1_250.25, 1.723456],
      ['USD', 40_000.5, 1.351234],
    ]);
    // Read at the run's clock (IB sends no time with a rate), 45 minutes before the status.
    expect(status.cashByCurrency.map((c) => [Date.parse(c.rateReadAt), c.rateAgeMinutes])).toEqual(
      status.cashByCurrency.map(() => [Date.parse(RUN_AT), 45]),
    );
  });
});
