/**
 * Currency conversions in the records (FX_POLICY=convert, migration 0018), on a real SQLite file: an intent and its
 * fills keep their secType CASH; they are no turnover (tradedValueOn, v_daily_orders, v_daily_fills) and no position
 * of a ticker (ownFillTotals); v_conversions lists them.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { OrderIntent } from '../../src/ports/store.js';
import { aBrokerOrder, anExecution, anOrder, makeTempDir } from './fixtures.js';

const DAY = '2026-12-07';
const NOW = '2026-12-07T15:00:00.000Z';

/** USD.SGD in an SGD account: BUY 20,000 USD at 1.3502 SGD per USD (no rate: the pair's second currency is the account's). */
const conversion = (runId: string, over: Partial<OrderIntent> = {}): OrderIntent => ({
  ...anOrder({
    orderRef: `rebal:${runId}:USD.SGD`,
    secType: 'CASH',
    symbol: 'USD.SGD',
    action: 'BUY',
    quantity: 20_000,
    limitPrice: 1.3502,
    primaryExchange: 'IDEALPRO',
    currency: 'SGD',
  }),
  referencePrice: 1.35,
  ...over,
});

/** SPY in the same SGD account: 10 at 600 USD, sized at 1.35 SGD per USD. */
const stock = (runId: string): OrderIntent => ({
  ...anOrder({ orderRef: `rebal:${runId}:SPY`, symbol: 'SPY', quantity: 10, limitPrice: 600, primaryExchange: 'ARCA', currency: 'USD' }),
  fx: { rate: 1.35, at: '2026-12-07T14:59:00.000Z', source: 'ledger' },
});

describe('records of currency conversions (migration 0018)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  /** A run that converts 20,000 USD and buys 10 SPY, both filled. */
  function dayWithAConversion(store: SqliteStore, runId = 'r1'): void {
    store.startRun({ runId, startedAt: NOW, tradingDay: DAY, dryRun: false });
    store.recordOrderIntents(runId, [conversion(runId), stock(runId)], NOW);
    store.markTurnsTaken([`rebal:${runId}:USD.SGD`, `rebal:${runId}:SPY`]);
    store.markOrderSent(
      `rebal:${runId}:USD.SGD`,
      aBrokerOrder({ orderRef: `rebal:${runId}:USD.SGD`, secType: 'CASH', symbol: 'USD.SGD', brokerOrderId: 11, quantity: 20_000 }),
    );
    store.markOrderSent(`rebal:${runId}:SPY`, aBrokerOrder({ orderRef: `rebal:${runId}:SPY`, symbol: 'SPY', brokerOrderId: 12 }));
    store.recordFills(runId, [
      anExecution({
        execId: `${runId}.fx.01`,
        secType: 'CASH',
        orderRef: `rebal:${runId}:USD.SGD`,
        symbol: 'USD.SGD',
        brokerOrderId: 11,
        quantity: 20_000,
        price: 1.3501,
        commission: 2.7,
        time: '2026-12-07T15:00:02.000Z',
      }),
      anExecution({
        execId: `${runId}.spy.01`,
        orderRef: `rebal:${runId}:SPY`,
        symbol: 'SPY',
        brokerOrderId: 12,
        quantity: 10,
        price: 600,
        commission: 1,
        time: '2026-12-07T15:00:03.000Z',
      }),
    ]);
  }

  it('reads a conversion back as CASH, its fills too, and a stock order and fill without a secType', () => {
    const file = join(dir, 'r.sqlite');
    const store = new SqliteStore(file, { now: () => NOW });
    dayWithAConversion(store);
    const [fx, spy] = store.ordersOf('r1');
    expect(fx).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', quantity: 20_000, limitPrice: 1.3502, status: 'Filled' });
    expect(fx?.fx).toBeUndefined();
    expect(spy?.secType).toBeUndefined();
    expect(spy && 'secType' in spy).toBe(false);
    expect(store.fillsOfOrder('rebal:r1:USD.SGD').map((f) => f.secType)).toEqual(['CASH']);
    expect(store.fillsSince('2026-12-07T00:00:00.000Z').map((f) => [f.symbol, f.secType])).toEqual([
      ['USD.SGD', 'CASH'],
      ['SPY', undefined],
    ]);
    // The trades CSV keeps every fill, the conversion's with its mark.
    expect([...store.tradesCsvRows()].map((f) => f.secType)).toEqual(['CASH', undefined]);
    store.close();
    // Another process reading the same file sees the same.
    const again = new SqliteStore(file, { now: () => NOW });
    expect(again.ordersToReconcile('other')).toEqual([]);
    expect(again.ordersOf('r1').map((o) => o.secType)).toEqual(['CASH', undefined]);
    const reports = new SqliteReportStore(file);
    expect(reports.fillsOn(DAY, NOW).map((f) => [f.symbol, f.secType])).toEqual([
      ['USD.SGD', 'CASH'],
      ['SPY', undefined],
    ]);
    reports.close();
    again.close();
  });

  it('a filled conversion is no turnover and no position: tradedValueOn, the daily views and the ledger count the stock only', () => {
    const db = openDatabase(join(dir, 'r.sqlite'));
    const store = new SqliteStore(db, { now: () => NOW });
    dayWithAConversion(store);
    // 10 x 600 x 1.35 = 8,100 SGD; the 20,000 USD converted (27,002 SGD) is not traded value.
    expect(store.tradedValueOn(DAY)).toBe(8_100);
    const orders = db.prepare('SELECT orders, orders_sent, traded_value FROM v_daily_orders').all();
    expect(orders).toEqual([{ orders: 1, orders_sent: 1, traded_value: expect.closeTo(8_100, 9) }]);
    const fills = db.prepare('SELECT fills, symbols, shares_bought, shares, notional, commissions FROM v_daily_fills').all();
    expect(fills).toEqual([
      { fills: 1, symbols: 1, shares_bought: 10, shares: 10, notional: expect.closeTo(8_100, 9), commissions: expect.closeTo(1.35, 9) },
    ]);
    // The ledger's running totals, and the plain sum of any other prefix: SPY only.
    expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 10 }]);
    expect(store.ownFillTotals('rebal:r1:')).toEqual([{ symbol: 'SPY', quantity: 10 }]);
    db.close();
  });

  it('v_conversions lists each conversion order with its value in the account currency', () => {
    const db = openDatabase(join(dir, 'r.sqlite'));
    const store = new SqliteStore(db, { now: () => NOW });
    dayWithAConversion(store);
    // SGD.HKD in the same SGD account: sell 10,000 SGD at 5.80 HKD per SGD; HKD at 0.1724 SGD: the value is x the rate.
    store.startRun({ runId: 'r2', startedAt: '2026-12-07T16:00:00.000Z', tradingDay: DAY, dryRun: false });
    store.recordOrderIntent(
      'r2',
      conversion('r2', {
        symbol: 'SGD.HKD',
        orderRef: 'rebal:r2:SGD.HKD',
        action: 'SELL',
        quantity: 10_000,
        limitPrice: 5.8,
        currency: 'HKD',
        fx: { rate: 0.1724, at: '2026-12-07T15:59:00.000Z', source: 'IDEALPRO SGD.HKD midpoint' },
      }),
      '2026-12-07T16:00:01.000Z',
    );
    const rows = db.prepare('SELECT * FROM v_conversions').all();
    expect(rows).toEqual([
      {
        run_id: 'r1',
        trading_day: DAY,
        created_at: NOW,
        order_ref: 'rebal:r1:USD.SGD',
        pair: 'USD.SGD',
        side: 'BUY',
        quantity: 20_000,
        limit_price: 1.3502,
        status: 'Filled',
        filled_quantity: 20_000,
        avg_fill_price: 1.3501,
        currency: 'SGD',
        fx_rate: null,
        commissions: 2.7,
        value: 27_002,
        limit_value: 27_004,
      },
      expect.objectContaining({
        run_id: 'r2',
        pair: 'SGD.HKD',
        side: 'SELL',
        status: 'Intent',
        filled_quantity: 0,
        currency: 'HKD',
        fx_rate: 0.1724,
        commissions: null,
        value: 0,
      }),
    ]);
    expect((rows[1] as { limit_value: number }).limit_value).toBeCloseTo(10_000 * 5.8 * 0.1724, 9);
    expect(() => db.exec(`UPDATE orders SET sec_type = 'STK' WHERE order_ref = 'rebal:r1:SPY'`)).toThrow(/CHECK constraint failed/);
    db.close();
  });

  it('a correction of a conversion fill keeps it out of the ledger and the turnover, and the replaced version keeps its mark', () => {
    const db = openDatabase(join(dir, 'r.sqlite'));
    const store = new SqliteStore(db, { now: () => NOW });
    dayWithAConversion(store);
    store.markFillsInCsv(['r1.fx.01']);
    store.recordFills('r1', [
      anExecution({
        execId: 'r1.fx.02',
        secType: 'CASH',
        orderRef: 'rebal:r1:USD.SGD',
        symbol: 'USD.SGD',
        brokerOrderId: 11,
        quantity: 20_000,
        price: 1.35,
        commission: 2.7,
        time: '2026-12-07T15:00:02.000Z',
      }),
    ]);
    expect(store.fillsOfOrder('rebal:r1:USD.SGD').map((f) => [f.execId, f.secType])).toEqual([['r1.fx.02', 'CASH']]);
    expect([...store.tradesCsvRows()].filter((f) => f.symbol === 'USD.SGD').map((f) => [f.execId, f.secType])).toEqual([
      ['r1.fx.01', 'CASH'],
      ['r1.fx.02', 'CASH'],
    ]);
    expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 10 }]);
    expect(store.tradedValueOn(DAY)).toBe(8_100);
    db.close();
  });

  it('migrates a database at 0017 with orders and fills: they stay stocks, counted as before, and the ledger totals go on', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    const at = MIGRATIONS.findIndex((m) => m.id === '0018_conversions');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run)
        VALUES ('old', '2026-12-04T15:30:00.000Z', 'ok', '2026-12-04', 0);
      INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, filled_quantity, avg_fill_price, created_at, updated_at, currency, fx_rate, fx_rate_at, fx_rate_source)
        VALUES ('old', 'rebal:old:SPY', 'SPY', 'BUY', 5, 600, 'Filled', 2, 5, 600, '2026-12-04T15:30:05.000Z', 'x', 'USD', 1.35, '2026-12-04T15:30:01.000Z', 'ledger');
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time)
        VALUES ('e1', 'old', 'rebal:old:SPY', 'SPY', 'BUY', 5, 600, 1, '2026-12-04T15:31:00.000Z');`);
    expect(applyMigrations(db, file)[0]).toBe('0018_conversions');
    const store = new SqliteStore(db, { now: () => NOW });
    expect(store.ordersOf('old')[0]?.secType).toBeUndefined();
    expect(store.fillsOfOrder('rebal:old:SPY')[0]?.secType).toBeUndefined();
    expect(store.tradedValueOn('2026-12-04')).toBe(4_050);
    expect(db.prepare('SELECT traded_value FROM v_daily_orders').get()).toEqual({ traded_value: expect.closeTo(4_050, 9) });
    expect(db.prepare('SELECT fills, notional FROM v_daily_fills').get()).toEqual({ fills: 1, notional: expect.closeTo(4_050, 9) });
    expect(db.prepare('SELECT count(*) AS n FROM v_conversions').get()).toEqual({ n: 0 });
    // The recreated triggers keep the totals of stock fills (a sale of 2, then a conversion that adds nothing).
    dayWithAConversion(store, 'new');
    store.recordFills('new', [anExecution({ execId: 'e2', orderRef: 'rebal:new:SPY', symbol: 'SPY', side: 'SELL', quantity: 2 })]);
    expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 5 + 10 - 2 }]);
    // A fill moved by hand from a conversion to a stock (or back) moves the totals with it.
    db.exec(`UPDATE fills SET sec_type = NULL, symbol = 'SPY' WHERE exec_id = 'new.fx.01'`);
    expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 13 + 20_000 }]);
    db.exec(`UPDATE fills SET sec_type = 'CASH', symbol = 'USD.SGD' WHERE exec_id = 'new.fx.01'`);
    expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 13 }]);
    db.close();
  });
});
