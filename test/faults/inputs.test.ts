/**
 * Fault matrix, bad inputs at run time: a stale or malformed forecast, the wrong account or trading mode. Each
 * must stop every order before it is sent, say why, and leave the records and the broker as they were.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeForecast } from '../support/cli.js';
import {
  ACCOUNT,
  CLIENT_ID,
  FaultGateway,
  OPEN,
  baseScenario,
  expectAlert,
  expectNoFillLost,
  plus,
  records,
  runJob,
  simAccount,
  transcript,
  trendForecast,
  useFaultKit,
  workspace,
  type Workspace,
} from './support/kit.js';

useFaultKit();

/** One good run at the open, its fills collected an hour later: the previous snapshot and records. */
async function goodRuns(
  ws: Workspace,
  gw: FaultGateway,
): Promise<{ snapshots: { run_id: string; net_liquidation: number }[]; orders: number }> {
  expect((await runJob(ws, OPEN, gw.env)).code).toBe(0);
  gw.now = plus(OPEN, 60);
  writeForecast(ws.forecasts, 'trend.json', trendForecast(plus(OPEN, 50)));
  expect((await runJob(ws, plus(OPEN, 60), gw.env)).code).toBe(0);
  const r = records(ws);
  return { snapshots: r.snapshots, orders: r.orders.length };
}

describe('fault matrix: bad inputs at run time', () => {
  it('stale forecast (two sessions old: Thursday evening’s file on Monday): zero orders, exit 3, STALE_FORECAST names the file, its age and the session closed since; the previous snapshot is kept', async () => {
    // Fault: the strategy stopped writing (its cron died) after Thursday's file; Friday's session has closed since.
    // Expected: no order at all, the message names the file, how old it is and Friday's session, an alert.
    // Not lost: the previous snapshots and positions, unchanged; the fills collected by this run.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const before = await goodRuns(ws, gw);
    const placed = gw.placed().length;
    writeForecast(ws.forecasts, 'trend.json', trendForecast('2026-11-19T22:00:00Z')); // Thursday 17:00 New York

    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), gw.env);
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toMatch(
      /STALE_FORECAST: .*trend\.json.*91\.58 hours.*2026-11-20 \(Fri, 09:30-16:00 New York\).*MAX_FORECAST_AGE_SESSIONS/,
    );
    expect(gw.placed().length, 'no order sent').toBe(placed);
    const after = records(ws);
    expect(after.orders.length, 'no order intent recorded').toBe(before.orders);
    expect(after.snapshots.slice(0, before.snapshots.length)).toEqual(before.snapshots);
    expect(after.runs.at(-1)).toMatchObject({ status: 'blocked', exit_code: 3 });
    expectAlert(ws, /BLOCKED: STALE_FORECAST/, /trend\.json/);
    expectNoFillLost(ws, gw.account());
  });

  it('stale forecast by clock hours (MAX_FORECAST_AGE_HOURS=26 set, a file 28 hours old): zero orders, exit 3, STALE_FORECAST names the file and its age', async () => {
    // The same file is fresh under the default (no session has closed since Sunday): the hours limit alone decides.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const before = await goodRuns(ws, gw);
    const placed = gw.placed().length;
    writeForecast(ws.forecasts, 'trend.json', trendForecast(plus(OPEN, 120 - 28 * 60)));

    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), { ...gw.env, MAX_FORECAST_AGE_HOURS: '26' });
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toMatch(/STALE_FORECAST: .*trend\.json.*28(\.0)? ?h.*the limit is 26 hours \(MAX_FORECAST_AGE_HOURS\)/);
    expect(gw.placed().length, 'no order sent').toBe(placed);
    expect(records(ws).orders.length, 'no order intent recorded').toBe(before.orders);
    expectAlert(ws, /BLOCKED: STALE_FORECAST/, /trend\.json/);
  });

  it('malformed forecast (a half-written file): zero orders, exit 3, INVALID_FORECAST names the file and the problem; the previous snapshot is kept', async () => {
    // Fault: the strategy wrote its file in place and the run read it half written (no atomic rename).
    // Expected: the file is refused, not half-read: no order, the message names the file and why, an alert.
    // Not lost: the previous snapshots; nothing is sold because a forecast "disappeared".
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const before = await goodRuns(ws, gw);
    const placed = gw.placed().length;
    const whole = JSON.stringify(trendForecast(plus(OPEN, 110)));
    writeFileSync(join(ws.forecasts, 'trend.json'), whole.slice(0, Math.floor(whole.length / 2)));

    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), gw.env);
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toMatch(/INVALID_FORECAST: .*trend\.json/);
    expect(gw.placed().length, 'no order sent').toBe(placed);
    const after = records(ws);
    expect(after.orders.length).toBe(before.orders);
    expect(after.snapshots.slice(0, before.snapshots.length)).toEqual(before.snapshots);
    expectAlert(ws, /BLOCKED: INVALID_FORECAST/, /trend\.json/);
    expect(gw.account().positions.AAPL?.quantity, 'nothing sold').toBe(184);
  });

  it('account mismatch (IB_ACCOUNT not in this login): abort before any order or cancel, exit 3, ACCOUNT_MISMATCH names both accounts', async () => {
    // Fault: .env points at a gateway logged in to another account.
    // Expected: the run stops right after connecting: no order, and not even a cancel of an order that looks like
    // ours; exit 3 and an alert. Not lost: the working order at IB (untouched).
    const ws = workspace();
    const gw = await FaultGateway.start(ws, {
      ...baseScenario(),
      gateway: {
        foreignOrders: [
          {
            symbol: 'AAPL',
            action: 'BUY',
            quantity: 5,
            limitPrice: 150,
            clientId: CLIENT_ID,
            orderRef: 'rebal:20261123T143500Z-0abc:AAPL',
          },
        ],
      },
    });
    const r = await runJob(ws, OPEN, { ...gw.env, IB_ACCOUNT: 'DU7654321' });
    expect(r.code, transcript(r)).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`ACCOUNT_MISMATCH: IB_ACCOUNT DU7654321 is not among the accounts of this login \\(${ACCOUNT}\\)`));
    expect(gw.placed()).toEqual([]);
    expect(gw.stats().cancels).toBe(0);
    expect(gw.account().orders.map((o) => o.status)).toEqual(['Submitted']);
    expectAlert(ws, /BLOCKED: ACCOUNT_MISMATCH/, /DU7654321/);
  });

  it('paper/live mismatch: a mismatch in the configuration exits 2 before connecting; paper mode on a login that is live aborts before any order or cancel (exit 3)', async () => {
    // Fault: TRADING_MODE and the account disagree (a paper .env pointed at the live gateway, or live unconfirmed).
    // Expected: TRADING_MODE=live without LIVE_TRADING_CONFIRM=yes, or paper mode with a live IB_ACCOUNT, is a
    // configuration error (exit 2, no connection); paper mode against a login whose account turns out live (not
    // DU...) is ACCOUNT_MISMATCH: exit 3, nothing sent, nothing cancelled. Not lost: the live account's order.
    const ws = workspace();
    const live = 'U1234567';
    const gw = await FaultGateway.start(ws, {
      ...baseScenario({ account: live }),
      gateway: {
        foreignOrders: [
          {
            symbol: 'AAPL',
            action: 'BUY',
            quantity: 5,
            limitPrice: 150,
            clientId: CLIENT_ID,
            orderRef: 'rebal:20261123T143500Z-0abc:AAPL',
          },
        ],
      },
    });
    const unconfirmed = await runJob(ws, OPEN, { ...gw.env, IB_ACCOUNT: live, TRADING_MODE: 'live' });
    expect(unconfirmed.code, transcript(unconfirmed)).toBe(2);
    expect(unconfirmed.stderr).toMatch(/LIVE_TRADING_CONFIRM/);
    expect(gw.connections()).toBe(0);

    const named = await runJob(ws, OPEN, { ...gw.env, IB_ACCOUNT: live, TRADING_MODE: 'paper' });
    expect(named.code, transcript(named)).toBe(2);
    expect(named.stderr).toMatch(/IB_ACCOUNT: U1234567 is not a paper account/);
    expect(gw.connections()).toBe(0);

    // BROKER=ib requires IB_ACCOUNT, so the broker's own check is reached with the sim broker (no IB_ACCOUNT), whose
    // login turns out to be the live account of the same scenario file.
    const paper = await runJob(ws, OPEN, { ...ws.env, BROKER: 'sim', IB_ACCOUNT: '', TRADING_MODE: 'paper' });
    expect(paper.code, transcript(paper)).toBe(3);
    expect(paper.stdout).toMatch(/ACCOUNT_MISMATCH: TRADING_MODE=paper but account U1234567 is not a paper account/);
    expect(simAccount(ws)?.orders ?? [], 'nothing sent at the sim broker').toEqual([]);
    expect(gw.placed()).toEqual([]);
    expect(gw.stats().cancels).toBe(0);
    expect(gw.account().orders.map((o) => o.status)).toEqual(['Submitted']);
    expectAlert(ws, /BLOCKED: ACCOUNT_MISMATCH/, /not a paper account/);
  });
});
