/**
 * The machine's clock against IB's, over the TWS API socket (issue 10, item 8). The simulated gateway keeps its
 * own clock, two hours behind the run's here: it stamps executions and reads the executions filter on it, as IB
 * does. The run must ask for the fills on IB's clock (reqCurrentTime), or a machine more than an hour ahead never
 * sees a fill: orders recorded Cancelled, trades.csv empty, every ticker broken.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { baseScenario, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();

/** The machine's clock: Monday 23 November 2026, 12:00 then 13:00 in New York. */
const RUN_1 = '2026-11-23T17:00:00Z';
const RUN_2 = '2026-11-23T18:00:00Z';
/** IB's clock at those moments: two hours behind. */
const IB_1 = '2026-11-23T15:00:00Z';
const IB_2 = '2026-11-23T16:00:00Z';

function job(gateway: Gateway, now: string, extra: Record<string, string> = {}): Promise<IbJobResult> {
  return ibJob(h.dir, gateway, now, { env: extra });
}

function read<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

function tradesCsvRows(): string[] {
  const file = join(h.dir, 'data', 'trades.csv');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(1) : [];
}

describe("IB's clock two hours behind the machine's", () => {
  it("allowed by MAX_CLOCK_SKEW_SECONDS: the fills of the previous run are collected on IB's clock, recorded once, no position break", async () => {
    let ibNow = IB_1;
    const gateway = await h.gateway({ ...baseScenario(), fills: { partialFillProbability: 0 } }, { now: () => ibNow });
    const allow = { MAX_CLOCK_SKEW_SECONDS: String(3 * 3600) };

    const first = await job(gateway, RUN_1, allow);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/broker's clock reads 2026-11-23T15:00:00Z, this machine's 2026-11-23T17:00:0\d/);
    expect(gateway.placedOrders()).toHaveLength(3);

    ibNow = IB_2;
    const second = await job(gateway, RUN_2, allow);
    expect(second.code, second.out).toBe(0);
    expect(gateway.placedOrders(), 'nothing sent again').toHaveLength(3);
    const fills = read<{ exec_id: string; order_ref: string }>('SELECT exec_id, order_ref FROM fills');
    expect(fills).toHaveLength(3);
    expect(new Set(fills.map((f) => f.exec_id)).size).toBe(3);
    expect(tradesCsvRows()).toHaveLength(3);
    expect(read<{ status: string }>('SELECT status FROM orders').map((o) => o.status)).toEqual(['Filled', 'Filled', 'Filled']);
    expect(read<{ code: string }>("SELECT code FROM breaches WHERE code LIKE 'POSITION_BREAK%'")).toEqual([]);
    expect(read<{ symbol: string }>('SELECT symbol FROM v_position_breaks')).toEqual([]);

    // A third run finds nothing new: each fill stays recorded once.
    ibNow = '2026-11-23T17:00:00Z';
    const third = await job(gateway, '2026-11-23T19:00:00Z', allow);
    expect(third.code, third.out).toBe(0);
    expect(read<{ exec_id: string }>('SELECT exec_id FROM fills')).toHaveLength(3);
    expect(tradesCsvRows()).toHaveLength(3);
  });

  it('past MAX_CLOCK_SKEW_SECONDS (default 300): exit 3, CLOCK_SKEW names both clocks, nothing is sent', async () => {
    const gateway = await h.gateway(baseScenario(), { now: () => IB_1 });
    const result = await job(gateway, RUN_1);
    expect(result.code, result.out).toBe(3);
    expect(result.out).toMatch(/CLOCK_SKEW/);
    expect(result.out).toMatch(/broker's clock reads 2026-11-23T15:00:00Z, this machine's 2026-11-23T17:00:0\d.*2 h/);
    expect(gateway.placedOrders()).toEqual([]);
    expect(read<{ code: string }>("SELECT code FROM breaches WHERE code = 'CLOCK_SKEW'")).toHaveLength(1);
  });
});
