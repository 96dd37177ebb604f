import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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

/** What the file holds, read tolerantly: a UTF-8 byte order mark, CRLF or LF line ends, blank lines. */
interface ParsedTrades {
  /** The line end the file uses (its first one), so that appended rows match it; LF for a new file. */
  eol: '\n' | '\r\n';
  /** Fields of the first record; undefined when no line of the file is complete. */
  header: string[] | undefined;
  /** Complete records after the header (blank lines and rows of empty fields skipped), with the line each starts on. */
  rows: Array<{ fields: string[]; line: number }>;
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
      else if (fields.some((f) => f.trim() !== '')) rows.push({ fields, line: recordLine });
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
  for (const { fields, line } of parsed.rows) {
    if (fields.length !== TRADES_CSV_COLUMNS.length) {
      return `line ${line} has ${fields.length} columns, a trades row has ${TRADES_CSV_COLUMNS.length} (${COLUMNS_TEXT}); complete or delete it`;
    }
    if (fields[0] === '') return `line ${line} has no exec_id; complete or delete it`;
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
      const parsed = readTrades(file, await handle.readFile());
      const writing = new Set(fills.map((e) => e.execId));
      const tail = keepOrCut(parsed, writing);
      if (tail.cut) await handle.truncate(parsed.completeBytes);
      if (tail.keptExecId !== undefined) parsed.rows.push({ fields: [tail.keptExecId], line: 0 });
      const present = new Set(parsed.rows.map((r) => r.fields[0]));

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
      if (rows.length === 0 && hasHeader && !tail.cut) return { appended, alreadyPresent };
      // The handle is in append mode: this lands after the last complete row, in one call.
      await handle.appendFile(text);
      await handle.sync();
      if (parsed.completeBytes === 0) await syncDirectory(dirname(file));
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
 * Check, before a run trades, that the trades CSV can be appended to (creating it, empty, if missing) and is a
 * trades CSV (the header and every row's columns; a UTF-8 byte order mark, CRLF line ends and a missing final
 * newline are fine), so that a run finds out now, not after its orders are out, that it could not record their
 * fills.
 *
 * @throws StorageError naming the file and what is wrong (a directory in its place, no permission, a read-only
 * file system, another header, a row with other columns, not UTF-8).
 */
export function assertTradesCsvWritable(file: string): void {
  guardStorage(file, 'open the trades CSV for appending', () => {
    mkdirSync(dirname(file), { recursive: true });
    const fd = openSync(file, 'a+');
    try {
      readTrades(file, readFileSync(fd));
    } finally {
      closeSync(fd);
    }
  });
}
