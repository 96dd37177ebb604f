/**
 * The run's orchestration on in-memory ports (test/support/memory-ports.ts): every exit code the run returns,
 * every trading state and what it sends, a dry run, the kill switch during submission, and the daily loss that
 * turns it on. Exit codes 2 (configuration) and 4 (lock held) belong to the job (src/app/hourly-job.ts) and are
 * covered by the e2e tests. A failure at each step is in run-step-failures.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Breach } from '../../src/core/types.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import {
  aForecastOf,
  aHalt,
  aMarket,
  IN_SESSION,
  memoryRun,
  MemoryKillSwitch,
  runIdAt,
  runInvariantViolations,
  seedEarlierRun,
  type MemoryRun,
  type MemoryRunOverrides,
} from '../support/memory-ports.js';
import { EARLIER, WORKING } from '../support/memory-ports.js';
import { BrokerError } from '../../src/ports/broker.js';
import { orderRefFor } from '../../src/run/run-id.js';
import { anAccountSummary, ScriptedBroker, type BrokerMethod } from '../support/scripted-broker.js';

/** A run with an earlier run's order still working; `arrange` scripts the rest. */
function aRun(overrides: MemoryRunOverrides = {}, arrange: (run: MemoryRun) => void = () => undefined): MemoryRun {
  const run = memoryRun(overrides);
  seedEarlierRun(run, EARLIER, { order: WORKING });
  arrange(run);
  return run;
}

async function go(run: MemoryRun, options: { recorded?: boolean } = {}): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result, options)).toEqual([]);
  return result;
}

/** "ACTION QTY SYMBOL" of every order given to the broker, in order. */
const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => `${o.action} ${o.quantity} ${o.symbol}`);
const sentOf = (result: RunResult): string[] => result.sent.map((o) => `${o.action} ${o.quantity} ${o.symbol}`);
const cancelled = (run: MemoryRun): string[] => run.broker.callsTo('cancelOrder').map(([o]) => o.orderRef);
const codes = (breaches: readonly Breach[]): string[] => [...new Set(breaches.map((b) => b.code))];
const ALL = ['SELL 49 AAPL', 'BUY 71 MSFT', 'BUY 32 SPY'];

const stale: Breach = { code: 'STALE_FORECAST', detail: 'forecasts/trend.json is 30 hours old (max 26)' };

/** IB's cushion below MIN_CUSHION (0.05): over-exposed, so only orders that reduce exposure may go. */
function thinCushion(run: MemoryRun): void {
  run.broker.script.summary = { ...run.broker.script.summary, excessLiquidity: 3_000, cushion: 0.03 };
}

describe('the run: every exit code it returns', () => {
  it.each<{
    name: string;
    overrides?: MemoryRunOverrides;
    arrange?: (run: MemoryRun) => void;
    status: RunResult['status'];
    exitCode: number;
    sent: string[];
  }>([
    { name: 'orders sent', status: 'ok', exitCode: 0, sent: ALL },
    {
      name: 'nothing to do: every position within the no-trade band',
      arrange: (r) => r.forecasts.answer([aForecastOf({ AAPL: 0.19 })]),
      status: 'ok',
      exitCode: 0,
      sent: [],
    },
    { name: 'market closed (a Saturday)', overrides: { now: '2026-11-21T15:30:00Z' }, status: 'skipped', exitCode: 0, sent: [] },
    {
      name: 'broker failure',
      arrange: (r) => r.broker.fail('managedAccounts', new BrokerError('socket closed', 'connectivity')),
      status: 'failed',
      exitCode: 1,
      sent: [],
    },
    { name: 'storage failure', arrange: (r) => r.store.failOn('recordOrderIntents'), status: 'failed', exitCode: 1, sent: [] },
    {
      name: 'blocked by a breaker (HALTED: a stale forecast)',
      arrange: (r) => r.forecasts.withBreaches(stale),
      status: 'blocked',
      exitCode: 3,
      sent: [],
    },
    {
      name: 'blocked, but reducing (REDUCING: margin cushion)',
      arrange: thinCushion,
      status: 'blocked',
      exitCode: 3,
      sent: ['SELL 49 AAPL'],
    },
    { name: 'the kill switch on', overrides: { killSwitch: new MemoryKillSwitch(aHalt()) }, status: 'blocked', exitCode: 3, sent: [] },
    {
      name: 'a wrong account (a live account in paper mode)',
      arrange: (r) => (r.broker.script.accounts = ['U7654321']),
      status: 'blocked',
      exitCode: 3,
      sent: [],
    },
  ])('$name: $status, exit $exitCode', async ({ overrides, arrange, status, exitCode, sent }) => {
    const run = aRun(overrides, arrange);
    const result = await go(run);
    expect({ status: result.status, exitCode: result.exitCode }).toEqual({ status, exitCode });
    expect(sentOf(result)).toEqual(sent);
  });

  it('orders sent: each recorded before it went out, with its reference price, and the order file holds the plan', async () => {
    const run = aRun();
    const result = await go(run);
    expect(run.store.ordersOf(run.runId).map((o) => [o.symbol, o.status, o.brokerOrderId, o.referencePrice])).toEqual([
      ['AAPL', 'Submitted', 1, 190],
      ['MSFT', 'Submitted', 2, 410],
      ['SPY', 'Submitted', 3, 600],
    ]);
    expect(run.records.orderFileOf(run.runId)).toEqual(result.plan?.lines);
    expect(run.db.snapshots.map((s) => s.runId)).toEqual([run.runId]);
    expect(result.files.map((f) => f.label)).toEqual(['database', 'forecast', 'order file', 'trades CSV']);
  });

  it('market closed: the plan is made and the next open named, the earlier order is still cancelled, nothing is sent', async () => {
    const run = aRun({ now: '2026-11-21T15:30:00Z' });
    const result = await go(run);
    expect(result).toMatchObject({ marketOpen: false, nextOpen: '2026-11-23T14:30:00Z' });
    expect(result.plan?.lines.map((l) => l.action)).toEqual(['SELL', 'BUY', 'BUY']);
    expect(cancelled(run)).toEqual([orderRefFor(runIdAt(EARLIER, 'earlier'), 'MSFT')]);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
  });

  it('market closed, with a breach (a stale forecast before the open): exit 0, yet a person is alerted', async () => {
    const run = aRun({ now: '2026-11-21T15:30:00Z' }, (r) => r.forecasts.withBreaches(stale));
    const result = await go(run);
    expect(result).toMatchObject({ status: 'skipped', exitCode: 0 });
    expect(run.mailer.alerts().map((m) => m.subject)).toEqual([expect.stringContaining('BLOCKED: STALE_FORECAST')]);
  });

  it('a wrong account: nothing is cancelled or read beyond the accounts, the alert names the mismatch', async () => {
    const run = aRun({}, (r) => (r.broker.script.accounts = ['U7654321']));
    const result = await go(run);
    expect(run.broker.methods()).toEqual(['connect', 'currentTime', 'managedAccounts', 'disconnect']);
    expect(codes(result.breaches)).toEqual(['ACCOUNT_MISMATCH']);
    expect(run.mailer.alerts()[0]?.text).toContain('TRADING_MODE=paper but account U7654321 is not a paper account');
  });
});

describe('the run: every trading state, and what it sends', () => {
  it('ACTIVE: every order of the plan is sent, once, in plan order, after the earlier order is cancelled', async () => {
    const run = aRun();
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('ACTIVE');
    expect(placed(run)).toEqual(ALL);
    const methods = run.broker.methods();
    expect(methods.indexOf('cancelOrder')).toBeLessThan(methods.indexOf('placeOrder'));
    expect(run.mailer.alerts()).toEqual([]);
  });

  it('REDUCING: only the SELL that shrinks a held position goes; the BUYs are blocked and say why', async () => {
    const run = aRun({}, thinCushion);
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('REDUCING');
    expect(placed(run)).toEqual(['SELL 49 AAPL']);
    const held = new Map(run.broker.script.positions.map((p) => [p.symbol, p.quantity]));
    for (const [order] of run.broker.callsTo('placeOrder')) {
      expect(order.action).toBe('SELL');
      expect(order.quantity).toBeLessThanOrEqual(held.get(order.symbol) ?? 0);
    }
    expect(result.plan?.lines.filter((l) => l.action === 'NONE').map((l) => [l.symbol, l.reason])).toEqual([
      ['MSFT', expect.stringMatching(/^blocked \(REDUCING: MARGIN_CUSHION\): would have BUY 71 @ 410\.41; /)],
      ['SPY', expect.stringMatching(/^blocked \(REDUCING: MARGIN_CUSHION\): would have BUY 32 @ 600\.6; /)],
    ]);
    expect(cancelled(run)).toHaveLength(1);
    expect(run.mailer.alerts()[0]?.subject).toContain('BLOCKED');
  });

  it.each<{ name: string; arrange: (run: MemoryRun) => void; code: Breach['code'] }>([
    { name: 'the kill switch on', arrange: (r) => r.killSwitch.turnOn(aHalt()), code: 'KILL_SWITCH' },
    { name: 'a stale forecast', arrange: (r) => r.forecasts.withBreaches(stale), code: 'STALE_FORECAST' },
    {
      name: 'an invalid forecast',
      arrange: (r) => r.forecasts.withBreaches({ code: 'INVALID_FORECAST', detail: 'forecasts/b.json: weights.X is not a number' }),
      code: 'INVALID_FORECAST',
    },
    { name: 'a missing price', arrange: (r) => delete r.broker.script.quotes.SPY, code: 'MISSING_PRICE' },
    {
      name: 'an NLV jump since the last snapshot (Friday, 150,000)',
      arrange: (r) => seedEarlierRun(r, '2026-11-20T20:30:00Z', { nlv: 150_000 }),
      code: 'NAV_JUMP',
    },
    {
      name: 'a cancel the broker did not confirm',
      arrange: (r) =>
        r.broker.answer('cancelOrder', (o) => ({
          brokerOrderId: o.brokerOrderId,
          orderRef: o.orderRef,
          confirmed: false,
          detail: 'no confirmation in 5 s',
        })),
      code: 'CANCEL_UNCONFIRMED',
    },
  ])('HALTED by $code ($name): nothing is sent, the earlier order is still cancelled, exit 3', async ({ arrange, code }) => {
    const run = aRun({}, arrange);
    const result = await go(run);
    expect(result.plan?.tradingState).toBe('HALTED');
    expect(codes(result.breaches)).toContain(code);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    expect(cancelled(run)).toHaveLength(1);
    expect(result.plan?.lines.map((l) => l.action)).toEqual(['NONE', 'NONE', 'NONE']);
    expect(result.plan?.lines.find((l) => l.symbol === 'AAPL')?.reason).toMatch(/^blocked \(HALTED: .*\): would have SELL 49 @ 189\.81/);
    expect(run.store.breachesOf(run.runId).map((b) => b.code)).toContain(code);
    expect(result).toMatchObject({ status: 'blocked', exitCode: 3 });
  });
});

describe('a dry run', () => {
  it.each(['own', 'all'] as const)(
    'CANCEL_SCOPE=%s: cancels nothing and sends nothing, but plans the same lines as a real run on the same inputs',
    async (cancelScope) => {
      const withGlobalCancel = (dryRun: boolean): MemoryRunOverrides => ({
        broker: new ScriptedBroker({ globalCancel: true, script: aMarket().script }),
        settings: { cancelScope },
        dryRun,
      });
      const dry = aRun(withGlobalCancel(true));
      const real = aRun(withGlobalCancel(false));
      const [dryResult, realResult] = [await go(dry), await go(real)];
      const onlyBroker: BrokerMethod[] = ['cancelOrder', 'cancelAllOrders', 'placeOrder', 'orderStatuses'];
      expect(dry.broker.methods().filter((m) => onlyBroker.includes(m))).toEqual([]);
      expect(dryResult).toMatchObject({ status: 'ok', exitCode: 0, sent: [] });
      expect(dryResult.plan?.lines).toEqual(realResult.plan?.lines);
      expect(dryResult.plan?.lines.map((l) => `${l.action} ${l.quantity} ${l.symbol}`)).toEqual(ALL);
      expect(dry.records.orderFileOf(dry.runId)).toEqual(real.records.orderFileOf(real.runId));
      expect(dry.store.ordersOf(dry.runId)).toEqual([]);
      expect(dry.db.runs.find((r) => r.runId === dry.runId)?.dryRun).toBe(true);
    },
  );

  it('teaches the records nothing a later run acts on: no ticker becomes managed, no strategy becomes known', async () => {
    // A trial file run dry and then deleted must not block later runs (STRATEGY_MISSING), nor make its tickers
    // managed, so that nothing is sold that only a trial named.
    const dry = aRun({ dryRun: true });
    await go(dry);
    expect(dry.store.managedSymbols()).toEqual([]);
    expect(dry.store.strategies()).toEqual([]);
    const real = aRun({ dryRun: false });
    await go(real);
    expect(real.store.managedSymbols().length).toBeGreaterThan(0);
    expect(real.store.strategies().length).toBeGreaterThan(0);
  });

  it('the reconciliation failing: the run fails without cancelling anything', async () => {
    const run = aRun({ dryRun: true }, (r) => r.broker.fail('openOrders', new BrokerError('socket closed', 'connectivity')));
    expect(await go(run)).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(run.broker.callsTo('cancelOrder')).toEqual([]);
  });

  it('blocked by a breaker, it exits 3 like a real run, and still sends nothing', async () => {
    const run = aRun({ dryRun: true }, thinCushion);
    expect(await go(run)).toMatchObject({ status: 'blocked', exitCode: 3, sent: [] });
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
  });
});

describe('the kill switch turned on while the run is sending', () => {
  it.each([
    { after: 1, sent: ['SELL 49 AAPL'] },
    { after: 2, sent: ['SELL 49 AAPL', 'BUY 71 MSFT'] },
  ])(
    'after order $after: the orders not yet sent stay unsent, their intents recorded NotSent; blocked, exit 3',
    async ({ after, sent }) => {
      const run = aRun({}, (r) => r.killSwitch.turnOnWhen(() => r.broker.callsTo('placeOrder').length >= after));
      const result = await go(run);
      expect(placed(run)).toEqual(sent);
      expect(sentOf(result)).toEqual(sent);
      expect(result).toMatchObject({ status: 'blocked', exitCode: 3 });
      expect(result.error).toBe('submission stopped: the kill switch was turned on during the run');
      expect(codes(result.breaches)).toEqual(['KILL_SWITCH']);
      // The batch's intents were recorded before the first order went; the stop settles the unsent ones at once.
      const recorded = run.store.ordersOf(run.runId);
      expect(recorded.filter((o) => o.status !== 'NotSent').map((o) => o.symbol)).toEqual(sent.map((s) => s.split(' ')[2]));
      expect(recorded.filter((o) => o.status === 'NotSent').map((o) => [o.symbol, o.message])).toEqual(
        ['AAPL', 'MSFT', 'SPY'].slice(after).map((s) => [s, 'not sent: submission stopped: the kill switch was turned on during the run']),
      );
      expect(run.store.ordersToReconcile('a later run').filter((o) => o.status === 'NotSent' || o.status === 'Intent')).toEqual([]);
      expect(run.killSwitch.turnedOn).toEqual([]);
    },
  );
});

describe('a daily loss beyond MAX_DAILY_LOSS_PCT', () => {
  /** Today's first snapshot at 100,000; now 94,000: a loss of 6% > 5%. */
  function losing(overrides: MemoryRunOverrides = {}): MemoryRun {
    return aRun(overrides, (r) => {
      seedEarlierRun(r, '2026-11-23T14:35:00Z', { nlv: 100_000 });
      r.broker.script.summary = anAccountSummary({
        netLiquidation: 94_000,
        totalCash: 75_000,
        grossPositionValue: 19_000,
        excessLiquidity: 74_000,
        cushion: 0.78,
      });
    });
  }

  it('turns the kill switch on (recorded as a halt event), sends nothing, exit 3; the next run stays halted though the loss is gone', async () => {
    const run = losing();
    const result = await go(run);
    expect(codes(result.breaches)).toEqual(['DAILY_LOSS_LIMIT']);
    expect(run.killSwitch.turnedOn).toEqual([
      { reason: expect.stringContaining('loss 6.00% > max 5.00%'), at: IN_SESSION, source: `run ${run.runId}` },
    ]);
    expect(run.db.haltEvents).toMatchObject([{ action: 'halt', source: `run ${run.runId}` }]);
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
    expect(result).toMatchObject({ status: 'blocked', exitCode: 3 });

    const next = memoryRun({ now: '2026-11-23T16:30:00Z', stores: run.stores, killSwitch: run.killSwitch });
    const nextResult = await go(next);
    expect(codes(nextResult.breaches)).toEqual(['KILL_SWITCH']);
    expect(next.broker.callsTo('placeOrder')).toEqual([]);
    expect(run.killSwitch.turnedOn).toHaveLength(1);
  });

  it('in a dry run, leaves the kill switch off', async () => {
    const run = losing({ dryRun: true });
    const result = await go(run);
    expect(codes(result.breaches)).toEqual(['DAILY_LOSS_LIMIT']);
    expect(run.killSwitch.isOn).toBe(false);
    expect(run.db.haltEvents).toEqual([]);
  });

  it('with the kill switch already on, does not turn it on again', async () => {
    const run = losing({ killSwitch: new MemoryKillSwitch(aHalt()) });
    await go(run);
    expect(run.killSwitch.turnedOn).toEqual([]);
    expect(run.db.haltEvents).toEqual([]);
  });
});
