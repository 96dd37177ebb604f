/**
 * Attack: the run lock's files are removed during a slow run (a stray `rm`, a clean-up script). The kernel lock
 * belongs to the removed file, so a second run could lock a new one beside the first. Expected: the second run
 * refuses (exit 4, never reaching the broker) while the records show a run that may still be alive; the first
 * sees its lock gone before its next order and sends nothing more (LOCK_LOST, exit 1, alert); the next run
 * settles what the first left. No order twice, no position past its target, every fill recorded once.
 */
import { existsSync, rmSync } from 'node:fs';
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
  outbox,
  plus,
  records,
  runJob,
  startJob,
  transcript,
  until,
  useFaultKit,
  workspace,
} from './support/kit.js';

useFaultKit();

const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };

describe('attack: the run lock removed under a running run', () => {
  it('a second run refuses to start beside it; the first stops sending; the next run settles once', async () => {
    const ws = workspace();
    const scenario = baseScenario({ gateway: { faults: { answerDelayMs: 400 } } });
    const gw = await FaultGateway.start(ws, scenario);
    // Orders go out pipelined, at the pacing's pace: 2 a second leaves the theft half a second before the next order.
    const first = startJob(ws, OPEN, { ...gw.env, IB_MESSAGES_PER_SECOND: '2' });
    await until(() => gw.placed().length >= 1, 'the first order to reach the gateway');
    const lock = join(ws.data, 'run.lock');
    for (const file of [lock, `${lock}.db`, `${lock}.db-journal`]) rmSync(file, { force: true });

    const second = await runJob(ws, OPEN, gw.env);
    expect(second.code, transcript(second)).toBe(4);
    expect(second.stderr).toMatch(/run lock .* was missing .* may still be running/);
    expect(gw.connections(), 'the second run never reached the gateway').toBe(1);

    const done = await first.done;
    expect(done.code, transcript(done)).toBe(1);
    expect(done.stdout).toMatch(/LOCK_LOST/);
    expect(gw.placed().length, 'the first run sent no order after it lost its lock').toBeLessThan(3);
    expect(outbox(ws).messages.some((m) => m.includes('LOCK_LOST'))).toBe(true);
    expect(existsSync(`${lock}.db`), 'the refused run left no lock file behind').toBe(false);

    gw.now = plus(OPEN, 5);
    const next = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    // IB's clock keeps time with the machine's (a run reads it: over MAX_CLOCK_SKEW_SECONDS apart is CLOCK_SKEW).
    gw.now = plus(OPEN, 10);
    const settle = await runJob(ws, plus(OPEN, 10), gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expectPositionsAtMost(gw.account(), TARGETS);
    expectNoFillLost(ws, gw.account());
    expectRecordsAgreeWithBroker(ws, gw.account());
    expect(records(ws).runs.map((r) => r.status)).toEqual(['failed', 'ok', 'ok']);
  });
});
