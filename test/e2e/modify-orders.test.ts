/**
 * The built `rebalancer` on the sim broker, two hourly runs: the first run's MSFT order is still working an hour
 * later (slow fills), the strategy asks for more, and the second run changes the order in place (ORDER_UPDATES
 * default) instead of cancelling it and sending another; `status` then shows the day's order efficiency. With
 * ORDER_UPDATES=cancel the same day cancels and sends again, which costs more requests for the same fills.
 */
import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWorkspace, runCli, writeForecast } from '../support/cli.js';
import { fourStocks } from '../support/scenarios.js';

const T0 = '2026-11-23T15:35:00Z';
const T1 = '2026-11-23T16:35:00Z';
const AFTER = '2026-11-23T16:40:00Z';

/** MSFT fills 4 shares (2,000 USD) per 5-minute step: a 71-share order is still working an hour later. */
function workspaceWithSlowFills(orderUpdates: 'modify' | 'cancel') {
  const ws = makeWorkspace();
  const scenario = join(ws.root, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ ...fourStocks('DU0000001'), fills: { partialFillProbability: 0, maxStepValue: 2000 } }));
  const env = { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs, SIM_SCENARIO: scenario, ORDER_UPDATES: orderUpdates };
  return { ws, env };
}

async function twoRuns(orderUpdates: 'modify' | 'cancel') {
  const { ws, env } = workspaceWithSlowFills(orderUpdates);
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: T0, leverage: 1, weights: { MSFT: 0.3, SPY: 0.2 } });
  const first = await runCli(['run', '--now', T0], { cwd: ws.root, env });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  writeForecast(ws.forecasts, 'trend.json', { strategy: 'trend', asOf: T1, leverage: 1, weights: { MSFT: 0.35, SPY: 0.2 } });
  const second = await runCli(['run', '--now', T1], { cwd: ws.root, env });
  expect(second.code, second.stdout + second.stderr).toBe(0);
  const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
  try {
    const msftOrders = db
      .prepare("SELECT order_ref, broker_order_id, quantity, filled_quantity, status FROM orders WHERE symbol = 'MSFT' ORDER BY id")
      .all() as { order_ref: string; broker_order_id: number; quantity: number; filled_quantity: number; status: string }[];
    const changes = db
      .prepare('SELECT order_ref, broker_order_id, from_quantity, quantity, filled_before, status FROM order_modifications')
      .all() as {
      order_ref: string;
      broker_order_id: number;
      from_quantity: number;
      quantity: number;
      filled_before: number;
      status: string;
    }[];
    const counts = db.prepare('SELECT orders_sent, orders_modified, orders_cancelled FROM runs ORDER BY started_at').all();
    const position = (
      db
        .prepare("SELECT quantity FROM positions WHERE symbol = 'MSFT' AND run_id = (SELECT id FROM runs ORDER BY started_at DESC LIMIT 1)")
        .get() as { quantity: number } | undefined
    )?.quantity;
    return { ws, env, second, msftOrders, changes, counts, position };
  } finally {
    db.close();
  }
}

describe('working orders across two runs (built command, sim broker)', () => {
  it('ORDER_UPDATES=modify: the second run changes the working MSFT order in place: same order, new total; status shows the efficiency', async () => {
    const r = await twoRuns('modify');
    expect(r.msftOrders, 'one MSFT order in the day, changed, never a second').toHaveLength(1);
    const [order] = r.msftOrders;
    expect(r.changes).toHaveLength(1);
    const [change] = r.changes;
    // The second plan's MSFT line: held (all filled so far), the target, and the remainder it wants.
    const line = /^MSFT +(\d+) +(\d+) +BUY +(\d+) /m.exec(r.second.stdout);
    const [held, target, more] = [Number(line?.[1]), Number(line?.[2]), Number(line?.[3])];
    expect(held + more).toBe(target);
    expect(change).toMatchObject({
      order_ref: order?.order_ref,
      broker_order_id: order?.broker_order_id,
      filled_before: held,
      status: 'Modified',
    });
    // The new total is what had filled plus the remainder the plan wanted: the target, never more.
    expect(change?.quantity).toBe(target);
    expect(change?.quantity).toBeGreaterThan(change?.from_quantity ?? Infinity);
    expect(order?.quantity).toBe(target);
    expect(r.second.stdout).toMatch(
      /modified rebal:.*:MSFT \(order \d+, BUY MSFT\): \d+ @ [\d.]+ -> \d+ @ [\d.]+ \(\d+ filled, \d+ more wanted\)/,
    );
    expect(r.counts).toEqual([
      { orders_sent: 2, orders_modified: 0, orders_cancelled: 0 },
      { orders_sent: 0, orders_modified: 1, orders_cancelled: 0 },
    ]);
    expect(r.position ?? 0, 'never past the target').toBeLessThanOrEqual(target);

    const status = await runCli(['status', '--json'], { cwd: r.ws.root, env: { ...r.env, REBALANCER_NOW: AFTER } });
    expect(status.code).toBe(0);
    const json = JSON.parse(status.stdout) as {
      ordersToday: { sent: number; modified: number; cancelled: number; executedOrders: number; efficiencyRatio: number };
    };
    expect(json.ordersToday).toMatchObject({ sent: 2, modified: 1, cancelled: 0, executedOrders: 2 });
    expect(json.ordersToday.efficiencyRatio).toBeCloseTo(1.5);
    const text = await runCli(['status'], { cwd: r.ws.root, env: { ...r.env, REBALANCER_NOW: AFTER } });
    expect(text.stdout).toMatch(
      /Order efficiency: 3 requests to the broker \(2 new, 1 changed in place, 0 cancelled\) for 2 executed orders: ratio 1\.5/,
    );
    // What a trader checks first: how old the last run is, and what is still working.
    expect(text.stdout).toMatch(/last run \d{8}T163500Z-[0-9a-f]{12}: ok, started 2026-11-23T16:35:00(\.000)?Z, 5 minutes ago/);
    expect(text.stdout).toMatch(
      /orders not settled as the last run left them \(1; .*\):\n {2}rebal:.*:MSFT: BUY \d+ MSFT @ [\d.]+, Submitted, \d+ filled \(order \d+\)/,
    );

    // A dry run is marked as such among the runs.
    const dry = await runCli(['run', '--dry-run', '--now', AFTER], { cwd: r.ws.root, env: r.env });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    const after = await runCli(['status'], { cwd: r.ws.root, env: { ...r.env, REBALANCER_NOW: AFTER } });
    expect(after.stdout).toMatch(/last run \d{8}T164000Z-[0-9a-f]{12} \(dry run\): ok/);
    expect(after.stdout).toMatch(/ok \(dry run\)/);
  }, 60_000);

  it('ORDER_UPDATES=cancel: the same day cancels the working order and sends a second one: more requests for the same target', async () => {
    const r = await twoRuns('cancel');
    expect(r.changes).toEqual([]);
    expect(r.msftOrders).toHaveLength(2);
    expect(r.msftOrders[0]?.status).toBe('Cancelled');
    expect(r.counts).toEqual([
      { orders_sent: 2, orders_modified: 0, orders_cancelled: 0 },
      { orders_sent: 1, orders_modified: 0, orders_cancelled: 1 },
    ]);
    const target = Number(/^MSFT +\d+ +(\d+) +BUY/m.exec(r.second.stdout)?.[1]);
    expect(r.position ?? 0).toBeLessThanOrEqual(target);
  }, 60_000);
});
