import { join } from 'node:path';
import type { ConversionLine, PlanLine } from '../../core/types.js';
import type { RecordFiles } from '../../ports/record-files.js';
import type { RunStore } from '../../ports/store.js';
import { writeOrderFile } from './order-file.js';
import { assertTradesCsvWritable, syncTradesCsv } from './trades-csv.js';

/** The run's record files under DATA_DIR: `orders/<day>/<run>.csv` and `trades.csv`, beside the database. */
export class DataDirRecords implements RecordFiles {
  readonly databasePath: string;
  readonly tradesCsvPath: string;

  constructor(private readonly dataDir: string) {
    this.databasePath = join(dataDir, 'rebalancer.sqlite');
    this.tradesCsvPath = join(dataDir, 'trades.csv');
  }

  writeOrderFile(tradingDay: string, runId: string, lines: PlanLine[], conversions: readonly ConversionLine[] = []): Promise<string> {
    return writeOrderFile(this.dataDir, tradingDay, runId, lines, conversions);
  }

  syncTrades(store: RunStore): Promise<number> {
    return syncTradesCsv(store, this.tradesCsvPath);
  }

  assertTradesWritable(store?: Pick<RunStore, 'tradesCsvMark'>): void {
    assertTradesCsvWritable(this.tradesCsvPath, store?.tradesCsvMark());
  }
}
