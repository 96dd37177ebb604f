/**
 * `rebalancer cashflow`, in process against real SQLite records made by real runs on the sim broker: a person
 * declares money that moved; a declaration of money a run already inferred replaces the inferred flow (the day's
 * DAILY_LOSS_LIMIT sum counts it once, NAV_JUMP is not fooled into a jump); bad input exits 2 naming the option.
 */
import { join } from 'node:path';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, ExitCode } from '../../src/errors.js';
import { cashflowCommand, type CashflowOptions } from '../../src/cli/commands/cashflow-command.js';
import type { CommandIo } from '../../src/cli/commands/command-io.js';
import { statusCommand } from '../../src/cli/commands/status-command.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { measureCashFlows } from '../../src/run/measure-cash-flows.js';
import type { CashFlowRecord } from '../../src/ports/store.js';
import { HOURS, records, runAt, simScenario, simWorkspace, writeWeights, type SimWorkspace } from '../support/sim-workspace.js';

const [T0 = '', T1 = '', T2 = '', T3 = ''] = HOURS;
const WEIGHTS = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 };
/** A quarter of an hour after the run of T2: the person types the command then. */
const AFTER_T2 = '2026-11-23T16:50:00.000Z';

function commandIo(ws: SimWorkspace): CommandIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return {
    cwd: ws.root,
    env: { DATA_DIR: ws.data, LOG_DIR: join(ws.root, 'logs'), FORECAST_DIR: ws.forecasts, SIM_SCENARIO: ws.scenarioFile },
    out: (...l) => out_.push(...l),
    err: (...l) => err_.push(...l),
    out_,
    err_,
  };
}

function cashflow(ws: SimWorkspace, o: Partial<CashflowOptions> & { now: string }): { code: ExitCode; out: string; err: string } {
  const io = commandIo(ws);
  const code = cashflowCommand(io, { json: false, ...o });
  return { code, out: io.out_.join('\n'), err: io.err_.join('\n') };
}

function flows(ws: SimWorkspace): CashFlowRecord[] {
  const store = new SqliteStore(join(ws.data, 'rebalancer.sqlite'));
  try {
    return store.cashFlowsSince('1970-01-01T00:00:00.000Z');
  } finally {
    store.close();
  }
}

/** 8,000 withdrawn between the runs of T1 and T2 (8% of NLV), no price move: the run of T2 infers it. */
async function withdrawalInferred(): Promise<SimWorkspace> {
  const ws = simWorkspace(simScenario({ events: [{ type: 'withdrawal', at: '2026-11-23T16:00:00Z', amount: 8000 }] }));
  for (const now of [T0, T1, T2]) {
    writeWeights(ws, now, WEIGHTS);
    const result = await runAt(ws, now);
    expect(result.exitCode, `run at ${now}`).toBe(0);
  }
  const inferred = flows(ws).filter((f) => f.source === 'inferred');
  expect(inferred.map((f) => f.amount)).toEqual([-8000]);
  return ws;
}

/** The day's sum of flows a run at `readAt` would take out of DAILY_LOSS_LIMIT (and out of NAV_JUMP). */
function measuredAt(ws: SimWorkspace, readAt: string): { sinceStartOfDay: number; sinceLastSnapshot: number } {
  const store = new SqliteStore(join(ws.data, 'rebalancer.sqlite'));
  try {
    const last = store.latestAccountRead();
    if (last === undefined) throw new Error('no account read');
    const m = measureCashFlows(store, {
      runId: 'probe',
      tradingDay: '2026-11-23',
      readAt,
      // The account as the last run read it: nothing moved since.
      summary: { netLiquidation: last.netLiquidation, totalCash: last.cash, currency: last.currency } as never,
      positions: Object.entries(last.positions).map(([symbol, quantity]) => ({ symbol, quantity }) as never),
      unknownOutcomes: 0,
    });
    return { sinceStartOfDay: m.sinceStartOfDay, sinceLastSnapshot: m.sinceLastSnapshot };
  } finally {
    store.close();
  }
}

describe('rebalancer cashflow', () => {
  it('a withdrawal declared after a run inferred it (at inside the interval) replaces it: counted once in the day, and the next run is not blocked', async () => {
    const ws = await withdrawalInferred();
    const inferred = flows(ws).find((f) => f.source === 'inferred');
    expect(inferred?.windowFrom).toBeDefined();

    const r = cashflow(ws, { amount: '-8000', kind: 'withdrawal', reason: 'moved to savings', at: '2026-11-23T16:00:00Z', now: AFTER_T2 });
    expect(r.err).toBe('');
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out).toMatch(
      /recorded: withdrawal -8,000\.00 USD at 2026-11-23T16:00:00\.000Z \(declared, declared:2026-11-23T16:00:00\.000Z:[0-9a-f]+\)/,
    );
    expect(r.out).toMatch(/reason: moved to savings; recorded by operator /);
    expect(r.out).toContain('the next run takes it out of NAV_JUMP and DAILY_LOSS_LIMIT');

    // Counted once: the declared flow, not both.
    expect(measuredAt(ws, T3)).toEqual({ sinceStartOfDay: -8000, sinceLastSnapshot: 0 });

    const listed = commandIo(ws);
    expect(cashflowCommand(listed, { json: true, now: AFTER_T2 })).toBe(ExitCode.ok);
    const json = JSON.parse(listed.out_.join('\n')) as { flows: (CashFlowRecord & { counted: boolean })[] };
    expect(json.flows.map((f) => [f.source, f.amount, f.counted])).toEqual([
      ['declared', -8000, true],
      ['inferred', -8000, false],
    ]);

    // status shows today's flows, and which one counts.
    const status = commandIo(ws);
    expect(statusCommand(status, { json: false, now: AFTER_T2 })).toBe(ExitCode.ok);
    const text = status.out_.join('\n');
    expect(text).toMatch(/cash flows today .*taken out of NAV_JUMP, DAILY_LOSS_LIMIT and the P&L/);
    expect(text).toMatch(/2026-11-23T16:00:00\.000Z -8,000\.00 USD withdrawal \(declared, operator .*\): moved to savings\n/);
    expect(text).toMatch(/-8,000\.00 USD other \(inferred, run .*\[replaced by a declaration: not counted\]/);
    const statusJson = commandIo(ws);
    expect(statusCommand(statusJson, { json: true, now: AFTER_T2 })).toBe(ExitCode.ok);
    const parsed = JSON.parse(statusJson.out_.join('\n')) as { cashFlowsToday: { source: string; counted: boolean }[] };
    expect(parsed.cashFlowsToday.map((f) => [f.source, f.counted])).toEqual([
      ['declared', true],
      ['inferred', false],
    ]);

    writeWeights(ws, T3, WEIGHTS);
    const next = await runAt(ws, T3);
    expect(next.exitCode).toBe(0);
    expect(records(ws).breaches.map((b) => b.code)).toEqual([]);
  });

  it('without --at, a declaration of the money a run already measured is recorded inside that interval (not counted twice)', async () => {
    const ws = await withdrawalInferred();
    const r = cashflow(ws, { amount: '-8000', kind: 'withdrawal', reason: 'moved to savings', now: AFTER_T2 });
    expect(r.code).toBe(ExitCode.ok);
    expect(r.out).toMatch(/measured -8,000\.00 USD between .* so this declaration replaces that inferred flow/);
    expect(measuredAt(ws, T3)).toEqual({ sinceStartOfDay: -8000, sinceLastSnapshot: 0 });
    // Typed twice by mistake: refused, it would count twice.
    const twice = cashflow(ws, { amount: '-8000', kind: 'withdrawal', reason: 'moved to savings', now: AFTER_T2 });
    expect(twice.code).toBe(ExitCode.usage);
    expect(twice.err).toMatch(/was declared already .* declaring it again counts it twice.*--again/);
    expect(flows(ws).filter((f) => f.source === 'declared')).toHaveLength(1);

    writeWeights(ws, T3, WEIGHTS);
    expect((await runAt(ws, T3)).exitCode).toBe(0);
    expect(records(ws).breaches).toEqual([]);
  });

  it('a deposit declared before the run that sees it: the run takes it out of NAV_JUMP (no alarm) and records no second flow', async () => {
    const ws = simWorkspace(simScenario({ events: [{ type: 'deposit', at: '2026-11-23T16:00:00Z', amount: 15000 }] }));
    for (const now of [T0, T1]) {
      writeWeights(ws, now, WEIGHTS);
      expect((await runAt(ws, now)).exitCode).toBe(0);
    }
    const r = cashflow(ws, { amount: '15000', kind: 'deposit', reason: 'bonus', at: '2026-11-23T16:00:00Z', now: '2026-11-23T16:05:00Z' });
    expect(r.code).toBe(ExitCode.ok);
    writeWeights(ws, T2, WEIGHTS);
    expect((await runAt(ws, T2)).exitCode).toBe(0);
    expect(records(ws).breaches).toEqual([]);
    expect(measuredAt(ws, T3).sinceStartOfDay).toBe(15000);
  });

  it('lists nothing before any flow, and exits 2 naming the option on bad input', async () => {
    const ws = simWorkspace();
    writeWeights(ws, T0, WEIGHTS);
    expect((await runAt(ws, T0)).exitCode).toBe(0);
    const empty = cashflow(ws, { now: T0 });
    expect(empty.code).toBe(ExitCode.ok);
    expect(empty.out).toMatch(/no cash flows recorded since/);

    const bad: [Partial<CashflowOptions>, RegExp][] = [
      [{ kind: 'withdrawal', reason: 'x' }, /--amount is required/],
      [{ amount: 'abc', kind: 'withdrawal', reason: 'x' }, /--amount: expected a number with at most 2 decimals/],
      [{ amount: '-8000.123', kind: 'withdrawal', reason: 'x' }, /--amount: expected a number with at most 2 decimals/],
      [{ amount: '0', kind: 'deposit', reason: 'x' }, /--amount: must be a non-zero amount/],
      [{ amount: 'Infinity', kind: 'deposit', reason: 'x' }, /--amount: expected a number/],
      [{ amount: '-8000', kind: 'gift', reason: 'x' }, /--kind: expected one of deposit, withdrawal, dividend, interest, fee, other/],
      [{ amount: '-8000', reason: 'x' }, /--kind is required/],
      [{ amount: '-8000', kind: 'deposit', reason: 'x' }, /--amount: a deposit comes in, so it is positive/],
      [{ amount: '8000', kind: 'withdrawal', reason: 'x' }, /--amount: a withdrawal goes out, so it is negative/],
      [{ amount: '25', kind: 'fee', reason: 'x' }, /--amount: a fee goes out/],
      [{ amount: '-8000', kind: 'withdrawal' }, /--reason is required/],
      [{ amount: '-8000', kind: 'withdrawal', reason: '  ' }, /--reason is required/],
      [{ amount: '-8000', kind: 'withdrawal', reason: 'x', at: 'yesterday' }, /--at: not an ISO 8601 time with a zone/],
      [{ amount: '-8000', kind: 'withdrawal', reason: 'x', at: '2026-11-23T12:00:00' }, /--at: not an ISO 8601 time with a zone/],
      [{ amount: '-8000', kind: 'withdrawal', reason: 'x', at: '2026-11-23T14:37:00Z' }, /--at: .* is in the future/],
      [{ amount: '-8000', kind: 'withdrawal', reason: 'x', currency: 'dollars' }, /--currency: expected a 3-letter currency code/],
      [{ amount: '-8000', kind: 'withdrawal', reason: 'x', currency: 'EUR' }, /--currency EUR: the account is measured in USD/],
      // A zero too many: more than the account holds.
      [
        { amount: '-1000000', kind: 'withdrawal', reason: 'x' },
        /--amount -1,000,000\.00 is more than the account's NLV \(119,000\.00 USD at .*check the amount/,
      ],
    ];
    for (const [o, message] of bad) {
      const r = cashflow(ws, { ...o, now: T0 });
      expect(r.code, JSON.stringify(o)).toBe(ExitCode.usage);
      expect(r.err, JSON.stringify(o)).toMatch(message);
    }
    // Within a minute of the clock is not "the future" (two clocks a little apart).
    expect(cashflow(ws, { amount: '-10', kind: 'fee', reason: 'x', at: '2026-11-23T14:35:30Z', now: T0 }).code).toBe(ExitCode.ok);
    expect(flows(ws).map((f) => [f.source, f.amount, f.kind])).toEqual([['declared', -10, 'fee']]);
    // Without --at and no run's inference of it: recorded now, with the warning about money a run already saw.
    const now = cashflow(ws, { amount: '250', kind: 'dividend', reason: 'SPY dividend', now: '2026-11-23T15:00:00.000Z' });
    expect(now.code).toBe(ExitCode.ok);
    expect(now.out).toMatch(/recorded: dividend \+250\.00 USD at 2026-11-23T15:00:00\.000Z/);
    expect(now.out).toMatch(/note: recorded at .* after the last run read the account .* declare it with --at the time it moved/);
  });

  it('a home with no records: exits 2 and creates nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'rebalancer-cashflow-'));
    const io: CommandIo = {
      cwd: root,
      env: { REBALANCER_HOME: root, DATA_DIR: join(root, 'data') },
      out: () => undefined,
      err: () => undefined,
    };
    // A ConfigError: the command exits 2 (main.ts), naming where it looked.
    for (const o of [{ json: false }, { amount: '-8000', kind: 'withdrawal', reason: 'x', json: false }]) {
      expect(() => cashflowCommand(io, { ...o, now: T0 })).toThrow(ConfigError);
      expect(() => cashflowCommand(io, { ...o, now: T0 })).toThrow(/is not a rebalancer home: .*nothing was created/);
    }
    expect(readdirSync(root)).toEqual([]);
  });
});
