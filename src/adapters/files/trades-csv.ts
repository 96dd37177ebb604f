import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Execution } from '../../core/types.js';
import { StorageError } from '../../errors.js';
import type { RunStore, TradesCsvMark } from '../../ports/store.js';
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

/** What the file holds, read tolerantly: a UTF-8 byte order mark, CRLF or LF line ends, blank lines. */
interface ParsedTrades {
  /** The line end the file uses (its first one), so that appended rows match it; LF for a new file. */
  eol: '\n' | '\r\n';
  /** Fields of the first record; undefined when no line of the file is complete. */
  header: string[] | undefined;
  /**
   * Complete records after the header (blank lines and rows of empty fields skipped): the exec id, the number of
   * columns and the line each starts on (only these: a year of rows is held in little memory).
   */
  rows: Array<{ execId: string; columns: number; line: number }>;
  /** Length in bytes of the file up to the last line break (BOM included). */
  completeBytes: number;
  /** What follows the last line break, when anything does: a row without its final newline, or a torn one. */
  tail: { fields: string[]; closed: boolean; line: number; endsWithCr: boolean } | undefined;
}

const BOM = '\uFEFF';

/**
 * Read every record, honouring CSV quoting (a quoted field may hold commas, quotes and line breaks). A record
 * ends at a line break outside quotes, LF or CRLF; a byte order mark at the start is skipped.
 */
function parseTrades(content: string): ParsedTrades {
  const rows: ParsedTrades['rows'] = [];
  let header: string[] | undefined;
  let eol: ParsedTrades['eol'] | undefined;
  const start = content.startsWith(BOM) ? 1 : 0;
  let completeChars = start;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  for (let i = start; i < content.length; i++) {
    const c = content[i];
    if (c === '\n') line++;
    if (inQuotes) {
      if (c === '"' && content[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') inQuotes = false;
      else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' && content[i + 1] === '\n') {
      eol ??= '\r\n';
    } else if (c === '\n') {
      eol ??= '\n';
      fields.push(field);
      if (header === undefined) header = fields;
      // A row with nothing in it (a spreadsheet's row of commas, a line of spaces) is a blank line.
      else if (fields.some((f) => f.trim() !== '')) rows.push({ execId: fields[0] ?? '', columns: fields.length, line: recordLine });
      fields = [];
      field = '';
      completeChars = i + 1;
      recordLine = line;
    } else field += c;
  }
  const rest = content.slice(completeChars);
  // A CR last of all is half a CRLF (an editor or a crash between the two bytes), not data.
  const endsWithCr = !inQuotes && field.endsWith('\r');
  const last = endsWithCr ? field.slice(0, -1) : field;
  const tail = rest === '' ? undefined : { fields: [...fields, last], closed: !inQuotes, line: recordLine, endsWithCr };
  return { eol: eol ?? '\n', header, rows, completeBytes: Buffer.byteLength(content.slice(0, completeChars)), tail };
}

const COLUMNS_TEXT = TRADES_CSV_COLUMNS.join(',');

/** Why the file is not a trades CSV this program may append to, or undefined when it is one. */
function problemOf(parsed: ParsedTrades): string | undefined {
  const header = parsed.header ?? parsed.tail?.fields;
  if (header !== undefined && header.join(',') !== COLUMNS_TEXT) {
    // A header torn by a crash while the file was created is cut off and written again whole.
    if (parsed.header === undefined && COLUMNS_TEXT.startsWith(header.join(','))) return undefined;
    const first = header[0] === TRADES_CSV_COLUMNS[0] ? '' : ` (first column is '${header[0] ?? ''}', expected 'exec_id')`;
    return `not a trades CSV written by ib-rebalancer${first}: its header must be exactly ${COLUMNS_TEXT}, found ${JSON.stringify(header.join(','))}`;
  }
  for (const { execId, columns, line } of parsed.rows) {
    if (columns !== TRADES_CSV_COLUMNS.length) {
      return `line ${line} has ${columns} columns, a trades row has ${TRADES_CSV_COLUMNS.length} (${COLUMNS_TEXT}); complete or delete it`;
    }
    if (execId === '') return `line ${line} has no exec_id; complete or delete it`;
  }
  // A quote opened by hand and never closed would swallow every row appended after it (no reader would see them,
  // nor the exec-id check). This program quotes none of its fields, so a row it tore cannot end like this.
  if (parsed.header !== undefined && parsed.tail !== undefined && !parsed.tail.closed) {
    return `line ${parsed.tail.line} opens a quoted field (") that is never closed: every row after it would be read as part of that field; close or remove the quote`;
  }
  return undefined;
}

/** The file's text; the byte order mark is kept (as U+FEFF) so that lengths in bytes stay right. */
function decode(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new Error('the file is UTF-16 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet)');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('the file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet)');
  }
}

/** Parse and check `bytes` of `file`; a file that is not a trades CSV is a StorageError naming it and the problem. */
function readTrades(file: string, bytes: Uint8Array): ParsedTrades {
  let content: string;
  try {
    content = decode(bytes);
  } catch (error) {
    throw new StorageError(`${file}: not a trades CSV: ${error instanceof Error ? error.message : String(error)}`, file);
  }
  const parsed = parseTrades(content);
  const problem = problemOf(parsed);
  if (problem !== undefined) throw new StorageError(`${file}: ${problem}; fix it or move it aside`, file);
  return parsed;
}

interface TailDecision {
  /** Cut the tail off: a row (or header) torn by a crash during an earlier append, written again whole now. */
  cut: boolean;
  /** What must come before anything appended: the line break the kept tail lacks (or the half of it). */
  newLine: string;
  /** The tail kept is a complete row: its exec id is in the file. */
  keptExecId?: string;
  /** The tail kept is the header. */
  keptHeader?: boolean;
}

/**
 * What to do with text after the last line break. Only what this program provably wrote and is about to write
 * again is cut: a torn header, or a torn row whose exec id is among `writing` (its fill is not yet flagged as in
 * the CSV). A complete row whose newline a person removed is kept, and so is anything else: text a person wrote
 * is never deleted (a malformed line is then named by the next check).
 */
function keepOrCut(parsed: ParsedTrades, writing: ReadonlySet<string>): TailDecision {
  const { tail } = parsed;
  if (tail === undefined) return { cut: false, newLine: '' };
  const cut = { cut: true, newLine: '' };
  const newLine = tail.endsWithCr ? '\n' : parsed.eol;
  if (parsed.header === undefined) {
    if (tail.closed && tail.fields.join(',') === COLUMNS_TEXT) return { cut: false, newLine, keptHeader: true };
    return cut; // a header torn by a crash (checked by problemOf), or nothing but a line end
  }
  if (tail.closed && tail.fields.every((f) => f.trim() === '')) return cut; // blank: nothing to keep
  const execId = tail.fields[0] ?? '';
  const complete = tail.closed && tail.fields.length === TRADES_CSV_COLUMNS.length && execId !== '';
  const ours = tail.fields.length > 1 ? writing.has(execId) : [...writing].some((id) => execId !== '' && id.startsWith(execId));
  if (ours) return cut;
  if (complete) return { cut: false, newLine, keptExecId: execId };
  return { cut: false, newLine };
}

function toRow(e: Execution): Array<string | number> {
  return [e.execId, e.time, e.symbol, e.side, e.quantity, e.price, e.commission ?? '', e.orderRef, e.brokerOrderId, e.permId ?? ''];
}

/** The file as a mark records it: size, modification time rounded to the millisecond, inode and device. */
function markOf(st: BigIntStats, eol: TradesCsvMark['eol']): TradesCsvMark {
  return {
    size: Number(st.size),
    mtimeMs: Number((st.mtimeNs + 500_000n) / 1_000_000n),
    ino: st.ino.toString(),
    dev: st.dev.toString(),
    eol,
  };
}

/** The file is the one the mark describes, untouched since (same inode, device, size and modification time). */
function isMarked(st: BigIntStats | undefined, mark: TradesCsvMark | undefined): mark is TradesCsvMark {
  if (st === undefined || mark === undefined) return false;
  const now = markOf(st, mark.eol);
  return now.size === mark.size && now.mtimeMs === mark.mtimeMs && now.ino === mark.ino && now.dev === mark.dev;
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
  const { appended, alreadyPresent } = await appendTradesReadingAll(file, fills);
  return { appended, alreadyPresent };
}

/**
 * {@link appendTrades}, also returning the file's mark after the append when the file then ends with a line break
 * (the next rows can be appended without reading it); undefined when it does not (a last row a person left
 * without its newline, and nothing appended after it).
 */
async function appendTradesReadingAll(
  file: string,
  fills: Execution[],
): Promise<{ appended: string[]; alreadyPresent: string[]; mark: TradesCsvMark | undefined }> {
  return guardStorageAsync(file, 'append to the trades CSV', async () => {
    await mkdir(dirname(file), { recursive: true });
    const handle = await open(file, 'a+');
    try {
      const parsed = readTrades(file, await handle.readFile());
      const writing = new Set(fills.map((e) => e.execId));
      const tail = keepOrCut(parsed, writing);
      if (tail.cut) await handle.truncate(parsed.completeBytes);
      if (tail.keptExecId !== undefined) parsed.rows.push({ execId: tail.keptExecId, columns: TRADES_CSV_COLUMNS.length, line: 0 });
      const present = new Set(parsed.rows.map((r) => r.execId));

      const appended: string[] = [];
      const alreadyPresent: string[] = [];
      const rows: Execution[] = [];
      const seen = new Set<string>(); // the same execution twice in `fills` is written (and reported) once
      for (const e of fills) {
        if (seen.has(e.execId)) continue;
        seen.add(e.execId);
        if (present.has(e.execId)) {
          alreadyPresent.push(e.execId);
        } else {
          appended.push(e.execId);
          rows.push(e);
        }
      }
      const hasHeader = parsed.header !== undefined || (tail.keptHeader ?? false);
      const recordDelimiter = parsed.eol === '\r\n' ? 'windows' : 'unix';
      const text =
        tail.newLine +
        (hasHeader ? '' : stringify([[...TRADES_CSV_COLUMNS]], { record_delimiter: recordDelimiter })) +
        stringify(rows.map(toRow), { record_delimiter: recordDelimiter });
      const eol = parsed.eol === '\r\n' ? 'crlf' : 'lf';
      if (rows.length === 0 && hasHeader && !tail.cut) {
        const mark = parsed.tail === undefined ? markOf(await handle.stat({ bigint: true }), eol) : undefined;
        return { appended, alreadyPresent, mark };
      }
      // The handle is in append mode: this lands after the last complete row, in one call.
      await handle.appendFile(text);
      await handle.sync();
      if (parsed.completeBytes === 0) await syncDirectory(dirname(file));
      return { appended, alreadyPresent, mark: markOf(await handle.stat({ bigint: true }), eol) };
    } finally {
      await handle.close();
    }
  });
}

/** The executions to write, each once (the first of two with the same exec id). */
function distinct(fills: readonly Execution[]): Execution[] {
  const seen = new Set<string>();
  return fills.filter((e) => !seen.has(e.execId) && seen.add(e.execId) !== undefined);
}

/**
 * Append rows to the file the mark describes, without reading it: it ends with a line break (a mark is only
 * recorded so) and holds none of `fills` (they are not flagged, and the file has not changed since the flags).
 */
async function appendUnread(file: string, fills: Execution[], mark: TradesCsvMark): Promise<TradesCsvMark> {
  return guardStorageAsync(file, 'append to the trades CSV', async () => {
    // Write-only, append mode: the file's earlier bytes are neither read nor written.
    const handle = await open(file, 'a');
    try {
      await handle.appendFile(stringify(fills.map(toRow), { record_delimiter: mark.eol === 'crlf' ? 'windows' : 'unix' }));
      await handle.sync();
      return markOf(await handle.stat({ bigint: true }), mark.eol);
    } finally {
      await handle.close();
    }
  });
}

/** Rows written to the new file per write call. */
const REWRITE_BATCH = 2000;

/**
 * Write the whole file again from the database (it is missing, or empty): the header and every row, to a file
 * beside it renamed into place once complete and on disk, so that a crash leaves no half of it (and a failure no
 * file beside it). Synchronous: the rows come from an open database cursor, which nothing else may use meanwhile.
 */
function rewriteWhole(file: string, rows: Iterable<Execution>): TradesCsvMark {
  return guardStorage(file, 'write the trades CSV again from the database', () => {
    mkdirSync(dirname(file), { recursive: true });
    const temporary = `${file}.rewrite`;
    try {
      const fd = openSync(temporary, 'w');
      try {
        writeSync(fd, stringify([[...TRADES_CSV_COLUMNS]]));
        let batch: Execution[] = [];
        for (const row of rows) {
          batch.push(row);
          if (batch.length < REWRITE_BATCH) continue;
          writeSync(fd, stringify(batch.map(toRow)));
          batch = [];
        }
        if (batch.length > 0) writeSync(fd, stringify(batch.map(toRow)));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, file);
    } catch (error) {
      try {
        rmSync(temporary, { force: true });
      } catch {
        // Not ours to remove (a directory someone put there): the error below names the problem.
      }
      throw error;
    }
    return markOf(statSync(file, { bigint: true }), 'lf');
  });
}

/**
 * Bring the trades CSV up to date with the database: the fills not yet flagged are appended (or found
 * already there), then flagged, and what the file now is (its mark) recorded with the flags.
 *
 * - The file as marked (the usual case): the new rows are appended without reading the file, so a run's cost does
 *   not grow with it.
 * - No file, or an empty one (deleted, moved away): written whole again from the database, every fill and every
 *   replaced version it held, once; the next runs append to it.
 * - Any other file (no mark yet, a crash between the append and the flags, a file edited, replaced or restored by
 *   a person): read whole as before; rows already there are only flagged, so there is never a duplicate row nor a
 *   missing one, and a row torn by a crash is cut and written again.
 *
 * @returns the number of rows appended now.
 */
export async function syncTradesCsv(store: RunStore, file: string): Promise<number> {
  // The file first, then the fills: nothing awaits between reading the fills and writing them.
  const found = guardStorage(file, 'look at the trades CSV', () => statOrUndefined(file));
  const fills = distinct(store.fillsNotInCsv());
  if (found === undefined || found.size === 0n) {
    const mark = rewriteWhole(file, store.tradesCsvRows());
    await syncDirectory(dirname(file));
    store.markFillsInCsv(
      fills.map((f) => f.execId),
      mark,
    );
    return fills.length;
  }
  const marked = store.tradesCsvMark();
  if (isMarked(found, marked)) {
    if (fills.length === 0) return 0;
    const mark = await appendUnread(file, fills, marked);
    store.markFillsInCsv(
      fills.map((f) => f.execId),
      mark,
    );
    return fills.length;
  }
  const { appended, alreadyPresent, mark } = await appendTradesReadingAll(file, fills);
  store.markFillsInCsv([...appended, ...alreadyPresent], mark);
  return appended.length;
}

function statOrUndefined(file: string): BigIntStats | undefined {
  return statSync(file, { bigint: true, throwIfNoEntry: false });
}

/**
 * Check, before a run trades, that the trades CSV can be appended to (creating it, empty, if missing) and is a
 * trades CSV (the header and every row's columns; a UTF-8 byte order mark, CRLF line ends and a missing final
 * newline are fine), so that a run finds out now, not after its orders are out, that it could not record their
 * fills.
 *
 * @throws StorageError naming the file and what is wrong (a directory in its place, no permission, a read-only
 * file system, another header, a row with other columns, not UTF-8).
 */
export function assertTradesCsvWritable(file: string, mark?: TradesCsvMark): void {
  guardStorage(file, 'open the trades CSV for appending', () => {
    mkdirSync(dirname(file), { recursive: true });
    if (mark !== undefined && isMarked(statOrUndefined(file), mark)) {
      // The file as the last run left it, checked then: only whether it can still be appended to, not read.
      closeSync(openSync(file, 'a'));
      return;
    }
    const fd = openSync(file, 'a+');
    try {
      readTrades(file, readFileSync(fd));
    } finally {
      closeSync(fd);
    }
  });
}
