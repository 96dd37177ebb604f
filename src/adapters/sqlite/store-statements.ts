import type Database from 'better-sqlite3';
import { FINAL_BROKER_STATUSES, RECORD_ONLY_STATUSES, sqlStatusList } from '../../core/order-status.js';
import type {
  BrokerReconcileParams,
  BrokerUpdateParams,
  FinishParams,
  IntentParams,
  ModificationIntentParams,
  ModificationOutcomeParams,
  OrderCountsParams,
  PositionParams,
  RunParams,
  SnapshotParams,
} from './store-params.js';
import type { AccountReadRow, CashFlowRow, ModificationRow } from './store-rows.js';
import type { BreachRow, FillRow, LedgerAdjustmentRow, LedgerCheckRow, OrderRow, PositionRow, RunRow, SnapshotRow } from './store-rows.js';

/** The core's final order statuses (as in the view v_open_orders): `('Filled', 'Cancelled', ...)`. */
const FINAL_LIST = sqlStatusList();
/** Statuses only the records know (Intent, SendFailed, NotSent, Unknown): fills never make them Filled; reconciliation does. */
const RECORD_ONLY_LIST = sqlStatusList(RECORD_ONLY_STATUSES);

/** Every statement the store runs, prepared once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    insertRun: db.prepare<RunParams>(
      `INSERT INTO runs (id, started_at, status, trading_day, dry_run, trading_state)
       VALUES (@id, @started_at, @status, @trading_day, @dry_run, @trading_state)`,
    ),
    recordBrokerClock: db.prepare<{ id: string; offset: number }>('UPDATE runs SET broker_clock_offset_ms = @offset WHERE id = @id'),
    finishRun: db.prepare<FinishParams>(
      `UPDATE runs SET finished_at = @finished_at, status = @status, exit_code = @exit_code, error = @error,
         trading_state = coalesce(@trading_state, trading_state)
       WHERE id = @id`,
    ),
    previousRun: db.prepare<{ except: string | null }, RunRow>(
      `SELECT * FROM runs WHERE @except IS NULL OR id <> @except ORDER BY started_at DESC, rowid DESC LIMIT 1`,
    ),
    recentRuns: db.prepare<[number], RunRow>('SELECT * FROM runs ORDER BY started_at DESC, rowid DESC LIMIT ?'),
    hasRun: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM runs WHERE id = ?'),
    recordOrderCounts: db.prepare<OrderCountsParams>(
      'UPDATE runs SET orders_sent = @sent, orders_modified = @modified, orders_cancelled = @cancelled WHERE id = @id',
    ),

    insertBreach: db.prepare<{ run_id: string; code: string; symbol: string | null; detail: string }>(
      'INSERT INTO breaches (run_id, code, symbol, detail) VALUES (@run_id, @code, @symbol, @detail)',
    ),
    breachesOf: db.prepare<[string], BreachRow>('SELECT code, symbol, detail FROM breaches WHERE run_id = ? ORDER BY id'),

    insertIntent: db.prepare<IntentParams>(
      `INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, created_at, updated_at, reference_price, awaiting_turn,
                           currency, fx_rate, fx_rate_at, fx_rate_source, price_magnifier, sec_type)
       VALUES (@run_id, @order_ref, @symbol, @action, @quantity, @limit_price, @status, @created_at, @updated_at, @reference_price, @awaiting_turn,
               @currency, @fx_rate, @fx_rate_at, @fx_rate_source, @price_magnifier, @sec_type)`,
    ),
    takeTurn: db.prepare<[string]>('UPDATE orders SET awaiting_turn = 0 WHERE order_ref = ?'),
    orderByRef: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE order_ref = ?'),
    markSent: db.prepare<BrokerUpdateParams>(
      `UPDATE orders SET status = @status, broker_order_id = @broker_order_id, perm_id = @perm_id,
         filled_quantity = @filled_quantity, avg_fill_price = @avg_fill_price,
         message = coalesce(@message, message), updated_at = @updated_at
       WHERE order_ref = @order_ref`,
    ),
    // An intent whose send crashed before markOrderSent gets its broker ids here, when the broker reports it.
    updateStatus: db.prepare<BrokerUpdateParams>(
      `UPDATE orders SET status = @status, broker_order_id = coalesce(broker_order_id, @broker_order_id),
         perm_id = coalesce(perm_id, @perm_id), filled_quantity = @filled_quantity, avg_fill_price = @avg_fill_price,
         message = coalesce(@message, message), updated_at = @updated_at
       WHERE order_ref = @order_ref`,
    ),
    markFailed: db.prepare<{ order_ref: string; message: string; updated_at: string }>(
      `UPDATE orders SET status = 'SendFailed', message = @message, updated_at = @updated_at WHERE order_ref = @order_ref`,
    ),
    ordersOf: db.prepare<[string], OrderRow>('SELECT * FROM orders WHERE run_id = ? ORDER BY id'),
    ordersToReconcile: db.prepare<[string], OrderRow>(
      `SELECT * FROM orders WHERE run_id <> ?
         AND (status NOT IN ${FINAL_LIST} OR (status = 'SendFailed' AND reconciled_at IS NULL)
              OR (status = 'Unknown' AND outcome_accepted_at IS NULL))
       ORDER BY id`,
    ),
    ordersMissingFills: db.prepare<[string, string], OrderRow>(
      `SELECT o.* FROM orders o
       WHERE o.created_at >= ? AND o.run_id <> ? AND +o.status IN ${sqlStatusList(FINAL_BROKER_STATUSES)}
         AND o.filled_quantity > coalesce((SELECT sum(f.quantity) FROM fills f WHERE f.order_ref = o.order_ref), 0) + 1e-9
       ORDER BY o.created_at, o.id`,
    ),
    unknownOutcomes: db.prepare<[], OrderRow>(
      `SELECT * FROM orders WHERE status = 'Unknown' AND outcome_accepted_at IS NULL ORDER BY created_at, id`,
    ),
    acceptUnknownOutcomes: db.prepare<{ symbol: string; at: string; note: string }>(
      `UPDATE orders SET outcome_accepted_at = @at, updated_at = @at, message = coalesce(message || '; ', '') || @note
       WHERE symbol = @symbol AND status = 'Unknown' AND outcome_accepted_at IS NULL`,
    ),
    // Ids are filled in only where none is recorded: an order id seen once stays the one it had (IB reuses ids).
    recordReconciliation: db.prepare<BrokerReconcileParams>(
      `UPDATE orders SET status = @status, broker_order_id = coalesce(broker_order_id, @broker_order_id),
         perm_id = coalesce(perm_id, @perm_id), filled_quantity = @filled_quantity, avg_fill_price = @avg_fill_price,
         message = @message, updated_at = @updated_at, reconciled_at = @updated_at
       WHERE order_ref = @order_ref`,
    ),

    // Changes of working orders in place (migration 0011).
    insertModification: db.prepare<ModificationIntentParams>(
      `INSERT INTO order_modifications (run_id, order_ref, broker_order_id, from_quantity, from_limit_price, quantity,
         limit_price, filled_before, reference_price, status, created_at, updated_at, fx_rate, fx_rate_at, fx_rate_source)
       VALUES (@run_id, @order_ref, @broker_order_id, @from_quantity, @from_limit_price, @quantity,
         @limit_price, @filled_before, @reference_price, 'Intent', @created_at, @created_at, @fx_rate, @fx_rate_at, @fx_rate_source)`,
    ),
    settleModification: db.prepare<ModificationOutcomeParams>(
      `UPDATE order_modifications SET status = @status, code = @code, message = @message, updated_at = @updated_at
       WHERE id = @id`,
    ),
    // The order takes the change's quantity and limit (the broker accepted them), and the rate it was sized with.
    applyModification: db.prepare<{ id: number; updated_at: string }>(
      `UPDATE orders SET quantity = m.quantity, limit_price = m.limit_price, updated_at = @updated_at,
         fx_rate = coalesce(m.fx_rate, orders.fx_rate), fx_rate_at = coalesce(m.fx_rate_at, orders.fx_rate_at),
         fx_rate_source = coalesce(m.fx_rate_source, orders.fx_rate_source)
       FROM (SELECT order_ref, quantity, limit_price, fx_rate, fx_rate_at, fx_rate_source FROM order_modifications WHERE id = @id) AS m
       WHERE orders.order_ref = m.order_ref`,
    ),
    orderRefOfModification: db.prepare<[number], { order_ref: string }>('SELECT order_ref FROM order_modifications WHERE id = ?'),
    // The order as the broker showed it after the change; the ids it was recorded with stay.
    orderAsModified: db.prepare<Omit<BrokerUpdateParams, 'broker_order_id' | 'perm_id' | 'message'>>(
      `UPDATE orders SET status = @status, filled_quantity = @filled_quantity, avg_fill_price = @avg_fill_price,
         updated_at = @updated_at
       WHERE order_ref = @order_ref`,
    ),
    unsettledModifications: db.prepare<[string], ModificationRow>(
      `SELECT * FROM order_modifications WHERE status IN ('Intent', 'Unknown') AND run_id <> ? ORDER BY created_at, id`,
    ),
    modificationsOf: db.prepare<[string], ModificationRow>('SELECT * FROM order_modifications WHERE run_id = ? ORDER BY id'),

    insertFill: db.prepare<FillRow>(
      `INSERT OR IGNORE INTO fills
         (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id, sec_type)
       VALUES (@exec_id, @run_id, @order_ref, @symbol, @side, @quantity, @price, @commission, @time, @broker_order_id, @perm_id, @sec_type)`,
    ),
    fillsNotInCsv: db.prepare<[], FillRow>('SELECT * FROM fills WHERE in_csv = 0 ORDER BY time, rowid'),
    fillsOfOrder: db.prepare<[string], FillRow>('SELECT * FROM fills WHERE order_ref = ? ORDER BY time, rowid'),
    hasFill: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM fills WHERE exec_id = ?'),
    // Stock fills only (migration 0018): a currency conversion is no position of a ticker.
    ownFillTotals: db.prepare<[string, string], { symbol: string; quantity: number }>(
      `SELECT symbol, sum(CASE WHEN side = 'BUY' THEN quantity ELSE -quantity END) AS quantity
       FROM fills WHERE substr(order_ref, 1, length(?)) = ? AND sec_type IS NULL GROUP BY symbol ORDER BY symbol`,
    ),
    // An order's fill figures follow its recorded executions; a complete one is Filled (an unsent intent is left
    // to the reconciliation, which also records its broker ids).
    syncOrderFills: db.prepare<{ order_ref: string; updated_at: string }>(
      `UPDATE orders SET filled_quantity = t.quantity, avg_fill_price = t.avg_price, updated_at = @updated_at,
         status = CASE WHEN t.quantity >= orders.quantity AND orders.status NOT IN ${RECORD_ONLY_LIST}
                       THEN 'Filled' ELSE orders.status END
       FROM (SELECT sum(quantity) AS quantity, round(sum(quantity * price) / sum(quantity), 8) AS avg_price
             FROM fills WHERE order_ref = @order_ref) AS t
       WHERE orders.order_ref = @order_ref AND t.quantity > orders.filled_quantity`,
    ),
    // The running totals of migration 0014 (kept by triggers on fills): one row per symbol, not every fill.
    fillTotalsOfPrefix: db.prepare<[string], { symbol: string; quantity: number }>(
      'SELECT symbol, units / 100000000.0 AS quantity FROM fill_totals WHERE ref_prefix = ? ORDER BY symbol',
    ),
    markInCsv: db.prepare<[string]>('UPDATE fills SET in_csv = 1 WHERE exec_id = ?'),
    tradesCsvMark: db.prepare<[], { size: number; mtime_ms: number; ino: string; dev: string; eol: 'lf' | 'crlf' }>(
      'SELECT size, mtime_ms, ino, dev, eol FROM trades_csv_mark WHERE id = 1',
    ),
    setTradesCsvMark: db.prepare<{ size: number; mtime_ms: number; ino: string; dev: string; eol: 'lf' | 'crlf' }>(
      `INSERT INTO trades_csv_mark (id, size, mtime_ms, ino, dev, eol) VALUES (1, @size, @mtime_ms, @ino, @dev, @eol)
       ON CONFLICT (id) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, ino = excluded.ino,
         dev = excluded.dev, eol = excluded.eol`,
    ),
    // Every row of a trades CSV rewritten whole: the fills, and the replaced versions it already held.
    tradesCsvRows: db.prepare<[], FillRow>(
      `SELECT exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id, in_csv, sec_type
       FROM fills
       UNION ALL
       SELECT exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id, in_csv, sec_type
       FROM replaced_fills WHERE in_csv = 1
       ORDER BY time, exec_id`,
    ),
    // Corrections (migration 0006): the recorded revisions of one execution, found through the primary key.
    fillRevisions: db.prepare<{ exec_id: string; from: string; to: string }, { exec_id: string }>(
      'SELECT exec_id FROM fills WHERE exec_id = @exec_id OR (exec_id >= @from AND exec_id < @to)',
    ),
    isReplacedFill: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM replaced_fills WHERE exec_id = ?'),
    orderRefOfFill: db.prepare<[string], { order_ref: string }>('SELECT order_ref FROM fills WHERE exec_id = ?'),
    replaceFill: db.prepare<{ exec_id: string; replaced_by: string; replaced_at: string; run_id: string }>(
      `INSERT INTO replaced_fills (exec_id, replaced_by, replaced_at, replaced_in_run, run_id, order_ref, symbol, side,
         quantity, price, commission, time, broker_order_id, perm_id, in_csv, sec_type)
       SELECT exec_id, @replaced_by, @replaced_at, @run_id, run_id, order_ref, symbol, side, quantity, price, commission,
         time, broker_order_id, perm_id, in_csv, sec_type
       FROM fills WHERE exec_id = @exec_id`,
    ),
    deleteFill: db.prepare<[string]>('DELETE FROM fills WHERE exec_id = ?'),
    // A commission IB reported late: filled in once, never changed after.
    fillInCommission: db.prepare<{ exec_id: string; commission: number }>(
      'UPDATE fills SET commission = @commission WHERE exec_id = @exec_id AND commission IS NULL',
    ),
    oldestFillWithoutCommission: db.prepare<[], { time: string | null }>('SELECT min(time) AS time FROM fills WHERE commission IS NULL'),
    // After a correction the order's figures follow its fills whichever way they moved.
    resyncOrderFills: db.prepare<{ order_ref: string; updated_at: string }>(
      `UPDATE orders SET filled_quantity = t.quantity, avg_fill_price = t.avg_price, updated_at = @updated_at,
         status = CASE WHEN t.quantity >= orders.quantity AND orders.status NOT IN ${RECORD_ONLY_LIST}
                       THEN 'Filled' ELSE orders.status END
       FROM (SELECT coalesce(sum(quantity), 0) AS quantity,
                    coalesce(round(sum(quantity * price) / sum(quantity), 8), 0) AS avg_price
             FROM fills WHERE order_ref = @order_ref) AS t
       WHERE orders.order_ref = @order_ref`,
    ),

    // taken_at is the run's start: the store has no clock of its own that a --now replay would honour.
    insertSnapshot: db.prepare<SnapshotParams>(
      `INSERT INTO snapshots (run_id, taken_at, net_liquidation, cash, gross_position_value, leverage,
         maint_margin, excess_liquidity, cushion, currency)
       SELECT id, started_at, @net_liquidation, @cash, @gross_position_value, @leverage,
         @maint_margin, @excess_liquidity, @cushion, @currency
       FROM runs WHERE id = @run_id`,
    ),
    insertPosition: db.prepare<PositionParams>(
      `INSERT INTO positions (run_id, symbol, quantity, avg_cost, market_price, market_value, weight, target_weight, fx_rate)
       VALUES (@run_id, @symbol, @quantity, @avg_cost, @market_price, @market_value, @weight, @target_weight, @fx_rate)`,
    ),
    latestSnapshot: db.prepare<[], SnapshotRow>('SELECT * FROM snapshots ORDER BY taken_at DESC, id DESC LIMIT 1'),
    insertAccountRead: db.prepare<AccountReadRow>(
      `INSERT INTO account_reads (run_id, read_at, trading_day, cash, net_liquidation, currency, positions, accrued_dividend, cash_by_currency)
       VALUES (@run_id, @read_at, @trading_day, @cash, @net_liquidation, @currency, @positions, @accrued_dividend, @cash_by_currency)`,
    ),
    latestAccountRead: db.prepare<{ except: string | null }, AccountReadRow>(
      `SELECT * FROM account_reads WHERE @except IS NULL OR run_id <> @except ORDER BY read_at DESC, rowid DESC LIMIT 1`,
    ),
    firstAccountReadOn: db.prepare<[string], AccountReadRow>(
      'SELECT * FROM account_reads WHERE trading_day = ? AND net_liquidation > 0 ORDER BY read_at, rowid LIMIT 1',
    ),
    insertCashFlow: db.prepare<CashFlowRow>(
      `INSERT OR IGNORE INTO cash_flows (id, at, window_from, amount, currency, kind, source, description, run_id, recorded_at, recorded_by)
       VALUES (@id, @at, @window_from, @amount, @currency, @kind, @source, @description, @run_id, @recorded_at, @recorded_by)`,
    ),
    cashFlowsSince: db.prepare<[string], CashFlowRow>('SELECT * FROM cash_flows WHERE at > ? ORDER BY at, rowid'),
    fillsSince: db.prepare<[string], FillRow>('SELECT * FROM fills WHERE time >= ? ORDER BY time, rowid'),
    positionsOf: db.prepare<[string], PositionRow>('SELECT * FROM positions WHERE run_id = ? ORDER BY symbol'),
    startOfDayNlv: db.prepare<[string], { net_liquidation: number }>(
      `SELECT s.net_liquidation FROM snapshots s JOIN runs r ON r.id = s.run_id
       WHERE r.trading_day = ? AND s.net_liquidation > 0 ORDER BY s.taken_at, s.id LIMIT 1`,
    ),
    // What the day's orders actually traded (their fills), not what was asked: an order cancelled unfilled at
    // the next run and sent again must not count twice. Rounded to 1e-6 so float noise never reaches a limit check.
    // Stock orders only (migration 0018): a currency conversion moves cash between currencies, it is no turnover.
    tradedValueOn: db.prepare<[string], { value: number }>(
      `SELECT round(coalesce(sum(f.quantity * f.price / coalesce(o.price_magnifier, 1) * coalesce(o.fx_rate, 1)), 0), 6) AS value
       FROM fills f JOIN orders o ON o.order_ref = f.order_ref JOIN runs r ON r.id = o.run_id
       WHERE r.trading_day = ? AND o.sec_type IS NULL AND f.sec_type IS NULL`,
    ),

    managedSymbols: db.prepare<[], { symbol: string }>('SELECT symbol FROM managed_symbols ORDER BY symbol'),
    upsertManaged: db.prepare<{ symbol: string; run_id: string }>(
      `INSERT INTO managed_symbols (symbol, first_run_id, last_run_id) VALUES (@symbol, @run_id, @run_id)
       ON CONFLICT (symbol) DO UPDATE SET last_run_id = excluded.last_run_id`,
    ),
    ledgerAdjustments: db.prepare<[], LedgerAdjustmentRow>('SELECT * FROM ledger_adjustments ORDER BY id'),
    insertLedgerAdjustment: db.prepare<Omit<LedgerAdjustmentRow, 'id'>>(
      `INSERT OR IGNORE INTO ledger_adjustments (symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source, ratio, evidence)
       VALUES (@symbol, @kind, @quantity, @ledger_before, @broker_quantity, @reason, @run_id, @at, @source, @ratio, @evidence)`,
    ),
    insertLedgerCheck: db.prepare<LedgerCheckRow & { run_id: string }>(
      `INSERT OR REPLACE INTO ledger_checks (run_id, symbol, ledger_quantity, broker_quantity)
       VALUES (@run_id, @symbol, @ledger_quantity, @broker_quantity)`,
    ),
    latestLedgerCheckRun: db.prepare<[], { run_id: string; started_at: string }>(
      `SELECT c.run_id, r.started_at FROM ledger_checks c JOIN runs r ON r.id = c.run_id
       ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1`,
    ),
    ledgerCheckOf: db.prepare<[string], LedgerCheckRow>(
      'SELECT symbol, ledger_quantity, broker_quantity FROM ledger_checks WHERE run_id = ? ORDER BY symbol',
    ),
    abandonedRuns: db.prepare<[string], RunRow>(`SELECT * FROM runs WHERE status = 'running' AND id <> ? ORDER BY started_at, rowid`),
    failAbandonedRun: db.prepare<{ id: string; error: string }>(
      `UPDATE runs SET status = 'failed', error = @error WHERE id = @id AND status = 'running'`,
    ),
    insertHalt: db.prepare<{ action: string; reason: string; at: string; source: string }>(
      'INSERT INTO halt_events (action, reason, at, source) VALUES (@action, @reason, @at, @source)',
    ),
    lastResumeAt: db.prepare<[], { at: string }>("SELECT at FROM halt_events WHERE action = 'resume' ORDER BY at DESC, id DESC LIMIT 1"),
    insertEmail: db.prepare<{
      kind: string;
      trading_day: string;
      subject: string;
      status: string;
      at: string;
      run_id: string | null;
      alert_key: string | null;
    }>(
      `INSERT INTO emails (kind, trading_day, subject, status, at, run_id, alert_key)
       VALUES (@kind, @trading_day, @subject, @status, @at, @run_id, @alert_key)`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
