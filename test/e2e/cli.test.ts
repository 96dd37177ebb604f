import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { acquireRunLock } from '../../src/adapters/files/run-lock.js';

// Monday 23 November 2026, 10:35 in New York: the market is open.
const IN_SESSION = '2026-11-23T15:35:00Z';
// Saturday 21 November 2026: closed.
const WEEKEND = '2026-11-21T15:35:00Z';

const forecast = (asOf: string): Record<string, unknown> => ({
  strategy: 'trend',
  asOf,
  leverage: 1,
  capital: 1,
  weights: { SPY: 0.4, TLT: 0.3, GLD: 0.2 },
});

function workspace(): { root: string; env: Record<string, string>; data: string; forecasts: string; logs: string } {
  const ws = makeWorkspace();
  // A home, as after the install: its .env (settings come from the environment here), so that `halt` and `plan`
  // work before the first run. Owner-only, as the README asks.
  writeFileSync(join(ws.root, '.env'), '# e2e home: the settings are in the environment\n', { mode: 0o600 });
  return { ...ws, env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs } };
}

describe('the built rebalancer command', () => {
  it('runs the hourly job in session, sends orders, exits 0 and leaves its records', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    const r = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/== plan/);
    expect(r.stdout).toMatch(/SPY .* BUY/);
    expect(existsSync(join(ws.data, 'rebalancer.sqlite'))).toBe(true);
    expect(existsSync(join(ws.logs, 'rebalancer.log'))).toBe(true);
    const orderFiles = readdirSync(join(ws.data, 'orders', '2026-11-23'));
    expect(orderFiles).toHaveLength(1);
    expect(readFileSync(join(ws.data, 'orders', '2026-11-23', orderFiles[0] ?? ''), 'utf8')).toMatch(/^symbol,action,quantity,limit_price/);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const orders = db.prepare('SELECT symbol, action, status FROM orders ORDER BY symbol').all() as {
      symbol: string;
      action: string;
      status: string;
    }[];
    db.close();
    expect(orders.map((o) => o.symbol)).toEqual(['GLD', 'SPY', 'TLT']);
    expect(orders.every((o) => o.action === 'BUY' && o.status !== 'Intent')).toBe(true);
  });

  it('with --dry-run plans and writes the order file but cancels and sends nothing', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    const first = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(first.code).toBe(0);
    // Some of the first run's orders may still be working; a dry run must leave them alone.
    writeForecast(ws.forecasts, 'trend.json', { ...forecast('2026-11-23T15:50:00Z'), weights: { SPY: 0.2, IEF: 0.3 } });
    const dry = await runCli(['run', '--dry-run', '--now', '2026-11-23T15:55:00Z'], { cwd: ws.root, env: ws.env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run: open orders left alone/);
    expect(dry.stdout).toMatch(/IEF .* BUY/);
    expect(dry.stdout).toMatch(/dry run: no orders sent/);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const runs = db.prepare('SELECT id, dry_run FROM runs ORDER BY started_at').all() as { id: string; dry_run: number }[];
    const dryOrders = db.prepare('SELECT COUNT(*) AS n FROM orders WHERE run_id = ?').get(runs[1]?.id) as { n: number };
    db.close();
    expect(runs.map((r) => r.dry_run)).toEqual([0, 1]);
    expect(dryOrders.n).toBe(0);
    expect(readdirSync(join(ws.data, 'orders', '2026-11-23'))).toHaveLength(2);
  });

  it('plan --json gives the same lines as run --dry-run at the same instant', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    expect((await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env })).code).toBe(0);
    writeForecast(ws.forecasts, 'trend.json', { ...forecast('2026-11-23T16:30:00Z'), weights: { SPY: 0.2, IEF: 0.3, GLD: 0.1 } });
    const at = '2026-11-23T16:35:00Z';
    const plan = await runCli(['plan', '--json', '--now', at], { cwd: ws.root, env: ws.env });
    expect(plan.code).toBe(0);
    const dry = await runCli(['run', '--dry-run', '--now', at], { cwd: ws.root, env: ws.env });
    expect(dry.code).toBe(0);
    const planned = JSON.parse(plan.stdout) as { marketOpen: boolean; orders: Record<string, unknown>[] };
    expect(planned.marketOpen).toBe(true);
    const files = readdirSync(join(ws.data, 'orders', '2026-11-23')).sort();
    const rows = parse(readFileSync(join(ws.data, 'orders', '2026-11-23', files[files.length - 1] ?? ''), 'utf8'), {
      columns: true,
    }) as Record<string, string>[];
    const fromPlan = planned.orders.map((o) => [
      o.symbol,
      o.action,
      String(o.quantity),
      String(o.limitPrice ?? ''),
      String(o.currentQuantity),
      String(o.targetQuantity),
      o.reason,
    ]);
    const fromDryRun = rows.map((r) => [r.symbol, r.action, r.quantity, r.limit_price, r.current_quantity, r.target_quantity, r.reason]);
    expect(fromPlan.some((l) => l[1] === 'BUY')).toBe(true);
    expect(fromPlan).toEqual(fromDryRun);
  });

  it('exits 2 and names the variable when a configuration value is wrong, without touching the broker', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    const r = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: { ...ws.env, MAX_LEVERAGE: 'two' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MAX_LEVERAGE/);
    expect(existsSync(join(ws.data, 'sim'))).toBe(false);
  });

  it('exits 2 on a --now without a zone and on an unknown command', async () => {
    const ws = workspace();
    const bad = await runCli(['run', '--now', '2026-11-23 10:35'], { cwd: ws.root, env: ws.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--now/);
    const unknown = await runCli(['rebalance-now'], { cwd: ws.root, env: ws.env });
    expect(unknown.code).toBe(2);
  });

  it('exits 3 with no order sent when the forecast is stale, and queues an alert email naming the breach', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-20T14:00:00Z'));
    const r = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/STALE_FORECAST/);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const sent = db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number };
    const run = db.prepare('SELECT status, exit_code FROM runs').get() as { status: string; exit_code: number };
    db.close();
    expect(sent.n).toBe(0);
    expect(run).toEqual({ status: 'blocked', exit_code: 3 });
    // Two emails: the alert, and the start-of-day summary (the first run of the session).
    const outbox = readdirSync(join(ws.data, 'outbox')).map((f) => readFileSync(join(ws.data, 'outbox', f), 'utf8'));
    expect(outbox).toHaveLength(2);
    expect(outbox.filter((eml) => /Subject: .*BLOCKED.*STALE_FORECAST/.test(eml))).toHaveLength(1);
    expect(outbox.filter((eml) => /Subject: .*start of day 2026-11-23/.test(eml))).toHaveLength(1);
  });

  it('exits 3 while the kill switch is on and 0 again after resume', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    expect((await runCli(['halt', '--reason', 'checking a fill'], { cwd: ws.root, env: ws.env })).code).toBe(0);
    const halted = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(halted.code).toBe(3);
    expect(halted.stdout).toMatch(/KILL_SWITCH.*checking a fill/);
    expect((await runCli(['resume', '--reason', 'fill checked'], { cwd: ws.root, env: ws.env })).code).toBe(0);
    const resumed = await runCli(['run', '--now', '2026-11-23T16:35:00Z'], { cwd: ws.root, env: ws.env });
    expect(resumed.code).toBe(0);
  });

  it('exits 4 at once when another live process holds the run lock', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    // This test process takes the lock, as a run in flight holds it.
    const held = acquireRunLock(join(ws.data, 'run.lock'), { pid: process.pid, startedAt: IN_SESSION, runId: 'other' });
    const r = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    held.release();
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/another run holds the lock/);
    expect(existsSync(join(ws.data, 'sim'))).toBe(false);
  });

  it('prints the plan as one JSON object with the documented fields, changing nothing', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    const r = await runCli(['plan', '--json', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      orders: Record<string, unknown>[];
      breaches: unknown[];
      tradingState: string;
      netLiquidation: number;
    };
    expect(plan.tradingState).toBe('ACTIVE');
    expect(plan.netLiquidation).toBe(100000);
    expect(plan.breaches).toEqual([]);
    expect(plan.orders.map((o) => o.symbol)).toEqual(['GLD', 'SPY', 'TLT']);
    for (const o of plan.orders) {
      expect(Object.keys(o)).toEqual(
        expect.arrayContaining([
          'symbol',
          'action',
          'quantity',
          'limitPrice',
          'currentQuantity',
          'targetQuantity',
          'referencePrice',
          'reason',
        ]),
      );
      expect(o.action).toBe('BUY');
    }
    // read-only: the simulator's state was never written
    expect(existsSync(join(ws.data, 'sim', 'state.json'))).toBe(false);
  });

  it('records a snapshot and exits 0 without sending when the market is closed, saying when it opens', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-21T14:00:00Z'));
    const r = await runCli(['run', '--now', WEEKEND], { cwd: ws.root, env: ws.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/market closed/);
    expect(r.stdout).toMatch(/Mon 2026-11-23 09:30 New York/);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n).toBe(0);
    expect((db.prepare('SELECT COUNT(*) AS n FROM snapshots').get() as { n: number }).n).toBe(1);
    expect((db.prepare('SELECT status FROM runs').get() as { status: string }).status).toBe('skipped');
    db.close();
  });

  it('shows the latest snapshot and runs with status --json', async () => {
    const ws = workspace();
    writeForecast(ws.forecasts, 'trend.json', forecast('2026-11-23T14:00:00Z'));
    await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    const r = await runCli(['status', '--json'], { cwd: ws.root, env: ws.env });
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as { halt: unknown; snapshot: { netLiquidation: number }; runs: { status: string }[] };
    expect(status.halt).toBeNull();
    expect(status.snapshot.netLiquidation).toBeGreaterThan(90_000);
    expect(status.runs[0]?.status).toBe('ok');
  });
});
