import { StorageError } from '../../errors.js';
import { guardStorage } from '../../fs/storage-errors.js';
import { applyMigrations } from './migrations.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';
import { prepareStatements, type Statements } from './store-statements.js';

export interface SqliteStoreOptions {
  /** Clock for `updated_at` of orders (the only time the store stamps itself). Defaults to the system clock. */
  now?: () => string;
}

/**
 * The connection under {@link SqliteStore}'s tables: opened (or adopted) and migrated, its statements prepared,
 * every call guarded so that a failure is a StorageError naming the file.
 */
export abstract class SqliteStoreBase {
  readonly file: string;
  protected readonly db: SqliteDatabase;
  protected readonly ownsDb: boolean;
  protected readonly q: Statements;
  protected readonly now: () => string;

  /** @param source the database file (opened with {@link openDatabase}) or an open connection, which stays the caller's to close. */
  constructor(source: string | SqliteDatabase, options: SqliteStoreOptions = {}) {
    this.ownsDb = typeof source === 'string';
    this.db = typeof source === 'string' ? openDatabase(source) : source;
    this.file = this.db.name;
    this.now = options.now ?? (() => new Date().toISOString());
    try {
      // openDatabase already migrated a file it opened; a connection from elsewhere is checked here.
      if (!this.ownsDb) this.guard('apply database migrations', () => applyMigrations(this.db, this.file));
      this.q = this.guard('prepare statements', () => prepareStatements(this.db));
    } catch (err) {
      if (this.ownsDb) this.db.close();
      throw err;
    }
  }

  /** Close the connection if the store opened it; a connection passed in stays the caller's. */
  close(): void {
    if (this.ownsDb && this.db.open) this.guard('close the database', () => this.db.close());
  }

  protected fail(message: string): StorageError {
    return new StorageError(`${this.file}: ${message}`, this.file);
  }

  protected guard<T>(action: string, fn: () => T): T {
    return guardStorage(this.file, action, fn);
  }

  // IMMEDIATE takes the write lock at BEGIN, so a busy database waits out busy_timeout instead of failing
  // when a deferred read transaction tries to upgrade.
  protected transaction<T>(action: string, fn: () => T): T {
    return this.guard(action, () => this.db.transaction(fn).immediate());
  }
}
