/**
 * trades.csv is a file a person opens and saves by hand: a spreadsheet adds a UTF-8 byte order mark and CRLF line
 * ends, an editor drops the final newline. Such a file must be read as what it is (no duplicate row, no row lost),
 * and a file that is not a trades CSV at all must be refused by the check a run makes before it trades.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendTrades, assertTradesCsvWritable } from '../../src/adapters/files/trades-csv.js';
import { StorageError } from '../../src/errors.js';
import { anExecution, makeTempDir } from './fixtures.js';

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  csv = join(dir, 'data', 'trades.csv');
  await mkdir(dirname(csv), { recursive: true });
});
afterEach(async () => cleanup());

const HEADER = 'exec_id,time,symbol,side,quantity,price,commission,order_ref,broker_order_id,perm_id';
const row = (execId: string): string => `${execId},2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,1,rb:run-1:AAPL,101,9001`;
const BOM = '\uFEFF';

/** The exec ids of the file as a spreadsheet would show them: BOM dropped, CRLF or LF, blank lines skipped. */
async function execIds(): Promise<string[]> {
  const text = (await readFile(csv, 'utf8')).replace(/^\uFEFF/, '');
  const [header, ...rows] = text.split(/\r?\n/);
  expect(header).toBe(HEADER);
  return rows.filter((l) => l !== '').map((l) => l.split(',')[0] ?? '');
}

describe('trades.csv saved by a spreadsheet (UTF-8 BOM, CRLF line ends)', () => {
  beforeEach(async () => writeFile(csv, `${BOM}${HEADER}\r\n${row('e1')}\r\n${row('e2')}\r\n`));

  it('passes the pre-trade check', () => {
    expect(() => assertTradesCsvWritable(csv)).not.toThrow();
  });

  it('recognises the exec ids already there and appends only new ones, in the file’s own line ends', async () => {
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' }), anExecution({ execId: 'e3' })])).toEqual({
      appended: ['e3'],
      alreadyPresent: ['e2'],
    });
    expect(await readFile(csv, 'utf8')).toBe(`${BOM}${HEADER}\r\n${row('e1')}\r\n${row('e2')}\r\n${row('e3')}\r\n`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e3' })])).toEqual({ appended: [], alreadyPresent: ['e3'] });
  });
});

describe('trades.csv without its final newline', () => {
  it('keeps the last row, starts a new line for the next, and never writes that row again', async () => {
    await writeFile(csv, `${HEADER}\n${row('e1')}\n${row('e2')}`);
    expect(() => assertTradesCsvWritable(csv)).not.toThrow();
    expect(await appendTrades(csv, [anExecution({ execId: 'e3' })])).toEqual({ appended: ['e3'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n${row('e1')}\n${row('e2')}\n${row('e3')}\n`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: [], alreadyPresent: ['e2'] });
    expect(await execIds()).toEqual(['e1', 'e2', 'e3']);
  });

  it('also with a BOM and CRLF', async () => {
    await writeFile(csv, `${BOM}${HEADER}\r\n${row('e1')}`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: ['e2'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${BOM}${HEADER}\r\n${row('e1')}\r\n${row('e2')}\r\n`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e1' })])).toEqual({ appended: [], alreadyPresent: ['e1'] });
  });

  it('a CRLF file whose last LF alone was removed gets only the LF back', async () => {
    await writeFile(csv, `${HEADER}\r\n${row('e1')}\r`);
    expect(() => assertTradesCsvWritable(csv)).not.toThrow();
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: ['e2'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\r\n${row('e1')}\r\n${row('e2')}\r\n`);
  });

  it('a torn fragment that is no row being written is kept (never deleted) and named by the next check', async () => {
    await writeFile(csv, `${HEADER}\n${row('e1')}\ne9,2026-11`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: ['e2'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n${row('e1')}\ne9,2026-11\n${row('e2')}\n`);
    expect(() => assertTradesCsvWritable(csv)).toThrow(/line 3 has 2 columns/);
  });

  it('a header alone without its newline is a header, not a row', async () => {
    await writeFile(csv, HEADER);
    expect(await appendTrades(csv, [anExecution({ execId: 'e1' })])).toEqual({ appended: ['e1'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n${row('e1')}\n`);
  });

  it('a row of ours torn by a crash (its fill not yet flagged) is still cut and written again whole', async () => {
    await writeFile(csv, `${HEADER}\n${row('e1')}\n${row('e2').slice(0, -2)}`);
    expect(await appendTrades(csv, [anExecution({ execId: 'e2' })])).toEqual({ appended: ['e2'], alreadyPresent: [] });
    expect(await readFile(csv, 'utf8')).toBe(`${HEADER}\n${row('e1')}\n${row('e2')}\n`);
  });
});

describe('a file in the place of trades.csv that is not a trades CSV', () => {
  const cases: Array<[string, string | Buffer, RegExp]> = [
    ['another CSV', 'name,age\nbob,3\n', /first column is 'name', expected 'exec_id'|header/],
    ['a header missing a column', `${HEADER.replace(',perm_id', '')}\n`, /header/],
    ['columns in another order', `${HEADER.replace('symbol,side', 'side,symbol')}\n`, /header/],
    ['a row with too few columns', `${HEADER}\n${row('e1')}\ne2,2026-11-20T15:31:02.000Z,AAPL\n`, /line 3.*3 columns.*10/],
    ['UTF-16 text', Buffer.from('\uFEFF' + HEADER + '\r\n', 'utf16le'), /UTF-16/],
    ['not UTF-8', Buffer.from([0x65, 0x78, 0xe9, 0x0a]), /not UTF-8/],
  ];
  it.each(cases)(
    '%s: the pre-trade check throws a StorageError naming the file and what is wrong; the file is kept',
    async (_, content, why) => {
      await writeFile(csv, content);
      const before = await readFile(csv);
      expect(() => assertTradesCsvWritable(csv)).toThrow(StorageError);
      expect(() => assertTradesCsvWritable(csv)).toThrow(csv);
      expect(() => assertTradesCsvWritable(csv)).toThrow(why);
      await expect(appendTrades(csv, [anExecution()])).rejects.toThrow(why);
      expect(await readFile(csv)).toEqual(before);
    },
  );
});
