/**
 * The store ports' contract, run against the SQLite adapter (the reference) and the in-memory fake of
 * test/support: the same tests must pass on both, which is what lets the run's unit tests use the fake. The
 * last part replays random sequences of writes on both side by side and compares every answer.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { RECORDED_ORDER_STATUSES, type RecordedOrderStatus } from '../../src/core/order-status.js';
import type { BrokerOrder, Execution, OrderStatusName } from '../../src/core/types.js';
import { StorageError } from '../../src/errors.js';
import type { ContractCache } from '../../src/ports/contract-cache.js';
import type { CashFlowRecord, ModificationIntent, ModificationOutcome, ReportStore, RunStatus, RunStore } from '../../src/ports/store.js';
import { MemoryContractCache } from '../support/memory-contract-cache.js';
import { MemoryDatabase, MemoryReportStore, MemoryStore } from '../support/memory-store.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot, makeTempDir } from './fixtures.js';

const NOW = '2026-11-20T15:40:00.000Z';

/** Halt events and emails as stored: RunStore writes them but has no method to read them back. */
interface Raw {
  haltEvents(): { action: string; reason: string; at: string; source: string }[];
  emails(): {
    kind: string;
    tradingDay: string;
    subject: string;
    status: string;
    at: string;
    runId: string | null;
    alertKey: string | null;
  }[];
  managed(): { symbol: string; firstRunId: string; lastRunId: string }[];
}

interface Stores {
  store: RunStore;
  reports: ReportStore;
  /** What the stores' StorageErrors name. */
  file: string;
}

/** One implementation of the ports, opened fresh for each test. */
interface Subject extends Stores {
  raw: Raw;
  /** New stores on the same records, as a later process opening the same file. */
  reopen(): Stores;
  /** Stores that own their database: closing one closes it. */
  openOwned(): Stores;
  cache(): ContractCache;
  cleanup(): Promise<void>;
}

async function sqliteSubject(): Promise<Subject> {
  const { dir, cleanup } = await makeTempDir();
  const file = join(dir, 'rebalancer.sqlite');
  const db = openDatabase(file);
  const toClose: { close(): void }[] = [];
  const track = <T extends { close(): void }>(x: T): T => {
    toClose.push(x);
    return x;
  };
  const rows = <T>(sql: string): T[] => db.prepare<[], T>(sql).all();
  return {
    file,
    store: new SqliteStore(db, { now: () => NOW }),
    reports: new SqliteReportStore(db),
    raw: {
      haltEvents: () => rows('SELECT action, reason, at, source FROM halt_events ORDER BY id'),
      emails: () =>
        rows('SELECT kind, trading_day AS tradingDay, subject, status, at, run_id AS runId, alert_key AS alertKey FROM emails ORDER BY id'),
      managed: () => rows('SELECT symbol, first_run_id AS firstRunId, last_run_id AS lastRunId FROM managed_symbols ORDER BY symbol'),
    },
    reopen: () => ({ file, store: track(new SqliteStore(file, { now: () => NOW })), reports: track(new SqliteReportStore(file)) }),
    openOwned: () => {
      const owned = join(dir, 'owned.sqlite');
      return { file: owned, store: track(new SqliteStore(owned, { now: () => NOW })), reports: track(new SqliteReportStore(owned)) };
    },
    cache: () => track(new SqliteContractCache(file)),
    cleanup: async () => {
      for (const x of toClose) x.close();
      db.close();
      await cleanup();
    },
  };
}

async function memorySubject(): Promise<Subject> {
  const db = new MemoryDatabase('/tmp/memory/rebalancer.sqlite');
  const raw: Raw = {
    haltEvents: () => db.haltEvents.map(({ action, reason, at, source }) => ({ action, reason, at, source })),
    emails: () =>
      db.emails.map(({ kind, tradingDay, subject, status, at, runId, alertKey }) => ({
        kind,
        tradingDay,
        subject,
        status,
        at,
        runId: runId ?? null,
        alertKey: alertKey ?? null,
      })),
    managed: () => [...db.managedSymbols].sort((a, b) => (a.symbol < b.symbol ? -1 : 1)).map((m) => ({ ...m })),
  };
  const cache = new MemoryContractCache(db.name);
  return {
    file: db.name,
    store: new MemoryStore(db, { now: () => NOW }),
    reports: new MemoryReportStore(db),
    raw,
    reopen: () => ({ file: db.name, store: new MemoryStore(db, { now: () => NOW }), reports: new MemoryReportStore(db) }),
    openOwned: () => {
      const owned = new MemoryDatabase('/tmp/memory/owned.sqlite');
      return {
        file: owned.name,
        store: new MemoryStore(owned, { now: () => NOW, ownConnection: true }),
        reports: new MemoryReportStore(owned, { ownConnection: true }),
      };
    },
    cache: () => cache,
    cleanup: () => Promise.resolve(),
  };
}

/** The StorageError `fn` throws, its message with the file spelled `<file>` (the two implementations name different files). */
function failure(file: string, fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StorageError);
    return (err as Error).message.replaceAll(file, '<file>');
  }
  throw new Error('expected a StorageError, but the call succeeded');
}

const constraint = (action: string, code: string, detail: string): string =>
  `<file>: could not ${action}: a record broke a database constraint (SQLITE_CONSTRAINT_${code}: ${detail})`;

describe.each([
  { name: 'SqliteStore', make: sqliteSubject },
  { name: 'MemoryStore', make: memorySubject },
])('store contract: $name', ({ make }) => {
  let s: Subject;
  let store: RunStore;
  let reports: ReportStore;
  beforeEach(async () => {
    s = await make();
    ({ store, reports } = s);
  });
  afterEach(() => s.cleanup());

  const start = (runId: string, startedAt: string, tradingDay = startedAt.slice(0, 10), dryRun = false): void =>
    store.startRun({ runId, startedAt, tradingDay, dryRun });
  const fails = (fn: () => unknown): string => failure(s.file, fn);

  describe('runs', () => {
    it('reads a run back as started, then finished; a finish without a trading state keeps the one it started with', () => {
      store.startRun({
        runId: 'r1',
        startedAt: '2026-11-20T14:30:00.000Z',
        tradingDay: '2026-11-20',
        dryRun: true,
        tradingState: 'ACTIVE',
      });
      expect(store.previousRun()).toStrictEqual({
        runId: 'r1',
        startedAt: '2026-11-20T14:30:00.000Z',
        finishedAt: undefined,
        status: 'running',
        exitCode: undefined,
        error: undefined,
        tradingDay: '2026-11-20',
        dryRun: true,
        tradingState: 'ACTIVE',
        brokerClockOffsetMs: undefined,
      });
      store.recordBrokerClock('r1', -7_200_000.4);
      store.finishRun('r1', { finishedAt: '2026-11-20T14:31:00.000Z', status: 'blocked', exitCode: 3, error: 'limits' });
      expect(store.previousRun()).toStrictEqual({
        runId: 'r1',
        startedAt: '2026-11-20T14:30:00.000Z',
        finishedAt: '2026-11-20T14:31:00.000Z',
        status: 'blocked',
        exitCode: 3,
        error: 'limits',
        tradingDay: '2026-11-20',
        dryRun: true,
        tradingState: 'ACTIVE',
        brokerClockOffsetMs: -7_200_000,
      });
      expect(() => store.recordBrokerClock('ghost', 0)).toThrow(/no run ghost/);
      store.finishRun('r1', { finishedAt: '2026-11-20T14:32:00.000Z', status: 'ok', exitCode: 0, tradingState: 'HALTED' });
      expect(store.recentRuns(1)).toStrictEqual([
        {
          runId: 'r1',
          startedAt: '2026-11-20T14:30:00.000Z',
          finishedAt: '2026-11-20T14:32:00.000Z',
          status: 'ok',
          exitCode: 0,
          error: undefined,
          tradingDay: '2026-11-20',
          dryRun: true,
          tradingState: 'HALTED',
          brokerClockOffsetMs: -7_200_000,
        },
      ]);
    });

    it('orders runs by their start as text, newest first, and by insertion between equal starts', () => {
      start('a', '2026-11-20T14:30:00.000Z');
      start('b', '2026-11-20T16:30:00.000Z');
      start('c', '2026-11-20T15:30:00.000Z');
      start('d', '2026-11-20T16:30:00.000Z');
      // The same instant as b and d, but 'Z' sorts after '.000Z' as text.
      start('e', '2026-11-20T16:30:00Z');
      expect(store.recentRuns(-1).map((r) => r.runId)).toEqual(['e', 'd', 'b', 'c', 'a']);
      expect(store.recentRuns(2).map((r) => r.runId)).toEqual(['e', 'd']);
      expect(store.recentRuns(0)).toEqual([]);
      expect(store.previousRun()?.runId).toBe('e');
      expect(store.previousRun('e')?.runId).toBe('d');
      expect(store.previousRun('a')?.runId).toBe('e');
      expect(store.previousRun('nope')?.runId).toBe('e');
    });

    it('knows the runs it recorded, whatever their status, and no other', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      store.finishRun('r2', { finishedAt: '2026-11-20T15:31:00.000Z', status: 'failed', exitCode: 1, error: 'x' });
      expect([store.hasRun('r1'), store.hasRun('r2'), store.hasRun('r3'), store.hasRun(''), store.hasRun('R1')]).toEqual([
        true,
        true,
        false,
        false,
        false,
      ]);
    });

    it('reads the latest resume: by its instant, the later insertion between equal ones; halts do not count', () => {
      expect(store.lastResumeAt()).toBeUndefined();
      const event = (action: 'halt' | 'resume', at: string, source: string): void =>
        store.recordHaltEvent({ action, reason: 'r', at, source });
      event('halt', '2026-11-20T14:00:00.000Z', 'a');
      expect(store.lastResumeAt()).toBeUndefined();
      event('resume', '2026-11-20T15:00:00.000Z', 'b');
      event('resume', '2026-11-20T14:30:00.000Z', 'c');
      event('halt', '2026-11-20T16:00:00.000Z', 'd');
      expect(store.lastResumeAt()).toBe('2026-11-20T15:00:00.000Z');
    });

    it('has no run on a new database', () => {
      expect(store.hasRun('r1')).toBe(false);
      expect(store.previousRun()).toBeUndefined();
      expect(store.recentRuns(5)).toEqual([]);
      expect(reports.hasRunOn('2026-11-20')).toBe(false);
    });

    it('refuses to start a run twice and to finish a run that never started', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      expect(fails(() => start('r1', '2026-11-20T15:30:00.000Z'))).toBe(
        constraint('record the start of run r1', 'PRIMARYKEY', 'UNIQUE constraint failed: runs.id'),
      );
      expect(fails(() => store.finishRun('nope', { finishedAt: 'x', status: 'ok', exitCode: 0 }))).toBe('<file>: no run nope to finish');
      expect(store.recentRuns(5).map((r) => r.startedAt)).toEqual(['2026-11-20T14:30:00.000Z']);
    });

    it('failAbandonedRuns fails every other running run, oldest first, and returns them as they were', () => {
      start('r1', '2026-11-20T16:30:00.000Z');
      start('r2', '2026-11-20T14:30:00.000Z');
      start('r3', '2026-11-20T15:30:00.000Z');
      start('r4', '2026-11-20T17:30:00.000Z');
      store.finishRun('r3', { finishedAt: '2026-11-20T15:31:00.000Z', status: 'ok', exitCode: 0 });
      const failed = store.failAbandonedRuns('r4', 'killed or crashed: did not finish');
      expect(failed.map((r) => [r.runId, r.status, r.error])).toEqual([
        ['r2', 'running', undefined],
        ['r1', 'running', undefined],
      ]);
      expect(store.recentRuns(-1).map((r) => [r.runId, r.status, r.error, r.finishedAt, r.exitCode])).toEqual([
        ['r4', 'running', undefined, undefined, undefined],
        ['r1', 'failed', 'killed or crashed: did not finish', undefined, undefined],
        ['r3', 'ok', undefined, '2026-11-20T15:31:00.000Z', 0],
        ['r2', 'failed', 'killed or crashed: did not finish', undefined, undefined],
      ]);
      expect(store.failAbandonedRuns('r4', 'again')).toEqual([]);
      expect(store.failAbandonedRuns('other', 'now r4')).toEqual([expect.objectContaining({ runId: 'r4', status: 'running' })]);
    });
  });

  describe('breaches', () => {
    it('keeps breaches per run in the order recorded, the symbol only when there is one', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      store.recordBreaches('r2', [{ code: 'NAV_JUMP', detail: 'jump' }]);
      store.recordBreaches('r1', [{ code: 'MISSING_PRICE', detail: 'no price for XYZ', symbol: 'XYZ' }]);
      store.recordBreaches('r1', [{ code: 'LEVERAGE_LIMIT', detail: 'leverage=1.8 max=1.5' }]);
      store.recordBreaches('r1', []);
      expect(store.breachesOf('r1')).toStrictEqual([
        { code: 'MISSING_PRICE', detail: 'no price for XYZ', symbol: 'XYZ' },
        { code: 'LEVERAGE_LIMIT', detail: 'leverage=1.8 max=1.5' },
      ]);
      expect(store.breachesOf('r2')).toStrictEqual([{ code: 'NAV_JUMP', detail: 'jump' }]);
      expect(store.breachesOf('r3')).toEqual([]);
    });

    it('refuses breaches of an unknown run, and records all of a list or none', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      store.recordBreaches('ghost', []);
      expect(fails(() => store.recordBreaches('ghost', [{ code: 'NAV_JUMP', detail: 'x' }]))).toBe(
        constraint('record breaches of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      const broken = { code: 'NAV_JUMP', detail: undefined } as unknown as { code: 'NAV_JUMP'; detail: string };
      expect(fails(() => store.recordBreaches('r1', [{ code: 'KILL_SWITCH', detail: 'halt' }, broken]))).toBe(
        constraint('record breaches of run r1', 'NOTNULL', 'NOT NULL constraint failed: breaches.detail'),
      );
      expect(store.breachesOf('r1')).toEqual([]);
    });
  });

  describe('orders', () => {
    beforeEach(() => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
    });

    it('records an intent, then the broker ids and status, then status updates', () => {
      store.recordOrderIntent('r1', { ...anOrder(), referencePrice: 190 }, '2026-11-20T15:30:05.000Z');
      expect(store.ordersOf('r1')).toStrictEqual([
        {
          runId: 'r1',
          orderRef: 'rb:run-1:AAPL',
          symbol: 'AAPL',
          action: 'BUY',
          quantity: 10,
          limitPrice: 190.05,
          status: 'Intent',
          brokerOrderId: undefined,
          permId: undefined,
          filledQuantity: 0,
          avgFillPrice: 0,
          createdAt: '2026-11-20T15:30:05.000Z',
          message: undefined,
          referencePrice: 190,
        },
      ]);
      store.markOrderSent('rb:run-1:AAPL', aBrokerOrder({ status: 'PreSubmitted', message: 'held' }));
      store.updateOrderStatuses([
        aBrokerOrder({ status: 'Filled', filledQuantity: 10, avgFillPrice: 190.01 }),
        aBrokerOrder({ orderRef: 'someone-else', brokerOrderId: 555 }),
      ]);
      expect(store.ordersOf('r1')).toStrictEqual([
        {
          runId: 'r1',
          orderRef: 'rb:run-1:AAPL',
          symbol: 'AAPL',
          action: 'BUY',
          quantity: 10,
          limitPrice: 190.05,
          status: 'Filled',
          brokerOrderId: 101,
          permId: 9001,
          filledQuantity: 10,
          avgFillPrice: 190.01,
          createdAt: '2026-11-20T15:30:05.000Z',
          message: 'held',
          referencePrice: 190,
        },
      ]);
      expect(store.ordersOf('r2')).toEqual([]);
    });

    it('markOrderSent takes the broker ids it is given; a status update keeps recorded ids and fills in missing ones', () => {
      const ref = 'rb:run-1:AAPL';
      store.recordOrderIntent('r1', anOrder(), '2026-11-20T15:30:05.000Z');
      store.markOrderSent(ref, aBrokerOrder({ brokerOrderId: 7, permId: 70 }));
      store.markOrderSent(ref, aBrokerOrder({ brokerOrderId: 8, permId: undefined, message: 'resent' }));
      expect(store.ordersOf('r1')[0]).toMatchObject({ brokerOrderId: 8, permId: undefined, message: 'resent' });
      store.updateOrderStatuses([
        aBrokerOrder({ brokerOrderId: 9, permId: 90, status: 'Submitted', filledQuantity: 2, avgFillPrice: 190 }),
        aBrokerOrder({ brokerOrderId: 10, permId: 100, status: 'Cancelled', filledQuantity: 3, avgFillPrice: 190.5 }),
      ]);
      expect(store.ordersOf('r1')[0]).toMatchObject({
        brokerOrderId: 8,
        permId: 90,
        status: 'Cancelled',
        filledQuantity: 3,
        avgFillPrice: 190.5,
        message: 'resent',
      });
      store.updateOrderStatuses([aBrokerOrder({ status: 'Submitted', filledQuantity: 1, avgFillPrice: 189, message: 'back' })]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Submitted', filledQuantity: 1, avgFillPrice: 189, message: 'back' });
    });

    it('applies a list of status updates whole or not at all', () => {
      store.recordOrderIntent('r1', anOrder({ orderRef: 'a' }), '2026-11-20T15:30:05.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'b' }), '2026-11-20T15:30:06.000Z');
      expect(
        fails(() =>
          store.updateOrderStatuses([
            aBrokerOrder({ orderRef: 'a', status: 'Filled', filledQuantity: 10 }),
            aBrokerOrder({ orderRef: 'b', filledQuantity: Number.NaN }),
          ]),
        ),
      ).toBe(constraint('update order statuses', 'NOTNULL', 'NOT NULL constraint failed: orders.filled_quantity'));
      expect(store.ordersOf('r1').map((o) => [o.orderRef, o.status, o.filledQuantity])).toEqual([
        ['a', 'Intent', 0],
        ['b', 'Intent', 0],
      ]);
    });

    it('records a batch of intents together, in order, all or nothing (a recorded orderRef, one twice in the batch)', () => {
      store.recordOrderIntents('r1', [], '2026-11-20T15:30:05.000Z');
      store.recordOrderIntents(
        'r1',
        [anOrder({ orderRef: 'a', symbol: 'MSFT' }), { ...anOrder({ orderRef: 'b' }), referencePrice: 190 }],
        '2026-11-20T15:30:05.000Z',
      );
      expect(store.ordersOf('r1').map((o) => [o.orderRef, o.symbol, o.status, o.referencePrice, o.createdAt])).toEqual([
        ['a', 'MSFT', 'Intent', undefined, '2026-11-20T15:30:05.000Z'],
        ['b', 'AAPL', 'Intent', 190, '2026-11-20T15:30:05.000Z'],
      ]);
      expect(fails(() => store.recordOrderIntents('r2', [anOrder({ orderRef: 'c' }), anOrder({ orderRef: 'a' })], 'x'))).toBe(
        '<file>: order a is already recorded (run r1, status Intent); an order is never sent twice',
      );
      expect(fails(() => store.recordOrderIntents('r2', [anOrder({ orderRef: 'd' }), anOrder({ orderRef: 'd' })], 'x'))).toBe(
        '<file>: order d is already recorded (run r2, status Intent); an order is never sent twice',
      );
      expect(store.ordersOf('r2')).toEqual([]);
    });

    it("a batch's intents await their turn until markTurnsTaken (all or none); an intent recorded alone never does", () => {
      store.recordOrderIntents('r1', [anOrder({ orderRef: 'a' }), anOrder({ orderRef: 'b' }), anOrder({ orderRef: 'c' })], 'x');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'd' }), 'x');
      const waiting = (): string[] => store.ordersOf('r1').flatMap((o) => (o.awaitingTurn === true ? [o.orderRef] : []));
      expect(waiting()).toEqual(['a', 'b', 'c']);
      expect(fails(() => store.markTurnsTaken(['a', 'ghost']))).toBe('<file>: order ghost is about to be sent but has no recorded intent');
      expect(waiting()).toEqual(['a', 'b', 'c']);
      store.markTurnsTaken(['a', 'b']);
      store.markTurnsTaken([]);
      expect(waiting()).toEqual(['c']);
      // The mark is read back by reconciliation: an intent that waits is listed with it.
      expect(store.ordersToReconcile('r2').map((o) => [o.orderRef, o.awaitingTurn ?? false])).toEqual([
        ['a', false],
        ['b', false],
        ['c', true],
        ['d', false],
      ]);
    });

    it('refuses a second intent with the same orderRef, an intent of an unknown run, and updates of unknown orders', () => {
      store.recordOrderIntent('r1', anOrder(), '2026-11-20T15:30:05.000Z');
      expect(fails(() => store.recordOrderIntent('r2', anOrder(), '2026-11-20T16:30:05.000Z'))).toBe(
        '<file>: order rb:run-1:AAPL is already recorded (run r1, status Intent); an order is never sent twice',
      );
      expect(fails(() => store.recordOrderIntent('ghost', anOrder({ orderRef: 'x' }), 'x'))).toBe(
        constraint('record order intent x', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(fails(() => store.recordOrderIntent('r1', anOrder({ orderRef: 'y', limitPrice: Number.NaN }), 'x'))).toBe(
        constraint('record order intent y', 'NOTNULL', 'NOT NULL constraint failed: orders.limit_price'),
      );
      expect(fails(() => store.markOrderSent('rb:ghost', aBrokerOrder({ orderRef: 'rb:ghost' })))).toBe(
        '<file>: order rb:ghost was sent but has no recorded intent',
      );
      expect(fails(() => store.markOrderFailed('rb:ghost', 'x'))).toBe('<file>: order rb:ghost failed but has no recorded intent');
      expect(store.ordersOf('r2')).toEqual([]);
      expect(store.ordersOf('r1').map((o) => o.orderRef)).toEqual(['rb:run-1:AAPL']);
    });

    it('records a send failure with its message, replacing an earlier one', () => {
      store.recordOrderIntent('r1', anOrder(), '2026-11-20T15:30:05.000Z');
      store.markOrderSent('rb:run-1:AAPL', aBrokerOrder({ message: 'accepted' }));
      store.markOrderFailed('rb:run-1:AAPL', 'socket closed');
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'SendFailed', message: 'socket closed', brokerOrderId: 101 });
    });

    it('lists the orders of a run in the order recorded', () => {
      store.recordOrderIntent('r2', anOrder({ orderRef: 'z' }), '2026-11-20T16:30:05.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'y' }), '2026-11-20T15:30:09.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'x' }), '2026-11-20T15:30:01.000Z');
      expect(store.ordersOf('r1').map((o) => o.orderRef)).toEqual(['y', 'x']);
    });
  });

  describe('changes of working orders (migration 0011)', () => {
    const ref = 'rebal:r1:AAPL';
    const change = (over: Partial<ModificationIntent> = {}): ModificationIntent => ({
      runId: 'r2',
      orderRef: ref,
      brokerOrderId: 101,
      fromQuantity: 10,
      fromLimitPrice: 190.05,
      quantity: 14,
      limitPrice: 190.2,
      filledBefore: 4,
      referencePrice: 190.1,
      ...over,
    });
    beforeEach(() => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: ref, quantity: 10 }), '2026-11-20T15:30:05.000Z');
      store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, status: 'Submitted', filledQuantity: 4, avgFillPrice: 190 }));
    });

    it('records a change as an intent, then Modified: the order takes its quantity and limit, and the status and fills the broker shows', () => {
      const id = store.recordModificationIntent('r2', change(), '2026-11-20T16:30:05.000Z');
      const intent = {
        id,
        runId: 'r2',
        orderRef: ref,
        brokerOrderId: 101,
        fromQuantity: 10,
        fromLimitPrice: 190.05,
        quantity: 14,
        limitPrice: 190.2,
        filledBefore: 4,
        referencePrice: 190.1,
        status: 'Intent',
        code: undefined,
        message: undefined,
        createdAt: '2026-11-20T16:30:05.000Z',
        updatedAt: '2026-11-20T16:30:05.000Z',
      };
      expect(store.modificationsOf('r2')).toStrictEqual([intent]);
      // Recorded before it is sent: the order is as it was.
      expect(store.ordersOf('r1')[0]).toMatchObject({ quantity: 10, limitPrice: 190.05, status: 'Submitted', filledQuantity: 4 });

      store.settleModification(
        id,
        {
          status: 'Modified',
          order: aBrokerOrder({
            orderRef: ref,
            quantity: 14,
            limitPrice: 190.2,
            status: 'Submitted',
            filledQuantity: 6,
            avgFillPrice: 190.1,
          }),
        },
        '2026-11-20T16:30:06.000Z',
      );
      expect(store.modificationsOf('r2')).toStrictEqual([{ ...intent, status: 'Modified', updatedAt: '2026-11-20T16:30:06.000Z' }]);
      // The order keeps its run, orderRef (the lineage), broker ids and creation time.
      expect(store.ordersOf('r1')).toStrictEqual([
        {
          runId: 'r1',
          orderRef: ref,
          symbol: 'AAPL',
          action: 'BUY',
          quantity: 14,
          limitPrice: 190.2,
          status: 'Submitted',
          brokerOrderId: 101,
          permId: 9001,
          filledQuantity: 6,
          avgFillPrice: 190.1,
          createdAt: '2026-11-20T15:30:05.000Z',
          message: undefined,
          referencePrice: undefined,
        },
      ]);
      expect(store.ordersOf('r2')).toEqual([]);
      // Fills then complete it against its new total, not its old one.
      store.recordFills('r2', [anExecution({ execId: 'e1', orderRef: ref, quantity: 6, price: 190.1 })]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Submitted', filledQuantity: 6 });
      store.recordFills('r2', [anExecution({ execId: 'e2', orderRef: ref, quantity: 8, price: 190.2 })]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Filled', filledQuantity: 14 });
    });

    it('a change sized at a new rate gives the order that rate once the broker accepts it; one without a rate keeps the old', () => {
      const USD = { rate: 1.3502, at: '2026-11-20T15:30:01.000Z', source: 'the account ledger' };
      const moved = { rate: 1.4, at: '2026-11-20T16:30:01.000Z', source: 'the account ledger' };
      start('r3', '2026-11-20T17:30:00.000Z');
      const usdRef = 'rebal:r1:SPY';
      store.recordOrderIntent('r1', { ...anOrder({ orderRef: usdRef, symbol: 'SPY', quantity: 10 }), fx: USD }, '2026-11-20T15:30:05.000Z');
      store.markOrderSent(usdRef, aBrokerOrder({ orderRef: usdRef, brokerOrderId: 102, symbol: 'SPY', status: 'Submitted' }));
      const id = store.recordModificationIntent(
        'r2',
        change({ orderRef: usdRef, brokerOrderId: 102, fx: moved }),
        '2026-11-20T16:30:05.000Z',
      );
      expect(store.modificationsOf('r2')[0]?.fx).toEqual(moved);
      // Before the broker accepts it, the order keeps its rate.
      expect(store.ordersOf('r1').find((o) => o.orderRef === usdRef)?.fx).toEqual(USD);
      store.settleModification(id, { status: 'Modified', message: 'found in effect' }, '2026-11-20T16:30:06.000Z');
      expect(store.ordersOf('r1').find((o) => o.orderRef === usdRef)?.fx).toEqual(moved);
      const again = store.recordModificationIntent(
        'r3',
        change({ orderRef: usdRef, brokerOrderId: 102, quantity: 12 }),
        '2026-11-20T17:30:05.000Z',
      );
      store.settleModification(again, { status: 'Modified', message: 'found in effect' }, '2026-11-20T17:30:06.000Z');
      expect(store.ordersOf('r1').find((o) => o.orderRef === usdRef)).toMatchObject({ quantity: 12, fx: moved });
    });

    it('Modified without the order as the broker shows it (found in effect later) sets only quantity and limit', () => {
      const id = store.recordModificationIntent('r2', change(), '2026-11-20T16:30:05.000Z');
      store.settleModification(id, { status: 'Unknown', message: 'connectivity: socket closed' }, '2026-11-20T16:30:06.000Z');
      store.settleModification(id, { status: 'Modified', message: 'found in effect' }, '2026-11-20T17:30:06.000Z');
      expect(store.modificationsOf('r2')).toMatchObject([
        { status: 'Modified', message: 'found in effect', updatedAt: '2026-11-20T17:30:06.000Z' },
      ]);
      expect(store.ordersOf('r1')[0]).toMatchObject({
        quantity: 14,
        limitPrice: 190.2,
        status: 'Submitted',
        filledQuantity: 4,
        avgFillPrice: 190,
      });
    });

    it('Refused, NotApplied and Unknown leave the order as it is, and keep the code and message', () => {
      const before = store.ordersOf('r1');
      const outcomes = [
        { status: 'Refused', code: 104, message: 'Cannot modify a filled order.' },
        { status: 'NotApplied', message: 'the broker lists the order at 10 @ 190.05' },
        { status: 'Unknown', message: 'connectivity: lost' },
      ] as const;
      for (const [i, outcome] of outcomes.entries()) {
        const id = store.recordModificationIntent('r2', change({ quantity: 20 + i }), `2026-11-20T16:30:0${i}.000Z`);
        store.settleModification(id, { ...outcome, order: aBrokerOrder({ orderRef: ref, status: 'Cancelled', filledQuantity: 9 }) }, 'x');
      }
      expect(store.ordersOf('r1')).toStrictEqual(before);
      expect(store.modificationsOf('r2').map((m) => [m.quantity, m.status, m.code, m.message])).toEqual([
        [20, 'Refused', 104, 'Cannot modify a filled order.'],
        [21, 'NotApplied', undefined, 'the broker lists the order at 10 @ 190.05'],
        [22, 'Unknown', undefined, 'connectivity: lost'],
      ]);
    });

    it('refuses a change of an order it does not hold, of an unknown run, with a missing figure, and a settlement of no change', () => {
      expect(fails(() => store.recordModificationIntent('r2', change({ orderRef: 'rebal:ghost' }), 'x'))).toBe(
        '<file>: order rebal:ghost is not recorded; a change of it cannot be',
      );
      expect(fails(() => store.recordModificationIntent('ghost', change(), 'x'))).toBe(
        constraint(`record the change of order ${ref}`, 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(fails(() => store.recordModificationIntent('r2', change({ limitPrice: Number.NaN }), 'x'))).toBe(
        constraint(`record the change of order ${ref}`, 'NOTNULL', 'NOT NULL constraint failed: order_modifications.limit_price'),
      );
      expect(store.modificationsOf('r2')).toEqual([]);
      expect(fails(() => store.settleModification(99, { status: 'Modified' }, 'x'))).toBe('<file>: no change 99 of an order to settle');
      // A broker order with a missing figure: neither the change's outcome nor the order is recorded.
      const id = store.recordModificationIntent('r2', change(), '2026-11-20T16:30:05.000Z');
      expect(
        fails(() =>
          store.settleModification(id, { status: 'Modified', order: aBrokerOrder({ orderRef: ref, filledQuantity: Number.NaN }) }, 'x'),
        ),
      ).toBe(constraint(`record what came of change ${id}`, 'NOTNULL', 'NOT NULL constraint failed: orders.filled_quantity'));
      expect(store.modificationsOf('r2')).toMatchObject([{ id, status: 'Intent' }]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ quantity: 10, limitPrice: 190.05, filledQuantity: 4 });
    });

    it('lists the unsettled changes of other runs (Intent, Unknown), oldest first; a run lists its own in the order asked', () => {
      start('r3', '2026-11-20T17:30:00.000Z');
      const other = 'rebal:r1:MSFT';
      store.recordOrderIntent('r1', anOrder({ orderRef: other, symbol: 'MSFT' }), '2026-11-20T15:30:06.000Z');
      const a = store.recordModificationIntent('r2', change(), '2026-11-20T16:30:09.000Z');
      const b = store.recordModificationIntent('r2', change({ orderRef: other }), '2026-11-20T16:30:01.000Z');
      const c = store.recordModificationIntent('r2', change({ quantity: 30 }), '2026-11-20T16:30:05.000Z');
      const d = store.recordModificationIntent('r3', change({ quantity: 40 }), '2026-11-20T17:30:01.000Z');
      store.settleModification(c, { status: 'Unknown', message: 'timeout' }, 'x');
      expect(store.unsettledModifications('r3').map((m) => m.id)).toEqual([b, c, a]);
      expect(store.unsettledModifications('r2').map((m) => m.id)).toEqual([d]);
      store.settleModification(a, { status: 'NotApplied' }, 'x');
      store.settleModification(b, { status: 'Refused', code: 201 }, 'x');
      expect(store.unsettledModifications('r3').map((m) => m.id)).toEqual([c]);
      store.settleModification(c, { status: 'Modified' }, 'x');
      expect(store.unsettledModifications('r3')).toEqual([]);
      expect(store.modificationsOf('r2').map((m) => m.id)).toEqual([a, b, c]);
      expect(store.modificationsOf('r1')).toEqual([]);
      expect(new Set([a, b, c, d]).size).toBe(4);
    });
  });

  describe('order counts', () => {
    it('records what a run asked of the broker; a run that never recorded them has none', () => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
      expect(store.previousRun()).not.toHaveProperty('orderCounts');
      store.recordOrderCounts('r1', { sent: 3, modified: 2, cancelled: 1 });
      expect(store.previousRun('r2')?.orderCounts).toStrictEqual({ sent: 3, modified: 2, cancelled: 1 });
      expect(store.recentRuns(-1).map((r) => r.orderCounts)).toStrictEqual([undefined, { sent: 3, modified: 2, cancelled: 1 }]);
      expect(store.recentRuns(-1)[0]).not.toHaveProperty('orderCounts');
      store.recordOrderCounts('r2', { sent: 0, modified: 0, cancelled: 0 });
      expect(store.previousRun()?.orderCounts).toStrictEqual({ sent: 0, modified: 0, cancelled: 0 });
      store.recordOrderCounts('r1', { sent: 4, modified: 0, cancelled: 0 });
      expect(store.previousRun('r2')?.orderCounts).toStrictEqual({ sent: 4, modified: 0, cancelled: 0 });
      expect(fails(() => store.recordOrderCounts('ghost', { sent: 1, modified: 0, cancelled: 0 }))).toBe(
        '<file>: no run ghost to record the order counts of',
      );
    });
  });

  describe('orders to reconcile', () => {
    beforeEach(() => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
    });

    it('lists the unsettled orders of other runs: intents, non-final statuses and failed sends not yet looked up', () => {
      for (const status of RECORDED_ORDER_STATUSES) {
        const ref = `rebal:r1:${status}`;
        store.recordOrderIntent('r1', anOrder({ orderRef: ref }), '2026-11-20T14:30:05.000Z');
        if (status === 'SendFailed') store.markOrderFailed(ref, 'timeout');
        else if (status !== 'Intent') store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, status: status as OrderStatusName }));
      }
      store.recordOrderIntent('r2', anOrder({ orderRef: 'rebal:r2:now' }), '2026-11-20T15:30:05.000Z');
      expect(store.ordersToReconcile('r2').map((o) => o.status)).toEqual([
        'Intent',
        'SendFailed',
        'Unknown',
        'PendingSubmit',
        'PreSubmitted',
        'Submitted',
      ]);
      expect(store.ordersToReconcile('r1').map((o) => o.orderRef)).toEqual(['rebal:r2:now']);
      expect(store.ordersToReconcile('r3')).toHaveLength(7);
    });

    it('lists the settled orders of other runs since a time whose reported fills exceed their recorded executions', () => {
      const mk = (ref: string, runId: string, at: string, status: OrderStatusName, filled: number): void => {
        store.recordOrderIntent(runId, anOrder({ orderRef: ref }), at);
        store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, status, filledQuantity: filled }));
      };
      mk('missing', 'r1', '2026-11-20T14:30:05.000Z', 'Filled', 10);
      mk('partly', 'r1', '2026-11-20T14:30:06.000Z', 'Cancelled', 6);
      mk('complete', 'r1', '2026-11-20T14:30:07.000Z', 'Filled', 10);
      mk('working', 'r1', '2026-11-20T14:30:08.000Z', 'Submitted', 4);
      mk('old', 'r1', '2026-11-10T14:30:00.000Z', 'Filled', 10);
      mk('own', 'r2', '2026-11-20T15:30:05.000Z', 'Filled', 10);
      store.recordFills('r1', [
        anExecution({ execId: 'p1', orderRef: 'partly', quantity: 2 }),
        anExecution({ execId: 'c1', orderRef: 'complete', quantity: 10 }),
      ]);
      expect(store.ordersMissingFills('r2', '2026-11-13T00:00:00.000Z').map((o) => o.orderRef)).toEqual(['missing', 'partly']);
    });

    it('an order of unknown outcome is looked up again every run and holds its ticker until a person accepts it', () => {
      const at = '2026-11-20T15:30:00.000Z';
      for (const [ref, symbol] of [
        ['u1', 'AAPL'],
        ['u2', 'MSFT'],
        ['u3', 'AAPL'],
      ] as const) {
        store.recordOrderIntent('r1', anOrder({ orderRef: ref, symbol }), '2026-11-20T14:30:05.000Z');
        store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, symbol }));
        store.recordReconciliation(ref, { status: 'Unknown', filledQuantity: 0, avgFillPrice: 0, message: 'outcome unknown', at });
      }
      expect(store.unknownOutcomes().map((o) => [o.orderRef, o.symbol, o.status])).toEqual([
        ['u1', 'AAPL', 'Unknown'],
        ['u2', 'MSFT', 'Unknown'],
        ['u3', 'AAPL', 'Unknown'],
      ]);
      expect(store.ordersToReconcile('r2').map((o) => o.orderRef)).toEqual(['u1', 'u2', 'u3']);

      expect(store.acceptUnknownOutcomes('AAPL', '2026-11-20T16:00:00.000Z', 'accepted by operator ann: checked at IB')).toBe(2);
      expect(store.acceptUnknownOutcomes('AAPL', '2026-11-20T16:01:00.000Z', 'again')).toBe(0);
      expect(store.unknownOutcomes().map((o) => o.orderRef)).toEqual(['u2']);
      expect(store.ordersToReconcile('r2').map((o) => o.orderRef)).toEqual(['u2']);
      // Accepted as it is: still Unknown in the records, never looked up again.
      expect(store.ordersOf('r1').map((o) => [o.status, o.message])).toEqual([
        ['Unknown', 'outcome unknown; accepted by operator ann: checked at IB'],
        ['Unknown', 'outcome unknown'],
        ['Unknown', 'outcome unknown; accepted by operator ann: checked at IB'],
      ]);

      // Found later (executions in a statement): settled, no longer holding its ticker.
      store.recordReconciliation('u2', { status: 'Filled', filledQuantity: 10, avgFillPrice: 190, message: 'found', at });
      expect(store.unknownOutcomes()).toEqual([]);
      expect(store.ordersToReconcile('r2')).toEqual([]);
    });

    it('records the reconciliations of many orders together, all or none', () => {
      for (const ref of ['b1', 'b2', 'b3']) {
        store.recordOrderIntent('r1', anOrder({ orderRef: ref }), '2026-11-20T14:30:05.000Z');
        store.markOrderSent(ref, aBrokerOrder({ orderRef: ref }));
      }
      const at = '2026-11-20T15:30:00.000Z';
      const filled = { status: 'Filled', filledQuantity: 10, avgFillPrice: 190, message: 'filled', at } as const;
      // One order the records never made: nothing of the batch is recorded.
      expect(() =>
        store.recordReconciliations([
          { orderRef: 'b1', outcome: filled },
          { orderRef: 'nobody', outcome: filled },
        ]),
      ).toThrow(/nobody/);
      expect(store.ordersOf('r1').map((o) => o.status)).toEqual(['Submitted', 'Submitted', 'Submitted']);
      store.recordReconciliations([
        { orderRef: 'b1', outcome: filled },
        { orderRef: 'b3', outcome: { status: 'Cancelled', filledQuantity: 0, avgFillPrice: 0, message: 'day end', at } },
      ]);
      expect(store.ordersOf('r1').map((o) => [o.orderRef, o.status, o.message])).toEqual([
        ['b1', 'Filled', 'filled'],
        ['b2', 'Submitted', undefined],
        ['b3', 'Cancelled', 'day end'],
      ]);
      expect(store.ordersToReconcile('r2').map((o) => o.orderRef)).toEqual(['b2']);
      store.recordReconciliations([]);
    });

    it('a reconciled failed send is settled; a reconciled working order still is not', () => {
      store.recordOrderIntent('r1', anOrder({ orderRef: 'f' }), '2026-11-20T14:30:05.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'w' }), '2026-11-20T14:30:06.000Z');
      store.markOrderFailed('f', 'timeout');
      store.markOrderSent('w', aBrokerOrder({ orderRef: 'w' }));
      const at = '2026-11-20T15:30:00.000Z';
      store.recordReconciliation('f', { status: 'SendFailed', filledQuantity: 0, avgFillPrice: 0, message: 'not at the broker', at });
      store.recordReconciliation('w', { status: 'Submitted', filledQuantity: 0, avgFillPrice: 0, message: 'still working', at });
      expect(store.ordersToReconcile('r2').map((o) => [o.orderRef, o.message])).toEqual([['w', 'still working']]);
      // A later failure of the same order does not bring it back: it was looked up once.
      store.markOrderFailed('f', 'again');
      expect(store.ordersToReconcile('r2').map((o) => o.orderRef)).toEqual(['w']);
    });

    it('records the broker ids of a recovered intent, but never overwrites an id already recorded', () => {
      store.recordOrderIntent('r1', anOrder({ orderRef: 'a' }), '2026-11-20T14:30:05.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'm', symbol: 'MSFT' }), '2026-11-20T14:30:06.000Z');
      store.markOrderSent('m', aBrokerOrder({ orderRef: 'm', symbol: 'MSFT', brokerOrderId: 3, permId: 7003, message: 'kept?' }));
      const at = '2026-11-20T15:30:00.000Z';
      store.recordReconciliation('a', {
        status: 'Submitted',
        brokerOrderId: 3,
        permId: 8001,
        filledQuantity: 0,
        avgFillPrice: 0,
        message: 'found',
        at,
      });
      store.recordReconciliation('m', {
        status: 'Filled',
        brokerOrderId: 99,
        permId: 9999,
        filledQuantity: 10,
        avgFillPrice: 190,
        message: 'filled',
        at,
      });
      expect(
        store.ordersOf('r1').map((o) => [o.orderRef, o.status, o.brokerOrderId, o.permId, o.filledQuantity, o.avgFillPrice, o.message]),
      ).toEqual([
        ['a', 'Submitted', 3, 8001, 0, 0, 'found'],
        ['m', 'Filled', 3, 7003, 10, 190, 'filled'],
      ]);
      expect(
        fails(() => store.recordReconciliation('ghost', { status: 'NotSent', filledQuantity: 0, avgFillPrice: 0, message: 'x', at })),
      ).toBe('<file>: order ghost was reconciled but is not recorded');
    });
  });

  describe('fills', () => {
    beforeEach(() => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
    });

    it('keeps a currency conversion (secType CASH) apart: read back as such, no turnover, no position of a ticker', () => {
      const fx = 'rebal:r1:USD.SGD';
      const spy = 'rebal:r1:SPY';
      store.recordOrderIntents(
        'r1',
        [
          anOrder({
            orderRef: fx,
            secType: 'CASH',
            symbol: 'USD.SGD',
            quantity: 20_000,
            limitPrice: 1.3502,
            primaryExchange: 'IDEALPRO',
            currency: 'SGD',
          }),
          anOrder({ orderRef: spy, symbol: 'SPY', quantity: 10, limitPrice: 600 }),
        ],
        '2026-11-20T15:30:05.000Z',
      );
      store.recordFills('r1', [
        anExecution({ execId: 'fx1', secType: 'CASH', orderRef: fx, symbol: 'USD.SGD', quantity: 20_000, price: 1.35 }),
        anExecution({ execId: 'spy1', orderRef: spy, symbol: 'SPY', quantity: 10, price: 600 }),
      ]);
      expect(store.ordersOf('r1').map((o) => [o.symbol, o.secType])).toEqual([
        ['USD.SGD', 'CASH'],
        ['SPY', undefined],
      ]);
      expect(store.fillsOfOrder(fx)[0]).toStrictEqual({
        ...anExecution({ execId: 'fx1', secType: 'CASH', orderRef: fx, symbol: 'USD.SGD', quantity: 20_000, price: 1.35 }),
        runId: 'r1',
      });
      expect(store.fillsNotInCsv().map((f) => f.secType)).toEqual(['CASH', undefined]);
      expect(store.tradedValueOn('2026-11-20')).toBe(6_000);
      expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'SPY', quantity: 10 }]);
      expect(store.ownFillTotals('rebal:r1:')).toEqual([{ symbol: 'SPY', quantity: 10 }]);
      expect(reports.fillsOn('2026-11-20', '2026-11-20T23:00:00.000Z').map((f) => f.secType)).toEqual(['CASH', undefined]);
    });

    it('inserts each execution once, even when two runs record it, and returns the new ones as given', () => {
      const a = anExecution({ execId: 'e1' });
      const b = anExecution({ execId: 'e2', quantity: 5, time: '2026-11-20T15:32:00.000Z' });
      const first = store.recordFills('r1', [a]);
      expect(first).toEqual([a]);
      expect(first[0]).toBe(a);
      const second = store.recordFills('r2', [a, b, { ...b }]);
      expect(second).toEqual([b]);
      expect(second[0]).toBe(b);
      expect(store.recordFills('r2', [a, b])).toEqual([]);
      expect(store.fillsNotInCsv()).toStrictEqual([
        { ...a, runId: 'r1' },
        { ...b, runId: 'r2' },
      ]);
      expect([store.hasFill('e1'), store.hasFill('e2'), store.hasFill('e3')]).toEqual([true, true, false]);
    });

    it('lists fills oldest first (then as recorded), and forgets those marked as written to the CSV', () => {
      store.recordFills('r1', [
        anExecution({ execId: 'late', time: '2026-11-20T15:59:00.000Z' }),
        anExecution({ execId: 'early', time: '2026-11-20T15:31:00.000Z', permId: undefined }),
        anExecution({ execId: 'tie', time: '2026-11-20T15:31:00.000Z' }),
      ]);
      store.recordFills('r2', [anExecution({ execId: 'other', orderRef: 'rb:other', time: '2026-11-20T15:00:00.000Z' })]);
      expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(['other', 'early', 'tie', 'late']);
      expect(store.fillsOfOrder('rb:run-1:AAPL').map((f) => f.execId)).toEqual(['early', 'tie', 'late']);
      expect(store.fillsOfOrder('rb:run-1:AAPL')[0]).toStrictEqual({
        ...anExecution({ execId: 'early', time: '2026-11-20T15:31:00.000Z' }),
        permId: undefined,
        runId: 'r1',
      });
      store.markFillsInCsv(['early', 'other', 'not-a-fill']);
      expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(['tie', 'late']);
      expect(store.fillsOfOrder('rb:run-1:AAPL')).toHaveLength(3);
    });

    it('brings an order up to date from its fills once they cover more than it shows, Filled when complete', () => {
      const ref = 'rebal:r1:AAPL';
      store.recordOrderIntent('r1', anOrder({ orderRef: ref, quantity: 10 }), '2026-11-20T15:30:05.000Z');
      store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, status: 'Cancelled', filledQuantity: 2, avgFillPrice: 190 }));
      store.recordFills('r2', [anExecution({ execId: 'e1', orderRef: ref, quantity: 1, price: 0.1 })]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 2, avgFillPrice: 190 });
      store.recordFills('r2', [anExecution({ execId: 'e2', orderRef: ref, quantity: 2, price: 0.2 })]);
      // (0.1 + 0.4) / 3, rounded to 8 decimals.
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Cancelled', filledQuantity: 3, avgFillPrice: 0.16666667 });
      store.recordFills('r2', [anExecution({ execId: 'e3', orderRef: ref, quantity: 7, price: 0.3 })]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ status: 'Filled', filledQuantity: 10, avgFillPrice: 0.26 });
    });

    it('leaves the status of an order the broker may never have had, and fills of unknown orders touch no order', () => {
      for (const [ref, how] of [
        ['i', 'intent'],
        ['f', 'failed'],
        ['n', 'notsent'],
      ] as const) {
        store.recordOrderIntent('r1', anOrder({ orderRef: ref, quantity: 5 }), '2026-11-20T15:30:05.000Z');
        if (how === 'failed') store.markOrderFailed(ref, 'timeout');
        if (how === 'notsent')
          store.recordReconciliation(ref, { status: 'NotSent', filledQuantity: 0, avgFillPrice: 0, message: 'x', at: 'x' });
      }
      store.recordFills('r2', [
        anExecution({ execId: 'e1', orderRef: 'i', quantity: 5 }),
        anExecution({ execId: 'e2', orderRef: 'f', quantity: 6 }),
        anExecution({ execId: 'e3', orderRef: 'n', quantity: 5 }),
        anExecution({ execId: 'e4', orderRef: 'manual', quantity: 5 }),
      ]);
      expect(store.ordersOf('r1').map((o) => [o.orderRef, o.status, o.filledQuantity])).toEqual([
        ['i', 'Intent', 5],
        ['f', 'SendFailed', 6],
        ['n', 'NotSent', 5],
      ]);
      expect(store.ordersToReconcile('r2').map((o) => o.orderRef)).toEqual(['i', 'f']);
    });

    it('refuses fills of an unknown run (none of the list is kept), and skips an execution with a missing figure', () => {
      store.recordFills('ghost', []);
      expect(fails(() => store.recordFills('ghost', [anExecution({ execId: 'g1' })]))).toBe(
        constraint('record fills of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(store.hasFill('g1')).toBe(false);
      const ok = anExecution({ execId: 'ok' });
      expect(store.recordFills('r1', [anExecution({ execId: 'nan', quantity: Number.NaN }), ok])).toEqual([ok]);
      expect(store.hasFill('nan')).toBe(false);
    });

    it('a correction (same exec id up to the last period, higher suffix) replaces the fill; an older copy is ignored', () => {
      const ref = 'rebal:r1:AAPL';
      store.recordOrderIntent('r1', anOrder({ orderRef: ref, quantity: 85 }), '2026-11-20T15:30:05.000Z');
      store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, status: 'Filled', filledQuantity: 0, avgFillPrice: 0 }));
      const original = anExecution({ execId: '0000e0d5.6577a1b8.01.01', orderRef: ref, quantity: 85, price: 190 });
      const other = anExecution({ execId: '0000e0d5.6577a1b8.02.01', orderRef: 'manual', quantity: 1 });
      expect(store.recordFills('r1', [original, other])).toEqual([original, other]);
      store.markFillsInCsv([original.execId, other.execId]);
      expect(store.ordersOf('r1')[0]).toMatchObject({ filledQuantity: 85, avgFillPrice: 190 });

      const correction = { ...original, execId: '0000e0d5.6577a1b8.01.02', quantity: 80, price: 190.05, commission: 1.1 };
      expect(store.recordFills('r2', [correction])).toEqual([correction]);
      expect(store.fillsOfOrder(ref)).toStrictEqual([{ ...correction, runId: 'r2' }]);
      // Quantity and price follow the correction, even downwards; the ledger counts it once.
      expect(store.ordersOf('r1')[0]).toMatchObject({ filledQuantity: 80, avgFillPrice: 190.05 });
      expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'AAPL', quantity: 80 }]);
      // The trades CSV gets the correction as a row of its own; the replaced one is not listed again.
      expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual([correction.execId]);
      expect([store.hasFill(original.execId), store.hasFill(correction.execId)]).toEqual([true, true]);

      // The old copy again, a lower suffix, the same suffix: nothing changes.
      const lower = { ...original, execId: '0000e0d5.6577a1b8.01.00', quantity: 3 };
      expect(store.recordFills('r2', [original, lower, { ...correction, quantity: 1 }])).toEqual([]);
      expect(store.fillsOfOrder(ref)).toStrictEqual([{ ...correction, runId: 'r2' }]);
      expect(store.ownFillTotals('rebal:')).toEqual([{ symbol: 'AAPL', quantity: 80 }]);
      expect(store.fillsOfOrder('manual').map((f) => f.execId)).toEqual([other.execId]);
    });

    it("records trades.csv's mark with the flags and lists the file's rows: fills and replaced versions it held", () => {
      expect(store.tradesCsvMark()).toBeUndefined();
      const original = anExecution({ execId: '0000e0d5.6577a1c0.01.01', time: '2026-11-20T15:31:00.000Z', quantity: 5 });
      const unwritten = anExecution({ execId: '0000e0d5.6577a1c1.01.01', time: '2026-11-20T15:32:00.000Z' });
      const early = anExecution({ execId: '0000e0d5.6577a1c2.01.01', time: '2026-11-20T15:30:00.000Z' });
      store.recordFills('r1', [original, unwritten, early]);
      const mark = { size: 321, mtimeMs: 1_795_000_000_123, ino: '18446744073709551615', dev: '2049', eol: 'crlf' as const };
      store.markFillsInCsv([original.execId, early.execId], mark);
      expect(store.tradesCsvMark()).toEqual(mark);
      expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual([unwritten.execId]);
      // A replaced version already in the file stays among its rows, before its correction; one never written does not.
      const correction = { ...original, execId: '0000e0d5.6577a1c0.01.02', quantity: 4 };
      const unwrittenCorrection = { ...unwritten, execId: '0000e0d5.6577a1c1.01.02', quantity: 3 };
      store.recordFills('r2', [correction, unwrittenCorrection]);
      expect([...store.tradesCsvRows()].map((f) => [f.execId, f.quantity, f.runId])).toEqual([
        [early.execId, early.quantity, 'r1'],
        [original.execId, 5, 'r1'],
        [correction.execId, 4, 'r2'],
        [unwrittenCorrection.execId, 3, 'r2'],
      ]);
      // Flags without a mark leave the mark as it was.
      store.markFillsInCsv([correction.execId]);
      expect(store.tradesCsvMark()).toEqual(mark);
      const next = { ...mark, size: 400, eol: 'lf' as const };
      store.markFillsInCsv([unwrittenCorrection.execId], next);
      expect(store.tradesCsvMark()).toEqual(next);
      expect(store.fillsNotInCsv()).toEqual([]);
    });

    it('a correction and its original in one batch, in either order: only the correction is kept', () => {
      const a = anExecution({ execId: 'x.1.01', quantity: 10 });
      const b = anExecution({ execId: 'x.1.0a', quantity: 9 });
      expect(store.recordFills('r1', [b, a])).toEqual([b]);
      expect(
        store.recordFills('r2', [anExecution({ execId: 'y.1.01' }), anExecution({ execId: 'y.1.02', quantity: 7 })]).map((e) => e.execId),
      ).toEqual(['y.1.01', 'y.1.02']);
      expect(store.fillsNotInCsv().map((f) => [f.execId, f.quantity])).toEqual([
        ['x.1.0a', 9],
        ['y.1.02', 7],
      ]);
      // A correction with a missing figure is skipped, and the recorded version stays.
      expect(store.recordFills('r2', [anExecution({ execId: 'y.1.03', quantity: Number.NaN })])).toEqual([]);
      expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(['x.1.0a', 'y.1.02']);
    });

    it('records a fill whose commission is unknown (null), and fills it in once, when a later run hears it', () => {
      const e = anExecution({ execId: 'c.1.01', commission: null, time: '2026-11-20T15:20:00.000Z' });
      const nan = anExecution({ execId: 'c.2.01', commission: Number.NaN, time: '2026-11-20T15:25:00.000Z' });
      expect(store.recordFills('r1', [e, nan])).toEqual([e, nan]);
      expect(store.fillsNotInCsv().map((f) => f.commission)).toEqual([null, null]);
      expect(store.oldestFillWithoutCommission()).toBe('2026-11-20T15:20:00.000Z');
      expect(
        store.recordFills('r2', [
          { ...e, commission: 1.25 },
          { ...nan, commission: null },
        ]),
      ).toEqual([]);
      expect(store.fillsNotInCsv().map((f) => f.commission)).toEqual([1.25, null]);
      expect(store.oldestFillWithoutCommission()).toBe('2026-11-20T15:25:00.000Z');
      // A commission recorded is never changed.
      store.recordFills('r2', [
        { ...e, commission: 9 },
        { ...nan, commission: 0.5 },
      ]);
      expect(store.fillsNotInCsv().map((f) => f.commission)).toEqual([1.25, 0.5]);
      expect(store.oldestFillWithoutCommission()).toBeUndefined();
    });

    it("sums the fills of own orders per ticker, sells negative, with SQLite's compensated sum", () => {
      store.recordFills('r1', [
        anExecution({ execId: 'e1', orderRef: 'rebal:r1:AAPL', quantity: 10 }),
        anExecution({ execId: 'e2', orderRef: 'rebal:r1:AAPL', quantity: 4, side: 'SELL' }),
        anExecution({ execId: 'e3', orderRef: 'manual', quantity: 100 }),
        anExecution({ execId: 'e4', orderRef: 'rebal:r1:MSFT', symbol: 'MSFT', quantity: 0.1 }),
        anExecution({ execId: 'e5', orderRef: 'rebal:r2:MSFT', symbol: 'MSFT', quantity: 0.2 }),
        anExecution({ execId: 'e6', orderRef: 'rebal:r2:MSFT', symbol: 'MSFT', quantity: 0.3 }),
        anExecution({ execId: 'e7', orderRef: 'rebal:r2:KO', symbol: 'KO', quantity: 3, side: 'SELL' }),
        anExecution({ execId: 'e8', orderRef: 'REBAL:r2:KO', symbol: 'KO', quantity: 50 }),
      ]);
      expect(store.ownFillTotals('rebal:')).toEqual([
        { symbol: 'AAPL', quantity: 6 },
        { symbol: 'KO', quantity: -3 },
        { symbol: 'MSFT', quantity: 0.6 },
      ]);
      expect(store.ownFillTotals('rebal:r1:')).toEqual([
        { symbol: 'AAPL', quantity: 6 },
        { symbol: 'MSFT', quantity: 0.1 },
      ]);
      expect(store.ownFillTotals('nobody:')).toEqual([]);
      expect(store.ownFillTotals('')).toEqual([
        { symbol: 'AAPL', quantity: 106 },
        { symbol: 'KO', quantity: 47 },
        { symbol: 'MSFT', quantity: 0.6 },
      ]);
    });
  });

  describe('snapshots and positions', () => {
    it('stores a snapshot taken at the run start with its positions, listed by symbol', () => {
      start('r1', '2026-11-20T15:30:00.000Z');
      const msft = aPosition({ symbol: 'MSFT', quantity: -5, weight: -0.02, targetWeight: 0 });
      store.recordSnapshot('r1', aSnapshot(), [msft, aPosition()]);
      expect(store.latestSnapshot()).toStrictEqual({ runId: 'r1', takenAt: '2026-11-20T15:30:00.000Z', ...aSnapshot() });
      expect(store.positionsOf('r1')).toStrictEqual([aPosition(), msft]);
      expect(reports.positionsOf('r1')).toStrictEqual([aPosition(), msft]);
      expect(store.positionsOf('r2')).toEqual([]);
    });

    it('stores the cash per currency with the snapshot (migration 0015): a borrowed balance negative, a missing rate absent', () => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
      const balances = [
        { currency: 'SGD', cash: 150_000, exchangeRate: 1, rateReadAt: '2026-11-20T15:30:02Z' },
        { currency: 'GBP', cash: -1_250.25, rateReadAt: '2026-11-20T15:30:02Z' },
        { currency: 'USD', cash: 40_000.5, exchangeRate: 1.351234, rateReadAt: '2026-11-20T15:30:02Z', brokerTime: '10:30' },
      ];
      store.recordSnapshot('r1', aSnapshot({ currency: 'SGD', cashBalances: balances }), [aPosition()]);
      store.recordSnapshot('r2', aSnapshot(), []);
      expect(store.cashBalancesOf('r1')).toStrictEqual(balances);
      expect(reports.cashBalancesOf('r1')).toStrictEqual(balances);
      expect(store.cashBalancesOf('r2')).toEqual([]);
      expect(store.latestSnapshot()).toStrictEqual({ runId: 'r2', takenAt: '2026-11-20T16:30:00.000Z', ...aSnapshot() });
    });

    it('refuses a cash row with a rate that is not positive, or a currency twice, keeping nothing of the snapshot', () => {
      start('r1', '2026-11-20T15:30:00.000Z');
      const usd = { currency: 'USD', cash: 1, exchangeRate: 1, rateReadAt: '2026-11-20T15:30:02Z' };
      expect(
        fails(() => store.recordSnapshot('r1', aSnapshot({ cashBalances: [usd, { ...usd, currency: 'EUR', exchangeRate: 0 }] }), [])),
      ).toBe(constraint('record the snapshot of run r1', 'CHECK', 'CHECK constraint failed: exchange_rate IS NULL OR exchange_rate > 0'));
      expect(fails(() => store.recordSnapshot('r1', aSnapshot({ cashBalances: [usd, usd] }), []))).toBe(
        constraint('record the snapshot of run r1', 'PRIMARYKEY', 'UNIQUE constraint failed: snapshot_cash.run_id, snapshot_cash.currency'),
      );
      expect(store.latestSnapshot()).toBeUndefined();
      expect(store.cashBalancesOf('r1')).toEqual([]);
    });

    it('refuses a second snapshot of a run, a duplicate ticker, a missing NLV and an unknown run, keeping nothing of them', () => {
      start('r1', '2026-11-20T15:30:00.000Z');
      start('r2', '2026-11-20T16:30:00.000Z');
      store.recordSnapshot('r1', aSnapshot(), [aPosition()]);
      expect(fails(() => store.recordSnapshot('r1', aSnapshot({ netLiquidation: 1 }), [aPosition({ symbol: 'SPY' })]))).toBe(
        constraint('record the snapshot of run r1', 'UNIQUE', 'UNIQUE constraint failed: snapshots.run_id'),
      );
      expect(fails(() => store.recordSnapshot('r2', aSnapshot({ netLiquidation: 2 }), [aPosition(), aPosition()]))).toBe(
        constraint('record the snapshot of run r2', 'PRIMARYKEY', 'UNIQUE constraint failed: positions.run_id, positions.symbol'),
      );
      expect(fails(() => store.recordSnapshot('r2', aSnapshot({ netLiquidation: Number.NaN }), []))).toBe(
        constraint('record the snapshot of run r2', 'NOTNULL', 'NOT NULL constraint failed: snapshots.net_liquidation'),
      );
      expect(fails(() => store.recordSnapshot('ghost', aSnapshot(), []))).toBe('<file>: no run ghost to attach a snapshot to');
      expect(store.latestSnapshot()?.runId).toBe('r1');
      expect(store.latestSnapshot()?.netLiquidation).toBe(100_000);
      expect(store.positionsOf('r1').map((p) => p.symbol)).toEqual(['AAPL']);
      expect(store.positionsOf('r2')).toEqual([]);
    });

    it('the latest snapshot is that of the latest run start (as text), then the last recorded', () => {
      start('a', '2026-11-20T16:30:00.000Z');
      start('b', '2026-11-20T15:30:00.000Z');
      start('c', '2026-11-20T16:30:00.000Z');
      store.recordSnapshot('c', aSnapshot({ netLiquidation: 3 }), []);
      store.recordSnapshot('a', aSnapshot({ netLiquidation: 1 }), []);
      store.recordSnapshot('b', aSnapshot({ netLiquidation: 2 }), []);
      expect(store.latestSnapshot()?.runId).toBe('a');
    });

    it('the start of day is the first positive NLV recorded on that trading day', () => {
      start('d1-a', '2026-11-19T20:30:00.000Z', '2026-11-19');
      start('d2-a', '2026-11-20T14:30:00.000Z', '2026-11-20');
      start('d2-b', '2026-11-20T15:30:00.000Z', '2026-11-20');
      start('d2-c', '2026-11-20T13:30:00.000Z', '2026-11-20');
      start('d3-a', '2026-11-23T14:30:00.000Z', '2026-11-23');
      start('d3-b', '2026-11-23T15:30:00.000Z', '2026-11-23');
      store.recordSnapshot('d1-a', aSnapshot({ netLiquidation: 90_000 }), []);
      store.recordSnapshot('d2-b', aSnapshot({ netLiquidation: 101_000 }), []);
      store.recordSnapshot('d2-a', aSnapshot({ netLiquidation: 100_500 }), []);
      store.recordSnapshot('d2-c', aSnapshot({ netLiquidation: -5 }), []);
      store.recordSnapshot('d3-a', aSnapshot({ netLiquidation: 0 }), []);
      store.recordSnapshot('d3-b', aSnapshot({ netLiquidation: 99_000 }), []);
      expect(store.startOfDayNetLiquidation('2026-11-20')).toBe(100_500);
      expect(store.startOfDayNetLiquidation('2026-11-19')).toBe(90_000);
      expect(store.startOfDayNetLiquidation('2026-11-23')).toBe(99_000);
      expect(store.startOfDayNetLiquidation('2026-11-21')).toBeUndefined();
    });
  });

  describe('traded value', () => {
    it('sums the filled value of the orders placed on the day, rounded to 1e-6', () => {
      start('d1', '2026-11-19T15:30:00.000Z', '2026-11-19');
      start('d2-a', '2026-11-20T14:30:00.000Z', '2026-11-20');
      start('d2-b', '2026-11-20T15:30:00.000Z', '2026-11-20');
      start('d3', '2026-11-23T15:30:00.000Z', '2026-11-23');
      const send = (runId: string, ref: string, quantity: number, limitPrice: number, id: number | undefined): void => {
        store.recordOrderIntent(runId, anOrder({ orderRef: ref, quantity, limitPrice }), '2026-11-20T15:30:05.000Z');
        if (id !== undefined) store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, brokerOrderId: id, quantity, limitPrice }));
      };
      const fill = (runId: string, ref: string, execId: string, quantity: number, price: number): void => {
        store.recordFills(runId, [anExecution({ execId, orderRef: ref, quantity, price })]);
      };
      send('d1', 'a', 100, 10, 1);
      fill('d1', 'a', 'e1', 100, 10);
      send('d2-a', 'b', 10, 190.05, 2);
      fill('d2-b', 'b', 'e2', 6, 190);
      send('d2-b', 'b2', 4, 190.05, 4);
      send('d2-b', 'c', 3, 0.1, 3);
      fill('d2-b', 'c', 'e3', 3, 0.1);
      send('d2-b', 'd', 1000, 50, undefined);
      store.markOrderFailed('d', 'rejected locally');
      fill('d2-b', 'manual', 'e4', 5, 100); // no order of ours: not counted
      send('d2-b', 'late', 2, 50, 5);
      fill('d3', 'late', 'e5', 2, 50); // collected on the 23rd, placed on the 20th
      expect(store.tradedValueOn('2026-11-20')).toBe(1240.3);
      expect(store.tradedValueOn('2026-11-19')).toBe(1000);
      expect(store.tradedValueOn('2026-11-23')).toBe(0);
      expect(store.tradedValueOn('2026-11-18')).toBe(0);
    });
  });

  describe('managed symbols', () => {
    it('keeps each symbol once, listed in order, with the first and the last run that managed it', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      store.addManagedSymbols(['MSFT', 'AAPL'], 'r1');
      store.addManagedSymbols(['AAPL', 'SPY', 'SPY'], 'r2');
      store.addManagedSymbols([], 'ghost');
      expect(store.managedSymbols()).toEqual(['AAPL', 'MSFT', 'SPY']);
      expect(s.raw.managed()).toEqual([
        { symbol: 'AAPL', firstRunId: 'r1', lastRunId: 'r2' },
        { symbol: 'MSFT', firstRunId: 'r1', lastRunId: 'r1' },
        { symbol: 'SPY', firstRunId: 'r2', lastRunId: 'r2' },
      ]);
      expect(fails(() => store.addManagedSymbols(['KO', 'AAPL'], 'ghost'))).toBe(
        constraint('record managed symbols of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(store.managedSymbols()).toEqual(['AAPL', 'MSFT', 'SPY']);
    });
  });

  describe('records owner', () => {
    const owner = {
      broker: 'sim',
      account: 'DU0000001',
      tradingMode: 'paper',
      runId: 'r1',
      at: '2026-11-20T14:30:00.000Z',
      adopted: false,
    } as const;

    it('has none until a run claims the records; the first claim stands, a second changes nothing', () => {
      expect(store.recordsOwner()).toBeUndefined();
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      expect(store.claimRecords(owner)).toEqual(owner);
      const other = {
        broker: 'ib',
        account: 'U7654321',
        tradingMode: 'live',
        runId: 'r2',
        at: '2026-11-20T15:30:00.000Z',
        adopted: true,
      } as const;
      expect(store.claimRecords(other)).toEqual(owner);
      expect(store.recordsOwner()).toEqual(owner);
      expect(s.reopen().store.recordsOwner()).toEqual(owner);
    });

    it('refuses a claim by a run it does not hold, or with an empty account, and records nothing', () => {
      expect(fails(() => store.claimRecords({ ...owner, runId: 'ghost' }))).toBe(
        constraint('record the owner of the records (run ghost)', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      start('r1', '2026-11-20T14:30:00.000Z');
      expect(fails(() => store.claimRecords({ ...owner, account: '' }))).toBe(
        constraint('record the owner of the records (run r1)', 'CHECK', 'CHECK constraint failed: length(account) > 0'),
      );
      expect(store.recordsOwner()).toBeUndefined();
    });
  });

  describe('strategies', () => {
    it('remembers each strategy by name: first and last sighting, last file and tickers; retired once, active again when it wants tickers', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      expect(store.strategies()).toEqual([]);
      store.recordStrategies(
        'r1',
        [
          { name: 'trend', file: 'f/trend.json', symbols: ['SPY'] },
          { name: 'carry', file: 'f/carry.json', symbols: ['GLD', 'TLT'] },
        ],
        '2026-11-20T14:30:00.000Z',
      );
      store.recordStrategies('r2', [{ name: 'carry', file: 'f/carry2.json', symbols: ['TLT'] }], '2026-11-20T15:30:00.000Z');
      const carry = {
        name: 'carry',
        lastFile: 'f/carry2.json',
        firstSeenAt: '2026-11-20T14:30:00.000Z',
        firstRunId: 'r1',
        lastSeenAt: '2026-11-20T15:30:00.000Z',
        lastRunId: 'r2',
        lastSymbols: ['TLT'],
      };
      const trend = {
        name: 'trend',
        lastFile: 'f/trend.json',
        firstSeenAt: '2026-11-20T14:30:00.000Z',
        firstRunId: 'r1',
        lastSeenAt: '2026-11-20T14:30:00.000Z',
        lastRunId: 'r1',
        lastSymbols: ['SPY'],
      };
      expect(store.strategies()).toStrictEqual([carry, trend]);

      const retirement = { at: '2026-11-20T16:00:00.000Z', source: 'operator me', reason: 'closed the strategy' };
      expect(store.retireStrategy('carry', retirement)).toBe(true);
      expect(store.retireStrategy('carry', { ...retirement, reason: 'again' })).toBe(false);
      expect(store.retireStrategy('ghost', retirement)).toBe(false);
      expect(store.strategies()).toStrictEqual([{ ...carry, retired: retirement }, trend]);

      // Seen again with no ticker: still retired, as it was; seen with tickers: active again, the history kept.
      store.recordStrategies('r2', [{ name: 'carry', file: 'f/carry2.json', symbols: [] }], '2026-11-20T16:30:00.000Z');
      expect(store.strategies()[0]).toStrictEqual({
        ...carry,
        lastSymbols: [],
        lastSeenAt: '2026-11-20T16:30:00.000Z',
        retired: retirement,
      });
      store.recordStrategies('r2', [{ name: 'carry', file: 'f/carry2.json', symbols: ['GLD'] }], '2026-11-20T17:30:00.000Z');
      expect(store.strategies()[0]).toStrictEqual({ ...carry, lastSymbols: ['GLD'], lastSeenAt: '2026-11-20T17:30:00.000Z' });
      expect(store.strategyRetirements()).toStrictEqual([{ name: 'carry', ...retirement }]);
    });

    it('refuses sightings of an unknown run, keeping none of them', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      expect(
        fails(() =>
          store.recordStrategies(
            'ghost',
            [
              { name: 'trend', file: 'f/trend.json', symbols: ['SPY'] },
              { name: 'carry', file: 'f/carry.json', symbols: ['TLT'] },
            ],
            'x',
          ),
        ),
      ).toBe(constraint('record the strategies of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'));
      expect(store.strategies()).toEqual([]);
    });
  });

  describe('forecasts (migration 0012)', () => {
    const trend = {
      strategy: 'trend',
      file: 'f/trend.json',
      asOf: '2026-11-20T14:00:00.000Z',
      leverage: 1,
      capital: 0.6,
      weights: { SPY: 0.5, AAPL: 0.2000000001, TLT: 0, MSFT: -0.3 },
    };
    const carry = { ...trend, strategy: 'carry', file: 'f/carry.json', leverage: 0.5, weights: { GLD: 1 } };

    it("reads each strategy's latest forecast, from runs other than the one given, oldest first, weights as recorded", () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      start('r3', '2026-11-20T16:30:00.000Z');
      expect(store.latestForecasts()).toEqual([]);
      store.recordForecasts('r1', [trend, carry]);
      store.recordForecasts('r2', [{ ...trend, leverage: 1.2, weights: { NVDA: 0.1 } }]);
      store.recordForecasts('r3', []);
      const r1 = { ...trend, runId: 'r1' };
      const r2 = { ...trend, runId: 'r2', leverage: 1.2, weights: { NVDA: 0.1 } };
      // carry last seen by r1, trend by r2: carry first (older), each once.
      expect(store.latestForecasts()).toStrictEqual([{ ...carry, runId: 'r1' }, r2]);
      expect(store.latestForecasts('r3')).toStrictEqual([{ ...carry, runId: 'r1' }, r2]);
      expect(store.latestForecasts('r2')).toStrictEqual([r1, { ...carry, runId: 'r1' }]);
      // The exact weights, zero and the 10th decimal included.
      expect(store.latestForecasts('r2')[0]?.weights).toStrictEqual({ AAPL: 0.2000000001, MSFT: -0.3, SPY: 0.5, TLT: 0 });
      // A later process on the same file reads the same.
      expect(s.reopen().store.latestForecasts()).toStrictEqual([{ ...carry, runId: 'r1' }, r2]);
    });

    it("as of a day (the report's view): the latest of the days before it, or of that day and before up to an instant", () => {
      start('f1', '2026-11-20T20:30:00.000Z', '2026-11-20');
      start('m1', '2026-11-23T14:35:00.000Z', '2026-11-23');
      start('m2', '2026-11-23T19:35:00.000Z', '2026-11-23');
      store.recordForecasts('f1', [trend, carry]);
      store.recordForecasts('m1', [{ ...trend, leverage: 1.2 }]);
      store.recordForecasts('m2', [{ ...trend, leverage: 1.5 }]);
      const before = reports.forecastsAsOf('2026-11-23');
      expect(before.map((f) => [f.runId, f.strategy, f.leverage])).toEqual([
        ['f1', 'trend', 1],
        ['f1', 'carry', 0.5],
      ]);
      expect(before[0]?.weights).toStrictEqual(trend.weights);
      expect(reports.forecastsAsOf('2026-11-23', '2026-11-23T15:00:00Z').map((f) => [f.runId, f.strategy, f.leverage])).toEqual([
        ['f1', 'carry', 0.5],
        ['m1', 'trend', 1.2],
      ]);
      expect(reports.forecastsAsOf('2026-11-23', '2026-11-23T21:00:00.000Z').map((f) => [f.runId, f.leverage])).toEqual([
        ['f1', 0.5],
        ['m2', 1.5],
      ]);
      expect(reports.forecastsAsOf('2026-11-20')).toEqual([]);
    });

    it("the order recorded, not the runs' starts, says which is latest (a clock set back)", () => {
      start('r1', '2026-11-20T16:30:00.000Z');
      start('r2', '2026-11-20T14:30:00.000Z');
      store.recordForecasts('r1', [trend]);
      store.recordForecasts('r2', [{ ...trend, leverage: 2 }]);
      expect(store.latestForecasts().map((f) => [f.runId, f.leverage])).toEqual([['r2', 2]]);
    });

    it('refuses forecasts of an unknown run, a strategy twice in a run, or a missing figure, keeping none of them', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      expect(fails(() => store.recordForecasts('ghost', [trend, carry]))).toBe(
        constraint('record the forecasts of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(fails(() => store.recordForecasts('r1', [carry, trend, { ...trend, leverage: 2 }]))).toBe(
        constraint('record the forecasts of run r1', 'UNIQUE', 'UNIQUE constraint failed: forecasts.run_id, forecasts.strategy'),
      );
      expect(fails(() => store.recordForecasts('r1', [carry, { ...trend, leverage: Number.NaN }]))).toBe(
        constraint('record the forecasts of run r1', 'NOTNULL', 'NOT NULL constraint failed: forecasts.leverage'),
      );
      expect(store.latestForecasts()).toEqual([]);
      store.recordForecasts('r1', [carry]);
      expect(fails(() => store.recordForecasts('r1', [carry]))).toBe(
        constraint('record the forecasts of run r1', 'UNIQUE', 'UNIQUE constraint failed: forecasts.run_id, forecasts.strategy'),
      );
    });
  });

  describe('ledger', () => {
    beforeEach(() => {
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
    });

    it('records one baseline per ticker and any number of accepted adjustments, oldest first', () => {
      const base = {
        symbol: 'AAPL',
        kind: 'baseline' as const,
        quantity: 100,
        ledgerBefore: 0,
        brokerQuantity: 100,
        reason: 'first',
        runId: 'r1',
        at: 'x',
        source: 'run r1',
      };
      expect(store.recordLedgerAdjustment(base)).toBe(true);
      expect(store.recordLedgerAdjustment({ ...base, quantity: 50, reason: 'second' })).toBe(false);
      expect(store.recordLedgerAdjustment({ ...base, symbol: 'MSFT', quantity: 7, reason: 'msft' })).toBe(true);
      expect(
        store.recordLedgerAdjustment({ ...base, kind: 'accept', quantity: 5, reason: 'manual buy', runId: 'r2', source: 'operator me' }),
      ).toBe(true);
      expect(
        store.recordLedgerAdjustment({ ...base, kind: 'accept', quantity: -1, reason: 'again', runId: undefined, source: 'operator me' }),
      ).toBe(true);
      expect(store.recordLedgerAdjustment({ ...base, kind: 'accept', quantity: Number.NaN, reason: 'no number' })).toBe(false);
      expect(fails(() => store.recordLedgerAdjustment({ ...base, kind: 'accept', runId: 'ghost' }))).toBe(
        constraint('record a accept ledger adjustment of AAPL', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(store.ledgerAdjustments()).toStrictEqual([
        base,
        { ...base, symbol: 'MSFT', quantity: 7, reason: 'msft' },
        { ...base, kind: 'accept', quantity: 5, reason: 'manual buy', runId: 'r2', source: 'operator me' },
        { ...base, kind: 'accept', quantity: -1, reason: 'again', runId: undefined, source: 'operator me' },
      ]);
    });

    it('returns the check of the latest run (by start) that recorded one, its lines by symbol, a ticker checked twice once', () => {
      expect(store.latestLedgerCheck()).toBeUndefined();
      store.recordLedgerCheck('r2', [
        { symbol: 'MSFT', ledgerQuantity: 0, brokerQuantity: 0 },
        { symbol: 'AAPL', ledgerQuantity: 110, brokerQuantity: 115 },
      ]);
      store.recordLedgerCheck('r1', [{ symbol: 'AAPL', ledgerQuantity: 100, brokerQuantity: 100 }]);
      store.recordLedgerCheck('r2', [{ symbol: 'AAPL', ledgerQuantity: 110, brokerQuantity: 116 }]);
      expect(store.latestLedgerCheck()).toStrictEqual({
        runId: 'r2',
        at: '2026-11-20T15:30:00.000Z',
        lines: [
          { symbol: 'AAPL', ledgerQuantity: 110, brokerQuantity: 116 },
          { symbol: 'MSFT', ledgerQuantity: 0, brokerQuantity: 0 },
        ],
      });
      store.recordLedgerCheck('r1', []);
      expect(store.latestLedgerCheck()?.runId).toBe('r2');
    });

    it('refuses a check of an unknown run or with a missing figure, keeping none of its lines', () => {
      expect(fails(() => store.recordLedgerCheck('ghost', [{ symbol: 'AAPL', ledgerQuantity: 1, brokerQuantity: 1 }]))).toBe(
        constraint('record the ledger check of run ghost', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'),
      );
      expect(
        fails(() =>
          store.recordLedgerCheck('r1', [
            { symbol: 'AAPL', ledgerQuantity: 1, brokerQuantity: 1 },
            { symbol: 'MSFT', ledgerQuantity: 1, brokerQuantity: Number.NaN },
          ]),
        ),
      ).toBe(constraint('record the ledger check of run r1', 'NOTNULL', 'NOT NULL constraint failed: ledger_checks.broker_quantity'));
      expect(store.latestLedgerCheck()).toBeUndefined();
    });
  });

  describe('halt events and emails', () => {
    it('records halt events and emails as given; an email names a run only if it exists', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      store.recordHaltEvent({ action: 'halt', reason: 'daily loss 3.2%', at: '2026-11-20T14:31:00.000Z', source: 'run r1' });
      store.recordHaltEvent({ action: 'resume', reason: 'checked', at: '2026-11-20T14:35:00.000Z', source: 'operator me' });
      store.recordEmail({
        kind: 'alert',
        tradingDay: '2026-11-20',
        subject: 'BLOCKED',
        status: 'sent',
        at: '2026-11-20T14:31:05.000Z',
        runId: 'r1',
        alertKey: 'k1',
      });
      store.recordEmail({ kind: 'end', tradingDay: '2026-11-20', subject: 'End of day', status: 'queued', at: '2026-11-20T21:00:00.000Z' });
      expect(
        fails(() => store.recordEmail({ kind: 'alert', tradingDay: '2026-11-20', subject: 'x', status: 'sent', at: 'x', runId: 'ghost' })),
      ).toBe(constraint('record the alert email', 'FOREIGNKEY', 'FOREIGN KEY constraint failed'));
      expect(s.raw.haltEvents()).toEqual([
        { action: 'halt', reason: 'daily loss 3.2%', at: '2026-11-20T14:31:00.000Z', source: 'run r1' },
        { action: 'resume', reason: 'checked', at: '2026-11-20T14:35:00.000Z', source: 'operator me' },
      ]);
      expect(s.raw.emails()).toEqual([
        {
          kind: 'alert',
          tradingDay: '2026-11-20',
          subject: 'BLOCKED',
          status: 'sent',
          at: '2026-11-20T14:31:05.000Z',
          runId: 'r1',
          alertKey: 'k1',
        },
        {
          kind: 'end',
          tradingDay: '2026-11-20',
          subject: 'End of day',
          status: 'queued',
          at: '2026-11-20T21:00:00.000Z',
          runId: null,
          alertKey: null,
        },
      ]);
    });
  });

  describe('report store', () => {
    it('snapshots of a day up to an instant, compared as instants whatever their spelling, oldest first', () => {
      start('a', '2026-11-20T15:30:00Z');
      start('b', '2026-11-20T14:30:00.000Z');
      start('c', '2026-11-20T16:30:00.000Z');
      start('other', '2026-11-20T15:00:00.000Z', '2026-11-19');
      for (const id of ['a', 'b', 'c', 'other']) store.recordSnapshot(id, aSnapshot(), []);
      // '…15:30:00Z' sorts after '…15:30:00.000Z' as text, but it is the same instant.
      expect(reports.snapshotsOn('2026-11-20', '2026-11-20T15:30:00.000Z').map((x) => x.runId)).toEqual(['b', 'a']);
      expect(reports.snapshotsOn('2026-11-20', '2026-11-20T10:30:00-05:00').map((x) => x.runId)).toEqual(['b', 'a']);
      expect(reports.snapshotsOn('2026-11-20', '2026-11-20T15:29:59.999Z').map((x) => x.runId)).toEqual(['b']);
      expect(reports.snapshotsOn('2026-11-20', '2026-11-20 17:00')).toStrictEqual([
        { runId: 'b', takenAt: '2026-11-20T14:30:00.000Z', ...aSnapshot() },
        { runId: 'a', takenAt: '2026-11-20T15:30:00Z', ...aSnapshot() },
        { runId: 'c', takenAt: '2026-11-20T16:30:00.000Z', ...aSnapshot() },
      ]);
      expect(reports.snapshotsOn('2026-11-20', 'not a time')).toEqual([]);
    });

    it('cash flows of days: each in the day of the run whose snapshot first includes it; replaced ones too; none not yet read', () => {
      const read = (runId: string, readAt: string, tradingDay: string): void =>
        store.recordAccountRead({ runId, readAt, tradingDay, cash: 1000, netLiquidation: 100_000, currency: 'USD', positions: {} });
      const flow = (id: string, at: string, amount: number, more: Partial<CashFlowRecord> = {}): void => {
        store.recordCashFlow({
          id,
          at,
          amount,
          currency: 'USD',
          kind: 'other',
          source: 'declared',
          description: id,
          recordedAt: at,
          recordedBy: 'operator t',
          ...more,
        });
      };
      start('fri', '2026-11-20T20:35:00.000Z', '2026-11-20');
      start('mon-1', '2026-11-23T14:35:00.000Z', '2026-11-23');
      start('mon-2', '2026-11-23T15:35:00.000Z', '2026-11-23');
      read('fri', '2026-11-20T20:35:01.000Z', '2026-11-20');
      read('mon-1', '2026-11-23T14:35:01.000Z', '2026-11-23');
      read('mon-2', '2026-11-23T15:35:01.000Z', '2026-11-23');
      // Saturday's deposit is first read on Monday; a flow the run mon-2 inferred is its own, whatever its `at`.
      flow('sat', '2026-11-21T12:00:00Z', 15_000, { kind: 'deposit' });
      flow('inferred:mon-2', '2026-11-23T15:35:01.000Z', -8000, {
        source: 'inferred',
        runId: 'mon-2',
        windowFrom: '2026-11-23T14:35:01.000Z',
        recordedBy: 'run mon-2',
      });
      flow('mon-declared', '2026-11-23T15:00:00.000Z', -8000);
      flow('fri-fee', '2026-11-20T18:00:00.000Z', -5, { kind: 'fee' });
      flow('not-yet-read', '2026-11-23T16:00:00.000Z', 100);
      const seen = (from: string, to: string, until: string): [string, string, string][] =>
        reports.cashFlowsOn(from, to, until).map((f) => [f.id, f.tradingDay, f.reflectedAt]);
      expect(seen('2026-11-23', '2026-11-23', '2026-11-23T23:00:00Z')).toEqual([
        ['sat', '2026-11-23', '2026-11-23T14:35:00.000Z'],
        ['mon-declared', '2026-11-23', '2026-11-23T15:35:00.000Z'],
        ['inferred:mon-2', '2026-11-23', '2026-11-23T15:35:00.000Z'],
      ]);
      expect(seen('2026-11-20', '2026-11-23', '2026-11-23T15:00:00Z')).toEqual([
        ['fri-fee', '2026-11-20', '2026-11-20T20:35:00.000Z'],
        ['sat', '2026-11-23', '2026-11-23T14:35:00.000Z'],
      ]);
      const inferred = reports.cashFlowsOn('2026-11-23', '2026-11-23', '2026-11-23T23:00:00Z').find((f) => f.source === 'inferred');
      expect(inferred).toMatchObject({ amount: -8000, windowFrom: '2026-11-23T14:35:01.000Z', runId: 'mon-2', recordedBy: 'run mon-2' });
    });

    it('the close on or before a day is the last snapshot of the latest day that has one', () => {
      start('thu', '2026-11-19T20:30:00.000Z', '2026-11-19');
      start('fri-1', '2026-11-20T20:30:00.000Z', '2026-11-20');
      start('fri-2', '2026-11-20T20:30:00.000Z', '2026-11-20');
      start('fri-0', '2026-11-20T14:30:00.000Z', '2026-11-20');
      start('mon', '2026-11-23T14:30:00.000Z', '2026-11-23');
      for (const id of ['thu', 'fri-2', 'fri-1', 'fri-0']) store.recordSnapshot(id, aSnapshot(), []);
      expect(reports.closingSnapshotOnOrBefore('2026-11-23')).toStrictEqual({
        runId: 'fri-1',
        takenAt: '2026-11-20T20:30:00.000Z',
        ...aSnapshot(),
        tradingDay: '2026-11-20',
      });
      expect(reports.closingSnapshotOnOrBefore('2026-11-19')?.runId).toBe('thu');
      expect(reports.closingSnapshotOnOrBefore('2026-11-18')).toBeUndefined();
    });

    it('orders, breaches and runs of a day up to an instant, oldest first', () => {
      start('late', '2026-11-20T18:30:00.000Z');
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      start('prev', '2026-11-20T13:00:00.000Z', '2026-11-19');
      store.recordOrderIntent('r2', anOrder({ orderRef: 'x' }), '2026-11-20T15:30:01.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'y' }), '2026-11-20T15:30:01.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'z' }), '2026-11-20T14:30:01.000Z');
      store.recordOrderIntent('late', anOrder({ orderRef: 'w' }), '2026-11-20T14:00:00.000Z');
      store.recordOrderIntent('prev', anOrder({ orderRef: 'v' }), '2026-11-20T13:00:01.000Z');
      store.recordBreaches('r2', [{ code: 'NAV_JUMP', detail: 'two' }]);
      store.recordBreaches('r1', [{ code: 'MISSING_PRICE', detail: 'one', symbol: 'XYZ' }]);
      store.recordBreaches('late', [{ code: 'KILL_SWITCH', detail: 'late' }]);
      const until = '2026-11-20T17:00:00.000Z';
      expect(reports.ordersOn('2026-11-20', until).map((o) => o.orderRef)).toEqual(['z', 'x', 'y']);
      // The record, with the contract's currency (migration 0017).
      expect(reports.ordersOn('2026-11-20', until)[0]).toStrictEqual({ ...store.ordersOf('r1')[1], currency: 'USD' });
      expect(reports.breachesOn('2026-11-20', until)).toStrictEqual([
        { code: 'MISSING_PRICE', detail: 'one', symbol: 'XYZ', runId: 'r1', at: '2026-11-20T14:30:00.000Z' },
        { code: 'NAV_JUMP', detail: 'two', runId: 'r2', at: '2026-11-20T15:30:00.000Z' },
      ]);
      expect(reports.runsOn('2026-11-20', until).map((r) => r.runId)).toEqual(['r1', 'r2']);
      expect(reports.runsOn('2026-11-20', '2026-11-21T00:00:00Z')).toStrictEqual(
        store
          .recentRuns(-1)
          .filter((r) => r.tradingDay === '2026-11-20')
          .reverse(),
      );
      expect([reports.hasRunOn('2026-11-19'), reports.hasRunOn('2026-11-21')]).toEqual([true, false]);
    });

    it('the days with runs started at or before an instant, newest first, each once, at most `limit`', () => {
      expect(reports.runDaysOnOrBefore('2026-11-30T00:00:00.000Z', 5)).toEqual([]);
      start('fri1', '2026-11-20T14:35:00.000Z');
      start('fri2', '2026-11-20T20:35:00.000Z');
      start('sat', '2026-11-21T15:00:00.000Z');
      start('thu', '2026-11-19T15:00:00.000Z');
      // a run recorded under an earlier trading day than its start (an evening run of the day before)
      start('late', '2026-11-23T01:00:00.000Z', '2026-11-22');
      expect(reports.runDaysOnOrBefore('2026-11-30T00:00:00.000Z', 10)).toEqual(['2026-11-22', '2026-11-21', '2026-11-20', '2026-11-19']);
      expect(reports.runDaysOnOrBefore('2026-11-30T00:00:00.000Z', 2)).toEqual(['2026-11-22', '2026-11-21']);
      // compared as instants, whatever the spelling: a run started after `until` is not there yet
      expect(reports.runDaysOnOrBefore('2026-11-21T09:59:59-05:00', 10)).toEqual(['2026-11-20', '2026-11-19']);
      expect(reports.runDaysOnOrBefore('2026-11-21T10:00:00-05:00', 10)).toEqual(['2026-11-21', '2026-11-20', '2026-11-19']);
      expect(reports.runDaysOnOrBefore('2026-11-20T14:35:00Z', 10)).toEqual(['2026-11-20', '2026-11-19']);
      expect(reports.runDaysOnOrBefore('2026-11-19T14:59:59.999Z', 10)).toEqual([]);
      expect(reports.runDaysOnOrBefore('not a time', 10)).toEqual([]);
    });

    it("order activity of a day: the day's runs' requests, and their orders with a recorded fill, a correction counted once", () => {
      start('prev', '2026-11-19T15:30:00.000Z', '2026-11-19');
      start('old', '2026-11-20T13:30:00.000Z'); // as if before migration 0011: no counts
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      start('late', '2026-11-20T18:30:00.000Z');
      start('next', '2026-11-23T14:30:00.000Z', '2026-11-23');
      const until = '2026-11-20T17:00:00Z';
      expect(reports.orderActivityOn('2026-11-20', until)).toStrictEqual({
        sent: 0,
        modified: 0,
        cancelled: 0,
        executedOrders: 0,
        fills: 0,
      });
      store.recordOrderCounts('prev', { sent: 50, modified: 50, cancelled: 50 });
      store.recordOrderCounts('r1', { sent: 3, modified: 0, cancelled: 1 });
      store.recordOrderCounts('r2', { sent: 1, modified: 2, cancelled: 0 });
      store.recordOrderCounts('late', { sent: 9, modified: 9, cancelled: 9 });
      for (const [run, ref] of [
        ['prev', 'p'],
        ['old', 'o'],
        ['r1', 'a'],
        ['r1', 'b'],
        ['r1', 'c'],
        ['r2', 'd'],
        ['late', 'l'],
      ] as const)
        store.recordOrderIntent(run, anOrder({ orderRef: ref }), '2026-11-20T14:30:05.000Z');
      store.recordFills('r1', [
        anExecution({ execId: 'o.1.01', orderRef: 'o', quantity: 2 }),
        anExecution({ execId: 'a.1.01', orderRef: 'a', quantity: 2 }),
        anExecution({ execId: 'a.2.01', orderRef: 'a', quantity: 3 }),
        anExecution({ execId: 'p.1.01', orderRef: 'p' }),
        anExecution({ execId: 'm.1.01', orderRef: 'by-hand' }),
      ]);
      // A correction of a.2 (it replaces the fill), a fill of d, of b collected by a run after `until`, and of l.
      store.recordFills('r2', [
        anExecution({ execId: 'a.2.02', orderRef: 'a', quantity: 4 }),
        anExecution({ execId: 'd.1.01', orderRef: 'd', quantity: 1 }),
      ]);
      store.recordFills('late', [anExecution({ execId: 'b.1.01', orderRef: 'b' }), anExecution({ execId: 'l.1.01', orderRef: 'l' })]);
      store.recordFills('next', [anExecution({ execId: 'c.1.01', orderRef: 'c' })]);
      expect(reports.orderActivityOn('2026-11-20', until)).toStrictEqual({
        sent: 4,
        modified: 2,
        cancelled: 1,
        executedOrders: 3,
        fills: 4,
      });
      // By r1's start: o and a, one fill each (a.2's correction, which took its place, was collected by r2).
      expect(reports.orderActivityOn('2026-11-20', '2026-11-20T14:30:00.000Z')).toStrictEqual({
        sent: 3,
        modified: 0,
        cancelled: 1,
        executedOrders: 2,
        fills: 2,
      });
      // A fill collected on a later day still belongs to the day its order was placed.
      expect(reports.orderActivityOn('2026-11-20', '2026-11-24T00:00:00Z')).toStrictEqual({
        sent: 13,
        modified: 11,
        cancelled: 10,
        executedOrders: 6,
        fills: 7,
      });
      expect(reports.orderActivityOn('2026-11-23', '2026-11-24T00:00:00Z')).toStrictEqual({
        sent: 0,
        modified: 0,
        cancelled: 0,
        executedOrders: 0,
        fills: 0,
      });
    });

    it("changes of orders of a day: those the day's runs asked by an instant, oldest first, whichever day placed the order", () => {
      start('thu', '2026-11-19T15:30:00.000Z', '2026-11-19');
      start('r1', '2026-11-20T14:30:00.000Z');
      start('r2', '2026-11-20T15:30:00.000Z');
      store.recordOrderIntent('thu', anOrder({ orderRef: 'o-thu' }), '2026-11-19T15:30:05.000Z');
      store.recordOrderIntent('r1', anOrder({ orderRef: 'o-fri' }), '2026-11-20T14:30:05.000Z');
      const base = { brokerOrderId: 1, fromQuantity: 10, fromLimitPrice: 1, quantity: 12, limitPrice: 1.1, filledBefore: 2 };
      const a = store.recordModificationIntent('thu', { ...base, runId: 'thu', orderRef: 'o-thu' }, '2026-11-19T15:30:06.000Z');
      const b = store.recordModificationIntent('r2', { ...base, runId: 'r2', orderRef: 'o-fri' }, '2026-11-20T15:30:09.000Z');
      const c = store.recordModificationIntent('r1', { ...base, runId: 'r1', orderRef: 'o-thu' }, '2026-11-20T14:30:06.000Z');
      const d = store.recordModificationIntent('r2', { ...base, runId: 'r2', orderRef: 'o-thu' }, '2026-11-20T15:30:07.000Z');
      store.settleModification(d, { status: 'Modified' }, '2026-11-20T15:30:08.000Z');
      expect(reports.modificationsOn('2026-11-20', '2026-11-20T17:00:00Z').map((m) => m.id)).toEqual([c, d, b]);
      expect(reports.modificationsOn('2026-11-20', '2026-11-20T17:00:00Z')).toStrictEqual([
        ...store.modificationsOf('r1'),
        ...store.modificationsOf('r2').reverse(),
      ]);
      expect(reports.modificationsOn('2026-11-20', '2026-11-20T14:59:00Z').map((m) => m.id)).toEqual([c]);
      expect(reports.modificationsOn('2026-11-19', '2026-11-20T17:00:00Z').map((m) => m.id)).toEqual([a]);
      expect(reports.modificationsOn('2026-11-21', '2026-11-22T00:00:00Z')).toEqual([]);
    });

    it('a fill belongs to the day of the run that placed its order, else of the run that collected it', () => {
      start('fri', '2026-11-20T15:30:00.000Z', '2026-11-20');
      start('mon', '2026-11-23T14:30:00.000Z', '2026-11-23');
      start('mon-late', '2026-11-23T18:30:00.000Z', '2026-11-23');
      store.recordOrderIntent('fri', { ...anOrder({ orderRef: 'o-fri' }), referencePrice: 190 }, '2026-11-20T15:30:05.000Z');
      store.recordOrderIntent('mon', anOrder({ orderRef: 'o-mon' }), '2026-11-23T14:30:05.000Z');
      store.recordFills('mon', [
        anExecution({ execId: 'e-fri', orderRef: 'o-fri', time: '2026-11-23T14:30:01.000Z' }),
        anExecution({ execId: 'e-mon', orderRef: 'o-mon', time: '2026-11-23T14:31:00.000Z' }),
        anExecution({ execId: 'e-manual', orderRef: 'by-hand', time: '2026-11-23T14:20:00.000Z' }),
      ]);
      store.recordFills('mon-late', [anExecution({ execId: 'e-late', orderRef: 'by-hand', time: '2026-11-23T18:00:00.000Z' })]);
      expect(reports.fillsOn('2026-11-20', '2026-11-24T00:00:00Z')).toStrictEqual([
        {
          ...anExecution({ execId: 'e-fri', orderRef: 'o-fri', time: '2026-11-23T14:30:01.000Z' }),
          runId: 'mon',
          referencePrice: 190,
          currency: 'USD',
        },
      ]);
      expect(reports.fillsOn('2026-11-23', '2026-11-23T15:00:00Z')).toStrictEqual([
        { ...anExecution({ execId: 'e-manual', orderRef: 'by-hand', time: '2026-11-23T14:20:00.000Z' }), runId: 'mon' },
        { ...anExecution({ execId: 'e-mon', orderRef: 'o-mon', time: '2026-11-23T14:31:00.000Z' }), runId: 'mon', currency: 'USD' },
      ]);
      expect(reports.fillsOn('2026-11-23', '2026-11-24T00:00:00Z').map((f) => f.execId)).toEqual(['e-manual', 'e-mon', 'e-late']);
    });

    it('daily rows: one per day, replaced when written again, the last n before a day, oldest first', () => {
      const row = (tradingDay: string, closingNlv: number, change?: number, realized?: number) => ({
        tradingDay,
        closingNlv,
        change,
        turnover: 10,
        commissions: 1,
        fills: 2,
        realized,
      });
      reports.recordDailyRow(row('2026-11-19', 99_500), '2026-11-19T21:05:00.000Z');
      reports.recordDailyRow(row('2026-11-18', 99_000, 100), '2026-11-18T21:05:00.000Z');
      reports.recordDailyRow(row('2026-11-20', 100_000, 500), '2026-11-20T21:05:00.000Z');
      reports.recordDailyRow(row('2026-11-20', 100_100, 600, -12.5), '2026-11-20T21:10:00.000Z');
      expect(reports.dailyRowsBefore('2026-11-23', 2)).toStrictEqual([
        { tradingDay: '2026-11-19', closingNlv: 99_500, turnover: 10, commissions: 1, fills: 2 },
        { tradingDay: '2026-11-20', closingNlv: 100_100, change: 600, turnover: 10, commissions: 1, fills: 2, realized: -12.5 },
      ]);
      expect(reports.dailyRowsBefore('2026-11-20', -1).map((r) => r.tradingDay)).toEqual(['2026-11-18', '2026-11-19']);
      expect(reports.dailyRowsBefore('2026-11-20', 0)).toEqual([]);
      expect(fails(() => reports.recordDailyRow({ ...row('2026-11-21', Number.NaN) }, 'x'))).toBe(
        constraint('record the daily row of 2026-11-21', 'NOTNULL', 'NOT NULL constraint failed: daily.closing_nlv'),
      );
    });

    it('alert history since an instant, and the daily email kinds of a day, whatever their status', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      const email = (kind: string, at: string, status: string, alertKey?: string, tradingDay = '2026-11-20') =>
        store.recordEmail({ kind, tradingDay, subject: kind, status, at, alertKey });
      email('alert', '2026-11-20T15:00:00Z', 'sent', 'k1');
      email('alert', '2026-11-20T14:00:00.000Z', 'suppressed', 'k1');
      email('alert', '2026-11-20T13:00:00.000Z', 'sent', 'k0');
      email('mid', '2026-11-20T17:00:00.000Z', 'failed');
      email('start', '2026-11-20T14:00:00.000Z', 'queued');
      email('start', '2026-11-20T14:05:00.000Z', 'sent');
      email('end', '2026-11-19T21:00:00.000Z', 'sent', undefined, '2026-11-19');
      email('warning', '2026-11-20T18:00:00.000Z', 'sent');
      expect(reports.alertHistory('2026-11-20T14:00:00Z')).toStrictEqual([
        { key: 'k1', at: '2026-11-20T14:00:00.000Z', status: 'suppressed' },
        { key: 'k1', at: '2026-11-20T15:00:00Z', status: 'sent' },
      ]);
      expect(reports.alertHistory('garbage')).toEqual([]);
      expect(reports.dailyEmailKindsOn('2026-11-20')).toEqual(['mid', 'start']);
      expect(reports.dailyEmailKindsOn('2026-11-19')).toEqual(['end']);
      expect(reports.dailyEmailKindsOn('2026-11-21')).toEqual([]);
    });
  });

  describe('connection', () => {
    it('stores that own their database fail once closed; closing twice is harmless', () => {
      const owned = s.openOwned();
      owned.store.startRun({ runId: 'r1', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
      owned.store.close();
      owned.store.close();
      expect(failure(owned.file, () => owned.store.recentRuns(1))).toBe(
        '<file>: could not read recent runs: The database connection is not open',
      );
      expect(failure(owned.file, () => owned.store.recordBreaches('r1', []))).toBe(
        '<file>: could not record breaches of run r1: The database connection is not open',
      );
      expect(owned.reports.hasRunOn('2026-11-20')).toBe(true);
      owned.reports.close();
      expect(failure(owned.file, () => owned.reports.hasRunOn('2026-11-20'))).toBe(
        '<file>: could not read the runs of the day: The database connection is not open',
      );
    });

    it('stores on a shared database leave it open; what was written is there for the next store', () => {
      start('r1', '2026-11-20T14:30:00.000Z');
      store.recordFills('r1', [anExecution()]);
      store.close();
      expect(reports.hasRunOn('2026-11-20')).toBe(true);
      expect(store.previousRun()?.runId).toBe('r1');
      const next = s.reopen();
      expect(next.store.previousRun()?.runId).toBe('r1');
      expect(next.store.recordFills('r1', [anExecution()])).toEqual([]);
      expect(next.reports.runsOn('2026-11-20', '2026-11-21T00:00:00Z').map((r) => r.runId)).toEqual(['r1']);
    });
  });

  describe('contract cache', () => {
    const info = (symbol: string, over: Record<string, unknown> = {}) => ({
      symbol,
      minTick: 0.01,
      primaryExchange: 'NASDAQ',
      currency: 'USD',
      ...over,
    });

    it('returns the cached entries of the symbols asked, optional facts only when known, a later put replacing', () => {
      const cache = s.cache();
      expect(cache.get([])).toEqual({});
      expect(cache.get(['AAPL'])).toEqual({});
      cache.put([], 'x');
      cache.put(
        [
          info('AAPL', { conId: 265598, timeZone: 'US/Eastern', liquidHours: '20261120:0930-20261120:1600', tradingHours: 'h' }),
          info('MSFT'),
        ],
        '2026-11-20T14:00:00.000Z',
      );
      cache.put([info('MSFT', { minTick: 0.0001, primaryExchange: 'ARCA' })], '2026-11-20T15:00:00.000Z');
      expect(cache.get(['MSFT', 'AAPL', 'KO', 'MSFT'])).toStrictEqual({
        AAPL: {
          symbol: 'AAPL',
          conId: 265598,
          minTick: 0.01,
          primaryExchange: 'NASDAQ',
          currency: 'USD',
          timeZone: 'US/Eastern',
          liquidHours: '20261120:0930-20261120:1600',
          tradingHours: 'h',
          cachedAt: '2026-11-20T14:00:00.000Z',
        },
        MSFT: { symbol: 'MSFT', minTick: 0.0001, primaryExchange: 'ARCA', currency: 'USD', cachedAt: '2026-11-20T15:00:00.000Z' },
      });
      expect(cache.get(['aapl'])).toEqual({});
    });

    it('refuses a batch with a tick that is not positive, or a missing field, keeping none of it', () => {
      const cache = s.cache();
      expect(failure(s.file, () => cache.put([info('AAPL'), info('MSFT', { minTick: 0 })], 'x'))).toBe(
        constraint('write the contract cache', 'CHECK', 'CHECK constraint failed: min_tick > 0'),
      );
      expect(failure(s.file, () => cache.put([info('AAPL'), info('MSFT', { currency: undefined })], 'x'))).toBe(
        constraint('write the contract cache', 'NOTNULL', 'NOT NULL constraint failed: contract_cache.currency'),
      );
      expect(cache.get(['AAPL', 'MSFT'])).toEqual({});
    });
  });
});

describe('MemoryStore beyond the port', () => {
  it('fails a chosen call like a disk error, before it changes anything', () => {
    const store = new MemoryStore(new MemoryDatabase('db.sqlite'));
    store.startRun({ runId: 'r1', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
    store.failOn('recordFills').failOn('finishRun', { call: 2, code: 'SQLITE_FULL', message: 'database or disk is full' });
    expect(() => store.recordFills('r1', [anExecution()])).toThrow(
      'db.sqlite: could not record fills of run r1: the operating system reported an I/O error (disk failure, or a full or vanished file system) (SQLITE_IOERR: disk I/O error)',
    );
    expect(store.hasFill(anExecution().execId)).toBe(false);
    expect(store.recordFills('r1', [anExecution()])).toHaveLength(1);
    store.finishRun('r1', { finishedAt: 'x', status: 'ok', exitCode: 0 });
    expect(() => store.finishRun('r1', { finishedAt: 'y', status: 'failed', exitCode: 1 })).toThrow(/the disk is full \(SQLITE_FULL/);
    expect(store.previousRun()?.finishedAt).toBe('x');
    expect(store.callCounts.get('finishRun')).toBe(2);
  });

  it('closing the shared connection stops every store on it but not one with its own; reopening brings the records back', () => {
    const db = new MemoryDatabase('db.sqlite');
    const shared = new MemoryStore(db);
    const own = new MemoryReportStore(db, { ownConnection: true });
    shared.startRun({ runId: 'r1', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
    shared.close();
    expect([shared.isOpen, shared.callCounts.get('close')]).toEqual([true, 1]);
    db.close();
    expect(shared.isOpen).toBe(false);
    expect(() => shared.previousRun()).toThrow('db.sqlite: could not read the previous run: The database connection is not open');
    expect(own.hasRunOn('2026-11-20')).toBe(true);
    db.reopen();
    expect(shared.previousRun()?.runId).toBe('r1');
    expect(db.runs.map((r) => r.runId)).toEqual(['r1']);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Side by side: random sequences of writes on both implementations, every answer compared.

const RUNS = ['r1', 'r2', 'r3', 'ghost'] as const;
/** Runs as the operations pick them: mostly runs that exist (r1 and r2 are started first), now and then not. */
const SOME_RUN = ['r1', 'r1', 'r1', 'r2', 'r2', 'r3', 'ghost'] as const;
const REFS = ['rebal:a', 'rebal:b', 'man:c'] as const;
const SYMBOLS = ['AAPL', 'MSFT', 'KO'] as const;
const EXECS = ['e1', 'e2', 'e3', 'e4'] as const;
const DAYS = ['2026-11-19', '2026-11-20'] as const;
const INSTANTS = [
  '2026-11-20T14:30:00.000Z',
  '2026-11-20T14:30:00Z',
  '2026-11-20T15:30:00.000Z',
  '2026-11-19T20:00:00.000Z',
  '2026-11-20T09:30:00-05:00',
] as const;
const NUMBERS = [0, 1, 2.5, 3, 10, -4, 0.1] as const;

type Op = { [K in keyof OpArgs]: { op: K; args: OpArgs[K] } }[keyof OpArgs];
interface OpArgs {
  startRun: [run: string, at: string, day: string, dryRun: boolean];
  finishRun: [run: string, status: RunStatus, exitCode: number, tradingState: string | undefined];
  recordBreaches: [run: string, symbols: (string | undefined)[]];
  recordOrderIntent: [run: string, ref: string, symbol: string, quantity: number, limit: number, reference: number | undefined, at: string];
  markOrderSent: [ref: string, status: string, id: number, permId: number | undefined, filled: number, message: string | undefined];
  markOrderFailed: [ref: string, message: string];
  updateOrderStatuses: [updates: [ref: string, status: string, id: number, permId: number | undefined, filled: number][]];
  recordReconciliation: [ref: string, status: RecordedOrderStatus, id: number | undefined, filled: number, at: string];
  recordFills: [
    run: string,
    fills: [exec: string, ref: string, symbol: string, sell: boolean, quantity: number, price: number, time: string][],
  ];
  markFillsInCsv: [execs: string[]];
  recordSnapshot: [run: string, nlv: number, symbols: string[]];
  addManagedSymbols: [symbols: string[], run: string];
  recordLedgerAdjustment: [symbol: string, baseline: boolean, quantity: number, run: string | undefined];
  recordLedgerCheck: [run: string, lines: [symbol: string, ledger: number, broker: number][]];
  failAbandonedRuns: [run: string];
  recordEmail: [kind: string, day: string, at: string, run: string | undefined, key: string | undefined];
  recordDailyRow: [day: string, nlv: number, change: number | undefined];
  recordModificationIntent: [run: string, ref: string, quantity: number, limit: number, at: string];
  settleModification: [id: number, status: ModificationOutcome['status'], code: number | undefined, filled: number | undefined, at: string];
  recordOrderCounts: [run: string, sent: number, modified: number, cancelled: number];
}

const pick = <T>(values: readonly T[]) => fc.constantFrom(...values);
/** A figure, now and then NaN (which SQLite stores as NULL). */
const num = fc.oneof({ arbitrary: pick(NUMBERS), weight: 12 }, { arbitrary: fc.constant(Number.NaN), weight: 1 });
const opt = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const STATUSES: RecordedOrderStatus[] = [...RECORDED_ORDER_STATUSES];

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.tuple(pick(RUNS), pick(INSTANTS), pick(DAYS), fc.boolean()).map((args) => ({ op: 'startRun' as const, args })),
    weight: 1,
  },
  fc
    .tuple(pick(SOME_RUN), pick(['ok', 'blocked', 'failed'] as RunStatus[]), pick([0, 1, 3]), opt(pick(['ACTIVE', 'HALTED'])))
    .map((args) => ({ op: 'finishRun' as const, args })),
  fc.tuple(pick(SOME_RUN), fc.array(opt(pick(SYMBOLS)), { maxLength: 2 })).map((args) => ({ op: 'recordBreaches' as const, args })),
  {
    arbitrary: fc
      .tuple(pick(SOME_RUN), pick(REFS), pick(SYMBOLS), num, num, opt(num), pick(INSTANTS))
      .map((args) => ({ op: 'recordOrderIntent' as const, args })),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(pick(REFS), pick(STATUSES), pick([1, 2]), opt(pick([70, 80])), num, opt(pick(['m1', 'm2'])))
      .map((args) => ({ op: 'markOrderSent' as const, args })),
    weight: 2,
  },
  fc.tuple(pick(REFS), pick(['timeout', 'closed'])).map((args) => ({ op: 'markOrderFailed' as const, args })),
  {
    arbitrary: fc
      .tuple(fc.array(fc.tuple(pick(REFS), pick(STATUSES), pick([3, 4]), opt(pick([90])), num), { maxLength: 3 }))
      .map((args) => ({ op: 'updateOrderStatuses' as const, args })),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(pick(REFS), pick(STATUSES), opt(pick([5, 6])), num, pick(INSTANTS))
      .map((args) => ({ op: 'recordReconciliation' as const, args })),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        pick(SOME_RUN),
        fc.array(fc.tuple(pick(EXECS), pick(REFS), pick(SYMBOLS), fc.boolean(), num, num, pick(INSTANTS)), { maxLength: 3 }),
      )
      .map((args) => ({ op: 'recordFills' as const, args })),
    weight: 3,
  },
  fc.tuple(fc.array(pick(EXECS), { maxLength: 2 })).map((args) => ({ op: 'markFillsInCsv' as const, args })),
  {
    arbitrary: fc
      .tuple(pick(SOME_RUN), num, fc.array(pick(SYMBOLS), { maxLength: 2 }))
      .map((args) => ({ op: 'recordSnapshot' as const, args })),
    weight: 2,
  },
  fc.tuple(fc.array(pick(SYMBOLS), { maxLength: 3 }), pick(SOME_RUN)).map((args) => ({ op: 'addManagedSymbols' as const, args })),
  fc.tuple(pick(SYMBOLS), fc.boolean(), num, opt(pick(SOME_RUN))).map((args) => ({ op: 'recordLedgerAdjustment' as const, args })),
  fc
    .tuple(pick(SOME_RUN), fc.array(fc.tuple(pick(SYMBOLS), num, num), { maxLength: 2 }))
    .map((args) => ({ op: 'recordLedgerCheck' as const, args })),
  fc.tuple(pick(SOME_RUN)).map((args) => ({ op: 'failAbandonedRuns' as const, args })),
  fc
    .tuple(pick(['alert', 'start', 'end']), pick(DAYS), pick(INSTANTS), opt(pick(SOME_RUN)), opt(pick(['k1', 'k2'])))
    .map((args) => ({ op: 'recordEmail' as const, args })),
  fc.tuple(pick(DAYS), num, opt(num)).map((args) => ({ op: 'recordDailyRow' as const, args })),
  {
    arbitrary: fc
      .tuple(pick(SOME_RUN), pick(['rebal:a', 'rebal:a', 'rebal:b', 'man:c']), num, num, pick(INSTANTS))
      .map((args) => ({ op: 'recordModificationIntent' as const, args })),
    weight: 2,
  },
  {
    arbitrary: fc
      .tuple(
        pick([1, 1, 2, 3, 9]),
        pick(['Modified', 'Refused', 'Unknown', 'NotApplied'] as const),
        opt(pick([104, 201])),
        opt(num),
        pick(INSTANTS),
      )
      .map((args) => ({ op: 'settleModification' as const, args })),
    weight: 2,
  },
  fc.tuple(pick(SOME_RUN), num, num, num).map((args) => ({ op: 'recordOrderCounts' as const, args })),
);

/** The writes that changes of working orders and the order activity read: intents, outcomes, counts, fills. */
const modificationOpArb: fc.Arbitrary<Op> = opArb.filter((o) =>
  [
    'recordModificationIntent',
    'settleModification',
    'recordOrderCounts',
    'recordFills',
    'recordOrderIntent',
    'markOrderSent',
    'startRun',
  ].includes(o.op),
);

/** r1 and r2 started first, at any of the instants and days, and an order of r1 recorded. */
const preambleArb: fc.Arbitrary<Op[]> = fc
  .tuple(pick(INSTANTS), pick(DAYS), pick(INSTANTS), pick(DAYS), pick(INSTANTS))
  .map(([a1, d1, a2, d2, at]) => [
    { op: 'startRun', args: ['r1', a1, d1, false] },
    { op: 'startRun', args: ['r2', a2, d2, true] },
    { op: 'recordOrderIntent', args: ['r1', 'rebal:a', 'AAPL', 10, 2.5, undefined, at] },
  ]);

function brokerOrder(ref: string, status: string, id: number, permId: number | undefined, filled: number, message?: string): BrokerOrder {
  return aBrokerOrder({
    orderRef: ref,
    status: status as OrderStatusName,
    brokerOrderId: id,
    permId,
    filledQuantity: filled,
    avgFillPrice: filled * 2,
    message,
  });
}

function apply(store: RunStore, reports: ReportStore, { op, args }: Op): unknown {
  switch (op) {
    case 'startRun':
      return store.startRun({ runId: args[0], startedAt: args[1], tradingDay: args[2], dryRun: args[3] });
    case 'finishRun':
      return store.finishRun(args[0], {
        finishedAt: '2026-11-20T16:00:00.000Z',
        status: args[1],
        exitCode: args[2],
        tradingState: args[3],
      });
    case 'recordBreaches':
      return store.recordBreaches(
        args[0],
        args[1].map((symbol) => ({ code: 'PRICE_COLLAR', detail: `d ${symbol ?? '-'}`, symbol })),
      );
    case 'recordOrderIntent': {
      const [run, ref, symbol, quantity, limitPrice, referencePrice, at] = args;
      return store.recordOrderIntent(run, { ...anOrder({ orderRef: ref, symbol, quantity, limitPrice }), referencePrice }, at);
    }
    case 'markOrderSent':
      return store.markOrderSent(args[0], brokerOrder(...args));
    case 'markOrderFailed':
      return store.markOrderFailed(...args);
    case 'updateOrderStatuses':
      return store.updateOrderStatuses(args[0].map((u) => brokerOrder(...u)));
    case 'recordReconciliation': {
      const [ref, status, id, filled, at] = args;
      return store.recordReconciliation(ref, {
        status,
        brokerOrderId: id,
        permId: id === undefined ? undefined : id * 10,
        filledQuantity: filled,
        avgFillPrice: 1,
        message: 'r',
        at,
      });
    }
    case 'recordFills': {
      const executions: Execution[] = args[1].map(([execId, orderRef, symbol, sell, quantity, price, time]) =>
        anExecution({ execId, orderRef, symbol, side: sell ? 'SELL' : 'BUY', quantity, price, time }),
      );
      return store.recordFills(args[0], executions);
    }
    case 'markFillsInCsv':
      return store.markFillsInCsv(args[0]);
    case 'recordSnapshot':
      return store.recordSnapshot(
        args[0],
        aSnapshot({ netLiquidation: args[1] }),
        args[2].map((symbol) => aPosition({ symbol })),
      );
    case 'addManagedSymbols':
      return store.addManagedSymbols(...args);
    case 'recordLedgerAdjustment': {
      const [symbol, baseline, quantity, runId] = args;
      return store.recordLedgerAdjustment({
        symbol,
        kind: baseline ? 'baseline' : 'accept',
        quantity,
        ledgerBefore: 0,
        brokerQuantity: quantity,
        reason: 'r',
        runId,
        at: 'x',
        source: 's',
      });
    }
    case 'recordLedgerCheck':
      return store.recordLedgerCheck(
        args[0],
        args[1].map(([symbol, ledgerQuantity, brokerQuantity]) => ({ symbol, ledgerQuantity, brokerQuantity })),
      );
    case 'failAbandonedRuns':
      return store.failAbandonedRuns(args[0], 'abandoned');
    case 'recordEmail': {
      const [kind, tradingDay, at, runId, alertKey] = args;
      return store.recordEmail({ kind, tradingDay, subject: kind, status: 'sent', at, runId, alertKey });
    }
    case 'recordDailyRow':
      return reports.recordDailyRow(
        { tradingDay: args[0], closingNlv: args[1], change: args[2], turnover: 1, commissions: 0, fills: 0, realized: args[2] },
        'x',
      );
    case 'recordModificationIntent': {
      const [run, ref, quantity, limitPrice, at] = args;
      const intent = {
        runId: run,
        orderRef: ref,
        brokerOrderId: 7,
        fromQuantity: 10,
        fromLimitPrice: 2.5,
        quantity,
        limitPrice,
        filledBefore: 1,
      };
      return store.recordModificationIntent(run, intent, at);
    }
    case 'settleModification': {
      const [id, status, code, filled, at] = args;
      const order = filled === undefined ? undefined : brokerOrder('rebal:a', 'Submitted', 7, undefined, filled);
      return store.settleModification(id, { status, code, message: code === undefined ? undefined : `code ${code}`, order }, at);
    }
    case 'recordOrderCounts': {
      const [run, sent, modified, cancelled] = args;
      return store.recordOrderCounts(run, { sent, modified, cancelled });
    }
  }
}

/** Every read of both ports, over the whole vocabulary. */
function dump(file: string, store: RunStore, reports: ReportStore): Record<string, unknown> {
  const reads: Record<string, () => unknown> = {
    recentRuns: () => store.recentRuns(-1),
    hasRun: () => [store.hasRun('r1'), store.hasRun('r9')],
    previousRun: () => store.previousRun(),
    ownFillTotals: () => [store.ownFillTotals('rebal:'), store.ownFillTotals('')],
    fillsNotInCsv: () => store.fillsNotInCsv(),
    latestSnapshot: () => store.latestSnapshot(),
    managedSymbols: () => store.managedSymbols(),
    ledgerAdjustments: () => store.ledgerAdjustments(),
    latestLedgerCheck: () => store.latestLedgerCheck(),
    dailyRowsBefore: () => [reports.dailyRowsBefore('2026-11-21', -1), reports.dailyRowsBefore('2026-11-21', 1)],
    alertHistory: () => INSTANTS.map((since) => reports.alertHistory(since)),
    runDaysOnOrBefore: () => INSTANTS.map((until) => [reports.runDaysOnOrBefore(until, 1), reports.runDaysOnOrBefore(until, 10)]),
  };
  for (const run of RUNS) {
    reads[`run ${run}`] = () => [
      store.previousRun(run),
      store.breachesOf(run),
      store.ordersOf(run),
      store.ordersToReconcile(run),
      store.positionsOf(run),
      reports.positionsOf(run),
      store.modificationsOf(run),
      store.unsettledModifications(run),
    ];
  }
  for (const ref of REFS) reads[`order ${ref}`] = () => store.fillsOfOrder(ref);
  for (const exec of EXECS) reads[`exec ${exec}`] = () => store.hasFill(exec);
  for (const day of DAYS) {
    reads[`day ${day}`] = () => [
      store.startOfDayNetLiquidation(day),
      store.tradedValueOn(day),
      reports.closingSnapshotOnOrBefore(day),
      reports.dailyEmailKindsOn(day),
      reports.hasRunOn(day),
      ...INSTANTS.map((until) => [
        reports.snapshotsOn(day, until),
        reports.ordersOn(day, until),
        reports.fillsOn(day, until),
        reports.breachesOn(day, until),
        reports.runsOn(day, until),
        reports.orderActivityOn(day, until),
        reports.modificationsOn(day, until),
      ]),
    ];
  }
  return Object.fromEntries(Object.entries(reads).map(([key, read]) => [key, outcome(file, read)]));
}

/** What a call returned, or the error it threw (its message with the file spelled `<file>`). */
function outcome(file: string, fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: err instanceof StorageError ? err.message.replaceAll(file, '<file>') : String(err) };
  }
}

describe('store contract: the memory store answers as SQLite, side by side', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let n = 0;
  const open: SqliteDatabase[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => {
    for (const db of open.splice(0)) db.close();
    await cleanup();
  });

  /** Applies `ops` to both implementations, comparing every answer, then every read. */
  const sameAnswers = (ops: Op[]): void => {
    n += 1;
    const file = join(dir, `side-${n}.sqlite`);
    const db = openDatabase(file);
    open.push(db);
    const sqlite = { store: new SqliteStore(db, { now: () => NOW }), reports: new SqliteReportStore(db) };
    const mem = new MemoryDatabase(file);
    const memory = { store: new MemoryStore(mem, { now: () => NOW }), reports: new MemoryReportStore(mem) };
    ops.forEach((op, i) => {
      const expected = outcome(file, () => apply(sqlite.store, sqlite.reports, op));
      expect(
        outcome(file, () => apply(memory.store, memory.reports, op)),
        `operation ${i + 1}: ${JSON.stringify(op)}`,
      ).toStrictEqual(expected);
    });
    const expected = dump(file, sqlite.store, sqlite.reports);
    expect(dump(file, memory.store, memory.reports)).toStrictEqual(expected);
    db.close();
    open.pop();
  };

  it('gives the same answer to every call of random sequences of writes, and the same reads after them', () => {
    fc.assert(
      fc.property(preambleArb, fc.array(opArb, { minLength: 1, maxLength: 40 }), (preamble, rest) => sameAnswers([...preamble, ...rest])),
      { numRuns: 80 },
    );
  });

  it('and so for changes of working orders, their outcomes, order counts and fills (migration 0011)', () => {
    fc.assert(
      fc.property(preambleArb, fc.array(modificationOpArb, { minLength: 4, maxLength: 30 }), (preamble, rest) =>
        sameAnswers([...preamble, ...rest]),
      ),
      { numRuns: 60 },
    );
  });
});
