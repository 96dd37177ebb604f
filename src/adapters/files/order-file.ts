import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { ConversionLine, PlanLine } from '../../core/types.js';
import { writeFileAtomic } from '../../fs/atomic-write.js';

/** Columns of an order file, one row per plan line. */
export const ORDER_FILE_COLUMNS = [
  'symbol',
  'action',
  'quantity',
  'limit_price',
  'reference_price',
  'current_quantity',
  'target_quantity',
  'trade_value',
  'est_commission',
  'reason',
  // A ticker quoted in another currency than the account's: its currency, the rate its values were converted with,
  // when it was read; a line quoted in a fraction of its currency (pence: 100): the magnifier. Empty otherwise.
  'currency',
  'fx_rate',
  'fx_rate_at',
  'price_magnifier',
  // CASH for a currency conversion (FX_POLICY=convert): symbol is the pair (USD.SGD), quantity in its first currency,
  // prices in its second per one of the first, trade_value in the account's currency; empty for a stock.
  'sec_type',
] as const;

/** A name used as one path segment must not climb out of, or nest below, the orders directory. */
function checkSegment(kind: string, value: string): void {
  if (value === '' || value === '.' || value === '..' || /[/\\\0]/.test(value)) {
    throw new Error(`order file: ${kind} '${value}' cannot be used as a file name`);
  }
}

function toRow(line: PlanLine): Array<string | number> {
  return [
    line.symbol,
    line.action,
    line.quantity,
    line.limitPrice ?? '',
    line.referencePrice ?? '',
    line.currentQuantity,
    line.targetQuantity,
    line.tradeValue,
    line.estimatedCommission,
    line.reason,
    line.currency ?? '',
    line.fx?.rate ?? '',
    line.fx?.at ?? '',
    line.priceMagnifier ?? '',
    '',
  ];
}

function conversionRow(c: ConversionLine): Array<string | number> {
  return [
    c.symbol,
    c.action,
    c.quantity,
    c.limitPrice ?? '',
    c.referencePrice ?? '',
    '',
    '',
    c.value,
    '',
    c.reason,
    c.pair.currency,
    c.fx?.rate ?? '',
    c.fx?.at ?? '',
    '',
    'CASH',
  ];
}

/** Path of the order file of a run: `<dataDir>/orders/<tradingDay>/<runId>.csv`. */
export function orderFilePath(dataDir: string, tradingDay: string, runId: string): string {
  checkSegment('trading day', tradingDay);
  checkSegment('run id', runId);
  return join(dataDir, 'orders', tradingDay, `${runId}.csv`);
}

/**
 * Write the order file of a run: every line of the plan, NONE lines included, so the file explains the
 * whole decision (what was held, what was traded, and why), its conversions (FX_POLICY=convert) first, as they are
 * sent. Written atomically: a reader never sees half.
 *
 * @returns the path written.
 * @throws StorageError naming the path when it cannot be written.
 */
export async function writeOrderFile(
  dataDir: string,
  tradingDay: string,
  runId: string,
  lines: PlanLine[],
  conversions: readonly ConversionLine[] = [],
): Promise<string> {
  const path = orderFilePath(dataDir, tradingDay, runId);
  const text = stringify([[...ORDER_FILE_COLUMNS], ...conversions.map(conversionRow), ...lines.map(toRow)]);
  await writeFileAtomic(path, text);
  return path;
}
