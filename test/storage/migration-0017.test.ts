import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0017 (the rate an order was sized with, cash per currency of an account read)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const at = MIGRATIONS.findIndex((m) => m.id === '0017_order_rates');

  it('keeps older orders in the account currency and counts a foreign order at its rate in the day turnover', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run)
        VALUES ('old', '2026-11-20T15:30:00.000Z', 'ok', '2026-11-20', 0);
      INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, filled_quantity, avg_fill_price, created_at, updated_at)
        VALUES ('old', 'rebal:old:AAPL', 'AAPL', 'BUY', 10, 190, 'Submitted', 1, 10, 190, '2026-11-20T15:30:05.000Z', 'x');
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time)
        VALUES ('e1', 'old', 'rebal:old:AAPL', 'AAPL', 'BUY', 10, 190, 1, '2026-11-20T15:31:00.000Z');`);
    db.exec(`INSERT INTO contract_cache (symbol, con_id, min_tick, primary_exchange, currency, cached_at)
        VALUES ('SHEL', 1, 0.5, 'LSE', 'GBP', '2026-11-20T15:30:00.000Z')`);
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0017_order_rates']);
    // Cached before the price magnifier was read (a pence line would read as pounds): gone.
    expect(db.prepare('SELECT count(*) AS n FROM contract_cache').get()).toEqual({ n: 0 });
    const store = new SqliteStore(db);
    const [old] = store.ordersToReconcile('next');
    expect(old?.orderRef).toBe('rebal:old:AAPL');
    expect(old?.fx).toBeUndefined();
    // A USD order of an SGD account, recorded with its rate, and its fill.
    db.exec(`INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, filled_quantity, avg_fill_price, created_at, updated_at, currency, fx_rate, fx_rate_at, fx_rate_source)
        VALUES ('old', 'rebal:old:SPY', 'SPY', 'BUY', 5, 600, 'Filled', 2, 5, 600, '2026-11-20T15:30:05.000Z', 'x', 'USD', 1.35, '2026-11-20T15:30:01.000Z', 'the account ledger');
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time)
        VALUES ('e2', 'old', 'rebal:old:SPY', 'SPY', 'BUY', 5, 600, 1, '2026-11-20T15:31:00.000Z');`);
    // A London line quoted in pence: 100 at 3514 pence = 3,514.00 GBP, at 1.7 = 5,973.80.
    db.exec(`INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, filled_quantity, avg_fill_price, created_at, updated_at, currency, fx_rate, fx_rate_at, fx_rate_source, price_magnifier)
        VALUES ('old', 'rebal:old:VOD', 'VOD', 'BUY', 100, 3514, 'Filled', 3, 100, 3514, '2026-11-20T15:30:05.000Z', 'x', 'GBP', 1.7, '2026-11-20T15:30:01.000Z', 'the account ledger', 100);
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time)
        VALUES ('e3', 'old', 'rebal:old:VOD', 'VOD', 'BUY', 100, 3514, 2, '2026-11-20T15:31:00.000Z');`);
    // 10 x 190 + 5 x 600 x 1.35 + 100 x 3514 / 100 x 1.7 = 1,900 + 4,050 + 5,973.80.
    expect(store.tradedValueOn('2026-11-20')).toBe(11_923.8);
    const daily = db.prepare('SELECT traded_value FROM v_daily_orders').get() as { traded_value: number };
    expect(daily.traded_value).toBeCloseTo(11_923.8, 9);
    const fills = db.prepare('SELECT notional, commissions FROM v_daily_fills').get() as { notional: number; commissions: number };
    expect(fills.notional).toBeCloseTo(11_923.8, 9);
    expect(fills.commissions).toBeCloseTo(1 + 1.35 + 2 * 1.7, 9);
    expect(store.ordersOf('old').find((o) => o.orderRef === 'rebal:old:VOD')?.priceMagnifier).toBe(100);
    expect(() =>
      db.exec(`INSERT INTO positions (run_id, symbol, quantity, avg_cost, market_price, market_value, weight, target_weight, fx_rate)
        VALUES ('old', 'SPY', 5, 590, 600, 4050, 0.1, 0.1, -1)`),
    ).toThrow(/CHECK constraint failed/);
    expect(() => db.exec(`UPDATE orders SET fx_rate = 0 WHERE order_ref = 'rebal:old:SPY'`)).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
