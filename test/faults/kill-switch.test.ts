/**
 * Fault matrix, the kill switch under stress: `halt` typed while a run is sending, and a daily loss that turns
 * the kill switch on by itself until a person resumes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { haltCommand } from '../../src/cli/commands/halt-commands.js';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  expectAlert,
  expectNoFillLost,
  expectNoOrderRefTwiceAt,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  plus,
  rebalancer,
  records,
  runJob,
  simAccount,
  startJob,
  transcript,
  until,
  useFaultKit,
  workspace,
  writeScenario,
} from './support/kit.js';

useFaultKit();

const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };
const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };

/** The base scenario's quotes, every price scaled by `factor` (closes too, so no price collar trips). */
function scaledQuotes(factor: number): Record<string, unknown> {
  const quotes = baseScenario().quotes as Record<string, Record<string, number>>;
  return Object.fromEntries(
    Object.entries(quotes).map(([symbol, q]) => [
      symbol,
      Object.fromEntries(Object.entries(q).map(([k, v]) => [k, Math.round(v * factor * 100) / 100])),
    ]),
  );
}

describe('fault matrix: the kill switch under stress', () => {
  it('halt while a run is in flight: the order being sent completes, no new order goes out after the halt; the next run cancels and sends none until resume', async () => {
    // Fault: a person types `rebalancer halt` while the hourly run is submitting (a slow gateway).
    // Expected: the run checks the kill switch before every order: after the one in flight, nothing more is sent;
    // the alert names KILL_SWITCH. While halted, runs cancel this system's working orders and send none (exit 3).
    // After `resume`, trading picks up what is missing, once. Not lost: the halt's reason, the intents, the fills.
    const ws = workspace();
    const scenario = baseScenario(SLOW_FILLS);
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { answerDelayMs: 400 } } });
    // Orders go out pipelined, at the pacing's pace: 2 a second leaves the halt half a second before the next order.
    const run = startJob(ws, OPEN, { ...gw.env, IB_MESSAGES_PER_SECOND: '2' });
    await until(() => gw.placed().length >= 1, 'the first order to reach the gateway');
    // What `rebalancer halt` runs, in this process: the HALT file is there before IB acknowledges the first order.
    const said: string[] = [];
    haltCommand(
      { cwd: ws.root, env: ws.env, out: (...l) => said.push(...l), err: (...l) => said.push(...l) },
      { reason: 'news on AAPL, checking', now: OPEN },
    );
    expect(said.join('\n')).toMatch(/kill switch ON: news on AAPL, checking/);
    const halted = await run.done;

    // Exit 3, as DESIGN.md says for the kill switch: the run did what it should and stopped sending.
    expect(halted.code, transcript(halted)).toBe(3);
    expect(halted.stdout).toMatch(/KILL_SWITCH: halted during the run: rebal:\S+:MSFT and later orders not sent/);
    expect(
      gw.placed().map((o) => o.symbol),
      'no order after the halt',
    ).toEqual(['AAPL']);
    expect(
      records(ws).orders.map((o) => [o.symbol, o.status === 'NotSent' ? 'NotSent' : 'sent']),
      'the batch recorded before the first order; what the halt kept back is NotSent',
    ).toEqual([
      ['AAPL', 'sent'],
      ['MSFT', 'NotSent'],
      ['SPY', 'NotSent'],
    ]);
    expectAlert(ws, / (FAILED|BLOCKED): .*kill switch|KILL_SWITCH/, /KILL_SWITCH: halted during the run/);

    gw.now = plus(OPEN, 5);
    await gw.restart(scenario);
    const whileHalted = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(whileHalted.code, transcript(whileHalted)).toBe(3);
    expect(whileHalted.stdout).toMatch(/KILL_SWITCH: halted since .*: news on AAPL, checking/);
    // ORDER_UPDATES=modify: the working order waits for the plan, which is halted and wants nothing: cancelled.
    expect(whileHalted.stdout).toMatch(/^cancel rebal:\S+:AAPL \(order 1, BUY 84 AAPL @ [\d.]+\): .*: cancelled$/m);
    expect(gw.account().orders.map((o) => o.status)).toEqual(['Cancelled']);
    expect(gw.placed()).toHaveLength(1);

    const resumed = await rebalancer(ws, ['resume', '--reason', 'news checked: nothing material'], {
      ...ws.env,
      REBALANCER_NOW: plus(OPEN, 8),
    });
    expect(resumed.code, transcript(resumed)).toBe(0);
    expect(records(ws).haltEvents).toEqual([
      { action: 'halt', reason: 'news on AAPL, checking' },
      { action: 'resume', reason: 'news checked: nothing material' },
    ]);
    // IB's clock keeps time with the machine's (a run reads it: over MAX_CLOCK_SKEW_SECONDS apart is CLOCK_SKEW).
    gw.now = plus(OPEN, 10);
    const after = await runJob(ws, plus(OPEN, 10), gw.env);
    expect(after.code, transcript(after)).toBe(0);
    expect((await runJob(ws, plus(OPEN, 10), gw.env, ['--dry-run'])).code).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expect(
      gw
        .placed()
        .map((o) => o.symbol)
        .sort(),
    ).toEqual(['AAPL', 'AAPL', 'MSFT', 'SPY']);
    expectPositionsAtMost(gw.account(), TARGETS);
    expectNoFillLost(ws, gw.account());
    expectRecordsAgreeWithBroker(ws, gw.account());
  });

  it('DAILY_LOSS_LIMIT: a loss past MAX_DAILY_LOSS_PCT turns the kill switch on; runs stay halted after the loss is gone, until resume, which records its reason', async () => {
    // Fault: the account falls 7% from the day's first snapshot (limit 5%).
    // Expected: the run blocks (exit 3), writes HALT and a halt event, alerts DAILY_LOSS_LIMIT. The next run,
    // prices back, is still halted (KILL_SWITCH, exit 3): only a person resumes. `resume --reason` records the
    // reason; the run after it trades again. Not lost: the halt and resume events with their reasons, the fills.
    const ws = workspace();
    writeScenario(ws, baseScenario());
    const first = await runJob(ws, OPEN);
    expect(first.code, transcript(first)).toBe(0);
    const ordersAfterFirst = simAccount(ws)?.orders.length ?? 0;
    expect(ordersAfterFirst).toBe(3);

    writeScenario(ws, { ...baseScenario(), quotes: scaledQuotes(0.93) });
    const loss = await runJob(ws, plus(OPEN, 60));
    expect(loss.code, transcript(loss)).toBe(3);
    expect(loss.stdout).toMatch(/DAILY_LOSS_LIMIT: /);
    expect(loss.stdout).toMatch(/kill switch turned on: /);
    expect(existsSync(join(ws.data, 'HALT'))).toBe(true);
    expect(JSON.parse(readFileSync(join(ws.data, 'HALT'), 'utf8'))).toMatchObject({ source: expect.stringMatching(/^run /) });
    expectAlert(ws, /BLOCKED: DAILY_LOSS_LIMIT/, /kill switch is on/);

    writeScenario(ws, baseScenario());
    const stillHalted = await runJob(ws, plus(OPEN, 120));
    expect(stillHalted.code, transcript(stillHalted)).toBe(3);
    expect(stillHalted.stdout).toMatch(/KILL_SWITCH: halted since .* by run \S+: /);
    expect(stillHalted.stdout).not.toMatch(/DAILY_LOSS_LIMIT: /);
    expect(simAccount(ws)?.orders.length, 'no order while halted').toBe(ordersAfterFirst);

    const resumed = await rebalancer(ws, ['resume', '--reason', 'loss reviewed: a bad print at the vendor'], {
      ...ws.env,
      REBALANCER_NOW: plus(OPEN, 125),
    });
    expect(resumed.code, transcript(resumed)).toBe(0);
    expect(resumed.stdout).toMatch(/kill switch OFF .*DAILY_LOSS_LIMIT|kill switch OFF/);
    expect(existsSync(join(ws.data, 'HALT'))).toBe(false);
    const events = records(ws).haltEvents;
    expect(events.map((e) => e.action)).toEqual(['halt', 'resume']);
    expect(events[1]?.reason).toBe('loss reviewed: a bad print at the vendor');

    const trading = await runJob(ws, plus(OPEN, 130));
    expect(trading.code, transcript(trading)).toBe(0);
    expectNoOrderRefTwiceAt(simAccount(ws));
    expectNoFillLost(ws, simAccount(ws));
  });
});
