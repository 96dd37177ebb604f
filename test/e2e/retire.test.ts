/**
 * The built command, as cron and a person run it: a strategy file renamed away blocks `run` (exit 3,
 * STRATEGY_MISSING, no order) and shows in `plan`; `rebalancer retire` records who and why, and the next run
 * sells the strategy's tickers.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 23 November 2026, in session, an hour apart.
const [T0, T1, T2, T3] = ['2026-11-23T15:35:00Z', '2026-11-23T16:35:00Z', '2026-11-23T17:35:00Z', '2026-11-23T18:35:00Z'];

const trend = (asOf: string): Record<string, unknown> => ({ strategy: 'trend', asOf, leverage: 1, capital: 0.5, weights: { SPY: 0.6 } });
const carry = (asOf: string): Record<string, unknown> => ({
  strategy: 'carry',
  asOf,
  leverage: 1,
  capital: 0.5,
  weights: { TLT: 0.5, GLD: 0.3 },
});

function ordersOfLastRun(data: string): string[] {
  const db = new Database(join(data, 'rebalancer.sqlite'), { readonly: true });
  try {
    const rows = db
      .prepare('SELECT action, symbol FROM orders WHERE run_id = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1) ORDER BY symbol')
      .all() as { action: string; symbol: string }[];
    return rows.map((r) => `${r.action} ${r.symbol}`);
  } finally {
    db.close();
  }
}

describe('rebalancer retire', () => {
  it('a lost strategy file blocks run and shows in plan until the strategy is retired; the next run then sells its tickers', async () => {
    const ws = makeWorkspace();
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };
    for (const now of [T0, T1]) {
      writeForecast(ws.forecasts, 'trend.json', trend(now));
      writeForecast(ws.forecasts, 'carry.json', carry(now));
      const r = await runCli(['run', '--now', now], { cwd: ws.root, env });
      expect(r.code).toBe(0);
    }
    // Its file still there: retiring would be a lie (the next run would trade it again), so it is refused.
    const early = await runCli(['retire', 'carry', '--reason', 'x'], { cwd: ws.root, env });
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/strategy "carry" still has a forecast file with weights \(.*carry\.json\)/);
    renameSync(join(ws.forecasts, 'carry.json'), join(ws.forecasts, 'carry.json.bak'));
    writeForecast(ws.forecasts, 'trend.json', trend(T2));

    const blocked = await runCli(['run', '--now', T2], { cwd: ws.root, env });
    expect(blocked.code).toBe(3);
    expect(blocked.stdout).toMatch(/STRATEGY_MISSING.*strategy "carry"/);
    expect(ordersOfLastRun(ws.data)).toEqual([]);

    const plan = await runCli(['plan', '--json', '--now', T2], { cwd: ws.root, env });
    const json = JSON.parse(plan.stdout) as { breaches: { code: string; detail: string }[]; tradingState: string };
    expect(json.breaches.map((b) => b.code)).toContain('STRATEGY_MISSING');
    expect(json.tradingState).toBe('HALTED');

    expect((await runCli(['retire', 'nosuch', '--reason', 'x'], { cwd: ws.root, env })).code).toBe(2);
    expect((await runCli(['retire', 'carry'], { cwd: ws.root, env })).code).toBe(2);
    const retired = await runCli(['retire', 'carry', '--reason', 'carry closed for good'], { cwd: ws.root, env });
    expect(retired.stderr).toBe('');
    expect(retired.code).toBe(0);
    expect(retired.stdout).toMatch(/retired: carry .*GLD, TLT/);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const row = db.prepare("SELECT state, retire_reason, retired_by FROM v_strategies WHERE name = 'carry'").get() as Record<
      string,
      string
    >;
    db.close();
    expect(row).toMatchObject({ state: 'retired', retire_reason: 'carry closed for good' });
    expect(row.retired_by).toMatch(/^operator /);

    writeForecast(ws.forecasts, 'trend.json', trend(T3));
    const after = await runCli(['run', '--now', T3], { cwd: ws.root, env });
    expect(after.stdout).not.toMatch(/STRATEGY_MISSING/);
    expect(after.code).toBe(0);
    expect(ordersOfLastRun(ws.data)).toEqual(expect.arrayContaining(['SELL GLD', 'SELL TLT']));
  }, 60_000);
});
