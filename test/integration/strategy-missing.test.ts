/**
 * A strategy whose file disappears (issue 9, item 1): two strategies trade; `carry.json` is renamed to
 * `carry.json.bak` (a failed deploy, a full disk, a typo). Its book must not be sold as "no forecast wants it":
 * STRATEGY_MISSING names the strategy and its last file and halts the run, run after run, until a person retires
 * it (`rebalancer retire`) or writes its file with every weight 0; only then are its tickers sold.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { retireCommand } from '../../src/cli/commands/retire-command.js';
import type { CommandIo } from '../../src/cli/commands/command-io.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { writeForecast } from '../support/cli.js';
import { testPreviewPorts, testSettings } from '../support/run-harness.js';
import { HOURS, outbox, records, runAt, simBrokerOf, simState, simWorkspace, type SimWorkspace } from '../support/sim-workspace.js';

const [T0 = '', T1 = '', T2 = '', T3 = '', T4 = '', T5 = ''] = HOURS;

function writeBoth(ws: SimWorkspace, now: string, carry: Record<string, number> = { MSFT: 0.3, KO: 0.2 }): void {
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: now, leverage: 1, capital: 0.5, weights: { AAPL: 0.5, SPY: 0.3 } });
  writeForecast(ws.forecasts, 'carry.json', { strategy: 'carry', asOf: now, leverage: 1, capital: 0.5, weights: carry });
}

/** Two runs on both files: the first buys, the second collects the fills. */
async function tradedWorkspace(): Promise<SimWorkspace> {
  const ws = simWorkspace();
  for (const now of [T0, T1]) {
    writeBoth(ws, now);
    expect((await runAt(ws, now)).exitCode).toBe(ExitCode.ok);
  }
  expect(simState(ws).positions.MSFT?.quantity).toBeGreaterThan(0);
  expect(simState(ws).positions.KO?.quantity).toBeGreaterThan(0);
  return ws;
}

function loseCarry(ws: SimWorkspace, now: string): void {
  renameSync(join(ws.forecasts, 'carry.json'), join(ws.forecasts, 'carry.json.bak'));
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: now, leverage: 1, capital: 0.5, weights: { AAPL: 0.5, SPY: 0.3 } });
}

function commandIo(ws: SimWorkspace, now: string): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    cwd: ws.root,
    env: {
      DATA_DIR: ws.data,
      LOG_DIR: join(ws.root, 'logs'),
      FORECAST_DIR: ws.forecasts,
      SIM_SCENARIO: ws.scenarioFile,
      REBALANCER_NOW: now,
    },
    out: (...l) => lines.push(...l),
    err: (...l) => lines.push(...l),
    lines,
  };
}

const ordersOf = (ws: SimWorkspace, runId: string): string[] =>
  simState(ws)
    .orders.filter((o) => o.orderRef.includes(runId))
    .map((o) => `${o.action} ${o.symbol}`)
    .sort();

describe('a strategy whose file disappears', () => {
  it('halts every run with STRATEGY_MISSING, sells none of its book, alerts with how to retire or restore; retiring sells it', async () => {
    const ws = await tradedWorkspace();
    const held = { MSFT: simState(ws).positions.MSFT?.quantity, KO: simState(ws).positions.KO?.quantity };
    loseCarry(ws, T2);

    const lost = await runAt(ws, T2);
    expect(lost.exitCode).toBe(ExitCode.blocked);
    expect(lost.sent).toEqual([]);
    expect(ordersOf(ws, lost.runId)).toEqual([]);
    expect(lost.plan?.lines.filter((l) => l.action !== 'NONE')).toEqual([]);
    const missing = lost.breaches.filter((b) => b.code === 'STRATEGY_MISSING');
    expect(missing).toHaveLength(1);
    expect(missing[0]?.detail).toContain('strategy "carry"');
    expect(missing[0]?.detail).toContain(join(ws.forecasts, 'carry.json'));
    expect(missing[0]?.detail).toContain('KO, MSFT');
    expect({ MSFT: simState(ws).positions.MSFT?.quantity, KO: simState(ws).positions.KO?.quantity }).toEqual(held);

    const alert = outbox(ws).find((m) => m.includes('STRATEGY_MISSING'));
    expect(alert).toBeDefined();
    expect(alert).toContain('rebalancer retire carry --reason');
    expect(alert).toContain(`restore ${join(ws.forecasts, 'carry.json')}`);

    // `plan` shows the same breach (it gathers and decides as the run does).
    const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
    try {
      const preview = await previewPlan(
        testPreviewPorts(ws.root, simBrokerOf(ws, true)(ws.data, T2), new SqliteStore(db)),
        testSettings(),
        T2,
      );
      expect(preview.breaches.map((b) => b.code)).toContain('STRATEGY_MISSING');
    } finally {
      db.close();
    }

    // It persists run after run, until a person acts.
    writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: T3, leverage: 1, capital: 0.5, weights: { AAPL: 0.5, SPY: 0.3 } });
    const still = await runAt(ws, T3);
    expect(still.exitCode).toBe(ExitCode.blocked);
    expect(still.breaches.map((b) => b.code)).toContain('STRATEGY_MISSING');
    expect(ordersOf(ws, still.runId)).toEqual([]);

    const io = commandIo(ws, T3);
    expect(await retireCommand(io, { strategy: 'carry', reason: 'carry closed for good', now: T3 })).toBe(ExitCode.ok);
    expect(io.lines.join('\n')).toMatch(/retired: carry/);

    writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: T4, leverage: 1, capital: 0.5, weights: { AAPL: 0.5, SPY: 0.3 } });
    const after = await runAt(ws, T4);
    expect(after.breaches.map((b) => b.code)).not.toContain('STRATEGY_MISSING');
    expect(after.exitCode).toBe(ExitCode.ok);
    expect(ordersOf(ws, after.runId)).toEqual(expect.arrayContaining(['SELL KO', 'SELL MSFT']));
    expect(records(ws).breaches.filter((b) => b.code === 'STRATEGY_MISSING')).toHaveLength(2);
  });

  it('a file for the strategy whose every weight is 0 retires it: its tickers are sold, and a later loss of that file blocks nothing', async () => {
    const ws = await tradedWorkspace();
    writeBoth(ws, T2, { MSFT: 0, KO: 0 });
    const emptied = await runAt(ws, T2);
    expect(emptied.exitCode).toBe(ExitCode.ok);
    expect(ordersOf(ws, emptied.runId)).toEqual(['SELL KO', 'SELL MSFT']);
    loseCarry(ws, T3);
    const gone = await runAt(ws, T3);
    expect(gone.breaches.map((b) => b.code)).not.toContain('STRATEGY_MISSING');
    expect(gone.exitCode).toBe(ExitCode.ok);
  });

  it('a strategy whose file is back trades again at once', async () => {
    const ws = await tradedWorkspace();
    loseCarry(ws, T2);
    expect((await runAt(ws, T2)).exitCode).toBe(ExitCode.blocked);
    writeBoth(ws, T5);
    const back = await runAt(ws, T5);
    expect(back.breaches).toEqual([]);
    expect(back.exitCode).toBe(ExitCode.ok);
  });
});
