/**
 * Retention: thinning the per-run rows of old trading days (`rebalancer prune`).
 *
 * The policy: every row of the last `retainFullDays` trading days that have runs is kept. Of an older day, the
 * bulky rows each run writes again in full are thinned to those of the day's last run that wrote any:
 * - positions: the day's last run's, and those of the run of the day's closing snapshot (the run a daily report and
 *   the next day's realized P&L read: `closingSnapshot` and `snapshotsOn` in sqlite-report-store.ts, same order);
 * - ledger_checks: the day's last check (`rebalancer reconcile` and v_position_breaks read only the latest);
 * - forecasts: the day's last run's, and every strategy's latest row (what the next run compares with).
 * Everything else is kept: runs, snapshots, orders, fills, replaced fills, order changes, breaches, emails, daily
 * rows, cash flows, account reads (the cash-flow reports find a flow's run by them), adjustments, halt events.
 *
 * Days are counted in the records (distinct runs.trading_day), never on the clock: a clock set a year ahead
 * thins nothing a run has not already left behind.
 */
import type { SqliteDatabase } from './open-database.js';

/** The tables prune thins, in the order it reports them. */
export const PRUNED_TABLES = ['positions', 'ledger_checks', 'forecasts'] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];

export interface PruneOutcome {
  /** The oldest trading day kept whole; undefined when the records hold no more than `retainFullDays` days. */
  firstFullDay: string | undefined;
  /** The trading days older than firstFullDay (thinned, or to be thinned). */
  olderDays: number;
  /** Rows deleted (or, in a dry run, that would be), per table. */
  rows: Record<PrunedTable, number>;
  dryRun: boolean;
}

// The runs of the days older than the first day kept whole.
const OLD_RUNS = `old_runs AS (SELECT id, trading_day, started_at, rowid AS seq FROM runs WHERE trading_day < @first_full_day)`;

/** The day's last run with rows in `table` (by start, then the order recorded), per old day. */
const lastRunWith = (table: PrunedTable): string =>
  `SELECT (SELECT o2.id FROM old_runs o2 WHERE o2.trading_day = d.trading_day
             AND EXISTS (SELECT 1 FROM ${table} t WHERE t.run_id = o2.id)
           ORDER BY o2.started_at DESC, o2.seq DESC LIMIT 1) AS id
   FROM (SELECT DISTINCT trading_day FROM old_runs) d`;

// The run of each old day's closing snapshot, in the order the reports pick it.
const CLOSING_RUNS = `SELECT (SELECT s.run_id FROM snapshots s JOIN runs r ON r.id = s.run_id WHERE r.trading_day = d.trading_day
           ORDER BY s.taken_at DESC, s.id DESC LIMIT 1) AS id
   FROM (SELECT DISTINCT trading_day FROM old_runs) d`;

/** `WITH ...` and the condition on `table`'s rows that the policy removes. */
function policy(table: PrunedTable): { with: string; where: string } {
  const keep = table === 'positions' ? `${lastRunWith(table)} UNION ${CLOSING_RUNS}` : lastRunWith(table);
  const latestPerStrategy = table === 'forecasts' ? ' AND id NOT IN (SELECT max(id) FROM forecasts GROUP BY strategy)' : '';
  return {
    with: `WITH ${OLD_RUNS}, keep AS (${keep})`,
    where: `run_id IN (SELECT id FROM old_runs) AND run_id NOT IN (SELECT id FROM keep WHERE id IS NOT NULL)${latestPerStrategy}`,
  };
}

/** The oldest of the last `retainFullDays` trading days with runs, or undefined when there are no more days than that. */
function firstFullDayOf(db: SqliteDatabase, retainFullDays: number): string | undefined {
  const older = db
    .prepare<[number], { trading_day: string }>(
      'SELECT trading_day FROM (SELECT DISTINCT trading_day FROM runs) ORDER BY trading_day DESC LIMIT 1 OFFSET ?',
    )
    .get(retainFullDays);
  if (older === undefined) return undefined;
  return db
    .prepare<[number], { trading_day: string }>(
      'SELECT trading_day FROM (SELECT DISTINCT trading_day FROM runs) ORDER BY trading_day DESC LIMIT 1 OFFSET ?',
    )
    .get(retainFullDays - 1)?.trading_day;
}

/**
 * Applies the retention policy in one transaction (BEGIN IMMEDIATE: a writer elsewhere makes it wait, then fail,
 * never interleave), or with `dryRun` counts what it would delete and changes nothing. The caller holds the run lock.
 *
 * @throws RangeError when retainFullDays is not a whole number >= 1 (the configuration checks it first).
 */
export function pruneRecords(db: SqliteDatabase, o: { retainFullDays: number; dryRun: boolean }): PruneOutcome {
  if (!Number.isInteger(o.retainFullDays) || o.retainFullDays < 1)
    throw new RangeError(`RETAIN_FULL_DAYS must be a whole number >= 1 (got ${String(o.retainFullDays)})`);
  const rows: Record<PrunedTable, number> = { positions: 0, ledger_checks: 0, forecasts: 0 };
  const run = db.transaction((): PruneOutcome => {
    const firstFullDay = firstFullDayOf(db, o.retainFullDays);
    if (firstFullDay === undefined) return { firstFullDay, olderDays: 0, rows, dryRun: o.dryRun };
    const params = { first_full_day: firstFullDay };
    const olderDays =
      db
        .prepare<typeof params, { n: number }>('SELECT count(DISTINCT trading_day) AS n FROM runs WHERE trading_day < @first_full_day')
        .get(params)?.n ?? 0;
    for (const table of PRUNED_TABLES) {
      const p = policy(table);
      rows[table] = o.dryRun
        ? (db.prepare<typeof params, { n: number }>(`${p.with} SELECT count(*) AS n FROM ${table} WHERE ${p.where}`).get(params)?.n ?? 0)
        : db.prepare<typeof params>(`${p.with} DELETE FROM ${table} WHERE ${p.where}`).run(params).changes;
    }
    return { firstFullDay, olderDays, rows, dryRun: o.dryRun };
  });
  return run.immediate();
}

/** VACUUM (outside any transaction), then the write-ahead log truncated: the file shrinks to what is left. */
export function vacuumDatabase(db: SqliteDatabase): void {
  db.exec('VACUUM');
  db.pragma('wal_checkpoint(TRUNCATE)');
}
