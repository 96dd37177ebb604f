import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { aBrokerOrder, anExecution, anOrder, makeTempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let file: string;
let store: SqliteStore;
const clock = { now: '2026-11-20T15:40:00.000Z' };

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir());
  file = join(dir, 'rebalancer.sqlite');
  store = new SqliteStore(file, { now: () => clock.now });
  for (const [id, at] of [
    ['run-1', '2026-11-20T14:30:00.000Z'],
    ['run-2', '2026-11-20T15:30:00.000Z'],
  ] as const) {
    store.startRun({ runId: id, startedAt: at, tradingDay: '2026-11-20', dryRun: false });
  }
});
afterEach(async () => {
  store.close();
  await cleanup();
});

const REF_A = 'rebal:run-1:AAPL';
const REF_M = 'rebal:run-1:MSFT';

describe('SqliteStore: orders to reconcile', () => {
  it("lists the intents and unfinished orders of earlier runs, and each failed send once, but not the current run's", () => {
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_A }), '2026-11-20T14:30:05.000Z');
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_M, symbol: 'MSFT' }), '2026-11-20T14:30:06.000Z');
    store.recordOrderIntent('run-1', anOrder({ orderRef: 'rebal:run-1:SPY', symbol: 'SPY' }), '2026-11-20T14:30:07.000Z');
    store.recordOrderIntent('run-1', anOrder({ orderRef: 'rebal:run-1:KO', symbol: 'KO' }), '2026-11-20T14:30:08.000Z');
    store.markOrderSent(REF_M, aBrokerOrder({ orderRef: REF_M, symbol: 'MSFT', status: 'Submitted' }));
    store.markOrderFailed('rebal:run-1:SPY', 'timeout: it may have reached the broker');
    store.markOrderSent('rebal:run-1:KO', aBrokerOrder({ orderRef: 'rebal:run-1:KO', symbol: 'KO', brokerOrderId: 102, status: 'Filled' }));
    expect(store.ordersToReconcile('run-2').map((o) => [o.orderRef, o.status])).toEqual([
      [REF_A, 'Intent'],
      [REF_M, 'Submitted'],
      ['rebal:run-1:SPY', 'SendFailed'],
    ]);
    expect(store.ordersToReconcile('run-1')).toEqual([]);

    store.recordReconciliation('rebal:run-1:SPY', {
      status: 'SendFailed',
      filledQuantity: 0,
      avgFillPrice: 0,
      message: 'not at the broker',
      at: '2026-11-20T15:30:00.000Z',
    });
    store.recordReconciliation(REF_A, {
      status: 'NotSent',
      filledQuantity: 0,
      avgFillPrice: 0,
      message: 'not at the broker',
      at: '2026-11-20T15:30:00.000Z',
    });
    expect(store.ordersToReconcile('run-2').map((o) => o.orderRef)).toEqual([REF_M]);
    expect(store.ordersOf('run-1').find((o) => o.orderRef === REF_A)).toMatchObject({ status: 'NotSent', message: 'not at the broker' });
  });

  it('records the broker ids of a recovered intent, but never overwrites an order id already recorded', () => {
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_A }), '2026-11-20T14:30:05.000Z');
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_M, symbol: 'MSFT' }), '2026-11-20T14:30:06.000Z');
    store.markOrderSent(REF_M, aBrokerOrder({ orderRef: REF_M, symbol: 'MSFT', brokerOrderId: 3, permId: 7003 }));
    const at = '2026-11-20T15:30:00.000Z';
    store.recordReconciliation(REF_A, {
      status: 'Submitted',
      brokerOrderId: 3,
      permId: 8001,
      filledQuantity: 0,
      avgFillPrice: 0,
      message: 'found',
      at,
    });
    store.recordReconciliation(REF_M, {
      status: 'Filled',
      brokerOrderId: 99,
      permId: 9999,
      filledQuantity: 10,
      avgFillPrice: 190,
      message: 'filled',
      at,
    });
    const [a, m] = store.ordersOf('run-1');
    expect(a).toMatchObject({ status: 'Submitted', brokerOrderId: 3, permId: 8001, message: 'found' });
    expect(m).toMatchObject({ status: 'Filled', brokerOrderId: 3, permId: 7003, filledQuantity: 10 });
    expect(() =>
      store.recordReconciliation('rebal:ghost', { status: 'NotSent', filledQuantity: 0, avgFillPrice: 0, message: 'x', at }),
    ).toThrow(/not recorded/);
  });

  it("brings an order's fill figures up to date from its recorded fills, and marks it Filled once they cover it", () => {
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_A }), '2026-11-20T14:30:05.000Z');
    store.markOrderSent(REF_A, aBrokerOrder({ orderRef: REF_A, status: 'Cancelled', filledQuantity: 2, avgFillPrice: 190 }));
    store.recordFills('run-2', [anExecution({ execId: 'e1', orderRef: REF_A, quantity: 4, price: 190 })]);
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 4, avgFillPrice: 190 });
    store.recordFills('run-2', [anExecution({ execId: 'e2', orderRef: REF_A, quantity: 6, price: 191 })]);
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'Filled', filledQuantity: 10, avgFillPrice: 190.6 });
    expect(store.fillsOfOrder(REF_A).map((f) => f.execId)).toEqual(['e1', 'e2']);
    expect(store.hasFill('e2')).toBe(true);
    expect(store.hasFill('e3')).toBe(false);
  });

  it("leaves an unsent intent's status to the reconciliation when its fills are recorded first", () => {
    store.recordOrderIntent('run-1', anOrder({ orderRef: REF_A }), '2026-11-20T14:30:05.000Z');
    store.recordFills('run-2', [anExecution({ execId: 'e1', orderRef: REF_A, quantity: 10 })]);
    expect(store.ordersOf('run-1')[0]).toMatchObject({ status: 'Intent', filledQuantity: 10 });
    expect(store.ordersToReconcile('run-2').map((o) => o.orderRef)).toEqual([REF_A]);
  });
});

describe('SqliteStore: ledger', () => {
  it('sums the fills of own orders per ticker, sells negative, and leaves out orders of others', () => {
    store.recordFills('run-1', [
      anExecution({ execId: 'e1', orderRef: REF_A, quantity: 10 }),
      anExecution({ execId: 'e2', orderRef: REF_A, quantity: 4, side: 'SELL' }),
      anExecution({ execId: 'e3', orderRef: 'manual', quantity: 100 }),
      anExecution({ execId: 'e4', orderRef: REF_M, symbol: 'MSFT', quantity: 3 }),
    ]);
    expect(store.ownFillTotals('rebal:')).toEqual([
      { symbol: 'AAPL', quantity: 6 },
      { symbol: 'MSFT', quantity: 3 },
    ]);
  });

  it('records one baseline per ticker, and any number of accepted adjustments', () => {
    const base = {
      symbol: 'AAPL',
      kind: 'baseline' as const,
      quantity: 100,
      ledgerBefore: 0,
      brokerQuantity: 100,
      reason: 'first',
      runId: 'run-1',
      at: 'x',
      source: 'run run-1',
    };
    expect(store.recordLedgerAdjustment(base)).toBe(true);
    expect(store.recordLedgerAdjustment({ ...base, quantity: 50, reason: 'second' })).toBe(false);
    expect(
      store.recordLedgerAdjustment({ ...base, kind: 'accept', quantity: 5, reason: 'manual buy', runId: 'run-2', source: 'operator me' }),
    ).toBe(true);
    expect(
      store.recordLedgerAdjustment({ ...base, kind: 'accept', quantity: -1, reason: 'again', runId: undefined, source: 'operator me' }),
    ).toBe(true);
    expect(store.ledgerAdjustments().map((a) => [a.kind, a.quantity, a.reason, a.runId])).toEqual([
      ['baseline', 100, 'first', 'run-1'],
      ['accept', 5, 'manual buy', 'run-2'],
      ['accept', -1, 'again', undefined],
    ]);
  });

  it('returns the check of the latest run that recorded one, and v_ledger / v_position_breaks answer in one SELECT', () => {
    store.addManagedSymbols(['AAPL', 'MSFT'], 'run-1');
    store.recordLedgerAdjustment({
      symbol: 'AAPL',
      kind: 'baseline',
      quantity: 100,
      ledgerBefore: 0,
      brokerQuantity: 100,
      reason: 'b',
      runId: 'run-1',
      at: 'x',
      source: 's',
    });
    store.recordFills('run-1', [anExecution({ execId: 'e1', orderRef: REF_A, quantity: 10 })]);
    store.recordLedgerCheck('run-1', [{ symbol: 'AAPL', ledgerQuantity: 100, brokerQuantity: 100 }]);
    store.recordLedgerCheck('run-2', [
      { symbol: 'AAPL', ledgerQuantity: 110, brokerQuantity: 115 },
      { symbol: 'MSFT', ledgerQuantity: 0, brokerQuantity: 0 },
    ]);
    expect(store.latestLedgerCheck()).toEqual({
      runId: 'run-2',
      at: '2026-11-20T15:30:00.000Z',
      lines: [
        { symbol: 'AAPL', ledgerQuantity: 110, brokerQuantity: 115 },
        { symbol: 'MSFT', ledgerQuantity: 0, brokerQuantity: 0 },
      ],
    });
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT symbol, has_baseline, baseline, own_fills, ledger_quantity FROM v_ledger').all()).toEqual([
      { symbol: 'AAPL', has_baseline: 1, baseline: 100, own_fills: 10, ledger_quantity: 110 },
      { symbol: 'MSFT', has_baseline: 0, baseline: 0, own_fills: 0, ledger_quantity: 0 },
    ]);
    expect(db.prepare('SELECT run_id, symbol, difference FROM v_position_breaks').all()).toEqual([
      { run_id: 'run-2', symbol: 'AAPL', difference: 5 },
    ]);
    db.close();
  });
});

describe('SqliteStore: abandoned runs', () => {
  it('marks every other run still running as failed with the message, and returns them', () => {
    store.finishRun('run-1', { finishedAt: '2026-11-20T14:31:00.000Z', status: 'ok', exitCode: 0 });
    store.startRun({ runId: 'run-3', startedAt: '2026-11-20T16:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
    const failed = store.failAbandonedRuns('run-3', 'killed or crashed: did not finish');
    expect(failed.map((r) => [r.runId, r.status])).toEqual([['run-2', 'running']]);
    expect(store.recentRuns(3).map((r) => [r.runId, r.status, r.error])).toEqual([
      ['run-3', 'running', undefined],
      ['run-2', 'failed', 'killed or crashed: did not finish'],
      ['run-1', 'ok', undefined],
    ]);
    expect(store.failAbandonedRuns('run-3', 'again')).toEqual([]);
  });
});
