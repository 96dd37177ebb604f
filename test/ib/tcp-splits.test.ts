/**
 * A split over the wire: the simulated gateway applies the scenario's split at the ex-date's open (positions,
 * average costs and quotes), and the hourly job with BROKER=ib records a 'split' adjustment and a notice instead
 * of a POSITION_BREAK, and sends no order because of it.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import { baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

const h = useIbHarness();

const MONDAY_LATER = '2026-11-23T16:00:00Z';
/** Tuesday 24 November 2026, 09:35 New York: five minutes after the split took effect. */
const TUESDAY = '2026-11-24T14:35:00Z';

function splitRows(): { symbol: string; ratio: string; ledger_before: number; broker_quantity: number }[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db
      .prepare("SELECT symbol, ratio, ledger_before, broker_quantity FROM ledger_adjustments WHERE kind = 'split' ORDER BY id")
      .all() as never;
  } finally {
    db.close();
  }
}

function breaks(): string[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return (db.prepare("SELECT detail FROM breaches WHERE code = 'POSITION_BREAK'").all() as { detail: string }[]).map((r) => r.detail);
  } finally {
    db.close();
  }
}

async function splitDay(ratio: string): Promise<{ gateway: Gateway; monday: number; tuesday: IbJobResult }> {
  let ibNow = NOW;
  const gateway = await h.gateway(
    { ...baseScenario(), fills: { partialFillProbability: 0 }, events: [{ type: 'split', symbol: 'AAPL', ratio, exDate: '2026-11-24' }] },
    { now: () => ibNow },
  );
  for (const now of [NOW, MONDAY_LATER]) {
    ibNow = now;
    const r = await ibJob(h.dir, gateway, now, { asOf: now });
    expect(r.code, r.out).toBe(0);
  }
  const monday = gateway.placedOrders().find((o) => o.symbol === 'AAPL');
  // The scenario holds 100 AAPL; the first run bought 84 more.
  expect(monday?.totalQuantity).toBe(84);
  const placed = gateway.placedOrders().length;
  ibNow = TUESDAY;
  const tuesday = await ibJob(h.dir, gateway, TUESDAY, { asOf: TUESDAY });
  expect(
    gateway
      .placedOrders()
      .slice(placed)
      .filter((o) => o.symbol === 'AAPL'),
  ).toEqual([]);
  return { gateway, monday: 184, tuesday };
}

describe('a split with BROKER=ib on the simulated gateway', () => {
  it('4:1: no break, a split adjustment and a notice, no AAPL order', async () => {
    const { tuesday } = await splitDay('4:1');
    expect(tuesday.code, tuesday.out).toBe(0);
    expect(tuesday.out).toContain('AAPL: 4:1 split (184 -> 736)');
    expect(splitRows()).toEqual([{ symbol: 'AAPL', ratio: '4:1', ledger_before: 184, broker_quantity: 736 }]);
    expect(breaks()).toEqual([]);
  });

  it('1:10 reverse with cash in lieu: no break, a split adjustment, no AAPL order', async () => {
    const { tuesday } = await splitDay('1:10');
    expect(tuesday.code, tuesday.out).toBe(0);
    expect(tuesday.out).toContain('AAPL: 1:10 split (184 -> 18)');
    expect(splitRows()).toEqual([{ symbol: 'AAPL', ratio: '1:10', ledger_before: 184, broker_quantity: 18 }]);
    expect(breaks()).toEqual([]);
  });
});
