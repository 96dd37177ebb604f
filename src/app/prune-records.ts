/**
 * `rebalancer prune`: the retention policy (src/adapters/sqlite/sqlite-prune.ts) applied under the run lock, so
 * that it never runs beside a run, then optionally VACUUM. Nothing here runs by itself: the hourly job never prunes.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LockHeldError } from '../errors.js';
import { guardStorage } from '../fs/storage-errors.js';
import { acquireRunLock, type RunLock } from '../adapters/files/run-lock.js';
import { openDatabase, type SqliteDatabase } from '../adapters/sqlite/open-database.js';
import { pruneRecords, vacuumDatabase, type PruneOutcome } from '../adapters/sqlite/sqlite-prune.js';
export { PRUNED_TABLES } from '../adapters/sqlite/sqlite-prune.js';
import { backstopMs } from './run-backstop.js';
import type { Config } from '../config/schema.js';

export interface PruneJobOptions {
  /** The clock: the lock file's holder, and the age of a run the records show as still running. */
  now: string;
  dryRun: boolean;
  vacuum: boolean;
}

export interface PruneJobResult extends PruneOutcome {
  database: string;
  /** The database file's size (bytes, the write-ahead log included) before and after; after only with a vacuum. */
  bytesBefore: number;
  bytesAfter?: number;
  /** Why VACUUM failed (a reader holding the database past the busy timeout, a full disk); the prune itself stands. */
  vacuumFailed?: string;
}

/**
 * Takes the run lock (LockHeldError at once when a run, or another prune, holds it), refuses beside a run the
 * records show as started less than the job's backstop ago and still running (its lock file removed under it),
 * applies the policy in one transaction and, unless it is a dry run, VACUUMs when asked.
 *
 * @throws LockHeldError (exit 4), StorageError naming the database.
 */
export function pruneJob(config: Config, database: string, o: PruneJobOptions): PruneJobResult {
  let lock: RunLock | undefined;
  let db: SqliteDatabase | undefined;
  try {
    lock = acquireRunLock(join(config.files.dataDir, 'run.lock'), { pid: process.pid, startedAt: o.now, runId: `prune ${o.now}` });
    db = openDatabase(database);
    refuseBesideALiveRun(db, o.now, backstopMs(config.schedule.runDeadlineMinutes));
    const bytesBefore = sizeOf(database);
    const open = db;
    const outcome = guardStorage(database, 'prune the records (nothing was deleted)', () =>
      pruneRecords(open, { retainFullDays: config.retainFullDays, dryRun: o.dryRun }),
    );
    if (!o.vacuum || o.dryRun) return { ...outcome, database, bytesBefore };
    try {
      guardStorage(database, 'VACUUM the database', () => vacuumDatabase(open));
    } catch (error) {
      // The rows are deleted (committed); only the file did not shrink. Said with the counts, not instead of them.
      return { ...outcome, database, bytesBefore, vacuumFailed: error instanceof Error ? error.message : String(error) };
    }
    return { ...outcome, database, bytesBefore, bytesAfter: sizeOf(database) };
  } finally {
    db?.close();
    lock?.release();
  }
}

/**
 * A run the records show as running, started less than the backstop ago: its process may be alive (its lock file
 * removed under it). A killed run stays 'running' until the next run marks it; past the backstop it cannot be alive.
 */
function refuseBesideALiveRun(db: SqliteDatabase, now: string, limitMs: number): void {
  const at = Date.parse(now);
  const running = db
    .prepare<[], { id: string; started_at: string }>("SELECT id, started_at FROM runs WHERE status = 'running' ORDER BY started_at DESC")
    .all()
    .find((r) => Math.abs(at - Date.parse(r.started_at)) < limitMs);
  if (running === undefined) return;
  const until = new Date(Date.parse(running.started_at) + limitMs).toISOString();
  throw new LockHeldError(
    `run ${running.id} (started ${running.started_at}) may still be running: the records show it running; ` +
      `nothing pruned. Try again after ${until}, or once a run has finished`,
  );
}

/** The database and its write-ahead log, in bytes. */
function sizeOf(database: string): number {
  let total = 0;
  for (const file of [database, `${database}-wal`]) {
    try {
      total += statSync(file).size;
    } catch {
      // No write-ahead log: nothing to add.
    }
  }
  return total;
}
