/**
 * Two installations (two data directories, two databases) trading one simulated account. The second finds the
 * first's orders and fills, which carry this system's orderRef prefix but run ids its records never made: it must
 * not take them as its own (cancel them, count their fills), but halt (FOREIGN_ORDERS, exit 3), say what it found
 * and what to check, and stay halted (the kill switch) until a person has looked. The first is not disturbed.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hourlyRun } from '../support/run-harness.js';
import {
  HOURS,
  outbox,
  records,
  runAt,
  runKilledAfterIntent,
  simBrokerOf,
  simOrdersWithRef,
  simState,
  simWorkspace,
  writeWeights,
  type SimWorkspace,
} from '../support/sim-workspace.js';
import type { RunResult } from '../../src/run/rebalance-run.js';

const [T0 = '', T1 = '', T2 = ''] = HOURS;
const WEIGHTS = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 };

/** A run of installation `ws` on the account whose simulated broker state lives in `account`'s data directory. */
function runOnAccount(ws: SimWorkspace, account: SimWorkspace, now: string, lines: string[]): Promise<RunResult> {
  return hourlyRun(ws.root, now, {
    broker: (_dataDir, at) => simBrokerOf(account)(account.data, at),
    out: (...l) => lines.push(...l),
  });
}

describe('two installations on one account', () => {
  it("the second sees the first's working order and fills: FOREIGN_ORDERS, exit 3, nothing cancelled, sent or recorded, an alert, halted until resumed", async () => {
    const first = simWorkspace();
    const second = simWorkspace();
    // The first installation trades (its orders fill at once), and has an order working (a limit below the market).
    writeWeights(first, T0, WEIGHTS);
    expect((await runAt(first, T0)).exitCode).toBe(0);
    const working = await runKilledAfterIntent(
      first,
      T0,
      {
        symbol: 'MSFT',
        action: 'BUY',
        quantity: 10,
        limitPrice: 300,
        adaptivePriority: 'Normal',
        primaryExchange: 'NASDAQ',
        currency: 'USD',
      },
      true,
    );
    expect(simOrdersWithRef(first, working.orderRef).map((o) => o.status)).toEqual(['Submitted']);
    const firstFills = simState(first).executions.length;
    expect(firstFills).toBeGreaterThan(0);
    const ordersBefore = simState(first).orders.length;

    // The second installation, same account, its own data directory.
    writeWeights(second, T1, WEIGHTS);
    const lines: string[] = [];
    const result = await runOnAccount(second, first, T1, lines);
    expect({ status: result.status, exitCode: result.exitCode }, lines.join('\n')).toEqual({ status: 'blocked', exitCode: 3 });

    // Named: the working order (orderRef, ticker, side, quantity) and each fill.
    const foreign = result.breaches.filter((b) => b.code === 'FOREIGN_ORDERS');
    expect(foreign.find((b) => b.detail.includes(working.orderRef))?.detail).toMatch(/^open order .*\(BUY 10 MSFT @ 300, Submitted/);
    expect(foreign.filter((b) => b.detail.startsWith('execution '))).toHaveLength(firstFills);
    // Not cancelled, nothing sent, no fill of the first counted as the second's.
    expect(simOrdersWithRef(first, working.orderRef).map((o) => o.status)).toEqual(['Submitted']);
    expect(simState(first).orders).toHaveLength(ordersBefore);
    const r = records(second);
    expect(r.fills).toEqual([]);
    expect(r.orders).toEqual([]);
    expect(r.breaches.filter((b) => b.code === 'FOREIGN_ORDERS')).toHaveLength(foreign.length);
    // A person is told what to check and how to clear it; the kill switch holds the halt.
    const alert = outbox(second).find((m) => /BLOCKED: FOREIGN_ORDERS/.test(m));
    expect(alert).toBeDefined();
    expect(alert).toContain(working.orderRef);
    expect(alert).toMatch(/another installation/);
    expect(alert).toMatch(/rebalancer resume/);
    expect(existsSync(join(second.data, 'HALT'))).toBe(true);

    // The first installation is not disturbed: its next run cancels its own order, as ever, and trades.
    writeWeights(first, T2, WEIGHTS);
    const firstNext = await runAt(first, T2);
    expect(firstNext.breaches.map((b) => b.code)).not.toContain('FOREIGN_ORDERS');
    expect(simOrdersWithRef(first, working.orderRef).map((o) => o.status)).toEqual(['Cancelled']);

    // The second stays halted (the kill switch) until a person resumes, whatever it finds now.
    writeWeights(second, T2, WEIGHTS);
    const later = await runOnAccount(second, first, T2, []);
    expect(later.exitCode).toBe(3);
    expect(later.breaches.map((b) => b.code)).toContain('KILL_SWITCH');
    expect(later.sent).toEqual([]);
  });

  it('records that lost their latest runs (a database restored from a copy, a lost WAL): the order of a forgotten run halts the run and is not cancelled', async () => {
    const ws = simWorkspace();
    writeWeights(ws, T0, WEIGHTS);
    expect((await runAt(ws, T0)).exitCode).toBe(0);
    // A copy of the database as it stood (checkpointed: the runs so far are in the main file).
    const backup = join(ws.root, 'backup');
    copyDatabase(ws.data, backup);
    const forgotten = await runKilledAfterIntent(
      ws,
      T0,
      { symbol: 'SPY', action: 'BUY', quantity: 4, limitPrice: 400, adaptivePriority: 'Normal', primaryExchange: 'ARCA', currency: 'USD' },
      true,
    );
    // The database goes back to the copy: the run that placed the order is gone from the records.
    copyDatabase(backup, ws.data);
    expect(records(ws).runs.map((r) => r.id)).not.toContain(forgotten.runId);

    writeWeights(ws, T1, WEIGHTS);
    const lines: string[] = [];
    const result = await runAt(ws, T1, {}, (...l) => lines.push(...l));
    expect(result.exitCode, lines.join('\n')).toBe(3);
    expect(result.breaches.filter((b) => b.code === 'FOREIGN_ORDERS').map((b) => b.symbol)).toEqual(['SPY']);
    expect(simOrdersWithRef(ws, forgotten.orderRef).map((o) => o.status)).toEqual(['Submitted']);
    expect(result.sent).toEqual([]);
  });
});

/** Copy the SQLite database (with its -wal and -shm files, when there are) from one directory to another. */
function copyDatabase(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(to, { withFileTypes: true }).filter((e) => e.name.startsWith('rebalancer.sqlite'))) rmSync(join(to, f.name));
  for (const f of readdirSync(from).filter((name) => name.startsWith('rebalancer.sqlite'))) copyFileSync(join(from, f), join(to, f));
}
