import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { anExecution, makeTempDir } from './fixtures.js';

describe('migration 0014 (hourly queries bounded: orders to reconcile, running fill totals, the mark of trades.csv)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const at = MIGRATIONS.findIndex((m) => m.id === '0014_hourly_query_bounds');
  const SUM_EVERY_FILL = `SELECT symbol, sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END) AS quantity
    FROM fills WHERE substr(order_ref, 1, 6) = 'rebal:' GROUP BY symbol ORDER BY symbol`;

  it('a database with fills before it gets running totals equal to the sum of every fill; later fills and corrections keep them so', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('r1', '2026-11-20T15:30:00Z', 'ok', '2026-11-20', 0)`);
    const fill = db.prepare(
      `INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, in_csv)
       VALUES (?, 'r1', ?, ?, ?, ?, 10, 1, '2026-11-20T15:31:00Z', 1)`,
    );
    fill.run('e1', 'rebal:r1:AAPL', 'AAPL', 'BUY', 10);
    fill.run('e2', 'rebal:r1:AAPL', 'AAPL', 'SELL', 4);
    fill.run('e3', 'manual', 'AAPL', 'BUY', 100);
    fill.run('e4', 'rebal:r1:MSFT', 'MSFT', 'BUY', 0.1);
    fill.run('e5', 'rebal:r1:MSFT', 'MSFT', 'BUY', 0.2);
    fill.run('e6', 'rebal:r1:MSFT', 'MSFT', 'BUY', 0.3);
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0014_hourly_query_bounds']);

    const store = new SqliteStore(db);
    expect(store.ownFillTotals('rebal:')).toEqual(db.prepare(SUM_EVERY_FILL).all());
    expect(store.ownFillTotals('rebal:')).toEqual([
      { symbol: 'AAPL', quantity: 6 },
      { symbol: 'MSFT', quantity: 0.6 },
    ]);
    // A later fill, and a correction of one (the replaced version deleted, the correction inserted).
    store.recordFills('r1', [anExecution({ execId: '0000e0d5.0001.01.01', orderRef: 'rebal:r1:KO', symbol: 'KO', quantity: 7 })]);
    store.recordFills('r1', [anExecution({ execId: '0000e0d5.0001.01.02', orderRef: 'rebal:r1:KO', symbol: 'KO', quantity: 5 })]);
    expect(store.ownFillTotals('rebal:')).toEqual([
      { symbol: 'AAPL', quantity: 6 },
      { symbol: 'KO', quantity: 5 },
      { symbol: 'MSFT', quantity: 0.6 },
    ]);
    expect(store.ownFillTotals('rebal:')).toEqual(db.prepare(SUM_EVERY_FILL).all());
    // A row changed by hand in the sqlite3 shell moves its total too.
    db.exec(`UPDATE fills SET quantity = 3 WHERE exec_id = 'e2'`);
    expect(store.ownFillTotals('rebal:')).toEqual(db.prepare(SUM_EVERY_FILL).all());
    // Fills already written to trades.csv before the migration: no mark yet, so the next run reads the file once.
    expect(store.tradesCsvMark()).toBeUndefined();
    db.close();
  });

  it('the orders a run reconciles are read through the partial index, whatever their number', () => {
    const file = join(dir, 'new.sqlite');
    const db = new Database(file);
    applyMigrations(db, file);
    const store = new SqliteStore(db);
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('r0', '2026-11-20T15:30:00Z', 'ok', '2026-11-20', 0)`);
    const order = db.prepare(
      `INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, created_at, updated_at, reconciled_at, outcome_accepted_at)
       VALUES ('r0', ?, 'AAPL', 'BUY', 1, 10, ?, '2026-11-20T15:30:00Z', '2026-11-20T15:30:00Z', ?, ?)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 2000; i += 1) order.run(`rebal:r0:F${i}`, 'Filled', null, null);
    })();
    order.run('rebal:r0:W', 'Submitted', null, null);
    order.run('rebal:r0:S', 'SendFailed', null, null);
    order.run('rebal:r0:S2', 'SendFailed', '2026-11-20T16:30:00Z', null);
    order.run('rebal:r0:U', 'Unknown', null, null);
    order.run('rebal:r0:U2', 'Unknown', null, '2026-11-20T16:30:00Z');
    expect(store.ordersToReconcile('r9').map((o) => o.orderRef)).toEqual(['rebal:r0:W', 'rebal:r0:S', 'rebal:r0:U']);
    const indexed = db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM orders INDEXED BY orders_to_reconcile WHERE
        status NOT IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected', 'SendFailed', 'NotSent', 'Unknown')
        OR (status = 'SendFailed' AND reconciled_at IS NULL) OR (status = 'Unknown' AND outcome_accepted_at IS NULL)`);
    expect(indexed.get()?.n).toBe(3);
    db.close();
  });
});
