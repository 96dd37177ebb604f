import type { ConversionLine, PlanLine } from '../core/types.js';
import type { RunStore } from './store.js';

/**
 * The run's records outside the database: the order file of each run and the trades CSV. Writes are atomic or
 * append-only; a failure is a StorageError naming the file.
 */
export interface RecordFiles {
  /** Paths a person looks at, listed in messages. */
  readonly databasePath: string;
  readonly tradesCsvPath: string;
  /** Every line of the plan (NONE included) with its reason, its conversions first; returns the path written. */
  writeOrderFile(tradingDay: string, runId: string, lines: PlanLine[], conversions?: readonly ConversionLine[]): Promise<string>;
  /** Append the fills the store has not yet written to the trades CSV, once each; returns the rows appended. */
  syncTrades(store: RunStore): Promise<number>;
  /**
   * Throws a StorageError when the trades CSV cannot be appended to: found out before trading, not after. With
   * the store, a file just as its recorded mark says (untouched since the last run checked and appended to it)
   * is only opened for appending, not read again.
   */
  assertTradesWritable(store?: Pick<RunStore, 'tradesCsvMark'>): void;
}
