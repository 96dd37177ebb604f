/**
 * Fault matrix, an account in another base currency (issue 15, FX_POLICY=borrow): an SGD account holding US ETFs
 * and buying a London listing quoted in GBP, the built `rebalancer run` against the simulated IB Gateway. The
 * USD rate comes from the account's cash ledger (it holds dollars), the GBP rate from IDEALPRO's GBP.SGD quote
 * (it holds no pounds). One fault per test, then the invariants after the next run (fault removed): no order sent
 * twice, no fill lost, the records agree with IB, and each order row keeps the rate it was sized with.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli.js';
import {
  FaultGateway,
  OPEN,
  databaseFile,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  plus,
  records,
  runJob,
  startJob,
  transcript,
  until,
  useFaultKit,
  type Workspace,
} from './support/kit.js';
import { CURRENCY_OF, RATES, TARGETS, sgdScenario, sgdWorkspace } from './support/sgd-account.js';

useFaultKit();

const USD_FROM_LEDGER = 'the account ledger';
const GBP_FROM_IDEALPRO = 'IDEALPRO GBP.SGD midpoint';

/** Orders fill 5,000 (USD or GBP) per 5-minute step: a faulty run leaves them working for the next run. */
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };

/** The run's environment: limits in SGD (a 0.3 weight is about SGD 98,000). */
function sgdEnv(gw: FaultGateway, over: Record<string, string> = {}): Record<string, string> {
  return { ...gw.env, MAX_ORDER_VALUE: '150000', ...over };
}

interface RateRow {
  order_ref: string;
  symbol: string;
  status: string;
  currency: string | null;
  fx_rate: number | null;
  fx_rate_at: string | null;
  fx_rate_source: string | null;
}

function orderRates(ws: Workspace): RateRow[] {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare('SELECT order_ref, symbol, status, currency, fx_rate, fx_rate_at, fx_rate_source FROM orders ORDER BY id')
      .all() as RateRow[];
  } finally {
    db.close();
  }
}

/**
 * Every order row carries its contract's currency and the rate it was sized with: the scenario's (a rate on
 * IDEALPRO's tick grid has it as its midpoint; the ledger prints it), read at the run's instant, from where.
 */
function expectEveryOrderSizedAtItsRate(ws: Workspace): void {
  const rows = orderRates(ws);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const currency = CURRENCY_OF[row.symbol] ?? '?';
    expect([row.symbol, row.currency, row.fx_rate], row.order_ref).toEqual([row.symbol, currency, RATES[currency as keyof typeof RATES]]);
    expect(row.fx_rate_at, row.order_ref).toMatch(/^2026-11-23T/);
    expect(row.fx_rate_source, row.order_ref).toMatch(
      currency === 'USD' ? USD_FROM_LEDGER : /^(the account ledger|IDEALPRO GBP\.SGD midpoint)$/,
    );
  }
}

/** The rows of `before` as they are now: the rate of an order never changes after its intent. */
function expectRatesKept(ws: Workspace, before: RateRow[]): void {
  const now = new Map(orderRates(ws).map((r) => [r.order_ref, r]));
  expect(
    before.map((r) => ({ ref: r.order_ref, currency: r.currency, rate: r.fx_rate, at: r.fx_rate_at, source: r.fx_rate_source })),
    'the rates of the earlier run',
  ).toEqual(
    before.map((r) => {
      const row = now.get(r.order_ref);
      return { ref: r.order_ref, currency: row?.currency, rate: row?.fx_rate, at: row?.fx_rate_at, source: row?.fx_rate_source };
    }),
  );
}

/** The invariants, after the next run and a dry run that only collects what is still filling. */
async function settleAndCheck(ws: Workspace, gw: FaultGateway, at: string): Promise<void> {
  const settle = await runJob(ws, at, sgdEnv(gw), ['--dry-run']);
  expect(settle.code, transcript(settle)).toBe(0);
  expectNoOrderSentTwice(gw.placed());
  expectPositionsAtMost(gw.account(), TARGETS);
  expectNoFillLost(ws, gw.account());
  expectRecordsAgreeWithBroker(ws, gw.account());
  expectEveryOrderSizedAtItsRate(ws);
}

function cashFlows(ws: Workspace): { amount: number; currency: string; kind: string; source: string }[] {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT amount, currency, kind, source FROM cash_flows ORDER BY at').all() as ReturnType<typeof cashFlows>;
  } finally {
    db.close();
  }
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The recovery run kept each order the faulty run left working for its plan (left as it is, or changed in place). */
function expectKeptForPlan(recovery: CliResult, gw: FaultGateway, ref: string): void {
  const order = gw.account().orders.find((o) => o.orderRef === ref);
  expect(order, ref).toBeDefined();
  expect(recovery.stdout).toMatch(
    new RegExp(`^(left working as it is: |modified )${escapeRe(ref)} \\(order ${order?.orderId ?? '?'},`, 'm'),
  );
}

describe('fault matrix: an SGD account buying in USD and GBP (borrowed), at the simulated IB Gateway', () => {
  it('kill -9 after the first order reached IB: the next run settles it, sends nothing twice, and every order row keeps the rate it was sized with', async () => {
    // Fault: the run is killed after its first order (IEF, sized at the ledger's USD rate) reached IB, before IB
    // answered. Expected: the next run takes the stale lock, finds the order by orderRef, collects its fills, keeps
    // it for its plan and buys SPY and VUKE once, under new orderRefs. Not lost: the three intents with their
    // currency and rate (written before the first order left), every fill.
    const ws = sgdWorkspace();
    const scenario = sgdScenario(SLOW_FILLS);
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { answerDelayMs: 400 } } });
    const killed = startJob(ws, OPEN, sgdEnv(gw, { IB_MESSAGES_PER_SECOND: '2' }));
    // At 2 messages a second the run takes about 10 s to its first order (the FX pair's requests included).
    await until(() => gw.placed().length >= 1, 'the first order to reach the gateway', 40_000);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    expect(gw.placed().map((o) => o.symbol)).toEqual(['IEF']);
    const killedRef = gw.placed()[0]?.orderRef ?? '';
    const intents = orderRates(ws);
    expect(intents.map((r) => [r.symbol, r.status, r.currency, r.fx_rate, r.fx_rate_source])).toEqual([
      ['IEF', 'Intent', 'USD', RATES.USD, USD_FROM_LEDGER],
      ['SPY', 'Intent', 'USD', RATES.USD, USD_FROM_LEDGER],
      ['VUKE', 'Intent', 'GBP', RATES.GBP, GBP_FROM_IDEALPRO],
    ]);

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, sgdEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expectKeptForPlan(recovery, gw, killedRef);
    expect(recovery.stdout).toMatch(/BUY 52 IEF @ [\d.]+ commission/);
    await settleAndCheck(ws, gw, next);

    const placed = gw.placed();
    expect(placed.filter((o) => o.orderRef === killedRef)).toHaveLength(1);
    expect(placed.map((o) => o.symbol).sort()).toEqual(['IEF', 'SPY', 'VUKE']);
    expectRatesKept(ws, intents);
    expect(records(ws).runs[0]?.status).toBe('failed');
  }, 60_000);

  it('the connection drops after the 2nd of 3 orders: fail closed, nothing resent; the next run keeps what works and buys the London listing once', async () => {
    // Fault: the gateway takes the 2nd order (SPY) and drops the socket before acknowledging it. Expected: exit 1,
    // "nothing is resent", no VUKE order, an alert. Next run: SPY found by orderRef and kept for its plan, VUKE
    // bought once at IDEALPRO's GBP rate. Not lost: every intent with its rate, every fill.
    const ws = sgdWorkspace();
    const scenario = sgdScenario(SLOW_FILLS);
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { dropConnectionAfterOrders: 2 } } });
    const fault = await runJob(ws, OPEN, sgdEnv(gw));
    expect(fault.code, transcript(fault)).toBe(1);
    expect(fault.stdout).toMatch(
      /RUN FAILED: broker: the connection to TWS\/IB Gateway at 127\.0\.0\.1:\d+ dropped during the run.*; nothing is resent/,
    );
    expect(gw.placed().map((o) => o.symbol)).toEqual(['IEF', 'SPY']);
    expectAlert(ws, /FAILED: broker: the connection to TWS\/IB Gateway at [\d.:]+ dropped during the run/);
    const before = orderRates(ws);
    expect(before.map((r) => [r.symbol, r.fx_rate])).toEqual([
      ['IEF', RATES.USD],
      ['SPY', RATES.USD],
      ['VUKE', RATES.GBP],
    ]);
    const spyRef = gw.placed()[1]?.orderRef ?? '';

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, sgdEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expectKeptForPlan(recovery, gw, spyRef);
    await settleAndCheck(ws, gw, next);

    expect(gw.placed().filter((o) => o.symbol === 'SPY')).toHaveLength(1);
    expect(gw.placed().filter((o) => o.symbol === 'VUKE')).toHaveLength(1);
    expect(records(ws).orders.find((o) => o.order_ref === spyRef)?.broker_order_id, 'the unacknowledged order, reconciled').toBe(2);
    expectRatesKept(ws, before);
  });

  it('no GBP rate (IDEALPRO quotes GBP.SGD one-sided, no pounds held): CURRENCY_MISMATCH names the reason, HALTED, no order at all; the next run trades once', async () => {
    // Fault: IDEALPRO's GBP.SGD snapshot has a bid and no ask, and the ledger lists no GBP (none held): no usable
    // rate. Expected: VUKE is not sized, CURRENCY_MISMATCH with IB's reason halts the run: exit 3, nothing sent,
    // not even the USD orders (sized with the ledger's rate), an alert. Next run (the quote two-sided again): the
    // three orders go out once. Not lost: the snapshot; nothing half-done.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, {
      ...scenario,
      gateway: { faults: { fxQuotes: { 'GBP.SGD': { bid: 1.7213, ask: null } } } },
    });
    const fault = await runJob(ws, OPEN, sgdEnv(gw));
    expect(fault.code, transcript(fault)).toBe(3);
    const reason =
      "VUKE trades in GBP but the account's currency is SGD, and there is no GBP rate: the IDEALPRO GBP.SGD quote is not two-sided (bid 1.7213, ask -1): FX has no last price, so no rate";
    expect(fault.stdout).toContain('TRADING HALTED: nothing would be sent (CURRENCY_MISMATCH)');
    expect(fault.stdout).toContain(`CURRENCY_MISMATCH [VUKE]: ${reason}`);
    expect(gw.placed(), 'orders at IB').toEqual([]);
    const faulty = records(ws);
    expect(faulty.orders, 'intents').toEqual([]);
    expect(faulty.breaches.map((b) => [b.code, b.detail])).toEqual([['CURRENCY_MISMATCH', reason]]);
    expect(faulty.runs.map((r) => [r.status, r.exit_code])).toEqual([['blocked', 3]]);
    expect(faulty.snapshots).toHaveLength(1);
    expectAlert(ws, /BLOCKED: CURRENCY_MISMATCH/, /no GBP rate/);

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, sgdEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(gw.placed().map((o) => o.symbol)).toEqual(['IEF', 'SPY', 'VUKE']);
    const later = plus(OPEN, 10);
    gw.now = later;
    const again = await runJob(ws, later, sgdEnv(gw));
    expect(again.code, transcript(again)).toBe(0);
    expect(again.stdout).toContain('no orders sent');
    await settleAndCheck(ws, gw, later);
    expect(gw.placed()).toHaveLength(3);
    expect(gw.account().positions).toMatchObject({ IEF: { quantity: 508 }, SPY: { quantity: 100 }, VUKE: { quantity: 1622 } });
    expect(orderRates(ws).map((r) => [r.symbol, r.status, r.fx_rate_source])).toEqual([
      ['IEF', 'Filled', USD_FROM_LEDGER],
      ['SPY', 'Filled', USD_FROM_LEDGER],
      ['VUKE', 'Filled', GBP_FROM_IDEALPRO],
    ]);
  });

  it('the USD rate moves between runs after a purchase in borrowed dollars: no cash flow inferred, no NAV_JUMP; an SGD deposit between later runs is inferred to the cent', async () => {
    // Fault: the first run buys USD 84,400 of ETFs with USD 1,000.50 in cash (IB lends the rest: the USD balance is
    // -83,443.56), the next run (same rate) collects the fills, then USD goes from 1.3502 to 1.40 SGD before the
    // third. In SGD the cash then moved by -4,155.49 with no execution: a withdrawal, if cash were measured in
    // SGD. Expected: measured per currency, no balance moved: no flow, and the NLV move (the net dollars held x the
    // rate move, +0.4%) is below MAX_NAV_JUMP_PCT=1 (with the false withdrawal taken out it would be +1.6%:
    // NAV_JUMP). Then SGD 15,000 (4.5% of NLV) comes in while the rate moves again (1.37) and the third run's sales
    // settle: inferred at exactly +15,000.00, taken out, no NAV_JUMP, named in an email. Not lost: the deposit,
    // once; no flow made up; every fill.
    const ws = sgdWorkspace();
    const deposit = { type: 'deposit', at: plus(OPEN, 27), amount: 15_000 };
    const withUsd = (usd: number) => sgdScenario({ exchangeRates: { ...RATES, USD: usd }, events: [deposit] });
    const gw = await FaultGateway.start(ws, withUsd(RATES.USD));
    let usdNow: number = RATES.USD;
    const job = async (at: string, usd: number, args: string[] = []): Promise<CliResult> => {
      gw.now = at;
      if (usd !== usdNow) await gw.restart(withUsd(usd));
      usdNow = usd;
      const r = await runJob(ws, at, sgdEnv(gw, { MAX_NAV_JUMP_PCT: '1' }), args);
      expect(r.code, transcript(r)).toBe(0);
      return r;
    };
    await job(OPEN, RATES.USD);
    expect(gw.placed().map((o) => o.symbol)).toEqual(['IEF', 'SPY', 'VUKE']);
    // 10 minutes on: IB's cash is sure to hold the fills (no execution within 5 minutes of this read).
    const collected = await job(plus(OPEN, 10), RATES.USD);
    expect(collected.stdout).toContain('no orders sent');
    expect(gw.account().positions).toMatchObject({ IEF: { quantity: 508 }, SPY: { quantity: 100 }, VUKE: { quantity: 1622 } });

    const moved = await job(plus(OPEN, 20), 1.4);
    expect(moved.stdout).toMatch(
      /^cash flows: none since the last run \(cash per currency between \S+ and \S+: unchanged; all of it explained by 0 execution\(s\)\)$/m,
    );
    expect(moved.stdout, 'sized at the new rate').toMatch(/at USD 600\.12 x 1\.4\s+=\s+840\.168\s+SGD/);
    expect(cashFlows(ws), 'flows after the rate move').toEqual([]);
    expect(records(ws).breaches, 'breaches after the rate move').toEqual([]);

    const deposited = await job(plus(OPEN, 35), 1.37);
    expect(cashFlows(ws)).toEqual([{ amount: 15_000, currency: 'SGD', kind: 'other', source: 'inferred' }]);
    expect(deposited.stdout).toMatch(
      /^cash flow: \+15,000\.00 came in since the last run, .*: SGD \+15,000\.00 \(executions 0\.00\), USD \+[\d,.]+ \(executions \+[\d,.]+\)/m,
    );
    expect(records(ws).breaches, 'breaches after the deposit').toEqual([]);
    expect(deposited.stdout, 'sized at the new rate').toMatch(/at USD 600\.12 x 1\.37\s+=\s+822\.1644\s+SGD/);
    expectAlert(ws, /WARNING/, /\+15,000\.00 came in since the last run/);

    await job(plus(OPEN, 35), 1.37, ['--dry-run']);
    expectNoOrderSentTwice(gw.placed());
    expectNoFillLost(ws, gw.account());
    expectRecordsAgreeWithBroker(ws, gw.account());
  });
});
