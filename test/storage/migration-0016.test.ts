import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0016 (an intent awaiting its turn)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const at = MIGRATIONS.findIndex((m) => m.id === '0016_order_turns');

  it('an intent recorded before it may have been sent: it is not taken for one that never was', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run)
        VALUES ('old', '2026-11-20T15:30:00.000Z', 'running', '2026-11-20', 0);
      INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, filled_quantity, avg_fill_price, created_at, updated_at)
        VALUES ('old', 'rebal:old:AAPL', 'AAPL', 'BUY', 10, 190.05, 'Intent', 0, 0, '2026-11-20T15:30:05.000Z', 'x');`);
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0016_order_turns']);
    const store = new SqliteStore(db);
    const [old] = store.ordersToReconcile('next');
    expect(old?.orderRef).toBe('rebal:old:AAPL');
    expect(old?.awaitingTurn).toBeUndefined();
    // The column takes 0 or 1 only.
    expect(() => db.exec(`UPDATE orders SET awaiting_turn = 2`)).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
