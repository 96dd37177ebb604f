/**
 * Fault matrix, an account in another base currency converting what it buys with (issue 15, FX_POLICY=convert): the
 * SGD account of rows 45-48 (US ETFs held, a London listing bought), the built `rebalancer run` against the simulated
 * IB Gateway. The plan buys USD and GBP on IDEALPRO (USD.SGD, GBP.SGD: CASH orders, sent before the stock orders) for
 * the shortfall the cash held does not cover. One fault per test, then the invariants after the next run (fault
 * removed): no order sent twice (stock or conversion), no fill lost, the records agree with IB, no conversion that no
 * stock order needed, and once everything settled no currency loan beyond rounding. Rows 49-52, and a conversion
 * left working by the run that sent it (IB's quote beyond its limit), which the next run changes in place.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
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
  until,
  transcript,
  useFaultKit,
  type BrokerAccount,
  type Workspace,
} from './support/kit.js';
import { CURRENCY_OF, TARGETS, sgdScenario, sgdWorkspace } from './support/sgd-account.js';

useFaultKit();

/** The cash the account holds before any run, by currency. */
const HELD: Record<string, number> = { USD: 1_000.5, GBP: 0 };

/** The run's environment: FX_POLICY=convert, limits in SGD (a 0.3 weight is about SGD 98,000). */
function convertEnv(gw: FaultGateway, over: Record<string, string> = {}): Record<string, string> {
  return { ...gw.env, FX_POLICY: 'convert', MAX_ORDER_VALUE: '150000', ...over };
}

/** The simulated IB account with what these checks read: executions' side, price and secType, cash per currency. */
interface FxAccount extends BrokerAccount {
  cash: number;
  foreignCash?: Record<string, number>;
  executions: (BrokerAccount['executions'][number] & { secType?: string; side: string; price: number })[];
}

function fxAccount(gw: FaultGateway): FxAccount {
  return gw.account() as FxAccount;
}

/** The conversions that reached IB (new orders, not modifications), by pair. */
function conversionsPlaced(gw: FaultGateway): { symbol: string; action: string; quantity: number; orderRef: string }[] {
  return gw
    .placed()
    .filter((o) => o.secType === 'CASH' && o.modification !== true)
    .map((o) => ({ symbol: `${o.symbol}.${o.currency}`, action: o.action, quantity: o.totalQuantity ?? 0, orderRef: o.orderRef }));
}

function stocksPlaced(gw: FaultGateway): string[] {
  return gw
    .placed()
    .filter((o) => o.secType !== 'CASH' && o.modification !== true)
    .map((o) => o.symbol);
}

/**
 * No conversion that no stock order needed: for each currency, what the conversions bought (their executions at IB)
 * is at most what the stock orders that reached IB committed to spend (quantity x limit, the amount a conversion
 * funds) less the cash held before the first run, plus one unit per conversion (a conversion is rounded up to whole
 * units).
 */
function expectNoConversionBeyondNeed(gw: FaultGateway): void {
  const account = fxAccount(gw);
  for (const currency of ['USD', 'GBP']) {
    const conversions = account.executions.filter((e) => e.secType === 'CASH' && e.symbol === `${currency}.SGD`);
    const converted = conversions.reduce((sum, e) => sum + (e.side === 'BUY' ? e.quantity : -e.quantity), 0);
    const committed = gw
      .placed()
      .filter((o) => o.secType !== 'CASH' && o.modification !== true && CURRENCY_OF[o.symbol] === currency && o.action === 'BUY')
      .reduce((sum, o) => sum + (o.totalQuantity ?? 0) * (o.lmtPrice ?? 0), 0);
    const allowed = committed - (HELD[currency] ?? 0) + conversions.length;
    expect(
      converted,
      `${currency} converted (${conversions.length} conversion(s)) vs the stock orders' need ${allowed.toFixed(2)}`,
    ).toBeLessThanOrEqual(Math.max(0, allowed));
  }
}

/** No loan beyond rounding: every foreign currency's cash at IB at least -1. */
function expectNoLoan(gw: FaultGateway): void {
  const cash = fxAccount(gw).foreignCash ?? {};
  for (const currency of ['USD', 'GBP']) expect(cash[currency] ?? 0, `${currency} cash at IB`).toBeGreaterThanOrEqual(-1);
}

interface ConversionRow {
  order_ref: string;
  pair: string;
  side: string;
  status: string;
  filled_quantity: number;
}

/** The conversions the records hold (v_conversions: orders with sec_type CASH), in the order they were written. */
function recordedConversions(ws: Workspace): ConversionRow[] {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT order_ref, pair, side, status, filled_quantity FROM v_conversions').all() as ConversionRow[];
  } finally {
    db.close();
  }
}

/** Each conversion IB executed is in v_conversions under its orderRef, with IB's pair, side and filled quantity. */
function expectConversionsRecorded(ws: Workspace, gw: FaultGateway): void {
  const executed = new Map<string, { pair: string; side: string; filled: number }>();
  for (const e of fxAccount(gw).executions.filter((x) => x.secType === 'CASH')) {
    const known = executed.get(e.orderRef);
    executed.set(e.orderRef, { pair: e.symbol, side: e.side, filled: (known?.filled ?? 0) + e.quantity });
  }
  const recorded = recordedConversions(ws).filter((c) => c.filled_quantity > 0);
  expect(
    recorded.map((c) => [c.order_ref, c.pair, c.side, c.status, c.filled_quantity]),
    'conversions in v_conversions vs executed at IB',
  ).toEqual([...executed].map(([ref, e]) => [ref, e.pair, e.side, 'Filled', e.filled]));
}

/**
 * The invariants, after the next run: a run later sends nothing (nothing left to buy, nothing to convert) and a dry
 * run collects what is still coming; then no order sent twice, no position above its target, no fill lost, the
 * records agree with IB (stock orders and conversions), no conversion beyond what the stock orders needed, no loan.
 */
async function settleAndCheck(ws: Workspace, gw: FaultGateway, at: string): Promise<void> {
  const later = plus(at, 5);
  gw.now = later;
  const again = await runJob(ws, later, convertEnv(gw));
  expect(again.code, transcript(again)).toBe(0);
  expect(again.stdout, 'a run after the recovery').toContain('no orders sent');
  const settle = await runJob(ws, later, convertEnv(gw), ['--dry-run']);
  expect(settle.code, transcript(settle)).toBe(0);
  expectNoOrderSentTwice(gw.placed());
  expectPositionsAtMost(gw.account(), TARGETS);
  expect(gw.account().positions, 'every purchase made').toMatchObject({
    IEF: { quantity: 508 },
    SPY: { quantity: 100 },
    VUKE: { quantity: 1622 },
  });
  expectNoFillLost(ws, gw.account());
  expectRecordsAgreeWithBroker(ws, gw.account());
  expectConversionsRecorded(ws, gw);
  expectNoConversionBeyondNeed(gw);
  expectNoLoan(gw);
}

/** The conversions the plan prints under "currency conversions (FX_POLICY=convert)": `BUY 83522 USD.SGD @ 1.35155`. */
function plannedConversions(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}((?:BUY|SELL) \d+ [A-Z]{3}\.[A-Z]{3} @ [\d.]+|NONE [A-Z]{3}\.[A-Z]{3})$/gm)].map((m) => m[1] ?? '');
}

const GBP_CONVERSION = 'BUY 57046 GBP.SGD @ 1.7232';
const USD_CONVERSION = 'BUY 83522 USD.SGD @ 1.35155';

describe('fault matrix: an SGD account converting to USD and GBP (FX_POLICY=convert), at the simulated IB Gateway', () => {
  it('kill -9 after the first conversion reached IB: the next run finds it by orderRef, converts no more pounds, buys the dollars and the stocks once', async () => {
    // Fault: the run is killed after its first order, the GBP.SGD conversion, reached IB (it fills there at once),
    // before IB answered and before the USD.SGD conversion and the stock orders left. Expected: the next run takes the
    // stale lock, finds the conversion by orderRef (Filled), records its fill; the pounds it brought count: the plan
    // converts only dollars, then buys IEF, SPY and VUKE once, under new orderRefs. Not lost: the two conversions'
    // intents (recorded CASH; the stock orders' are recorded only once the conversions filled), the conversion's fill.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { answerDelayMs: 400 } } });
    const killed = startJob(ws, OPEN, convertEnv(gw, { IB_MESSAGES_PER_SECOND: '2' }));
    await until(() => gw.placed().length >= 1, 'the first conversion to reach the gateway', 40_000);
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const beforeKill = conversionsPlaced(gw);
    expect(beforeKill.map((c) => [c.symbol, c.action, c.quantity])).toEqual([['GBP.SGD', 'BUY', 57046]]);
    expect(stocksPlaced(gw)).toEqual([]);
    expect(records(ws).orders.map((o) => [o.symbol, o.status])).toEqual([
      ['GBP.SGD', 'Intent'],
      ['USD.SGD', 'Intent'],
    ]);
    expect(recordedConversions(ws).map((c) => c.pair)).toEqual(['GBP.SGD', 'USD.SGD']);
    const gbpRef = beforeKill[0]?.orderRef ?? '';

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, convertEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(recovery.stdout).toContain(`${gbpRef}: Filled, filled 57046 @ `);
    expect(plannedConversions(recovery.stdout), 'the recovery plan converts dollars only').toEqual([USD_CONVERSION]);
    expect(conversionsPlaced(gw).map((c) => c.symbol)).toEqual(['GBP.SGD', 'USD.SGD']);
    expect(stocksPlaced(gw)).toEqual(['IEF', 'SPY', 'VUKE']);
    expect(records(ws).runs[0]?.status).toBe('failed');
    await settleAndCheck(ws, gw, next);
  }, 60_000);

  it('the connection drops after the 2nd order (both conversions sent, no stock order): fail closed, nothing resent; the next run buys with the converted cash and converts nothing more', async () => {
    // Fault: the gateway takes the 2nd order (the USD.SGD conversion; it fills there) and drops the socket before
    // acknowledging it. Expected: exit 1, "nothing is resent", no stock order, an alert. Next run: the unacknowledged
    // conversion found by orderRef (Filled); the dollars and pounds held cover the purchases: no conversion planned,
    // IEF, SPY and VUKE bought once, nothing borrowed. Not lost: both conversions' fills, every intent.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { dropConnectionAfterOrders: 2 } } });
    const fault = await runJob(ws, OPEN, convertEnv(gw));
    expect(fault.code, transcript(fault)).toBe(1);
    expect(plannedConversions(fault.stdout)).toEqual([GBP_CONVERSION, USD_CONVERSION]);
    expect(fault.stdout).toMatch(
      /RUN FAILED: broker: the connection to TWS\/IB Gateway at 127\.0\.0\.1:\d+ dropped during the run.*; nothing is resent/,
    );
    expect(conversionsPlaced(gw).map((c) => c.symbol)).toEqual(['GBP.SGD', 'USD.SGD']);
    expect(stocksPlaced(gw)).toEqual([]);
    expectAlert(ws, /FAILED: broker: the connection to TWS\/IB Gateway at [\d.:]+ dropped during the run/);
    const usdRef = conversionsPlaced(gw)[1]?.orderRef ?? '';

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, convertEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(recovery.stdout).toContain(`${usdRef}: Filled, filled 83522 @ `);
    expect(plannedConversions(recovery.stdout), 'the recovery plan converts nothing').toEqual([]);
    expect(conversionsPlaced(gw)).toHaveLength(2);
    expect(stocksPlaced(gw)).toEqual(['IEF', 'SPY', 'VUKE']);
    const usd = records(ws).orders.find((o) => o.order_ref === usdRef);
    expect([usd?.status, usd?.broker_order_id], 'the unacknowledged conversion, reconciled').toEqual(['Filled', 2]);
    await settleAndCheck(ws, gw, next);
  });

  it('IB rejects the USD conversion (201): the run fails as for a rejected stock order, the US purchases are held back (nothing borrowed); the next run converts once and buys them', async () => {
    // Fault: IB refuses every USD.SGD order with 201 (the account may not trade this pair). Expected: the conversion is
    // recorded as rejected, BROKER_ERROR names it and the code, exit 1, an alert. The purchases it was to pay for (IEF,
    // SPY) are held back, said on the console: nothing borrowed; the GBP conversion and VUKE go and fill. Next run
    // (fault gone): one USD.SGD conversion, then IEF and SPY once. Not lost: the rejection, every fill.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, {
      ...scenario,
      gateway: {
        faults: { rejectOrders: { 'USD.SGD': { code: 201, message: 'Order rejected - reason: no trading permission for this pair' } } },
      },
    });
    const fault = await runJob(ws, OPEN, convertEnv(gw));
    expect(fault.code, transcript(fault)).toBe(1);
    expect(fault.stdout).toMatch(
      /BROKER_ERROR \[USD\.SGD\]: BUY 83522 USD\.SGD @ 1\.35155: .*no trading permission for this pair.*\(IB code 201\)/,
    );
    expect(conversionsPlaced(gw).map((c) => c.symbol)).toEqual(['GBP.SGD', 'USD.SGD']);
    expect(stocksPlaced(gw), 'only the purchase its conversion paid for').toEqual(['VUKE']);
    expect(fault.stdout).toMatch(
      /^held back, its USD not converted \(USD\.SGD refused by the broker\): BUY 508 IEF, BUY 60 SPY; nothing is borrowed for them/m,
    );
    expect(fxAccount(gw).foreignCash?.USD, 'no dollars borrowed').toBeGreaterThanOrEqual(0);
    expect(fxAccount(gw).foreignCash?.GBP).toBeGreaterThanOrEqual(0);
    const rejected = records(ws).orders.find((o) => o.symbol === 'USD.SGD');
    expect([rejected?.status, rejected?.message]).toEqual(['SendFailed', expect.stringMatching(/^rejected: /)]);
    expectAlert(ws, /FAILED: the broker rejected one or more orders/, /BROKER_ERROR USD\.SGD: .*IB code 201/);
    expect(records(ws).breaches.map((b) => [b.code, b.detail])).toEqual([
      ['BROKER_ERROR', expect.stringMatching(/^BUY 83522 USD\.SGD @ 1\.35155: .*\(IB code 201\)$/)],
    ]);

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, convertEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(plannedConversions(recovery.stdout)).toEqual([USD_CONVERSION]);
    expect(records(ws).breaches, 'the rejection kept').toHaveLength(1);
    expect(conversionsPlaced(gw).map((c) => [c.symbol, c.quantity])).toEqual([
      ['GBP.SGD', 57046],
      ['USD.SGD', 83522],
      ['USD.SGD', 83522],
    ]);
    expect(stocksPlaced(gw)).toEqual(['VUKE', 'IEF', 'SPY']);
    await settleAndCheck(ws, gw, next);
  });

  it('no USD.SGD quote (one-sided) while the ledger rates USD: sized at the ledger rate, no USD conversion, the orders borrow; the next run converts the loan once', async () => {
    // Fault: IDEALPRO's USD.SGD snapshot has a bid and no ask; the account holds dollars, so IB's ledger still gives a
    // USD rate. Expected: the US ETFs are sized at the ledger's rate, the USD conversion is NONE ("no FX quote ...: the
    // orders borrow USD (IB's loan) meanwhile"), the GBP conversion and the three stock orders go: the dollars are
    // borrowed, exit 0. Next run (the quote two-sided again): one USD.SGD conversion funds the earlier loan (to the
    // dollar), nothing else is sent. Not lost: every fill; no conversion twice.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, {
      ...scenario,
      gateway: { faults: { fxQuotes: { 'USD.SGD': { bid: 1.3501, ask: null } } } },
    });
    const fault = await runJob(ws, OPEN, convertEnv(gw));
    expect(fault.code, transcript(fault)).toBe(0);
    expect(fault.stdout).toMatch(/^IEF +0 +508 +BUY +508 +95\.43 +95\.34 +USD @ 1\.3502 /m);
    expect(plannedConversions(fault.stdout)).toEqual([GBP_CONVERSION, 'NONE USD.SGD']);
    expect(fault.stdout.replace(/\n +/g, ' ')).toContain(
      "83,521.14 USD short after this run's orders; no FX quote of USD against SGD (the FX market is closed or quoted no two-sided price): the orders borrow USD (IB's loan) meanwhile",
    );
    expect(conversionsPlaced(gw).map((c) => c.symbol)).toEqual(['GBP.SGD']);
    expect(stocksPlaced(gw)).toEqual(['IEF', 'SPY', 'VUKE']);
    expect(fxAccount(gw).foreignCash?.USD, 'the dollars IB lent').toBeLessThan(-80_000);
    const loan = -(fxAccount(gw).foreignCash?.USD ?? 0);

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, convertEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(plannedConversions(recovery.stdout)).toEqual([`BUY ${Math.ceil(loan)} USD.SGD @ 1.35155`]);
    expect(recovery.stdout).toContain(`${loan.toLocaleString('en-US', { minimumFractionDigits: 2 })} USD short after this run's orders`);
    expect(conversionsPlaced(gw).map((c) => [c.symbol, c.quantity])).toEqual([
      ['GBP.SGD', 57046],
      ['USD.SGD', Math.ceil(loan)],
    ]);
    expect(stocksPlaced(gw)).toEqual(['IEF', 'SPY', 'VUKE']);
    await settleAndCheck(ws, gw, next);
  });

  it("a conversion left working (priced off a quote below IB's): the US purchases are held back meanwhile; the next run changes it in place, then buys them; no second conversion", async () => {
    // Fault: IDEALPRO's USD.SGD snapshot is 0.23% below the price IB fills at (bid 1.3470, ask 1.3472): the USD
    // conversion's limit (1.3484) does not reach IB's ask, so it rests (Submitted). Expected: the purchases it pays for
    // (IEF, SPY) are held back, nothing borrowed; VUKE (its pounds converted) goes; exit 0. Next run (the quote right
    // again): the resting conversion is found by orderRef and kept for the plan: it is changed in place (same order id
    // and orderRef) to the new limit and fills, then IEF and SPY go once; no new conversion. Not lost: every fill; the
    // conversion once.
    const ws = sgdWorkspace();
    const scenario = sgdScenario();
    const gw = await FaultGateway.start(ws, {
      ...scenario,
      gateway: { faults: { fxQuotes: { 'USD.SGD': { bid: 1.347, ask: 1.3472 } } } },
    });
    const fault = await runJob(ws, OPEN, convertEnv(gw));
    expect(fault.code, transcript(fault)).toBe(0);
    expect(plannedConversions(fault.stdout)).toEqual([GBP_CONVERSION, 'BUY 83522 USD.SGD @ 1.3484']);
    const resting = gw.account().orders.find((o) => o.symbol === 'USD.SGD');
    expect([resting?.status, resting?.filled]).toEqual(['Submitted', 0]);
    expect(stocksPlaced(gw)).toEqual(['VUKE']);
    expect(fault.stdout).toMatch(/^held back, its USD not converted \(USD\.SGD Submitted, 0 of 83522 filled\): BUY 508 IEF, BUY 60 SPY/m);
    expect(fxAccount(gw).foreignCash?.USD, 'nothing borrowed meanwhile').toBeGreaterThanOrEqual(0);

    const next = plus(OPEN, 5);
    gw.now = next;
    await gw.restart(scenario);
    const recovery = await runJob(ws, next, convertEnv(gw));
    expect(recovery.code, transcript(recovery)).toBe(0);
    expect(plannedConversions(recovery.stdout)).toEqual([USD_CONVERSION]);
    expect(recovery.stdout).toMatch(
      new RegExp(
        `^modified ${resting?.orderRef ?? '?'} \\(order ${resting?.orderId ?? '?'}, BUY USD\\.SGD\\): 83522 @ 1\\.3484 -> 83522 @ 1\\.35155 .*: Filled$`,
        'm',
      ),
    );
    expect(conversionsPlaced(gw).map((c) => [c.symbol, c.quantity])).toEqual([
      ['GBP.SGD', 57046],
      ['USD.SGD', 83522],
    ]);
    expect(stocksPlaced(gw)).toEqual(['VUKE', 'IEF', 'SPY']);
    expect(gw.account().orders.find((o) => o.orderRef === resting?.orderRef)).toMatchObject({ status: 'Filled', filled: 83522 });
    await settleAndCheck(ws, gw, next);
  });
});
