/**
 * A night with the box off, over the TWS API socket against the simulated IB Gateway: Monday's last run sends
 * orders that fill at once, and no run collects their executions that day. Tuesday, IB Gateway (as IB's) serves
 * only Tuesday's executions. Without IB's Flex Web Service the orders are recorded Unknown, never "expired
 * unfilled", and their tickers are held; with it (a local Flex server serving IB's XML) every execution at the
 * broker is recovered into SQLite and trades.csv exactly once.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/gateway.js';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { baseScenario, useIbHarness, type Gateway } from './support/ib-harness.js';
import { loadState } from '../../src/sim/state-file.js';
import type { Execution } from '../../src/core/types.js';
import { startFlexServer, type FlexServer } from '../support/flex-server.js';

const h = useIbHarness();
const restarted: Gateway[] = [];
const flexServers: FlexServer[] = [];
afterEach(async () => {
  for (const g of restarted.splice(0)) await g.close();
  for (const f of flexServers.splice(0)) await f.close();
});

const TOKEN = '834927105823947501238475';
const QUERY_ID = '912345';

/** The executions IB holds for the account, as its Flex statements report them. */
function executionsAtIb(dataDir: string): Execution[] {
  return (loadState(dataDir)?.executions ?? []).map((e) => ({
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

/** The same simulated account the next morning: the gateway started again on its data directory. */
async function restart(dataDir: string, now: () => string): Promise<Gateway> {
  // The scenario file Monday's gateway was seeded from (the harness numbers them across the file's tests).
  const scenario = readdirSync(h.dir).find((f) => /^scenario-\d+\.json$/.test(f)) ?? 'scenario-1.json';
  const gateway = await startGateway({ port: 0, dataDir, scenarioFile: join(h.dir, scenario), now });
  restarted.push(gateway);
  return gateway;
}

/** Monday 15:35 New York: the day's last run in session. */
const MONDAY_LAST = '2026-11-23T20:35:00Z';
/** Tuesday 10:35 and 11:35 New York: the box is back. */
const TUESDAY = '2026-11-24T15:35:00Z';
const TUESDAY_LATER = '2026-11-24T16:35:00Z';

interface OrderRow {
  order_ref: string;
  symbol: string;
  status: string;
  filled_quantity: number;
  message: string | null;
}

function read<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function tradesCsvExecIds(): string[] {
  const [header, ...rows] = readFileSync(join(h.dir, 'data', 'trades.csv'), 'utf8')
    .trim()
    .split(/\r?\n/);
  const column = (header ?? '').split(',').indexOf('exec_id');
  return rows.filter((r) => r.trim() !== '').map((r) => r.split(',')[column] ?? '');
}

/** Monday's last run on a gateway whose orders fill at once; then the gateway stops (the box goes off). */
async function mondayThenNight(): Promise<{ dataDir: string; monday: IbJobResult }> {
  const dataDir = join(h.dir, 'gateway');
  const scenario = { ...baseScenario(), fills: { partialFillProbability: 0 } };
  const gateway = await h.gateway(scenario, { dataDir, now: MONDAY_LAST });
  const monday = await job(gateway, MONDAY_LAST, '2026-11-23T14:00:00Z');
  expect(monday.code, monday.out).toBe(0);
  await gateway.close();
  return { dataDir, monday };
}

function job(gateway: Gateway, now: string, asOf: string, env: Record<string, string> = {}): Promise<IbJobResult> {
  return ibJob(h.dir, gateway, now, { asOf, env });
}

describe('the morning after a night with the box off', () => {
  it("without Flex: Monday's orders are Unknown (never 'expired unfilled'), their tickers held, nothing sent", async () => {
    const { dataDir } = await mondayThenNight();
    const sent = read<OrderRow>('SELECT order_ref, symbol, status, filled_quantity, message FROM orders');
    expect(sent.map((o) => o.symbol).sort()).toEqual(['AAPL', 'MSFT', 'SPY']);
    expect(read('SELECT exec_id FROM fills')).toEqual([]);
    const atIb = loadState(dataDir)?.executions ?? [];
    expect(atIb.length).toBeGreaterThanOrEqual(3);

    let now = TUESDAY;
    const gateway = await restart(dataDir, () => now);
    const tuesday = await job(gateway, TUESDAY, '2026-11-24T14:00:00Z');
    // Three tickers whose ledger misses Monday's fills: more position breaks than MAX_POSITION_BREAKS (2), so the
    // run is blocked as a whole (exit 3): the records cannot be trusted until the executions are found.
    expect(tuesday.code, tuesday.out).toBe(3);
    const orders = read<OrderRow>('SELECT order_ref, symbol, status, filled_quantity, message FROM orders ORDER BY id');
    const monday = orders.filter((o) => sent.some((s) => s.order_ref === o.order_ref));
    expect(monday.map((o) => o.status)).toEqual(['Unknown', 'Unknown', 'Unknown']);
    for (const o of monday) {
      expect(o.message).toContain('outcome unknown');
      expect(o.message).not.toMatch(/expired|unfilled/);
    }
    expect(tuesday.out).toContain('ORDER_OUTCOME_UNKNOWN');
    expect(tuesday.out).toContain('FLEX_TOKEN and FLEX_QUERY_ID');
    const held = read<{ symbol: string }>("SELECT DISTINCT symbol FROM breaches WHERE code = 'ORDER_OUTCOME_UNKNOWN' ORDER BY symbol");
    expect(held.map((b) => b.symbol)).toEqual(['AAPL', 'MSFT', 'SPY']);
    // Nothing was sent on Tuesday for a held ticker.
    expect(orders.filter((o) => !sent.some((s) => s.order_ref === o.order_ref))).toEqual([]);

    // The next run holds them still: the records are not guessed right by waiting.
    now = TUESDAY_LATER;
    const later = await job(gateway, TUESDAY_LATER, '2026-11-24T14:00:00Z');
    expect(later.code, later.out).toBe(3);
    expect(read<OrderRow>("SELECT status FROM orders WHERE status = 'Unknown'")).toHaveLength(3);
  });

  it("with Flex (a local Flex Web Service serving IB's XML): every execution at IB is recovered into SQLite and trades.csv exactly once, nothing held", async () => {
    const { dataDir } = await mondayThenNight();
    const atIb = executionsAtIb(dataDir);
    expect(atIb.length).toBeGreaterThanOrEqual(3);
    const flex = await startFlexServer({
      token: TOKEN,
      queryId: QUERY_ID,
      account: 'DU1234567',
      executions: atIb,
      now: () => new Date(TUESDAY),
    });
    flexServers.push(flex);
    const env = { FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: QUERY_ID, FLEX_URL: flex.url };

    let now = TUESDAY;
    const gateway = await restart(dataDir, () => now);
    const tuesday = await job(gateway, TUESDAY, '2026-11-24T14:00:00Z', env);
    expect(tuesday.code, tuesday.out).toBe(0);
    const orders = read<OrderRow>('SELECT order_ref, symbol, status, filled_quantity, message FROM orders ORDER BY id');
    expect(orders.filter((o) => o.order_ref.includes('20261123T2035')).map((o) => o.status)).toEqual(['Filled', 'Filled', 'Filled']);
    const recorded = read<{ exec_id: string }>('SELECT exec_id FROM fills ORDER BY exec_id').map((f) => f.exec_id);
    expect(recorded).toEqual(atIb.map((e) => e.execId).sort());
    expect(tradesCsvExecIds().sort()).toEqual(atIb.map((e) => e.execId).sort());
    expect(read("SELECT code FROM breaches WHERE code IN ('ORDER_OUTCOME_UNKNOWN', 'POSITION_BREAK')")).toEqual([]);
    // The token never reaches the console, the log or the records.
    expect(tuesday.out).not.toContain(TOKEN);
    expect(readFileSync(join(h.dir, 'logs', 'rebalancer.log'), 'utf8')).not.toContain(TOKEN);

    // The next run asks Flex nothing (nothing is unsettled) and records nothing twice.
    const asked = flex.requests.length;
    now = TUESDAY_LATER;
    const later = await job(gateway, TUESDAY_LATER, '2026-11-24T14:00:00Z', env);
    expect(later.code, later.out).toBe(0);
    expect(flex.requests.length).toBe(asked);
    expect(read<{ exec_id: string }>('SELECT exec_id FROM fills').length).toBe(
      new Set(read<{ exec_id: string }>('SELECT exec_id FROM fills').map((f) => f.exec_id)).size,
    );
    const csv = tradesCsvExecIds();
    expect(csv.length).toBe(new Set(csv).size);
    for (const e of atIb) expect(csv.filter((id) => id === e.execId)).toHaveLength(1);
  });

  it('with Flex answering "statement could not be generated" (1001): Unknown this run, the run goes on and says why; the next run recovers them', async () => {
    const { dataDir } = await mondayThenNight();
    const atIb = executionsAtIb(dataDir);
    const flex = await startFlexServer({
      token: TOKEN,
      queryId: QUERY_ID,
      account: 'DU1234567',
      executions: atIb,
      now: () => new Date(TUESDAY),
    });
    flexServers.push(flex);
    flex.fault({ fault: { kind: 'code', code: 1001 }, step: 'SendRequest', times: 1 });
    const env = { FLEX_TOKEN: TOKEN, FLEX_QUERY_ID: QUERY_ID, FLEX_URL: flex.url };
    let now = TUESDAY;
    const gateway = await restart(dataDir, () => now);
    const tuesday = await job(gateway, TUESDAY, '2026-11-24T14:00:00Z', env);
    expect(tuesday.code, tuesday.out).toBe(3);
    expect(tuesday.out).toContain('1001');
    expect(read<OrderRow>("SELECT status FROM orders WHERE status = 'Unknown'")).toHaveLength(3);

    now = TUESDAY_LATER;
    flex.update({ now: () => new Date(TUESDAY_LATER) });
    const later = await job(gateway, TUESDAY_LATER, '2026-11-24T14:00:00Z', env);
    expect(later.code, later.out).toBe(0);
    expect(read<OrderRow>("SELECT status FROM orders WHERE status = 'Unknown'")).toEqual([]);
    expect(read<{ exec_id: string }>('SELECT exec_id FROM fills ORDER BY exec_id').map((f) => f.exec_id)).toEqual(
      atIb.map((e) => e.execId).sort(),
    );
  });
});
