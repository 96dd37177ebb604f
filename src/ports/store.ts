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
}

export interface FillRecord extends Execution {
  runId: string;
}

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
  recordOrderIntent(runId: string, order: OrderRequest, createdAt: string): void;
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
  recordEmail(email: { kind: string; tradingDay: string; subject: string; status: string; at: string; runId?: string }): void;

  close(): void;
}
