/**
 * Fault matrix, broker faults, injected by the simulated IB Gateway (the scenario's `gateway.faults`). Each
 * fault run must fail closed with a clear message and an alert; then the gateway restarts without the fault on
 * the same account (IB after the outage) and the next run must recover: collect the fills, cancel what the
 * faulty run left working, buy only what is missing, send nothing twice and lose nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli.js';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  plus,
  records,
  runJob,
  transcript,
  trendForecast,
  useFaultKit,
  workspace,
  type Workspace,
} from './support/kit.js';

useFaultKit();

/** Orders fill 5000 USD per 5-minute step, so the faulty run leaves orders working for the next run to cancel. */
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };
/** What the forecast asks for at the open: a resend would overshoot these. */
const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };
const FINAL = new Set(['Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected']);

interface Recovered {
  ws: Workspace;
  gw: FaultGateway;
  fault: CliResult;
  recovery: CliResult;
}

/**
 * The fault run at the open against a gateway with `faults`; `check` asserts its outcome. Then the gateway
 * restarts without the fault, five minutes on, and the recovery run (plus a dry run that only collects) must
 * leave the account and the records whole.
 */
async function faultThenRecovery(
  faults: Record<string, unknown>,
  check: (fault: CliResult, ws: Workspace, gw: FaultGateway) => void,
): Promise<Recovered> {
  const ws = workspace();
  const scenario = baseScenario(SLOW_FILLS);
  const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults } });
  const fault = await runJob(ws, OPEN, gw.env);
  check(fault, ws, gw);
  expectEveryOrderHasIntent(ws, gw);
  const faultRun = records(ws).runs[0]?.id ?? '';

  gw.now = plus(OPEN, 5);
  await gw.restart(scenario);
  const recovery = await runJob(ws, plus(OPEN, 5), gw.env);
  expect(recovery.code, transcript(recovery)).toBe(0);
  // ORDER_UPDATES=modify (the default): what the faulty run left working is kept for the recovery run's plan, then
  // changed in place or left as it is (the plan wants that ticker's side still); never left behind unseen.
  const leftOver = gw.account().orders.filter((o) => o.orderRef.includes(faultRun) && !FINAL.has(o.status));
  expect(
    leftOver.filter(
      (o) => !new RegExp(`^(left working as it is: |modified )${escapeRe(o.orderRef)} \\(order ${o.orderId},`, 'm').test(recovery.stdout),
    ),
    'orders of the faulty run still working that the recovery run neither changed nor kept for its plan',
  ).toEqual([]);
  const settle = await runJob(ws, plus(OPEN, 5), gw.env, ['--dry-run']);
  expect(settle.code, transcript(settle)).toBe(0);

  expectNoOrderSentTwice(gw.placed());
  expectPositionsAtMost(gw.account(), TARGETS);
  expectNoFillLost(ws, gw.account());
  expectRecordsAgreeWithBroker(ws, gw.account());
  return { ws, gw, fault, recovery };
}

/** An order is recorded before it is sent: every order that reached IB has an intent in SQLite. */
function expectEveryOrderHasIntent(ws: Workspace, gw: FaultGateway): void {
  const recorded = new Set(records(ws).orders.map((o) => o.order_ref));
  expect(
    gw
      .placed()
      .map((o) => o.orderRef)
      .filter((ref) => !recorded.has(ref)),
    'orders at IB without an intent',
  ).toEqual([]);
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function logOf(ws: Workspace): string {
  return readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8');
}

describe('fault matrix: broker faults at the simulated IB Gateway', () => {
  it('disconnect in the middle of submitting (the socket drops after the 2nd order): fail closed, nothing resent; the next run keeps what is working for its plan and buys only what is missing', async () => {
    // Fault: the gateway takes the 2nd order and drops the connection before acknowledging it.
    // Expected: exit 1, "dropped during the run; nothing is resent", no 3rd order, an alert. Next run: the
    // unacknowledged order is found by orderRef and kept for the plan (ORDER_UPDATES=modify: the plan still wants
    // it, so it is left working as it is, not sent again), its fills collected, SPY bought.
    // Not lost: both intents (the 2nd marked as maybe sent), every fill.
    const { ws, gw, recovery } = await faultThenRecovery({ dropConnectionAfterOrders: 2 }, (fault, ws, gw) => {
      expect(fault.code, transcript(fault)).toBe(1);
      // Orders go out pipelined: the run hears of the drop as the socket closes, or as its next order's write fails.
      expect(fault.stdout).toMatch(
        /RUN FAILED: broker: the connection to TWS\/IB Gateway at 127\.0\.0\.1:\d+ dropped during the run.*; nothing is resent/,
      );
      expect(gw.placed().map((o) => o.symbol)).toEqual(['AAPL', 'MSFT']);
      const msft = records(ws).orders.find((o) => o.symbol === 'MSFT');
      expect(msft?.message).toMatch(/it may have reached the broker, the next run reconciles it by orderRef/);
      expectAlert(ws, /FAILED: broker: the connection to TWS\/IB Gateway at [\d.:]+ dropped during the run/);
    });
    expect(recovery.stdout).toMatch(/^left working as it is: rebal:\S+:MSFT \(order 2, /m);
    expect(gw.placed().filter((o) => o.symbol === 'MSFT')).toHaveLength(1);
    expect(gw.placed().filter((o) => o.symbol === 'SPY')).toHaveLength(1);
    expect(
      records(ws).orders.find((o) => o.order_ref === gw.placed()[1]?.orderRef)?.broker_order_id,
      'the unacknowledged order, reconciled',
    ).toBe(2);
  });

  it('connectivity lost during the run (IB 1100), just after the first order: fail closed at once, nothing replayed after 1102; the next run recovers', async () => {
    // Fault: IB Gateway loses its connection to IB (1100) right after answering the run's first order, and
    // restores it (1102) 300 ms later. Expected: exit 1 naming 1100; no request is queued and sent after 1102;
    // an alert. Next run recovers. Not lost: the intents, every fill; every order at IB has its intent.
    // Which client message is the first order depends on the run's request sequence: a probe run finds it.
    const probe = workspace();
    const probeGw = await FaultGateway.start(probe, baseScenario({ gateway: { faults: { dropConnectionAfterOrders: 1 } } }));
    await runJob(probe, OPEN, probeGw.env);
    const firstOrderMessage = probeGw.stats().messagesIn;
    expect(probeGw.placed()).toHaveLength(1);

    const { gw } = await faultThenRecovery(
      { connectivityLost: { afterMessages: firstOrderMessage, restoreAfterMs: 300 } },
      (fault, ws, gw) => {
        expect(fault.code, transcript(fault)).toBe(1);
        expect(fault.stdout).toMatch(
          /connectivity between IB and TWS\/IB Gateway was lost \(IB 1100: [^)]*\) on 127\.0\.0\.1:\d+; nothing is resent/,
        );
        expect(fault.stdout).toMatch(/BUY 84 AAPL LMT 190\.19: Submitted/);
        expect(gw.placed().length).toBeGreaterThanOrEqual(1);
        expect(gw.placed().length).toBeLessThan(3);
        expectAlert(ws, /FAILED: .*(IB 1100|connectivity between IB)/);
      },
    );
    expect(
      gw
        .placed()
        .map((o) => o.symbol)
        .sort(),
    ).toEqual(expect.arrayContaining(['AAPL', 'MSFT', 'SPY']));
  });

  it.each([
    {
      code: 201,
      faults: { rejectOrders: { MSFT: { code: 201, message: 'Order rejected - reason: insufficient margin' } } },
      text: /insufficient margin/,
    },
    { code: 110, faults: { rejectOrders: { MSFT: { code: 110 } } }, text: /minimum price variation|price increment/i },
    { code: 451, faults: { rejectOrders: { MSFT: { code: 451 } } }, text: /value|limit/i },
  ])(
    'order rejected by IB ($code): the other orders go out, the run exits 1 naming the code; the next run buys the rejected ticker once',
    async ({ code, faults, text }) => {
      // Fault: IB refuses every MSFT order with error `code`.
      // Expected: that order is recorded as rejected, AAPL and SPY still go out, exit 1, the alert names the code.
      // Next run (fault gone): MSFT bought under a new orderRef, nothing else resent. Not lost: the rejection record.
      const { ws, gw } = await faultThenRecovery(faults, (fault, ws, gw) => {
        expect(fault.code, transcript(fault)).toBe(1);
        expect(fault.stdout).toMatch(new RegExp(`BROKER_ERROR \\[MSFT\\]: BUY 85 MSFT @ 410\\.41: .*\\(IB code ${code}\\)`));
        expect(fault.stdout).toMatch(text);
        expect(gw.placed().map((o) => o.symbol)).toEqual(['AAPL', 'MSFT', 'SPY']);
        const msft = records(ws).orders.find((o) => o.symbol === 'MSFT');
        expect(msft?.message).toMatch(/^rejected: /);
        expectAlert(ws, /FAILED: the broker rejected one or more orders/, new RegExp(`BROKER_ERROR MSFT: .*IB code ${code}`));
      });
      const msftOrders = gw.placed().filter((o) => o.symbol === 'MSFT' && o.modification !== true);
      expect(msftOrders).toHaveLength(2);
      expect(new Set(msftOrders.map((o) => o.orderRef)).size).toBe(2);
      expect(
        records(ws)
          .orders.filter((o) => o.symbol === 'MSFT')
          .map((o) => o.status),
      ).toEqual(['SendFailed', expect.stringMatching(/^(Submitted|Filled)$/)]);
    },
  );

  it('API in Read-Only mode (IB 321): every order refused, exit 1 and the alert says to untick Read-Only API; the next run trades', async () => {
    // Fault: "Read-Only API" is ticked in IB Gateway's settings: orders and cancels get 321.
    // Expected: no order is accepted, exit 1, the message says what to change. Next run (setting fixed) trades
    // each ticker once. Not lost: the three rejected intents.
    const { ws, gw } = await faultThenRecovery({ readOnlyApi: true }, (fault, ws, gw) => {
      expect(fault.code, transcript(fault)).toBe(1);
      expect(fault.stdout).toMatch(/BROKER_ERROR \[AAPL\]: .*Read-Only API.*\(IB code 321\)/);
      expect(gw.account().orders).toEqual([]);
      expect(records(ws).orders.map((o) => o.message)).toEqual([
        expect.stringMatching(/^rejected: /),
        expect.stringMatching(/^rejected: /),
        expect.stringMatching(/^rejected: /),
      ]);
      expectAlert(ws, /FAILED: the broker rejected one or more orders/, /IB code 321/);
    });
    expect(gw.account().orders.map((o) => o.symbol)).toEqual(['AAPL', 'MSFT', 'SPY']);
    expect(records(ws).runs.map((r) => r.exit_code)).toEqual([1, 0, 0]);
  });

  it('unknown contract (IB 200): the ticker has no contract and no price, the whole run is blocked with MISSING_PRICE (exit 3, no order); the next run trades', async () => {
    // Fault: IB does not know MSFT (delisted, renamed, wrong exchange): contract details answer 200.
    // Expected: MISSING_PRICE [MSFT] blocks every order (HALTED), exit 3, alert. Not lost: the snapshot.
    const { ws } = await faultThenRecovery({ unknownContracts: ['MSFT'] }, (fault, ws, gw) => {
      expect(fault.code, transcript(fault)).toBe(3);
      // IB's answer and the fix travel with the breach, not only in the log.
      expect(fault.stdout).toMatch(
        /MISSING_PRICE \[MSFT\]: .*; the broker: IB does not know this contract \(IB 200: No security definition has been found for the request\); write the ticker as IB spells it/,
      );
      expect(gw.placed()).toEqual([]);
      expect(records(ws).snapshots).toHaveLength(1);
      expect(logOf(ws)).toMatch(/contract left out: IB does not know this contract \(IB 200/);
      expectAlert(ws, /BLOCKED: .*MISSING_PRICE/, /IB 200: No security definition has been found for the request/);
    });
    expect(records(ws).runs.map((r) => r.status)).toEqual(['blocked', 'ok', 'ok']);
  });

  it('no market data permission (IB 354): no price for the ticker, MISSING_PRICE blocks every order (exit 3); the next run trades', async () => {
    // Fault: the account has no market data subscription for MSFT; its snapshot gets 354.
    // Expected: MISSING_PRICE [MSFT], no order at all, exit 3, the log names 354, alert. Not lost: the snapshot.
    await faultThenRecovery({ noMarketDataPermission: ['MSFT'] }, (fault, ws, gw) => {
      expect(fault.code, transcript(fault)).toBe(3);
      expect(fault.stdout).toMatch(
        /MISSING_PRICE \[MSFT\]: .*\(IB 354: Requested market data is not subscribed.*\); subscribe to its market data .*or set MARKET_DATA_TYPE=delayed/,
      );
      expect(gw.placed()).toEqual([]);
      expect(logOf(ws)).toMatch(/no quote: .*IB 354/);
      expectAlert(ws, /BLOCKED: .*MISSING_PRICE/);
    });
  });

  it('snapshot never ends (no tickSnapshotEnd): the quote times out (MARKET_DATA_TIMEOUT_MS), MISSING_PRICE blocks every order (exit 3); the next run trades', async () => {
    // Fault: IB's snapshot timer is lost for MSFT: ticks may come, the end never does.
    // Expected: after MARKET_DATA_TIMEOUT_MS the quote is left out, MISSING_PRICE, no order, exit 3, alert.
    await faultThenRecovery({ noSnapshotEnd: ['MSFT'] }, (fault, ws, gw) => {
      expect(fault.code, transcript(fault)).toBe(3);
      expect(fault.stdout).toMatch(/MISSING_PRICE \[MSFT\]: .*; the broker: no snapshot end within 1500 ms \(MARKET_DATA_TIMEOUT_MS\)/);
      expect(gw.placed()).toEqual([]);
      expect(logOf(ws)).toMatch(/no quote: no snapshot end within 1500 ms/);
      expectAlert(ws, /BLOCKED: .*MISSING_PRICE/);
    });
  });

  it("pacing: a run over 40 tickers never exceeds IB's 50 messages per second (the gateway answered no error 100) and sends each order once", async () => {
    // Fault: IB's pacing limit (50 client messages in any second; each one over gets error 100, and repeated
    // violations get the client disconnected). Expected: the client paces itself, so the gateway counts no
    // violation, and the run trades every ticker once. Not lost: any order (none dropped by pacing).
    const tickers = Array.from(
      { length: 40 },
      (_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}X`,
    );
    const quotes = Object.fromEntries(tickers.map((t) => [t, { bid: 49.99, ask: 50.01, last: 50, close: 49.9 }]));
    const ws = workspace(trendForecast('2026-11-23T14:00:00Z', Object.fromEntries(tickers.map((t) => [t, 0.024]))));
    const gw = await FaultGateway.start(ws, {
      ...baseScenario(),
      positions: {},
      quotes,
      contracts: {},
      gateway: { faults: { pacingLimitPerSecond: 50 } },
    });
    const r = await runJob(ws, OPEN, { ...gw.env, MAX_ORDERS_PER_RUN: '100' });
    expect(r.code, transcript(r)).toBe(0);
    expect(gw.stats().messagesIn).toBeGreaterThan(120);
    expect(gw.pacingViolations(), 'client messages over 50 in a second (each answered with error 100)').toBe(0);
    expect(logOf(ws)).not.toMatch(/"code":100[,}]/);
    expect(
      gw
        .placed()
        .map((o) => o.symbol)
        .sort(),
    ).toEqual([...tickers].sort());
    expectNoOrderSentTwice(gw.placed());
  });
});
