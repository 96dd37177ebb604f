import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0008 (whom the records belong to)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const upTo0007 = (file: string): Database.Database => {
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    const at = MIGRATIONS.findIndex((m) => m.id === '0008_records_owner');
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    return db;
  };

  it('a database made by the earlier migrations gets an empty owner, which its next run claims once, for good', () => {
    const file = join(dir, 'old.sqlite');
    const db = upTo0007(file);
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('old', '2026-11-20T15:30:00Z', 'ok', '2026-11-20', 0);
      INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('next', '2026-11-23T15:30:00Z', 'running', '2026-11-23', 0);`);
    const at = MIGRATIONS.findIndex((m) => m.id === '0008_records_owner');
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0008_records_owner']);
    expect(db.prepare('SELECT id FROM runs ORDER BY started_at').all()).toEqual([{ id: 'old' }, { id: 'next' }]);

    const store = new SqliteStore(db);
    expect(store.recordsOwner()).toBeUndefined();
    const owner = {
      broker: 'ib',
      account: 'DU1234567',
      tradingMode: 'paper',
      runId: 'next',
      at: '2026-11-23T15:30:00Z',
      adopted: true,
    } as const;
    expect(store.claimRecords(owner)).toEqual(owner);
    // A second claim, by any account, changes nothing and answers the owner recorded.
    expect(store.claimRecords({ ...owner, broker: 'sim', account: 'DU0000001', runId: 'old', adopted: false })).toEqual(owner);
    expect(store.recordsOwner()).toEqual(owner);

    // Not by hand through SQL either (short of dropping the triggers): a new DATA_DIR is the way to another account.
    expect(() => db.exec("UPDATE records_owner SET account = 'U7654321'")).toThrow(/records_owner is written once/);
    expect(() => db.exec('DELETE FROM records_owner')).toThrow(/records_owner is written once/);
    expect(() =>
      db.exec(
        "INSERT INTO records_owner (id, broker, account, trading_mode, run_id, at, adopted) VALUES (2, 'ib', 'U1', 'live', 'old', 'x', 0)",
      ),
    ).toThrow(/CHECK constraint failed/);
    expect(store.recordsOwner()).toEqual(owner);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();

    // Reopened through the store's own connection (every migration applied), the owner is still there.
    const reopened = new SqliteStore(file);
    expect(reopened.recordsOwner()).toEqual(owner);
    reopened.close();
  });

  it('refuses an owner with an empty account, an unknown trading mode, or a run the records do not hold', () => {
    const file = join(dir, 'new.sqlite');
    const store = new SqliteStore(file);
    const owner = {
      broker: 'sim',
      account: 'DU0000001',
      tradingMode: 'paper',
      runId: 'r1',
      at: '2026-11-23T15:30:00Z',
      adopted: false,
    } as const;
    expect(() => store.claimRecords(owner)).toThrow(/FOREIGN KEY constraint failed/);
    store.startRun({ runId: 'r1', startedAt: '2026-11-23T15:30:00Z', tradingDay: '2026-11-23', dryRun: false });
    expect(() => store.claimRecords({ ...owner, account: '' })).toThrow(/CHECK constraint failed: length\(account\) > 0/);
    expect(() => store.claimRecords({ ...owner, tradingMode: 'demo' as 'paper' })).toThrow(/CHECK constraint failed/);
    expect(store.recordsOwner()).toBeUndefined();
    expect(store.claimRecords(owner)).toEqual(owner);
    store.close();
  });
});
