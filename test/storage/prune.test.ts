/**
 * `rebalancer prune` on a real SQLite file holding months of hourly runs: it removes what the retention policy says
 * (older days keep only their last run's positions, ledger checks and forecasts), keeps what every reader needs
 * (status, the daily report of a thinned day with its closing NLV, P&L and fills, reconciliation of earlier orders,
 * the ledger, the next run's comparison of forecasts), deletes what --dry-run counted, is idempotent, and refuses
 * beside a run (the run lock held, or a run the records show still running).
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { acquireRunLock } from '../../src/adapters/files/run-lock.js';
import { pruneJob } from '../../src/app/prune-records.js';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigError, LockHeldError } from '../../src/errors.js';
import { loadDailyReport, type DailyReportData } from '../../src/report/daily-report-data.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { previousTradingDay } from '../../src/core/calendar.js';
import { NYSE_RULES } from '../../src/core/session.js';
import type { Config } from '../../src/config/schema.js';
import { makeTempDir } from './fixtures.js';
import { SCHEDULE } from '../../src/app/schedule-table.js';
import { seedYearOfRecords, type YearOfRecords } from '../support/year-of-records.js';

const DAYS = 70;
const RUNS = 7;
const TICKERS = 40;
const RETAIN = 20;

let seeded: { dir: string; file: string; year: YearOfRecords };
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  const file = join(dir, 'seed.sqlite');
  seeded = { dir, file, year: seedYearOfRecords(file, { days: DAYS, runsPerDay: RUNS, tickers: TICKERS }) };
  return async () => {
    for (const c of cleanups.splice(0)) await c();
  };
});

/** A copy of the seeded records in a home of its own (DATA_DIR), with its configuration. */
async function home(env: Record<string, string> = {}): Promise<{ config: Config; database: string; dataDir: string }> {
  const { dir, cleanup } = await makeTempDir();
  cleanups.push(cleanup);
  const dataDir = join(dir, 'data');
  const { config } = loadConfig({
    cwd: dir,
    env: { DATA_DIR: dataDir, LOG_DIR: join(dir, 'logs'), RETAIN_FULL_DAYS: String(RETAIN), ...env },
  });
  const database = join(dataDir, 'rebalancer.sqlite');
  openDatabase(database).close();
  copyFileSync(seeded.file, database);
  return { config, database, dataDir };
}

const NOW = '2026-06-01T12:00:00Z';

function count(database: string, sql: string, ...params: string[]): number {
  const db = openDatabase(database, { readonly: true });
  try {
    return (db.prepare<string[], { n: number }>(sql).get(...params)?.n ?? 0) as number;
  } finally {
    db.close();
  }
}

/** What every reader reads: status, reconciliation, the ledger, forecasts, the cash-flow readings, end-of-day reports. */
function readers(database: string, days: readonly string[]): unknown {
  const db = openDatabase(database);
  const store = new SqliteStore(db);
  const reports = new SqliteReportStore(db);
  try {
    const snapshot = store.latestSnapshot();
    const endReports = days.map((tradingDay) => {
      const data = loadDailyReport(reports, {
        kind: 'end',
        tradingDay,
        now: `${tradingDay}T23:00:00Z`,
        account: 'DU0000001',
        previousTradingDay: (d) => previousTradingDay(d, NYSE_RULES),
      });
      return { data, text: renderDailyReport(data).text };
    });
    return {
      snapshot,
      positions: snapshot === undefined ? [] : store.positionsOf(snapshot.runId),
      runs: store.recentRuns(10),
      ledgerCheck: store.latestLedgerCheck(),
      ledger: db.prepare('SELECT * FROM v_ledger').all(),
      breaks: db.prepare('SELECT * FROM v_position_breaks').all(),
      forecasts: store.latestForecasts(),
      toReconcile: store.ordersToReconcile('none'),
      ownFills: store.ownFillTotals('rebal:'),
      latestRead: store.latestAccountRead(),
      firstReads: days.map((d) => store.firstAccountReadOn(d)),
      orders: db.prepare('SELECT count(*) AS n, sum(quantity) AS q FROM orders').get(),
      fills: db.prepare('SELECT count(*) AS n, sum(quantity * price) AS v FROM fills').get(),
      daily: reports.dailyRowsBefore('2099-01-01', 1000),
      endReports,
    };
  } finally {
    store.close();
    reports.close();
    db.close();
  }
}

describe('rebalancer prune: the retention policy on months of records', () => {
  it('thins the older days to their last run, keeps every reader whole, and deletes what --dry-run counted', async () => {
    const { config, database } = await home();
    const days = seeded.year.tradingDays;
    const firstFullDay = days[DAYS - RETAIN] ?? '';
    const before = readers(database, days);
    const rowsBefore = {
      positions: count(database, 'SELECT count(*) AS n FROM positions'),
      ledger_checks: count(database, 'SELECT count(*) AS n FROM ledger_checks'),
      forecasts: count(database, 'SELECT count(*) AS n FROM forecasts'),
    };
    expect(rowsBefore.positions).toBe(DAYS * RUNS * TICKERS);

    const dry = pruneJob(config, database, { now: NOW, dryRun: true, vacuum: false });
    expect(dry.firstFullDay).toBe(firstFullDay);
    expect(dry.olderDays).toBe(DAYS - RETAIN);
    // Of each older day, all runs but the last: (RUNS - 1) runs' rows.
    const thinnedRuns = (DAYS - RETAIN) * (RUNS - 1);
    expect(dry.rows).toEqual({ positions: thinnedRuns * TICKERS, ledger_checks: thinnedRuns * TICKERS, forecasts: thinnedRuns });
    // A dry run deletes nothing.
    expect(count(database, 'SELECT count(*) AS n FROM positions')).toBe(rowsBefore.positions);

    const done = pruneJob(config, database, { now: NOW, dryRun: false, vacuum: true });
    expect(done.rows).toEqual(dry.rows);
    expect(done.bytesAfter).toBeLessThan(done.bytesBefore);
    expect(count(database, 'SELECT count(*) AS n FROM positions')).toBe(rowsBefore.positions - dry.rows.positions);
    expect(count(database, 'SELECT count(*) AS n FROM ledger_checks')).toBe(rowsBefore.ledger_checks - dry.rows.ledger_checks);
    expect(count(database, 'SELECT count(*) AS n FROM forecasts')).toBe(rowsBefore.forecasts - dry.rows.forecasts);

    // The policy: one run's positions per older day, that of the day's closing snapshot; every run of the kept days.
    for (const day of days) {
      const runsWithPositions = count(
        database,
        'SELECT count(DISTINCT p.run_id) AS n FROM positions p JOIN runs r ON r.id = p.run_id WHERE r.trading_day = ?',
        day,
      );
      expect(runsWithPositions, day).toBe(day < firstFullDay ? 1 : RUNS);
    }
    // Runs, snapshots, orders, fills, account reads and daily rows: all kept.
    expect(count(database, 'SELECT count(*) AS n FROM runs')).toBe(DAYS * RUNS);
    expect(count(database, 'SELECT count(*) AS n FROM snapshots')).toBe(DAYS * RUNS);
    expect(count(database, 'SELECT count(*) AS n FROM orders')).toBe(DAYS * RUNS);
    expect(count(database, 'SELECT count(*) AS n FROM fills')).toBe(DAYS * RUNS);
    expect(count(database, 'SELECT count(*) AS n FROM account_reads')).toBe(DAYS * RUNS);
    expect(count(database, 'SELECT count(*) AS n FROM daily')).toBe(DAYS);

    // Every reader reads the same: status, reconciliation, the ledger, the forecasts, and the end-of-day report of
    // every day, thinned or not (closing NLV, P&L with the realized part, the fills), to the rendered text.
    const after = readers(database, days);
    expect(after).toEqual(before);
    // A thinned day's report (the fifth day): its closing NLV, its realized P&L (the previous close's positions were
    // kept), its positions and its seven orders with their fills.
    const thinned = (after as { endReports: { data: DailyReportData; text: string }[] }).endReports[4];
    expect(thinned?.data.latest?.nlv).toBeGreaterThan(0);
    expect(thinned?.data.pnl.realizedToday.value).not.toBeNull();
    expect(thinned?.data.pnl.perPosition).toHaveLength(TICKERS);
    expect(thinned?.text).toMatch(/ORDERS TODAY \(7\)/);
    expect(thinned?.text.match(/fill \d\d:35 1 @/g)).toHaveLength(RUNS);

    // Idempotent: a second prune finds nothing more.
    const again = pruneJob(config, database, { now: NOW, dryRun: false, vacuum: false });
    expect(again.rows).toEqual({ positions: 0, ledger_checks: 0, forecasts: 0 });
    expect(readers(database, days)).toEqual(before);
  }, 120_000);

  it('counts days in the records, not on the clock: a clock a year ahead thins nothing more', async () => {
    const { config, database } = await home({ RETAIN_FULL_DAYS: String(DAYS) });
    const skewed = pruneJob(config, database, { now: '2027-06-01T12:00:00Z', dryRun: false, vacuum: false });
    expect(skewed.firstFullDay).toBeUndefined();
    expect(skewed.rows).toEqual({ positions: 0, ledger_checks: 0, forecasts: 0 });
    expect(count(database, 'SELECT count(*) AS n FROM positions')).toBe(DAYS * RUNS * TICKERS);
  });

  it("keeps each strategy's latest forecast, even from an older day's early run (what the next run compares with)", async () => {
    const { config, database } = await home();
    const db = openDatabase(database);
    const firstRun = seeded.year.runIds[0] ?? '';
    db.prepare(
      `INSERT INTO forecasts (run_id, strategy, file, as_of, leverage, capital, weights) VALUES (?, 'retired', 'retired.json', '2026-01-05T14:00:00Z', 1, 1, '{"T001":0.5}')`,
    ).run(firstRun);
    db.close();
    const latestBefore = new SqliteStore(database);
    const before = latestBefore.latestForecasts();
    latestBefore.close();
    pruneJob(config, database, { now: NOW, dryRun: false, vacuum: false });
    const latestAfter = new SqliteStore(database);
    expect(latestAfter.latestForecasts()).toEqual(before);
    expect(latestAfter.latestForecasts().map((f) => f.strategy)).toContain('retired');
    latestAfter.close();
  });

  it('refuses while a run holds the lock: LockHeldError (exit 4), nothing deleted', async () => {
    const { config, database, dataDir } = await home();
    const lock = acquireRunLock(join(dataDir, 'run.lock'), { pid: 4242, startedAt: NOW, runId: 'the-running-run' });
    try {
      expect(() => pruneJob(config, database, { now: NOW, dryRun: false, vacuum: true })).toThrow(LockHeldError);
      expect(() => pruneJob(config, database, { now: NOW, dryRun: true, vacuum: false })).toThrow(
        /another run holds the lock .*the-running-run/,
      );
    } finally {
      lock.release();
    }
    expect(count(database, 'SELECT count(*) AS n FROM positions')).toBe(DAYS * RUNS * TICKERS);
    // Released: the prune goes ahead.
    expect(pruneJob(config, database, { now: NOW, dryRun: false, vacuum: false }).rows.positions).toBeGreaterThan(0);
  });

  it('refuses beside a run the records show running (its lock file removed under it), not beside a long-dead one', async () => {
    const { config, database } = await home();
    const db = openDatabase(database);
    db.prepare("INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('alive', ?, 'running', '2026-06-01', 0)").run(
      '2026-06-01T11:40:00Z',
    );
    db.close();
    expect(() => pruneJob(config, database, { now: NOW, dryRun: false, vacuum: false })).toThrow(/run alive .*may still be running/);
    expect(count(database, 'SELECT count(*) AS n FROM positions')).toBe(DAYS * RUNS * TICKERS);
    // Two hours later that run cannot be alive (the job ends every run by its deadline and grace).
    expect(pruneJob(config, database, { now: '2026-06-01T14:00:00Z', dryRun: true, vacuum: false }).rows.positions).toBeGreaterThan(0);
  });
});

describe('RETAIN_FULL_DAYS', () => {
  it('defaults to 30', async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    expect(loadConfig({ cwd: dir, env: {} }).config.retainFullDays).toBe(30);
  });

  it.each(['abc', '0', '-3', '2.5', '99999'])('a hand-edited value %s is refused, naming the variable', async (value) => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    expect(() => loadConfig({ cwd: dir, env: { RETAIN_FULL_DAYS: value } })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd: dir, env: { RETAIN_FULL_DAYS: value } })).toThrow(
      new RegExp(`RETAIN_FULL_DAYS: must be a whole number.*\\(got "${value.replace('.', '\\.')}"\\)`),
    );
  });
});

describe('rebalancer schedule', () => {
  it('prunes once a week, Sunday 06:00 New York, when no hourly run is due (as crontab.example)', () => {
    const prune = SCHEDULE.find((j) => j.args[0] === 'prune');
    expect(prune).toEqual({ name: 'weekly-prune', cron: '0 6 * * 0', args: ['prune', '--vacuum'] });
    expect(SCHEDULE.find((j) => j.args[0] === 'run')?.cron.endsWith(' 1-5')).toBe(true);
  });
});
