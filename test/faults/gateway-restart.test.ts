/**
 * Fault matrix, IB Gateway's daily restart (issue 10, "IB Gateway's life"), with the built CLI as cron starts it
 * and the simulated gateway's `restart` fault: the gateway goes away as the run's 2nd order is written, refuses
 * connections for a while, and comes back logged in on the same account (as after its "Auto restart").
 *
 * - The run it cuts fails closed: exit 1, "dropped during the run; nothing is resent", an alert.
 * - A run that starts while it is away, without IB_RESTART_TIME: exit 1, "could not connect", an alert.
 * - The same run with IB_RESTART_TIME set to the restart: not connected, one line, skipped, exit 0, no alert.
 * - Once it is back, the next run reconciles by orderRef, cancels what the cut run left working, buys only what is
 *   missing; no order twice, no fill lost, records hold.
 */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  outbox,
  plus,
  records,
  runJob,
  transcript,
  useFaultKit,
  workspace,
} from './support/kit.js';

useFaultKit();

/** Orders fill 5000 USD per 5-minute step, so the cut run leaves an order working for the next run to cancel. */
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };
const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };
/** Long enough for a whole CLI run to start, be refused and end while the gateway is away. */
const AWAY_MS = 12_000;

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe("fault matrix: IB Gateway's daily restart", () => {
  it('a restart in the middle of a run: the run fails closed; while away runs fail to connect, or skip in the configured window; once back the next run recovers', async () => {
    const ws = workspace();
    const gw = await FaultGateway.start(ws, {
      ...baseScenario(SLOW_FILLS),
      gateway: { faults: { restart: { afterOrders: 2, awayMs: AWAY_MS } } },
    });
    const port = gw.port;

    // The cut run: the 1st order reached IB, the 2nd was lost with the socket, the 3rd never sent.
    const cut = await runJob(ws, OPEN, gw.env);
    expect(cut.code, transcript(cut)).toBe(1);
    expect(cut.stdout).toMatch(
      // A closed socket, or a reset one (a restart under load closes with data unread: IB 502 ECONNRESET).
      /RUN FAILED: broker: the connection to TWS\/IB Gateway at 127\.0\.0\.1:\d+ dropped during the run( \(socket error, IB 502: [^)]*\))?; nothing is resent/,
    );
    expect(gw.placed().map((o) => o.symbol)).toEqual(['AAPL']);
    expectAlert(ws, /FAILED: broker: the connection to TWS\/IB Gateway/);

    // Away: the port refuses connections. A run without a restart window fails to connect, and alerts.
    expect(await accepts(port)).toBe(false);
    const alertsBefore = outbox(ws).subjects.length;
    const refused = await runJob(ws, plus(OPEN, 1), gw.env);
    expect(refused.code, transcript(refused)).toBe(1);
    expect(transcript(refused)).toMatch(/could not connect to TWS\/IB Gateway at 127\.0\.0\.1:\d+/);
    expect(outbox(ws).subjects.length).toBeGreaterThan(alertsBefore);

    // The same moment with the restart configured (10:35 in New York, the fault's time): skipped, no alert.
    const alertsNow = outbox(ws).subjects.length;
    const connectionsNow = gw.connections();
    const skipped = await runJob(ws, plus(OPEN, 2), {
      ...gw.env,
      IB_RESTART_TIME: '10:35 America/New_York',
      IB_RESTART_WINDOW_MINUTES: '5',
    });
    expect(skipped.code, transcript(skipped)).toBe(0);
    expect(skipped.stdout).toMatch(/skipped: \S+ is in IB Gateway's daily restart window \(IB_RESTART_TIME=10:35 America\/New_York/);
    expect(outbox(ws).subjects.length).toBe(alertsNow);
    expect(gw.connections()).toBe(connectionsNow);
    expect(records(ws).runs.map((r) => r.status)).toEqual(['failed', 'failed', 'skipped']);

    // Back, logged in, on the same account: the next run recovers.
    const deadline = Date.now() + AWAY_MS + 10_000;
    while (!(await accepts(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await accepts(port)).toBe(true);
    gw.now = plus(OPEN, 5);
    const recovery = await runJob(ws, plus(OPEN, 5), gw.env);
    expect(recovery.code, transcript(recovery)).toBe(0);
    // What the cut run left working is kept for the plan (ORDER_UPDATES=modify: the plan wants exactly that, so it
    // is left as it is), its fills collected; what is missing is bought, each once.
    expect(recovery.stdout).toMatch(/^left working as it is: rebal:\S+:AAPL \(order 1, /m);
    expect(gw.placed().filter((o) => o.symbol === 'AAPL')).toHaveLength(1);
    expect(gw.placed().filter((o) => o.symbol === 'MSFT')).toHaveLength(1);
    expect(gw.placed().filter((o) => o.symbol === 'SPY')).toHaveLength(1);
    // The id the MSFT order lost in the restart carried (2) is handed out again, to the first order after it.
    expect(gw.placed().map((o) => o.orderId)).toEqual([
      1,
      ...gw
        .placed()
        .slice(1)
        .map((_, i) => i + 2),
    ]);
    const settle = await runJob(ws, plus(OPEN, 5), gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);

    expectNoOrderSentTwice(gw.placed());
    expectPositionsAtMost(gw.account(), TARGETS);
    expectNoFillLost(ws, gw.account());
    expectRecordsAgreeWithBroker(ws, gw.account());
  }, 120_000);
});
