/**
 * trades.csv appended without being read again (issue 14): the database records what the file was after the last
 * append (its mark, migration 0014); a run that finds the file so appends its new rows without reading it, so its
 * cost does not grow with the file. Real files and a real SQLite database throughout.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, open, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertTradesCsvWritable, syncTradesCsv } from '../../src/adapters/files/trades-csv.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Execution } from '../../src/core/types.js';
import type { RunStore, TradesCsvMark } from '../../src/ports/store.js';
import { anExecution, makeTempDir } from './fixtures.js';

const HEADER = 'exec_id,time,symbol,side,quantity,price,commission,order_ref,broker_order_id,perm_id';

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let store: SqliteStore;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  csv = join(dir, 'data', 'trades.csv');
  store = new SqliteStore(join(dir, 'data', 'rebalancer.sqlite'));
  store.startRun({ runId: 'run-1', startedAt: '2026-11-20T15:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
});
afterEach(async () => {
  store.close();
  await cleanup();
});

let n = 0;
/** A fill of its own exec id, a minute after the previous one. */
function fill(over: Partial<Execution> = {}): Execution {
  n += 1;
  const minute = String(n % 60).padStart(2, '0');
  return anExecution({ execId: `0000e0d5.${String(n).padStart(8, '0')}.01.01`, time: `2026-11-20T16:${minute}:00.000Z`, ...over });
}

const row = (e: Execution): string =>
  [e.execId, e.time, e.symbol, e.side, e.quantity, e.price, e.commission ?? '', e.orderRef, e.brokerOrderId, e.permId ?? ''].join(',');

const execIdsInFile = async (): Promise<string[]> =>
  (await readFile(csv, 'utf8'))
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(',')[0] ?? '');

/** Overwrite bytes of the file in place and put its modification time back: the file still matches its mark. */
async function scribbleUnnoticed(at: number, text: string): Promise<void> {
  const before = await stat(csv);
  const handle = await open(csv, 'r+');
  await handle.write(text, at);
  await handle.close();
  await utimes(csv, before.atime, new Date(Math.round(before.mtimeMs)));
}

/** A store whose flags are lost after the CSV was written: the state a run killed between the two leaves. */
function killedAfterWrite(real: RunStore): RunStore {
  return new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'markFillsInCsv') {
        return () => {
          throw new Error('killed after writing trades.csv, before recording it');
        };
      }
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('trades.csv appended without reading it', () => {
  it('appends after the earlier bytes without reading them: a scribble the mark cannot see is neither read nor changed', async () => {
    const first = [fill(), fill(), fill()];
    store.recordFills('run-1', first);
    expect(await syncTradesCsv(store, csv)).toBe(3);
    const written = await readFile(csv);
    expect(store.tradesCsvMark()).toMatchObject({ size: written.length, eol: 'lf' });

    // An unclosed quote in the second row: a run that read the file would refuse it (it swallows every later row).
    const at = written.indexOf('\n') + 1 + HEADER.length;
    await scribbleUnnoticed(at, '"');
    const scribbled = await readFile(csv);

    const second = [fill(), fill()];
    store.recordFills('run-1', second);
    assertTradesCsvWritable(csv, store.tradesCsvMark()); // the pre-trade check does not read it either
    expect(await syncTradesCsv(store, csv)).toBe(2);
    const after = await readFile(csv);
    expect(after.subarray(0, scribbled.length).equals(scribbled)).toBe(true);
    expect(after.subarray(scribbled.length).toString('utf8')).toBe(second.map(row).join('\n') + '\n');
    expect(store.tradesCsvMark()?.size).toBe(after.length);
    expect(store.fillsNotInCsv()).toEqual([]);
  });

  it('a run with nothing new leaves the file untouched, and the next one still appends unread', async () => {
    store.recordFills('run-1', [fill()]);
    await syncTradesCsv(store, csv);
    const mark = store.tradesCsvMark();
    const before = await stat(csv, { bigint: true });
    expect(await syncTradesCsv(store, csv)).toBe(0);
    expect((await stat(csv, { bigint: true })).mtimeNs).toBe(before.mtimeNs);
    expect(store.tradesCsvMark()).toEqual(mark);
    store.recordFills('run-1', [fill()]);
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await execIdsInFile()).toHaveLength(2);
  });

  it('a run killed between writing the CSV and recording it: the next run finds the rows there, no duplicate, no gap', async () => {
    const a = [fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    const b = [fill(), fill()];
    store.recordFills('run-1', b);
    await expect(syncTradesCsv(killedAfterWrite(store), csv)).rejects.toThrow(/killed/);
    // The rows are in the file; the database does not know it (no flags, the old mark).
    expect(await execIdsInFile()).toEqual([...a, ...b].map((e) => e.execId));
    expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(b.map((e) => e.execId));

    const c = [fill()];
    store.recordFills('run-1', c);
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await execIdsInFile()).toEqual([...a, ...b, ...c].map((e) => e.execId));
    expect(store.fillsNotInCsv()).toEqual([]);
    // Marked again: the run after appends unread.
    expect(store.tradesCsvMark()?.size).toBe((await stat(csv)).size);
  });

  it('a row torn by a kill mid-append (a truncated last line) is cut and written again whole, once', async () => {
    const a = [fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    const b = fill();
    store.recordFills('run-1', [b]);
    // The kill came in the middle of the row: half of it on disk, no newline, nothing recorded.
    await appendFile(csv, row(b).slice(0, 17));
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await readFile(csv, 'utf8')).toBe([HEADER, ...[...a, b].map(row), ''].join('\n'));
    expect(store.fillsNotInCsv()).toEqual([]);
  });

  it('a deleted file is written whole again from the database, once; the runs after append to it', async () => {
    const a = [fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    const b = fill();
    store.recordFills('run-1', [b]);
    await syncTradesCsv(store, csv);
    await rm(csv);

    const c = fill();
    store.recordFills('run-1', [c]);
    assertTradesCsvWritable(csv, store.tradesCsvMark()); // the pre-trade check creates it empty
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await readFile(csv, 'utf8')).toBe([HEADER, ...[...a, b, c].map(row), ''].join('\n'));
    expect(store.tradesCsvMark()?.size).toBe((await stat(csv)).size);

    const d = fill();
    store.recordFills('run-1', [d]);
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await execIdsInFile()).toEqual([...a, b, c, d].map((e) => e.execId));
  });

  it('a rewrite that cannot be written fails naming the file, leaves no half file, and the database stays usable', async () => {
    const a = [fill(), fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    await rm(csv);
    await mkdir(`${csv}.rewrite/blocked`, { recursive: true });
    await expect(syncTradesCsv(store, csv)).rejects.toThrow(/trades\.csv/);
    expect(existsSync(csv)).toBe(false);
    // A cursor abandoned midway is closed: the connection answers the next query.
    for (const row of store.tradesCsvRows()) {
      expect(row.execId).toBe(a[0]?.execId);
      break;
    }
    expect(store.fillsNotInCsv()).toEqual([]);
    await rm(`${csv}.rewrite`, { recursive: true });
    await syncTradesCsv(store, csv);
    expect(await execIdsInFile()).toEqual(a.map((e) => e.execId));
  });

  it('a file emptied or moved away by its owner is written whole again too (the records keep every fill)', async () => {
    const a = [fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    await truncate(csv, 0);
    expect(await syncTradesCsv(store, csv)).toBe(0);
    expect(await readFile(csv, 'utf8')).toBe([HEADER, ...a.map(row), ''].join('\n'));
  });

  it('a correction stays a row of its own after the original, appended and when the file is written again', async () => {
    const original = fill({ execId: '0000e0d5.6577a1b8.01.01', price: 100 });
    store.recordFills('run-1', [original]);
    await syncTradesCsv(store, csv);
    const correction = { ...original, execId: '0000e0d5.6577a1b8.01.02', price: 101 };
    store.recordFills('run-1', [correction]);
    await syncTradesCsv(store, csv);
    const expected = [HEADER, row(original), row(correction), ''].join('\n');
    expect(await readFile(csv, 'utf8')).toBe(expected);

    await rm(csv);
    await syncTradesCsv(store, csv);
    expect(await readFile(csv, 'utf8')).toBe(expected);
  });

  it('a correction that replaced a fill never written leaves only the correction, also when written again', async () => {
    const original = fill({ execId: '0000e0d5.6577a1b9.01.01', price: 100 });
    const correction = { ...original, execId: '0000e0d5.6577a1b9.01.02', price: 101 };
    store.recordFills('run-1', [original]);
    store.recordFills('run-1', [correction]);
    await syncTradesCsv(store, csv);
    await rm(csv);
    await syncTradesCsv(store, csv);
    expect(await execIdsInFile()).toEqual([correction.execId]);
  });

  it('a file a person edited (its size changed) is read whole again: rows already there are not written twice', async () => {
    const a = [fill(), fill()];
    store.recordFills('run-1', a);
    await syncTradesCsv(store, csv);
    const b = fill();
    store.recordFills('run-1', [b]);
    // A person appended the same row by hand (and a blank line) before the run wrote it.
    await appendFile(csv, row(b) + '\n\n');
    expect(await syncTradesCsv(store, csv)).toBe(0);
    expect(await execIdsInFile()).toEqual([...a, b].map((e) => e.execId));
    expect(store.fillsNotInCsv()).toEqual([]);
  });

  it('a file replaced by one that is not a trades CSV is refused, not appended to, although the database marked the old one', async () => {
    store.recordFills('run-1', [fill()]);
    await syncTradesCsv(store, csv);
    const mark: TradesCsvMark | undefined = store.tradesCsvMark();
    await rm(csv);
    await writeFile(csv, 'date,amount\n2026-01-01,5\n');
    expect(() => assertTradesCsvWritable(csv, mark)).toThrow(/not a trades CSV written by ib-rebalancer/);
    store.recordFills('run-1', [fill()]);
    await expect(syncTradesCsv(store, csv)).rejects.toThrow(/not a trades CSV/);
    expect(await readFile(csv, 'utf8')).toBe('date,amount\n2026-01-01,5\n');
  });

  it('keeps the line ends of a file a spreadsheet saved (CRLF) when appending unread', async () => {
    await writeFile(csv, `\uFEFF${HEADER}\r\n`);
    store.recordFills('run-1', [fill()]);
    await syncTradesCsv(store, csv); // read whole once: no mark yet
    expect(store.tradesCsvMark()?.eol).toBe('crlf');
    const b = fill();
    store.recordFills('run-1', [b]);
    await syncTradesCsv(store, csv);
    const text = await readFile(csv, 'utf8');
    expect(text.endsWith(`${row(b)}\r\n`)).toBe(true);
    expect(text.split('\r\n')).toHaveLength(4);
  });
});
