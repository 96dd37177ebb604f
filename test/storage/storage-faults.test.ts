import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/fs/atomic-write.js';
import { writeOrderFile } from '../../src/adapters/files/order-file.js';
import { appendTrades } from '../../src/adapters/files/trades-csv.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { StorageError } from '../../src/errors.js';
import { asUnprivileged, lendToUnprivileged } from '../support/unprivileged.js';
import { anExecution, makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;

// As root, chmod does not stop writes: the permission faults call the code as uid 65534 (asUnprivileged), in a
// test directory lent to that user, on files and folders it can read but not write. As another user, as that user.
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => {
  await chmod(dir, 0o755).catch(() => undefined);
  await cleanup();
});

/** Run `fn` and return the StorageError it throws (failing the test if it throws anything else or nothing). */
async function storageErrorOf(fn: () => unknown): Promise<StorageError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return err as StorageError;
  }
  throw new Error('expected a StorageError, got none');
}

const startRun = (store: SqliteStore): void =>
  store.startRun({ runId: 'r1', startedAt: '2026-11-20T15:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });

describe('database faults', () => {
  it('a path whose parent is a regular file: StorageError naming the file', async () => {
    await writeFile(join(dir, 'data'), 'I am a file');
    const file = join(dir, 'data', 'rebalancer.sqlite');
    const err = await storageErrorOf(() => openDatabase(file));
    expect(err.path).toBe(file);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/a part of the path is a file, not a directory/);
  });

  it('a read-only directory: StorageError naming the file', async () => {
    const ro = join(dir, 'ro');
    await mkdir(ro, { mode: 0o555 });
    lendToUnprivileged(dir);
    const file = join(ro, 'rebalancer.sqlite');
    const err = await storageErrorOf(() => asUnprivileged(() => openDatabase(file)));
    expect(err.message).toContain(`${file}: could not open the database`);
  });

  it('a read-only database file: StorageError naming the file, at open or at the first write', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    openDatabase(file).close();
    await chmod(file, 0o444);
    lendToUnprivileged(dir);
    const err = await storageErrorOf(() =>
      asUnprivileged(() => {
        const store = new SqliteStore(file);
        try {
          startRun(store);
        } finally {
          store.close();
        }
      }),
    );
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/read-only|cannot be opened/);
  });

  it('a read-only connection: writes fail with a StorageError that says read-only', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    openDatabase(file).close();
    const db = openDatabase(file, { readonly: true });
    const store = new SqliteStore(db);
    const err = await storageErrorOf(() => startRun(store));
    expect(err.message).toMatch(new RegExp(`^${file}: could not record the start of run r1: the database is read-only.*SQLITE_READONLY`));
    db.close();
  });

  it('PRAGMA query_only: a write is refused and nothing is written', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    const db = openDatabase(file);
    const store = new SqliteStore(db);
    startRun(store);
    db.pragma('query_only = ON');
    const err = await storageErrorOf(() => store.recordFills('r1', [anExecution()]));
    expect(err.message).toContain(`${file}: could not record fills of run r1: the database is read-only`);
    db.pragma('query_only = OFF');
    expect(store.fillsNotInCsv()).toEqual([]);
    db.close();
  });

  it('a file of garbage bytes: StorageError naming the file, saying it is not a database', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    await writeFile(file, Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251)));
    const err = await storageErrorOf(() => openDatabase(file));
    expect(err.path).toBe(file);
    expect(err.message).toMatch(new RegExp(`^${file}: could not configure the database: the file is not a SQLite database.*SQLITE_NOTADB`));
    expect(() => new SqliteStore(file)).toThrow(StorageError);
  });

  it('a database whose pages were overwritten: StorageError naming the file, saying it is corrupt', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    const store = new SqliteStore(file);
    startRun(store);
    store.close(); // checkpoints the WAL into the main file
    const size = (await readFile(file)).length;
    const handle = await open(file, 'r+');
    await handle.write(Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096); // every page but the header page
    await handle.close();
    const err = await storageErrorOf(() => {
      const again = new SqliteStore(file);
      try {
        again.recentRuns(10);
      } finally {
        again.close();
      }
    });
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/corrupt|not a SQLite database/);
  });

  it('a database locked by another writer: StorageError saying it is locked, after the busy timeout', async () => {
    const file = join(dir, 'rebalancer.sqlite');
    openDatabase(file).close();
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const db = openDatabase(file, { busyTimeoutMs: 100 });
    const store = new SqliteStore(db);
    const err = await storageErrorOf(() => startRun(store));
    expect(err.message).toMatch(/locked by another process.*SQLITE_BUSY/);
    other.exec('ROLLBACK');
    startRun(store); // and works once the lock is gone
    other.close();
    db.close();
  });
});

describe('file faults', () => {
  it('trades CSV under a path whose parent is a file: StorageError naming the CSV', async () => {
    await writeFile(join(dir, 'data'), 'x');
    const csv = join(dir, 'data', 'trades.csv');
    const err = await storageErrorOf(() => appendTrades(csv, [anExecution()]));
    expect(err.path).toBe(csv);
    expect(err.message).toContain(`${csv}: could not append to the trades CSV`);
  });

  it('order file under a path whose parent is a file: StorageError naming the order file', async () => {
    await writeFile(join(dir, 'data'), 'x');
    const err = await storageErrorOf(() => writeOrderFile(join(dir, 'data'), '2026-11-20', 'r1', []));
    expect(err.path).toBe(join(dir, 'data', 'orders', '2026-11-20', 'r1.csv'));
    expect(err.message).toMatch(/could not write the file: a part of the path is a file/);
  });

  it('a read-only directory: the atomic write fails with StorageError and leaves the old file', async () => {
    const target = join(dir, 'ro', 'f.txt');
    await writeFileAtomic(target, 'old');
    await chmod(join(dir, 'ro'), 0o555);
    lendToUnprivileged(dir);
    const err = await storageErrorOf(() => asUnprivileged(() => writeFileAtomic(target, 'new')));
    expect(err.message).toMatch(/permission denied/);
    await chmod(join(dir, 'ro'), 0o755);
    expect(await readFile(target, 'utf8')).toBe('old');
  });

  it('the atomic write replaces a file whole and leaves no temporary file', async () => {
    const target = join(dir, 'a', 'b', 'f.txt');
    await writeFileAtomic(target, 'first');
    await writeFileAtomic(target, 'second');
    expect(await readFile(target, 'utf8')).toBe('second');
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['f.txt']);
  });
});
