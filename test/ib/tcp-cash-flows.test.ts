/**
 * Cash flows over the wire (issue 11 item 1): the simulated IB Gateway applies the scenario's withdrawal or deposit
 * between two runs of the hourly job with BROKER=ib; IB announces it by nothing but the account values. The
 * second run infers it from the change in cash no execution explains (its own fills of the first run included),
 * records it, names it, and trips no breaker: the kill switch stays off and the run exits 0. A real loss the same
 * day still halts. Invariants: no order sent twice, every execution of ours recorded, no ticker traded that the
 * forecast did not name.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/gateway.js';
import { loadState } from '../../src/sim/state-file.js';
import { deposit, scenarioWithEvents, withdrawal, type ScenarioEvent } from '../support/scenarios.js';
import { ibJob } from './support/ib-job.js';
import { baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();
/** The gateway's clock: each job's. */
let ibNow = NOW;
/** Gateways a test restarted itself (the harness closes those it started). */
const restarted: Gateway[] = [];
afterEach(async () => {
  for (const g of restarted.splice(0)) await g.close();
});

/** Monday 23 November 2026: the first run at 10:00 New York (NOW), the flow at 10:30, the second run at 11:00. */
const FLOW_AT = '2026-11-23T15:30:00Z';
const LATER = '2026-11-23T16:00:00Z';
const FORECAST = ['AAPL', 'MSFT', 'SPY'];

function db<T>(sql: string): T[] {
  const d = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}

const cashFlows = () => db<{ amount: number; source: string; run_id: string }>('SELECT amount, source, run_id FROM cash_flows ORDER BY at');
const breachCodes = () => db<{ code: string }>('SELECT code FROM breaches').map((b) => b.code);
const killSwitchOn = () => existsSync(join(h.dir, 'data', 'HALT'));
/** The test's own gateway files (the harness numbers them across the file's tests). */
const own = (prefix: string): string => join(h.dir, readdirSync(h.dir).find((f) => f.startsWith(prefix)) ?? `${prefix}?`);

/** The two runs around the flow; the gateway's clock follows the job's. */
async function twoRuns(
  events: ScenarioEvent[],
  between?: (gateway: Gateway) => Promise<Gateway>,
): Promise<{ gateway: Gateway; first: string; second: { code: number; out: string } }> {
  ibNow = NOW;
  let gateway = await h.gateway(scenarioWithEvents({ ...baseScenario(), fills: { partialFillProbability: 0 } }, ...events), {
    now: () => ibNow,
  });
  const first = await ibJob(h.dir, gateway, NOW, { asOf: NOW });
  expect(first.code, first.out).toBe(0);
  expect(gateway.placedOrders().length).toBeGreaterThan(0);
  if (between !== undefined) gateway = await between(gateway);
  ibNow = LATER;
  const second = await ibJob(h.dir, gateway, LATER, { asOf: LATER });
  return { gateway, first: first.out, second };
}

/** After one more run (it collects what IB reported after the last one's status window): the invariants. */
async function expectInvariants(gateway: Gateway, later = '2026-11-23T17:00:00Z'): Promise<void> {
  ibNow = later;
  const after = await ibJob(h.dir, gateway, later, { asOf: later });
  expect(after.out).not.toContain('POSITION_BREAK');
  const refs = gateway.placedOrders().map((o) => o.orderRef);
  expect(new Set(refs).size, 'an order sent twice').toBe(refs.length);
  for (const o of gateway.placedOrders()) expect(FORECAST, `${o.symbol} traded, no forecast asked for it`).toContain(o.symbol);
  const state = loadState(own('gateway-'));
  const recorded = new Set(db<{ exec_id: string }>('SELECT exec_id FROM fills').map((f) => f.exec_id));
  const ours = (state?.executions ?? []).filter((e) => e.orderRef.startsWith('rebal:'));
  expect(ours.length).toBeGreaterThan(0);
  for (const e of ours) expect(recorded.has(e.execId), `fill ${e.execId} lost`).toBe(true);
  expect(breachCodes()).not.toContain('POSITION_BREAK');
}

describe('cash flows with BROKER=ib on the simulated gateway', () => {
  it('a withdrawal of 8% of NLV between two runs: inferred, recorded, named; no DAILY_LOSS_LIMIT, kill switch off, exit 0', async () => {
    // The account: 100,000 cash + 100 AAPL at 190 = 119,000; 8% is 9,520.
    const { gateway, second } = await twoRuns([withdrawal(FLOW_AT, 9_520)]);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('cash flow: -9,520.00 went out since the last run');
    expect(cashFlows()).toEqual([expect.objectContaining({ amount: -9_520, source: 'inferred' })]);
    expect(breachCodes()).not.toContain('DAILY_LOSS_LIMIT');
    expect(killSwitchOn()).toBe(false);
    // Sized on the new NLV: the second run sells to meet the targets.
    const placed = gateway.placedOrders();
    expect(placed.slice(3).map((o) => o.action)).toContain('SELL');
    await expectInvariants(gateway);
  });

  it('a deposit of 15%: inferred, recorded, named; no NAV_JUMP, exit 0', async () => {
    const { gateway, second } = await twoRuns([deposit(FLOW_AT, 17_850)]);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('cash flow: +17,850.00 came in since the last run');
    expect(cashFlows()).toEqual([expect.objectContaining({ amount: 17_850, source: 'inferred' })]);
    expect(breachCodes()).not.toContain('NAV_JUMP');
    expect(killSwitchOn()).toBe(false);
    await expectInvariants(gateway);
  });

  it('a real loss with a deposit the same day: prices down 7%, DAILY_LOSS_LIMIT, kill switch on, exit 3', async () => {
    // Every quote 7% lower: the gateway restarts overnight-style on the same account with the new market.
    const { gateway, second } = await twoRuns([deposit(FLOW_AT, 17_850)], async (before) => {
      const scenario = JSON.parse(readFileSync(own('scenario-'), 'utf8')) as { quotes: Record<string, Record<string, number>> };
      for (const q of Object.values(scenario.quotes)) for (const k of Object.keys(q)) q[k] = Math.round((q[k] ?? 0) * 0.93 * 100) / 100;
      writeFileSync(own('scenario-'), JSON.stringify(scenario));
      await before.close();
      const after = await startGateway({ port: 0, dataDir: own('gateway-'), scenarioFile: own('scenario-'), now: () => ibNow });
      restarted.push(after);
      return after;
    });
    expect(second.code, second.out).toBe(3);
    expect(second.out).toMatch(/DAILY_LOSS_LIMIT: NLV [\d,.]+ \(\+17,850\.00 came in today: taken out\)/);
    expect(killSwitchOn()).toBe(true);
    expect(cashFlows()).toEqual([expect.objectContaining({ amount: 17_850, source: 'inferred' })]);
    await expectInvariants(gateway);
  });

  it('a trade by hand in TWS plus a deposit: the manual execution is recorded and explains its cash; the deposit is inferred, KO left alone', async () => {
    // The gateway opens Monday 09:00 New York with a KO order placed by hand in TWS (client 0); it fills at the open.
    ibNow = '2026-11-23T14:00:00Z';
    const scenario = scenarioWithEvents(
      {
        ...baseScenario(),
        fills: { partialFillProbability: 0 },
        gateway: { foreignOrders: [{ symbol: 'KO', action: 'BUY', quantity: 20, limitPrice: 63, clientId: 0, orderRef: '' }] },
      },
      deposit('2026-11-23T14:45:00Z', 17_850),
    );
    const gateway = await h.gateway(scenario, { now: () => ibNow });
    const before = await ibJob(h.dir, gateway, ibNow, { asOf: ibNow });
    expect(before.code, before.out).toBe(0);
    expect(gateway.placedOrders()).toEqual([]);
    ibNow = '2026-11-23T15:35:00Z';
    const after = await ibJob(h.dir, gateway, ibNow, { asOf: ibNow });
    expect(after.code, after.out).toBe(0);
    expect(after.out).toContain('cash flow: +17,850.00 came in since the last run');
    expect(cashFlows()).toEqual([expect.objectContaining({ amount: 17_850, source: 'inferred' })]);
    expect(breachCodes()).not.toContain('NAV_JUMP');
    expect(killSwitchOn()).toBe(false);
    // The hand trade happened, and the run recorded its execution (not ours: no orderRef), which explains KO's cash.
    expect(loadState(own('gateway-'))?.positions.KO?.quantity).toBe(20);
    expect(
      db<{ symbol: string; quantity: number; order_ref: string }>("SELECT symbol, quantity, order_ref FROM fills WHERE symbol = 'KO'"),
    ).toEqual([{ symbol: 'KO', quantity: 20, order_ref: '' }]);
    expect(gateway.placedOrders().map((o) => o.symbol)).not.toContain('KO');
    await expectInvariants(gateway);
  });
});
