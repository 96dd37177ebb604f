/**
 * Attacks on trades.csv after issue 9: a quote a person opened and never closed must not swallow every row written
 * after it (a spreadsheet would show none of them, and the exec-id check could not see them), and the pre-trade
 * check must name it before the run trades.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendTrades, assertTradesCsvWritable } from '../../src/adapters/files/trades-csv.js';
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

describe('trades.csv with a quote opened by hand and never closed', () => {
  const swallowing = `${HEADER}\n${row('e1')}\ne2,2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,"1 (see note,rb:run-1:AAPL,101,9001\n${row('e3')}\n`;

  it('is refused by the pre-trade check, naming the file and the line where the quote opens', async () => {
    await writeFile(csv, swallowing);
    expect(() => assertTradesCsvWritable(csv)).toThrow(/trades\.csv: line 3 .*quote.*never closed/);
  });

  it('is never appended to: the rows a run would write are not swallowed by the open quote', async () => {
    await writeFile(csv, swallowing);
    await expect(appendTrades(csv, [anExecution({ execId: 'e4' })])).rejects.toThrow(/line 3 .*quote.*never closed/);
    expect(await readFile(csv, 'utf8')).toBe(swallowing);
  });

  it('a quoted field holding a line break and closed is fine: its row counts once, later rows are seen', async () => {
    const text = `${HEADER}\ne1,2026-11-20T15:31:02.000Z,AAPL,BUY,10,190.01,"1\nnote",rb:run-1:AAPL,101,9001\n${row('e2')}\n`;
    await writeFile(csv, text);
    expect(() => assertTradesCsvWritable(csv)).not.toThrow();
    const r = await appendTrades(csv, [anExecution({ execId: 'e2' }), anExecution({ execId: 'e1' }), anExecution({ execId: 'e5' })]);
    expect(r).toEqual({ appended: ['e5'], alreadyPresent: ['e2', 'e1'] });
  });
});

describe('trades.csv with empty rows a spreadsheet leaves (a row of commas, a line of spaces)', () => {
  const text = `${HEADER}\r\n${row('e1')}\r\n,,,,,,,,,\r\n   \r\n${row('e2')}\r\n,,,,,,,,,\r\n`;

  it('passes the pre-trade check: a row with nothing in it is a blank line, not a trades row without an exec_id', async () => {
    await writeFile(csv, text);
    expect(() => assertTradesCsvWritable(csv)).not.toThrow();
  });

  it('keeps them as they are and appends each new fill once', async () => {
    await writeFile(csv, text);
    const r = await appendTrades(csv, [anExecution({ execId: 'e2' }), anExecution({ execId: 'e3' })]);
    expect(r).toEqual({ appended: ['e3'], alreadyPresent: ['e2'] });
    const after = await readFile(csv, 'utf8');
    expect(after.startsWith(text)).toBe(true);
    expect(after.slice(text.length).split('\r\n')[0]?.split(',')[0]).toBe('e3');
  });
});
