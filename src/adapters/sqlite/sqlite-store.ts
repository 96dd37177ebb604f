import type { Breach, BrokerOrder, Execution } from '../../core/types.js';
import { StorageError } from '../../errors.js';
import type {
  FillRecord, LedgerAdjustmentRecord, LedgerCheck, LedgerCheckLine, OrderIntent, OrderReconciliation, OrderRecord, PositionRecord, RunRecord,
  RunStatus, RunStore, SnapshotRecord,
} from '../../ports/store.js';
import { guardStorage } from '../storage-errors.js';
import { applyMigrations } from './migrations.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';
import { toBreach, toFillRecord, toLedgerAdjustment, toLedgerCheckLine, toOrderRecord, toPositionRecord, toRunRecord, toSnapshot } from './store-rows.js';
import {
  brokerUpdateParams, fillParams, finishParams, intentParams, ledgerAdjustmentParams, positionParams, reconcileParams, runParams, snapshotParams,
} from './store-params.js';
import { prepareStatements, type Statements } from './store-statements.js';

export interface SqliteStoreOptions {
  /** Clock for `updated_at` of orders (the only time the store stamps itself). Defaults to the system clock. */
  now?: () => string;
}

/**
 * The RunStore on SQLite (better-sqlite3). Every call is synchronous and commits before it returns; calls
 * that write several rows do so in one transaction, with no await inside, so a crash leaves all or nothing.
 * Every failure is a StorageError naming the database file and what failed.
 */
export class SqliteStore implements RunStore {
  readonly file: string;
  private readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;
  private readonly q: Statements;
  private readonly now: () => string;

  /** @param source the database file (opened with {@link openDatabase}) or an open connection, which stays the caller's to close. */
  constructor(source: string | SqliteDatabase, options: SqliteStoreOptions = {}) {
    this.ownsDb = typeof source === 'string';
    this.db = typeof source === 'string' ? openDatabase(source) : source;
    this.file = this.db.name;
    this.now = options.now ?? (() => new Date().toISOString());
    try {
      // openDatabase already migrated a file it opened; a connection from elsewhere is checked here.
      if (!this.ownsDb) this.guard('apply database migrations', () => applyMigrations(this.db, this.file));
      this.q = this.guard('prepare statements', () => prepareStatements(this.db));
    } catch (err) {
      if (this.ownsDb) this.db.close();
      throw err;
    }
  }

  startRun(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): void {
    this.guard(`record the start of run ${run.runId}`, () => {
      this.q.insertRun.run(runParams(run));
    });
  }

  finishRun(runId: string, result: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string }): void {
    this.guard(`record the end of run ${runId}`, () => {
      const { changes } = this.q.finishRun.run(finishParams(runId, result));
      if (changes !== 1) throw this.fail(`no run ${runId} to finish`);
    });
  }

  previousRun(exceptRunId?: string): RunRecord | undefined {
    const row = this.guard('read the previous run', () => this.q.previousRun.get({ except: exceptRunId ?? null }));
    return row === undefined ? undefined : toRunRecord(row);
  }

  recentRuns(limit: number): RunRecord[] {
    return this.guard('read recent runs', () => this.q.recentRuns.all(limit)).map(toRunRecord);
  }

  recordBreaches(runId: string, breaches: Breach[]): void {
    this.transaction(`record breaches of run ${runId}`, () => {
      for (const b of breaches) this.q.insertBreach.run({ run_id: runId, code: b.code, symbol: b.symbol ?? null, detail: b.detail });
    });
  }

  breachesOf(runId: string): Breach[] {
    return this.guard(`read breaches of run ${runId}`, () => this.q.breachesOf.all(runId)).map(toBreach);
  }

  recordOrderIntent(runId: string, order: OrderIntent, createdAt: string): void {
    this.transaction(`record order intent ${order.orderRef}`, () => {
      const existing = this.q.orderByRef.get(order.orderRef);
      if (existing !== undefined) {
        throw this.fail(`order ${order.orderRef} is already recorded (run ${existing.run_id}, status ${existing.status}); an order is never sent twice`);
      }
      this.q.insertIntent.run(intentParams(runId, order, createdAt));
    });
  }

  markOrderSent(orderRef: string, order: BrokerOrder): void {
    this.guard(`record order ${orderRef} as sent`, () => {
      const { changes } = this.q.markSent.run(brokerUpdateParams(orderRef, order, this.now()));
      if (changes !== 1) throw this.fail(`order ${orderRef} was sent but has no recorded intent`);
    });
  }

  markOrderFailed(orderRef: string, message: string): void {
    this.guard(`record order ${orderRef} as failed`, () => {
      const { changes } = this.q.markFailed.run({ order_ref: orderRef, message, updated_at: this.now() });
      if (changes !== 1) throw this.fail(`order ${orderRef} failed but has no recorded intent`);
    });
  }

  updateOrderStatuses(orders: BrokerOrder[]): void {
    this.transaction('update order statuses', () => {
      for (const o of orders) this.q.updateStatus.run(brokerUpdateParams(o.orderRef, o, this.now()));
    });
  }

  ordersOf(runId: string): OrderRecord[] {
    return this.guard(`read orders of run ${runId}`, () => this.q.ordersOf.all(runId)).map(toOrderRecord);
  }

  unfinishedOrders(): OrderRecord[] {
    return this.guard('read unfinished orders', () => this.q.unfinishedOrders.all()).map(toOrderRecord);
  }

  ordersToReconcile(exceptRunId: string): OrderRecord[] {
    return this.guard('read the orders to reconcile', () => this.q.ordersToReconcile.all(exceptRunId)).map(toOrderRecord);
  }

  recordReconciliation(orderRef: string, outcome: OrderReconciliation): void {
    this.guard(`record the reconciliation of order ${orderRef}`, () => {
      const { changes } = this.q.recordReconciliation.run(reconcileParams(orderRef, outcome));
      if (changes !== 1) throw this.fail(`order ${orderRef} was reconciled but is not recorded`);
    });
  }

  recordFills(runId: string, executions: Execution[]): Execution[] {
    return this.transaction(`record fills of run ${runId}`, () => {
      const fresh = executions.filter((e) => this.q.insertFill.run(fillParams(runId, e)).changes === 1);
      const updatedAt = this.now();
      for (const ref of new Set(fresh.map((e) => e.orderRef))) this.q.syncOrderFills.run({ order_ref: ref, updated_at: updatedAt });
      return fresh;
    });
  }

  fillsOfOrder(orderRef: string): FillRecord[] {
    return this.guard(`read the fills of order ${orderRef}`, () => this.q.fillsOfOrder.all(orderRef)).map(toFillRecord);
  }

  hasFill(execId: string): boolean {
    return this.guard(`look up execution ${execId}`, () => this.q.hasFill.get(execId)) !== undefined;
  }

  ownFillTotals(orderRefPrefix: string): { symbol: string; quantity: number }[] {
    return this.guard('sum the fills of own orders', () => this.q.ownFillTotals.all(orderRefPrefix, orderRefPrefix));
  }

  fillsNotInCsv(): FillRecord[] {
    return this.guard('read fills not yet in the trades CSV', () => this.q.fillsNotInCsv.all()).map(toFillRecord);
  }

  markFillsInCsv(execIds: string[]): void {
    this.transaction('mark fills as written to the trades CSV', () => {
      for (const id of execIds) this.q.markInCsv.run(id);
    });
  }

  recordSnapshot(runId: string, snapshot: SnapshotRecord, positions: PositionRecord[]): void {
    this.transaction(`record the snapshot of run ${runId}`, () => {
      const { changes } = this.q.insertSnapshot.run(snapshotParams(runId, snapshot));
      if (changes !== 1) throw this.fail(`no run ${runId} to attach a snapshot to`);
      for (const p of positions) {
        this.q.insertPosition.run(positionParams(runId, p));
      }
    });
  }

  latestSnapshot(): ({ runId: string; takenAt: string } & SnapshotRecord) | undefined {
    const row = this.guard('read the latest snapshot', () => this.q.latestSnapshot.get());
    return row === undefined ? undefined : toSnapshot(row);
  }

  positionsOf(runId: string): PositionRecord[] {
    return this.guard(`read positions of run ${runId}`, () => this.q.positionsOf.all(runId)).map(toPositionRecord);
  }

  startOfDayNetLiquidation(tradingDay: string): number | undefined {
    return this.guard(`read the start-of-day NLV of ${tradingDay}`, () => this.q.startOfDayNlv.get(tradingDay))?.net_liquidation;
  }

  tradedValueOn(tradingDay: string): number {
    return this.guard(`read the value traded on ${tradingDay}`, () => this.q.tradedValueOn.get(tradingDay))?.value ?? 0;
  }

  managedSymbols(): string[] {
    return this.guard('read managed symbols', () => this.q.managedSymbols.all()).map((r) => r.symbol);
  }

  addManagedSymbols(symbols: string[], runId: string): void {
    this.transaction(`record managed symbols of run ${runId}`, () => {
      for (const symbol of symbols) this.q.upsertManaged.run({ symbol, run_id: runId });
    });
  }

  ledgerAdjustments(): LedgerAdjustmentRecord[] {
    return this.guard('read the ledger adjustments', () => this.q.ledgerAdjustments.all()).map(toLedgerAdjustment);
  }

  recordLedgerAdjustment(adjustment: LedgerAdjustmentRecord): boolean {
    return this.guard(`record a ${adjustment.kind} ledger adjustment of ${adjustment.symbol}`, () =>
      this.q.insertLedgerAdjustment.run(ledgerAdjustmentParams(adjustment)).changes === 1,
    );
  }

  recordLedgerCheck(runId: string, lines: LedgerCheckLine[]): void {
    this.transaction(`record the ledger check of run ${runId}`, () => {
      for (const l of lines) {
        this.q.insertLedgerCheck.run({ run_id: runId, symbol: l.symbol, ledger_quantity: l.ledgerQuantity, broker_quantity: l.brokerQuantity });
      }
    });
  }

  latestLedgerCheck(): LedgerCheck | undefined {
    return this.guard('read the latest ledger check', () => {
      const run = this.q.latestLedgerCheckRun.get();
      if (run === undefined) return undefined;
      return { runId: run.run_id, at: run.started_at, lines: this.q.ledgerCheckOf.all(run.run_id).map(toLedgerCheckLine) };
    });
  }

  failAbandonedRuns(exceptRunId: string, error: string): RunRecord[] {
    return this.transaction('mark abandoned runs as failed', () => {
      const abandoned = this.q.abandonedRuns.all(exceptRunId).map(toRunRecord);
      for (const run of abandoned) this.q.failAbandonedRun.run({ id: run.runId, error });
      return abandoned;
    });
  }

  recordHaltEvent(event: { action: 'halt' | 'resume'; reason: string; at: string; source: string }): void {
    this.guard(`record a ${event.action} event`, () => this.q.insertHalt.run(event));
  }

  recordEmail(email: { kind: string; tradingDay: string; subject: string; status: string; at: string; runId?: string; alertKey?: string }): void {
    this.guard(`record the ${email.kind} email`, () =>
      this.q.insertEmail.run({
        kind: email.kind, trading_day: email.tradingDay, subject: email.subject, status: email.status, at: email.at, run_id: email.runId ?? null,
        alert_key: email.alertKey ?? null,
      }),
    );
  }

  /** Close the connection if the store opened it; a connection passed in stays the caller's. */
  close(): void {
    if (this.ownsDb && this.db.open) this.guard('close the database', () => this.db.close());
  }

  private fail(message: string): StorageError {
    return new StorageError(`${this.file}: ${message}`, this.file);
  }

  private guard<T>(action: string, fn: () => T): T {
    return guardStorage(this.file, action, fn);
  }

  // IMMEDIATE takes the write lock at BEGIN, so a busy database waits out busy_timeout instead of failing
  // when a deferred read transaction tries to upgrade.
  private transaction<T>(action: string, fn: () => T): T {
    return this.guard(action, () => this.db.transaction(fn).immediate());
  }
}
