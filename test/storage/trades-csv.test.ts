import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendTrades, syncTradesCsv, TRADES_CSV_COLUMNS } from '../../src/adapters/files/trades-csv.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { StorageError } from '../../src/errors.js';
import { anExecution, makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  csv = join(dir, 'data', 'trades.csv');
});
afterEach(async () => cleanup());

const HEADER = 'exec_id,time,symbol,side,quantity,price,commission,order_ref,broker_order_id,perm_id';
const lines = async (): Promise<string[]> => (await readFile(csv, 'utf8')).split('\n');
const execIdsInFile = async (): Promise<string[]> =>
  (await lines())
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => l.split(',')[0] ?? '');

describe('appendTrades', () => {
  it('creates the file with the header, then appends rows across calls, header once', async () => {
    expect(TRADES_CSV_COLUMNS.join(',')).toBe(HEADER);
    expect(await appendTrades(csv, [anExecution({ execId: 'e1' })])).toEqual({ appended: ['e1'], alreadyPresent: [] });
    expect(await appendTrades(csv, [anExecution({ execId: 'e2', side: 'SELL', permId: undefined, commission: 0.35 })])).toEqual({
      appended: ['e2'],
      alreadyPresent: [],
    });
    expect(await lines()).toEqual([
      HEADER,
      'e1,2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,1,rb:run-1:AAPL,101,9001',
      'e2,2026-11-20T15:31:02.000Z,AAPL,SELL,10,190.01,0.35,rb:run-1:AAPL,101,',
      '',
    ]);
  });

  it('never writes an exec id twice: not across calls, not within one call', async () => {
    await appendTrades(csv, [anExecution({ execId: 'e1' })]);
    const again = await appendTrades(csv, [anExecution({ execId: 'e1' }), anExecution({ execId: 'e2' }), anExecution({ execId: 'e2' })]);
    expect(again).toEqual({ appended: ['e2'], alreadyPresent: ['e1'] });
    expect(await execIdsInFile()).toEqual(['e1', 'e2']);
  });

  it('reads quoted fields: an exec id with a comma and an order ref with a line break are each seen once', async () => {
    const odd = anExecution({ execId: 'e,1', orderRef: 'line\nbreak "quoted"' });
    await appendTrades(csv, [odd]);
    expect(await appendTrades(csv, [odd])).toEqual({ appended: [], alreadyPresent: ['e,1'] });
    expect(await readFile(csv, 'utf8')).toBe(
      `${HEADER}\n"e,1",2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,1,"line\nbreak ""quoted""",101,9001\n`,
    );
  });

  it('creates a header-only file when there is nothing to append, and leaves an existing file as is', async () => {
    expect(await appendTrades(csv, [])).toEqual({ appended: [], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n`);
    await appendTrades(csv, []);
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n`);
  });

  it('cuts off a row torn by a crash mid-write and writes it again whole', async () => {
    await appendTrades(csv, [anExecution({ execId: 'e1' })]);
    await appendFile(csv, 'e2,2026-11-20T15:3'); // what a crash during the next append could leave
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: ['e2'], alreadyPresent: [] });
    expect(await execIdsInFile()).toEqual(['e1', 'e2']);
    expect((await lines())[2]).toBe('e2,2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,1,rb:run-1:AAPL,101,9001');
  });

  it('refuses to append to a file that is not a trades CSV, naming it', async () => {
    await mkdir(dirname(csv), { recursive: true });
    await writeFile(csv, 'name,age\nbob,3\n');
    await expect(appendTrades(csv, [anExecution()])).rejects.toThrow(StorageError);
    await expect(appendTrades(csv, [anExecution()])).rejects.toThrow(`${csv}: not a trades CSV written by ib-rebalancer`);
    expect(await readFile(csv, 'utf8')).toBe('name,age\nbob,3\n');
  });
});

describe('syncTradesCsv', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = new SqliteStore(join(dir, 'data', 'rebalancer.sqlite'));
    store.startRun({ runId: 'run-1', startedAt: '2026-11-20T15:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  });
  afterEach(() => store.close());

  it('appends the fills not yet in the CSV and flags them', async () => {
    store.recordFills('run-1', [anExecution({ execId: 'e2', time: '2026-11-20T15:40:00.000Z' }), anExecution({ execId: 'e1' })]);
    expect(await syncTradesCsv(store, csv)).toBe(2);
    expect(await execIdsInFile()).toEqual(['e1', 'e2']);
    expect(store.fillsNotInCsv()).toEqual([]);
    expect(await syncTradesCsv(store, csv)).toBe(0);
    expect(await execIdsInFile()).toEqual(['e1', 'e2']);
  });

  it('a crash between the append and the flags leaves neither a duplicate nor a gap', async () => {
    store.recordFills('run-1', [anExecution({ execId: 'e1' })]);
    // The append happened, the crash came before markFillsInCsv: the flags are lost.
    await appendTrades(csv, store.fillsNotInCsv());
    expect(store.fillsNotInCsv().map((f) => f.execId)).toEqual(['e1']);
    store.recordFills('run-1', [anExecution({ execId: 'e2' })]);
    expect(await syncTradesCsv(store, csv)).toBe(1);
    expect(await execIdsInFile()).toEqual(['e1', 'e2']);
    expect(store.fillsNotInCsv()).toEqual([]);
  });

  it('leaves no temporary files behind', async () => {
    store.recordFills('run-1', [anExecution({ execId: 'e1' })]);
    await syncTradesCsv(store, csv);
    expect((await readdir(join(dir, 'data'))).sort()).toEqual([
      'rebalancer.sqlite',
      'rebalancer.sqlite-shm',
      'rebalancer.sqlite-wal',
      'trades.csv',
    ]);
  });
});
