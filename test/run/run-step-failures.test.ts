/**
 * A failure at each step of the run, in the order the run takes them, on in-memory ports. Every row checks the
 * invariants of runInvariantViolations (no order sent twice, the result lists exactly what the broker accepted,
 * the run recorded with its status and exit code, one alert for a failed run, the broker disconnected, the
 * heartbeat), and then what the step is about: which orders reached the broker, which calls came after the
 * failure (nothing but what the design allows), and what the run says went wrong.
 */
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { BrokerError } from '../../src/ports/broker.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { memoryRun, runIdAt, runInvariantViolations, seedEarlierRun, type MemoryRun } from '../support/memory-ports.js';
import { EARLIER, WORKING } from '../support/memory-ports.js';
import type { BrokerMethod } from '../support/scripted-broker.js';

/** A run in session with an earlier run's order still working, so that every step has work to do. */
function aRun(): MemoryRun {
  const run = memoryRun();
  seedEarlierRun(run, EARLIER, { order: WORKING });
  return run;
}

const symbols = (orders: readonly { symbol: string }[]): string[] => orders.map((o) => o.symbol);
const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => o.symbol);

/** The `nth` call of a store method from now on (calls made while seeding count too). */
function storeFails(run: MemoryRun, method: Parameters<MemoryRun['store']['failOn']>[0], nth = 1): void {
  run.store.failOn(method, { call: (run.store.callCounts.get(method) ?? 0) + nth });
}

const refused = (what: string): BrokerError => new BrokerError(`${what} refused (scripted)`, 'rejected', 321);

interface StepFailure {
  step: string;
  inject: (run: MemoryRun) => void;
  /** Symbols given to placeOrder, in order. */
  placed: string[];
  /** Symbols the result lists as sent. */
  sent: string[];
  /** cancelOrder calls (of the earlier run's working order). */
  cancels: number;
  /** The broker's last calls, from the failing one (or the last one before a failure elsewhere). */
  tail: BrokerMethod[];
  error: RegExp;
}

const ALL = ['AAPL', 'MSFT', 'SPY'];

const STEPS: StepFailure[] = [
  {
    step: 'connect',
    inject: (r) => r.broker.fail('connect', new BrokerError('could not connect to TWS/IB Gateway at 127.0.0.1:4002', 'connect')),
    placed: [],
    sent: [],
    cancels: 0,
    tail: ['connect'],
    error: /^broker: could not connect/,
  },
  {
    step: 'managedAccounts',
    inject: (r) => r.broker.fail('managedAccounts', refused('managedAccounts')),
    placed: [],
    sent: [],
    cancels: 0,
    tail: ['connect', 'currentTime', 'managedAccounts', 'disconnect'],
    error: /^broker: managedAccounts refused/,
  },
  {
    // The reconciliation fails: the earlier run's open orders are cancelled anyway, then the run stops.
    step: 'reconcile: openOrders',
    inject: (r) => r.broker.fail('openOrders', refused('openOrders'), { call: 1 }),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['managedAccounts', 'openOrders', 'openOrders', 'cancelOrder', 'disconnect'],
    error: /^broker: openOrders refused/,
  },
  {
    step: 'reconcile: executions',
    inject: (r) => r.broker.fail('executions', refused('executions'), { call: 1 }),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['openOrders', 'executions', 'openOrders', 'cancelOrder', 'disconnect'],
    error: /^broker: executions refused/,
  },
  {
    step: 'cancelOrder',
    inject: (r) => r.broker.fail('cancelOrder', refused('cancelOrder')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['openOrders', 'cancelOrder', 'disconnect'],
    error: /^broker: cancelOrder refused/,
  },
  {
    step: 'executions since the last run',
    inject: (r) => r.broker.fail('executions', refused('executions'), { call: 2 }),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['cancelOrder', 'executions', 'disconnect'],
    error: /^broker: executions refused/,
  },
  {
    step: 'accountSummary',
    inject: (r) => r.broker.fail('accountSummary', refused('accountSummary')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['executions', 'accountSummary', 'disconnect'],
    error: /^broker: accountSummary refused/,
  },
  {
    step: 'positions',
    inject: (r) => r.broker.fail('positions', refused('positions')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['accountSummary', 'positions', 'disconnect'],
    error: /^broker: positions refused/,
  },
  {
    // The port promises never to throw; a source that does anyway fails the run before any order.
    step: 'forecast source',
    inject: (r) => r.forecasts.fail(new Error('forecast reader crashed')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['accountSummary', 'positions', 'disconnect'],
    error: /^forecast reader crashed$/,
  },
  {
    step: 'contractDetails',
    inject: (r) => r.broker.fail('contractDetails', refused('contractDetails')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['positions', 'contractDetails', 'disconnect'],
    error: /^broker: contractDetails refused/,
  },
  {
    step: 'quotes',
    inject: (r) => r.broker.fail('quotes', new BrokerError('quotes timed out after 10000 ms', 'timeout')),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['contractDetails', 'quotes', 'disconnect'],
    error: /^broker: quotes timed out/,
  },
  {
    step: 'the order file write',
    inject: (r) => r.records.failOn('writeOrderFile'),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['contractDetails', 'quotes', 'disconnect'],
    error: /^storage: memory:data\/orders\/.*: could not write the order file .*the disk is full/,
  },
  {
    // The batch's intents are recorded together before any order goes: a failure there sends nothing.
    step: 'recordOrderIntents of the batch',
    inject: (r) => storeFails(r, 'recordOrderIntents', 1),
    placed: [],
    sent: [],
    cancels: 1,
    tail: ['quotes', 'disconnect'],
    error: /^storage: :memory:: could not record 3 order intents of run /,
  },
  {
    // The broker has the order; the record of it failed: it is listed as sent, and nothing more goes out (the answer
    // came before the next order's turn: it is kept back at the last moment).
    step: 'markOrderSent of the first order',
    inject: (r) => storeFails(r, 'markOrderSent', 1),
    placed: ['AAPL'],
    sent: ['AAPL'],
    cancels: 1,
    tail: ['quotes', 'placeOrder', 'disconnect'],
    error: /^storage: .*could not record order rebal:.*:AAPL as sent/,
  },
  {
    // A rejected order is only that order: the others go on.
    step: 'placeOrder rejected (the second order)',
    inject: (r) => r.broker.fail('placeOrder', new BrokerError('order rejected: no trading permissions', 'rejected', 201), { call: 2 }),
    placed: ALL,
    sent: ['AAPL', 'SPY'],
    cancels: 1,
    tail: ['placeOrder', 'placeOrder', 'placeOrder', 'orderStatuses', 'accountSummary', 'positions', 'disconnect'],
    error: /^the broker rejected one or more orders$/,
  },
  {
    // A timeout may have reached the broker: submission stops, the order is never sent again by this run. Orders go
    // out pipelined: the third left while the second still waited for its answer (each has its own deadline).
    step: 'placeOrder timed out (the second order)',
    inject: (r) => r.broker.hang('placeOrder', { call: 2, ms: 50 }),
    placed: ALL,
    sent: ['AAPL', 'SPY'],
    cancels: 1,
    tail: ['placeOrder', 'placeOrder', 'placeOrder', 'accountSummary', 'positions', 'disconnect'],
    error: /^submission stopped: timeout while sending rebal:.*:MSFT$/,
  },
  {
    step: 'placeOrder, connection lost (the second order)',
    inject: (r) => r.broker.dropConnection('placeOrder', { call: 2 }),
    placed: ['AAPL', 'MSFT'],
    sent: ['AAPL'],
    cancels: 1,
    tail: ['placeOrder', 'placeOrder', 'accountSummary', 'disconnect'],
    error: /^broker: /,
  },
  {
    step: 'orderStatuses',
    inject: (r) =>
      r.broker.fail('orderStatuses', new BrokerError('connectivity between IB and TWS/IB Gateway was lost', 'connectivity', 1100)),
    placed: ALL,
    sent: ALL,
    cancels: 1,
    tail: ['placeOrder', 'orderStatuses', 'accountSummary', 'positions', 'disconnect'],
    error: /^submission stopped: connectivity while gathering order statuses$/,
  },
  {
    step: 'the snapshot (recordSnapshot)',
    inject: (r) => storeFails(r, 'recordSnapshot'),
    placed: ALL,
    sent: ALL,
    cancels: 1,
    tail: ['orderStatuses', 'accountSummary', 'positions', 'disconnect'],
    error: /^storage: .*could not record the snapshot of run/,
  },
  {
    step: 'the trades sync',
    inject: (r) => r.records.failOn('syncTrades'),
    placed: ALL,
    sent: ALL,
    cancels: 1,
    tail: ['orderStatuses', 'accountSummary', 'positions', 'disconnect'],
    error: /^storage: memory:data\/trades\.csv: could not append to the trades CSV/,
  },
];

describe('a failure at each step of the run', () => {
  it.each(STEPS)('$step: failed, exit 1; orders placed: $placed', async (row) => {
    const run = aRun();
    row.inject(run);
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect({ status: result.status, exitCode: result.exitCode }).toEqual({ status: 'failed', exitCode: 1 });
    expect(placed(run)).toEqual(row.placed);
    expect(symbols(result.sent)).toEqual(row.sent);
    expect(run.broker.callsTo('cancelOrder')).toHaveLength(row.cancels);
    expect(run.broker.methods().slice(-row.tail.length)).toEqual(row.tail);
    expect(result.error).toMatch(row.error);
    expect(run.db.runs.find((r) => r.runId === run.runId)?.error).toBe(result.error);
    const alert = run.mailer.alerts()[0];
    expect(alert?.subject).toContain(' FAILED: ');
    for (const s of result.sent) expect(alert?.text).toContain(s.orderRef);
  });

  it('a failure before any record of the run (startRun): the run throws before it touches the broker (the job turns it into exit 1)', async () => {
    const run = aRun();
    storeFails(run, 'startRun');
    await expect(runRebalance(run)).rejects.toBeInstanceOf(StorageError);
    expect(run.broker.methods()).toEqual([]);
  });

  it('placeOrder rejected: the rejected order is recorded as SendFailed with the reason, the others as sent', async () => {
    const run = aRun();
    run.broker.fail('placeOrder', new BrokerError('order rejected: no trading permissions', 'rejected', 201), { call: 2 });
    const result = await runRebalance(run);
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Submitted'],
      ['MSFT', 'SendFailed'],
      ['SPY', 'Submitted'],
    ]);
    expect(result.breaches).toContainEqual(
      expect.objectContaining({ code: 'BROKER_ERROR', symbol: 'MSFT', detail: expect.stringContaining('(IB code 201)') }),
    );
    expect(run.db.snapshots.map((s) => s.runId)).toContain(run.runId);
  });

  it('placeOrder timed out: the order is recorded as possibly at the broker, and the next run reconciles it by orderRef instead of sending it again', async () => {
    const run = aRun();
    run.broker.hang('placeOrder', { call: 2, ms: 50 });
    await runRebalance(run);
    const [msft] = run.store.ordersOf(run.runId).filter((o) => o.symbol === 'MSFT');
    expect(msft).toMatchObject({ status: 'SendFailed', message: expect.stringContaining('it may have reached the broker') });
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status])).toEqual([
      ['AAPL', 'Submitted'],
      ['MSFT', 'SendFailed'],
      ['SPY', 'Submitted'],
    ]);

    // It did reach the broker: the next run finds it open, records it, and cancels it with the others.
    const atBroker = {
      brokerOrderId: 77,
      permId: 977,
      orderRef: msft?.orderRef ?? '',
      symbol: 'MSFT',
      action: 'BUY' as const,
      quantity: 71,
      limitPrice: 410.41,
      status: 'Submitted' as const,
      filledQuantity: 0,
      avgFillPrice: 0,
    };
    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores });
    next.broker.script.openOrders = [atBroker];
    const nextResult = await runRebalance(next);
    expect(runInvariantViolations(next, nextResult)).toEqual([]);
    expect(next.broker.callsTo('cancelOrder').map(([o]) => o.orderRef)).toEqual([atBroker.orderRef]);
    expect(next.broker.callsTo('placeOrder').map(([o]) => o.orderRef)).not.toContain(atBroker.orderRef);
    expect(nextResult.notices.join('\n')).toContain(atBroker.orderRef);
  });

  it('the trades sync fails: the fills stay unflagged and the next sync appends each once', async () => {
    const run = aRun();
    run.broker.script.executions = [
      {
        execId: 'e1',
        brokerOrderId: 41,
        permId: 4100,
        orderRef: orderRefFor(runIdAt(EARLIER, 'earlier'), 'MSFT'),
        symbol: 'MSFT',
        side: 'BUY',
        quantity: 10,
        price: 405,
        commission: 1,
        time: '2026-11-23T14:40:00Z',
      },
    ];
    run.records.failOn('syncTrades');
    await runRebalance(run);
    expect(run.records.trades).toEqual([]);
    expect(run.store.fillsNotInCsv().map((f) => f.execId)).toEqual(['e1']);
    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores, records: run.records });
    next.broker.script.executions = run.broker.script.executions;
    await runRebalance(next);
    expect(run.records.trades.map((t) => t.execId)).toEqual(['e1']);
    expect(run.store.fillsNotInCsv()).toEqual([]);
  });
});

describe('failures after the outcome is decided change nothing', () => {
  /** The same run twice, once as is and once with `inject`; the outcomes must be equal. */
  async function withAndWithout(
    inject: (run: MemoryRun) => void,
    arrange: (run: MemoryRun) => void = () => undefined,
  ): Promise<[RunResult, RunResult, MemoryRun]> {
    const plain = aRun();
    arrange(plain);
    const failing = aRun();
    arrange(failing);
    inject(failing);
    return [await runRebalance(plain), await runRebalance(failing), failing];
  }

  const comparable = (r: RunResult): unknown => ({
    status: r.status,
    exitCode: r.exitCode,
    sent: r.sent,
    breaches: r.breaches,
    error: r.error,
    plan: r.plan,
  });

  it.each([
    { name: 'an ok run', arrange: () => undefined, status: 'ok' },
    {
      name: 'a blocked run',
      arrange: (r: MemoryRun) =>
        r.broker.answer('cancelOrder', (o) => ({ brokerOrderId: o.brokerOrderId, orderRef: o.orderRef, confirmed: false })),
      status: 'blocked',
    },
    { name: 'a failed run', arrange: (r: MemoryRun) => r.broker.fail('quotes'), status: 'failed' },
  ])('the mailer throwing, in $name: same outcome, recorded, heartbeat sent', async ({ arrange, status }) => {
    const [plain, failing, run] = await withAndWithout((r) => r.mailer.failing(), arrange);
    expect(failing.status).toBe(status);
    expect(comparable(failing)).toEqual(comparable(plain));
    expect(run.mailer.attempts.length).toBeGreaterThan(0);
    expect(run.mailer.sent).toEqual([]);
    expect(run.db.runs.find((r) => r.runId === run.runId)).toMatchObject({ status: failing.status, exitCode: failing.exitCode });
    expect(run.heartbeat.pings).toEqual([failing.exitCode]);
    expect(run.lines.some((l) => /failed: mailer failed \(scripted\)/.test(l))).toBe(true);
  });

  it('the mailer queueing (SMTP down): same outcome, the alert waits in the outbox', async () => {
    const [plain, failing, run] = await withAndWithout(
      (r) => r.mailer.queueing(),
      (r) => r.broker.fail('quotes'),
    );
    expect(comparable(failing)).toEqual(comparable(plain));
    expect(run.mailer.outbox.map((m) => m.subject)).toContainEqual(expect.stringContaining(' FAILED: '));
    expect(run.db.emails.filter((e) => e.kind === 'alert').map((e) => e.status)).toEqual(['queued']);
  });

  it.each([
    { name: 'an ok run', arrange: () => undefined },
    { name: 'a failed run', arrange: (r: MemoryRun) => r.broker.fail('quotes') },
  ])('finishRun failing, in $name: same outcome, the alert and heartbeat still go out', async ({ arrange }) => {
    const [plain, failing, run] = await withAndWithout((r) => storeFails(r, 'finishRun'), arrange);
    expect(comparable(failing)).toEqual(comparable(plain));
    expect(runInvariantViolations(run, failing, { recorded: false })).toEqual([]);
    expect(run.db.runs.find((r) => r.runId === run.runId)?.status).toBe('running');
  });
});

describe('the heartbeat failing', () => {
  it('changes nothing: the run is recorded as it ended, and the console says the ping failed', async () => {
    const run = aRun();
    run.heartbeat.failWith('HTTP 503');
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(result).toMatchObject({ status: 'ok', exitCode: 0 });
    expect(run.lines).toContain('heartbeat failed: HTTP 503');
  });
});

/** Defects these tests found, now fixed: each asserts what the README promises. */
describe('defects found by these tests', () => {
  // Was: the alert throttle reads the alert history before it sends (src/report/send-alert.ts, called from
  // notifyAfterRun in src/run/notify.ts). When the database fails mid-run with an I/O error that also fails
  // reads, that read throws, notify's guard logs "alert email failed", and no alert is sent at all, though the run
  // failed after sending orders. The job (src/app/hourly-job.ts) does not alert for a run that returned exit 1,
  // so nobody is told (README: "Alerts, at once, for every failed or blocked run"). Now the throttle fails open: with
  // no readable history the alert is sent.
  it('the records failing mid-run (disk I/O error on writes and reads): the failed run is still alerted', async () => {
    const run = aRun();
    storeFails(run, 'markOrderSent', 2);
    run.reports.failOn('alertHistory', { times: Infinity });
    const result = await runRebalance(run);
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(symbols(result.sent)).toEqual(['AAPL', 'MSFT']);
    expect(run.mailer.alerts()).toHaveLength(1);
  });

  // Was: submitOrders (src/run/submit-orders.ts) merges the statuses gathered in the status window into `sent`
  // but never looks at them. An order the broker acknowledged and then killed within the window (IB sends
  // PreSubmitted, then error 201 and status Inactive, or 202 and Cancelled) is reported as sent: status ok,
  // exit 0, no breach, no alert. The same rejection arriving before the acknowledgement is a BROKER_ERROR, exit 1
  // and an alert (README fault 13: "an order rejected, 201: the other orders go out, exit 1 naming the code, alert").
  // Now an order that ends unfilled within the window is a BROKER_ERROR too.
  it('an order the broker sets Inactive within the status window: a BROKER_ERROR, exit 1 and an alert, like a rejection', async () => {
    const run = aRun();
    run.broker.answer('orderStatuses', (ids) =>
      ids.flatMap((id) => {
        const order = run.broker.placed.get(id);
        if (order === undefined) return [];
        return [
          order.symbol === 'MSFT'
            ? { ...order, status: 'Inactive' as const, message: 'Order rejected - reason: insufficient margin (IB 201)' }
            : order,
        ];
      }),
    );
    const result = await runRebalance(run);
    expect(run.store.ordersOf(run.runId).find((o) => o.symbol === 'MSFT')?.status).toBe('Inactive');
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(result.breaches).toContainEqual(expect.objectContaining({ code: 'BROKER_ERROR', symbol: 'MSFT' }));
    expect(run.mailer.alerts()).toHaveLength(1);
  });
});
