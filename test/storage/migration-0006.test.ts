import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0006 (fill corrections, commissions not known yet)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  it('keeps every fill of an older database, its CSV flag and the views over it, and lets a commission be NULL', () => {
    const db = new Database(join(dir, 'old.sqlite'));
    db.pragma('foreign_keys = ON');
    const before = MIGRATIONS.findIndex((m) => m.id === '0006_fill_corrections');
    applyMigrations(db, 'old.sqlite', MIGRATIONS.slice(0, before));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('r1', '2026-11-20T15:30:00Z', 'ok', '2026-11-20', 0);
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id, in_csv)
      VALUES ('a.1.01', 'r1', 'rebal:r1:AAPL', 'AAPL', 'BUY', 10, 190, 1, '2026-11-20T15:31:00Z', 7, 9001, 1);`);
    expect(applyMigrations(db, 'old.sqlite')).toEqual(MIGRATIONS.slice(before).map((m) => m.id));
    expect(db.prepare('SELECT exec_id, commission, in_csv, perm_id FROM fills').all()).toEqual([
      { exec_id: 'a.1.01', commission: 1, in_csv: 1, perm_id: 9001 },
    ]);
    db.exec(`INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time)
      VALUES ('b.1.01', 'r1', 'manual', 'MSFT', 'SELL', 1, 400, NULL, '2026-11-20T15:32:00Z')`);
    expect(db.prepare('SELECT fills, commissions FROM v_daily_fills').all()).toEqual([{ fills: 2, commissions: 1 }]);
    // Every view still reads (they name `fills`, rebuilt under them).
    const views = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'view'").all();
    for (const { name } of views) expect(() => db.prepare(`SELECT * FROM ${name}`).all(), name).not.toThrow();
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'fills' ORDER BY name").all()).toEqual([
      { name: 'fills_by_order_ref' },
      { name: 'fills_by_run' },
      { name: 'fills_by_time' },
      { name: 'fills_not_in_csv' },
      { name: 'fills_without_commission' },
      { name: 'sqlite_autoindex_fills_1' },
    ]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });
});
