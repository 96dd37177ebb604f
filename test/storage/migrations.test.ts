import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS, type Migration } from '../../src/adapters/sqlite/migrations.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { StorageError } from '../../src/errors.js';
import { makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(async () => cleanup());

const appliedIds = (db: Database.Database): string[] =>
  db
    .prepare<[], { id: string }>('SELECT id FROM schema_migrations ORDER BY seq')
    .all()
    .map((r) => r.id);

const tables = (db: Database.Database, type: 'table' | 'view'): string[] =>
  db
    .prepare<[string], { name: string }>("SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all(type)
    .map((r) => r.name);

describe('migrations', () => {
  it('applies every migration to a new file, in a directory that does not exist yet', () => {
    const file = join(dir, 'nested', 'data', 'rebalancer.sqlite');
    const db = openDatabase(file);
    expect(appliedIds(db)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(tables(db, 'table')).toEqual([
      'account_reads',
      'breaches',
      'cash_flows',
      'contract_cache',
      'daily',
      'emails',
      'fill_totals',
      'fills',
      'forecasts',
      'halt_events',
      'ledger_adjustments',
      'ledger_checks',
      'managed_symbols',
      'order_modifications',
      'orders',
      'positions',
      'records_owner',
      'replaced_fills',
      'runs',
      'schema_migrations',
      'snapshot_cash',
      'snapshots',
      'strategies',
      'strategy_retirements',
      'trades_csv_mark',
    ]);
    expect(tables(db, 'view')).toEqual([
      'v_conversions',
      'v_daily_fills',
      'v_daily_orders',
      'v_fill_slippage',
      'v_halt_state',
      'v_last_run',
      'v_latest_cash',
      'v_latest_positions',
      'v_latest_snapshot',
      'v_ledger',
      'v_open_orders',
      'v_position_breaks',
      'v_run_breaches',
      'v_run_summary',
      'v_strategies',
    ]);
    db.close();
  });

  it('re-opening an up-to-date database applies nothing and changes nothing', () => {
    const file = join(dir, 'rebalancer.sqlite');
    openDatabase(file).close();
    const db = new Database(file);
    const before = db.prepare('SELECT * FROM schema_migrations').all();
    expect(applyMigrations(db, file)).toEqual([]);
    expect(db.prepare('SELECT * FROM schema_migrations').all()).toEqual(before);
    db.close();
    openDatabase(file).close();
  });

  it('turns on WAL, foreign keys, FULL synchronous and a 5 s busy timeout', () => {
    const db = openDatabase(join(dir, 'rebalancer.sqlite'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('refuses a database holding a migration this version does not know, naming the file', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_migrations (id, applied_at) VALUES ('0002_from_the_future', 'x')").run();
    db.close();
    expect(() => openDatabase(file)).toThrow(StorageError);
    expect(() => openDatabase(file)).toThrow(`${file}: the database was written by a newer or different version`);
    expect(() => openDatabase(file)).toThrow("'0002_from_the_future'");
  });

  it('refuses a database whose known migrations were applied in another order', () => {
    const known: Migration[] = [
      { id: '0001_a', sql: 'CREATE TABLE a (x)' },
      { id: '0002_b', sql: 'CREATE TABLE b (x)' },
    ];
    const file = join(dir, 'other.sqlite');
    const db = new Database(file);
    applyMigrations(db, file, [known[1]!, known[0]!]);
    expect(() => applyMigrations(db, file, known)).toThrow(
      /newer or different version.*'0002_b' is at position 1, where this version expects '0001_a'/,
    );
    db.close();
  });

  it('applies only the pending migrations of an older database, each in its own transaction', () => {
    const known: Migration[] = [
      { id: '0001_a', sql: 'CREATE TABLE a (x)' },
      { id: '0002_b', sql: 'CREATE TABLE b (x); INSERT INTO b VALUES (1)' },
      { id: '0003_broken', sql: 'CREATE TABLE c (x); INSERT INTO nowhere VALUES (1)' },
    ];
    const file = join(dir, 'older.sqlite');
    const db = new Database(file);
    expect(applyMigrations(db, file, known.slice(0, 1))).toEqual(['0001_a']);
    expect(() => applyMigrations(db, file, known)).toThrow(/nowhere/);
    // 0002 committed; 0003 rolled back whole (table c does not exist), so a fixed version can apply it later.
    expect(appliedIds(db)).toEqual(['0001_a', '0002_b']);
    expect(tables(db, 'table')).toEqual(['a', 'b', 'schema_migrations']);
    db.close();
  });

  it('refuses to migrate a SQLite file that belongs to something else', () => {
    const file = join(dir, 'foreign.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE accounts (id)');
    db.close();
    expect(() => openDatabase(file)).toThrow(`${file}: not an ib-rebalancer database`);
  });
});
