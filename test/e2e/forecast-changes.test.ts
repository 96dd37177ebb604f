/**
 * The built `rebalancer plan` says, before its plan, what changed in each strategy's forecast since the last run
 * that recorded them (leverage, tickers added and removed, the largest weight changes); --json has them as
 * `forecastChanges`. A dry run records nothing to compare with.
 */
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

// Monday 23 November 2026, 10:35 and 11:35 in New York: the market is open.
const IN_SESSION = '2026-11-23T15:35:00Z';
const LATER = '2026-11-23T16:35:00Z';

const trend = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  strategy: 'trend',
  asOf: '2026-11-23T14:00:00Z',
  leverage: 1,
  capital: 1,
  weights: { SPY: 0.4, TLT: 0.3, GLD: 0.2, XLE: 0.1 },
  ...over,
});

/** The lines between "== what changed since the last run" and the plan's header. */
function changes(stdout: string): string[] {
  const lines = stdout.split('\n');
  const at = lines.indexOf('== what changed since the last run');
  const plan = lines.findIndex((l) => l.startsWith('plan at '));
  expect(at, stdout).toBeGreaterThanOrEqual(0);
  expect(plan).toBeGreaterThan(at);
  return lines.slice(at + 1, plan);
}

describe('rebalancer plan: what changed since the last run', () => {
  it('first forecasts, then after a run the changes of the rewritten file; a dry run records nothing', async () => {
    const ws = makeWorkspace('rebalancer-forecast-changes-');
    writeFileSync(join(ws.root, '.env'), '# e2e home: the settings are in the environment\n', { mode: 0o600 });
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs };
    const cli = (args: string[]): ReturnType<typeof runCli> => runCli(args, { cwd: ws.root, env });
    writeForecast(ws.forecasts, 'trend.json', trend());

    const before = await cli(['plan', '--now', IN_SESSION]);
    expect(before.code, before.stderr).toBe(0);
    expect(changes(before.stdout)).toEqual([
      'trend.json: first forecast (none recorded before): leverage 1.00, capital 100.0%, 4 tickers: SPY 40.0%, TLT 30.0%, GLD 20.0%, XLE 10.0%',
    ]);

    const dry = await cli(['run', '--dry-run', '--now', IN_SESSION]);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/== what changed since the last run\ntrend\.json: first forecast/);
    const run = await cli(['run', '--now', IN_SESSION]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const recorded = db.prepare('SELECT r.dry_run, f.strategy, f.leverage FROM forecasts f JOIN runs r ON r.id = f.run_id').all();
    db.close();
    expect(recorded).toEqual([{ dry_run: 0, strategy: 'trend', leverage: 1 }]);

    // The same content rewritten (a new asOf, weights off in the 10th decimal): no change.
    writeForecast(
      ws.forecasts,
      'trend.json',
      trend({ asOf: '2026-11-23T16:00:00Z', weights: { SPY: 0.4000000001, TLT: 0.3, GLD: 0.2, XLE: 0.1 } }),
    );
    expect(changes((await cli(['plan', '--now', LATER])).stdout)).toEqual(['no change in the forecasts since the last run']);

    // Leverage raised, NVDA added, XLE dropped.
    writeForecast(
      ws.forecasts,
      'trend.json',
      trend({ asOf: '2026-11-23T16:00:00Z', leverage: 1.2, weights: { SPY: 0.3, TLT: 0.3, GLD: 0.2, NVDA: 0.1 } }),
    );
    const after = await cli(['plan', '--now', LATER]);
    expect(after.code, after.stdout + after.stderr).toBe(0);
    const expected = 'trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%); removed XLE; SPY 40.0% -> 30.0%';
    expect(changes(after.stdout)).toEqual([expected]);
    const json = await cli(['plan', '--json', '--now', LATER]);
    expect(json.code, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { forecastChanges: string[] }).forecastChanges).toEqual([expected]);
  });
});
