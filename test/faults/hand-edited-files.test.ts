/**
 * Fault matrix, files a person edits by hand: trades.csv replaced by a file that is not a trades CSV (another
 * export saved over it, its header changed). The rule under test: the run finds out before it trades, sends no
 * order it could not record, says which file and what is wrong, exits 1, and loses no row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeForecast } from '../support/cli.js';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  plus,
  runJob,
  tradesCsvExecIds,
  transcript,
  trendForecast,
  useFaultKit,
  workspace,
} from './support/kit.js';

useFaultKit();

describe('fault matrix: files edited by hand', () => {
  it('trades.csv is not a trades CSV (its header changed by hand): exit 1 before reaching the broker, the alert names the file and the header; fixed, the next run trades and every fill is in trades.csv once', async () => {
    // Fault: a person saved a file with other columns over trades.csv.
    // Expected: the pre-trade check reads the file: exit 1, no connection to IB, no order, an alert naming the
    // file and what is wrong. Not lost: the file's rows (untouched), the fills in SQLite, and once the header is
    // back, every execution in trades.csv exactly once.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    expect((await runJob(ws, OPEN, gw.env)).code).toBe(0);
    gw.now = plus(OPEN, 60);
    expect((await runJob(ws, plus(OPEN, 60), gw.env)).code).toBe(0);
    const csv = join(ws.data, 'trades.csv');
    const good = readFileSync(csv, 'utf8');
    const renamed = good.replace(/^exec_id,time,symbol/, 'Exec ID,Time,Symbol');
    writeFileSync(csv, renamed);
    const connections = gw.connections();
    const placed = gw.placed().length;

    writeForecast(ws.forecasts, 'trend.json', trendForecast(plus(OPEN, 110), { AAPL: 0.3, MSFT: 0.3, KO: 0.2 }));
    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), gw.env);
    expect(r.code, transcript(r)).toBe(1);
    expect(r.stderr).toMatch(
      /run failed, no orders sent: storage error: .*trades\.csv: not a trades CSV .*header must be exactly exec_id,time,symbol/,
    );
    expect(gw.connections(), 'no connection to the broker').toBe(connections);
    expect(gw.placed()).toHaveLength(placed);
    expectAlert(ws, /FAILED: storage error: .*trades\.csv/);
    expect(readFileSync(csv, 'utf8'), 'the file is left as the person saved it').toBe(renamed);

    writeFileSync(csv, good);
    const next = await runJob(ws, plus(OPEN, 121), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(gw.placed().length, 'the new weights are traded once the file is fixed').toBeGreaterThan(placed);
    gw.now = plus(OPEN, 180);
    expect((await runJob(ws, plus(OPEN, 180), gw.env, ['--dry-run'])).code).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expectNoFillLost(ws, gw.account());
    expect(tradesCsvExecIds(ws).length).toBe(new Set(tradesCsvExecIds(ws)).size);
  });
});
