import type { BrokerOrder, Execution } from '../../core/types.js';
import type {
  LedgerAdjustmentRecord,
  ModificationIntent,
  ModificationOutcome,
  OrderCounts,
  OrderIntent,
  OrderReconciliation,
  PositionRecord,
  RunRecord,
  RunStatus,
  SnapshotRecord,
} from '../../ports/store.js';
import type { FillRow, LedgerAdjustmentRow, ModificationRow, OrderRow, PositionRow, RunRow, SnapshotRow } from './store-rows.js';

/** The port's records as statement parameters (the inverse of store-rows.ts). */

/** SQLite cannot bind `undefined` or booleans: optional fields are bound as null, flags as 0/1. */
type Nullable<T> = { [K in keyof T]: T[K] | null };

export type RunParams = Nullable<Omit<RunRow, 'finished_at' | 'exit_code' | 'error'>>;
export type FinishParams = {
  id: string;
  finished_at: string;
  status: string;
  exit_code: number;
  error: string | null;
  trading_state: string | null;
};
export type SnapshotParams = Omit<SnapshotRow, 'taken_at'>;
export type PositionParams = PositionRow & { run_id: string };
export type IntentParams = Omit<
  OrderRow,
  | 'broker_order_id'
  | 'perm_id'
  | 'filled_quantity'
  | 'avg_fill_price'
  | 'message'
  | 'awaiting_turn'
  | 'currency'
  | 'fx_rate'
  | 'fx_rate_at'
  | 'fx_rate_source'
  | 'price_magnifier'
  | 'sec_type'
> & {
  updated_at: string;
  awaiting_turn: 0 | 1;
  currency: string | null;
  fx_rate: number | null;
  fx_rate_at: string | null;
  fx_rate_source: string | null;
  price_magnifier: number | null;
  sec_type: 'CASH' | null;
};
export type BrokerUpdateParams = {
  order_ref: string;
  status: string;
  broker_order_id: number;
  perm_id: number | null;
  filled_quantity: number;
  avg_fill_price: number;
  message: string | null;
  updated_at: string;
};

export type BrokerReconcileParams = Omit<BrokerUpdateParams, 'broker_order_id' | 'message'> & {
  broker_order_id: number | null;
  message: string;
};

export function reconcileParams(orderRef: string, r: OrderReconciliation): BrokerReconcileParams {
  return {
    order_ref: orderRef,
    status: r.status,
    broker_order_id: r.brokerOrderId ?? null,
    perm_id: r.permId ?? null,
    filled_quantity: r.filledQuantity,
    avg_fill_price: r.avgFillPrice,
    message: r.message,
    updated_at: r.at,
  };
}

export function ledgerAdjustmentParams(a: LedgerAdjustmentRecord): Omit<LedgerAdjustmentRow, 'id'> {
  return {
    symbol: a.symbol,
    kind: a.kind,
    quantity: a.quantity,
    ledger_before: a.ledgerBefore,
    broker_quantity: a.brokerQuantity,
    reason: a.reason,
    run_id: a.runId ?? null,
    at: a.at,
    source: a.source,
    ratio: a.ratio ?? null,
    evidence: a.evidence ?? null,
  };
}

export function runParams(run: Omit<RunRecord, 'status' | 'finishedAt' | 'exitCode' | 'error'>): RunParams {
  return {
    id: run.runId,
    started_at: run.startedAt,
    status: 'running',
    trading_day: run.tradingDay,
    dry_run: run.dryRun ? 1 : 0,
    trading_state: run.tradingState ?? null,
  };
}

export function finishParams(
  runId: string,
  r: { finishedAt: string; status: RunStatus; exitCode: number; error?: string; tradingState?: string },
): FinishParams {
  return {
    id: runId,
    finished_at: r.finishedAt,
    status: r.status,
    exit_code: r.exitCode,
    error: r.error ?? null,
    trading_state: r.tradingState ?? null,
  };
}

export function intentParams(runId: string, order: OrderIntent, createdAt: string, awaitingTurn = false): IntentParams {
  return {
    awaiting_turn: awaitingTurn ? 1 : 0,
    run_id: runId,
    order_ref: order.orderRef,
    symbol: order.symbol,
    action: order.action,
    quantity: order.quantity,
    limit_price: order.limitPrice,
    status: 'Intent',
    created_at: createdAt,
    updated_at: createdAt,
    reference_price: order.referencePrice ?? null,
    currency: order.currency === '' ? null : order.currency,
    fx_rate: order.fx?.rate ?? null,
    fx_rate_at: order.fx?.at ?? null,
    fx_rate_source: order.fx?.source ?? null,
    price_magnifier: order.priceMagnifier ?? null,
    sec_type: order.secType === 'CASH' ? 'CASH' : null,
  };
}

export function brokerUpdateParams(orderRef: string, o: BrokerOrder, updatedAt: string): BrokerUpdateParams {
  return {
    order_ref: orderRef,
    status: o.status,
    broker_order_id: o.brokerOrderId,
    perm_id: o.permId ?? null,
    filled_quantity: o.filledQuantity,
    avg_fill_price: o.avgFillPrice,
    message: o.message ?? null,
    updated_at: updatedAt,
  };
}

export function fillParams(runId: string, e: Execution): FillRow {
  return {
    exec_id: e.execId,
    run_id: runId,
    order_ref: e.orderRef,
    symbol: e.symbol,
    side: e.side,
    quantity: e.quantity,
    price: e.price,
    // NaN is no figure: unknown, not a fill to drop.
    commission: e.commission !== null && Number.isFinite(e.commission) ? e.commission : null,
    time: e.time,
    broker_order_id: e.brokerOrderId,
    perm_id: e.permId ?? null,
    sec_type: e.secType === 'CASH' ? 'CASH' : null,
  };
}

export function snapshotParams(runId: string, s: SnapshotRecord): SnapshotParams {
  return {
    run_id: runId,
    net_liquidation: s.netLiquidation,
    cash: s.cash,
    gross_position_value: s.grossPositionValue,
    leverage: s.leverage,
    maint_margin: s.maintMargin,
    excess_liquidity: s.excessLiquidity,
    cushion: s.cushion,
    currency: s.currency,
  };
}

export function positionParams(runId: string, p: PositionRecord): PositionParams {
  return {
    run_id: runId,
    symbol: p.symbol,
    quantity: p.quantity,
    avg_cost: p.avgCost,
    market_price: p.marketPrice,
    market_value: p.marketValue,
    weight: p.weight,
    target_weight: p.targetWeight,
    fx_rate: p.fxRate ?? null,
  };
}

export type ModificationIntentParams = Omit<ModificationRow, 'id' | 'status' | 'code' | 'message' | 'updated_at'>;
export type ModificationOutcomeParams = Pick<ModificationRow, 'id' | 'status' | 'code' | 'message' | 'updated_at'>;
export type OrderCountsParams = { id: string; sent: number; modified: number; cancelled: number };

export function modificationIntentParams(runId: string, m: ModificationIntent, createdAt: string): ModificationIntentParams {
  return {
    run_id: runId,
    order_ref: m.orderRef,
    broker_order_id: m.brokerOrderId,
    from_quantity: m.fromQuantity,
    from_limit_price: m.fromLimitPrice,
    quantity: m.quantity,
    limit_price: m.limitPrice,
    filled_before: m.filledBefore,
    reference_price: m.referencePrice ?? null,
    created_at: createdAt,
    fx_rate: m.fx?.rate ?? null,
    fx_rate_at: m.fx?.at ?? null,
    fx_rate_source: m.fx?.source ?? null,
  };
}

export function modificationOutcomeParams(id: number, o: ModificationOutcome, at: string): ModificationOutcomeParams {
  return { id, status: o.status, code: o.code ?? null, message: o.message ?? null, updated_at: at };
}

export function orderCountsParams(runId: string, c: OrderCounts): OrderCountsParams {
  return { id: runId, sent: c.sent, modified: c.modified, cancelled: c.cancelled };
}
