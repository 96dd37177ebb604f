/**
 * The broker's own reason travels with MISSING_PRICE (issue 13): a run of the IB adapter against the simulated
 * gateway whose forecast names a ticker IB does not know, or one without a market data subscription, is blocked,
 * and the breach on the console and in SQLite says what IB answered (its text and code) and what to do about it.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ibJob } from './support/ib-job.js';
import { NOW, baseScenario, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

function breaches(): { code: string; symbol: string | null; detail: string }[] {
  const db = new Database(join(h.dir, 'data', 'rebalancer.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT code, symbol, detail FROM breaches ORDER BY id').all() as {
      code: string;
      symbol: string | null;
      detail: string;
    }[];
  } finally {
    db.close();
  }
}

describe("MISSING_PRICE carries the broker's reason and the fix", () => {
  it('BRK.B in a forecast: IB has no security definition (200), and IB writes share classes with a space', async () => {
    const gateway = await h.gateway();
    const run = await ibJob(h.dir, gateway, NOW, { asOf: NOW, weights: { AAPL: 0.3, 'BRK.B': 0.2 } });
    expect(run.code, run.out).toBe(3);
    expect(run.out).toMatch(
      /MISSING_PRICE \[BRK\.B\]: BRK\.B no reference price .* is in forecast .*trend\.json; the broker: IB does not know this contract \(IB 200: No security definition has been found for the request\); IB writes share classes with a space: write "BRK B" in the forecast/,
    );
    expect(gateway.placedOrders(), 'HALTED: nothing sent').toEqual([]);
    const stored = breaches().filter((b) => b.code === 'MISSING_PRICE');
    expect(stored).toHaveLength(1);
    expect(stored[0]?.symbol).toBe('BRK.B');
    expect(stored[0]?.detail).toMatch(/IB 200: No security definition.*write "BRK B"/);
    expect(run.out, 'no decoding error at the client').not.toMatch(/\b505\b/);
  });

  it('a ticker without a market data subscription: IB 354, subscribe or MARKET_DATA_TYPE=delayed', async () => {
    const gateway = await h.gateway({ ...baseScenario(), gateway: { faults: { noMarketDataPermission: ['MSFT'] } } });
    const run = await ibJob(h.dir, gateway, NOW, { asOf: NOW });
    expect(run.code, run.out).toBe(3);
    expect(run.out).toMatch(
      /MISSING_PRICE \[MSFT\]: .*; the broker: no market data subscription for this symbol \(IB 354: Requested market data is not subscribed\..*\); subscribe to its market data .*or set MARKET_DATA_TYPE=delayed/,
    );
    expect(gateway.placedOrders()).toEqual([]);
    expect(run.out).not.toMatch(/\b505\b/);
  });
});
