/** The statements and rows of snapshot_cash (migration 0015), apart from the shared statement list. */
import type { CashBalanceRecord } from '../../ports/store.js';
import type { SqliteDatabase } from './open-database.js';

export interface SnapshotCashRow {
  run_id: string;
  currency: string;
  cash: number;
  exchange_rate: number | null;
  rate_read_at: string;
  broker_time: string | null;
  seq: number;
}

/** One snapshot's cash, the base currency first. */
export const CASH_OF_RUN = 'SELECT * FROM snapshot_cash WHERE run_id = ? ORDER BY seq';

export function prepareSnapshotCashStatements(db: SqliteDatabase) {
  return {
    insertCash: db.prepare<SnapshotCashRow>(
      `INSERT INTO snapshot_cash (run_id, currency, cash, exchange_rate, rate_read_at, broker_time, seq)
       VALUES (@run_id, @currency, @cash, @exchange_rate, @rate_read_at, @broker_time, @seq)`,
    ),
    cashOf: db.prepare<[string], SnapshotCashRow>(CASH_OF_RUN),
  };
}

export type SnapshotCashStatements = ReturnType<typeof prepareSnapshotCashStatements>;

/** The rows of one snapshot's cash, in the order given (the base currency first). */
export function snapshotCashParams(runId: string, balances: readonly CashBalanceRecord[]): SnapshotCashRow[] {
  return balances.map((b, seq) => ({
    run_id: runId,
    currency: b.currency,
    cash: b.cash,
    exchange_rate: b.exchangeRate ?? null,
    rate_read_at: b.rateReadAt,
    broker_time: b.brokerTime ?? null,
    seq,
  }));
}

export function toCashBalance(r: SnapshotCashRow): CashBalanceRecord {
  return {
    currency: r.currency,
    cash: r.cash,
    ...(r.exchange_rate === null ? {} : { exchangeRate: r.exchange_rate }),
    rateReadAt: r.rate_read_at,
    ...(r.broker_time === null ? {} : { brokerTime: r.broker_time }),
  };
}
