/**
 * The store ports (RunStore, ReportStore) in memory, for fast unit tests of the run's orchestration.
 *
 * Same answers as the SQLite adapter (src/adapters/sqlite), which is the reference: same orderings (ties broken
 * by insertion order, as SQLite's rowid), same "latest" and "first", the same constraint failures (a duplicate
 * run, an unknown run, NaN in a NOT NULL column), every multi-row write all or nothing, and every failure a
 * StorageError worded as the SQLite store words it. test/storage/store-contract.test.ts runs the same tests
 * against both and compares them operation by operation.
 *
 * Known approximations, none of which a run can meet: instants in "until"/"since" filters are parsed for the
 * ISO 8601 forms SQLite's julianday() takes that the rebalancer writes (date, time with or without seconds and
 * fraction, Z or an offset); the CHECK constraints the port's types already rule out are not repeated.
 *
 * Beyond the ports, for tests: the tables are plain arrays on {@link MemoryDatabase} (halt events and emails
 * have no read method in RunStore), and {@link MemoryStore.failOn} makes a chosen call fail like a disk error.
 */
import { toStorageError } from '../../src/fs/storage-errors.js';
import { FINAL_BROKER_STATUSES, isFinal, RECORD_ONLY_STATUSES } from '../../src/core/order-status.js';
import type { Breach, BrokerOrder, ExchangeRate, Execution, Side } from '../../src/core/types.js';
import { fillVersion } from '../../src/core/exec-ids.js';
import type { StrategyRecord, StrategyRetirement, StrategySighting } from '../../src/core/strategies.js';
import type { RecordsOwner } from '../../src/core/records-owner.js';
import type { ForecastFigures, RecordedForecast } from '../../src/core/forecast-changes.js';
import { StorageError } from '../../src/errors.js';
import type {
  AccountRead,
  AlertHistoryEntry,
  CashBalanceRecord,
  CashFlowRecord,
  DailyRow,
  DayBreach,
  FillRecord,
  LedgerAdjustmentRecord,
  LedgerCheck,
  LedgerCheckLine,
  ModificationIntent,
  ModificationOutcome,
  ModificationRecord,
  ModificationStatus,
  OrderActivity,
  OrderCounts,
  OrderIntent,
  OrderReconciliation,
  OrderRecord,
  PositionRecord,
  ReportCashFlow,
  ReportFill,
  ReportOrderRecord,
  ReportStore,
  RunRecord,
  RunStatus,
  RunStore,
  SnapshotRecord,
  TimedSnapshot,
  TradesCsvMark,
} from '../../src/ports/store.js';

// ---------------------------------------------------------------------------------------------------------------
// Tables. NULL is `undefined`; `seq` is the insertion order (SQLite's rowid or INTEGER PRIMARY KEY).

export interface RunRow {
  seq: number;
  runId: string;
  startedAt: string;
  finishedAt: string | undefined;
  status: RunStatus;
  exitCode: number | undefined;
  error: string | undefined;
  tradingDay: string;
  dryRun: boolean;
  tradingState: string | undefined;
  brokerClockOffsetMs: number | undefined;
  /** Migration 0011: each undefined (NULL) until the run records them. */
  ordersSent: number | undefined;
  ordersModified: number | undefined;
  ordersCancelled: number | undefined;
}

export interface SnapshotRow extends SnapshotRecord {
  seq: number;
  runId: string;
  takenAt: string;
}

export interface PositionRow extends PositionRecord {
  runId: string;
}

export interface OrderRow {
  seq: number;
  runId: string;
  orderRef: string;
  symbol: string;
  action: Side;
  quantity: number;
  limitPrice: number;
  status: string;
  brokerOrderId: number | undefined;
  permId: number | undefined;
  filledQuantity: number;
  avgFillPrice: number;
  createdAt: string;
  updatedAt: string;
  message: string | undefined;
  referencePrice: number | undefined;
  reconciledAt: string | undefined;
  outcomeAcceptedAt: string | undefined;
  /** Migration 0016: an intent of a batch whose turn to be sent has not come. */
  awaitingTurn: boolean;
  /** Migration 0017: the contract's currency, the rate the order was sized with, its price magnifier. */
  currency: string | undefined;
  fx: ExchangeRate | undefined;
  priceMagnifier: number | undefined;
  /** Migration 0018: 'CASH' for a currency conversion; undefined (NULL) for a stock. */
  secType: 'CASH' | undefined;
}

export interface FillRow {
  seq: number;
  execId: string;
  runId: string;
  orderRef: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** Undefined (NULL) while IB's commission report has not arrived. */
  commission: number | undefined;
  time: string;
  brokerOrderId: number | undefined;
  permId: number | undefined;
  inCsv: boolean;
  /** Migration 0018: 'CASH' for an execution of a currency conversion; undefined (NULL) for a stock. */
  secType?: 'CASH';
}

/** A change of a working order (table order_modifications); `id` is its INTEGER PRIMARY KEY. */
export interface ModificationRow {
  id: number;
  runId: string;
  orderRef: string;
  brokerOrderId: number;
  fromQuantity: number;
  fromLimitPrice: number;
  quantity: number;
  limitPrice: number;
  filledBefore: number;
  referencePrice: number | undefined;
  /** Migration 0017: the rate the change was sized with. */
  fx: ExchangeRate | undefined;
  status: ModificationStatus;
  code: number | undefined;
  message: string | undefined;
  createdAt: string;
  updatedAt: string;
}

/** A fill a correction replaced (table replaced_fills): the row as it was, and what replaced it when. */
export interface ReplacedFillRow extends FillRow {
  replacedBy: string;
  replacedAt: string;
  replacedInRun: string;
}

export interface BreachRow {
  seq: number;
  runId: string;
  code: Breach['code'];
  symbol: string | undefined;
  detail: string;
}

export interface EmailRow {
  seq: number;
  kind: string;
  tradingDay: string;
  subject: string;
  status: string;
  at: string;
  runId: string | undefined;
  alertKey: string | undefined;
}

export interface HaltEventRow {
  seq: number;
  action: 'halt' | 'resume';
  reason: string;
  at: string;
  source: string;
}

export interface ManagedSymbolRow {
  symbol: string;
  firstRunId: string;
  lastRunId: string;
}

export interface StrategyRow {
  name: string;
  lastFile: string;
  firstSeenAt: string;
  firstRunId: string;
  lastSeenAt: string;
  lastRunId: string;
  lastSymbols: string[];
  retired: StrategyRetirement | undefined;
}

/** A row of forecasts (migration 0012); weights as the JSON text SQLite holds. */
export interface ForecastRow {
  seq: number;
  runId: string;
  strategy: string;
  file: string;
  asOf: string;
  leverage: number;
  capital: number;
  weights: string;
}

/** Each strategy's row recorded last (highest seq) among `rows`, in the order recorded, as the stores read them. */
function latestPerStrategy(rows: readonly ForecastRow[]): RecordedForecast[] {
  const latest = new Map<string, ForecastRow>();
  for (const r of rows) {
    const known = latest.get(r.strategy);
    if (known === undefined || r.seq > known.seq) latest.set(r.strategy, r);
  }
  return sorted(
    [...latest.values()],
    orderBy<ForecastRow>((r) => r.seq),
  ).map((r) => ({
    runId: r.runId,
    strategy: r.strategy,
    file: r.file,
    asOf: r.asOf,
    leverage: r.leverage,
    capital: r.capital,
    weights: JSON.parse(r.weights) as Record<string, number>,
  }));
}

export interface StrategyRetirementRow extends StrategyRetirement {
  seq: number;
  name: string;
}

export interface LedgerAdjustmentRow extends LedgerAdjustmentRecord {
  seq: number;
}

export interface LedgerCheckRow extends LedgerCheckLine {
  seq: number;
  runId: string;
}

export interface DailyTableRow {
  tradingDay: string;
  closingNlv: number;
  change: number | undefined;
  turnover: number;
  commissions: number;
  fills: number;
  realized: number | undefined;
  recordedAt: string;
}

interface Tables {
  runs: RunRow[];
  snapshots: SnapshotRow[];
  positions: PositionRow[];
  orders: OrderRow[];
  orderModifications: ModificationRow[];
  fills: FillRow[];
  replacedFills: ReplacedFillRow[];
  breaches: BreachRow[];
  emails: EmailRow[];
  haltEvents: HaltEventRow[];
  managedSymbols: ManagedSymbolRow[];
  ledgerAdjustments: LedgerAdjustmentRow[];
  ledgerChecks: LedgerCheckRow[];
  daily: DailyTableRow[];
  strategies: StrategyRow[];
  strategyRetirements: StrategyRetirementRow[];
  forecasts: ForecastRow[];
  /** records_owner: at most one row. */
  recordsOwner: RecordsOwner[];
  cashFlows: CashFlowRecord[];
  /** snapshot_cash (migration 0015): in the order recorded, the base currency first per run. */
  snapshotCash: (CashBalanceRecord & { runId: string })[];
  accountReads: (AccountRead & { seq: number })[];
  /** trades_csv_mark (migration 0014): at most one row. */
  tradesCsvMark: TradesCsvMark[];
}

const emptyTables = (): Tables => ({
  runs: [],
  snapshots: [],
  positions: [],
  orders: [],
  orderModifications: [],
  fills: [],
  replacedFills: [],
  breaches: [],
  emails: [],
  haltEvents: [],
  managedSymbols: [],
  ledgerAdjustments: [],
  ledgerChecks: [],
  daily: [],
  strategies: [],
  strategyRetirements: [],
  forecasts: [],
  recordsOwner: [],
  cashFlows: [],
  snapshotCash: [],
  accountReads: [],
  tradesCsvMark: [],
});

/**
 * The records of one "database file": what a MemoryStore and a MemoryReportStore share, as the SQLite stores
 * share a connection. Tests may read the tables directly; writing them bypasses every rule of the store.
 */
export class MemoryDatabase implements Tables {
  runs: RunRow[] = [];
  snapshots: SnapshotRow[] = [];
  positions: PositionRow[] = [];
  orders: OrderRow[] = [];
  orderModifications: ModificationRow[] = [];
  fills: FillRow[] = [];
  replacedFills: ReplacedFillRow[] = [];
  breaches: BreachRow[] = [];
  emails: EmailRow[] = [];
  haltEvents: HaltEventRow[] = [];
  managedSymbols: ManagedSymbolRow[] = [];
  ledgerAdjustments: LedgerAdjustmentRow[] = [];
  ledgerChecks: LedgerCheckRow[] = [];
  daily: DailyTableRow[] = [];
  strategies: StrategyRow[] = [];
  strategyRetirements: StrategyRetirementRow[] = [];
  forecasts: ForecastRow[] = [];
  recordsOwner: RecordsOwner[] = [];
  cashFlows: CashFlowRecord[] = [];
  snapshotCash: (CashBalanceRecord & { runId: string })[] = [];
  accountReads: (AccountRead & { seq: number })[] = [];
  tradesCsvMark: TradesCsvMark[] = [];
  /** False once closed: every store on its shared connection then fails, as on a closed SQLite connection. */
  open = true;
  private seq = 0;

  /** @param name what StorageErrors name as the file (the SQLite store names its path). */
  constructor(readonly name = ':memory:') {}

  close(): void {
    this.open = false;
  }

  /** Open the shared connection again, records intact (as re-opening the same file). */
  reopen(): void {
    this.open = true;
  }

  nextSeq(): number {
    this.seq += 1;
    return this.seq;
  }

  /** All or nothing: the tables as they were if `fn` throws. */
  transaction<T>(fn: () => T): T {
    const before = structuredClone(this.tables());
    const seq = this.seq;
    try {
      return fn();
    } catch (err) {
      Object.assign(this, before);
      this.seq = seq;
      throw err;
    }
  }

  private tables(): Tables {
    const t = emptyTables();
    for (const key of Object.keys(t) as (keyof Tables)[]) Object.assign(t, { [key]: this[key] });
    return t;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SQL semantics

/** An error as better-sqlite3 throws it (a SqliteError has a code), for toStorageError to word alike. */
function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const notNullFailed = (table: string, column: string): Error =>
  sqliteError('SQLITE_CONSTRAINT_NOTNULL', `NOT NULL constraint failed: ${table}.${column}`);
const foreignKeyFailed = (): Error => sqliteError('SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed');
const uniqueFailed = (code: 'UNIQUE' | 'PRIMARYKEY', columns: string): Error =>
  sqliteError(`SQLITE_CONSTRAINT_${code}`, `UNIQUE constraint failed: ${columns}`);

/** A value as SQLite stores it: undefined and NaN become NULL (undefined), -0 becomes 0. */
function sql<T>(value: T | null | undefined): T | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return undefined;
    if (value === 0) return 0 as T;
  }
  return value;
}

/** Builds a row column by column (in the table's column order, as SQLite checks NOT NULL). */
class RowCheck {
  /** The first NOT NULL column found NULL, if any. */
  failure: Error | undefined;

  constructor(private readonly table: string) {}

  required<T>(column: string, value: T | null | undefined): T {
    const v = sql(value);
    if (v === undefined && this.failure === undefined) this.failure = notNullFailed(this.table, column);
    return v as T;
  }

  /** Throws the NOT NULL failure (statements without OR IGNORE). */
  orThrow(): void {
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Text order of SQLite's BINARY collation (UTF-8 bytes, i.e. code points). */
function compareText(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

type Key<T> = (row: T) => string | number;

/** A comparator for ORDER BY: each key ascending, or descending when given as ['desc', key]. */
function orderBy<T>(...keys: (Key<T> | ['desc', Key<T>])[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const k of keys) {
      const [sign, key] = Array.isArray(k) ? [-1, k[1]] : [1, k];
      const x = key(a);
      const y = key(b);
      const c = typeof x === 'string' && typeof y === 'string' ? compareText(x, y) : (x as number) - (y as number);
      if (c !== 0) return sign * c;
    }
    return 0;
  };
}

const sorted = <T>(rows: readonly T[], compare: (a: T, b: T) => number): T[] => [...rows].sort(compare);

/** LIMIT n: a negative limit means none. */
const limited = <T>(rows: T[], limit: number): T[] => (limit < 0 ? rows : rows.slice(0, limit));

/** SQLite's sum() over REAL values: Kahan-Babuska-Neumaier compensated (since SQLite 3.43); NULL when empty. */
function sqlSum(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  let sum = 0;
  let err = 0;
  for (const r of values) {
    const t = sum + r;
    err += Math.abs(sum) > Math.abs(r) ? sum - t + r : r - t + sum;
    sum = t;
  }
  return sum + err;
}

/** SQLite's round(x, n) for n > 0: the decimal expansion rounded half away from zero. */
function sqlRound(x: number, digits: number): number {
  if (Math.abs(x) > 4503599627370496) return x;
  return Number(x.toFixed(digits));
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:\d{2})?$/i;

/** julianday() as a comparable number (epoch milliseconds, as SQLite's julian day counts whole ms); undefined = NULL. */
function julianMs(text: string): number | undefined {
  const m = INSTANT.exec(text.trim());
  if (m === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, tz] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Math.round(Number(`0${frac ?? ''}`) * 1000);
  if (tz !== undefined && tz.toUpperCase() !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    ms -= sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  return ms;
}

/** julianday(a) <= julianday(b) (false when either is NULL). */
function atOrBefore(a: string, b: string): boolean {
  const x = julianMs(a);
  const y = julianMs(b);
  return x !== undefined && y !== undefined && x <= y;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows to the port's records (every optional key present, undefined for NULL, as the SQLite store returns them).

const toRun = (r: RunRow): RunRecord => ({
  runId: r.runId,
  startedAt: r.startedAt,
  finishedAt: r.finishedAt,
  status: r.status,
  exitCode: r.exitCode,
  error: r.error,
  tradingDay: r.tradingDay,
  dryRun: r.dryRun,
  tradingState: r.tradingState,
  brokerClockOffsetMs: r.brokerClockOffsetMs,
  ...orderCountsOf(r),
});

/** The run's order counts, absent (no key) when none is recorded; a count that is NULL reads as 0. */
function orderCountsOf(r: RunRow): Pick<RunRecord, 'orderCounts'> {
  if (r.ordersSent === undefined && r.ordersModified === undefined && r.ordersCancelled === undefined) return {};
  return { orderCounts: { sent: r.ordersSent ?? 0, modified: r.ordersModified ?? 0, cancelled: r.ordersCancelled ?? 0 } };
}

const toSnapshot = (s: SnapshotRow): TimedSnapshot => ({
  runId: s.runId,
  takenAt: s.takenAt,
  netLiquidation: s.netLiquidation,
  cash: s.cash,
  grossPositionValue: s.grossPositionValue,
  leverage: s.leverage,
  maintMargin: s.maintMargin,
  excessLiquidity: s.excessLiquidity,
  cushion: s.cushion,
  currency: s.currency,
});

const toAccountRead = (r: AccountRead): AccountRead => ({
  runId: r.runId,
  readAt: r.readAt,
  tradingDay: r.tradingDay,
  cash: r.cash,
  netLiquidation: r.netLiquidation,
  currency: r.currency,
  positions: { ...r.positions },
  ...(r.accruedDividend === undefined ? {} : { accruedDividend: r.accruedDividend }),
  ...(r.cashByCurrency === undefined ? {} : { cashByCurrency: { ...r.cashByCurrency } }),
});

const toPosition = (p: PositionRow): PositionRecord => ({
  symbol: p.symbol,
  quantity: p.quantity,
  avgCost: p.avgCost,
  marketPrice: p.marketPrice,
  marketValue: p.marketValue,
  weight: p.weight,
  targetWeight: p.targetWeight,
  ...(p.fxRate === undefined ? {} : { fxRate: p.fxRate }),
});

const toOrder = (o: OrderRow): OrderRecord => ({
  runId: o.runId,
  orderRef: o.orderRef,
  symbol: o.symbol,
  action: o.action,
  quantity: o.quantity,
  limitPrice: o.limitPrice,
  status: o.status,
  brokerOrderId: o.brokerOrderId,
  permId: o.permId,
  filledQuantity: o.filledQuantity,
  avgFillPrice: o.avgFillPrice,
  createdAt: o.createdAt,
  message: o.message,
  referencePrice: o.referencePrice,
  ...(o.awaitingTurn ? { awaitingTurn: true } : {}),
  ...(o.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
  ...(o.fx === undefined ? {} : { fx: { ...o.fx } }),
  ...(o.priceMagnifier === undefined || o.priceMagnifier === 1 ? {} : { priceMagnifier: o.priceMagnifier }),
});

const toModification = (m: ModificationRow): ModificationRecord => ({
  id: m.id,
  runId: m.runId,
  orderRef: m.orderRef,
  brokerOrderId: m.brokerOrderId,
  fromQuantity: m.fromQuantity,
  fromLimitPrice: m.fromLimitPrice,
  quantity: m.quantity,
  limitPrice: m.limitPrice,
  filledBefore: m.filledBefore,
  referencePrice: m.referencePrice,
  ...(m.fx === undefined ? {} : { fx: { ...m.fx } }),
  status: m.status,
  code: m.code,
  message: m.message,
  createdAt: m.createdAt,
  updatedAt: m.updatedAt,
});

/** Oldest first: by created_at as text, then by id. */
const modificationOrder = orderBy<ModificationRow>(
  (m) => m.createdAt,
  (m) => m.id,
);

const toFill = (f: FillRow): FillRecord => ({
  execId: f.execId,
  runId: f.runId,
  orderRef: f.orderRef,
  symbol: f.symbol,
  side: f.side,
  quantity: f.quantity,
  price: f.price,
  commission: f.commission ?? null,
  time: f.time,
  brokerOrderId: f.brokerOrderId ?? 0,
  permId: f.permId,
  ...(f.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
});

const toBreach = (b: BreachRow): Breach =>
  b.symbol === undefined ? { code: b.code, detail: b.detail } : { code: b.code, detail: b.detail, symbol: b.symbol };

const toAdjustment = (a: LedgerAdjustmentRow): LedgerAdjustmentRecord => ({
  symbol: a.symbol,
  kind: a.kind,
  quantity: a.quantity,
  ledgerBefore: a.ledgerBefore,
  brokerQuantity: a.brokerQuantity,
  reason: a.reason,
  runId: a.runId,
  at: a.at,
  source: a.source,
  ...(a.ratio === undefined ? {} : { ratio: a.ratio }),
  ...(a.evidence === undefined ? {} : { evidence: a.evidence }),
});

const toCheckLine = (c: LedgerCheckRow): LedgerCheckLine => ({
  symbol: c.symbol,
  ledgerQuantity: c.ledgerQuantity,
  brokerQuantity: c.brokerQuantity,
});

// ---------------------------------------------------------------------------------------------------------------

/** Where an injected failure strikes: the `call`-th call of the method (1-based, counting every call so far). */
export interface InjectedFailure {
  call?: number;
  /** How many calls from there fail (default 1; Infinity: every one). */
  times?: number;
  /** The SQLite/system error code, worded as the SQLite store words it (default SQLITE_IOERR). */
  code?: string;
  message?: string;
}

/**
 * How a store reaches its records: through the database's shared connection (closed by `db.close()`, never by
 * the store), or through a connection of its own (closed by the store's `close()`), as a SQLite store is given
 * an open connection or opens the file itself.
 */
export interface MemoryConnectionOptions {
  /** Default: true when the store made its own database, else false. */
  ownConnection?: boolean;
}

/** The guards both stores share: the connection's state, injected failures, and StorageError wording. */
abstract class MemoryStoreBase<Port extends { close(): void }> {
  readonly file: string;
  readonly db: MemoryDatabase;
  /** Calls received, per method (close included). */
  readonly callCounts = new Map<keyof Port & string, number>();
  private readonly failures: { method: keyof Port & string; from: number; to: number; error: Error }[] = [];
  private readonly ownConnection: boolean;
  private closed = false;

  protected constructor(db: MemoryDatabase | undefined, options: MemoryConnectionOptions) {
    this.db = db ?? new MemoryDatabase();
    this.ownConnection = options.ownConnection ?? db === undefined;
    this.file = this.db.name;
  }

  /** Whether calls can reach the records. */
  get isOpen(): boolean {
    return this.ownConnection ? !this.closed : this.db.open;
  }

  /** Close the store's own connection; on the database's shared connection, nothing (it stays the caller's). */
  close(): void {
    this.count('close' as keyof Port & string);
    if (this.ownConnection) this.closed = true;
  }

  /** Make a later call of `method` throw a StorageError, as a failing disk would, before it changes anything. */
  failOn(method: keyof Port & string, failure: InjectedFailure = {}): this {
    const from = failure.call ?? (this.callCounts.get(method) ?? 0) + 1;
    const error = sqliteError(failure.code ?? 'SQLITE_IOERR', failure.message ?? 'disk I/O error');
    this.failures.push({ method, from, to: from + (failure.times ?? 1) - 1, error });
    return this;
  }

  protected fail(message: string): StorageError {
    return new StorageError(`${this.file}: ${message}`, this.file);
  }

  protected guard<T>(method: keyof Port & string, action: string, fn: () => T): T {
    const n = this.count(method);
    try {
      if (!this.isOpen) throw new TypeError('The database connection is not open');
      const injected = this.failures.find((f) => f.method === method && n >= f.from && n <= f.to);
      if (injected !== undefined) throw injected.error;
      return fn();
    } catch (err) {
      throw toStorageError(err, this.file, action);
    }
  }

  private count(method: keyof Port & string): number {
    const n = (this.callCounts.get(method) ?? 0) + 1;
    this.callCounts.set(method, n);
    return n;
  }

  protected transaction<T>(method: keyof Port & string, action: string, fn: () => T): T {
    return this.guard(method, action, () => this.db.transaction(fn));
  }

  protected run(runId: string): RunRow | undefined {
    return this.db.runs.find((r) => r.runId === runId);
  }

  protected requireRun(runId: string | undefined): void {
    if (runId !== undefined && this.run(runId) === undefined) throw foreignKeyFailed();
  }

  protected order(orderRef: string): OrderRow | undefined {
    return this.db.orders.find((o) => o.orderRef === orderRef);
  }
}

export interface MemoryStoreOptions extends MemoryConnectionOptions {
  /** Clock for the orders' updated_at (kept on the rows; the port never returns it). Defaults to the system clock. */
  now?: () => string;
}

/** Order statuses the fills never turn into Filled (Intent, SendFailed, NotSent): the broker may never have had the order. */
const UNSENT: ReadonlySet<string> = new Set(RECORD_ONLY_STATUSES);

/** RunStore in memory, with the semantics of SqliteStore. */
export class MemoryStore extends MemoryStoreBase<RunStore> implements RunStore {
  private readonly now: () => string;

  /** @param db the records to use (shared with a MemoryReportStore, say); without one, the store makes its own. */
  constructor(db?: MemoryDatabase, options: MemoryStoreOptions = {}) {
    super(db, options);
    this.now = options.now ?? (() => new Date().toISOString());
  }

  startRun(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): void {
    this.guard('startRun', `record the start of run ${run.runId}`, () => {
      const c = new RowCheck('runs');
      const row: RunRow = {
        seq: 0,
        runId: run.runId,
        startedAt: c.required('started_at', run.startedAt),
        status: 'running',
        finishedAt: undefined,
        exitCode: undefined,
        error: undefined,
        tradingDay: c.required('trading_day', run.tradingDay),
        dryRun: run.dryRun ? true : false,
        tradingState: sql(run.tradingState),
        brokerClockOffsetMs: undefined,
        ordersSent: undefined,
        ordersModified: undefined,
        ordersCancelled: undefined,
      };
      c.orThrow();
      if (this.run(run.runId) !== undefined) throw uniqueFailed('PRIMARYKEY', 'runs.id');
      this.db.runs.push({ ...row, seq: this.db.nextSeq() });
    });
  }

  recordBrokerClock(runId: string, offsetMs: number): void {
    this.guard('recordBrokerClock', `record the broker's clock of run ${runId}`, () => {
      const row = this.run(runId);
      if (row === undefined) throw this.fail(`no run ${runId} to record the broker's clock of`);
      row.brokerClockOffsetMs = Math.round(offsetMs);
    });
  }

  finishRun(
    runId: string,
    result: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string },
  ): void {
    this.guard('finishRun', `record the end of run ${runId}`, () => {
      const run = this.run(runId);
      if (run === undefined) throw this.fail(`no run ${runId} to finish`);
      const c = new RowCheck('runs');
      const status = c.required('status', result.status);
      c.orThrow();
      Object.assign(run, {
        finishedAt: sql(result.finishedAt),
        status,
        exitCode: sql(result.exitCode),
        error: sql(result.error),
        tradingState: sql(result.tradingState) ?? run.tradingState,
      });
    });
  }

  recordOrderCounts(runId: string, counts: OrderCounts): void {
    this.guard('recordOrderCounts', `record the order counts of run ${runId}`, () => {
      const row = this.run(runId);
      if (row === undefined) throw this.fail(`no run ${runId} to record the order counts of`);
      // The columns are nullable: a NaN count is stored as NULL.
      Object.assign(row, { ordersSent: sql(counts.sent), ordersModified: sql(counts.modified), ordersCancelled: sql(counts.cancelled) });
    });
  }

  previousRun(exceptRunId?: string): RunRecord | undefined {
    return this.guard('previousRun', 'read the previous run', () => {
      const runs = this.db.runs.filter((r) => exceptRunId === undefined || r.runId !== exceptRunId);
      const latest = sorted(runs, newestRunFirst)[0];
      return latest === undefined ? undefined : toRun(latest);
    });
  }

  recentRuns(limit: number): RunRecord[] {
    return this.guard('recentRuns', 'read recent runs', () => limited(sorted(this.db.runs, newestRunFirst), limit).map(toRun));
  }

  hasRun(runId: string): boolean {
    return this.guard('hasRun', `look up run ${runId}`, () => this.db.runs.some((r) => r.runId === runId));
  }

  recordBreaches(runId: string, breaches: Breach[]): void {
    this.transaction('recordBreaches', `record breaches of run ${runId}`, () => {
      for (const b of breaches) {
        const c = new RowCheck('breaches');
        const row: BreachRow = {
          seq: 0,
          runId,
          code: c.required('code', b.code),
          symbol: sql(b.symbol),
          detail: c.required('detail', b.detail),
        };
        c.orThrow();
        this.requireRun(runId);
        this.db.breaches.push({ ...row, seq: this.db.nextSeq() });
      }
    });
  }

  breachesOf(runId: string): Breach[] {
    return this.guard('breachesOf', `read breaches of run ${runId}`, () => this.db.breaches.filter((b) => b.runId === runId).map(toBreach));
  }

  recordOrderIntent(runId: string, order: OrderIntent, createdAt: string): void {
    this.transaction('recordOrderIntent', `record order intent ${order.orderRef}`, () => this.insertIntent(runId, order, createdAt, false));
  }

  recordOrderIntents(runId: string, orders: readonly OrderIntent[], createdAt: string): void {
    if (orders.length === 0) return;
    this.transaction('recordOrderIntents', `record ${orders.length} order intents of run ${runId}`, () => {
      for (const order of orders) this.insertIntent(runId, order, createdAt, true);
    });
  }

  markTurnsTaken(orderRefs: readonly string[]): void {
    if (orderRefs.length === 0) return;
    this.transaction('markTurnsTaken', `record that the turn of ${orderRefs.length} order(s) came`, () => {
      for (const orderRef of orderRefs) {
        const row = this.order(orderRef);
        if (row === undefined) throw this.fail(`order ${orderRef} is about to be sent but has no recorded intent`);
        row.awaitingTurn = false;
      }
    });
  }

  private insertIntent(runId: string, order: OrderIntent, createdAt: string, awaitingTurn: boolean): void {
    {
      const existing = this.order(order.orderRef);
      if (existing !== undefined) {
        throw this.fail(
          `order ${order.orderRef} is already recorded (run ${existing.runId}, status ${existing.status}); an order is never sent twice`,
        );
      }
      const c = new RowCheck('orders');
      const row: OrderRow = {
        seq: 0,
        runId: c.required('run_id', runId),
        orderRef: c.required('order_ref', order.orderRef),
        symbol: c.required('symbol', order.symbol),
        action: c.required('action', order.action),
        quantity: c.required('quantity', order.quantity),
        limitPrice: c.required('limit_price', order.limitPrice),
        status: 'Intent',
        brokerOrderId: undefined,
        permId: undefined,
        filledQuantity: 0,
        avgFillPrice: 0,
        createdAt: c.required('created_at', createdAt),
        updatedAt: c.required('updated_at', createdAt),
        message: undefined,
        referencePrice: sql(order.referencePrice),
        reconciledAt: undefined,
        outcomeAcceptedAt: undefined,
        awaitingTurn,
        currency: order.currency === '' ? undefined : order.currency,
        fx: order.fx === undefined ? undefined : { ...order.fx },
        priceMagnifier: order.priceMagnifier,
        secType: order.secType === 'CASH' ? 'CASH' : undefined,
      };
      c.orThrow();
      this.requireRun(runId);
      this.db.orders.push({ ...row, seq: this.db.nextSeq() });
    }
  }

  markOrderSent(orderRef: string, order: BrokerOrder): void {
    this.guard('markOrderSent', `record order ${orderRef} as sent`, () => {
      const row = this.order(orderRef);
      if (row === undefined) throw this.fail(`order ${orderRef} was sent but has no recorded intent`);
      this.applyBrokerUpdate(row, order, { brokerOrderId: sql(order.brokerOrderId), permId: sql(order.permId) });
    });
  }

  markOrderFailed(orderRef: string, message: string): void {
    this.guard('markOrderFailed', `record order ${orderRef} as failed`, () => {
      const row = this.order(orderRef);
      if (row === undefined) throw this.fail(`order ${orderRef} failed but has no recorded intent`);
      const c = new RowCheck('orders');
      const updatedAt = c.required('updated_at', this.now());
      c.orThrow();
      Object.assign(row, { status: 'SendFailed', message: sql(message), updatedAt });
    });
  }

  updateOrderStatuses(orders: BrokerOrder[]): void {
    this.transaction('updateOrderStatuses', 'update order statuses', () => {
      for (const o of orders) {
        const row = this.order(o.orderRef);
        // An intent whose send crashed before markOrderSent gets its broker ids here; recorded ids stay.
        if (row !== undefined)
          this.applyBrokerUpdate(row, o, { brokerOrderId: row.brokerOrderId ?? sql(o.brokerOrderId), permId: row.permId ?? sql(o.permId) });
      }
    });
  }

  ordersOf(runId: string): OrderRecord[] {
    return this.guard('ordersOf', `read orders of run ${runId}`, () => this.db.orders.filter((o) => o.runId === runId).map(toOrder));
  }

  recordModificationIntent(runId: string, intent: ModificationIntent, createdAt: string): number {
    return this.transaction('recordModificationIntent', `record the change of order ${intent.orderRef}`, () => {
      if (this.order(intent.orderRef) === undefined) throw this.fail(`order ${intent.orderRef} is not recorded; a change of it cannot be`);
      const c = new RowCheck('order_modifications');
      const row: ModificationRow = {
        id: 0,
        runId: c.required('run_id', runId),
        orderRef: c.required('order_ref', intent.orderRef),
        brokerOrderId: c.required('broker_order_id', intent.brokerOrderId),
        fromQuantity: c.required('from_quantity', intent.fromQuantity),
        fromLimitPrice: c.required('from_limit_price', intent.fromLimitPrice),
        quantity: c.required('quantity', intent.quantity),
        limitPrice: c.required('limit_price', intent.limitPrice),
        filledBefore: c.required('filled_before', intent.filledBefore),
        referencePrice: sql(intent.referencePrice),
        fx: intent.fx === undefined ? undefined : { ...intent.fx },
        status: 'Intent',
        code: undefined,
        message: undefined,
        createdAt: c.required('created_at', createdAt),
        updatedAt: c.required('updated_at', createdAt),
      };
      c.orThrow();
      this.requireRun(runId);
      // INTEGER PRIMARY KEY: one more than the largest id in the table.
      const id = Math.max(0, ...this.db.orderModifications.map((m) => m.id)) + 1;
      this.db.orderModifications.push({ ...row, id });
      return id;
    });
  }

  settleModification(id: number, outcome: ModificationOutcome, at: string): void {
    this.transaction('settleModification', `record what came of change ${id}`, () => {
      const row = this.db.orderModifications.find((m) => m.id === id);
      if (row === undefined) throw this.fail(`no change ${id} of an order to settle`);
      const c = new RowCheck('order_modifications');
      const update = {
        status: c.required('status', outcome.status),
        code: sql(outcome.code),
        message: sql(outcome.message),
        updatedAt: c.required('updated_at', at),
      };
      c.orThrow();
      Object.assign(row, update);
      if (outcome.status !== 'Modified') return;
      const order = this.order(row.orderRef);
      if (order === undefined) return;
      Object.assign(order, { quantity: row.quantity, limitPrice: row.limitPrice, updatedAt: update.updatedAt });
      // The rate the change was sized with, when it had one (SQLite: coalesce(m.fx_rate, orders.fx_rate)).
      if (row.fx !== undefined) order.fx = { ...row.fx };
      if (outcome.order === undefined) return;
      const oc = new RowCheck('orders');
      const shown = {
        status: oc.required('status', outcome.order.status),
        filledQuantity: oc.required('filled_quantity', outcome.order.filledQuantity),
        avgFillPrice: oc.required('avg_fill_price', outcome.order.avgFillPrice),
        updatedAt: oc.required('updated_at', at),
      };
      oc.orThrow();
      Object.assign(order, shown);
    });
  }

  unsettledModifications(exceptRunId: string): ModificationRecord[] {
    return this.guard('unsettledModifications', 'read the unsettled changes of orders', () =>
      sorted(
        this.db.orderModifications.filter((m) => (m.status === 'Intent' || m.status === 'Unknown') && m.runId !== exceptRunId),
        modificationOrder,
      ).map(toModification),
    );
  }

  modificationsOf(runId: string): ModificationRecord[] {
    return this.guard('modificationsOf', `read the changes of orders of run ${runId}`, () =>
      this.db.orderModifications.filter((m) => m.runId === runId).map(toModification),
    );
  }

  ordersToReconcile(exceptRunId: string): OrderRecord[] {
    return this.guard('ordersToReconcile', 'read the orders to reconcile', () =>
      this.db.orders
        .filter(
          (o) =>
            o.runId !== exceptRunId &&
            (!isFinal(o.status) || (o.status === 'SendFailed' && o.reconciledAt === undefined) || isUnsettledUnknown(o)),
        )
        .map(toOrder),
    );
  }

  ordersMissingFills(exceptRunId: string, since: string): OrderRecord[] {
    return this.guard('ordersMissingFills', 'read the orders missing fills', () =>
      this.db.orders
        .filter((o) => o.createdAt >= since && o.runId !== exceptRunId && isFinalBrokerStatus(o.status))
        .filter(
          (o) => o.filledQuantity > this.db.fills.filter((f) => f.orderRef === o.orderRef).reduce((sum, f) => sum + f.quantity, 0) + 1e-9,
        )
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.seq - b.seq))
        .map(toOrder),
    );
  }

  unknownOutcomes(): OrderRecord[] {
    return this.guard('unknownOutcomes', 'read the orders of unknown outcome', () =>
      this.db.orders
        .filter(isUnsettledUnknown)
        .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.seq - b.seq))
        .map(toOrder),
    );
  }

  acceptUnknownOutcomes(symbol: string, at: string, note: string): number {
    return this.guard('acceptUnknownOutcomes', `accept the unknown outcomes of ${symbol}`, () => {
      const rows = this.db.orders.filter((o) => o.symbol === symbol && isUnsettledUnknown(o));
      for (const row of rows)
        Object.assign(row, { outcomeAcceptedAt: at, updatedAt: at, message: row.message === undefined ? note : `${row.message}; ${note}` });
      return rows.length;
    });
  }

  recordReconciliation(orderRef: string, outcome: OrderReconciliation): void {
    this.guard('recordReconciliation', `record the reconciliation of order ${orderRef}`, () => this.reconcileRow(orderRef, outcome));
  }

  recordReconciliations(outcomes: readonly { orderRef: string; outcome: OrderReconciliation }[]): void {
    this.transaction('recordReconciliations', `record the reconciliation of ${outcomes.length} order(s)`, () => {
      for (const { orderRef, outcome } of outcomes) this.reconcileRow(orderRef, outcome);
    });
  }

  private reconcileRow(orderRef: string, outcome: OrderReconciliation): void {
    const row = this.order(orderRef);
    if (row === undefined) throw this.fail(`order ${orderRef} was reconciled but is not recorded`);
    const c = new RowCheck('orders');
    const update = {
      status: c.required('status', outcome.status),
      brokerOrderId: row.brokerOrderId ?? sql(outcome.brokerOrderId),
      permId: row.permId ?? sql(outcome.permId),
      filledQuantity: c.required('filled_quantity', outcome.filledQuantity),
      avgFillPrice: c.required('avg_fill_price', outcome.avgFillPrice),
      updatedAt: c.required('updated_at', outcome.at),
      message: sql(outcome.message),
      reconciledAt: sql(outcome.at),
    };
    c.orThrow();
    Object.assign(row, update);
  }

  recordFills(runId: string, executions: Execution[]): Execution[] {
    return this.transaction('recordFills', `record fills of run ${runId}`, () => {
      // INSERT OR IGNORE: a known execId, or a NULL in a NOT NULL column, skips the row; an unknown run fails.
      const updatedAt = this.now();
      const corrected = new Set<string>();
      const fresh = executions.filter((e) => {
        const current = this.db.fills.map((f) => f.execId);
        const version = fillVersion(
          e.execId,
          current,
          this.db.replacedFills.some((f) => f.execId === e.execId),
        );
        if (version.kind === 'known') {
          const known = this.db.fills.find((f) => f.execId === e.execId);
          if (known !== undefined && known.commission === undefined) known.commission = sql(e.commission);
          return false;
        }
        const c = new RowCheck('fills');
        const row: FillRow = {
          seq: 0,
          execId: e.execId,
          runId: c.required('run_id', runId),
          orderRef: c.required('order_ref', e.orderRef),
          symbol: c.required('symbol', e.symbol),
          side: c.required('side', e.side),
          quantity: c.required('quantity', e.quantity),
          price: c.required('price', e.price),
          commission: sql(e.commission),
          time: c.required('time', e.time),
          brokerOrderId: sql(e.brokerOrderId),
          permId: sql(e.permId),
          inCsv: false,
          ...(e.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
        };
        if (c.failure !== undefined || (row.side !== 'BUY' && row.side !== 'SELL')) return false;
        this.requireRun(runId);
        if (version.kind === 'correction') {
          const replaced = this.db.fills.find((f) => f.execId === version.replaces);
          if (replaced !== undefined) {
            this.db.replacedFills.push({ ...replaced, replacedBy: e.execId, replacedAt: updatedAt, replacedInRun: runId });
            this.db.fills = this.db.fills.filter((f) => f !== replaced);
            corrected.add(replaced.orderRef);
          }
          corrected.add(row.orderRef);
        }
        this.db.fills.push({ ...row, seq: this.db.nextSeq() });
        return true;
      });
      for (const ref of new Set(fresh.map((e) => e.orderRef))) if (!corrected.has(ref)) this.syncOrderFills(ref, updatedAt);
      for (const ref of corrected) this.syncOrderFills(ref, updatedAt, true);
      return fresh;
    });
  }

  oldestFillWithoutCommission(): string | undefined {
    return this.guard('oldestFillWithoutCommission', 'read the fills without a commission', () =>
      sorted(
        this.db.fills.filter((f) => f.commission === undefined).map((f) => f.time),
        compareText,
      ).at(0),
    );
  }

  fillsOfOrder(orderRef: string): FillRecord[] {
    return this.guard('fillsOfOrder', `read the fills of order ${orderRef}`, () =>
      sorted(
        this.db.fills.filter((f) => f.orderRef === orderRef),
        fillTimeOrder,
      ).map(toFill),
    );
  }

  hasFill(execId: string): boolean {
    return this.guard(
      'hasFill',
      `look up execution ${execId}`,
      () => this.db.fills.some((f) => f.execId === execId) || this.db.replacedFills.some((f) => f.execId === execId),
    );
  }

  ownFillTotals(orderRefPrefix: string): { symbol: string; quantity: number }[] {
    return this.guard('ownFillTotals', 'sum the fills of own orders', () => {
      const bySymbol = new Map<string, number[]>();
      for (const f of this.db.fills) {
        // Stock fills only (migration 0018): a currency conversion is no position of a ticker.
        if (!f.orderRef.startsWith(orderRefPrefix) || f.secType === 'CASH') continue;
        bySymbol.set(f.symbol, [...(bySymbol.get(f.symbol) ?? []), f.side === 'BUY' ? f.quantity : -f.quantity]);
      }
      // A prefix up to the orderRef's first ':' reads migration 0014's running totals: whole 1e-8 shares, summed exactly.
      const total = /^[^:]*:$/.test(orderRefPrefix)
        ? (quantities: number[]): number => quantities.reduce((sum, q) => sum + Math.sign(q) * sqlRound(Math.abs(q) * 1e8, 0), 0) / 1e8
        : (quantities: number[]): number => sqlSum(quantities) ?? 0;
      return sorted([...bySymbol.keys()], compareText).map((symbol) => ({ symbol, quantity: total(bySymbol.get(symbol) ?? []) }));
    });
  }

  fillsNotInCsv(): FillRecord[] {
    return this.guard('fillsNotInCsv', 'read fills not yet in the trades CSV', () =>
      sorted(
        this.db.fills.filter((f) => !f.inCsv),
        fillTimeOrder,
      ).map(toFill),
    );
  }

  markFillsInCsv(execIds: string[], mark?: TradesCsvMark): void {
    this.transaction('markFillsInCsv', 'mark fills as written to the trades CSV', () => {
      for (const id of execIds) {
        const fill = this.db.fills.find((f) => f.execId === id);
        if (fill !== undefined) fill.inCsv = true;
      }
      if (mark !== undefined) this.db.tradesCsvMark = [{ ...mark }];
    });
  }

  tradesCsvMark(): TradesCsvMark | undefined {
    return this.guard('tradesCsvMark', 'read the mark of the trades CSV', () => {
      const mark = this.db.tradesCsvMark[0];
      return mark === undefined ? undefined : { ...mark };
    });
  }

  tradesCsvRows(): Iterable<FillRecord> {
    return this.guard('tradesCsvRows', 'read the rows of the trades CSV', () =>
      sorted(
        [...this.db.fills, ...this.db.replacedFills.filter((f) => f.inCsv)],
        orderBy<FillRow>(
          (f) => f.time,
          (f) => f.execId,
        ),
      ).map(toFill),
    );
  }

  recordSnapshot(runId: string, snapshot: SnapshotRecord, positions: PositionRecord[]): void {
    this.transaction('recordSnapshot', `record the snapshot of run ${runId}`, () => {
      // taken_at is the run's start: the store has no clock of its own that a --now replay would honour.
      const run = this.run(runId);
      if (run === undefined) throw this.fail(`no run ${runId} to attach a snapshot to`);
      const c = new RowCheck('snapshots');
      const row: SnapshotRow = {
        seq: 0,
        runId,
        takenAt: run.startedAt,
        netLiquidation: c.required('net_liquidation', snapshot.netLiquidation),
        cash: c.required('cash', snapshot.cash),
        grossPositionValue: c.required('gross_position_value', snapshot.grossPositionValue),
        leverage: c.required('leverage', snapshot.leverage),
        maintMargin: c.required('maint_margin', snapshot.maintMargin),
        excessLiquidity: c.required('excess_liquidity', snapshot.excessLiquidity),
        cushion: c.required('cushion', snapshot.cushion),
        currency: c.required('currency', snapshot.currency),
      };
      c.orThrow();
      if (this.db.snapshots.some((s) => s.runId === runId)) throw uniqueFailed('UNIQUE', 'snapshots.run_id');
      this.db.snapshots.push({ ...row, seq: this.db.nextSeq() });
      for (const p of positions) {
        const pc = new RowCheck('positions');
        const position: PositionRow = {
          runId,
          symbol: pc.required('symbol', p.symbol),
          quantity: pc.required('quantity', p.quantity),
          avgCost: pc.required('avg_cost', p.avgCost),
          marketPrice: pc.required('market_price', p.marketPrice),
          marketValue: pc.required('market_value', p.marketValue),
          weight: pc.required('weight', p.weight),
          targetWeight: pc.required('target_weight', p.targetWeight),
          ...(p.fxRate === undefined ? {} : { fxRate: p.fxRate }),
        };
        pc.orThrow();
        if (this.db.positions.some((q) => q.runId === runId && q.symbol === position.symbol)) {
          throw uniqueFailed('PRIMARYKEY', 'positions.run_id, positions.symbol');
        }
        this.db.positions.push(position);
      }
      for (const b of snapshot.cashBalances ?? []) {
        const cc = new RowCheck('snapshot_cash');
        const rate = sql(b.exchangeRate);
        const row = {
          runId,
          currency: cc.required('currency', b.currency),
          cash: cc.required('cash', b.cash),
          ...(rate === undefined ? {} : { exchangeRate: rate }),
          rateReadAt: cc.required('rate_read_at', b.rateReadAt),
          ...(b.brokerTime === undefined ? {} : { brokerTime: b.brokerTime }),
        };
        cc.orThrow();
        if (rate !== undefined && !(rate > 0))
          throw sqliteError('SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: exchange_rate IS NULL OR exchange_rate > 0');
        if (this.db.snapshotCash.some((q) => q.runId === runId && q.currency === b.currency)) {
          throw uniqueFailed('PRIMARYKEY', 'snapshot_cash.run_id, snapshot_cash.currency');
        }
        this.db.snapshotCash.push(row);
      }
    });
  }

  latestSnapshot(): TimedSnapshot | undefined {
    return this.guard('latestSnapshot', 'read the latest snapshot', () => {
      const latest = sorted(this.db.snapshots, orderBy<SnapshotRow>(['desc', (s) => s.takenAt], ['desc', (s) => s.seq]))[0];
      return latest === undefined ? undefined : toSnapshot(latest);
    });
  }

  recordAccountRead(read: AccountRead): void {
    this.guard('recordAccountRead', `record the account read of run ${read.runId}`, () => {
      if (this.run(read.runId) === undefined) throw foreignKeyFailed();
      if (this.db.accountReads.some((r) => r.runId === read.runId)) throw uniqueFailed('PRIMARYKEY', 'account_reads.run_id');
      this.db.accountReads.push({ ...read, positions: { ...read.positions }, seq: this.db.nextSeq() });
    });
  }

  latestAccountRead(exceptRunId?: string): AccountRead | undefined {
    return this.guard('latestAccountRead', 'read the latest account read', () => {
      const reads = this.db.accountReads.filter((r) => r.runId !== exceptRunId);
      const latest = sorted(reads, orderBy<AccountRead & { seq: number }>(['desc', (r) => r.readAt], ['desc', (r) => r.seq]))[0];
      return latest === undefined ? undefined : toAccountRead(latest);
    });
  }

  firstAccountReadOn(tradingDay: string): AccountRead | undefined {
    return this.guard('firstAccountReadOn', `read the first account read of ${tradingDay}`, () => {
      const ofDay = this.db.accountReads.filter((r) => r.tradingDay === tradingDay && r.netLiquidation > 0);
      const first = sorted(
        ofDay,
        orderBy<AccountRead & { seq: number }>(
          (r) => r.readAt,
          (r) => r.seq,
        ),
      )[0];
      return first === undefined ? undefined : toAccountRead(first);
    });
  }

  recordCashFlow(flow: CashFlowRecord): boolean {
    return this.guard('recordCashFlow', `record the cash flow ${flow.id}`, () => {
      if (this.db.cashFlows.some((f) => f.id === flow.id)) return false;
      if (flow.runId !== undefined && this.run(flow.runId) === undefined) throw foreignKeyFailed();
      this.db.cashFlows.push({ ...flow, windowFrom: flow.windowFrom, runId: flow.runId });
      return true;
    });
  }

  cashFlowsSince(fromExclusive: string): CashFlowRecord[] {
    return this.guard('cashFlowsSince', 'read the cash flows', () =>
      this.db.cashFlows
        .filter((f) => f.at > fromExclusive)
        .map((f, i) => ({ f, i }))
        .sort((a, b) => (a.f.at < b.f.at ? -1 : a.f.at > b.f.at ? 1 : a.i - b.i))
        .map(({ f }) => ({ ...f })),
    );
  }

  fillsSince(from: string): FillRecord[] {
    return this.guard('fillsSince', 'read the fills since ' + from, () =>
      sorted(
        this.db.fills.filter((f) => f.time >= from),
        orderBy<FillRow>(
          (f) => f.time,
          (f) => f.seq,
        ),
      ).map(toFill),
    );
  }

  positionsOf(runId: string): PositionRecord[] {
    return this.guard('positionsOf', `read positions of run ${runId}`, () => positionsOf(this.db, runId));
  }

  cashBalancesOf(runId: string): CashBalanceRecord[] {
    return this.guard('cashBalancesOf', `read the cash per currency of run ${runId}`, () => cashBalancesOf(this.db, runId));
  }

  startOfDayNetLiquidation(tradingDay: string): number | undefined {
    return this.guard('startOfDayNetLiquidation', `read the start-of-day NLV of ${tradingDay}`, () => {
      const ofDay = this.db.snapshots.filter((s) => this.run(s.runId)?.tradingDay === tradingDay && s.netLiquidation > 0);
      return sorted(
        ofDay,
        orderBy<SnapshotRow>(
          (s) => s.takenAt,
          (s) => s.seq,
        ),
      )[0]?.netLiquidation;
    });
  }

  tradedValueOn(tradingDay: string): number {
    return this.guard('tradedValueOn', `read the value traded on ${tradingDay}`, () => {
      // What the day's orders actually traded (their fills, by the day of the run that placed the order).
      const values = this.db.fills.flatMap((f) => {
        const order = this.order(f.orderRef);
        // In the account's currency: price / magnifier x rate, in SQLite's order of operations.
        const value = ((f.quantity * f.price) / (order?.priceMagnifier ?? 1)) * (order?.fx?.rate ?? 1);
        // Stock orders only (migration 0018): a currency conversion is no turnover.
        if (f.secType === 'CASH' || order?.secType === 'CASH') return [];
        return order !== undefined && this.run(order.runId)?.tradingDay === tradingDay ? [value] : [];
      });
      return sqlRound(sqlSum(values) ?? 0, 6);
    });
  }

  managedSymbols(): string[] {
    return this.guard('managedSymbols', 'read managed symbols', () =>
      sorted(
        this.db.managedSymbols.map((m) => m.symbol),
        compareText,
      ),
    );
  }

  addManagedSymbols(symbols: string[], runId: string): void {
    this.transaction('addManagedSymbols', `record managed symbols of run ${runId}`, () => {
      for (const symbol of symbols) {
        const c = new RowCheck('managed_symbols');
        c.required('first_run_id', runId);
        c.orThrow();
        this.requireRun(runId);
        const known = this.db.managedSymbols.find((m) => m.symbol === symbol);
        if (known === undefined) this.db.managedSymbols.push({ symbol, firstRunId: runId, lastRunId: runId });
        else known.lastRunId = runId;
      }
    });
  }

  recordsOwner(): RecordsOwner | undefined {
    return this.guard('recordsOwner', 'read the owner of the records', () => {
      const owner = this.db.recordsOwner[0];
      return owner === undefined ? undefined : { ...owner };
    });
  }

  claimRecords(owner: RecordsOwner): RecordsOwner {
    return this.transaction('claimRecords', `record the owner of the records (run ${owner.runId})`, () => {
      const c = new RowCheck('records_owner');
      const row: RecordsOwner = {
        broker: c.required('broker', owner.broker),
        account: c.required('account', owner.account),
        tradingMode: c.required('trading_mode', owner.tradingMode),
        runId: c.required('run_id', owner.runId),
        at: c.required('at', owner.at),
        adopted: c.required('adopted', owner.adopted),
      };
      c.orThrow();
      for (const [column, value] of [
        ['broker', row.broker],
        ['account', row.account],
      ] as const) {
        if (value.length === 0) throw sqliteError('SQLITE_CONSTRAINT_CHECK', `CHECK constraint failed: length(${column}) > 0`);
      }
      const known = this.db.recordsOwner[0];
      if (known !== undefined) return { ...known };
      this.requireRun(row.runId);
      this.db.recordsOwner.push(row);
      return { ...row };
    });
  }

  strategies(): StrategyRecord[] {
    return this.guard('strategies', 'read the strategies', () =>
      sorted(
        this.db.strategies,
        orderBy<StrategyRow>((r) => r.name),
      ).map(({ retired, ...r }) => ({ ...r, lastSymbols: [...r.lastSymbols], ...(retired ? { retired: { ...retired } } : {}) })),
    );
  }

  recordStrategies(runId: string, sightings: StrategySighting[], at: string): void {
    this.transaction('recordStrategies', `record the strategies of run ${runId}`, () => {
      for (const s of sightings) {
        const c = new RowCheck('strategies');
        c.required('name', s.name);
        c.required('last_file', s.file);
        c.required('first_seen_at', at);
        c.required('first_run_id', runId);
        c.orThrow();
        this.requireRun(runId);
        const known = this.db.strategies.find((r) => r.name === s.name);
        const seen = { lastFile: s.file, lastSeenAt: at, lastRunId: runId, lastSymbols: [...s.symbols] };
        if (known === undefined) {
          this.db.strategies.push({ name: s.name, firstSeenAt: at, firstRunId: runId, retired: undefined, ...seen });
        } else {
          Object.assign(known, seen);
          if (s.symbols.length > 0) known.retired = undefined;
        }
      }
    });
  }

  retireStrategy(name: string, retirement: StrategyRetirement): boolean {
    return this.transaction('retireStrategy', `retire strategy ${name}`, () => {
      const known = this.db.strategies.find((r) => r.name === name);
      if (known === undefined || known.retired !== undefined) return false;
      const c = new RowCheck('strategy_retirements');
      const row = {
        name,
        reason: c.required('reason', retirement.reason),
        at: c.required('at', retirement.at),
        source: c.required('source', retirement.source),
      };
      c.orThrow();
      known.retired = { at: row.at, source: row.source, reason: row.reason };
      this.db.strategyRetirements.push({ ...row, seq: this.db.nextSeq() });
      return true;
    });
  }

  strategyRetirements(): ({ name: string } & StrategyRetirement)[] {
    return this.guard('strategyRetirements', 'read the strategy retirements', () =>
      this.db.strategyRetirements.map(({ name, at, source, reason }) => ({ name, at, source, reason })),
    );
  }

  recordForecasts(runId: string, forecasts: readonly ForecastFigures[]): void {
    this.transaction('recordForecasts', `record the forecasts of run ${runId}`, () => {
      for (const f of forecasts) {
        const c = new RowCheck('forecasts');
        const row: ForecastRow = {
          seq: 0,
          runId: c.required('run_id', runId),
          strategy: c.required('strategy', f.strategy),
          file: c.required('file', f.file),
          asOf: c.required('as_of', f.asOf),
          leverage: c.required('leverage', f.leverage),
          capital: c.required('capital', f.capital),
          weights: JSON.stringify(Object.fromEntries(Object.entries(f.weights).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))),
        };
        c.orThrow();
        if (this.db.forecasts.some((r) => r.runId === runId && r.strategy === row.strategy))
          throw uniqueFailed('UNIQUE', 'forecasts.run_id, forecasts.strategy');
        this.requireRun(runId);
        this.db.forecasts.push({ ...row, seq: this.db.nextSeq() });
      }
    });
  }

  latestForecasts(exceptRunId?: string): RecordedForecast[] {
    return this.guard('latestForecasts', 'read the latest forecasts', () =>
      latestPerStrategy(this.db.forecasts.filter((r) => r.runId !== exceptRunId)),
    );
  }

  ledgerAdjustments(): LedgerAdjustmentRecord[] {
    return this.guard('ledgerAdjustments', 'read the ledger adjustments', () => this.db.ledgerAdjustments.map(toAdjustment));
  }

  recordLedgerAdjustment(adjustment: LedgerAdjustmentRecord): boolean {
    return this.guard('recordLedgerAdjustment', `record a ${adjustment.kind} ledger adjustment of ${adjustment.symbol}`, () => {
      // INSERT OR IGNORE: a second baseline of a ticker, or a NULL in a NOT NULL column, is skipped; an unknown run fails.
      const c = new RowCheck('ledger_adjustments');
      const row: LedgerAdjustmentRow = {
        seq: 0,
        symbol: c.required('symbol', adjustment.symbol),
        kind: c.required('kind', adjustment.kind),
        quantity: c.required('quantity', adjustment.quantity),
        ledgerBefore: c.required('ledger_before', adjustment.ledgerBefore),
        brokerQuantity: c.required('broker_quantity', adjustment.brokerQuantity),
        reason: c.required('reason', adjustment.reason),
        runId: sql(adjustment.runId),
        at: c.required('at', adjustment.at),
        source: c.required('source', adjustment.source),
        ratio: sql(adjustment.ratio),
        evidence: sql(adjustment.evidence),
      };
      if (c.failure !== undefined || !['baseline', 'accept', 'split'].includes(row.kind)) return false;
      // CHECK: a split, and only a split, has its ratio and its evidence.
      const isSplit = row.kind === 'split';
      if (isSplit !== (row.ratio !== undefined) || isSplit !== (row.evidence !== undefined)) return false;
      if (row.kind === 'baseline' && this.db.ledgerAdjustments.some((a) => a.kind === 'baseline' && a.symbol === row.symbol)) return false;
      this.requireRun(row.runId);
      this.db.ledgerAdjustments.push({ ...row, seq: this.db.nextSeq() });
      return true;
    });
  }

  recordLedgerCheck(runId: string, lines: LedgerCheckLine[]): void {
    this.transaction('recordLedgerCheck', `record the ledger check of run ${runId}`, () => {
      for (const l of lines) {
        // INSERT OR REPLACE on (run_id, symbol); a NULL still fails, as the columns have no default.
        const c = new RowCheck('ledger_checks');
        const row: LedgerCheckRow = {
          seq: 0,
          runId: c.required('run_id', runId),
          symbol: c.required('symbol', l.symbol),
          ledgerQuantity: c.required('ledger_quantity', l.ledgerQuantity),
          brokerQuantity: c.required('broker_quantity', l.brokerQuantity),
        };
        c.orThrow();
        this.requireRun(runId);
        this.db.ledgerChecks = this.db.ledgerChecks.filter((x) => !(x.runId === runId && x.symbol === row.symbol));
        this.db.ledgerChecks.push({ ...row, seq: this.db.nextSeq() });
      }
    });
  }

  latestLedgerCheck(): LedgerCheck | undefined {
    return this.guard('latestLedgerCheck', 'read the latest ledger check', () => {
      const runs = this.db.runs.filter((r) => this.db.ledgerChecks.some((c) => c.runId === r.runId));
      const run = sorted(runs, newestRunFirst)[0];
      if (run === undefined) return undefined;
      const lines = sorted(
        this.db.ledgerChecks.filter((c) => c.runId === run.runId),
        orderBy<LedgerCheckRow>((c) => c.symbol),
      );
      return { runId: run.runId, at: run.startedAt, lines: lines.map(toCheckLine) };
    });
  }

  failAbandonedRuns(exceptRunId: string, error: string): RunRecord[] {
    return this.transaction('failAbandonedRuns', 'mark abandoned runs as failed', () => {
      const abandoned = sorted(
        this.db.runs.filter((r) => r.status === 'running' && r.runId !== exceptRunId),
        orderBy<RunRow>(
          (r) => r.startedAt,
          (r) => r.seq,
        ),
      );
      const before = abandoned.map(toRun);
      for (const run of abandoned) Object.assign(run, { status: 'failed', error: sql(error) });
      return before;
    });
  }

  lastResumeAt(): string | undefined {
    return this.guard('lastResumeAt', 'read the latest resume', () => {
      const resumes = this.db.haltEvents.filter((e) => e.action === 'resume');
      // As SQLite orders them: by the instant as text, then by insertion.
      const latest = [...resumes].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq)).at(-1);
      return latest?.at;
    });
  }

  recordHaltEvent(event: { action: 'halt' | 'resume'; reason: string; at: string; source: string }): void {
    this.guard('recordHaltEvent', `record a ${event.action} event`, () => {
      const c = new RowCheck('halt_events');
      const row: HaltEventRow = {
        seq: 0,
        action: c.required('action', event.action),
        reason: c.required('reason', event.reason),
        at: c.required('at', event.at),
        source: c.required('source', event.source),
      };
      c.orThrow();
      this.db.haltEvents.push({ ...row, seq: this.db.nextSeq() });
    });
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
    this.guard('recordEmail', `record the ${email.kind} email`, () => {
      const c = new RowCheck('emails');
      const row: EmailRow = {
        seq: 0,
        kind: c.required('kind', email.kind),
        tradingDay: c.required('trading_day', email.tradingDay),
        subject: c.required('subject', email.subject),
        status: c.required('status', email.status),
        at: c.required('at', email.at),
        runId: sql(email.runId),
        alertKey: sql(email.alertKey),
      };
      c.orThrow();
      this.requireRun(row.runId);
      this.db.emails.push({ ...row, seq: this.db.nextSeq() });
    });
  }

  /** The columns markOrderSent and updateOrderStatuses set alike (they differ in how the broker ids are taken). */
  private applyBrokerUpdate(row: OrderRow, o: BrokerOrder, ids: { brokerOrderId: number | undefined; permId: number | undefined }): void {
    const c = new RowCheck('orders');
    const update = {
      status: c.required('status', o.status),
      ...ids,
      filledQuantity: c.required('filled_quantity', o.filledQuantity),
      avgFillPrice: c.required('avg_fill_price', o.avgFillPrice),
      message: sql(o.message) ?? row.message,
      updatedAt: c.required('updated_at', this.now()),
    };
    c.orThrow();
    Object.assign(row, update);
  }

  /**
   * An order's fill figures follow its recorded executions once they cover more than it shows; a complete one
   * is Filled (an unsent intent is left to the reconciliation, which also records its broker ids).
   */
  /** `corrected`: a correction moved the fills, so the figures follow them whichever way (resyncOrderFills). */
  private syncOrderFills(orderRef: string, updatedAt: string, corrected = false): void {
    const order = this.order(orderRef);
    const fills = this.db.fills.filter((f) => f.orderRef === orderRef);
    const quantity = corrected ? (sqlSum(fills.map((f) => f.quantity)) ?? 0) : sqlSum(fills.map((f) => f.quantity));
    if (order === undefined || quantity === undefined || !(corrected || quantity > order.filledQuantity)) return;
    const c = new RowCheck('orders');
    const avg = c.required(
      'avg_fill_price',
      quantity === 0 ? (corrected ? 0 : undefined) : sqlRound((sqlSum(fills.map((f) => f.quantity * f.price)) ?? 0) / quantity, 8),
    );
    c.orThrow();
    Object.assign(order, {
      filledQuantity: quantity,
      avgFillPrice: avg,
      updatedAt,
      status: quantity >= order.quantity && !UNSENT.has(order.status) ? 'Filled' : order.status,
    });
  }
}

const newestRunFirst = orderBy<RunRow>(['desc', (r) => r.startedAt], ['desc', (r) => r.seq]);
const fillTimeOrder = orderBy<FillRow>(
  (f) => f.time,
  (f) => f.seq,
);

function cashBalancesOf(db: MemoryDatabase, runId: string): CashBalanceRecord[] {
  return db.snapshotCash.filter((c) => c.runId === runId).map(({ runId: _runId, ...c }) => ({ ...c }));
}

function positionsOf(db: MemoryDatabase, runId: string): PositionRecord[] {
  return sorted(
    db.positions.filter((p) => p.runId === runId),
    orderBy<PositionRow>((p) => p.symbol),
  ).map(toPosition);
}

/** ReportStore in memory, with the semantics of SqliteReportStore. */
export class MemoryReportStore extends MemoryStoreBase<ReportStore> implements ReportStore {
  /** @param db the records to read (those of a MemoryStore); without one, the store makes its own. */
  constructor(db?: MemoryDatabase, options: MemoryConnectionOptions = {}) {
    super(db, options);
  }

  snapshotsOn(tradingDay: string, until: string): TimedSnapshot[] {
    return this.guard('snapshotsOn', `read the snapshots of ${tradingDay}`, () => {
      const rows = this.db.snapshots.filter((s) => this.run(s.runId)?.tradingDay === tradingDay && atOrBefore(s.takenAt, until));
      return sorted(
        rows,
        orderBy<SnapshotRow>(
          (s) => s.takenAt,
          (s) => s.seq,
        ),
      ).map(toSnapshot);
    });
  }

  closingSnapshotOnOrBefore(tradingDay: string): (TimedSnapshot & { tradingDay: string }) | undefined {
    return this.guard('closingSnapshotOnOrBefore', `read the close on or before ${tradingDay}`, () => {
      const rows = this.db.snapshots.flatMap((s) => {
        const day = this.run(s.runId)?.tradingDay;
        return day !== undefined && compareText(day, tradingDay) <= 0 ? [{ s, day }] : [];
      });
      const close = sorted(
        rows,
        orderBy<{ s: SnapshotRow; day: string }>(['desc', (r) => r.day], ['desc', (r) => r.s.takenAt], ['desc', (r) => r.s.seq]),
      )[0];
      return close === undefined ? undefined : { ...toSnapshot(close.s), tradingDay: close.day };
    });
  }

  positionsOf(runId: string): PositionRecord[] {
    return this.guard('positionsOf', `read positions of run ${runId}`, () => positionsOf(this.db, runId));
  }

  cashBalancesOf(runId: string): CashBalanceRecord[] {
    return this.guard('cashBalancesOf', `read the cash per currency of run ${runId}`, () => cashBalancesOf(this.db, runId));
  }

  ordersOn(tradingDay: string, until: string): ReportOrderRecord[] {
    return this.guard('ordersOn', `read the orders of ${tradingDay}`, () => {
      const rows = this.db.orders.filter((o) => this.ofDayUntil(o.runId, tradingDay, until));
      return sorted(
        rows,
        orderBy<OrderRow>(
          (o) => o.createdAt,
          (o) => o.seq,
        ),
      ).map((o) => {
        const order: ReportOrderRecord = toOrder(o);
        // The contract's currency (migration 0017), as the SQLite report store adds it.
        if (o.currency !== undefined && o.currency !== '') order.currency = o.currency;
        return order;
      });
    });
  }

  orderActivityOn(tradingDay: string, until: string): OrderActivity {
    return this.guard('orderActivityOn', `read the order activity of ${tradingDay}`, () => {
      const runs = this.db.runs.filter((r) => this.ofDayUntil(r.runId, tradingDay, until));
      // sum() skips NULLs (runs before migration 0011, or that never recorded them): none at all is 0.
      const total = (count: (r: RunRow) => number | undefined): number => sqlSum(runs.flatMap((r) => count(r) ?? [])) ?? 0;
      // Of the day's orders, those with a recorded fill collected by a run started by then (a correction replaced
      // its original in `fills`: one row per execution).
      const fillCounts = this.db.orders
        .filter((o) => this.ofDayUntil(o.runId, tradingDay, until))
        .map((o) => {
          return this.db.fills.filter((f) => {
            const collected = this.run(f.runId);
            return f.orderRef === o.orderRef && collected !== undefined && atOrBefore(collected.startedAt, until);
          }).length;
        })
        .filter((n) => n > 0);
      return {
        sent: total((r) => r.ordersSent),
        modified: total((r) => r.ordersModified),
        cancelled: total((r) => r.ordersCancelled),
        executedOrders: fillCounts.length,
        fills: fillCounts.reduce((sum, n) => sum + n, 0),
      };
    });
  }

  modificationsOn(tradingDay: string, until: string): ModificationRecord[] {
    return this.guard('modificationsOn', `read the changes of orders of ${tradingDay}`, () =>
      sorted(
        this.db.orderModifications.filter((m) => this.ofDayUntil(m.runId, tradingDay, until)),
        modificationOrder,
      ).map(toModification),
    );
  }

  fillsOn(tradingDay: string, until: string): ReportFill[] {
    return this.guard('fillsOn', `read the fills of ${tradingDay}`, () => {
      // The day of a fill is that of the run that placed its order, else of the run that collected it.
      const rows = this.db.fills.flatMap((f) => {
        const collected = this.run(f.runId);
        if (collected === undefined) return [];
        const order = this.order(f.orderRef);
        const placed = order === undefined ? undefined : this.run(order.runId);
        const day = placed?.tradingDay ?? collected.tradingDay;
        return day === tradingDay && atOrBefore(collected.startedAt, until) ? [{ f, order }] : [];
      });
      return sorted(
        rows,
        orderBy<{ f: FillRow }>(
          (r) => r.f.time,
          (r) => r.f.seq,
        ),
      ).map(({ f, order }) => {
        const fill: ReportFill = toFill(f);
        if (order?.referencePrice !== undefined) fill.referencePrice = order.referencePrice;
        // Of its order (migration 0017): currency, rate, price magnifier (1 reads as none).
        if (order?.currency !== undefined) fill.currency = order.currency;
        if (order?.fx !== undefined) fill.fxRate = order.fx.rate;
        if (order?.priceMagnifier !== undefined && order.priceMagnifier !== 1) fill.priceMagnifier = order.priceMagnifier;
        // A conversion's fill (migration 0018), as the execution was recorded or as its order says.
        if (order?.secType === 'CASH') fill.secType = 'CASH';
        return fill;
      });
    });
  }

  breachesOn(tradingDay: string, until: string): DayBreach[] {
    return this.guard('breachesOn', `read the breaches of ${tradingDay}`, () => {
      const rows = this.db.breaches.flatMap((b) => {
        const run = this.run(b.runId);
        return run !== undefined && this.ofDayUntil(b.runId, tradingDay, until) ? [{ b, at: run.startedAt }] : [];
      });
      return sorted(
        rows,
        orderBy<{ b: BreachRow; at: string }>(
          (r) => r.at,
          (r) => r.b.seq,
        ),
      ).map(({ b, at }) => ({ ...toBreach(b), runId: b.runId, at }));
    });
  }

  forecastsAsOf(tradingDay: string, until?: string): RecordedForecast[] {
    return this.guard('forecastsAsOf', `read the forecasts as of ${until ?? `the day before ${tradingDay}`}`, () => {
      const counts = (runId: string): boolean => {
        const run = this.run(runId);
        if (run === undefined) return false;
        return until === undefined ? run.tradingDay < tradingDay : run.tradingDay <= tradingDay && atOrBefore(run.startedAt, until);
      };
      return latestPerStrategy(this.db.forecasts.filter((r) => counts(r.runId)));
    });
  }

  runsOn(tradingDay: string, until: string): RunRecord[] {
    return this.guard('runsOn', `read the runs of ${tradingDay}`, () =>
      sorted(
        this.db.runs.filter((r) => this.ofDayUntil(r.runId, tradingDay, until)),
        orderBy<RunRow>(
          (r) => r.startedAt,
          (r) => r.seq,
        ),
      ).map(toRun),
    );
  }

  cashFlowsOn(fromDay: string, toDay: string, until: string): ReportCashFlow[] {
    return this.guard('cashFlowsOn', `read the cash flows of ${fromDay}..${toDay}`, () => {
      const firstAtOrAfter = <T extends { seq: number }>(rows: T[], time: (r: T) => string, at: string): T | undefined => {
        const atMs = julianMs(at);
        return sorted(
          rows.filter((r) => atMs !== undefined && (julianMs(time(r)) ?? -Infinity) >= atMs),
          orderBy<T>(
            (r) => julianMs(time(r)) ?? 0,
            (r) => r.seq,
          ),
        )[0];
      };
      const rows = this.db.cashFlows.flatMap((f, seq) => {
        const runId =
          f.source === 'inferred' && f.runId !== undefined
            ? f.runId
            : (firstAtOrAfter(this.db.accountReads, (a) => a.readAt, f.at)?.runId ??
              firstAtOrAfter(this.db.snapshots, (s) => s.takenAt, f.at)?.runId);
        const run = runId === undefined ? undefined : this.run(runId);
        if (run === undefined) return [];
        const ofDays = compareText(run.tradingDay, fromDay) >= 0 && compareText(run.tradingDay, toDay) <= 0;
        return ofDays && atOrBefore(run.startedAt, until) ? [{ f, seq, tradingDay: run.tradingDay, reflectedAt: run.startedAt }] : [];
      });
      return sorted(
        rows,
        orderBy<(typeof rows)[number]>(
          (r) => julianMs(r.f.at) ?? 0,
          (r) => r.seq,
        ),
      ).map((r) => ({ ...r.f, tradingDay: r.tradingDay, reflectedAt: r.reflectedAt }));
    });
  }

  dailyRowsBefore(tradingDay: string, limit: number): DailyRow[] {
    return this.guard('dailyRowsBefore', `read daily rows before ${tradingDay}`, () => {
      const before = sorted(
        this.db.daily.filter((d) => compareText(d.tradingDay, tradingDay) < 0),
        orderBy<DailyTableRow>(['desc', (d) => d.tradingDay]),
      );
      return sorted(
        limited(before, limit),
        orderBy<DailyTableRow>((d) => d.tradingDay),
      ).map((d) => ({
        tradingDay: d.tradingDay,
        closingNlv: d.closingNlv,
        ...(d.change === undefined ? {} : { change: d.change }),
        turnover: d.turnover,
        commissions: d.commissions,
        fills: d.fills,
        ...(d.realized === undefined ? {} : { realized: d.realized }),
      }));
    });
  }

  recordDailyRow(row: DailyRow, recordedAt: string): void {
    this.guard('recordDailyRow', `record the daily row of ${row.tradingDay}`, () => {
      const c = new RowCheck('daily');
      const next: DailyTableRow = {
        tradingDay: row.tradingDay,
        closingNlv: c.required('closing_nlv', row.closingNlv),
        change: sql(row.change),
        turnover: c.required('turnover', row.turnover),
        commissions: c.required('commissions', row.commissions),
        fills: c.required('fills', row.fills),
        realized: sql(row.realized),
        recordedAt: c.required('recorded_at', recordedAt),
      };
      c.orThrow();
      const i = this.db.daily.findIndex((d) => d.tradingDay === row.tradingDay);
      if (i === -1) this.db.daily.push(next);
      else this.db.daily[i] = next;
    });
  }

  alertHistory(since: string): AlertHistoryEntry[] {
    return this.guard('alertHistory', 'read the alert history', () => {
      const rows = this.db.emails.filter((e) => e.alertKey !== undefined && atOrBefore(since, e.at));
      return sorted(
        rows,
        orderBy<EmailRow>(
          (e) => e.at,
          (e) => e.seq,
        ),
      ).map((e) => ({ key: e.alertKey ?? '', at: e.at, status: e.status }));
    });
  }

  dailyEmailKindsOn(tradingDay: string): string[] {
    return this.guard('dailyEmailKindsOn', 'read the emails of the day', () => {
      const kinds = this.db.emails
        .filter((e) => e.tradingDay === tradingDay && ['start', 'mid', 'end'].includes(e.kind))
        .map((e) => e.kind);
      return sorted([...new Set(kinds)], compareText);
    });
  }

  hasRunOn(tradingDay: string): boolean {
    return this.guard('hasRunOn', 'read the runs of the day', () => this.db.runs.some((r) => r.tradingDay === tradingDay));
  }

  runDaysOnOrBefore(until: string, limit: number): string[] {
    return this.guard('runDaysOnOrBefore', 'read the days with runs', () => {
      const days = new Set(this.db.runs.filter((r) => atOrBefore(r.startedAt, until)).map((r) => r.tradingDay));
      return limited(
        sorted([...days], (a, b) => compareText(b, a)),
        limit,
      );
    });
  }

  /** The run belongs to the trading day and started at or before `until`. */
  private ofDayUntil(runId: string, tradingDay: string, until: string): boolean {
    const run = this.run(runId);
    return run !== undefined && run.tradingDay === tradingDay && atOrBefore(run.startedAt, until);
  }
}

/** A MemoryStore and a MemoryReportStore on one MemoryDatabase, as the job opens both on one SQLite connection. */
export function memoryStores(options: MemoryStoreOptions & { name?: string } = {}): {
  db: MemoryDatabase;
  store: MemoryStore;
  reports: MemoryReportStore;
} {
  const db = new MemoryDatabase(options.name);
  return { db, store: new MemoryStore(db, options), reports: new MemoryReportStore(db) };
}

function isUnsettledUnknown(o: OrderRow): boolean {
  return o.status === 'Unknown' && o.outcomeAcceptedAt === undefined;
}

const FINAL_BROKER: ReadonlySet<string> = new Set(FINAL_BROKER_STATUSES);

function isFinalBrokerStatus(status: string): boolean {
  return FINAL_BROKER.has(status);
}
