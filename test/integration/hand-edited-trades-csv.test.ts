/**
 * trades.csv opened and saved by a person between hourly runs: by a spreadsheet (UTF-8 byte order mark, CRLF
 * line ends) and without its final newline. The runs after it trade, record every fill in the file exactly once
 * and exit 0; the rows already there are kept as they are.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOURS, records, runAt, simWorkspace, writeWeights } from '../support/sim-workspace.js';

const at = (i: number): string => HOURS[i] ?? '';

function csvExecIds(file: string): string[] {
  const [header, ...rows] = readFileSync(file, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  expect(header).toMatch(/^exec_id,time,symbol,/);
  return rows.filter((r) => r !== '').map((r) => r.split(',')[0] ?? '');
}

describe('trades.csv edited by hand between runs', () => {
  it.each([
    ['saved by a spreadsheet (BOM, CRLF)', (text: string) => `\uFEFF${text.replace(/\n/g, '\r\n')}`],
    ['its final newline removed', (text: string) => text.replace(/\n$/, '')],
    ['both', (text: string) => `\uFEFF${text.replace(/\n/g, '\r\n').replace(/\r\n$/, '')}`],
  ])('%s: the next runs trade, exit 0, and every fill is in the file once', async (_, edit) => {
    const ws = simWorkspace();
    const csv = join(ws.data, 'trades.csv');
    writeWeights(ws, at(0), { AAPL: 0.3, MSFT: 0.3 });
    expect((await runAt(ws, at(0))).exitCode).toBe(0);
    writeWeights(ws, at(1), { AAPL: 0.3, MSFT: 0.3 });
    expect((await runAt(ws, at(1))).exitCode).toBe(0);
    const before = csvExecIds(csv);
    expect(before.length).toBeGreaterThan(0);

    const edited = edit(readFileSync(csv, 'utf8'));
    writeFileSync(csv, edited);
    writeWeights(ws, at(2), { AAPL: 0.2, MSFT: 0.2, KO: 0.3 });
    const third = await runAt(ws, at(2));
    expect(third.exitCode, third.status).toBe(0);
    expect(third.sent.length).toBeGreaterThan(0);
    writeWeights(ws, at(3), { AAPL: 0.2, MSFT: 0.2, KO: 0.3 });
    expect((await runAt(ws, at(3))).exitCode).toBe(0);

    const text = readFileSync(csv, 'utf8');
    expect(text.startsWith(edited), 'the rows already there are kept as they were').toBe(true);
    const ids = csvExecIds(csv);
    expect(new Set(ids).size, 'no row twice').toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(records(ws).fills.map((f) => f.exec_id)));
    expect(ids.length).toBeGreaterThan(before.length);
  });
});
