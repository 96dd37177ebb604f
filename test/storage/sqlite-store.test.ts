import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { StorageError } from '../../src/errors.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot, makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let file: string;
let store: SqliteStore;
const clock = { now: '2026-11-20T15:40:00.000Z' };

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  file = join(dir, 'rebalancer.sqlite');
  store = new SqliteStore(file, { now: () => clock.now });
});
afterEach(async () => {
  store.close();
  await cleanup();
});

const start = (runId: string, startedAt: string, tradingDay = startedAt.slice(0, 10), dryRun = false): void =>
  store.startRun({ runId, startedAt, tradingDay, dryRun });

describe('SqliteStore runs', () => {
  it('records a run as running, then finished, and reads it back', () => {
    start('run-1', '2026-11-20T14:30:00.000Z', '2026-11-20', true);
    expect(store.previousRun()).toEqual({
      runId: 'run-1',
      startedAt: '2026-11-20T14:30:00.000Z',
      status: 'running',
      tradingDay: '2026-11-20',
      dryRun: true,
    });
    store.finishRun('run-1', {
      finishedAt: '2026-11-20T14:31:00.000Z',
      status: 'blocked',
      exitCode: 3,
      error: 'limits',
      tradingState: 'HALTED',
    });
    expect(store.previousRun()).toMatchObject({
      status: 'blocked',
      exitCode: 3,
      error: 'limits',
      tradingState: 'HALTED',
      finishedAt: '2026-11-20T14:31:00.000Z',
    });
  });

  it('previousRun skips the given run; recentRuns lists newest first', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    start('run-2', '2026-11-20T15:30:00.000Z');
    start('run-3', '2026-11-20T16:30:00.000Z');
    expect(store.previousRun('run-3')?.runId).toBe('run-2');
    expect(store.previousRun()?.runId).toBe('run-3');
    expect(store.recentRuns(2).map((r) => r.runId)).toEqual(['run-3', 'run-2']);
  });

  it('has no previous run on a new database', () => {
    expect(store.previousRun()).toBeUndefined();
    expect(store.recentRuns(5)).toEqual([]);
  });

  it('refuses to start the same run twice and to finish a run that never started', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    expect(() => start('run-1', '2026-11-20T14:30:00.000Z')).toThrow(StorageError);
    expect(() => store.finishRun('nope', { finishedAt: 'x', status: 'ok', exitCode: 0 })).toThrow(`${file}: no run nope to finish`);
  });
});

describe('SqliteStore breaches', () => {
  it('stores breaches with their run, symbol optional, in order', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    store.recordBreaches('run-1', [
      { code: 'MISSING_PRICE', detail: 'no price for XYZ', symbol: 'XYZ' },
      { code: 'LEVERAGE_LIMIT', detail: 'leverage=1.8 max=1.5' },
    ]);
    expect(store.breachesOf('run-1')).toEqual([
      { code: 'MISSING_PRICE', detail: 'no price for XYZ', symbol: 'XYZ' },
      { code: 'LEVERAGE_LIMIT', detail: 'leverage=1.8 max=1.5' },
    ]);
    expect(store.breachesOf('run-2')).toEqual([]);
  });
});

describe('SqliteStore orders', () => {
  beforeEach(() => start('run-1', '2026-11-20T15:30:00.000Z'));

  it('records an intent, then the broker ids and status, then status updates', () => {
    store.recordOrderIntent('run-1', anOrder(), '2026-11-20T15:30:05.000Z');
    expect(store.ordersOf('run-1')).toEqual([
      {
        runId: 'run-1',
        orderRef: 'rb:run-1:AAPL',
        symbol: 'AAPL',
        action: 'BUY',
        quantity: 10,
        limitPrice: 190.05,
        status: 'Intent',
        filledQuantity: 0,
        avgFillPrice: 0,
        createdAt: '2026-11-20T15:30:05.000Z',
      },
    ]);
    store.markOrderSent('rb:run-1:AAPL', aBrokerOrder({ status: 'PreSubmitted' }));
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'PreSubmitted', brokerOrderId: 101, permId: 9001 });

    store.updateOrderStatuses([
      aBrokerOrder({ status: 'Filled', filledQuantity: 10, avgFillPrice: 190.01 }),
      aBrokerOrder({ orderRef: 'someone-else', brokerOrderId: 555 }),
    ]);
    expect(store.ordersOf('run-1')).toHaveLength(1);
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'Filled', filledQuantity: 10, avgFillPrice: 190.01 });
  });

  it('refuses a second intent with the same orderRef, even from another run', () => {
    start('run-2', '2026-11-20T16:30:00.000Z');
    store.recordOrderIntent('run-1', anOrder(), '2026-11-20T15:30:05.000Z');
    expect(() => store.recordOrderIntent('run-2', anOrder(), '2026-11-20T16:30:05.000Z')).toThrow(StorageError);
    expect(() => store.recordOrderIntent('run-2', anOrder(), '2026-11-20T16:30:05.000Z')).toThrow(
      /rb:run-1:AAPL is already recorded \(run run-1, status Intent\)/,
    );
    expect(store.ordersOf('run-2')).toEqual([]);
  });

  it('records a send failure with its message; the order is then final', () => {
    store.recordOrderIntent('run-1', anOrder(), '2026-11-20T15:30:05.000Z');
    store.markOrderFailed('rb:run-1:AAPL', 'socket closed');
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'SendFailed', message: 'socket closed' });
  });

  it('refuses to mark as sent an order that has no intent', () => {
    expect(() => store.markOrderSent('rb:ghost', aBrokerOrder({ orderRef: 'rb:ghost' }))).toThrow(
      /rb:ghost was sent but has no recorded intent/,
    );
    expect(() => store.markOrderFailed('rb:ghost', 'x')).toThrow(StorageError);
  });

  it('a status update fills in the broker ids of an intent whose send was interrupted', () => {
    store.recordOrderIntent('run-1', anOrder(), '2026-11-20T15:30:05.000Z');
    store.updateOrderStatuses([aBrokerOrder({ status: 'Submitted' })]);
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'Submitted', brokerOrderId: 101, permId: 9001 });
  });

  it('refuses an intent for a run that was never started', () => {
    expect(() => store.recordOrderIntent('no-such-run', anOrder({ orderRef: 'x' }), 'x')).toThrow(/FOREIGN KEY/);
  });
});

describe('SqliteStore fills', () => {
  beforeEach(() => {
    start('run-1', '2026-11-20T15:30:00.000Z');
    start('run-2', '2026-11-20T16:30:00.000Z');
  });

  it('inserts each execution once, even when two runs record it, and returns only the new ones', () => {
    const a = anExecution({ execId: 'e1' });
    const b = anExecution({ execId: 'e2', quantity: 5, time: '2026-11-20T15:32:00.000Z' });
    expect(store.recordFills('run-1', [a])).toEqual([a]);
    expect(store.recordFills('run-2', [a, b, b])).toEqual([b]);
    expect(store.recordFills('run-2', [a, b])).toEqual([]);
    expect(store.fillsNotInCsv().map((f) => [f.execId, f.runId])).toEqual([
      ['e1', 'run-1'],
      ['e2', 'run-2'],
    ]);
  });

  it('lists fills not yet in the CSV oldest first, and forgets them once marked', () => {
    store.recordFills('run-1', [
      anExecution({ execId: 'late', time: '2026-11-20T15:59:00.000Z' }),
      anExecution({ execId: 'early', time: '2026-11-20T15:31:00.000Z', permId: undefined }),
    ]);
    const pending = store.fillsNotInCsv();
    expect(pending.map((f) => f.execId)).toEqual(['early', 'late']);
    expect(pending[0]).toEqual({
      ...anExecution({ execId: 'early', time: '2026-11-20T15:31:00.000Z' }),
      permId: undefined,
      runId: 'run-1',
    });
    store.markFillsInCsv(['early', 'not-a-fill']);
    expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(['late']);
  });
});

describe('SqliteStore snapshots and positions', () => {
  it('stores a snapshot taken at the run start with its positions', () => {
    start('run-1', '2026-11-20T15:30:00.000Z');
    store.recordSnapshot('run-1', aSnapshot(), [aPosition(), aPosition({ symbol: 'MSFT', quantity: -5, weight: -0.02, targetWeight: 0 })]);
    expect(store.latestSnapshot()).toEqual({ runId: 'run-1', takenAt: '2026-11-20T15:30:00.000Z', ...aSnapshot() });
    expect(store.positionsOf('run-1')).toEqual([aPosition(), aPosition({ symbol: 'MSFT', quantity: -5, weight: -0.02, targetWeight: 0 })]);
  });

  it('refuses a second snapshot of the same run, and leaves the first whole', () => {
    start('run-1', '2026-11-20T15:30:00.000Z');
    store.recordSnapshot('run-1', aSnapshot(), [aPosition()]);
    expect(() => store.recordSnapshot('run-1', aSnapshot({ netLiquidation: 1 }), [aPosition({ symbol: 'SPY' })])).toThrow(/UNIQUE/);
    expect(store.latestSnapshot()?.netLiquidation).toBe(100_000);
    expect(store.positionsOf('run-1').map((p) => p.symbol)).toEqual(['AAPL']);
  });

  it('refuses a snapshot of an unknown run', () => {
    expect(() => store.recordSnapshot('ghost', aSnapshot(), [])).toThrow(`${file}: no run ghost to attach a snapshot to`);
  });

  it('startOfDayNetLiquidation is the NLV of the first snapshot of that trading day', () => {
    start('d1-a', '2026-11-19T20:30:00.000Z', '2026-11-19');
    start('d2-a', '2026-11-20T14:30:00.000Z', '2026-11-20');
    start('d2-b', '2026-11-20T15:30:00.000Z', '2026-11-20');
    store.recordSnapshot('d1-a', aSnapshot({ netLiquidation: 90_000 }), []);
    // Recorded out of order on purpose: the earlier run's snapshot still counts as the day's first.
    store.recordSnapshot('d2-b', aSnapshot({ netLiquidation: 101_000 }), []);
    store.recordSnapshot('d2-a', aSnapshot({ netLiquidation: 100_500 }), []);
    expect(store.startOfDayNetLiquidation('2026-11-20')).toBe(100_500);
    expect(store.startOfDayNetLiquidation('2026-11-19')).toBe(90_000);
    expect(store.startOfDayNetLiquidation('2026-11-21')).toBeUndefined();
    expect(store.latestSnapshot()?.runId).toBe('d2-b');
  });

  it('startOfDayNetLiquidation skips a snapshot without a positive NLV (a gateway that had just restarted)', () => {
    start('d3-a', '2026-11-23T14:30:00.000Z', '2026-11-23');
    start('d3-b', '2026-11-23T15:30:00.000Z', '2026-11-23');
    store.recordSnapshot('d3-a', aSnapshot({ netLiquidation: 0 }), []);
    store.recordSnapshot('d3-b', aSnapshot({ netLiquidation: 99_000 }), []);
    expect(store.startOfDayNetLiquidation('2026-11-23')).toBe(99_000);
  });
});

describe('SqliteStore traded value', () => {
  it('sums the filled value of the day’s orders, so an order resent after an unfilled cancel does not count twice', () => {
    start('d1', '2026-11-19T15:30:00.000Z', '2026-11-19');
    start('d2-a', '2026-11-20T14:30:00.000Z', '2026-11-20');
    start('d2-b', '2026-11-20T15:30:00.000Z', '2026-11-20');
    const send = (runId: string, ref: string, quantity: number, limitPrice: number, id: number | undefined): void => {
      store.recordOrderIntent(runId, anOrder({ orderRef: ref, quantity, limitPrice }), '2026-11-20T15:30:05.000Z');
      if (id !== undefined) store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, brokerOrderId: id, quantity, limitPrice }));
    };
    const fill = (runId: string, ref: string, execId: string, quantity: number, price: number): void => {
      store.recordFills(runId, [anExecution({ execId, orderRef: ref, quantity, price })]);
    };
    send('d1', 'a', 100, 10, 1); // another day
    fill('d1', 'a', 'e1', 100, 10); // 1000
    send('d2-a', 'b', 10, 190.05, 2); // partly filled, then cancelled by the next run
    fill('d2-b', 'b', 'e2', 6, 190); // 1140
    send('d2-b', 'b2', 4, 190.05, 4); // the remainder, sent again: nothing filled yet
    send('d2-b', 'c', 3, 0.1, 3);
    fill('d2-b', 'c', 'e3', 3, 0.1); // 0.30 (0.1 x 3 is 0.30000000000000004 in floats)
    send('d2-b', 'd', 1000, 50, undefined); // never reached the broker
    store.markOrderFailed('d', 'rejected locally');
    expect(store.tradedValueOn('2026-11-20')).toBe(1140.3);
    expect(store.tradedValueOn('2026-11-19')).toBe(1000);
    expect(store.tradedValueOn('2026-11-18')).toBe(0);
  });
});

describe('SqliteStore managed symbols, halt events, emails', () => {
  it('keeps managed symbols once each, with the first and the last run that managed them', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    start('run-2', '2026-11-20T15:30:00.000Z');
    store.addManagedSymbols(['MSFT', 'AAPL'], 'run-1');
    store.addManagedSymbols(['AAPL', 'SPY', 'SPY'], 'run-2');
    expect(store.managedSymbols()).toEqual(['AAPL', 'MSFT', 'SPY']);
    const db = openDatabase(file);
    expect(db.prepare('SELECT * FROM managed_symbols ORDER BY symbol').all()).toEqual([
      { symbol: 'AAPL', first_run_id: 'run-1', last_run_id: 'run-2' },
      { symbol: 'MSFT', first_run_id: 'run-1', last_run_id: 'run-1' },
      { symbol: 'SPY', first_run_id: 'run-2', last_run_id: 'run-2' },
    ]);
    db.close();
  });

  it('records halt events and emails', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    store.recordHaltEvent({ action: 'halt', reason: 'daily loss 3.2%', at: '2026-11-20T14:31:00.000Z', source: 'run run-1' });
    store.recordEmail({
      kind: 'alert',
      tradingDay: '2026-11-20',
      subject: 'BLOCKED',
      status: 'sent',
      at: '2026-11-20T14:31:05.000Z',
      runId: 'run-1',
    });
    store.recordEmail({ kind: 'end', tradingDay: '2026-11-20', subject: 'End of day', status: 'outbox', at: '2026-11-20T21:00:00.000Z' });
    const db = openDatabase(file);
    expect(db.prepare('SELECT action, reason, at, source FROM halt_events').all()).toEqual([
      { action: 'halt', reason: 'daily loss 3.2%', at: '2026-11-20T14:31:00.000Z', source: 'run run-1' },
    ]);
    expect(db.prepare('SELECT kind, trading_day, subject, status, at, run_id FROM emails ORDER BY id').all()).toEqual([
      { kind: 'alert', trading_day: '2026-11-20', subject: 'BLOCKED', status: 'sent', at: '2026-11-20T14:31:05.000Z', run_id: 'run-1' },
      { kind: 'end', trading_day: '2026-11-20', subject: 'End of day', status: 'outbox', at: '2026-11-20T21:00:00.000Z', run_id: null },
    ]);
    db.close();
  });
});

describe('SqliteStore persistence', () => {
  it('everything written is there after the store is closed and the file re-opened', () => {
    start('run-1', '2026-11-20T14:30:00.000Z');
    store.recordFills('run-1', [anExecution()]);
    store.close();
    store = new SqliteStore(file);
    expect(store.previousRun()?.runId).toBe('run-1');
    expect(store.recordFills('run-1', [anExecution()])).toEqual([]);
  });

  it('accepts an open connection and leaves it open on close', () => {
    const db = openDatabase(join(dir, 'shared.sqlite'));
    const shared = new SqliteStore(db);
    shared.startRun({ runId: 'r', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
    shared.close();
    expect(db.open).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 1 });
    db.close();
  });
});
