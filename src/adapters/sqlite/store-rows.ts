import type { Breach, BreachCode, ExchangeRate, Side } from '../../core/types.js';
import type {
  AccountRead,
  CashFlowKind,
  CashFlowRecord,
  CashFlowSource,
  FillRecord,
  LedgerAdjustmentRecord,
  LedgerCheckLine,
  ModificationRecord,
  ModificationStatus,
  OrderRecord,
  PositionRecord,
  RunRecord,
  RunStatus,
  SnapshotRecord,
} from '../../ports/store.js';

/** Rows as better-sqlite3 returns them (snake_case, NULL as null), and their mapping to the port's records. */

export interface RunRow {
  id: string;
  started_at: string;
  finished_at: string | null;
  status: RunStatus;
  exit_code: number | null;
  error: string | null;
  trading_day: string;
  dry_run: number;
  trading_state: string | null;
  broker_clock_offset_ms?: number | null;
  /** Migration 0011: NULL until the run records them (recordOrderCounts). */
  orders_sent?: number | null;
  orders_modified?: number | null;
  orders_cancelled?: number | null;
}

export interface SnapshotRow {
  run_id: string;
  taken_at: string;
  net_liquidation: number;
  cash: number;
  gross_position_value: number;
  leverage: number;
  maint_margin: number;
  excess_liquidity: number;
  cushion: number;
  currency: string;
}

export interface PositionRow {
  symbol: string;
  quantity: number;
  avg_cost: number;
  market_price: number;
  market_value: number;
  weight: number;
  target_weight: number;
  /** Migration 0017: the rate of a position in another currency; NULL: the account's. */
  fx_rate?: number | null;
}

export interface OrderRow {
  run_id: string;
  order_ref: string;
  symbol: string;
  action: Side;
  quantity: number;
  limit_price: number;
  status: string;
  broker_order_id: number | null;
  perm_id: number | null;
  filled_quantity: number;
  avg_fill_price: number;
  created_at: string;
  message: string | null;
  reference_price: number | null;
  /** The contract's currency, and the rate the order was sized with (migration 0017); NULL: the account's currency. */
  currency?: string | null;
  fx_rate?: number | null;
  fx_rate_at?: string | null;
  fx_rate_source?: string | null;
  price_magnifier?: number | null;
  /** 1: an intent of a batch whose turn to be sent has not come (migration 0016); absent from older queries. */
  awaiting_turn?: number;
  /** 'CASH': a currency conversion (migration 0018); NULL: a stock. */
  sec_type?: string | null;
}

export interface FillRow {
  exec_id: string;
  run_id: string;
  order_ref: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** NULL while IB's commission report has not arrived (migration 0006). */
  commission: number | null;
  time: string;
  broker_order_id: number | null;
  perm_id: number | null;
  /** 'CASH': an execution of a currency conversion (migration 0018); NULL: a stock. */
  sec_type?: string | null;
}

export interface LedgerAdjustmentRow {
  id: number;
  symbol: string;
  kind: 'baseline' | 'accept' | 'split';
  quantity: number;
  ledger_before: number;
  broker_quantity: number;
  reason: string;
  run_id: string | null;
  at: string;
  source: string;
  ratio: string | null;
  evidence: string | null;
}

export interface LedgerCheckRow {
  symbol: string;
  ledger_quantity: number;
  broker_quantity: number;
}

export interface BreachRow {
  code: BreachCode;
  symbol: string | null;
  detail: string;
}

/** NULL becomes a missing optional field: the port's records never carry null. */
const opt = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** The rate an order (or a change of one) was sized with (migration 0017): absent for the account's currency. */
function fxOf(r: { fx_rate?: number | null; fx_rate_at?: string | null; fx_rate_source?: string | null }): { fx?: ExchangeRate } {
  if (r.fx_rate === undefined || r.fx_rate === null) return {};
  return { fx: { rate: r.fx_rate, at: r.fx_rate_at ?? '', source: r.fx_rate_source ?? '' } };
}

/** A currency conversion's mark (migration 0018): absent for a stock (the column's CHECK admits only 'CASH'). */
function secTypeOf(r: { sec_type?: string | null }): { secType?: 'CASH' } {
  return r.sec_type === 'CASH' ? { secType: 'CASH' } : {};
}

export function toRunRecord(r: RunRow): RunRecord {
  return {
    runId: r.id,
    startedAt: r.started_at,
    finishedAt: opt(r.finished_at),
    status: r.status,
    exitCode: opt(r.exit_code),
    error: opt(r.error),
    tradingDay: r.trading_day,
    dryRun: r.dry_run === 1,
    tradingState: opt(r.trading_state),
    brokerClockOffsetMs: opt(r.broker_clock_offset_ms ?? null),
    ...orderCountsOf(r),
  };
}

/** The run's order counts, absent (no key) when it never recorded them; a count NULLed by hand reads as 0. */
function orderCountsOf(r: RunRow): Pick<RunRecord, 'orderCounts'> {
  const { orders_sent: sent = null, orders_modified: modified = null, orders_cancelled: cancelled = null } = r;
  if (sent === null && modified === null && cancelled === null) return {};
  return { orderCounts: { sent: sent ?? 0, modified: modified ?? 0, cancelled: cancelled ?? 0 } };
}

export function toSnapshot(r: SnapshotRow): { runId: string; takenAt: string } & SnapshotRecord {
  return {
    runId: r.run_id,
    takenAt: r.taken_at,
    netLiquidation: r.net_liquidation,
    cash: r.cash,
    grossPositionValue: r.gross_position_value,
    leverage: r.leverage,
    maintMargin: r.maint_margin,
    excessLiquidity: r.excess_liquidity,
    cushion: r.cushion,
    currency: r.currency,
  };
}

export function toPositionRecord(r: PositionRow): PositionRecord {
  return {
    symbol: r.symbol,
    quantity: r.quantity,
    avgCost: r.avg_cost,
    marketPrice: r.market_price,
    marketValue: r.market_value,
    weight: r.weight,
    targetWeight: r.target_weight,
    ...(r.fx_rate === undefined || r.fx_rate === null ? {} : { fxRate: r.fx_rate }),
  };
}

export function toOrderRecord(r: OrderRow): OrderRecord {
  return {
    runId: r.run_id,
    orderRef: r.order_ref,
    symbol: r.symbol,
    action: r.action,
    quantity: r.quantity,
    limitPrice: r.limit_price,
    status: r.status,
    brokerOrderId: opt(r.broker_order_id),
    permId: opt(r.perm_id),
    filledQuantity: r.filled_quantity,
    avgFillPrice: r.avg_fill_price,
    createdAt: r.created_at,
    message: opt(r.message),
    referencePrice: opt(r.reference_price),
    ...(r.awaiting_turn === 1 ? { awaitingTurn: true } : {}),
    ...secTypeOf(r),
    ...fxOf(r),
    ...(r.price_magnifier === undefined || r.price_magnifier === null || r.price_magnifier === 1
      ? {}
      : { priceMagnifier: r.price_magnifier }),
  };
}

export interface ModificationRow {
  id: number;
  run_id: string;
  order_ref: string;
  broker_order_id: number;
  from_quantity: number;
  from_limit_price: number;
  quantity: number;
  limit_price: number;
  filled_before: number;
  reference_price: number | null;
  /** Migration 0017: the rate the change was sized with (NULL: the account's currency). */
  fx_rate?: number | null;
  fx_rate_at?: string | null;
  fx_rate_source?: string | null;
  status: ModificationStatus;
  code: number | null;
  message: string | null;
  created_at: string;
  updated_at: string;
}

export function toModificationRecord(r: ModificationRow): ModificationRecord {
  return {
    id: r.id,
    runId: r.run_id,
    orderRef: r.order_ref,
    brokerOrderId: r.broker_order_id,
    fromQuantity: r.from_quantity,
    fromLimitPrice: r.from_limit_price,
    quantity: r.quantity,
    limitPrice: r.limit_price,
    filledBefore: r.filled_before,
    referencePrice: opt(r.reference_price),
    ...fxOf(r),
    status: r.status,
    code: opt(r.code),
    message: opt(r.message),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function toFillRecord(r: FillRow): FillRecord {
  return {
    execId: r.exec_id,
    runId: r.run_id,
    orderRef: r.order_ref,
    symbol: r.symbol,
    side: r.side,
    quantity: r.quantity,
    price: r.price,
    commission: r.commission,
    time: r.time,
    // The broker always gives an order id; a NULL only comes from a row written by hand.
    brokerOrderId: r.broker_order_id ?? 0,
    permId: opt(r.perm_id),
    ...secTypeOf(r),
  };
}

export function toBreach(r: BreachRow): Breach {
  return r.symbol === null ? { code: r.code, detail: r.detail } : { code: r.code, detail: r.detail, symbol: r.symbol };
}

export function toLedgerAdjustment(r: LedgerAdjustmentRow): LedgerAdjustmentRecord {
  return {
    symbol: r.symbol,
    kind: r.kind,
    quantity: r.quantity,
    ledgerBefore: r.ledger_before,
    brokerQuantity: r.broker_quantity,
    reason: r.reason,
    runId: opt(r.run_id),
    at: r.at,
    source: r.source,
    ...(r.ratio === null ? {} : { ratio: r.ratio }),
    ...(r.evidence === null ? {} : { evidence: r.evidence }),
  };
}

export function toLedgerCheckLine(r: LedgerCheckRow): LedgerCheckLine {
  return { symbol: r.symbol, ledgerQuantity: r.ledger_quantity, brokerQuantity: r.broker_quantity };
}

export interface AccountReadRow {
  run_id: string;
  read_at: string;
  trading_day: string;
  cash: number;
  net_liquidation: number;
  currency: string;
  /** JSON: { "AAPL": 100, ... }. */
  positions: string;
  accrued_dividend: number | null;
  /** JSON: { "SGD": 150000, "USD": -20.5 } (migration 0017); NULL: not known. */
  cash_by_currency?: string | null;
}

/** A JSON object of numbers, as written: the keys whose values are numbers. */
function numbersOf(text: string): Record<string, number> {
  const parsed: unknown = JSON.parse(text);
  const out: Record<string, number> = {};
  if (typeof parsed === 'object' && parsed !== null)
    for (const [key, value] of Object.entries(parsed)) if (typeof value === 'number') out[key] = value;
  return out;
}

export function toAccountRead(r: AccountReadRow): AccountRead {
  const positions = numbersOf(r.positions);
  return {
    runId: r.run_id,
    readAt: r.read_at,
    tradingDay: r.trading_day,
    cash: r.cash,
    netLiquidation: r.net_liquidation,
    currency: r.currency,
    positions,
    ...(r.accrued_dividend === null ? {} : { accruedDividend: r.accrued_dividend }),
    ...(r.cash_by_currency === undefined || r.cash_by_currency === null ? {} : { cashByCurrency: numbersOf(r.cash_by_currency) }),
  };
}

export function accountReadParams(a: AccountRead): AccountReadRow {
  return {
    run_id: a.runId,
    read_at: a.readAt,
    trading_day: a.tradingDay,
    cash: a.cash,
    net_liquidation: a.netLiquidation,
    currency: a.currency,
    positions: JSON.stringify(a.positions),
    accrued_dividend: a.accruedDividend ?? null,
    cash_by_currency: a.cashByCurrency === undefined ? null : JSON.stringify(a.cashByCurrency),
  };
}

export interface CashFlowRow {
  id: string;
  at: string;
  window_from: string | null;
  amount: number;
  currency: string;
  kind: CashFlowKind;
  source: CashFlowSource;
  description: string;
  run_id: string | null;
  recorded_at: string;
  recorded_by: string;
}

export function toCashFlow(r: CashFlowRow): CashFlowRecord {
  return {
    id: r.id,
    at: r.at,
    windowFrom: opt(r.window_from),
    amount: r.amount,
    currency: r.currency,
    kind: r.kind,
    source: r.source,
    description: r.description,
    runId: opt(r.run_id),
    recordedAt: r.recorded_at,
    recordedBy: r.recorded_by,
  };
}

export function cashFlowParams(f: CashFlowRecord): CashFlowRow {
  return {
    id: f.id,
    at: f.at,
    window_from: f.windowFrom ?? null,
    amount: f.amount,
    currency: f.currency,
    kind: f.kind,
    source: f.source,
    description: f.description,
    run_id: f.runId ?? null,
    recorded_at: f.recordedAt,
    recorded_by: f.recordedBy,
  };
}
