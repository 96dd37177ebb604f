/**
 * Each command loads only what it uses (start-up time and memory: `status` is meant to answer in under 0.2 s).
 * The built CLI (the bundle that ships) runs with a hook recording every module it loads, each file of the bundle
 * standing for the modules its source map lists: the IB client, the mailer, the charts and the Flex XML parser are
 * loaded by the commands that use them, and by no other.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, writeForecast } from '../support/cli.js';
import { fourStocks } from '../support/scenarios.js';
import { packagesOf, runCliRecordingModules } from '../support/loaded-modules.js';

const NOW = '2026-11-23T15:35:00Z';
const LATER = '2026-11-23T15:50:00Z';

/** Packages no read-only command needs: the IB client (and its rxjs), the mailer, the charts, the Flex parser. */
const HEAVY = ['@stoqey/ib', 'rxjs', 'nodemailer', 'chart.js', '@napi-rs/canvas', 'fast-xml-parser'];

function simHome() {
  const ws = makeWorkspace('rebalancer-lazy-');
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(fourStocks('DU0000001')));
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: NOW, leverage: 1, weights: { AAPL: 0.19, MSFT: 0.2 } });
  return { ws, env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario } };
}

/** A port on 127.0.0.1 nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('lazy loading per command', () => {
  it('a sim run loads no IB client; status and plan after it load none of the heavy packages', async () => {
    const { ws, env } = simHome();
    const run = await runCliRecordingModules(['run', '--now', NOW], { cwd: ws.root, env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const runPackages = packagesOf(run.modules);
    // The hook sees the run's own modules, those loaded from node_modules and those bundled into the program (so
    // the assertions below mean something).
    expect(runPackages.has('better-sqlite3')).toBe(true);
    expect(run.bundleFiles.length).toBeGreaterThan(1);
    expect(runPackages.has('zod')).toBe(true);
    expect(run.modules.some((m) => m.endsWith('/src/app/hourly-job.ts'))).toBe(true);
    expect(run.modules.some((m) => m.endsWith('/src/adapters/sim/sim-broker.ts'))).toBe(true);
    expect(runPackages.has('@stoqey/ib')).toBe(false);
    expect(runPackages.has('rxjs')).toBe(false);
    expect(runPackages.has('fast-xml-parser')).toBe(false);

    const status = await runCliRecordingModules(['status', '--now', LATER], { cwd: ws.root, env });
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('AAPL');
    expect(status.modules.some((m) => m.endsWith('/src/cli/commands/status-command.ts'))).toBe(true);
    expect(HEAVY.filter((p) => packagesOf(status.modules).has(p))).toEqual([]);
    // Nor the simulated market: status reads the records only.
    expect(status.modules.filter((m) => m.includes('/src/sim/') || m.includes('/src/adapters/sim/'))).toEqual([]);

    const plan = await runCliRecordingModules(['plan', '--now', LATER], { cwd: ws.root, env });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(HEAVY.filter((p) => packagesOf(plan.modules).has(p))).toEqual([]);
  });

  it('status and plan open the log only to log something: no pino, no log directory; a warning is still logged', async () => {
    const { ws, env } = simHome();
    const run = await runCliRecordingModules(['run', '--now', NOW], { cwd: ws.root, env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The run logs (its log is opened at once).
    expect(packagesOf(run.modules).has('pino')).toBe(true);
    const elsewhere = { ...env, LOG_DIR: join(ws.root, 'other-logs') };
    for (const command of ['status', 'plan']) {
      const quiet = await runCliRecordingModules([command, '--now', LATER], { cwd: ws.root, env: elsewhere });
      expect(quiet.code, quiet.stdout + quiet.stderr).toBe(0);
      expect(packagesOf(quiet.modules).has('pino')).toBe(false);
      expect(existsSync(elsewhere.LOG_DIR)).toBe(false);
    }
    // A misspelt variable: the warning is printed and logged, as before.
    const warned = await runCliRecordingModules(['status', '--now', LATER], { cwd: ws.root, env: { ...elsewhere, SIM_SCENARO: 'x' } });
    expect(warned.code, warned.stdout + warned.stderr).toBe(0);
    expect(warned.stderr).toContain('warning: SIM_SCENARO is not a known variable');
    expect(readFileSync(join(elsewhere.LOG_DIR, 'rebalancer.log'), 'utf8')).toContain('SIM_SCENARO is not a known variable');
  });

  it('BROKER=ib loads the IB client (and only then)', async () => {
    const { ws, env } = simHome();
    // A home (its .env) with no records yet: plan makes its preview against a scratch database.
    writeFileSync(join(ws.root, '.env'), '', { mode: 0o600 });
    const ib = { ...env, BROKER: 'ib', IB_ACCOUNT: 'DU0000001', IB_PORT: String(await closedPort()), IB_CONNECT_RETRIES: '0' };
    const plan = await runCliRecordingModules(['plan', '--now', LATER], { cwd: ws.root, env: ib });
    // Nothing listens: the plan cannot be made (exit 1), but the IB client was loaded to try.
    expect(plan.code, plan.stdout + plan.stderr).toBe(1);
    expect(packagesOf(plan.modules).has('@stoqey/ib')).toBe(true);
    expect(packagesOf(plan.modules).has('nodemailer')).toBe(false);
    // The client is loaded from node_modules, never bundled into the program: adapters/ib/library-config.ts requires
    // its configuration module by path, and that must be the module the client reads (or the library's dotenv would
    // load .env into process.env on the first connection).
    expect(packagesOf(plan.bundled).has('@stoqey/ib')).toBe(false);
    expect(plan.modules.filter((m) => m.endsWith('/node_modules/@stoqey/ib/dist/common/configuration.js'))).toHaveLength(1);
  });
});
