/**
 * The built `rebalancer prune`, as a person or cron runs it, on records made by real sim runs: Friday two runs,
 * Monday one. With RETAIN_FULL_DAYS=1 Friday keeps only its last run's positions, ledger checks and forecasts;
 * `--dry-run` counts them and deletes nothing; the summaries of both days and `status` print the same after
 * (Monday's P&L stands on Friday's close); a second copy holding the run lock makes prune exit 4 having deleted
 * nothing; a hand-edited RETAIN_FULL_DAYS exits 2 naming it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { acquireRunLock } from '../../src/adapters/files/run-lock.js';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';

const FRIDAY = ['2026-11-20T15:35:00Z', '2026-11-20T19:35:00Z'];
const MONDAY = '2026-11-23T15:35:00Z';
const AFTER = '2026-11-23T16:00:00Z';

function rowsOf(data: string): { positions: number; friday: number; ledger_checks: number; forecasts: number; fills: number } {
  const db = new Database(join(data, 'rebalancer.sqlite'), { readonly: true });
  try {
    const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
    return {
      positions: n('SELECT count(*) AS n FROM positions'),
      friday: n("SELECT count(DISTINCT p.run_id) AS n FROM positions p JOIN runs r ON r.id = p.run_id WHERE r.trading_day = '2026-11-20'"),
      ledger_checks: n('SELECT count(*) AS n FROM ledger_checks'),
      forecasts: n('SELECT count(*) AS n FROM forecasts'),
      fills: n('SELECT count(*) AS n FROM fills'),
    };
  } finally {
    db.close();
  }
}

describe('rebalancer prune (the built command)', () => {
  it('thins Friday to its last run; the summaries and status print the same; refuses beside a run; bad RETAIN_FULL_DAYS exits 2', async () => {
    const ws = makeWorkspace();
    const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, RETAIN_FULL_DAYS: '1' };

    const none = await runCli(['prune'], { cwd: ws.root, env });
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toMatch(/nothing was created/);

    for (const now of [...FRIDAY, MONDAY]) {
      writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: now, leverage: 1, weights: { SPY: 0.4, TLT: 0.3, GLD: 0.2 } });
      const run = await runCli(['run', '--now', now], { cwd: ws.root, env });
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
    const before = rowsOf(ws.data);
    expect(before.friday).toBe(2);
    const printed = async (): Promise<string[]> =>
      Promise.all(
        [
          ['report', '--kind', 'end', '--day', '2026-11-20', '--now', AFTER],
          ['report', '--kind', 'end', '--day', '2026-11-23', '--now', AFTER],
          ['status', '--json', '--now', AFTER],
        ].map(async (args) => {
          const r = await runCli(args, { cwd: ws.root, env });
          expect(r.code, r.stderr).toBe(0);
          return r.stdout;
        }),
      );
    const shownBefore = await printed();

    const dry = await runCli(['prune', '--dry-run', '--json'], { cwd: ws.root, env });
    expect(dry.code, dry.stderr).toBe(0);
    const counted = JSON.parse(dry.stdout) as { firstFullDay: string; olderDays: number; rows: Record<string, number>; dryRun: boolean };
    expect(counted).toMatchObject({ firstFullDay: '2026-11-23', olderDays: 1, dryRun: true });
    expect(counted.rows.positions).toBeGreaterThan(0);
    expect(counted.rows.ledger_checks).toBeGreaterThan(0);
    expect(counted.rows.forecasts).toBe(1);
    expect(rowsOf(ws.data)).toEqual(before);
    const dryText = await runCli(['prune', '--dry-run'], { cwd: ws.root, env });
    expect(dryText.stdout).toMatch(new RegExp(`positions: would delete ${counted.rows.positions} rows?\\n`));

    // A second copy of the program holds the run lock (this test process): nothing is pruned, exit 4.
    const lock = acquireRunLock(join(ws.data, 'run.lock'), { pid: process.pid, startedAt: AFTER, runId: 'held-by-the-test' });
    try {
      const locked = await runCli(['prune', '--vacuum'], { cwd: ws.root, env });
      expect(locked.code).toBe(4);
      expect(locked.stderr).toMatch(/not pruned: another run holds the lock .*held-by-the-test.*nothing deleted/);
    } finally {
      lock.release();
    }
    expect(rowsOf(ws.data)).toEqual(before);

    const done = await runCli(['prune', '--vacuum'], { cwd: ws.root, env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`positions: deleted ${counted.rows.positions} rows?\\n`));
    expect(done.stdout).toMatch(new RegExp(`ledger_checks: deleted ${counted.rows.ledger_checks} rows?\\n`));
    expect(done.stdout).toMatch(/VACUUM: [\d.]+ MB -> [\d.]+ MB/);
    const after = rowsOf(ws.data);
    expect(after).toEqual({
      positions: before.positions - (counted.rows.positions ?? 0),
      friday: 1,
      ledger_checks: before.ledger_checks - (counted.rows.ledger_checks ?? 0),
      forecasts: before.forecasts - 1,
      fills: before.fills,
    });
    expect(await printed()).toEqual(shownBefore);

    const again = await runCli(['prune', '--json'], { cwd: ws.root, env });
    expect((JSON.parse(again.stdout) as { rows: Record<string, number> }).rows).toEqual({ positions: 0, ledger_checks: 0, forecasts: 0 });

    // crontab.example's weekly line, as written (cd into the home, flock, defaults: RETAIN_FULL_DAYS=30 thins nothing here).
    const line = readFileSync(resolve(import.meta.dirname, '../../crontab.example'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0 6 * * 0 '));
    const command = (line ?? '').split(/\s+/).slice(5).join(' ').replaceAll('/path/to/ib-rebalancer', ws.root);
    expect(command).toMatch(/^cd .* && flock .* node dist\/cli\/rebalancer\.js prune --vacuum >> logs\/cron\.log 2>&1$/);
    symlinkSync(resolve(import.meta.dirname, '../../dist'), join(ws.root, 'dist'));
    const cron = spawnSync('/bin/sh', ['-c', command], { cwd: '/', env: { PATH: process.env.PATH ?? '', SHELL: '/bin/bash' } });
    expect(cron.status, String(cron.stderr)).toBe(0);
    expect(readFileSync(join(ws.logs, 'cron.log'), 'utf8')).toMatch(/nothing to prune: the records hold at most 30 trading days/);

    for (const value of ['abc', '0']) {
      const bad = await runCli(['prune'], { cwd: ws.root, env: { ...env, RETAIN_FULL_DAYS: value } });
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(`RETAIN_FULL_DAYS: must be a whole number.*\\(got "${value}"\\)`));
    }
  }, 120_000);
});
