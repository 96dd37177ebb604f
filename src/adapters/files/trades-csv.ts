import { closeSync, mkdirSync, openSync } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Execution } from '../../core/types.js';
import { StorageError } from '../../errors.js';
import type { RunStore } from '../../ports/store.js';
import { guardStorage, guardStorageAsync } from '../../fs/storage-errors.js';
import { syncDirectory } from '../../fs/atomic-write.js';

/** Columns of `trades.csv`. exec_id comes first: it is the key that keeps a row from being written twice. */
export const TRADES_CSV_COLUMNS = [
  'exec_id',
  'time',
  'symbol',
  'side',
  'quantity',
  'price',
  'commission',
  'order_ref',
  'broker_order_id',
  'perm_id',
] as const;

interface ParsedTrades {
  /** exec_id of every complete row (header excluded). */
  execIds: Set<string>;
  /** First field of the first record, to recognise our header. */
  header: string | undefined;
  /** Length in bytes of the complete records; anything after it is a row torn by a crash mid-write. */
  completeBytes: number;
}

/**
 * Read the first field of each record, honouring CSV quoting (a quoted field may hold commas, quotes and
 * line breaks). A record counts only once its line break is written; a torn tail is reported, not read.
 */
function parseTrades(content: string): ParsedTrades {
  const execIds = new Set<string>();
  let header: string | undefined;
  let completeChars = 0;
  let field = '';
  let fieldIndex = 0;
  let first = '';
  let inQuotes = false;
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (inQuotes) {
      if (c === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      if (fieldIndex === 0) first = field;
      field = '';
      fieldIndex++;
    } else if (c === '\n') {
      if (fieldIndex === 0) first = field;
      first = first.replace(/\r$/, '');
      if (header === undefined) header = first;
      else if (first !== '') execIds.add(first);
      field = '';
      first = '';
      fieldIndex = 0;
      completeChars = i + 1;
    } else field += c;
  }
  return { execIds, header, completeBytes: Buffer.byteLength(content.slice(0, completeChars)) };
}

function toRow(e: Execution): Array<string | number> {
  return [e.execId, e.time, e.symbol, e.side, e.quantity, e.price, e.commission, e.orderRef, e.brokerOrderId, e.permId ?? ''];
}

/**
 * Append executions to the trades CSV, each exactly once. The exec_id column already in the file is read
 * first and those rows are skipped, so a lost "written to CSV" flag in the database cannot duplicate a row.
 * A new (or empty) file gets the header; new rows go out in one write followed by fsync. A row torn by a
 * crash during an earlier append is cut off and written again whole.
 *
 * @returns exec ids appended now, and those given that the file already held.
 * @throws StorageError naming the file when it cannot be read or written, or is not a trades file.
 */
export async function appendTrades(file: string, fills: Execution[]): Promise<{ appended: string[]; alreadyPresent: string[] }> {
  return guardStorageAsync(file, 'append to the trades CSV', async () => {
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const content = await handle.readFile({ encoding: 'utf8' });
      const parsed = parseTrades(content);
      if (parsed.header !== undefined && parsed.header !== TRADES_CSV_COLUMNS[0]) {
        throw new StorageError(
          `${file}: not a trades CSV written by ib-rebalancer (first column is '${parsed.header}', expected 'exec_id'); move it aside`,
          file,
        );
      }
      const torn = parsed.completeBytes < Buffer.byteLength(content);
      if (torn) await handle.truncate(parsed.completeBytes);

      const appended: string[] = [];
      const alreadyPresent: string[] = [];
      const rows: Execution[] = [];
      const seen = new Set<string>(); // the same execution twice in `fills` is written (and reported) once
      for (const e of fills) {
        if (seen.has(e.execId)) continue;
        seen.add(e.execId);
        if (parsed.execIds.has(e.execId)) {
          alreadyPresent.push(e.execId);
        } else {
          appended.push(e.execId);
          rows.push(e);
        }
      }
      const needsHeader = parsed.completeBytes === 0;
      const text = (needsHeader ? stringify([[...TRADES_CSV_COLUMNS]]) : '') + stringify(rows.map(toRow));
      if (text === '' && !torn) return { appended, alreadyPresent };
      // The handle is in append mode: this lands after the last complete row, in one call.
      await handle.appendFile(text);
      await handle.sync();
      if (needsHeader) await syncDirectory(dirname(file));
      return { appended, alreadyPresent };
    } finally {
      await handle.close();
    }
  });
}

/**
 * Bring the trades CSV up to date with the database: the fills not yet flagged are appended (or found
 * already there), then flagged. A crash between the two leaves fills unflagged but in the file; the next
 * sync finds them there and only flags them, so there is never a duplicate row nor a missing one.
 *
 * @returns the number of rows appended now.
 */
export async function syncTradesCsv(store: RunStore, file: string): Promise<number> {
  const fills = store.fillsNotInCsv();
  const { appended, alreadyPresent } = await appendTrades(file, fills);
  store.markFillsInCsv([...appended, ...alreadyPresent]);
  return appended.length;
}

/**
 * Check that the trades CSV can be appended to (creating it, empty, if missing), so that a run finds out
 * before it trades, not after its orders are out, that it could not record their fills.
 *
 * @throws StorageError naming the file (a directory in its place, no permission, a read-only file system).
 */
export function assertTradesCsvWritable(file: string): void {
  guardStorage(file, 'open the trades CSV for appending', () => {
    mkdirSync(dirname(file), { recursive: true });
    closeSync(openSync(file, 'a'));
  });
}
