import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';

// One account per set of records, through the built command: `run`, `plan` and `reconcile` on records that
// belong to another broker, account or trading mode exit 2, naming both, and change nothing.

// Monday 23 November 2026, 10:35 in New York: the market is open.
const IN_SESSION = '2026-11-23T15:35:00Z';

function workspace(): { root: string; env: Record<string, string>; data: string; forecasts: string } {
  const ws = makeWorkspace('rebalancer-owner-');
  writeForecast(ws.forecasts, 'trend.json', {
    strategy: 'trend',
    asOf: '2026-11-23T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { SPY: 0.4, TLT: 0.3 },
  });
  return { ...ws, env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs } };
}

/** Counts of what a refused command must not add to: every table that describes the account. */
function counts(data: string): Record<string, number> {
  const db = new Database(join(data, 'rebalancer.sqlite'), { readonly: true });
  try {
    const tables = ['orders', 'fills', 'snapshots', 'positions', 'managed_symbols', 'ledger_adjustments', 'ledger_checks', 'strategies'];
    return Object.fromEntries(tables.map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

function owner(data: string): unknown {
  const db = new Database(join(data, 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT broker, account, trading_mode AS tradingMode, adopted FROM records_owner').all();
  } finally {
    db.close();
  }
}

describe('the records of one account, through the built command', () => {
  it('a sim run claims the records; reconcile configured for IB live is refused (exit 2), with or without --accept', async () => {
    const ws = workspace();
    const first = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/now belong to broker sim, account DU0000001, trading mode paper/);
    expect(owner(ws.data)).toEqual([{ broker: 'sim', account: 'DU0000001', tradingMode: 'paper', adopted: 0 }]);
    const before = counts(ws.data);

    const ib = { ...ws.env, BROKER: 'ib', TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: 'yes', IB_ACCOUNT: 'U7654321', IB_PORT: '4001' };
    for (const args of [['reconcile'], ['reconcile', '--json'], ['reconcile', '--accept', 'SPY', '--reason', 'hand-bought']]) {
      const r = await runCli(args, { cwd: ws.root, env: ib });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /reconcile refused: records of another account: .*rebalancer\.sqlite holds the records of broker sim, account DU0000001, trading mode paper/,
      );
      expect(r.stderr).toMatch(/the configuration is on broker ib, account U7654321, trading mode live/);
      expect(r.stderr).toMatch(/point DATA_DIR at a new, empty directory, or move .*data aside/);
      expect(r.stderr).not.toMatch(/--accept|accept the/);
    }
    expect(counts(ws.data)).toEqual(before);
    // The records' own configuration still reconciles.
    expect((await runCli(['reconcile'], { cwd: ws.root, env: ws.env })).code).toBe(0);
  });

  it('records of an IB live account: run, plan and reconcile on the sim broker are refused (exit 2) and change nothing', async () => {
    const ws = workspace();
    mkdirSync(ws.data, { recursive: true });
    const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('live-1', '2026-11-20T15:35:00Z', 'ok', '2026-11-20', 0);
      INSERT INTO records_owner (id, broker, account, trading_mode, run_id, at, adopted)
      VALUES (1, 'ib', 'U7654321', 'live', 'live-1', '2026-11-20T15:35:00Z', 0);
      INSERT INTO ledger_checks (run_id, symbol, ledger_quantity, broker_quantity) VALUES ('live-1', 'SPY', 10, 10);`);
    db.close();
    const before = counts(ws.data);
    const both = [/holds the records of broker ib, account U7654321, trading mode live \(since run live-1/];

    const plan = await runCli(['plan', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(plan.code).toBe(2);
    for (const m of both) expect(plan.stderr).toMatch(m);
    expect(plan.stderr).toMatch(
      /this plan is on broker sim, account DU0000001, trading mode paper \(the broker, the account and the trading mode differ\)/,
    );
    expect(plan.stderr).toMatch(/set BROKER=ib, TRADING_MODE=live, IB_ACCOUNT=U7654321 again/);

    const run = await runCli(['run', '--now', IN_SESSION], { cwd: ws.root, env: ws.env });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/REFUSED: records of another account/);
    for (const m of both) expect(run.stdout).toMatch(m);
    expect(run.stdout).toMatch(/this run is on broker sim, account DU0000001, trading mode paper/);
    expect(run.stdout).not.toMatch(/== plan|== executions/);

    const reconcile = await runCli(['reconcile'], { cwd: ws.root, env: ws.env });
    expect(reconcile.code).toBe(2);
    expect(reconcile.stderr).toMatch(/the configuration is on broker sim, trading mode paper/);

    expect(counts(ws.data)).toEqual(before);
    const check = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
    const runs = check.prepare('SELECT id, status, exit_code AS exitCode FROM runs ORDER BY started_at').all();
    check.close();
    // Recorded: the refused run itself, failed with exit 2 (so no later run starts its executions window from it).
    expect(runs).toEqual([
      { id: 'live-1', status: 'ok', exitCode: null },
      { id: expect.any(String) as string, status: 'failed', exitCode: 2 },
    ]);
    expect(owner(ws.data)).toEqual([{ broker: 'ib', account: 'U7654321', tradingMode: 'live', adopted: 0 }]);
  });
});
