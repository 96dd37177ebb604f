import type { Breach, BrokerOrder, ExchangeRate, Execution, OrderRequest } from '../core/types.js';
import type { RecordedOrderStatus } from '../core/order-status.js';
import type { StrategyRecord, StrategyRetirement, StrategySighting } from '../core/strategies.js';
import type { RecordsOwner } from '../core/records-owner.js';
import type { ForecastFigures, RecordedForecast } from '../core/forecast-changes.js';

export type { RecordsOwner } from '../core/records-owner.js';

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
  /** The broker's clock minus the machine's (ms), as the run measured it after connecting; absent before. */
  brokerClockOffsetMs?: number;
  /**
   * What the run asked of the broker (recordOrderCounts); absent (no key) when the run never recorded them, as for
   * every run before migration 0011; all zeros when it recorded that it asked nothing.
   */
  orderCounts?: OrderCounts;
}

/** New orders the broker accepted, changes it accepted, cancels it confirmed: one run's requests (migration 0011). */
export interface OrderCounts {
  sent: number;
  modified: number;
  cancelled: number;
}

/** What came of a change of a working order (migration 0011; see core/order-updates.ts). */
export type ModificationStatus = 'Intent' | 'Modified' | 'Refused' | 'Unknown' | 'NotApplied';

/** A change a run asked of a working order of an earlier run, as recorded before it was sent and after. */
export interface ModificationRecord {
  id: number;
  runId: string;
  /** The order's orderRef: it names the run that placed it (the lineage), never the run that changed it. */
  orderRef: string;
  brokerOrderId: number;
  /** The order as it stood before the change. */
  fromQuantity: number;
  fromLimitPrice: number;
  /** The new TOTAL quantity (filledBefore + the remainder the plan wanted) and limit. */
  quantity: number;
  limitPrice: number;
  /** Recorded fills of the order when the change was planned. */
  filledBefore: number;
  referencePrice?: number;
  /** The rate the change was sized with, for a ticker quoted in another currency (migration 0017). */
  fx?: ExchangeRate;
  status: ModificationStatus;
  /** The broker's code when it refused the change. */
  code?: number;
  message?: string;
  createdAt: string;
  updatedAt: string;
}

/** A change as recorded before it is sent. */
export type ModificationIntent = Omit<ModificationRecord, 'id' | 'status' | 'code' | 'message' | 'createdAt' | 'updatedAt'>;

/** What came of a change: 'Modified' with the order as the broker then showed it. */
export interface ModificationOutcome {
  status: Exclude<ModificationStatus, 'Intent'>;
  code?: number;
  message?: string;
  /** For 'Modified': the order as the broker shows it (its status, filled quantity and average price are recorded too). */
  order?: BrokerOrder;
}

/** The orders of one trading day, for the order efficiency ratio (IB: orders submitted, modified and cancelled per executed order). */
export interface OrderActivity {
  sent: number;
  modified: number;
  cancelled: number;
  /** Orders of the day with at least one recorded fill. */
  executedOrders: number;
  /** Recorded fills of the day's orders. */
  fills: number;
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
  /**
   * Cash per currency and the broker's rates (migration 0015), the base currency (`currency`) first; absent when the
   * broker gave none. Read back with `cashBalancesOf`.
   */
  cashBalances?: CashBalanceRecord[];
}

/** The cash held in one currency when a snapshot was taken, and the broker's rate to the base currency. */
export interface CashBalanceRecord {
  currency: string;
  /** Negative when the broker lends the currency. */
  cash: number;
  /** Base-currency units per one unit (1 for the base currency); absent when the broker gave no usable rate. */
  exchangeRate?: number;
  /** When the rate was read (ISO 8601 UTC). */
  rateReadAt: string;
  /** The broker's own account time, when it gave one (IB: an opaque "HH:mm"). */
  brokerTime?: string;
}

/** Money that moved in or out of the account without being a gain or loss (see core/cash-flows.ts). */
export interface CashFlowRecord {
  /** Unique per flow: `declared:<...>`, `inferred:<run id>`, `statement:<broker's id>`. */
  id: string;
  /** When it moved (ISO 8601); for an inferred flow, the end of the interval it was measured over. */
  at: string;
  /** For an inferred flow: the start of that interval. */
  windowFrom?: string;
  /** Positive in (deposit, dividend received), negative out (withdrawal, fee). */
  amount: number;
  currency: string;
  kind: CashFlowKind;
  source: CashFlowSource;
  description: string;
  runId?: string;
  recordedAt: string;
  recordedBy: string;
}

export type CashFlowKind = 'deposit' | 'withdrawal' | 'dividend' | 'interest' | 'fee' | 'other';
export type CashFlowSource = 'declared' | 'statement' | 'inferred';

/** A cash flow as the reports count it: with the run whose snapshot first includes it. */
export interface ReportCashFlow extends CashFlowRecord {
  /** The trading day of that run. */
  tradingDay: string;
  /** That run's start, which is its snapshot's takenAt. */
  reflectedAt: string;
}

/** What a run read of the account before deciding, and when: where the next run measures the change in cash from. */
export interface AccountRead {
  runId: string;
  /** When the run read the account (ISO 8601, the machine's clock). */
  readAt: string;
  tradingDay: string;
  cash: number;
  netLiquidation: number;
  currency: string;
  /** Shares per ticker then (tickers not held are absent). */
  positions: Record<string, number>;
  /** Dividends accrued in NLV and not yet paid then; absent when the broker did not say. */
  accruedDividend?: number;
  /** Cash per currency then (the broker's ledger; migration 0017); absent when the broker gave none. */
  cashByCurrency?: Record<string, number>;
}

export interface PositionRecord {
  symbol: string;
  quantity: number;
  avgCost: number;
  marketPrice: number;
  marketValue: number;
  weight: number;
  targetWeight: number;
  /**
   * For a position in another currency than the account's: the rate it was valued with (migration 0017).
   * `marketValue` is in the account's currency; `avgCost` and `marketPrice` are the contract's.
   */
  fxRate?: number;
}

/** An order row as stored: the intent, then what the broker said about it. */
export interface OrderRecord {
  runId: string;
  orderRef: string;
  symbol: string;
  action: 'BUY' | 'SELL';
  quantity: number;
  limitPrice: number;
  /**
   * 'Intent' until the broker has it; then the broker's status, 'SendFailed', 'NotSent' or 'Unknown' (a RecordedOrderStatus;
   * read back from the records as text, so not narrowed here).
   */
  status: string;
  brokerOrderId?: number;
  permId?: number;
  filledQuantity: number;
  avgFillPrice: number;
  createdAt: string;
  message?: string;
  /** The reference price at decision time, when the run recorded it (orders since migration 0003). */
  referencePrice?: number;
  /** The rate the order was sized with, for a ticker quoted in another currency than the account's (migration 0017). */
  fx?: ExchangeRate;
  /** The contract's price magnifier when more than 1 (migration 0017). */
  priceMagnifier?: number;
  /**
   * 'CASH' for a currency conversion (migration 0018; see core/types.ts SecType): `symbol` is the FX pair (`USD.SGD`),
   * `currency` its second currency, `fx` set only when that is not the account's. Absent for a stock.
   */
  secType?: 'CASH';
  /**
   * True for an intent of a batch whose turn to be sent never came (see markTurnsTaken): it was never handed to the
   * broker. Absent (false) for every other order, and for intents recorded before migration 0016.
   */
  awaitingTurn?: boolean;
}

export interface FillRecord extends Execution {
  runId: string;
}

/**
 * What the trades CSV was right after the last rows were appended to it: its size in bytes, modification time
 * (rounded to the millisecond) and inode and device numbers (decimal text), and the line ends it uses. A file
 * found exactly so is the one written, untouched since: new rows are appended without reading it.
 */
export interface TradesCsvMark {
  size: number;
  mtimeMs: number;
  ino: string;
  dev: string;
  eol: 'lf' | 'crlf';
}

/** What reconciling an order of an earlier run decided (see core/resolve-order.ts). */
export interface OrderReconciliation {
  status: RecordedOrderStatus;
  /** Recorded only where the record has none: a recorded id is never overwritten (IB reuses ids). */
  brokerOrderId?: number;
  permId?: number;
  filledQuantity: number;
  avgFillPrice: number;
  message: string;
  /** ISO 8601 instant of the run that reconciled it. */
  at: string;
}

/**
 * One entry of a ticker's ledger that is not a fill: the baseline, a difference a person accepted, or a split a
 * run recorded (src/core/splits.ts).
 */
export interface LedgerAdjustmentRecord {
  symbol: string;
  kind: 'baseline' | 'accept' | 'split';
  /** Signed change of the ledger, in shares. */
  quantity: number;
  /** The ledger and the broker's figure it was based on. */
  ledgerBefore: number;
  brokerQuantity: number;
  reason: string;
  /** The run that recorded the baseline, or whose check an acceptance settles. */
  runId?: string;
  at: string;
  /** Who: `run <id>` or `operator <user>`. */
  source: string;
  /** A split's ratio "N:M" (N new shares for M old); set for a split only. */
  ratio?: string;
  /** What made it a split (figures, the broker's corporate action); set for a split only. */
  evidence?: string;
}

/** One ticker of a run's ledger check. */
export interface LedgerCheckLine {
  symbol: string;
  ledgerQuantity: number;
  brokerQuantity: number;
}

/** The ledger check of one run: every managed ticker, ledger against broker. */
export interface LedgerCheck {
  runId: string;
  /** The run's start. */
  at: string;
  lines: LedgerCheckLine[];
}

/** An order as recorded before it is sent: the request, plus the reference price the plan sized it with. */
export type OrderIntent = OrderRequest & {
  /** Midpoint (else last) at decision time: the benchmark the fills' slippage is measured against. */
  referencePrice?: number;
  /** The rate a ticker quoted in another currency than the account's was sized with (absent: the account's currency). */
  fx?: ExchangeRate;
  /** The contract's price magnifier when more than 1 (pence: 100): the order's prices are in those units. */
  priceMagnifier?: number;
};

/**
 * The records port: everything a run writes to or reads from its database.
 * Implementations are synchronous (better-sqlite3); every write is durable when the call returns.
 */
export interface RunStore {
  startRun(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): void;
  finishRun(
    runId: string,
    result: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string },
  ): void;
  /** The most recent run other than `exceptRunId`, finished or not. */
  /** The broker's clock minus the machine's, measured by the run right after connecting. */
  recordBrokerClock(runId: string, offsetMs: number): void;
  previousRun(exceptRunId?: string): RunRecord | undefined;
  recentRuns(limit: number): RunRecord[];
  /**
   * Whether these records hold a run with this id, whatever its status (a run killed after its intent, or one
   * recorded as failed, is known). An orderRef of ours whose run id is unknown was written by another installation
   * on the same account, or by a run whose records were lost (a database restored, a WAL gone).
   */
  hasRun(runId: string): boolean;

  recordBreaches(runId: string, breaches: Breach[]): void;
  breachesOf(runId: string): Breach[];

  /** Record an order before it is sent (status 'Intent'). Throws if the orderRef exists. */
  recordOrderIntent(runId: string, order: OrderIntent, createdAt: string): void;
  /**
   * Record a batch of orders before any of them is sent, in one transaction (each status 'Intent', in the given
   * order): all or nothing. Throws if any orderRef exists, or appears twice in the batch. Each awaits its turn
   * (`awaitingTurn`) until markTurnsTaken says it is about to be handed to the broker.
   */
  recordOrderIntents(runId: string, orders: readonly OrderIntent[], createdAt: string): void;
  /**
   * These intents' turn has come: they are about to be handed to the broker (one transaction, committed before any
   * of them leaves). Throws if one is not recorded. An intent whose turn never came was never sent (NotSent on any day).
   */
  markTurnsTaken(orderRefs: readonly string[]): void;
  /** The broker accepted the order: store its ids and status. */
  markOrderSent(orderRef: string, order: BrokerOrder): void;
  markOrderFailed(orderRef: string, message: string): void;
  /** Update status/filled/avg price of known orders, matched by orderRef. Unknown refs are ignored. */
  updateOrderStatuses(orders: BrokerOrder[]): void;
  ordersOf(runId: string): OrderRecord[];
  /**
   * Record a change of a working order before it is sent (status 'Intent'); returns its id. It is recorded under
   * `runId` (`intent.runId` is not read). Throws if the order (by orderRef) is not recorded, or the run is unknown.
   */
  recordModificationIntent(runId: string, intent: ModificationIntent, createdAt: string): number;
  /**
   * What came of a change (a later outcome replaces an earlier one: 'Unknown', then what the next run found). 'Modified'
   * also sets the order's quantity and limit to the change's, and, given `outcome.order`, its status, filled quantity
   * and average price from it; 'Refused', 'NotApplied' and 'Unknown' leave the order as it is. Throws if there is no
   * change `id`; all or nothing.
   */
  settleModification(id: number, outcome: ModificationOutcome, at: string): void;
  /**
   * Changes recorded by runs other than `exceptRunId` whose outcome is not known ('Intent', 'Unknown'), oldest first
   * (by createdAt, then as recorded).
   */
  unsettledModifications(exceptRunId: string): ModificationRecord[];
  /** The changes a run asked, in the order it asked them. */
  modificationsOf(runId: string): ModificationRecord[];
  /** What the run asked of the broker: new orders accepted, changes accepted, cancels confirmed. */
  recordOrderCounts(runId: string, counts: OrderCounts): void;
  /**
   * Orders of runs other than `exceptRunId` that are not settled: intents, orders in a non-final status, failed
   * sends not yet looked up at the broker (a timed-out order may have reached it), and orders whose outcome is
   * Unknown and not accepted by a person (a later look, in the broker's statements, may find it).
   */
  ordersToReconcile(exceptRunId: string): OrderRecord[];
  /**
   * Orders of runs other than `exceptRunId`, created at or after `since`, settled in a broker status (Filled,
   * Cancelled...) whose filled quantity as the broker reported it exceeds their recorded executions: IB said they
   * filled, but the run ended before collecting the executions. Oldest first.
   */
  ordersMissingFills(exceptRunId: string, since: string): OrderRecord[];
  /** Orders whose outcome is Unknown and that no person has accepted, oldest first: each blocks its ticker. */
  unknownOutcomes(): OrderRecord[];
  /**
   * A person accepted the broker's position for `symbol` (`rebalancer reconcile --accept`): its orders of Unknown
   * outcome are settled as they are and never looked up again; `note` (who, why) is added to their message.
   * Returns how many there were.
   */
  acceptUnknownOutcomes(symbol: string, at: string, note: string): number;
  /** Record what reconciling the order decided; broker ids only where none is recorded. */
  recordReconciliation(orderRef: string, outcome: OrderReconciliation): void;
  /**
   * Record what reconciling each order decided, in one transaction: all or none (one order not recorded and
   * nothing is). One commit, not one per order: with the records' synchronous writes, 250 orders reconciled one
   * by one cost 250 waits for the disk.
   */
  recordReconciliations(outcomes: readonly { orderRef: string; outcome: OrderReconciliation }[]): void;

  /**
   * Insert executions not seen before (by execId); returns the ones that were new. The orders they belong to
   * (by orderRef) get their filled quantity and average price from all their recorded fills.
   *
   * Corrections REPLACE (src/core/exec-ids.ts): an execution whose id differs from a recorded fill's only after
   * the last period, with a higher suffix, takes that fill's place (returned as new; the replaced version is kept
   * apart and never counted again, and its order's figures are recomputed whichever way they moved); a lower or
   * equal suffix arriving later (an old copy) is ignored. A known execution with a commission where the record
   * has none (null: IB's report had not arrived) gets it filled in; a recorded commission is never changed.
   */
  recordFills(runId: string, executions: Execution[]): Execution[];
  /** The time of the oldest recorded fill whose commission is not known yet (a later run asks IB from there). */
  oldestFillWithoutCommission(): string | undefined;
  /** Recorded fills of one order, oldest first. */
  fillsOfOrder(orderRef: string): FillRecord[];
  /** Whether an execution is recorded (as a fill, or as a version a correction replaced). */
  hasFill(execId: string): boolean;
  /**
   * Net quantity (BUY +, SELL -) per symbol of the recorded fills whose orderRef starts with `orderRefPrefix`: stock
   * fills only (a currency conversion's, secType 'CASH', is no position of a ticker).
   */
  ownFillTotals(orderRefPrefix: string): { symbol: string; quantity: number }[];
  /** Fills not yet appended to the trades CSV, oldest first. */
  fillsNotInCsv(): FillRecord[];
  /**
   * Flag fills as written to the trades CSV; with `mark`, record in the same transaction what the file was right
   * after they were written (see {@link TradesCsvMark}).
   */
  markFillsInCsv(execIds: string[], mark?: TradesCsvMark): void;
  /** What the trades CSV was when rows were last appended to it (migration 0014); undefined before the first time. */
  tradesCsvMark(): TradesCsvMark | undefined;
  /**
   * Every row the trades CSV holds or is to hold, in the order of the file: each recorded fill, and each version
   * a correction replaced that was already written (it stays in the file, before its correction), ordered by time
   * then exec id. Read row by row: a whole file is rewritten from here when it is missing.
   */
  tradesCsvRows(): Iterable<FillRecord>;

  recordSnapshot(runId: string, snapshot: SnapshotRecord, positions: PositionRecord[]): void;
  /** Record what the run read of the account before deciding (one per run). */
  recordAccountRead(read: AccountRead): void;
  /** The latest account read of a run other than `exceptRunId`. */
  latestAccountRead(exceptRunId?: string): AccountRead | undefined;
  /** The first account read of the trading day with a positive NLV. */
  firstAccountReadOn(tradingDay: string): AccountRead | undefined;
  /** Record a cash flow; one with a known id is ignored (returns false). */
  recordCashFlow(flow: CashFlowRecord): boolean;
  /** Cash flows with `at` after `fromExclusive` (ISO), oldest first. */
  cashFlowsSince(fromExclusive: string): CashFlowRecord[];
  /** Recorded fills whose time is at or after `from` (ISO, the broker's clock), oldest first. */
  fillsSince(from: string): FillRecord[];
  latestSnapshot(): ({ runId: string; takenAt: string } & SnapshotRecord) | undefined;
  positionsOf(runId: string): PositionRecord[];
  /** The cash per currency recorded with a run's snapshot, the base currency first; none before migration 0015. */
  cashBalancesOf(runId: string): CashBalanceRecord[];
  /** NLV of the first snapshot recorded on the trading day, if any. */
  startOfDayNetLiquidation(tradingDay: string): number | undefined;
  /**
   * What the day's stock orders traded: the sum of their fills' quantity x price in the account's currency (price /
   * magnifier x the order's rate), by the trading day of the run that placed each order. Currency conversions
   * (secType 'CASH') are not counted: they move cash between currencies, they are no turnover.
   */
  tradedValueOn(tradingDay: string): number;

  managedSymbols(): string[];
  addManagedSymbols(symbols: string[], runId: string): void;

  /** Whom these records belong to (src/core/records-owner.ts): undefined until a run claims them. */
  recordsOwner(): RecordsOwner | undefined;
  /**
   * Record `owner` as the records' owner unless one is recorded (never replaced: a second claim changes nothing).
   * Returns the owner recorded now or before. The run must be recorded (its id is a foreign key).
   */
  claimRecords(owner: RecordsOwner): RecordsOwner;

  /** Every strategy a run has planned with (see core/strategies.ts), by name. */
  strategies(): StrategyRecord[];
  /**
   * Record the strategies of a plan the run acted on, all or none: a new one with this sighting as its first and
   * last, a known one with its file, tickers and last sighting replaced. A sighting with tickers makes a retired
   * strategy active again (its retirement stays in the history); one without leaves a retirement as it is.
   */
  recordStrategies(runId: string, sightings: StrategySighting[], at: string): void;
  /** Retire a known strategy that is not retired, and add it to the history; false (nothing recorded) otherwise. */
  retireStrategy(name: string, retirement: StrategyRetirement): boolean;
  /** Every retirement ever recorded, oldest first. */
  strategyRetirements(): ({ name: string } & StrategyRetirement)[];

  /**
   * Record the valid forecasts a run planned with (migration 0012), one per strategy, all or none. Throws if the run
   * is unknown or a strategy comes twice.
   */
  recordForecasts(runId: string, forecasts: readonly ForecastFigures[]): void;
  /**
   * The latest recorded forecast of each strategy, recorded by a run other than `exceptRunId`, oldest first (in the
   * order recorded): the last one's run is the last run that recorded any. What "changed since the last run" compares with.
   */
  latestForecasts(exceptRunId?: string): RecordedForecast[];

  /** Every ledger adjustment, oldest first. */
  ledgerAdjustments(): LedgerAdjustmentRecord[];
  /** Record an adjustment; a second baseline for a ticker is ignored (returns false). */
  recordLedgerAdjustment(adjustment: LedgerAdjustmentRecord): boolean;
  recordLedgerCheck(runId: string, lines: LedgerCheckLine[]): void;
  /** The check of the latest run that recorded one. */
  latestLedgerCheck(): LedgerCheck | undefined;

  /**
   * Mark every run other than `exceptRunId` still recorded as 'running' as failed with `error` (the caller holds
   * the run lock, so their processes are gone). Returns them as they were.
   */
  failAbandonedRuns(exceptRunId: string, error: string): RunRecord[];

  recordHaltEvent(event: { action: 'halt' | 'resume'; reason: string; at: string; source: string }): void;
  /** The instant of the latest 'resume' halt event (`rebalancer resume`), if any: what a person has looked at. */
  lastResumeAt(): string | undefined;
  /** `alertKey` identifies "the same alert" for the throttle (see src/report/alert-throttle.ts). */
  recordEmail(email: {
    kind: string;
    tradingDay: string;
    subject: string;
    status: string;
    at: string;
    runId?: string;
    alertKey?: string;
  }): void;

  close(): void;
}

/** A snapshot with the run that took it and when (the run's start). */
export type TimedSnapshot = { runId: string; takenAt: string } & SnapshotRecord;

/**
 * A fill with the reference price of the order it filled (undefined for orders placed by hand or before 0003). Its
 * `secType` is 'CASH' for a fill of a currency conversion, as its own record or its order's says (migration 0018).
 */
export interface ReportFill extends FillRecord {
  referencePrice?: number;
  /**
   * Of the order it filled (migration 0017), absent for a fill with no order row: the contract's currency, the rate
   * the order was sized with (base-currency units per one unit; absent: the account's currency) and its price
   * magnifier (100: the price is in pence). The fill's value in the account's currency is quantity x price /
   * magnifier x rate; its commission (in the currency's major units) x rate.
   */
  currency?: string;
  fxRate?: number;
  priceMagnifier?: number;
}

/** An order of the day as the reports read it: the record, with the contract's currency (migration 0017; absent before). */
export interface ReportOrderRecord extends OrderRecord {
  currency?: string;
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
  /** Notional of the day's fills (sum of quantity x price / magnifier x the order's rate), in the account's currency. */
  turnover: number;
  commissions: number;
  fills: number;
  /** The realized P&L of the day (core/pnl.ts); undefined when it was not known. */
  realized?: number;
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
  /**
   * Each strategy's latest recorded forecast (migration 0012): without `until`, among the runs of trading days
   * before `tradingDay`; with it, among the runs of `tradingDay` and before that started at or before `until`.
   */
  forecastsAsOf(tradingDay: string, until?: string): RecordedForecast[];
  /** Snapshots recorded on a trading day at or before `until`, oldest first. */
  snapshotsOn(tradingDay: string, until: string): TimedSnapshot[];
  /** The last snapshot of the latest trading day on or before `tradingDay` that has one. */
  closingSnapshotOnOrBefore(tradingDay: string): (TimedSnapshot & { tradingDay: string }) | undefined;
  positionsOf(runId: string): PositionRecord[];
  /** The cash per currency recorded with a run's snapshot, the base currency first; none before migration 0015. */
  cashBalancesOf(runId: string): CashBalanceRecord[];
  /** Orders of runs of the trading day that started at or before `until`, oldest first. */
  ordersOn(tradingDay: string, until: string): ReportOrderRecord[];
  /**
   * The day's order activity, of the runs of `tradingDay` that started at or before `until`: the sums of their
   * recorded order counts (a run that recorded none, as every run before migration 0011, adds nothing), and of their
   * orders those with a fill recorded by a run started at or before `until`, and those fills (an execution IB
   * corrected counts once: the correction replaced it).
   */
  orderActivityOn(tradingDay: string, until: string): OrderActivity;
  /**
   * The changes of working orders asked by runs of the trading day that started at or before `until` (whichever day
   * placed the order), oldest first (by createdAt, then as recorded).
   */
  modificationsOn(tradingDay: string, until: string): ModificationRecord[];
  /**
   * Fills that belong to the trading day (that of the run that placed the order, else of the run that
   * collected it) and were collected by a run started at or before `until`, oldest first.
   */
  fillsOn(tradingDay: string, until: string): ReportFill[];
  /** Breaches found by runs of the trading day started at or before `until`, oldest first. */
  breachesOn(tradingDay: string, until: string): DayBreach[];
  /** Runs of the trading day started at or before `until`, oldest first. */
  runsOn(tradingDay: string, until: string): RunRecord[];
  /**
   * Cash flows first reflected in a snapshot of a trading day from `fromDay` to `toDay` (inclusive) by a run
   * started at or before `until`, oldest first. The run that reflects a flow is, for an inferred flow, the run
   * that measured it; for any other, the first run whose account read (else snapshot) is at or after the flow's
   * `at`; a flow no run has read yet is in no day. Replaced flows are included: `effectiveFlows` decides.
   */
  cashFlowsOn(fromDay: string, toDay: string, until: string): ReportCashFlow[];
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
  /**
   * The trading days (New York dates, as the runs recorded them) of the runs started at or before `until`, newest
   * first, each once, at most `limit` (positive): where `rebalancer report` finds the latest day with records.
   */
  runDaysOnOrBefore(until: string, limit: number): string[];
  close(): void;
}
