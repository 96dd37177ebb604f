/**
 * Fault matrix, working orders changed in place (ORDER_UPDATES=modify, the default; issue 12): the built
 * `rebalancer run`, as cron starts it, against the simulated IB Gateway, at pinned times an hour apart. The first
 * run's orders fill slowly (500 USD per 5-minute step), so they are still working an hour later with the plan
 * wanting the same side; the market has moved 0.5% down meanwhile, so the second run's plan asks for a new limit.
 * Each race a change can meet is injected by the scenario's `modifyFaults` (the simulated account applies it as
 * IB would): the order fills first (all, or part), IB refuses the change (110, 2102), the connection drops after
 * the change took effect; and the run is killed between sending a change and recording it. Each row checks what a
 * person sees (exit code, console, alert), what the gateway received (every change on the order's own id and
 * orderRef) and, after a later run, the invariants: no order sent twice, no position past its target, every fill
 * recorded once, the records agreeing with IB.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ParsedPlaceOrder } from '../../src/gateway/gateway.js';
import type { CliResult } from '../support/cli.js';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  databaseFile,
  expectAlert,
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
  type Workspace,
} from './support/kit.js';

useFaultKit();

/** 500 USD per 5-minute step: 2 AAPL, 1 MSFT, 1 SPY a step, so an hour fills about a third of each order. */
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 500 } };
const SYMBOLS = ['AAPL', 'MSFT', 'SPY'];
const HOUR = 60;

/** The base scenario with every quote 0.5% lower: the next plan asks for new limits (and SPY for one share more). */
function movedDown(scenario: Record<string, unknown>): Record<string, unknown> {
  const quotes = scenario.quotes as Record<string, Record<string, number>>;
  const moved = Object.fromEntries(
    Object.entries(quotes).map(([symbol, q]) => [
      symbol,
      Object.fromEntries(Object.entries(q).map(([field, price]) => [field, Math.round(price * 0.995 * 100) / 100])),
    ]),
  );
  return { ...scenario, quotes: moved };
}

interface PlanLine {
  current: number;
  target: number;
  action: string;
  quantity: number;
  limit: number;
}

/** The plan's order lines (BUY/SELL) as the run printed them, by ticker. */
function planOf(stdout: string): Record<string, PlanLine> {
  const plan: Record<string, PlanLine> = {};
  const section = stdout.split('\n== plan\n')[1]?.split('\n== ')[0] ?? '';
  for (const m of section.matchAll(/^([A-Z]+)\s+(-?\d+)\s+(-?\d+)\s+(BUY|SELL)\s+(\d+)\s+([\d.]+)\s/gm)) {
    const [, symbol = '', current, target, action = '', quantity, limit] = m;
    plan[symbol] = { current: Number(current), target: Number(target), action, quantity: Number(quantity), limit: Number(limit) };
  }
  return plan;
}

/** The largest target each ticker had in any of these runs' plans: no position may ever be above it. */
function targetsOf(...runs: CliResult[]): Record<string, number> {
  const targets: Record<string, number> = {};
  for (const r of runs)
    for (const [symbol, line] of Object.entries(planOf(r.stdout))) targets[symbol] = Math.max(targets[symbol] ?? 0, line.target);
  return targets;
}

interface ModificationRow {
  run_id: string;
  order_ref: string;
  broker_order_id: number;
  from_quantity: number;
  from_limit_price: number;
  quantity: number;
  limit_price: number;
  filled_before: number;
  status: string;
  code: number | null;
  message: string | null;
}

/** What SQLite holds of changes in place, and of each order's quantity and limit, and each run's counts. */
function modifyRecords(ws: Workspace): {
  modifications: ModificationRow[];
  orders: { order_ref: string; quantity: number; limit_price: number; status: string }[];
  runs: { id: string; status: string; orders_sent: number | null; orders_modified: number | null; orders_cancelled: number | null }[];
} {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return {
      modifications: db.prepare('SELECT * FROM order_modifications ORDER BY id').all() as ModificationRow[],
      orders: db.prepare('SELECT order_ref, quantity, limit_price, status FROM orders ORDER BY id').all() as {
        order_ref: string;
        quantity: number;
        limit_price: number;
        status: string;
      }[],
      runs: db
        .prepare('SELECT id, status, orders_sent, orders_modified, orders_cancelled FROM runs ORDER BY started_at, rowid')
        .all() as ReturnType<typeof modifyRecords>['runs'],
    };
  } finally {
    db.close();
  }
}

const isNew = (o: ParsedPlaceOrder): boolean => o.modification !== true;
const isChange = (o: ParsedPlaceOrder): boolean => o.modification === true;

interface FirstHour {
  ws: Workspace;
  gw: FaultGateway;
  /** The moved market, no fault: what the gateway runs on once a row's fault is removed. */
  market: Record<string, unknown>;
  first: CliResult;
  /** The first run's three orders as they reached the gateway. */
  originals: ParsedPlaceOrder[];
}

/** The first run at the open: three buys, each only begun an hour later. The gateway is left at the next hour. */
async function firstHour(): Promise<FirstHour> {
  const ws = workspace();
  const scenario = baseScenario(SLOW_FILLS);
  const gw = await FaultGateway.start(ws, scenario);
  const first = await runJob(ws, OPEN, gw.env);
  expect(first.code, transcript(first)).toBe(0);
  const originals = gw.placed();
  expect(originals.map((o) => o.symbol)).toEqual(SYMBOLS);
  gw.now = plus(OPEN, HOUR);
  return { ws, gw, market: movedDown(scenario), first, originals };
}

/**
 * The invariants, after a dry run at `at` has collected what the last run's orders filled on their way out (a dry
 * run records executions and sends nothing). `runs`: the runs whose plans' targets bound the positions.
 */
async function expectInvariants(h: FirstHour, at: string, ...runs: CliResult[]): Promise<void> {
  const settle = await runJob(h.ws, at, h.gw.env, ['--dry-run']);
  expect(settle.code, transcript(settle)).toBe(0);
  expectNoOrderSentTwice(h.gw.placed());
  expectPositionsAtMost(h.gw.account(), targetsOf(h.first, ...runs));
  expectNoFillLost(h.ws, h.gw.account());
  expectRecordsAgreeWithBroker(h.ws, h.gw.account());
}

/** The AAPL order of the first run. */
function aaplOf(h: FirstHour): ParsedPlaceOrder {
  const order = h.originals.find((o) => o.symbol === 'AAPL');
  if (order === undefined) throw new Error('no AAPL order in the first run');
  return order;
}

describe('fault matrix: working orders changed in place (ORDER_UPDATES=modify)', () => {
  it('two runs an hour apart, orders still working: the second run changes each in place (same order id and orderRef, a new limit, total = filled + remainder), sends no new order and cancels none', async () => {
    // Fault: none; the market moved 0.5% down between two runs while the first run's orders were working.
    // Expected: no new order and no cancel; each working order gets one modification at the gateway on its own
    // order id and orderRef with the plan's new limit and a total of what it had filled plus the remainder the plan
    // wants; order_modifications 'Modified', the order's row takes the new quantity and limit, runs.orders_modified 3.
    // Not lost: every fill, each order once, no position above its target.
    const h = await firstHour();
    const { ws, gw } = h;
    await gw.restart(h.market);
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(0);
    expect(second.stdout).toMatch(/^no new orders sent$/m);
    expect(second.stdout).not.toMatch(/^cancel /m);
    expect(gw.stats().cancels, 'cancels that reached IB').toBe(0);
    expect(gw.placed().filter(isNew), 'no new order').toEqual(h.originals);

    const plan = planOf(second.stdout);
    const secondRun = records(ws).runs[1]?.id ?? '';
    const { modifications, orders, runs } = modifyRecords(ws);
    const changes = gw.placed().filter(isChange);
    expect(changes.map((c) => c.symbol)).toEqual(SYMBOLS);
    for (const original of h.originals) {
      const change = changes.find((c) => c.symbol === original.symbol);
      const row = modifications.find((m) => m.order_ref === original.orderRef);
      const line = plan[original.symbol];
      expect(change?.orderId, `${original.symbol}: the same order id`).toBe(original.orderId);
      expect(change?.orderRef, `${original.symbol}: the same orderRef`).toBe(original.orderRef);
      expect(change?.lmtPrice, `${original.symbol}: the plan's limit`).toBe(line?.limit);
      expect(change?.lmtPrice, `${original.symbol}: a new limit`).not.toBe(original.lmtPrice);
      expect(row, `${original.symbol}: the change recorded`).toMatchObject({
        run_id: secondRun,
        broker_order_id: original.orderId,
        from_quantity: original.totalQuantity,
        from_limit_price: original.lmtPrice,
        quantity: change?.totalQuantity,
        limit_price: line?.limit,
        status: 'Modified',
      });
      // The total asked for: what the order had filled (the position's growth since the first run) + the remainder.
      expect(row?.filled_before).toBe((line?.current ?? 0) - (original.symbol === 'AAPL' ? 100 : 0));
      expect(change?.totalQuantity, `${original.symbol}: total = filled + remainder`).toBe(
        (row?.filled_before ?? 0) + (line?.quantity ?? 0),
      );
      expect(orders.find((o) => o.order_ref === original.orderRef)).toMatchObject({
        quantity: change?.totalQuantity,
        limit_price: line?.limit,
        status: 'Submitted',
      });
      expect(second.stdout).toContain(`modified ${original.orderRef} (order ${original.orderId}, BUY ${original.symbol}): `);
    }
    expect(runs[1]).toMatchObject({ id: secondRun, orders_sent: 0, orders_modified: 3, orders_cancelled: 0 });
    expect(gw.stats().ordersModified).toBe(3);

    gw.now = plus(OPEN, 2 * HOUR);
    const third = await runJob(ws, plus(OPEN, 2 * HOUR), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    expect(gw.placed().filter(isNew), 'still no new order').toHaveLength(3);
    await expectInvariants(h, plus(OPEN, 2 * HOUR), second, third);
  });

  it('the order fills before the change arrives (fillFirst "all", IB 104): no alarm, the order found filled, nothing sent again for it; the next run settles the ticker', async () => {
    // Fault: AAPL's order fills its whole remainder (at its old limit) just before the change reaches IB, which
    // refuses the change with 104 "Can't modify a filled order".
    // Expected: no alarm (exit 0, no BROKER_ERROR); the change recorded 'Refused' (104), the order 'Filled'; no
    // other AAPL order in that run; MSFT and SPY changed in place. The next run has nothing left to buy in AAPL.
    // Not lost: every fill of the order (the ones before the change included), once each.
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    await gw.restart({ ...h.market, modifyFaults: { AAPL: { fillFirst: 'all' } } });
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(0);
    expect(second.stdout).not.toMatch(/BROKER_ERROR|CANCEL_UNCONFIRMED/);
    expect(second.stdout).toMatch(new RegExp(`change of ${escapeRe(aapl.orderRef)} .* refused \\(IB code 104\\)`));
    expect(
      gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o)),
      'no second AAPL order',
    ).toEqual([aapl]);
    expect(gw.account().orders.find((o) => o.orderRef === aapl.orderRef)).toMatchObject({ status: 'Filled', filled: 84 });
    const { modifications } = modifyRecords(ws);
    expect(modifications.find((m) => m.order_ref === aapl.orderRef)).toMatchObject({ status: 'Refused', code: 104 });
    expect(modifications.filter((m) => m.status === 'Modified').map((m) => m.order_ref.split(':')[2])).toEqual(['MSFT', 'SPY']);

    gw.now = plus(OPEN, 2 * HOUR);
    await gw.restart(h.market);
    const third = await runJob(ws, plus(OPEN, 2 * HOUR), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    expect(planOf(third.stdout).AAPL, 'nothing left to buy in AAPL').toBeUndefined();
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toHaveLength(1);
    expect(gw.account().positions.AAPL?.quantity).toBe(184);
    expect(records(ws).orders.find((o) => o.order_ref === aapl.orderRef)).toMatchObject({ status: 'Filled', filled_quantity: 84 });
    await expectInvariants(h, plus(OPEN, 2 * HOUR), second, third);
  });

  it('the order fills in part before the change arrives (fillFirst "part"): the change applies to the partly filled order; never more shares than the target', async () => {
    // Fault: half of AAPL's remainder fills (at its old limit) just before the change reaches IB.
    // Expected: the change applies (its total, counted from the recorded fills, is above what has filled): exit 0,
    // 'Modified', one AAPL order. Not lost: the fills before and after the change, once each; the position at most
    // the target (the total caps it whatever filled first).
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    await gw.restart({ ...h.market, modifyFaults: { AAPL: { fillFirst: 'part' } } });
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(0);
    const plan = planOf(second.stdout);
    const change = gw.placed().find((o) => o.symbol === 'AAPL' && isChange(o));
    expect(change).toMatchObject({ orderId: aapl.orderId, orderRef: aapl.orderRef, lmtPrice: plan.AAPL?.limit });
    const row = modifyRecords(ws).modifications.find((m) => m.order_ref === aapl.orderRef);
    expect(row).toMatchObject({ status: 'Modified', quantity: change?.totalQuantity });
    const atBroker = gw.account().orders.find((o) => o.orderRef === aapl.orderRef);
    expect(atBroker?.filled, 'filled past what the plan counted').toBeGreaterThan(row?.filled_before ?? 0);
    expect(atBroker?.quantity).toBe(change?.totalQuantity);
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toEqual([aapl]);

    gw.now = plus(OPEN, 2 * HOUR);
    await gw.restart(h.market);
    const third = await runJob(ws, plus(OPEN, 2 * HOUR), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toHaveLength(1);
    await expectInvariants(h, plus(OPEN, 2 * HOUR), second, third);
  });

  it('IB refuses the change (110, price increment): the order is cancelled (confirmed), BROKER_ERROR, exit 1, nothing new for the ticker; the next run buys the rest once under a new orderRef', async () => {
    // Fault: IB refuses AAPL's change with 110 (the price does not conform to the minimum price variation).
    // Expected: the order, still standing at its old limit, is cancelled and the cancel confirmed; BROKER_ERROR
    // names the change and the code; exit 1 and an alert; no new AAPL order in that run (its ticker waits).
    // The next run (fault still there: it concerns changes only) sends one new AAPL order for what is missing.
    // Not lost: the refused change's record, the fills of the cancelled order, each order once.
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    const faulty = { ...h.market, modifyFaults: { AAPL: { refuse: { code: 110 } } } };
    await gw.restart(faulty);
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(1);
    expect(second.stdout).toMatch(/BROKER_ERROR \[AAPL\]: change of .* refused: .*\(IB code 110\)/);
    expect(second.stdout).toMatch(new RegExp(`the order is cancelled \\(cancelled\\); AAPL waits for the next run`));
    expectAlert(ws, /FAILED/, /BROKER_ERROR AAPL: .*IB code 110/);
    expect(gw.account().orders.find((o) => o.orderRef === aapl.orderRef)?.status).toBe('Cancelled');
    expect(
      gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o)),
      'nothing new for AAPL in that run',
    ).toEqual([aapl]);
    expect(modifyRecords(ws).modifications.find((m) => m.order_ref === aapl.orderRef)).toMatchObject({ status: 'Refused', code: 110 });
    expect(modifyRecords(ws).runs[1]).toMatchObject({ orders_modified: 2, orders_cancelled: 1, orders_sent: 0 });

    gw.now = plus(OPEN, 2 * HOUR);
    const third = await runJob(ws, plus(OPEN, 2 * HOUR), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    const newAapl = gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o));
    expect(newAapl).toHaveLength(2);
    expect(newAapl[1]?.orderRef).not.toBe(aapl.orderRef);
    expect(newAapl[1]?.totalQuantity, 'the rest, once').toBe(planOf(third.stdout).AAPL?.quantity);
    await expectInvariants(h, plus(OPEN, 2 * HOUR), second, third);
  });

  it('IB is still processing an earlier change (2102): the order is cancelled, no alarm, the ticker waits a run', async () => {
    // Fault: IB refuses AAPL's change with 2102 ("Unable to modify this order as it is still being processed").
    // Expected: no BROKER_ERROR (a race, not a fault), exit 0; the order cancelled (confirmed), nothing new for
    // AAPL this run; the next run buys the rest once. Not lost: the refusal's record, every fill, each order once.
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    await gw.restart({ ...h.market, modifyFaults: { AAPL: { refuse: { code: 2102 } } } });
    const alertsBefore = outbox(ws).subjects.filter((s) => /FAILED|BLOCKED|WARNING/.test(s)).length;
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(0);
    expect(second.stdout).not.toMatch(/BROKER_ERROR/);
    expect(second.stdout).toMatch(/refused \(IB code 2102\): .*; the order is cancelled \(cancelled\); AAPL waits for the next run/);
    expect(
      outbox(ws).subjects.filter((s) => /FAILED|BLOCKED|WARNING/.test(s)),
      'no alert',
    ).toHaveLength(alertsBefore);
    expect(gw.account().orders.find((o) => o.orderRef === aapl.orderRef)?.status).toBe('Cancelled');
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toEqual([aapl]);

    gw.now = plus(OPEN, 2 * HOUR);
    await gw.restart(h.market);
    const third = await runJob(ws, plus(OPEN, 2 * HOUR), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toHaveLength(2);
    await expectInvariants(h, plus(OPEN, 2 * HOUR), second, third);
  });

  it('the connection drops after the change took effect, unacknowledged (dropAfter): exit 1, the change recorded Unknown, nothing more sent; the next run finds it in effect and settles', async () => {
    // Fault: IB applies AAPL's change (the first in plan order), then the socket drops before any answer.
    // Expected: exit 1, "dropped during the run; nothing is resent", alert; the change 'Unknown' (it may have
    // taken effect); no change or order after it in that run. The next run (gateway back, no fault) finds the order
    // at the change's quantity and limit: records it 'Modified', and carries on. Not lost: the change's record,
    // every fill, each order once.
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    await gw.restart({ ...h.market, modifyFaults: { AAPL: { dropAfter: true } } });
    const second = await runJob(ws, plus(OPEN, HOUR), gw.env);
    expect(second.code, transcript(second)).toBe(1);
    expect(second.stdout).toMatch(
      new RegExp(
        // The drop reads as IB's 1100 or as the socket's own error, whichever the client notices first.
        `^change of ${escapeRe(aapl.orderRef)} .*: connectivity: .*(dropped during the run|socket error).*nothing is resent.*; sending stops$`,
        'm',
      ),
    );
    expect(second.stdout).toMatch(
      /BROKER_ERROR \[AAPL\]: change of .*it may have taken effect: the next run finds the order by its orderRef/,
    );
    expectAlert(ws, /FAILED: submission stopped: connectivity while changing rebal:/);
    expect(gw.stats().cancels, 'no cancel reached IB after the drop').toBe(0);
    const change = gw.placed().find(isChange);
    expect(gw.placed().slice(3), 'nothing sent after the change').toEqual([change]);
    expect(change).toMatchObject({ orderId: aapl.orderId, orderRef: aapl.orderRef });
    // Changes are pipelined: the others of the batch were recorded as they left for the adapter, which found the
    // connection gone and sent none of them (IB got only AAPL's, above); each is Unknown until the next run reads
    // the orders as IB lists them.
    const unknown = modifyRecords(ws).modifications;
    expect(unknown.find((m) => m.order_ref === aapl.orderRef)?.status).toBe('Unknown');
    expect(unknown.every((m) => m.status === 'Unknown')).toBe(true);
    expect(gw.account().orders.find((o) => o.orderRef === aapl.orderRef)).toMatchObject({ quantity: change?.totalQuantity });

    gw.now = plus(OPEN, HOUR + 5);
    await gw.restart(h.market);
    const third = await runJob(ws, plus(OPEN, HOUR + 5), gw.env);
    expect(third.code, transcript(third)).toBe(0);
    expect(third.stdout).toMatch(new RegExp(`change of ${escapeRe(aapl.orderRef)}: .* sent by run \\S+: in effect`));
    expect(modifyRecords(ws).modifications.find((m) => m.order_ref === aapl.orderRef)?.status).toBe('Modified');
    // The changes that never reached IB are settled as not in effect.
    expect(
      modifyRecords(ws)
        .modifications.filter((m) => m.order_ref !== aapl.orderRef && m.run_id === unknown[0]?.run_id)
        .map((m) => m.status),
    ).toEqual(unknown.filter((m) => m.order_ref !== aapl.orderRef).map(() => 'NotApplied'));
    expect(gw.placed().filter((o) => o.symbol === 'AAPL' && isNew(o))).toEqual([aapl]);
    await expectInvariants(h, plus(OPEN, HOUR + 5), second, third);
  });

  it('kill -9 after the change reached IB, before the run recorded its answer: the next run takes the stale lock, settles the change from IB, plans again; nothing twice', async () => {
    // Fault: the run is killed (OOM killer, kill -9) after its change of AAPL's order reached IB (a slow gateway:
    // every answer 400 ms late), before it heard back.
    // Expected: the change's intent is in SQLite ('Intent', written before sending); the next run takes the stale
    // lock, records the killed run failed, finds the order at the change's quantity and limit (the change
    // 'Modified'), plans again from the position, and sends no AAPL order again. Not lost: the intent, every fill.
    const h = await firstHour();
    const { ws, gw } = h;
    const aapl = aaplOf(h);
    await gw.restart({ ...h.market, gateway: { faults: { answerDelayMs: 400 } } });
    const killed = startJob(ws, plus(OPEN, HOUR), gw.env);
    await until(() => gw.placed().some(isChange), 'the first change to reach the gateway');
    killed.child.kill('SIGKILL');
    expect((await killed.done).signal).toBe('SIGKILL');
    const change = gw.placed().find(isChange);
    expect(change).toMatchObject({ orderId: aapl.orderId, orderRef: aapl.orderRef });
    // Changes are pipelined: the batch's intents are written as each leaves for the adapter, AAPL's first.
    const intents = modifyRecords(ws).modifications;
    expect(intents[0]).toMatchObject({ order_ref: aapl.orderRef, status: 'Intent' });
    expect(intents.every((m) => m.status === 'Intent')).toBe(true);
    expect(existsSync(join(ws.data, 'run.lock')), 'the killed run left its lock').toBe(true);

    gw.now = plus(OPEN, HOUR + 5);
    await gw.restart(h.market);
    const next = await runJob(ws, plus(OPEN, HOUR + 5), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    const killedRun = records(ws).runs[1];
    expect(killedRun?.status).toBe('failed');
    expect(next.stdout).toMatch(new RegExp(`run ${killedRun?.id ?? '?'} .*killed or crashed`));
    expect(next.stdout).toMatch(new RegExp(`change of ${escapeRe(aapl.orderRef)}: .* sent by run ${killedRun?.id ?? '?'}: in effect`));
    expect(modifyRecords(ws).modifications.find((m) => m.order_ref === aapl.orderRef)?.status).toBe('Modified');
    expect(gw.placed().filter(isNew), 'no order sent again').toEqual(h.originals);
    await expectInvariants(h, plus(OPEN, HOUR + 5), next);
  });
});

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
