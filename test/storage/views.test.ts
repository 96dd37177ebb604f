import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot, makeTempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let db: Database.Database;
let store: SqliteStore;

/**
 * Two trading days: on the 19th one run buys AAPL (filled on the 19th); on the 20th run a buys MSFT
 * (partly filled) and trips a breach, run b is blocked and still running.
 */
beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir());
  db = openDatabase(join(dir, 'rebalancer.sqlite'));
  store = new SqliteStore(db, { now: () => '2026-11-20T16:00:00.000Z' });

  store.startRun({ runId: 'd1', startedAt: '2026-11-19T15:30:00.000Z', tradingDay: '2026-11-19', dryRun: false });
  store.recordOrderIntent('d1', anOrder({ orderRef: 'rb:d1:AAPL', quantity: 10, limitPrice: 190 }), '2026-11-19T15:30:05.000Z');
  store.markOrderSent(
    'rb:d1:AAPL',
    aBrokerOrder({ orderRef: 'rb:d1:AAPL', brokerOrderId: 1, status: 'Filled', filledQuantity: 10, avgFillPrice: 189.9 }),
  );
  store.recordFills('d1', [anExecution({ execId: 'x1', orderRef: 'rb:d1:AAPL', quantity: 10, price: 189.9, commission: 1 })]);
  store.recordSnapshot('d1', aSnapshot({ netLiquidation: 99_000 }), [aPosition()]);
  store.finishRun('d1', { finishedAt: '2026-11-19T15:31:00.000Z', status: 'ok', exitCode: 0, tradingState: 'ACTIVE' });

  store.startRun({ runId: 'd2-a', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  store.recordOrderIntent(
    'd2-a',
    anOrder({ orderRef: 'rb:d2-a:MSFT', symbol: 'MSFT', quantity: 20, limitPrice: 400 }),
    '2026-11-20T14:30:05.000Z',
  );
  store.markOrderSent(
    'rb:d2-a:MSFT',
    aBrokerOrder({ orderRef: 'rb:d2-a:MSFT', symbol: 'MSFT', brokerOrderId: 2, status: 'Submitted', filledQuantity: 5 }),
  );
  store.recordOrderIntent(
    'd2-a',
    anOrder({ orderRef: 'rb:d2-a:SPY', symbol: 'SPY', quantity: 1, limitPrice: 500 }),
    '2026-11-20T14:30:06.000Z',
  );
  store.recordFills('d2-a', [
    anExecution({ execId: 'x2', orderRef: 'rb:d2-a:MSFT', symbol: 'MSFT', quantity: 5, price: 399.5, commission: 1 }),
    anExecution({ execId: 'x3', orderRef: 'manual', symbol: 'TSLA', side: 'SELL', quantity: 2, price: 250, commission: 0.5 }),
  ]);
  store.addManagedSymbols(['AAPL', 'MSFT'], 'd2-a');
  store.recordSnapshot('d2-a', aSnapshot({ netLiquidation: 101_000 }), [
    aPosition({ symbol: 'AAPL', weight: 0.2, targetWeight: 0.25 }),
    aPosition({ symbol: 'MSFT', weight: 0.02, targetWeight: 0.2 }),
    aPosition({ symbol: 'GLD', weight: 0.03, targetWeight: 0 }),
  ]);
  store.recordBreaches('d2-a', [{ code: 'PRICE_COLLAR', detail: 'limit 500 vs close 450', symbol: 'SPY' }]);
  store.finishRun('d2-a', { finishedAt: '2026-11-20T14:31:00.000Z', status: 'ok', exitCode: 0 });

  store.startRun({ runId: 'd2-b', startedAt: '2026-11-20T15:30:00.000Z', tradingDay: '2026-11-20', dryRun: true });
  store.recordBreaches('d2-b', [{ code: 'KILL_SWITCH', detail: 'HALT file present' }]);
  store.recordHaltEvent({ action: 'halt', reason: 'manual', at: '2026-11-20T15:00:00.000Z', source: 'cli' });
});
afterEach(async () => {
  db.close();
  await cleanup();
});

const all = (view: string): unknown[] => db.prepare(`SELECT * FROM ${view}`).all();

describe('views', () => {
  it('v_run_summary: one row per run, newest first, with counts', () => {
    expect(all('v_run_summary')).toMatchObject([
      { run_id: 'd2-b', status: 'running', net_liquidation: null, orders: 0, orders_sent: 0, fills: 0, breaches: 1, dry_run: 1 },
      { run_id: 'd2-a', status: 'ok', net_liquidation: 101_000, orders: 2, orders_sent: 1, fills: 2, breaches: 1 },
      { run_id: 'd1', status: 'ok', net_liquidation: 99_000, orders: 1, orders_sent: 1, fills: 1, breaches: 0, trading_state: 'ACTIVE' },
    ]);
  });

  it('v_last_run: the most recent run, even unfinished', () => {
    expect(all('v_last_run')).toMatchObject([{ run_id: 'd2-b', status: 'running', finished_at: null, trading_day: '2026-11-20' }]);
  });

  it('v_latest_snapshot: the newest snapshot with its run', () => {
    expect(all('v_latest_snapshot')).toEqual([
      {
        run_id: 'd2-a',
        taken_at: '2026-11-20T14:30:00.000Z',
        trading_day: '2026-11-20',
        run_status: 'ok',
        net_liquidation: 101_000,
        cash: 81_000,
        gross_position_value: 19_000,
        leverage: 0.19,
        maint_margin: 4_750,
        excess_liquidity: 95_250,
        cushion: 0.9525,
        currency: 'USD',
      },
    ]);
  });

  it('v_latest_positions: target vs actual weight and drift, largest drift first, managed flag', () => {
    const rows = all('v_latest_positions') as Array<{
      symbol: string;
      weight: number;
      target_weight: number;
      drift: number;
      managed: number;
    }>;
    expect(rows.map((r) => [r.symbol, r.weight, r.target_weight, Number(r.drift.toFixed(6)), r.managed])).toEqual([
      ['MSFT', 0.02, 0.2, -0.18, 1],
      ['AAPL', 0.2, 0.25, -0.05, 1],
      ['GLD', 0.03, 0, 0.03, 0],
    ]);
  });

  it('v_open_orders: orders not in a final state, intents included', () => {
    expect(all('v_open_orders')).toMatchObject([
      { order_ref: 'rb:d2-a:MSFT', status: 'Submitted', broker_order_id: 2, filled_quantity: 5, trading_day: '2026-11-20' },
      { order_ref: 'rb:d2-a:SPY', status: 'Intent', broker_order_id: null },
    ]);
  });

  it('v_daily_orders: orders and traded value per trading day', () => {
    expect(all('v_daily_orders')).toEqual([
      { trading_day: '2026-11-20', orders: 2, orders_sent: 1, traded_value: 8000 },
      { trading_day: '2026-11-19', orders: 1, orders_sent: 1, traded_value: 1900 },
    ]);
  });

  it('v_daily_fills: fills, shares, notional and commissions per trading day', () => {
    expect(all('v_daily_fills')).toEqual([
      {
        trading_day: '2026-11-20',
        fills: 2,
        symbols: 2,
        shares_bought: 5,
        shares_sold: 2,
        shares: 7,
        notional: 5 * 399.5 + 500,
        commissions: 1.5,
      },
      { trading_day: '2026-11-19', fills: 1, symbols: 1, shares_bought: 10, shares_sold: 0, shares: 10, notional: 1899, commissions: 1 },
    ]);
  });

  it('v_daily_fills: a fill collected the next day counts on the day its order was placed', () => {
    store.recordFills('d2-b', [anExecution({ execId: 'x4', orderRef: 'rb:d1:AAPL', quantity: 1, price: 190, commission: 0.35 })]);
    expect(all('v_daily_fills')).toMatchObject([
      { trading_day: '2026-11-20', fills: 2 },
      { trading_day: '2026-11-19', fills: 2, shares: 11 },
    ]);
  });

  it('v_run_breaches: breaches with run time and code, newest run first', () => {
    expect(all('v_run_breaches')).toEqual([
      {
        run_id: 'd2-b',
        started_at: '2026-11-20T15:30:00.000Z',
        trading_day: '2026-11-20',
        run_status: 'running',
        code: 'KILL_SWITCH',
        symbol: null,
        detail: 'HALT file present',
      },
      {
        run_id: 'd2-a',
        started_at: '2026-11-20T14:30:00.000Z',
        trading_day: '2026-11-20',
        run_status: 'ok',
        code: 'PRICE_COLLAR',
        symbol: 'SPY',
        detail: 'limit 500 vs close 450',
      },
    ]);
  });

  it('v_halt_state: the latest halt or resume', () => {
    expect(all('v_halt_state')).toEqual([{ halted: 1, action: 'halt', reason: 'manual', at: '2026-11-20T15:00:00.000Z', source: 'cli' }]);
    store.recordHaltEvent({ action: 'resume', reason: 'checked', at: '2026-11-20T15:10:00.000Z', source: 'cli' });
    expect(all('v_halt_state')).toMatchObject([{ halted: 0, action: 'resume' }]);
  });
});
