/**
 * Fault matrix, IB's own behaviour (issue 10, items 3, 6, 7 and 8), against the simulated IB Gateway over TCP with
 * the built `rebalancer run` as cron starts it: cancels scoped to the API client, executions IB corrects,
 * commission reports that come late or never, and the machine's clock ahead of IB's. Each row checks what a
 * person sees, then, after a run with the fault removed, the three invariants.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  databaseFile,
  expectAlert,
  expectNoFillLost,
  expectNoFillLostWithCorrections,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  plus,
  records,
  runJob,
  transcript,
  useFaultKit,
  workspace,
  type Workspace,
} from './support/kit.js';

useFaultKit();

/** What the forecast asks for at the open: a resend would overshoot these. */
const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };

/** Every invariant, once the fault is gone and a run has collected what there was to collect. */
function expectInvariants(ws: Workspace, gw: FaultGateway): void {
  expectNoOrderSentTwice(gw.placed());
  expectPositionsAtMost(gw.account(), TARGETS);
  expectNoFillLost(ws, gw.account());
  expectRecordsAgreeWithBroker(ws, gw.account());
}

function logOf(ws: Workspace): string {
  return readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8');
}

describe("fault matrix: IB's own behaviour", () => {
  it('a change of IB_CLIENT_ID with orders of the old id working: their cancels are refused, CANCEL_UNCONFIRMED, nothing sent, exit 3; a run with the old id keeps them for its plan and buys only what is missing', async () => {
    // Fault: the run at the open, as client 17, leaves its orders working (they fill 500 USD per 5-minute
    // step); IB_CLIENT_ID is then changed to 18. IB scopes cancels to the client that placed an order: client 18
    // cannot cancel them (IB would answer 10147), so the adapter does not even ask.
    // Expected: CANCEL_UNCONFIRMED, HALTED, exit 3, no order sent, no cancel reaches IB, the orders keep working,
    // the alert says to run once with IB_CLIENT_ID=17. Next run, as 17 again: may modify them (ORDER_UPDATES=modify),
    // so they wait for its plan, which still wants each: left working as they are (or changed in place), no cancel,
    // nothing sent again. Not lost: the old orders' fills (collected by the halted run), each order once.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario({ fills: { partialFillProbability: 0, maxStepValue: 500 } }));
    const first = await runJob(ws, OPEN, gw.env);
    expect(first.code, transcript(first)).toBe(0);
    expect(gw.placed()).toHaveLength(3);

    gw.now = plus(OPEN, 5);
    const fault = await runJob(ws, plus(OPEN, 5), { ...gw.env, IB_CLIENT_ID: '18', CANCEL_SCOPE: 'own' });
    expect(fault.code, transcript(fault)).toBe(3);
    expect(fault.stdout).toMatch(
      /cancel rebal:\S+:AAPL \(order 1\): NOT confirmed \(order 1 belongs to API client 17, not to this session's client 18/,
    );
    expect(fault.stdout).toMatch(/trading state HALTED/);
    expect(fault.stdout).toMatch(/CANCEL_UNCONFIRMED \[MSFT\]/);
    expect(fault.stdout).toMatch(/no orders sent/);
    expect(gw.placed(), 'no order sent by the halted run').toHaveLength(3);
    expect(gw.stats().cancels, 'cancels that reached IB').toBe(0);
    expect(gw.account().orders.map((o) => o.status)).toEqual(['Submitted', 'Submitted', 'Submitted']);
    expectAlert(ws, /BLOCKED: CANCEL_UNCONFIRMED/, /run once with IB_CLIENT_ID=17/);
    expect(records(ws).runs.map((r) => r.status)).toEqual(['ok', 'blocked']);

    gw.now = plus(OPEN, 10);
    const next = await runJob(ws, plus(OPEN, 10), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(next.stdout).not.toMatch(/CANCEL_UNCONFIRMED/);
    expect(next.stdout.match(/^(left working as it is: |modified )rebal:\S+ \(order [123], /gm)).toHaveLength(3);
    expect(gw.stats().cancels).toBe(0);
    expect(
      gw.placed().filter((o) => o.modification !== true),
      'no order sent again',
    ).toHaveLength(3);
    const settle = await runJob(ws, plus(OPEN, 10), gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);
    expectInvariants(ws, gw);
  });

  it('an execution IB corrects after the run recorded it: the correction replaces the fill (one fill per execution, the replaced version kept), trades.csv gets it as its own row, no position break', async () => {
    // Fault: a run records the fills of the open's orders; IB then corrects the AAPL execution (same exec id up
    // to the last period, suffix .02, 190.05 a share instead of 190).
    // Expected: the next run replaces the fill: one AAPL fill in SQLite at 190.05, the original in
    // replaced_fills, the order's average price recomputed, the ledger agrees (3 of 3), trades.csv appends the
    // correction as a row of its own; nothing is sent. With the fault removed (IB sends only the original again),
    // the older copy is ignored. Not lost: every execution once in its latest version.
    const ws = workspace();
    const scenario = baseScenario();
    const gw = await FaultGateway.start(ws, scenario);
    expect((await runJob(ws, OPEN, gw.env)).code).toBe(0);
    gw.now = plus(OPEN, 5);
    const collect = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(collect.code, transcript(collect)).toBe(0);
    const original = records(ws).fills.find((f) => f.symbol === 'AAPL')?.exec_id ?? '';
    expect(original).toMatch(/\.01$/);
    const corrected = original.replace(/\.01$/, '.02');

    gw.now = plus(OPEN, 10);
    await gw.restart({ ...scenario, gateway: { faults: { correctExecutions: { AAPL: { price: 190.05 } } } } });
    const fault = await runJob(ws, plus(OPEN, 10), gw.env);
    expect(fault.code, transcript(fault)).toBe(0);
    expect(fault.stdout).toMatch(new RegExp(`BUY 84 AAPL @ 190\\.05 .*exec ${corrected.replace(/\./g, '\\.')}`));
    expect(fault.stdout).toMatch(/3 of 3 managed ticker\(s\) agree with the broker/);
    expect(fault.stdout).toMatch(/1 new row\(s\) in \S+trades\.csv/);
    expect(records(ws).fills.filter((f) => f.symbol === 'AAPL')).toEqual([expect.objectContaining({ exec_id: corrected, quantity: 84 })]);
    expect(records(ws).orders.find((o) => o.symbol === 'AAPL')).toMatchObject({ status: 'Filled', filled_quantity: 84 });
    expect(averagePrice(ws, 'AAPL'), "the order's average price, recomputed from the correction").toBe(190.05);
    expect(
      csvRows(ws)
        .filter((r) => r[2] === 'AAPL')
        .map((r) => [r[0], r[4], r[5]]),
      'trades.csv: the original, then the correction as a row of its own',
    ).toEqual([
      [original, '84', '190'],
      [corrected, '84', '190.05'],
    ]);
    expect(gw.placed(), 'nothing sent again').toHaveLength(3);

    gw.now = plus(OPEN, 15);
    await gw.restart(scenario);
    const next = await runJob(ws, plus(OPEN, 15), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(next.stdout).toMatch(/3 of 3 managed ticker\(s\) agree with the broker/);
    expect(next.stdout).not.toMatch(/POSITION_BREAK/);
    expectNoOrderSentTwice(gw.placed());
    expectPositionsAtMost(gw.account(), TARGETS);
    expectNoFillLostWithCorrections(ws, gw.account(), { [original]: corrected });
    expectRecordsAgreeWithBroker(ws, gw.account());
  });

  it('commission reports late or never (AAPL never, MSFT 4 s late): no run stalls; the fills are recorded at once with the commission unknown, and later runs fill it in', async () => {
    // Fault: IB never sends the commission report of the AAPL execution, and sends MSFT's 4 s after the
    // execution (after the run that collects it has finished).
    // Expected: the collecting run waits at most IB_TIMEOUT_MS (1.5 s) once, records all three fills (commission
    // NULL for AAPL and MSFT, an empty cell in trades.csv), warns in the log, exit 0. The next run, the report
    // due (an hour on), fills MSFT's commission in; AAPL's stays unknown and that run is not stalled either. With
    // the fault removed, the next run (another hour on) fills AAPL's in. trades.csv is never rewritten. Not lost:
    // every fill once.
    const ws = workspace();
    const scenario = baseScenario();
    const gw = await FaultGateway.start(ws, scenario);
    const env = { ...gw.env, IB_TIMEOUT_MS: '1500' };
    const plain = Date.now();
    expect((await runJob(ws, OPEN, env)).code).toBe(0);
    // What a run takes on this machine now, without the fault: a run may add one wait of IB_TIMEOUT_MS to it.
    const bound = Date.now() - plain + 2 * 1500;

    gw.now = plus(OPEN, 5);
    await gw.restart({ ...scenario, gateway: { faults: { lateCommissionReports: { AAPL: null, MSFT: 4000 } } } });
    const collectEnv = { ...env, IB_PORT: String(gw.port) };
    const started = Date.now();
    const collect = await runJob(ws, plus(OPEN, 5), collectEnv);
    const took = Date.now() - started;
    expect(collect.code, transcript(collect)).toBe(0);
    expect(took, 'the collecting run: one wait of IB_TIMEOUT_MS for the reports, not more').toBeLessThan(bound);
    expect(commissions(ws)).toEqual({ AAPL: null, MSFT: null, SPY: expect.any(Number) });
    expect(csvCommissions(ws)).toEqual({ AAPL: '', MSFT: '', SPY: expect.stringMatching(/^\d/) });
    expect(logOf(ws)).toMatch(/no commission report from IB for these executions yet/);

    // MSFT's report falls due 4 s after the gateway first sent the execution, which was before the run ended.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + took + 4000 - Date.now())));
    gw.now = plus(OPEN, 70);
    const late = Date.now();
    const second = await runJob(ws, plus(OPEN, 70), collectEnv);
    expect(second.code, transcript(second)).toBe(0);
    expect(Date.now() - late, 'a run with the AAPL report still missing: not stalled').toBeLessThan(bound);
    expect(commissions(ws)).toEqual({ AAPL: null, MSFT: expect.any(Number), SPY: expect.any(Number) });

    // An hour after that run, past the window a run asks for by itself (from the last run minus an hour): the
    // fill still without a commission takes it back.
    gw.now = plus(OPEN, 130);
    await gw.restart(scenario);
    const next = await runJob(ws, plus(OPEN, 130), { ...env, IB_PORT: String(gw.port) });
    expect(next.code, transcript(next)).toBe(0);
    expect(commissions(ws)).toEqual({ AAPL: expect.any(Number), MSFT: expect.any(Number), SPY: expect.any(Number) });
    expect(csvCommissions(ws), 'trades.csv not rewritten').toEqual({ AAPL: '', MSFT: '', SPY: expect.stringMatching(/^\d/) });
    expectInvariants(ws, gw);
  });

  it("the machine's clock two hours ahead of IB's, within MAX_CLOCK_SKEW_SECONDS: a warning names both clocks; fills are collected on IB's clock, once, no position break", async () => {
    // Fault: the machine's clock reads 17:35Z when IB's reads 15:35Z; MAX_CLOCK_SKEW_SECONDS=10800 allows it.
    // Orders fill 5000 USD per 5-minute step, so each run leaves some working for the next (which keeps them for its
    // plan: ORDER_UPDATES=modify).
    // Expected: each run warns naming both clocks and trades; the second run collects the first run's fills
    // (stamped on IB's clock, two hours before the machine's) exactly once, no position break, nothing sent
    // twice. A run after it (still skewed) collects the rest. Not lost: every fill once, each order once.
    const { ws, gw, env } = await twoSkewedRuns();
    const settle = await runJob(ws, plus(OPEN, 125), env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);
    expect(settle.stdout).not.toMatch(/POSITION_BREAK/);
    expectInvariants(ws, gw);
  });

  // Each run keeps the broker's clock offset it measured (runs.broker_clock_offset_ms): the next run's window starts
  // from the skewed run's start on the broker's clock, whatever the machine's clock says now.
  it("the machine's clock two hours ahead of IB's, then set right: the next run collects the fills since the skewed run", async () => {
    const { ws, gw, env } = await twoSkewedRuns();
    gw.now = plus(OPEN, 10);
    const next = await runJob(ws, plus(OPEN, 10), env);
    expect(next.stdout).not.toMatch(/warning: the broker's clock/);
    expect(next.stdout).not.toMatch(/POSITION_BREAK/);
    expect(next.code, transcript(next)).toBe(0);
    const settle = await runJob(ws, plus(OPEN, 10), env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);
    expectInvariants(ws, gw);
  });

  it("the machine's clock two hours ahead of IB's, beyond MAX_CLOCK_SKEW_SECONDS: CLOCK_SKEW names both clocks, HALTED, exit 3; open orders still cancelled, fills recorded, nothing sent", async () => {
    // Fault: a run with the clocks agreeing leaves its orders working (500 USD per step); the machine's clock then
    // jumps two hours ahead of IB's, past the default limit of 300 s.
    // Expected: CLOCK_SKEW naming both clocks, the difference and the limit; HALTED, exit 3, alert; the earlier
    // run's orders cancelled (confirmed at IB) and their fills recorded; no order sent.
    // Next run, the clock set right: trades, buying only what is missing. Not lost: the fills, each order once.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario({ fills: { partialFillProbability: 0, maxStepValue: 500 } }));
    const first = await runJob(ws, OPEN, gw.env);
    expect(first.code, transcript(first)).toBe(0);
    expect(gw.placed()).toHaveLength(3);

    gw.now = plus(OPEN, 5);
    const fault = await runJob(ws, plus(OPEN, 125), gw.env);
    expect(fault.code, transcript(fault)).toBe(3);
    expect(fault.stdout).toMatch(
      /CLOCK_SKEW: the broker's clock reads 2026-11-23T15:40:00Z, this machine's 2026-11-23T17:40:0\d\S*: .*over the limit of 300 s/,
    );
    expect(fault.stdout).toMatch(/trading state HALTED/);
    expect(fault.stdout).toMatch(/no orders sent/);
    // ORDER_UPDATES=modify: the orders wait for the plan, which is halted and wants none: each cancelled, confirmed.
    expect(fault.stdout.match(/^cancel rebal:\S+ \(order \d, .*: cancelled$/gm)).toHaveLength(3);
    expect(gw.placed(), 'nothing sent while the clocks disagree').toHaveLength(3);
    expect(gw.account().orders.map((o) => o.status)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
    expect(
      records(ws)
        .fills.map((f) => f.exec_id)
        .sort(),
    ).toEqual(
      gw
        .account()
        .executions.map((e) => e.execId)
        .sort(),
    );
    expect(records(ws).breaches.map((b) => b.code)).toContain('CLOCK_SKEW');
    expectAlert(ws, /BLOCKED: .*CLOCK_SKEW/, /MAX_CLOCK_SKEW_SECONDS/);

    gw.now = plus(OPEN, 10);
    const next = await runJob(ws, plus(OPEN, 10), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(gw.placed(), 'the rest bought once').toHaveLength(6);
    const settle = await runJob(ws, plus(OPEN, 10), gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);
    expectInvariants(ws, gw);
  });
});

/**
 * Two runs on a machine whose clock is two hours ahead of IB's (MAX_CLOCK_SKEW_SECONDS=10800 allows it), orders
 * filling 5000 USD per step: the second run must have collected the first run's fills on IB's clock, once.
 */
async function twoSkewedRuns(): Promise<{ ws: Workspace; gw: FaultGateway; env: Record<string, string> }> {
  const ws = workspace();
  const gw = await FaultGateway.start(ws, baseScenario({ fills: { partialFillProbability: 0, maxStepValue: 5000 } }));
  const env = { ...gw.env, MAX_CLOCK_SKEW_SECONDS: '10800' };
  const first = await runJob(ws, plus(OPEN, 120), env);
  expect(first.code, transcript(first)).toBe(0);
  expect(first.stdout).toMatch(/warning: the broker's clock reads 2026-11-23T15:35:00Z, this machine's 2026-11-23T17:35:0\d/);
  expect(gw.placed()).toHaveLength(3);

  gw.now = plus(OPEN, 5);
  const second = await runJob(ws, plus(OPEN, 125), env);
  expect(second.code, transcript(second)).toBe(0);
  expect(second.stdout).toMatch(/warning: the broker's clock reads 2026-11-23T15:40:00Z, this machine's 2026-11-23T17:40:0\d/);
  expect(second.stdout).toMatch(/3 of 3 managed ticker\(s\) agree with the broker/);
  const firstRun = records(ws).runs[0]?.id ?? '';
  const ofFirstRun = gw
    .account()
    .executions.filter((e) => e.orderRef.includes(firstRun))
    .map((e) => e.execId)
    .sort();
  expect(ofFirstRun.length, "the first run's orders filled in part").toBeGreaterThanOrEqual(3);
  expect(
    records(ws)
      .fills.map((f) => f.exec_id)
      .sort(),
    "the first run's fills, collected once",
  ).toEqual(ofFirstRun);
  // What is missing is still asked for: by the first run's orders, kept for the plan (left as they are or changed
  // in place, ORDER_UPDATES=modify), or by new ones.
  const kept = second.stdout.match(/^(left working as it is: |modified )rebal:\S+ \(order [123], /gm) ?? [];
  const sentNew = gw.placed().filter((o) => o.modification !== true).length - 3;
  expect(kept.length + sentNew, 'the second run bought what was missing').toBe(3);
  return { ws, gw, env };
}

/** Each fill's commission in SQLite, by ticker (the run buys one execution per ticker here). */
function commissions(ws: Workspace): Record<string, number | null> {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT symbol, commission FROM fills ORDER BY symbol').all() as {
      symbol: string;
      commission: number | null;
    }[];
    return Object.fromEntries(rows.map((r) => [r.symbol, r.commission]));
  } finally {
    db.close();
  }
}

/** The average fill price SQLite holds for the (one) order in `symbol`. */
function averagePrice(ws: Workspace, symbol: string): number | undefined {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT avg_fill_price FROM orders WHERE symbol = ?').get(symbol) as { avg_fill_price: number } | undefined;
    return row?.avg_fill_price;
  } finally {
    db.close();
  }
}

/** The rows of trades.csv (exec_id, time, symbol, side, quantity, price, commission, ...), the header left out. */
function csvRows(ws: Workspace): string[][] {
  return readFileSync(join(ws.data, 'trades.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
}

/** The commission cell of trades.csv, by ticker (one execution per ticker here). */
function csvCommissions(ws: Workspace): Record<string, string> {
  return Object.fromEntries(csvRows(ws).map((r) => [r[2] ?? '', r[6] ?? '']));
}
