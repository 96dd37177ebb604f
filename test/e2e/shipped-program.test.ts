/**
 * The program that ships is a bundle (rolldown.config.ts: dist/cli/rebalancer.js and its chunks): what its modules
 * find from their own file must still be found there, and its stack traces must name the sources.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { fourStocks } from '../support/scenarios.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NOW = '2026-11-23T15:35:00Z';

function simHome() {
  const ws = makeWorkspace('rebalancer-shipped-');
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(fourStocks('DU0000001')));
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: NOW, leverage: 1, weights: { AAPL: 0.19, MSFT: 0.2 } });
  return { ws, env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario } };
}

describe('the shipped program (the bundle)', () => {
  it("is package.json's bin, the file the tests run", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(resolve(ROOT, manifest.bin.rebalancer ?? '')).toBe(CLI);
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('install finds the directory it is installed in and the program to run, from inside the bundle', async () => {
    const { ws } = simHome();
    const bin = join(ws.root, 'bin');
    // No --home: the home is the installation (this repository, found from the bundle's own files).
    const r = await runCli(['install', '--bin-dir', bin], { cwd: ws.root, env: { HOME: ws.root } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`home ${ROOT}`);
    const wrapper = readFileSync(join(bin, 'rebalancer'), 'utf8');
    expect(wrapper).toContain(`REBALANCER_HOME='${ROOT}'`);
    expect(wrapper).toContain(`exec '${process.execPath}' '${CLI}' "$@"`);
  });

  it("a run's stack trace in the log names the TypeScript sources, not the bundle's lines", async () => {
    const { ws, env } = simHome();
    expect((await runCli(['run', '--now', NOW], { cwd: ws.root, env })).code).toBe(0);
    // A trades.csv a person saved with other columns: the run fails, and logs the error with its stack.
    const csv = join(ws.data, 'trades.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace(/^exec_id,time,symbol/, 'Exec ID,Time,Symbol'));
    const failed = await runCli(['run', '--now', '2026-11-23T16:35:00Z'], { cwd: ws.root, env });
    expect(failed.code, failed.stderr).toBe(1);
    const stacks = readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('"stack"'))
      .map((l) => (JSON.parse(l) as { err: { stack: string } }).err.stack);
    expect(stacks.length).toBeGreaterThan(0);
    const frames = stacks
      .join('\n')
      .split('\n')
      .filter((l) => /^\s+at /.test(l));
    expect(frames.some((f) => f.includes(`${join(ROOT, 'src', 'adapters', 'files', 'trades-csv.ts')}:`))).toBe(true);
    expect(frames.filter((f) => f.includes(join(ROOT, 'dist')))).toEqual([]);
  });
});
