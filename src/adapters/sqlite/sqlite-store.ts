import type { Breach } from '../../core/types.js';
import type {
  AccountRead,
  CashBalanceRecord,
  CashFlowRecord,
  FillRecord,
  LedgerAdjustmentRecord,
  LedgerCheck,
  LedgerCheckLine,
  OrderCounts,
  PositionRecord,
  RunRecord,
  RunStatus,
  RunStore,
  SnapshotRecord,
} from '../../ports/store.js';
import {
  accountReadParams,
  cashFlowParams,
  toAccountRead,
  toBreach,
  toCashFlow,
  toFillRecord,
  toLedgerAdjustment,
  toLedgerCheckLine,
  toPositionRecord,
  toRunRecord,
  toSnapshot,
} from './store-rows.js';
import { finishParams, ledgerAdjustmentParams, orderCountsParams, positionParams, runParams, snapshotParams } from './store-params.js';
import { SqliteOrderStore } from './sqlite-order-store.js';
import type { StrategyRecord, StrategyRetirement, StrategySighting } from '../../core/strategies.js';
import { prepareStrategyStatements, toRetirement, toStrategyRecord, type StrategyStatements } from './sqlite-strategy-statements.js';
import type { RecordsOwner } from '../../core/records-owner.js';
import type { ForecastFigures, RecordedForecast } from '../../core/forecast-changes.js';
import { forecastParams, prepareForecastStatements, toRecordedForecast, type ForecastStatements } from './sqlite-forecast-statements.js';
import { prepareSnapshotCashStatements, snapshotCashParams, toCashBalance, type SnapshotCashStatements } from './sqlite-snapshot-cash.js';
import { ownerParams, prepareRecordsOwnerStatements, toRecordsOwner, type RecordsOwnerStatements } from './sqlite-records-owner.js';

export type { SqliteStoreOptions } from './sqlite-store-base.js';

/**
 * The RunStore on SQLite (better-sqlite3). Every call is synchronous and commits before it returns; calls
 * that write several rows do so in one transaction, with no await inside, so a crash leaves all or nothing.
 * Every failure is a StorageError naming the database file and what failed.
 *
 * Runs, breaches, snapshots and positions, managed symbols and the ledger, halt events and emails are served
 * here; orders and fills by {@link SqliteOrderStore}; the connection and its guards by {@link SqliteStoreBase}.
 */
export class SqliteStore extends SqliteOrderStore implements RunStore {
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): void {
    this.guard(`record the start of run ${run.runId}`, () => {
      this.q.insertRun.run(runParams(run));
    });
  }

  finishRun(
    runId: string,
    result: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string },
  ): void {
    this.guard(`record the end of run ${runId}`, () => {
      const { changes } = this.q.finishRun.run(finishParams(runId, result));
      if (changes !== 1) throw this.fail(`no run ${runId} to finish`);
    });
  }

  recordBrokerClock(runId: string, offsetMs: number): void {
    this.guard(`record the broker's clock of run ${runId}`, () => {
      const { changes } = this.q.recordBrokerClock.run({ id: runId, offset: Math.round(offsetMs) });
      if (changes !== 1) throw this.fail(`no run ${runId} to record the broker's clock of`);
    });
  }

  recordOrderCounts(runId: string, counts: OrderCounts): void {
    this.guard(`record the order counts of run ${runId}`, () => {
      const { changes } = this.q.recordOrderCounts.run(orderCountsParams(runId, counts));
      if (changes !== 1) throw this.fail(`no run ${runId} to record the order counts of`);
    });
  }

  previousRun(exceptRunId?: string): RunRecord | undefined {
    const row = this.guard('read the previous run', () => this.q.previousRun.get({ except: exceptRunId ?? null }));
    return row === undefined ? undefined : toRunRecord(row);
  }

  recentRuns(limit: number): RunRecord[] {
    return this.guard('read recent runs', () => this.q.recentRuns.all(limit)).map(toRunRecord);
  }

  hasRun(runId: string): boolean {
    return this.guard(`look up run ${runId}`, () => this.q.hasRun.get(runId)) !== undefined;
  }

  recordBreaches(runId: string, breaches: Breach[]): void {
    this.transaction(`record breaches of run ${runId}`, () => {
      for (const b of breaches) this.q.insertBreach.run({ run_id: runId, code: b.code, symbol: b.symbol ?? null, detail: b.detail });
    });
  }

  breachesOf(runId: string): Breach[] {
    return this.guard(`read breaches of run ${runId}`, () => this.q.breachesOf.all(runId)).map(toBreach);
  }

  recordSnapshot(runId: string, snapshot: SnapshotRecord, positions: PositionRecord[]): void {
    this.transaction(`record the snapshot of run ${runId}`, () => {
      const { changes } = this.q.insertSnapshot.run(snapshotParams(runId, snapshot));
      if (changes !== 1) throw this.fail(`no run ${runId} to attach a snapshot to`);
      for (const p of positions) {
        this.q.insertPosition.run(positionParams(runId, p));
      }
      for (const row of snapshotCashParams(runId, snapshot.cashBalances ?? [])) this.cq.insertCash.run(row);
    });
  }

  cashBalancesOf(runId: string): CashBalanceRecord[] {
    return this.guard(`read the cash per currency of run ${runId}`, () => this.cq.cashOf.all(runId)).map(toCashBalance);
  }

  private snapshotCashStatements?: SnapshotCashStatements;

  /** snapshot_cash's statements (migration 0015), prepared on first use. */
  private get cq(): SnapshotCashStatements {
    this.snapshotCashStatements ??= this.guard('prepare statements', () => prepareSnapshotCashStatements(this.db));
    return this.snapshotCashStatements;
  }

  latestSnapshot(): ({ runId: string; takenAt: string } & SnapshotRecord) | undefined {
    const row = this.guard('read the latest snapshot', () => this.q.latestSnapshot.get());
    return row === undefined ? undefined : toSnapshot(row);
  }

  recordAccountRead(read: AccountRead): void {
    this.guard(`record the account read of run ${read.runId}`, () => {
      this.q.insertAccountRead.run(accountReadParams(read));
    });
  }

  latestAccountRead(exceptRunId?: string): AccountRead | undefined {
    const row = this.guard('read the latest account read', () => this.q.latestAccountRead.get({ except: exceptRunId ?? null }));
    return row === undefined ? undefined : toAccountRead(row);
  }

  firstAccountReadOn(tradingDay: string): AccountRead | undefined {
    const row = this.guard(`read the first account read of ${tradingDay}`, () => this.q.firstAccountReadOn.get(tradingDay));
    return row === undefined ? undefined : toAccountRead(row);
  }

  recordCashFlow(flow: CashFlowRecord): boolean {
    return this.guard(`record the cash flow ${flow.id}`, () => this.q.insertCashFlow.run(cashFlowParams(flow)).changes === 1);
  }

  cashFlowsSince(fromExclusive: string): CashFlowRecord[] {
    return this.guard('read the cash flows', () => this.q.cashFlowsSince.all(fromExclusive)).map(toCashFlow);
  }

  fillsSince(from: string): FillRecord[] {
    return this.guard('read the fills since ' + from, () => this.q.fillsSince.all(from)).map(toFillRecord);
  }

  positionsOf(runId: string): PositionRecord[] {
    return this.guard(`read positions of run ${runId}`, () => this.q.positionsOf.all(runId)).map(toPositionRecord);
  }

  startOfDayNetLiquidation(tradingDay: string): number | undefined {
    return this.guard(`read the start-of-day NLV of ${tradingDay}`, () => this.q.startOfDayNlv.get(tradingDay))?.net_liquidation;
  }

  managedSymbols(): string[] {
    return this.guard('read managed symbols', () => this.q.managedSymbols.all()).map((r) => r.symbol);
  }

  addManagedSymbols(symbols: string[], runId: string): void {
    this.transaction(`record managed symbols of run ${runId}`, () => {
      for (const symbol of symbols) this.q.upsertManaged.run({ symbol, run_id: runId });
    });
  }

  private recordsOwnerStatements?: RecordsOwnerStatements;

  /** records_owner's statements, prepared at first use. */
  private get oq(): RecordsOwnerStatements {
    this.recordsOwnerStatements ??= this.guard('prepare statements', () => prepareRecordsOwnerStatements(this.db));
    return this.recordsOwnerStatements;
  }

  recordsOwner(): RecordsOwner | undefined {
    const row = this.guard('read the owner of the records', () => this.oq.owner.get());
    return row === undefined ? undefined : toRecordsOwner(row);
  }

  claimRecords(owner: RecordsOwner): RecordsOwner {
    return this.transaction(`record the owner of the records (run ${owner.runId})`, () => {
      this.oq.claim.run(ownerParams(owner));
      const row = this.oq.owner.get();
      if (row === undefined) throw this.fail('no owner recorded after claiming the records');
      return toRecordsOwner(row);
    });
  }

  private strategyStatements?: StrategyStatements;

  /** The strategies' statements, prepared at first use. */
  private get sq(): StrategyStatements {
    this.strategyStatements ??= this.guard('prepare statements', () => prepareStrategyStatements(this.db));
    return this.strategyStatements;
  }

  strategies(): StrategyRecord[] {
    return this.guard('read the strategies', () => this.sq.strategies.all().map(toStrategyRecord));
  }

  recordStrategies(runId: string, sightings: StrategySighting[], at: string): void {
    this.transaction(`record the strategies of run ${runId}`, () => {
      for (const s of sightings) {
        this.sq.upsertStrategy.run({ name: s.name, file: s.file, at, run_id: runId, symbols: JSON.stringify(s.symbols) });
      }
    });
  }

  retireStrategy(name: string, retirement: StrategyRetirement): boolean {
    return this.transaction(`retire strategy ${name}`, () => {
      const row = { name, at: retirement.at, source: retirement.source, reason: retirement.reason };
      if (this.sq.retireStrategy.run(row).changes !== 1) return false;
      this.sq.insertRetirement.run(row);
      return true;
    });
  }

  strategyRetirements(): ({ name: string } & StrategyRetirement)[] {
    return this.guard('read the strategy retirements', () => this.sq.retirements.all().map(toRetirement));
  }

  private forecastStatements?: ForecastStatements;

  /** The forecasts' statements, prepared at first use. */
  private get fq(): ForecastStatements {
    this.forecastStatements ??= this.guard('prepare statements', () => prepareForecastStatements(this.db));
    return this.forecastStatements;
  }

  recordForecasts(runId: string, forecasts: readonly ForecastFigures[]): void {
    this.transaction(`record the forecasts of run ${runId}`, () => {
      for (const f of forecasts) this.fq.insertForecast.run(forecastParams(runId, f));
    });
  }

  latestForecasts(exceptRunId?: string): RecordedForecast[] {
    return this.guard('read the latest forecasts', () =>
      this.fq.latestForecasts.all({ except: exceptRunId ?? null }).map(toRecordedForecast),
    );
  }

  ledgerAdjustments(): LedgerAdjustmentRecord[] {
    return this.guard('read the ledger adjustments', () => this.q.ledgerAdjustments.all()).map(toLedgerAdjustment);
  }

  recordLedgerAdjustment(adjustment: LedgerAdjustmentRecord): boolean {
    return this.guard(
      `record a ${adjustment.kind} ledger adjustment of ${adjustment.symbol}`,
      () => this.q.insertLedgerAdjustment.run(ledgerAdjustmentParams(adjustment)).changes === 1,
    );
  }

  recordLedgerCheck(runId: string, lines: LedgerCheckLine[]): void {
    this.transaction(`record the ledger check of run ${runId}`, () => {
      for (const l of lines) {
        this.q.insertLedgerCheck.run({
          run_id: runId,
          symbol: l.symbol,
          ledger_quantity: l.ledgerQuantity,
          broker_quantity: l.brokerQuantity,
        });
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

  lastResumeAt(): string | undefined {
    return this.guard('read the latest resume', () => this.q.lastResumeAt.get())?.at;
  }

  recordHaltEvent(event: { action: 'halt' | 'resume'; reason: string; at: string; source: string }): void {
    this.guard(`record a ${event.action} event`, () => this.q.insertHalt.run(event));
  }

  recordEmail(email: {
    kind: string;
    tradingDay: string;
    subject: string;
    status: string;
    at: string;
    runId?: string;
    alertKey?: string;
  }): void {
    this.guard(`record the ${email.kind} email`, () =>
      this.q.insertEmail.run({
        kind: email.kind,
        trading_day: email.tradingDay,
        subject: email.subject,
        status: email.status,
        at: email.at,
        run_id: email.runId ?? null,
        alert_key: email.alertKey ?? null,
      }),
    );
  }
}
