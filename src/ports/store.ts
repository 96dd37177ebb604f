import type { Breach, BrokerOrder, Execution, OrderRequest } from '../core/types.js';

export type RunStatus = 'running' | 'ok' | 'blocked' | 'failed' | 'skipped';

export interface RunRecord {
  runId: string;
  startedAt: string;
  finishedAt?: string;
  status: RunStatus;
  exitCode?: number;
  error?: string;
  /** Exchange trading day (America/New_York date, yyyy-MM-dd) the run belongs to. */
  tradingDay: string;
  dryRun: boolean;
  tradingState?: string;
}

export interface SnapshotRecord {
  netLiquidation: number;
  cash: number;
  grossPositionValue: number;
  leverage: number;
  maintMargin: number;
  excessLiquidity: number;
  cushion: number;
  currency: string;
}

export interface PositionRecord {
  symbol: string;
  quantity: number;
  avgCost: number;
  marketPrice: number;
  marketValue: number;
  weight: number;
  targetWeight: number;
}

/** An order row as stored: the intent, then what the broker said about it. */
export interface OrderRecord {
  runId: string;
  orderRef: string;
  symbol: string;
  action: 'BUY' | 'SELL';
  quantity: number;
  limitPrice: number;
  /** 'Intent' until the broker has it; then the broker's status, or 'SendFailed'. */
  status: string;
  brokerOrderId?: number;
  permId?: number;
  filledQuantity: number;
  avgFillPrice: number;
  createdAt: string;
  message?: string;
  /** The reference price at decision time, when the run recorded it (orders since migration 0003). */
  referencePrice?: number;
}

export interface FillRecord extends Execution {
  runId: string;
}

/** An order as recorded before it is sent: the request, plus the reference price the plan sized it with. */
export type OrderIntent = OrderRequest & {
  /** Midpoint (else last) at decision time: the benchmark the fills' slippage is measured against. */
  referencePrice?: number;
};

/**
 * The records port: everything a run writes to or reads from its database.
 * Implementations are synchronous (better-sqlite3); every write is durable when the call returns.
 */
export interface RunStore {
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): void;
  finishRun(runId: string, result: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string }): void;
  /** The most recent run other than `exceptRunId`, finished or not. */
  previousRun(exceptRunId?: string): RunRecord | undefined;
  recentRuns(limit: number): RunRecord[];

  recordBreaches(runId: string, breaches: Breach[]): void;
  breachesOf(runId: string): Breach[];

  /** Record an order before it is sent (status 'Intent'). Throws if the orderRef exists. */
  recordOrderIntent(runId: string, order: OrderIntent, createdAt: string): void;
  /** The broker accepted the order: store its ids and status. */
  markOrderSent(orderRef: string, order: BrokerOrder): void;
  markOrderFailed(orderRef: string, message: string): void;
  /** Update status/filled/avg price of known orders, matched by orderRef. Unknown refs are ignored. */
  updateOrderStatuses(orders: BrokerOrder[]): void;
  ordersOf(runId: string): OrderRecord[];
  /** Orders the broker accepted whose last known status is not final (not Filled, Cancelled, Inactive...). */
  unfinishedOrders(): OrderRecord[];

  /** Insert executions not seen before (by execId); returns the ones that were new. */
  recordFills(runId: string, executions: Execution[]): Execution[];
  /** Fills not yet appended to the trades CSV, oldest first. */
  fillsNotInCsv(): FillRecord[];
  markFillsInCsv(execIds: string[]): void;

  recordSnapshot(runId: string, snapshot: SnapshotRecord, positions: PositionRecord[]): void;
  latestSnapshot(): ({ runId: string; takenAt: string } & SnapshotRecord) | undefined;
  positionsOf(runId: string): PositionRecord[];
  /** NLV of the first snapshot recorded on the trading day, if any. */
  startOfDayNetLiquidation(tradingDay: string): number | undefined;
  /** Sum of quantity x limit price of orders accepted by the broker on the trading day. */
  tradedValueOn(tradingDay: string): number;

  managedSymbols(): string[];
  addManagedSymbols(symbols: string[], runId: string): void;

  recordHaltEvent(event: { action: 'halt' | 'resume'; reason: string; at: string; source: string }): void;
  /** `alertKey` identifies "the same alert" for the throttle (see src/report/alert-throttle.ts). */
  recordEmail(email: { kind: string; tradingDay: string; subject: string; status: string; at: string; runId?: string; alertKey?: string }): void;

  close(): void;
}

/** A snapshot with the run that took it and when (the run's start). */
export type TimedSnapshot = { runId: string; takenAt: string } & SnapshotRecord;

/** A fill with the reference price of the order it filled (undefined for orders placed by hand or before 0003). */
export interface ReportFill extends FillRecord {
  referencePrice?: number;
}

export interface DayBreach extends Breach {
  runId: string;
  /** Start of the run that found it. */
  at: string;
}

/** One trading day's row of the `daily` table, written by the end-of-day report. */
export interface DailyRow {
  tradingDay: string;
  closingNlv: number;
  /** Closing NLV minus the previous close; undefined when there was none. */
  change?: number;
  /** Notional of the day's fills (sum of quantity x price), in account currency. */
  turnover: number;
  commissions: number;
  fills: number;
}

/** One row of the emails table that carries an alert key: what the alert throttle reads. */
export interface AlertHistoryEntry {
  key: string;
  /** ISO 8601 instant the alert was sent, queued or suppressed. */
  at: string;
  /** The mailer's outcome ('sent', 'queued') or 'suppressed'. */
  status: string;
}

/**
 * The read side the daily reports need, plus the `daily` table they write. A port of its own, so that
 * `rebalancer report` and the run can use it on the same database without widening RunStore.
 */
export interface ReportStore {
  /** Snapshots recorded on a trading day at or before `until`, oldest first. */
  snapshotsOn(tradingDay: string, until: string): TimedSnapshot[];
  /** The last snapshot of the latest trading day on or before `tradingDay` that has one. */
  closingSnapshotOnOrBefore(tradingDay: string): (TimedSnapshot & { tradingDay: string }) | undefined;
  positionsOf(runId: string): PositionRecord[];
  /** Orders of runs of the trading day that started at or before `until`, oldest first. */
  ordersOn(tradingDay: string, until: string): OrderRecord[];
  /**
   * Fills that belong to the trading day (that of the run that placed the order, else of the run that
   * collected it) and were collected by a run started at or before `until`, oldest first.
   */
  fillsOn(tradingDay: string, until: string): ReportFill[];
  /** Breaches found by runs of the trading day started at or before `until`, oldest first. */
  breachesOn(tradingDay: string, until: string): DayBreach[];
  /** Runs of the trading day started at or before `until`, oldest first. */
  runsOn(tradingDay: string, until: string): RunRecord[];
  /** Up to `limit` rows of the daily table strictly before `tradingDay`, oldest first. */
  dailyRowsBefore(tradingDay: string, limit: number): DailyRow[];
  /** Insert or replace the day's row (a report sent again overwrites it). */
  recordDailyRow(row: DailyRow, recordedAt: string): void;
  /** Emails with an alert key recorded at or after `since`, oldest first. */
  alertHistory(since: string): AlertHistoryEntry[];
  /** The daily email kinds (start, mid, end) already recorded for a trading day, sent or queued. */
  dailyEmailKindsOn(tradingDay: string): string[];
  /** Whether any run was recorded on the trading day. */
  hasRunOn(tradingDay: string): boolean;
  close(): void;
}
