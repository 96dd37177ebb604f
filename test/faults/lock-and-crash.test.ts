/**
 * Fault matrix, process faults: two runs at once, a lock left by a killed run, and kill -9 in the middle of
 * submitting. The built CLI runs as a child process (as cron starts it) against the simulated IB Gateway.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  plus,
  outbox,
  records,
  runJob,
  startJob,
  transcript,
  until,
  useFaultKit,
  workspace,
} from './support/kit.js';

useFaultKit();

/** Orders fill 26 AAPL shares (5000 USD) per 5-minute step, so a killed run leaves its order working. */
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };
const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };

describe('fault matrix: overlapping runs and crashes', () => {
  it("overlapping runs: a second run while one holds the lock exits 4 at once and never reaches the broker; the first run and the refusal's log line are kept", async () => {
    // Fault: cron (or `schedule`, or a person) starts a run while the previous one is still working.
    // Expected: exit 4 at once, no connection to the broker, nothing recorded; the first run carries on.
    // Not lost: the first run's orders and records, and a log line saying why the second did nothing.
    const ws = workspace();
    // The first run is slow for sure: every quote snapshot answers after 4 s, whatever the machine's load.
    const gw = await FaultGateway.start(ws, baseScenario({ gateway: { faults: { snapshotDelayMs: 4000 } } }));
    const first = startJob(ws, OPEN, { ...gw.env, MARKET_DATA_TIMEOUT_MS: '10000' });
    const lock = join(ws.data, 'run.lock');
    await until(() => existsSync(lock) && gw.connections() === 1, 'the first run to hold the lock and reach the gateway');

    const startedAt = Date.now();
    const second = await runJob(ws, OPEN, gw.env);
    expect(second.code, transcript(second)).toBe(4);
    expect(Date.now() - startedAt, 'the second run did not wait for the first').toBeLessThan(5000);
    expect(first.child.exitCode, 'the first run was still in flight when the second gave up').toBeNull();
    expect(second.stderr).toMatch(/not run: another run holds the lock .*run\.lock \(pid \d+, run \d{8}T\d{6}Z-[0-9a-f]{12}/);
    expect(second.stdout).toBe('');

    const done = await first.done;
    expect(done.code, transcript(done)).toBe(0);
    expect(gw.connections(), 'connections at the gateway: the first run only').toBe(1);
    expect(gw.placed()).toHaveLength(3);
    expectNoOrderSentTwice(gw.placed());
    expect(records(ws).runs.map((r) => r.status)).toEqual(['ok']);
    expect(readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8')).toMatch(/"msg":"lock held"/);
    expect(existsSync(lock), 'the first run released the lock').toBe(false);
  });

  it('stale lock: a lock left by a killed run (its pid is gone) is taken over, and the run trades once', async () => {
    // Fault: the machine rebooted or the run was killed; run.lock names a process that no longer exists.
    // Expected: the next run takes the lock over, runs normally (exit 0) and releases it.
    // Not lost: the hourly run itself (a stale lock must not stop trading for good).
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    expect(dead).toBeGreaterThan(0);
    mkdirSync(ws.data, { recursive: true });
    const lock = join(ws.data, 'run.lock');
    writeFileSync(lock, JSON.stringify({ pid: dead, startedAt: plus(OPEN, -60), runId: '20261123T143500Z-dead' }) + '\n');

    const r = await runJob(ws, OPEN, gw.env);
    expect(r.code, transcript(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(gw.placed().map((o) => o.symbol)).toEqual(['AAPL', 'MSFT', 'SPY']);
    expectNoOrderSentTwice(gw.placed());
    expect(existsSync(lock), 'the lock is released after the run').toBe(false);
  });

  it('kill -9 in the middle of submitting: the next run sends nothing twice, keeps what was left working for its plan, and loses no fill', async () => {
    // Fault: the run is killed (OOM killer, kill -9, power) after its first order reached IB, before IB answered.
    // Expected: the lock it left is taken over; the next run finds the killed run's working order by its orderRef,
    // collects its fills, keeps it for the plan (ORDER_UPDATES=modify: the plan wants exactly what it still asks,
    // so it is left working as it is, not sent again), and buys only what is still missing, under new orderRefs.
    // Not lost: the killed run's order intent and every fill of its order (SQLite and trades.csv, once each).
    const ws = workspace();
    const scenario = baseScenario(SLOW_FILLS);
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { answerDelayMs: 400 } } });
    // Orders go out pipelined, at the pacing's pace: 2 a second leaves the kill half a second before the next order.
    const killed = startJob(ws, OPEN, { ...gw.env, IB_MESSAGES_PER_SECOND: '2' });
    await until(() => gw.placed().length >= 1, 'the first order to reach the gateway');
    killed.child.kill('SIGKILL');
    const gone = await killed.done;
    expect(gone.signal).toBe('SIGKILL');
    expect(gw.placed().map((o) => o.symbol)).toEqual(['AAPL']);
    const killedRef = gw.placed()[0]?.orderRef ?? '';
    // The batch's intents were recorded together before the first order left.
    expect(records(ws).orders.map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Intent'],
      ['MSFT', 'Intent'],
      ['SPY', 'Intent'],
    ]);
    expect(records(ws).orders[0]?.order_ref).toBe(killedRef);
    expect(existsSync(join(ws.data, 'run.lock')), 'the killed run left its lock').toBe(true);

    gw.now = plus(OPEN, 5);
    await gw.restart(scenario);
    const next = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(next.stdout).toContain(`left working as it is: ${killedRef} (order 1, `);
    expect(next.stdout).toMatch(/BUY 26 AAPL @ [\d.]+ commission/);
    const settle = await runJob(ws, plus(OPEN, 5), gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);

    const placed = gw.placed();
    expectNoOrderSentTwice(placed);
    expect(placed.filter((o) => o.orderRef === killedRef)).toHaveLength(1);
    expect(placed.map((o) => o.symbol).sort()).toEqual(['AAPL', 'MSFT', 'SPY']);
    expectPositionsAtMost(gw.account(), TARGETS);
    expect(gw.account().orders.find((o) => o.orderRef === killedRef)?.status).toBe('Submitted');
    expectNoFillLost(ws, gw.account());
    expectRecordsAgreeWithBroker(ws, gw.account());
    expect(
      records(ws)
        .fills.filter((f) => f.order_ref === killedRef)
        .map((f) => f.quantity),
    ).toEqual([26, 26]);
  });

  // Relies on the run reconciling earlier runs' intents at its start (by orderRef/permId, from open orders and
  // executions). Without it, an intent whose order is still open is brought up to date by the cancel step (the
  // test above), but one whose order filled before the next run is in no open-order list: it would stay 'Intent'
  // with no broker id in SQLite for good, although IB filled it.
  it("kill -9 in the middle of submitting, the order filled at once: the next run reconciles the killed run's intent with the broker by orderRef", async () => {
    // Fault: as above, but IB fills the order before the next run. Expected: after the next run, every order IB
    // has under our orderRefs has one row in SQLite with IB's order id, permId, status and filled quantity, the
    // killed run is recorded as failed, and a person is told (console and email).
    // Not lost: the intent's outcome (its fills are recorded either way: see the test above).
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario({ gateway: { faults: { answerDelayMs: 400 } } }));
    const killed = startJob(ws, OPEN, { ...gw.env, IB_MESSAGES_PER_SECOND: '2' });
    await until(() => gw.placed().length >= 1, 'the first order to reach the gateway');
    killed.child.kill('SIGKILL');
    await killed.done;
    gw.now = plus(OPEN, 5);
    await gw.restart(baseScenario());
    const next = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expectRecordsAgreeWithBroker(ws, gw.account());
    // And a person is told: the killed run is recorded as failed, named on the console and in an email.
    const killedRun = records(ws).runs[0];
    expect(killedRun?.status).toBe('failed');
    expect(next.stdout).toMatch(new RegExp(`run ${killedRun?.id ?? '?'} .*killed or crashed`));
    expect(outbox(ws).messages.some((m) => m.includes(killedRun?.id ?? '?') && /killed or crashed/.test(m.replace(/=\r?\n/g, '')))).toBe(
      true,
    );
  });
});
