import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { applyMigrations } from './migrations.js';
import { guardStorage } from '../../fs/storage-errors.js';

/** A better-sqlite3 connection, as returned by {@link openDatabase}. */
export type SqliteDatabase = Database.Database;

export interface OpenDatabaseOptions {
  /** How long a write waits for another process's lock before failing with SQLITE_BUSY (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Open without write access (for `status`-like readers); migrations must already be applied. */
  readonly?: boolean;
}

/**
 * Open (creating if needed) the rebalancer's SQLite database and bring its schema up to date.
 *
 * - WAL journal: readers (a user's `sqlite3` shell, `rebalancer status`) never block the hourly run.
 * - busy_timeout: a write waits up to 5 s for a lock instead of failing at once.
 * - foreign_keys ON: SQLite leaves them off per connection unless asked.
 * - synchronous FULL, not NORMAL: in WAL mode NORMAL may lose the last commits on power loss, and the store
 *   promises that a fill or order intent is durable when the call returns. At one run an hour the extra
 *   fsync per commit costs nothing that matters.
 *
 * @throws StorageError naming the file, with a plain explanation (locked, read-only, disk full, corrupt,
 *   not a database, permission denied, written by a newer version).
 */
export function openDatabase(file: string, options: OpenDatabaseOptions = {}): SqliteDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  const readonly = options.readonly ?? false;
  if (!readonly) guardStorage(file, 'create the directory of the database', () => mkdirSync(dirname(file), { recursive: true }));
  const db = guardStorage(
    file,
    'open the database',
    () => new Database(file, { timeout: busyTimeoutMs, readonly, fileMustExist: readonly }),
  );
  try {
    // SQLite reads the file lazily: a garbage or corrupt file is first noticed by these statements.
    guardStorage(file, 'configure the database', () => {
      db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
      if (!readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (mode !== 'wal') throw new Error(`SQLite refused WAL journal mode (got '${String(mode)}')`);
      }
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = FULL');
    });
    guardStorage(file, 'apply database migrations', () => applyMigrations(db, file));
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
