/**
 * IB as it really behaves with executions (issue 10, items 6 and 7), over TCP against the simulated gateway:
 * IB corrects an execution (same exec id up to the last period, a higher suffix) and the correction REPLACES the
 * recorded fill; a commission report that never comes (or comes late) never holds back a fill nor stalls a run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();

const IB_TIMEOUT_MS = 1500;
/** The gateway's clock (IB's): each run moves it to the run's time, so IB's and the machine's clocks agree. */
let ibNow = NOW;

function run(gateway: Gateway, now: string): Promise<IbJobResult> {
  ibNow = now;
  return ibJob(h.dir, gateway, now, { env: { IB_TIMEOUT_MS: String(IB_TIMEOUT_MS) } });
}

interface FillRow {
  exec_id: string;
  symbol: string;
  quantity: number;
  price: number;
  commission: number | null;
}

function sqlite<T>(sql: string): T[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
}

function tradesCsv(): string[][] {
  return readFileSync(join(h.dir, 'data', 'trades.csv'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(','));
}

const started: Gateway[] = [];
afterEach(async () => {
  const problems = started.flatMap((g) => g.stats().decodeErrors);
  for (const g of started.splice(0)) await g.close();
  expect(problems, 'messages the gateway could not decode').toEqual([]);
});

/**
 * A gateway on one simulation (one scenario file, one data directory), with `faults`: started again with other
 * faults, it is the same account, as IB after a change of behaviour.
 */
async function gatewayWith(faults: Record<string, unknown>): Promise<Gateway> {
  const scenarioFile = join(h.dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify({ ...baseScenario(), fills: { partialFillProbability: 0 }, gateway: { faults } }));
  const gateway = await startGateway({ port: 0, dataDir: join(h.dir, 'gateway-sim'), scenarioFile, now: () => ibNow });
  started.push(gateway);
  return gateway;
}

/** Any decoding error would have failed the run (505 is fatal to the session); the log must not show one either. */
function expectNoDecodeErrors(): void {
  expect(readFileSync(join(h.dir, 'logs', 'rebalancer.log'), 'utf8')).not.toMatch(/\b505\b|could not decode/);
}

describe('IB corrects an execution after it was recorded', () => {
  it('the correction replaces the fill: one fill with the corrected figures, the order right, no break, trades.csv by the rule', async () => {
    const plain = await gatewayWith({});
    expect((await run(plain, NOW)).code).toBe(0);
    const second = await run(plain, '2026-11-23T16:00:00Z');
    expect(second.code, second.out).toBe(0);
    const [original] = sqlite<FillRow>("SELECT * FROM fills WHERE symbol = 'AAPL'");
    expect(original?.quantity).toBe(84);
    await plain.close();

    const correcting = await gatewayWith({ correctExecutions: { AAPL: { price: 190.05 } } });
    const third = await run(correcting, '2026-11-23T16:30:00Z');
    expect(third.code, third.out).toBe(0);
    expect(third.out).toMatch(/3 of 3 managed ticker\(s\) agree with the broker/);
    expect(third.out).toMatch(/BUY 84 AAPL @ 190\.05/);
    const fills = sqlite<FillRow>("SELECT * FROM fills WHERE symbol = 'AAPL'");
    const correctedId = `${original?.exec_id.slice(0, original.exec_id.lastIndexOf('.'))}.02`;
    expect(fills).toEqual([expect.objectContaining({ exec_id: correctedId, quantity: 84, price: 190.05 })]);
    expect(sqlite<{ exec_id: string; replaced_by: string }>('SELECT exec_id, replaced_by FROM replaced_fills')).toEqual([
      { exec_id: original?.exec_id, replaced_by: correctedId },
    ]);
    const [order] = sqlite<{ filled_quantity: number; avg_fill_price: number }>(
      "SELECT filled_quantity, avg_fill_price FROM orders WHERE symbol = 'AAPL'",
    );
    expect(order).toEqual({ filled_quantity: 84, avg_fill_price: 190.05 });
    expect(sqlite<{ symbol: string }>('SELECT symbol FROM v_position_breaks')).toEqual([]);
    // trades.csv: every exec id once; the correction is a row of its own after the original it replaces.
    const rows = tradesCsv().slice(1);
    expect(new Set(rows.map((r) => r[0])).size).toBe(rows.length);
    expect(rows.filter((r) => r[2] === 'AAPL').map((r) => [r[0], r[4], r[5]])).toEqual([
      [original?.exec_id, '84', String(original?.price)],
      [correctedId, '84', '190.05'],
    ]);

    // Later runs see both versions again: nothing changes, nothing is sent.
    const fourth = await run(correcting, '2026-11-23T17:00:00Z');
    expect(fourth.code, fourth.out).toBe(0);
    expect(sqlite<FillRow>("SELECT * FROM fills WHERE symbol = 'AAPL'")).toHaveLength(1);
    expect(tradesCsv()).toHaveLength(1 + rows.length);
    expect(correcting.placedOrders()).toEqual([]);
    expectNoDecodeErrors();
  });
});

describe('a commission report that does not come', () => {
  it('the fill is recorded at once with the commission unknown, the run is not stalled, and a later run fills it in', async () => {
    const withholding = await gatewayWith({ lateCommissionReports: { AAPL: null } });
    expect((await run(withholding, NOW)).code).toBe(0);
    const second = await run(withholding, '2026-11-23T16:00:00Z');
    expect(second.code, second.out).toBe(0);
    // One wait for the reports, not one per request or per execution.
    expect(second.ms).toBeLessThan(IB_TIMEOUT_MS * 4);
    expect(sqlite<FillRow>('SELECT symbol, commission FROM fills ORDER BY symbol')).toEqual([
      { symbol: 'AAPL', commission: null },
      { symbol: 'MSFT', commission: expect.any(Number) },
      { symbol: 'SPY', commission: expect.any(Number) },
    ]);
    const aapl = tradesCsv().find((r) => r[2] === 'AAPL');
    expect(aapl?.[6]).toBe('');
    // A run after it, the report still missing: still not stalled, nothing lost or doubled.
    const third = await run(withholding, '2026-11-23T17:00:00Z');
    expect(third.code, third.out).toBe(0);
    expect(sqlite<FillRow>('SELECT * FROM fills')).toHaveLength(3);
    await withholding.close();

    const reporting = await gatewayWith({});
    // Two hours on: the window (last run - 1 h) alone would no longer reach the fill.
    const fourth = await run(reporting, '2026-11-23T19:00:00Z');
    expect(fourth.code, fourth.out).toBe(0);
    expect(sqlite<FillRow>('SELECT symbol, commission FROM fills ORDER BY symbol').map((f) => f.commission)).toEqual([
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(tradesCsv()).toHaveLength(1 + 3);
    expectNoDecodeErrors();
  });

  it('a late report (lateCommissionReports in ms) comes with the next answer once due, and is recorded', async () => {
    const gateway = await gatewayWith({ lateCommissionReports: { AAPL: 800 } });
    expect((await run(gateway, NOW)).code).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 900));
    const second = await run(gateway, '2026-11-23T16:00:00Z');
    expect(second.code, second.out).toBe(0);
    expect(sqlite<FillRow>("SELECT commission FROM fills WHERE symbol = 'AAPL'")[0]?.commission).toEqual(expect.any(Number));
  });
});
