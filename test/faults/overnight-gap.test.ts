/**
 * Fault matrix, issue 10 item 5: IB keeps executions for the API one day. With the built `rebalancer run` as cron
 * starts it, against the simulated IB Gateway over TCP: Monday's 15:35 run (New York) sends orders that fill at
 * once, the box goes off for the night, and IB Gateway is started again on Tuesday on the same account, serving
 * only Tuesday's executions (as IB's does).
 *
 * - Without Flex: the Tuesday run records Monday's orders `Unknown` (never "expired unfilled"), holds their
 *   tickers with ORDER_OUTCOME_UNKNOWN and says what to do; a person accepts the broker's position with
 *   `rebalancer reconcile --accept TICKER --reason ...`; the next run trades again.
 * - With Flex (a local Flex Web Service serving the gateway's executions as IB's statements would): the Tuesday
 *   run recovers every execution into SQLite and trades.csv once, holds nothing, and trades.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadState } from '../../src/sim/state-file.js';
import type { Execution } from '../../src/core/types.js';
import { startFlexServer, type FlexServer } from '../support/flex-server.js';
import { writeForecast } from '../support/cli.js';
import {
  ACCOUNT,
  FaultGateway,
  baseScenario,
  databaseFile,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectRecordsAgreeWithBroker,
  outbox,
  rebalancer,
  records,
  runJob,
  tradesCsvExecIds,
  transcript,
  trendForecast,
  useFaultKit,
  workspace,
  type Workspace,
} from './support/kit.js';

useFaultKit();
const flexServers: FlexServer[] = [];
afterEach(async () => {
  for (const f of flexServers.splice(0)) await f.close();
});

/** Monday 15:35 New York: the day's last run in session. */
const MONDAY_LAST = '2026-11-23T20:35:00Z';
/** Tuesday 10:35, 11:35 and 12:35 New York: the box is back. */
const TUESDAY = '2026-11-24T15:35:00Z';
const TUESDAY_LATER = '2026-11-24T16:35:00Z';
const TUESDAY_NOON = '2026-11-24T17:35:00Z';
const HELD = ['AAPL', 'MSFT', 'SPY'];

const TOKEN = '834927105823947501238475';
const QUERY_ID = '912345';

/** Tuesday's forecast asks for more of each, so a held ticker would have had an order. */
const TUESDAY_FORECAST = trendForecast('2026-11-24T14:00:00Z', { AAPL: 0.35, MSFT: 0.35, SPY: 0.25 });

/** The executions IB holds for the account (all days), as its Flex statements report them. */
function executionsAtIb(ws: Workspace): Execution[] {
  return (loadState(join(ws.root, 'gateway'))?.executions ?? []).map((e) => ({
    execId: e.execId,
    brokerOrderId: e.orderId,
    permId: e.permId,
    orderRef: e.orderRef,
    symbol: e.symbol,
    side: e.side,
    quantity: e.quantity,
    price: e.price,
    commission: e.commission,
    time: e.time,
  }));
}

/**
 * Monday's last run on a gateway whose orders fill at once (with `mondayScenario`'s faults); then the box goes off and
 * comes back on Tuesday, IB Gateway started again without them.
 */
async function mondayThenNight(ws: Workspace, mondayScenario: Record<string, unknown> = baseScenario()): Promise<FaultGateway> {
  const gw = await FaultGateway.start(ws, mondayScenario, MONDAY_LAST);
  const monday = await runJob(ws, MONDAY_LAST, gw.env);
  expect(monday.code, transcript(monday)).toBe(0);
  expect(gw.placed().map((o) => o.symbol)).toEqual(HELD);
  // The fills came after the run had looked: none is recorded yet.
  expect(records(ws).fills).toEqual([]);
  await gw.close();
  // Tuesday: a new forecast, and IB Gateway started again on the same account (its executions of Monday are
  // no longer served to the API).
  writeForecast(ws.forecasts, 'trend.json', TUESDAY_FORECAST);
  gw.now = TUESDAY;
  await gw.restart(baseScenario());
  return gw;
}

/** Every file under a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

function query<T>(ws: Workspace, sql: string): T[] {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

/** Signed quantity per ticker of a list of executions. */
function netBySymbol(executions: readonly Execution[]): Record<string, number> {
  const net: Record<string, number> = {};
  for (const e of executions) net[e.symbol] = (net[e.symbol] ?? 0) + (e.side === 'BUY' ? e.quantity : -e.quantity);
  return net;
}

describe('fault matrix: executions are kept one day (the box off overnight)', () => {
  it("without Flex: Monday's orders are Unknown (never 'expired unfilled'), their tickers held, what to do said; after `reconcile --accept` the next run trades", async () => {
    // Fault: Monday's 15:35 run sends three buys that fill at once; the box is off until Tuesday; IB Gateway,
    // started again on the same account, serves Tuesday's executions only. No FLEX_TOKEN/FLEX_QUERY_ID.
    // Expected: the Tuesday run records Monday's orders Unknown, holds AAPL, MSFT and SPY (ORDER_OUTCOME_UNKNOWN,
    // and the three position breaks this leaves exceed MAX_POSITION_BREAKS: exit 3), says both ways out on the
    // console and in the alert, and sends nothing. A person accepts each ticker; the next run trades them.
    // Not lost: Monday's fills are in the positions and in the accepted adjustments, not in SQLite's fills or
    // trades.csv (their execution ids are out of reach without Flex); every later execution is.
    const ws = workspace(trendForecast('2026-11-23T14:00:00Z'));
    const gw = await mondayThenNight(ws);
    const monday = executionsAtIb(ws);
    expect(monday.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(netBySymbol(monday)).sort()).toEqual(HELD);
    const mondayOrders = records(ws).orders;

    const tuesday = await runJob(ws, TUESDAY, gw.env);
    expect(tuesday.code, transcript(tuesday)).toBe(3);
    expect(gw.placed().map((o) => o.orderRef)).toEqual(mondayOrders.map((o) => o.order_ref));
    const afterTuesday = records(ws);
    for (const o of afterTuesday.orders) {
      expect(o.status, o.order_ref).toBe('Unknown');
      expect(o.message, o.order_ref).toContain('outcome unknown');
      expect(o.message, o.order_ref).not.toMatch(/expired|unfilled/i);
    }
    expect(transcript(tuesday)).not.toMatch(/expired|unfilled/i);
    // Held, not halted: the kill switch stays off, so the hold lifts with the accepts (no `resume` needed).
    expect(afterTuesday.haltEvents).toEqual([]);
    const heldBy = afterTuesday.breaches.filter((b) => b.code === 'ORDER_OUTCOME_UNKNOWN').map((b) => b.detail.split(':')[0]);
    expect(heldBy.sort()).toEqual(HELD);
    for (const symbol of HELD) {
      expect(tuesday.stdout).toMatch(new RegExp(`ORDER_OUTCOME_UNKNOWN \\[${symbol}\\]: .*set FLEX_TOKEN and FLEX_QUERY_ID`));
      expect(tuesday.stdout).toContain(`rebalancer reconcile --accept ${symbol} --reason`);
      // The plan names the hold and what it would have done.
      // (the row, then its reason indented on the line under it)
      expect(tuesday.stdout).toMatch(new RegExp(`^${symbol} .* NONE .*\\n {4}blocked \\(ORDER_OUTCOME_UNKNOWN\\): .*would have BUY`, 'm'));
    }
    const alert = expectAlert(ws, /BLOCKED: ORDER_OUTCOME_UNKNOWN/, /set FLEX_TOKEN and FLEX_QUERY_ID/);
    for (const symbol of HELD) expect(unfold(alert)).toContain(`rebalancer reconcile --accept ${symbol} --reason`);

    // A person checks the positions at IB and accepts them, ticker by ticker, with the built CLI.
    const operator = { ...gw.env, REBALANCER_NOW: '2026-11-24T15:50:00Z' };
    const listed = await rebalancer(ws, ['reconcile'], operator);
    expect(listed.code, transcript(listed)).toBe(0);
    for (const o of mondayOrders) expect(listed.stdout).toContain(`${o.order_ref}: BUY ${o.quantity} ${o.symbol}`);
    const mondayNet = netBySymbol(monday);
    const broker = gw.account().positions;
    for (const symbol of HELD) {
      const ref = mondayOrders.find((o) => o.symbol === symbol)?.order_ref ?? '';
      const before = (broker[symbol]?.quantity ?? 0) - (mondayNet[symbol] ?? 0);
      const accepted = await rebalancer(ws, ['reconcile', '--accept', symbol, '--reason', 'checked at IB: filled Monday 15:35'], operator);
      expect(accepted.code, transcript(accepted)).toBe(0);
      expect(accepted.stdout).toContain(
        `accepted: ${symbol} ledger ${before} -> ${broker[symbol]?.quantity ?? 0} (adjustment +${mondayNet[symbol] ?? 0})`,
      );
      expect(accepted.stdout).toContain(
        `1 order(s) of unknown outcome settled as the broker's position shows, never looked up again: ${ref}`,
      );
      expect(accepted.stdout).toContain('reason: checked at IB: filled Monday 15:35');
    }
    // Accepting again records nothing more.
    const again = await rebalancer(ws, ['reconcile', '--accept', 'AAPL', '--reason', 'twice'], operator);
    expect(again.code, transcript(again)).toBe(0);
    expect(again.stdout).toContain('nothing to accept');

    // The next run trades again, each ticker once.
    gw.now = TUESDAY_LATER;
    const later = await runJob(ws, TUESDAY_LATER, gw.env);
    expect(later.code, transcript(later)).toBe(0);
    expect(later.stdout).toContain('all circuit breakers passed');
    const tuesdayOrders = gw.placed().slice(mondayOrders.length);
    expect(tuesdayOrders.map((o) => o.symbol)).toEqual(HELD);
    // A run that collects what that run's orders did (nothing new to send at the same prices).
    gw.now = TUESDAY_NOON;
    const settle = await runJob(ws, TUESDAY_NOON, gw.env, ['--dry-run']);
    expect(settle.code, transcript(settle)).toBe(0);

    // No order twice.
    expectNoOrderSentTwice(gw.placed());
    // Records agree with the broker: Tuesday's orders in full; Monday's with IB's ids and filled quantity (as
    // IB reported it while Monday's run watched), their status Unknown, the outcome accepted by a person.
    const account = gw.account();
    const mondayRefs = new Set(mondayOrders.map((o) => o.order_ref));
    expectRecordsAgreeWithBroker(ws, { ...account, orders: account.orders.filter((o) => !mondayRefs.has(o.orderRef)) });
    const rows = records(ws).orders;
    for (const o of account.orders.filter((a) => mondayRefs.has(a.orderRef))) {
      const row = rows.filter((r) => r.order_ref === o.orderRef);
      expect(row).toHaveLength(1);
      expect(row[0]).toMatchObject({ broker_order_id: o.orderId, perm_id: o.permId, filled_quantity: o.filled, status: 'Unknown' });
      expect(o.status).toBe('Filled');
      expect(row[0]?.message).toContain('outcome accepted by operator');
    }
    // No fill lost, as far as it can be without Flex: Monday's executions are in neither SQLite nor trades.csv
    // (their ids never reached this program); each ticker's accepted adjustment is exactly what they bought; every
    // other execution at the broker is in SQLite and trades.csv exactly once.
    const mondayIds = new Set(monday.map((e) => e.execId));
    const later_ = account.executions.map((e) => e.execId).filter((id) => !mondayIds.has(id));
    expect(later_.length).toBeGreaterThanOrEqual(3);
    expect(
      records(ws)
        .fills.map((f) => f.exec_id)
        .sort(),
    ).toEqual([...later_].sort());
    expect(tradesCsvExecIds(ws).sort()).toEqual([...later_].sort());
    const adjustments = query<{ symbol: string; quantity: number; reason: string }>(
      ws,
      "SELECT symbol, quantity, reason FROM ledger_adjustments WHERE kind = 'accept' ORDER BY symbol",
    );
    expect(adjustments).toEqual(
      HELD.map((symbol) => ({ symbol, quantity: mondayNet[symbol], reason: 'checked at IB: filled Monday 15:35' })),
    );
  }, 60_000);

  it("with Flex (a local Flex Web Service serving the gateway's executions): every execution at IB recovered into SQLite and trades.csv once, nothing held, exit 0; the token nowhere", async () => {
    // Fault: the same night. FLEX_TOKEN, FLEX_QUERY_ID and FLEX_URL point at a local Flex Web Service that serves
    // the executions the gateway's account holds, as IB's Activity statements do (closed days only).
    // Expected: the Tuesday run finds Monday's executions in the statement, records each once, Monday's orders
    // Filled, holds nothing and trades (exit 0). Not lost: every execution at the broker, in SQLite and
    // trades.csv exactly once; the token is in no output, log line, email or database row.
    const ws = workspace(trendForecast('2026-11-23T14:00:00Z'));
    const gw = await mondayThenNight(ws);
    const monday = executionsAtIb(ws);
    expect(monday.length).toBeGreaterThanOrEqual(3);
    const flex = await startFlexServer({
      token: TOKEN,
      queryId: QUERY_ID,
      account: ACCOUNT,
      executions: monday,
      now: () => new Date(gw.now),
    });
    flexServers.push(flex);
    const env = { ...gw.env, FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: QUERY_ID, FLEX_URL: flex.url };

    const tuesday = await runJob(ws, TUESDAY, env);
    expect(tuesday.code, transcript(tuesday)).toBe(0);
    expect(flex.requests.map((r) => r.step)).toContain('GetStatement');
    const mondayRefs = new Set(monday.map((e) => e.orderRef));
    const mondayOrders = records(ws).orders.filter((o) => mondayRefs.has(o.order_ref));
    expect(mondayOrders.map((o) => [o.symbol, o.status])).toEqual(HELD.map((s) => [s, 'Filled']));
    expect(
      records(ws)
        .fills.map((f) => f.exec_id)
        .sort(),
    ).toEqual(monday.map((e) => e.execId).sort());
    expect(tradesCsvExecIds(ws).sort()).toEqual(monday.map((e) => e.execId).sort());
    // The console lists each recovered execution once, and the rows added to trades.csv.
    for (const e of monday) expect(tuesday.stdout.split(`exec ${e.execId})`), e.execId).toHaveLength(2);
    expect(tuesday.stdout).toContain(`${monday.length} new row(s) in ${join(ws.data, 'trades.csv')}`);
    expect(records(ws).breaches).toEqual([]);
    expect(transcript(tuesday)).not.toMatch(/expired|unfilled|ORDER_OUTCOME_UNKNOWN|POSITION_BREAK/i);
    // Nothing held: Tuesday's forecast is traded in every ticker.
    expect(
      gw
        .placed()
        .slice(mondayRefs.size)
        .map((o) => o.symbol),
    ).toEqual(HELD);

    // The next run collects Tuesday's executions from the API; Flex serves whatever IB holds, as IB would.
    flex.update({ executions: executionsAtIb(ws) });
    gw.now = TUESDAY_LATER;
    const later = await runJob(ws, TUESDAY_LATER, env, ['--dry-run']);
    expect(later.code, transcript(later)).toBe(0);

    const account = gw.account();
    expectNoOrderSentTwice(gw.placed());
    expectNoFillLost(ws, account);
    expectRecordsAgreeWithBroker(ws, account);
    expect(account.executions.length).toBeGreaterThanOrEqual(6);

    // The token appears in no output, log, email, record or other file the runs wrote.
    for (const r of [tuesday, later]) expect(transcript(r)).not.toContain(TOKEN);
    expect(logOf(ws)).toContain('IB Flex Web Service (query 912345): statement of DU1234567 for 2026-11-23..2026-11-23: 3 execution(s)');
    for (const file of [...filesUnder(ws.data), ...filesUnder(ws.logs)]) {
      expect(readFileSync(file).includes(TOKEN), file).toBe(false);
    }
    expect(outbox(ws).messages.length).toBeGreaterThan(0);
    for (const m of outbox(ws).messages) expect(m).not.toContain(TOKEN);
    const tables = query<{ name: string }>(ws, "SELECT name FROM sqlite_master WHERE type = 'table'");
    for (const { name } of tables) {
      expect(JSON.stringify(query(ws, `SELECT * FROM "${name}"`)), `table ${name}`).not.toContain(TOKEN);
    }
  }, 60_000);

  // Found by the row below, which failed now and then on a loaded machine, and fixed: TWS announces a fill with an
  // openOrder whose OrderState says Filled (it carries no filled quantity), then an orderStatus with the figures. A
  // status window that closed between the two recorded an order "Filled, 0 filled": final, with no fill missing, so
  // it was never looked up again and its execution never recovered (a false POSITION_BREAK the next day).
  it("IB's openOrder says Filled a second before the orderStatus with the figures: Monday's orders are not recorded 'Filled, 0 filled'; with Flex, Tuesday recovers every execution, no POSITION_BREAK", async () => {
    // Fault: on Monday every orderStatus that follows an openOrder leaves 1 s after it (the run's status window is
    // 200 ms). Expected: no order recorded Filled with less than its quantity filled; Tuesday, with Flex, every
    // Monday execution recorded once, every Monday order Filled, nothing held, exit 0.
    const ws = workspace(trendForecast('2026-11-23T14:00:00Z'));
    const gw = await mondayThenNight(ws, baseScenario({ gateway: { faults: { orderStatusLagMs: 1000 } } }));
    const mondayRows = records(ws).orders;
    expect(mondayRows.map((o) => o.symbol)).toEqual(HELD);
    for (const o of mondayRows) {
      if (o.status === 'Filled') expect(o.filled_quantity, `${o.order_ref}: recorded Filled`).toBe(o.quantity);
    }
    const monday = executionsAtIb(ws);
    expect(Object.keys(netBySymbol(monday)).sort()).toEqual(HELD);
    const flex = await startFlexServer({
      token: TOKEN,
      queryId: QUERY_ID,
      account: ACCOUNT,
      executions: monday,
      now: () => new Date(gw.now),
    });
    flexServers.push(flex);
    const env = { ...gw.env, FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: QUERY_ID, FLEX_URL: flex.url };

    const tuesday = await runJob(ws, TUESDAY, env);
    expect(transcript(tuesday)).not.toMatch(/POSITION_BREAK|ORDER_OUTCOME_UNKNOWN/);
    expect(tuesday.code, transcript(tuesday)).toBe(0);
    const mondayRefs = new Set(mondayRows.map((o) => o.order_ref));
    const settled = records(ws).orders.filter((o) => mondayRefs.has(o.order_ref));
    expect(settled.map((o) => [o.symbol, o.status, o.filled_quantity])).toEqual(mondayRows.map((o) => [o.symbol, 'Filled', o.quantity]));
    expect(
      records(ws)
        .fills.map((f) => f.exec_id)
        .sort(),
    ).toEqual(monday.map((e) => e.execId).sort());
    expect(tradesCsvExecIds(ws).sort()).toEqual(monday.map((e) => e.execId).sort());
  }, 60_000);

  // Found by this row and fixed: an order a person accepted is never looked up again, and a statement read for
  // another order's day no longer records its executions on top of the adjustment that already holds its shares.
  it("one ticker accepted by hand, then Flex set up for the rest: the accepted ticker's executions from the statement are not counted twice (no false POSITION_BREAK)", async () => {
    // Fault: the night as above, no Flex; a person accepts AAPL only (checked at IB), then sets FLEX_TOKEN and
    // FLEX_QUERY_ID to recover MSFT and SPY. The statement of Monday also holds AAPL's execution.
    // Expected: MSFT and SPY recovered; AAPL's ledger stays equal to the broker (the adjustment already holds its
    // Monday fill): no POSITION_BREAK, exit 0, every ticker traded.
    const ws = workspace(trendForecast('2026-11-23T14:00:00Z'));
    const gw = await mondayThenNight(ws);
    // (This row failed now and then on a loaded machine: not for want of an execution in the statement, as first
    // thought, but because Monday's run had recorded SPY "Filled, 0 filled": see the row above.)
    const monday = executionsAtIb(ws);
    expect(Object.keys(netBySymbol(monday)).sort()).toEqual(HELD);
    const tuesday = await runJob(ws, TUESDAY, gw.env);
    expect(tuesday.code, transcript(tuesday)).toBe(3);
    const accepted = await rebalancer(ws, ['reconcile', '--accept', 'AAPL', '--reason', 'checked at IB: filled Monday 15:35'], {
      ...gw.env,
      REBALANCER_NOW: '2026-11-24T15:50:00Z',
    });
    expect(accepted.code, transcript(accepted)).toBe(0);

    const flex = await startFlexServer({
      token: TOKEN,
      queryId: QUERY_ID,
      account: ACCOUNT,
      executions: monday,
      now: () => new Date(gw.now),
    });
    flexServers.push(flex);
    const env = { ...gw.env, FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: QUERY_ID, FLEX_URL: flex.url };
    gw.now = TUESDAY_LATER;
    const later = await runJob(ws, TUESDAY_LATER, env);
    expect(transcript(later)).not.toContain('POSITION_BREAK');
    expect(later.code, transcript(later)).toBe(0);
    expect(
      gw
        .placed()
        .slice(3)
        .map((o) => o.symbol),
    ).toEqual(HELD);
  }, 60_000);
});

function logOf(ws: Workspace): string {
  return readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8');
}

/** An email's text with quoted-printable soft line breaks and escapes undone. */
function unfold(eml: string): string {
  return eml.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}
