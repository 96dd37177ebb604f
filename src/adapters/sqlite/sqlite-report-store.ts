import type {
  AlertHistoryEntry,
  CashBalanceRecord,
  DailyRow,
  DayBreach,
  ModificationRecord,
  OrderActivity,
  PositionRecord,
  ReportCashFlow,
  ReportFill,
  ReportOrderRecord,
  ReportStore,
  RunRecord,
  TimedSnapshot,
} from '../../ports/store.js';
import { guardStorage } from '../../fs/storage-errors.js';
import type { RecordedForecast } from '../../core/forecast-changes.js';
import { toRecordedForecast, type ForecastRow } from './sqlite-forecast-statements.js';
import { CASH_OF_RUN, toCashBalance, type SnapshotCashRow } from './sqlite-snapshot-cash.js';
import { applyMigrations } from './migrations.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';
import {
  toBreach,
  toCashFlow,
  toFillRecord,
  toModificationRecord,
  toOrderRecord,
  toPositionRecord,
  toRunRecord,
  toSnapshot,
} from './store-rows.js';
import type { BreachRow, CashFlowRow, FillRow, ModificationRow, OrderRow, PositionRow, RunRow, SnapshotRow } from './store-rows.js';

/** A fill with what the report reads of its order (NULL: no order row, or a column the order left empty). */
type ReportFillRow = FillRow & {
  reference_price: number | null;
  order_currency: string | null;
  order_fx_rate: number | null;
  order_price_magnifier: number | null;
  order_sec_type: string | null;
};

interface DailyTableRow {
  trading_day: string;
  closing_nlv: number;
  change: number | null;
  turnover: number;
  commissions: number;
  fills: number;
  realized: number | null;
}

// Instants are compared with julianday(): the run may write them with or without milliseconds, and
// '...:00Z' sorts after '...:00.000Z' as text although they are the same instant.
export const SQL = {
  // Each strategy's row with the highest id among the runs that count (the days before, or up to an instant).
  forecastsAsOf: `SELECT f.run_id, f.strategy, f.file, f.as_of, f.leverage, f.capital, f.weights FROM forecasts f
    JOIN (SELECT fl.strategy, max(fl.id) AS id FROM forecasts fl JOIN runs r ON r.id = fl.run_id
      WHERE (@until IS NULL AND r.trading_day < @day)
         OR (@until IS NOT NULL AND r.trading_day <= @day AND julianday(r.started_at) <= julianday(@until))
      GROUP BY fl.strategy) l ON f.id = l.id
    ORDER BY f.id`,
  snapshotsOn: `SELECT s.* FROM snapshots s JOIN runs r ON r.id = s.run_id
    WHERE r.trading_day = ? AND julianday(s.taken_at) <= julianday(?) ORDER BY s.taken_at, s.id`,
  closingSnapshot: `SELECT s.*, r.trading_day FROM snapshots s JOIN runs r ON r.id = s.run_id
    WHERE r.trading_day <= ? ORDER BY r.trading_day DESC, s.taken_at DESC, s.id DESC LIMIT 1`,
  positionsOf: 'SELECT * FROM positions WHERE run_id = ? ORDER BY symbol',
  ordersOn: `SELECT o.* FROM orders o JOIN runs r ON r.id = o.run_id
    WHERE r.trading_day = ? AND julianday(r.started_at) <= julianday(?) ORDER BY o.created_at, o.id`,
  // The day of a fill is that of the run that placed its order, else of the run that collected it (as in v_daily_fills).
  // Only fills that can be of the day are looked at (migration 0014's rule: no hourly query reads all history): those
  // of orders placed by the day's runs (runs_by_day, orders_by_run, fills_by_order_ref) and those collected by them
  // (fills_by_run); the day's rule then decides. test/storage/hourly-query-plans.test.ts checks the plan.
  // With each fill, its order's reference price and (migration 0017) currency, rate and price magnifier: the fill's
  // value in the account's currency is quantity x price / magnifier x rate.
  fillsOn: `SELECT f.*, o.reference_price, o.currency AS order_currency, o.fx_rate AS order_fx_rate,
      o.price_magnifier AS order_price_magnifier, o.sec_type AS order_sec_type FROM fills f
    JOIN runs collected ON collected.id = f.run_id
    LEFT JOIN orders o ON o.order_ref = f.order_ref
    LEFT JOIN runs placed ON placed.id = o.run_id
    WHERE f.rowid IN (
        SELECT pf.rowid FROM runs pr JOIN orders po ON po.run_id = pr.id JOIN fills pf ON pf.order_ref = po.order_ref
        WHERE pr.trading_day = @day
        UNION ALL
        SELECT cf.rowid FROM runs cr JOIN fills cf ON cf.run_id = cr.id WHERE cr.trading_day = @day)
      AND coalesce(placed.trading_day, collected.trading_day) = @day AND julianday(collected.started_at) <= julianday(@until)
    ORDER BY f.time, f.rowid`,
  breachesOn: `SELECT b.code, b.symbol, b.detail, b.run_id, r.started_at FROM breaches b JOIN runs r ON r.id = b.run_id
    WHERE r.trading_day = ? AND julianday(r.started_at) <= julianday(?) ORDER BY r.started_at, b.id`,
  runsOn: 'SELECT * FROM runs WHERE trading_day = ? AND julianday(started_at) <= julianday(?) ORDER BY started_at, rowid',
  // What the day's runs asked of the broker (NULL before migration 0011: nothing), and of their orders those with a
  // fill collected by then (an inner join: orders without one drop out), and those fills. A corrected execution is
  // one row of `fills` (migration 0006: the replaced version moves to replaced_fills), so it counts once. Runs by
  // runs_by_day, orders by orders_by_run, fills by fills_by_order_ref, the collecting run by its key
  // (test/storage/migration-0011.test.ts checks the plans).
  orderRequestsOn: `SELECT coalesce(sum(orders_sent), 0) AS sent, coalesce(sum(orders_modified), 0) AS modified,
      coalesce(sum(orders_cancelled), 0) AS cancelled
    FROM runs WHERE trading_day = ? AND julianday(started_at) <= julianday(?)`,
  executionsOn: `SELECT count(*) AS executed_orders, coalesce(sum(n), 0) AS fills FROM (
      SELECT count(*) AS n FROM orders o
      JOIN runs r ON r.id = o.run_id
      JOIN fills f ON f.order_ref = o.order_ref
      JOIN runs collected ON collected.id = f.run_id
      WHERE r.trading_day = @day AND julianday(r.started_at) <= julianday(@until)
        AND julianday(collected.started_at) <= julianday(@until)
      GROUP BY o.id)`,
  modificationsOn: `SELECT m.* FROM order_modifications m JOIN runs r ON r.id = m.run_id
    WHERE r.trading_day = ? AND julianday(r.started_at) <= julianday(?) ORDER BY m.created_at, m.id`,
  // The run whose snapshot first includes a flow: the run that inferred it, else the first run that read the
  // account (else took a snapshot) at or after it.
  cashFlowsOn: `SELECT * FROM (
      SELECT f.*, f.rowid AS seq, r.trading_day AS reflected_day, r.started_at AS reflected_at FROM cash_flows f
      JOIN runs r ON r.id = CASE WHEN f.source = 'inferred' AND f.run_id IS NOT NULL THEN f.run_id ELSE coalesce(
        (SELECT a.run_id FROM account_reads a WHERE julianday(a.read_at) >= julianday(f.at) ORDER BY julianday(a.read_at), a.rowid LIMIT 1),
        (SELECT s.run_id FROM snapshots s WHERE julianday(s.taken_at) >= julianday(f.at) ORDER BY julianday(s.taken_at), s.id LIMIT 1)) END)
    WHERE reflected_day >= ? AND reflected_day <= ? AND julianday(reflected_at) <= julianday(?)
    ORDER BY julianday(at), seq`,
  dailyBefore: `SELECT * FROM (SELECT * FROM daily WHERE trading_day < ? ORDER BY trading_day DESC LIMIT ?) ORDER BY trading_day`,
  upsertDaily: `INSERT INTO daily (trading_day, closing_nlv, change, turnover, commissions, fills, realized, recorded_at)
    VALUES (@trading_day, @closing_nlv, @change, @turnover, @commissions, @fills, @realized, @recorded_at)
    ON CONFLICT (trading_day) DO UPDATE SET closing_nlv = excluded.closing_nlv, change = excluded.change,
      turnover = excluded.turnover, commissions = excluded.commissions, fills = excluded.fills,
      realized = excluded.realized, recorded_at = excluded.recorded_at`,
  alertHistory: `SELECT alert_key AS key, at, status FROM emails
    WHERE alert_key IS NOT NULL AND julianday(at) >= julianday(?) ORDER BY at, id`,
  dailyEmailKindsOn: `SELECT DISTINCT kind FROM emails WHERE trading_day = ? AND kind IN ('start', 'mid', 'end') ORDER BY kind`,
  hasRunOn: `SELECT EXISTS (SELECT 1 FROM runs WHERE trading_day = ?) AS ran`,
  runDaysOnOrBefore: `SELECT DISTINCT trading_day FROM runs WHERE julianday(started_at) <= julianday(?) ORDER BY trading_day DESC LIMIT ?`,
} as const;

/**
 * The ReportStore on SQLite: read-only queries for the daily reports, and the `daily` table they write.
 * Kept apart from SqliteStore (the run's writes) so each stays a readable size; both may share a connection.
 * Every failure is a StorageError naming the database file and what failed.
 */
export class SqliteReportStore implements ReportStore {
  readonly file: string;
  private readonly db: SqliteDatabase;
  private readonly ownsDb: boolean;

  /** @param source the database file (opened and migrated) or an open connection, which stays the caller's to close. */
  constructor(source: string | SqliteDatabase) {
    this.ownsDb = typeof source === 'string';
    this.db = typeof source === 'string' ? openDatabase(source) : source;
    this.file = this.db.name;
    if (!this.ownsDb) this.guard('apply database migrations', () => applyMigrations(this.db, this.file));
  }

  snapshotsOn(tradingDay: string, until: string): TimedSnapshot[] {
    return this.all<SnapshotRow>(`read the snapshots of ${tradingDay}`, SQL.snapshotsOn, tradingDay, until).map(toSnapshot);
  }

  closingSnapshotOnOrBefore(tradingDay: string): (TimedSnapshot & { tradingDay: string }) | undefined {
    const row = this.all<SnapshotRow & { trading_day: string }>(
      `read the close on or before ${tradingDay}`,
      SQL.closingSnapshot,
      tradingDay,
    )[0];
    return row === undefined ? undefined : { ...toSnapshot(row), tradingDay: row.trading_day };
  }

  positionsOf(runId: string): PositionRecord[] {
    return this.all<PositionRow>(`read positions of run ${runId}`, SQL.positionsOf, runId).map(toPositionRecord);
  }

  cashBalancesOf(runId: string): CashBalanceRecord[] {
    // A read, like every other here: the write statements of snapshot_cash are not prepared on a report connection.
    return this.all<SnapshotCashRow>(`read the cash per currency of run ${runId}`, CASH_OF_RUN, runId).map(toCashBalance);
  }

  ordersOn(tradingDay: string, until: string): ReportOrderRecord[] {
    return this.all<OrderRow>(`read the orders of ${tradingDay}`, SQL.ordersOn, tradingDay, until).map((r) => {
      const order: ReportOrderRecord = toOrderRecord(r);
      if (typeof r.currency === 'string' && r.currency !== '') order.currency = r.currency;
      return order;
    });
  }

  orderActivityOn(tradingDay: string, until: string): OrderActivity {
    return this.guard(`read the order activity of ${tradingDay}`, () => {
      const requests = this.db
        .prepare<[string, string], { sent: number; modified: number; cancelled: number }>(SQL.orderRequestsOn)
        .get(tradingDay, until);
      const executions = this.db
        .prepare<{ day: string; until: string }, { executed_orders: number; fills: number }>(SQL.executionsOn)
        .get({ day: tradingDay, until });
      return {
        sent: requests?.sent ?? 0,
        modified: requests?.modified ?? 0,
        cancelled: requests?.cancelled ?? 0,
        executedOrders: executions?.executed_orders ?? 0,
        fills: executions?.fills ?? 0,
      };
    });
  }

  modificationsOn(tradingDay: string, until: string): ModificationRecord[] {
    return this.all<ModificationRow>(`read the changes of orders of ${tradingDay}`, SQL.modificationsOn, tradingDay, until).map(
      toModificationRecord,
    );
  }

  fillsOn(tradingDay: string, until: string): ReportFill[] {
    return this.guard(`read the fills of ${tradingDay}`, () =>
      this.db.prepare<{ day: string; until: string }, ReportFillRow>(SQL.fillsOn).all({ day: tradingDay, until }),
    ).map((r) => {
      const fill: ReportFill = toFillRecord(r);
      if (r.reference_price !== null) fill.referencePrice = r.reference_price;
      if (r.order_currency !== null) fill.currency = r.order_currency;
      if (r.order_fx_rate !== null) fill.fxRate = r.order_fx_rate;
      if (r.order_price_magnifier !== null && r.order_price_magnifier !== 1) fill.priceMagnifier = r.order_price_magnifier;
      // A conversion's fill (migration 0018), as the execution was recorded or as its order says.
      if (r.order_sec_type === 'CASH') fill.secType = 'CASH';
      return fill;
    });
  }

  breachesOn(tradingDay: string, until: string): DayBreach[] {
    return this.all<BreachRow & { run_id: string; started_at: string }>(
      `read the breaches of ${tradingDay}`,
      SQL.breachesOn,
      tradingDay,
      until,
    ).map((r) => ({ ...toBreach(r), runId: r.run_id, at: r.started_at }));
  }

  forecastsAsOf(tradingDay: string, until?: string): RecordedForecast[] {
    return this.guard(`read the forecasts as of ${until ?? `the day before ${tradingDay}`}`, () =>
      this.db
        .prepare<{ day: string; until: string | null }, ForecastRow>(SQL.forecastsAsOf)
        .all({ day: tradingDay, until: until ?? null })
        .map(toRecordedForecast),
    );
  }

  runsOn(tradingDay: string, until: string): RunRecord[] {
    return this.all<RunRow>(`read the runs of ${tradingDay}`, SQL.runsOn, tradingDay, until).map(toRunRecord);
  }

  cashFlowsOn(fromDay: string, toDay: string, until: string): ReportCashFlow[] {
    return this.all<CashFlowRow & { reflected_day: string; reflected_at: string }>(
      `read the cash flows of ${fromDay}..${toDay}`,
      SQL.cashFlowsOn,
      fromDay,
      toDay,
      until,
    ).map((r) => ({ ...toCashFlow(r), tradingDay: r.reflected_day, reflectedAt: r.reflected_at }));
  }

  dailyRowsBefore(tradingDay: string, limit: number): DailyRow[] {
    return this.all<DailyTableRow>(`read daily rows before ${tradingDay}`, SQL.dailyBefore, tradingDay, limit).map((r) => ({
      tradingDay: r.trading_day,
      closingNlv: r.closing_nlv,
      ...(r.change === null ? {} : { change: r.change }),
      turnover: r.turnover,
      commissions: r.commissions,
      fills: r.fills,
      ...(r.realized === null ? {} : { realized: r.realized }),
    }));
  }

  recordDailyRow(row: DailyRow, recordedAt: string): void {
    this.guard(`record the daily row of ${row.tradingDay}`, () =>
      this.db.prepare(SQL.upsertDaily).run({
        trading_day: row.tradingDay,
        closing_nlv: row.closingNlv,
        change: row.change ?? null,
        turnover: row.turnover,
        commissions: row.commissions,
        fills: row.fills,
        realized: row.realized ?? null,
        recorded_at: recordedAt,
      }),
    );
  }

  alertHistory(since: string): AlertHistoryEntry[] {
    return this.all<AlertHistoryEntry>('read the alert history', SQL.alertHistory, since);
  }

  dailyEmailKindsOn(tradingDay: string): string[] {
    return this.all<{ kind: string }>('read the emails of the day', SQL.dailyEmailKindsOn, tradingDay).map((r) => r.kind);
  }

  hasRunOn(tradingDay: string): boolean {
    return this.all<{ ran: number }>('read the runs of the day', SQL.hasRunOn, tradingDay)[0]?.ran === 1;
  }

  runDaysOnOrBefore(until: string, limit: number): string[] {
    return this.all<{ trading_day: string }>('read the days with runs', SQL.runDaysOnOrBefore, until, limit).map((r) => r.trading_day);
  }

  /** Close the connection if this store opened it; a connection passed in stays the caller's. */
  close(): void {
    if (this.ownsDb && this.db.open) this.guard('close the database', () => this.db.close());
  }

  // Prepared per call: a report runs each query once, so preparing them up front would save nothing.
  private all<T>(action: string, sql: string, ...params: (string | number)[]): T[] {
    return this.guard(action, () => this.db.prepare<(string | number)[], T>(sql).all(...params));
  }

  private guard<T>(action: string, fn: () => T): T {
    return guardStorage(this.file, action, fn);
  }
}
