/**
 * Attack review of the recovery of what IB's API forgets (issue 10): orders of Unknown outcome, the broker's
 * statements, completed orders, `reconcile --accept`. A hostile world: statements that lie or overreach, orders
 * whose dates cannot be read, acceptance racing the executions it stood in for. Each test names the invariant at
 * stake: no order sent twice, no fill lost or counted twice, records hold, no ticker traded on a position that may
 * be wrong. In-memory ports (memoryRun); a fake StatementSource as hard as the Flex reader on its arguments.
 */
import { describe, expect, it } from 'vitest';
import type { BrokerOrder, Execution } from '../../src/core/types.js';
import { tradingDayOf } from '../../src/core/session.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { orderRefFor } from '../../src/run/run-id.js';
import type { BrokerStatement, StatementSource } from '../../src/ports/statements.js';
import { StatementError } from '../../src/ports/statements.js';
import { aPosition } from '../support/scripted-broker.js';
import { memoryRun, runIdAt, runInvariantViolations, type MemoryRun } from '../support/memory-ports.js';

/** Friday 2026-11-20, 15:30 New York: the last run of the day; the box was then off until Monday. */
const FRIDAY = '2026-11-20T20:30:00Z';
const MONDAY = '2026-11-23T15:30:00Z';
const MONDAY_LATER = '2026-11-23T16:30:00Z';
const FRIDAY_RUN = runIdAt(FRIDAY, 'earlier');

/** As the Flex client: refuses a range that is not two ISO dates in order (FlexStatementSource does the same). */
class StatementsOf implements StatementSource {
  readonly name = 'test statements';
  readonly asked: [string, string, string][] = [];
  constructor(private readonly answer: (from: string, to: string) => BrokerStatement) {}
  statement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    this.asked.push([account, fromDate, toDate]);
    const iso = /^\d{4}-\d{2}-\d{2}$/;
    if (!iso.test(fromDate) || !iso.test(toDate) || fromDate > toDate)
      return Promise.reject(new StatementError(`${this.name}: ${fromDate}..${toDate} is not a range of dates (YYYY-MM-DD)`, false));
    return Promise.resolve(this.answer(fromDate, toDate));
  }
}

const covering =
  (...executions: Execution[]) =>
  (fromDate: string, toDate: string): BrokerStatement => ({ fromDate, toDate, generatedAt: MONDAY, executions });

interface Sent {
  symbol: string;
  quantity: number;
  action?: 'BUY' | 'SELL';
  /** Default: the run's start. */
  createdAt?: string;
  /** What the broker said while the run watched. */
  status?: BrokerOrder['status'];
  filledQuantity?: number;
}

/**
 * Friday's run as the program records it: each ticker it ordered became managed with a baseline (the broker's
 * position then), each order sent and left working (or as `status` says). Returns the orderRefs by symbol.
 */
function seedFridayRun(
  run: MemoryRun,
  orders: Sent[],
  baselines: Record<string, number> = {},
  at = FRIDAY,
  runId = FRIDAY_RUN,
): Record<string, string> {
  run.store.startRun({ runId, startedAt: at, tradingDay: tradingDayOf(at), dryRun: false });
  const managed = [...new Set([...orders.map((o) => o.symbol), ...Object.keys(baselines)])];
  run.store.addManagedSymbols(managed, runId);
  for (const symbol of managed) {
    run.store.recordLedgerAdjustment({
      symbol,
      kind: 'baseline',
      quantity: baselines[symbol] ?? 0,
      ledgerBefore: 0,
      brokerQuantity: baselines[symbol] ?? 0,
      reason: 'first managed',
      runId,
      at,
      source: `run ${runId}`,
    });
  }
  const refs: Record<string, string> = {};
  orders.forEach((o, i) => {
    const orderRef = orderRefFor(runId, o.symbol);
    refs[o.symbol] = orderRef;
    const order: BrokerOrder = {
      brokerOrderId: 41 + i,
      permId: 4100 + i,
      orderRef,
      symbol: o.symbol,
      action: o.action ?? 'BUY',
      quantity: o.quantity,
      limitPrice: 405,
      status: o.status ?? 'Submitted',
      filledQuantity: o.filledQuantity ?? 0,
      avgFillPrice: (o.filledQuantity ?? 0) > 0 ? 404.5 : 0,
    };
    run.store.recordOrderIntent(
      runId,
      {
        orderRef,
        symbol: o.symbol,
        action: order.action,
        quantity: o.quantity,
        limitPrice: 405,
        adaptivePriority: 'Normal',
        primaryExchange: 'NASDAQ',
        currency: 'USD',
      },
      o.createdAt ?? at,
    );
    run.store.markOrderSent(orderRef, order);
  });
  run.store.finishRun(runId, { finishedAt: at, status: 'ok', exitCode: 0 });
  return refs;
}

function fill(orderRef: string, symbol: string, over: Partial<Execution> = {}): Execution {
  return {
    execId: `0000e0d5.${symbol.toLowerCase()}0001.01.01`,
    brokerOrderId: 9_100_001,
    orderRef,
    symbol,
    side: 'BUY',
    quantity: 10,
    price: 404.5,
    commission: 1,
    time: '2026-11-20T20:41:07Z',
    ...over,
  };
}

/** Monday's run on the records of `from` (default new ones), the broker holding `held` on top of aMarket's AAPL. */
function monday(now: string, held: Record<string, number>, from?: MemoryRun): MemoryRun {
  const run = memoryRun({ now, ...(from !== undefined ? { stores: from.stores } : {}) });
  run.broker.script.positions.push(...Object.entries(held).map(([symbol, quantity]) => aPosition(symbol, quantity, { avgCost: 404.5 })));
  return run;
}

const sentSymbols = (run: MemoryRun): string[] =>
  run.broker
    .callsTo('placeOrder')
    .map(([o]) => o.symbol)
    .sort();

/** The ledger of a ticker as the records make it: baseline + own fills + accepted adjustments. */
function ledgerOf(run: MemoryRun, symbol: string): number {
  const adjustments = run.store
    .ledgerAdjustments()
    .filter((a) => a.symbol === symbol)
    .reduce((sum, a) => sum + a.quantity, 0);
  const fills = run.store.ownFillTotals('rebal:').find((f) => f.symbol === symbol)?.quantity ?? 0;
  return adjustments + fills;
}

/** What `rebalancer reconcile --accept SYMBOL` records (reconcile-command.ts), on the latest ledger check. */
function acceptAsTheCommandDoes(run: MemoryRun, symbol: string, at: string): void {
  const check = run.store.latestLedgerCheck();
  const line = check?.lines.find((l) => l.symbol === symbol);
  if (check === undefined || line === undefined) throw new Error(`no ledger check of ${symbol}`);
  const accepted = run.store
    .ledgerAdjustments()
    .filter((a) => a.kind === 'accept' && a.runId === check.runId && a.symbol === symbol)
    .reduce((sum, a) => sum + a.quantity, 0);
  const difference = line.brokerQuantity - line.ledgerQuantity - accepted;
  run.store.acceptUnknownOutcomes(symbol, at, `outcome accepted by operator test at ${at}: checked at IB`);
  if (difference !== 0)
    run.store.recordLedgerAdjustment({
      symbol,
      kind: 'accept',
      quantity: difference,
      ledgerBefore: line.ledgerQuantity + accepted,
      brokerQuantity: line.brokerQuantity,
      reason: 'checked at IB',
      runId: check.runId,
      at,
      source: 'operator test',
    });
}

describe('a statement that lies', () => {
  it('omits an execution of ours: the order is settled Cancelled unfilled, but the ledger check catches the shares and holds the ticker', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    run.statements = new StatementsOf(covering());
    const result = await runRebalance(run);

    expect(runInvariantViolations(run, result)).toEqual([]);
    // The statement "proves" no fill: the record follows it...
    expect(run.store.ordersOf(FRIDAY_RUN)[0]).toMatchObject({ orderRef: refs.MSFT, status: 'Cancelled', filledQuantity: 0 });
    // ...but the broker holds 10 the ledger cannot explain: MSFT is a position break and is not traded.
    expect(result.breaches.filter((b) => b.code === 'POSITION_BREAK').map((b) => b.symbol)).toEqual(['MSFT']);
    expect(sentSymbols(run)).not.toContain('MSFT');
  });

  // DEFECT (low): an order IB reported Filled 10 while the run watched, whose executions no run collected, is looked
  // up in the statement of its day; a statement silent about it turns the record into "Cancelled ... expired or
  // cancelled unfilled" (unseen() in resolve-order.ts): IB's own report is overwritten by a statement's silence.
  // The ticker is held all the same (the shares break the ledger), and the order is looked at again each run for
  // 7 days with a notice each time. Fix: in resolveOrder, when the statement covers the day, no execution is found
  // and the record holds a filled quantity IB reported, return Unknown (the statement contradicts IB; a person
  // decides), not unseen().
  it('omits the executions of an order IB reported Filled: the record does not turn into Cancelled unfilled', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10 }]);
    run.statements = new StatementsOf(covering());
    await runRebalance(run);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]?.status).not.toBe('Cancelled');
  });

  it('omits the executions of an order IB reported Filled: the ticker is held all the same (the ledger breaks)', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10 }]);
    run.statements = new StatementsOf(covering());
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]).toMatchObject({ filledQuantity: 10 });
    expect(result.breaches.filter((b) => b.symbol === 'MSFT').map((b) => b.code)).toContain('POSITION_BREAK');
    expect(sentSymbols(run)).not.toContain('MSFT');
  });

  // DEFECT (medium: false alarms): the same order is looked up again on every run for 7 days (ordersMissingFills:
  // IB's filled quantity still exceeds the executions), and each time reconcileEarlierOrders makes a notice of it
  // (`fillsMissing > 0` counts as news); notices "happen once" in notify.ts, so each is an unthrottled warning
  // email: one an hour for a week, plus a Flex request each run. Fix: a notice only when the resolution changed
  // (status, filled quantity or fillsMissing differ from the record before), as is done for Unknown already.
  it('the statement stays silent run after run: the notice about the missing fills is given once, not every hour', async () => {
    const first = monday(MONDAY, { MSFT: 10 });
    const refs = seedFridayRun(first, [{ symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10 }]);
    first.statements = new StatementsOf(covering());
    const one = await runRebalance(first);
    expect(one.notices.some((n) => n.includes(refs.MSFT ?? '?'))).toBe(true);

    const second = monday(MONDAY_LATER, { MSFT: 10 }, first);
    second.statements = new StatementsOf(covering());
    const two = await runRebalance(second);
    expect(two.notices.filter((n) => n.includes(refs.MSFT ?? '?'))).toEqual([]);
  });

  // DEFECT (low): a statement generated before the order was sent (a cached or replayed one: its whenGenerated,
  // BrokerStatement.generatedAt, is Friday 14:00 New York) cannot hold an execution of an order of 15:30, yet
  // viewOf takes its period as complete and the order is settled "Cancelled unfilled" (the ledger check still
  // holds the ticker if the shares moved). IB generates statements on request, so this takes a proxy or a cache
  // in between. Fix: in viewOf, a day counts as covered only when the statement was generated after that day's
  // end in New York (generatedAt >= the next day's 00:00 New York), or at least after the order's createdAt.
  it('a statement generated before the order was sent does not prove it unfilled', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    run.statements = new StatementsOf((fromDate, toDate) => ({
      fromDate,
      toDate,
      generatedAt: '2026-11-20T19:00:00Z',
      executions: [],
    }));
    await runRebalance(run);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]?.status).toBe('Unknown');
  });

  it('an execution whose execId is recorded but with another quantity and price is not counted again (the recorded one stands)', async () => {
    const run = monday(MONDAY, { MSFT: 10, SPY: 5 });
    const refs = seedFridayRun(run, [
      { symbol: 'MSFT', quantity: 10 },
      { symbol: 'SPY', quantity: 5 },
    ]);
    run.store.recordFills(FRIDAY_RUN, [fill(refs.MSFT ?? '', 'MSFT')]);
    run.statements = new StatementsOf(
      covering(
        fill(refs.MSFT ?? '', 'MSFT', { quantity: 7, price: 399 }),
        fill(refs.SPY ?? '', 'SPY', { execId: '0000e0d5.spy0001.01.01', quantity: 5, price: 600 }),
      ),
    );
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.fillsOfOrder(refs.MSFT ?? '').map((f) => [f.execId, f.quantity, f.price])).toEqual([
      ['0000e0d5.msft0001.01.01', 10, 404.5],
    ]);
    expect(ledgerOf(run, 'MSFT')).toBe(10);
    expect(result.breaches.map((b) => b.code)).not.toContain('POSITION_BREAK');
  });

  // The correction belongs to an order already settled (MSFT, Filled); the statement was fetched for another
  // (SPY). A fix of the accepted-order double count that records only the executions of the orders looked up
  // must still take corrections of recorded fills, or a correction IB makes after the day is never seen.
  it('a correction (…01.02) of a recorded fill of a settled order, in a statement fetched for another, replaces it: counted once, at the corrected price', async () => {
    const run = monday(MONDAY, { MSFT: 10, SPY: 5 });
    const refs = seedFridayRun(run, [
      { symbol: 'MSFT', quantity: 10, status: 'Filled', filledQuantity: 10 },
      { symbol: 'SPY', quantity: 5 },
    ]);
    run.store.recordFills(FRIDAY_RUN, [fill(refs.MSFT ?? '', 'MSFT')]);
    run.statements = new StatementsOf(
      covering(
        fill(refs.MSFT ?? '', 'MSFT', { execId: '0000e0d5.msft0001.01.02', price: 404 }),
        fill(refs.SPY ?? '', 'SPY', { execId: '0000e0d5.spy0001.01.01', quantity: 5, price: 600 }),
      ),
    );
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.fillsOfOrder(refs.MSFT ?? '').map((f) => [f.execId, f.quantity, f.price])).toEqual([
      ['0000e0d5.msft0001.01.02', 10, 404],
    ]);
    expect(run.store.ordersOf(FRIDAY_RUN).find((o) => o.symbol === 'MSFT')).toMatchObject({ filledQuantity: 10, avgFillPrice: 404 });
    expect(ledgerOf(run, 'MSFT')).toBe(10);
    expect(run.records.trades.filter((t) => t.symbol === 'MSFT')).toHaveLength(1);
  });

  it('executions with our prefix but a run the records never made are not recorded', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    const ghost = 'rebal:20261120T203000Z-ghost:MSFT';
    run.statements = new StatementsOf(covering(fill(ghost, 'MSFT', { execId: '0000e0d5.ghost.01.01' })));
    await runRebalance(run);
    expect(run.store.fillsOfOrder(ghost)).toEqual([]);
    expect(run.store.hasFill('0000e0d5.ghost.01.01')).toBe(false);
  });

  // DEFECT (medium): lookUpStatements drops the statement's foreign executions silently. The live path
  // (collectFills) halts on them (FOREIGN_ORDERS, kill switch on); an installation that traded the account with
  // our prefix while this box was off is seen only in a statement, and there it is not reported: the shares it
  // moved show at most as a POSITION_BREAK on a managed ticker (which does not halt, and does not exist on an
  // unmanaged one). Fix: return the statement's foreign executions from reconcileEarlierOrders (after the last
  // resume, as collectFills filters them) and pass them to haltOnForeignOrders with the live ones.
  it('an execution in the statement with our prefix and a run the records never made halts the run (FOREIGN_ORDERS), as the live path does', async () => {
    const run = monday(MONDAY, { MSFT: 20 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    const ref = orderRefFor(FRIDAY_RUN, 'MSFT');
    const ghost = 'rebal:20261120T203000Z-ghost:MSFT';
    run.statements = new StatementsOf(covering(fill(ref, 'MSFT'), fill(ghost, 'MSFT', { execId: '0000e0d5.ghost.01.01' })));
    const result = await runRebalance(run);
    expect(result.breaches.map((b) => b.code)).toContain('FOREIGN_ORDERS');
    expect(result.status).toBe('blocked');
    expect(run.broker.callsTo('placeOrder')).toEqual([]);
  });

  it('thousands of executions in the statement: each recorded once, the run finishes', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    // 3000 executions of others (manual trades, no orderRef of ours), and ours.
    const others = Array.from({ length: 3000 }, (_, i) =>
      fill('manual', 'AAPL', { execId: `0000e0d5.m${String(i).padStart(5, '0')}.01.01`, quantity: 1, side: i % 2 === 0 ? 'BUY' : 'SELL' }),
    );
    run.statements = new StatementsOf(covering(...others, fill(refs.MSFT ?? '', 'MSFT')));
    const started = performance.now();
    const result = await runRebalance(run);
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(run.store.fillsOfOrder(refs.MSFT ?? '')).toHaveLength(1);
  });

  it('a statement that states other dates than asked (not reaching Friday) leaves the order Unknown and its ticker held', async () => {
    const run = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }]);
    run.statements = new StatementsOf(() => ({ fromDate: '2026-11-10', toDate: '2026-11-19', generatedAt: MONDAY, executions: [] }));
    const result = await runRebalance(run);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]?.status).toBe('Unknown');
    expect(result.breaches.map((b) => b.code)).toContain('ORDER_OUTCOME_UNKNOWN');
    expect(sentSymbols(run)).not.toContain('MSFT');
  });
});

describe('reconcile --accept, then the executions it stood in for turn up', () => {
  /**
   * Friday: MSFT and SPY orders both filled, the box off before their executions were collected. Monday without
   * statements: both Unknown, both break. The person accepts MSFT (adjustment +10); then sets up Flex, as the
   * alert advised. The next run looks up SPY's Friday in the statement, which also lists MSFT's execution.
   */
  async function acceptedThenRecovered(): Promise<{
    run: MemoryRun;
    result: Awaited<ReturnType<typeof runRebalance>>;
    refs: Record<string, string>;
  }> {
    const first = monday(MONDAY, { MSFT: 10, SPY: 5 });
    const refs = seedFridayRun(first, [
      { symbol: 'MSFT', quantity: 10 },
      { symbol: 'SPY', quantity: 5 },
    ]);
    const blind = await runRebalance(first);
    expect(first.store.unknownOutcomes().map((o) => o.symbol)).toEqual(['MSFT', 'SPY']);
    expect(blind.breaches.filter((b) => b.code === 'ORDER_OUTCOME_UNKNOWN').map((b) => b.symbol)).toEqual(['MSFT', 'SPY']);
    acceptAsTheCommandDoes(first, 'MSFT', '2026-11-23T16:00:00Z');
    expect(ledgerOf(first, 'MSFT')).toBe(10);

    const run = monday(MONDAY_LATER, { MSFT: 10, SPY: 5 }, first);
    run.statements = new StatementsOf(
      covering(fill(refs.MSFT ?? '', 'MSFT'), fill(refs.SPY ?? '', 'SPY', { execId: '0000e0d5.spy0001.01.01', quantity: 5, price: 600 })),
    );
    const result = await runRebalance(run);
    return { run, result, refs };
  }

  it('the statement settles the ticker not accepted (SPY): Filled, its fill recorded once', async () => {
    const { run, result, refs } = await acceptedThenRecovered();
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.fillsOfOrder(refs.SPY ?? '')).toHaveLength(1);
    expect(run.store.ordersOf(FRIDAY_RUN).find((o) => o.symbol === 'SPY')).toMatchObject({ status: 'Filled', filledQuantity: 5 });
    expect(ledgerOf(run, 'SPY')).toBe(5);
  });

  // DEFECT (medium): lookUpStatements records every own execution of the statement, including those of an order
  // whose outcome a person accepted. The acceptance's adjustment (+10) already stands for them, so MSFT's ledger
  // reads 20 against the broker's 10: a false POSITION_BREAK, and the records count the 10 shares twice (the
  // adjustment and the fill), until a person accepts -10. Fix (one of): when a fill is recorded for an order with
  // outcome_accepted_at, record an offsetting 'accept' adjustment (-quantity, source "run <id>: executions of an
  // accepted order found") and say so in a notice; or keep the fill in trades.csv but out of ownFillTotals.
  it("MSFT, accepted before its execution turned up: the ledger still equals the broker's 10 (the fill and the acceptance are not both counted)", async () => {
    const { run, result } = await acceptedThenRecovered();
    expect(ledgerOf(run, 'MSFT')).toBe(10);
    expect(result.breaches.filter((b) => b.code === 'POSITION_BREAK').map((b) => b.symbol)).not.toContain('MSFT');
  });

  it('whatever the ledger reads, MSFT is not traded on it (the break holds it) and nothing is sent twice', async () => {
    const { run, result } = await acceptedThenRecovered();
    expect(runInvariantViolations(run, result)).toEqual([]);
    // Either the ledger agrees (fixed) or MSFT is held by a break: never traded on 20 that the broker does not hold.
    const broken = result.breaches.some((b) => b.code === 'POSITION_BREAK' && b.symbol === 'MSFT');
    expect(broken || ledgerOf(run, 'MSFT') === 10).toBe(true);
    if (ledgerOf(run, 'MSFT') !== 10) expect(sentSymbols(run)).not.toContain('MSFT');
  });

  it('accepting twice settles nothing more and records no second adjustment', async () => {
    const first = monday(MONDAY, { MSFT: 10 });
    seedFridayRun(first, [{ symbol: 'MSFT', quantity: 10 }]);
    await runRebalance(first);
    acceptAsTheCommandDoes(first, 'MSFT', '2026-11-23T16:00:00Z');
    const adjustments = first.store.ledgerAdjustments().length;
    acceptAsTheCommandDoes(first, 'MSFT', '2026-11-23T16:01:00Z');
    expect(first.store.ledgerAdjustments()).toHaveLength(adjustments);
    expect(first.store.acceptUnknownOutcomes('MSFT', '2026-11-23T16:02:00Z', 'again')).toBe(0);
    const next = monday(MONDAY_LATER, { MSFT: 10 }, first);
    const result = await runRebalance(next);
    expect(result.breaches.map((b) => b.code)).not.toContain('ORDER_OUTCOME_UNKNOWN');
    expect(result.breaches.map((b) => b.code)).not.toContain('POSITION_BREAK');
    expect(ledgerOf(next, 'MSFT')).toBe(10);
  });
});

describe("an order's date, read in New York", () => {
  it('an order sent Friday 20:00 New York (Saturday in UTC) is looked up from Friday', async () => {
    const late = '2026-11-21T01:00:00Z';
    const run = monday(MONDAY, { MSFT: 10 });
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10, createdAt: late }], {}, late, runIdAt(late, 'earlier'));
    const statements = new StatementsOf(covering(fill(refs.MSFT ?? '', 'MSFT', { time: '2026-11-21T01:00:05Z' })));
    run.statements = statements;
    await runRebalance(run);
    expect(statements.asked.map(([, from, to]) => [from, to])).toEqual([['2026-11-20', '2026-11-22']]);
    expect(run.store.ordersOf(runIdAt(late, 'earlier'))[0]).toMatchObject({ status: 'Filled', filledQuantity: 10 });
  });

  it('across the start of daylight saving time: an order of Friday 2026-03-06 15:30 EST is looked up on Monday 2026-03-09 EDT from that Friday', async () => {
    const friday = '2026-03-06T20:30:00Z';
    const mondayEdt = '2026-03-09T14:30:00Z';
    const run = monday(mondayEdt, { MSFT: 10 });
    const runId = runIdAt(friday, 'earlier');
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10 }], {}, friday, runId);
    const statements = new StatementsOf(covering(fill(refs.MSFT ?? '', 'MSFT', { time: '2026-03-06T20:35:00Z' })));
    run.statements = statements;
    await runRebalance(run);
    expect(statements.asked.map(([, from, to]) => [from, to])).toEqual([['2026-03-06', '2026-03-08']]);
    expect(run.store.ordersOf(runId)[0]).toMatchObject({ status: 'Filled' });
  });

  it('an order whose createdAt cannot be read is never settled as expired unfilled: Unknown, its ticker held', async () => {
    const run = monday(MONDAY, { SPY: 5 });
    seedFridayRun(run, [{ symbol: 'SPY', quantity: 5, createdAt: 'not a time' }]);
    run.statements = new StatementsOf(covering());
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.store.ordersOf(FRIDAY_RUN)[0]?.status).toBe('Unknown');
    expect(sentSymbols(run)).not.toContain('SPY');
  });

  // DEFECT (low): an order whose createdAt cannot be read has the day '' (dayOf), which sorts before every date, so
  // lookUpStatements asks the statement from '' (Flex refuses: "not a range of dates") and every other order of an
  // earlier day stays Unknown with it: one unreadable row holds every ticker with an order of an earlier day.
  // createdAt is the program's own ISO time, so this needs a damaged or hand-edited row. Fix (one line, in
  // lookUpStatements' caller): ask the statement for the readable days only, `days.filter((d) => d !== '')`,
  // and skip the statement when none is left (the unreadable order then stays Unknown on its own).
  it("one order with an unreadable createdAt does not keep another order's Friday executions out of sight", async () => {
    const run = monday(MONDAY, { MSFT: 10, SPY: 5 });
    const refs = seedFridayRun(run, [
      { symbol: 'MSFT', quantity: 10 },
      { symbol: 'SPY', quantity: 5, createdAt: 'not a time' },
    ]);
    run.statements = new StatementsOf(covering(fill(refs.MSFT ?? '', 'MSFT')));
    await runRebalance(run);
    expect(run.store.ordersOf(FRIDAY_RUN).find((o) => o.symbol === 'MSFT')).toMatchObject({ status: 'Filled', filledQuantity: 10 });
  });
});

describe("IB's completed orders, when they contradict the records", () => {
  const EARLIER_TODAY = '2026-11-23T14:30:00Z';

  // DEFECT (low): completedAt trusts a completed order's filledQuantity even beyond the order's own quantity (IB
  // never fills more than ordered: a misread frame, or not our order). The record then reads "filled 15 of 10"
  // with 5 "missing"; from the next day on ordersMissingFills picks it up every run for 7 days (filled 15 >
  // executions 10): without statements it turns Unknown and holds the ticker though nothing is wrong, with them it
  // asks Flex every run. Fix: in resolveOrder, match a completed order only when its symbol and action are the
  // recorded order's and its filledQuantity <= the order's quantity; otherwise say so in the message and go on
  // as if it were not listed.
  it('a completed order with our orderRef that claims more filled than we ordered is not taken as the record', async () => {
    const run = memoryRun({ now: MONDAY });
    const runId = runIdAt(EARLIER_TODAY, 'earlier');
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10, status: 'Submitted', filledQuantity: 10 }], {}, EARLIER_TODAY, runId);
    run.store.recordFills(runId, [fill(refs.MSFT ?? '', 'MSFT', { time: '2026-11-23T14:31:00Z', quantity: 4, execId: 'a.01' })]);
    run.broker.script.completedOrders.push({
      brokerOrderId: 41,
      permId: 4100,
      orderRef: refs.MSFT ?? '',
      symbol: 'MSFT',
      action: 'BUY',
      quantity: 15,
      limitPrice: 405,
      status: 'Filled',
      filledQuantity: 15,
      avgFillPrice: 404.5,
    });
    await runRebalance(run);
    expect(run.broker.callsTo('completedOrders')).toHaveLength(1);
    const order = run.store.ordersOf(runId)[0];
    expect(order?.filledQuantity).toBeLessThanOrEqual(10);
  });

  it('a completed order with our orderRef of another symbol is not taken as ours', async () => {
    const run = memoryRun({ now: MONDAY });
    const runId = runIdAt(EARLIER_TODAY, 'earlier');
    const refs = seedFridayRun(run, [{ symbol: 'MSFT', quantity: 10, filledQuantity: 6 }], {}, EARLIER_TODAY, runId);
    run.broker.script.completedOrders.push({
      brokerOrderId: 99,
      orderRef: refs.MSFT ?? '',
      symbol: 'SPY',
      action: 'SELL',
      quantity: 10,
      limitPrice: 600,
      status: 'Cancelled',
      filledQuantity: 0,
      avgFillPrice: 0,
    });
    await runRebalance(run);
    const order = run.store.ordersOf(runId)[0];
    // IB reported 6 filled while the run watched: whatever the listing says, those 6 are not forgotten.
    expect(order?.filledQuantity).toBe(6);
  });
});
