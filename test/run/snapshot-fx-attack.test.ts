/**
 * Attacks on the snapshot's position values in an account of another currency (issue 15): a position's market value
 * is in the account's currency; with no quote the run values it at IB's average cost, which is in the currency's
 * major unit (pounds for a line quoted in pence), so no magnifier applies to it.
 */
import { describe, expect, it } from 'vitest';
import { buildSnapshot } from '../../src/run/snapshot.js';
import type { AccountSummary, PlanLine } from '../../src/core/types.js';

const summary: AccountSummary = {
  account: 'DU0000001',
  currency: 'SGD',
  netLiquidation: 250_000,
  totalCash: 100_000,
  grossPositionValue: 150_000,
  maintMargin: 0,
  excessLiquidity: 200_000,
  cushion: 0.8,
};
const gbp = { rate: 1.7215, at: '2026-11-23T15:30:00Z', source: 'IDEALPRO GBP.SGD midpoint' };

const vodLine = (over: Partial<PlanLine> = {}): PlanLine => ({
  symbol: 'VOD',
  action: 'NONE',
  quantity: 0,
  currentQuantity: 1000,
  targetQuantity: 1000,
  tradeValue: 0,
  targetValue: 0,
  targetWeight: 0.24,
  currentWeight: 0,
  estimatedCommission: 0,
  estimatedSpreadCost: 0,
  managed: true,
  currency: 'GBP',
  fx: gbp,
  priceMagnifier: 100,
  reason: '',
  ...over,
});

describe('snapshot values of a foreign line quoted in pence', () => {
  it('with a quote: 1,000 x 3515 pence / 100 x 1.7215 = 60,510.73 SGD', () => {
    const { positions } = buildSnapshot(
      summary,
      [{ account: 'DU0000001', symbol: 'VOD', quantity: 1000, avgCost: 34.5 }],
      { VOD: { symbol: 'VOD', bid: 3514, ask: 3516 } },
      [vodLine({ referencePrice: 3515 })],
    );
    expect(positions).toEqual([expect.objectContaining({ symbol: 'VOD', marketValue: 60_510.73, fxRate: 1.7215 })]);
  });

  it('with no quote: the average cost in pounds, not divided by 100 again: 1,000 x 34.50 x 1.7215 = 59,391.75 SGD', () => {
    const { positions } = buildSnapshot(summary, [{ account: 'DU0000001', symbol: 'VOD', quantity: 1000, avgCost: 34.5 }], {}, [vodLine()]);
    expect(positions).toEqual([expect.objectContaining({ symbol: 'VOD', marketValue: 59_391.75, fxRate: 1.7215 })]);
  });

  // FIXED in src/run/snapshot.ts: with no quote the row's market price was IB's average cost in pounds (34.5) while
  // every other row of a pence line records pence (3515), so positions.market_price / its magnifier x fx_rate (what
  // migration 0017 says market_value is) read 593.92 SGD for a position worth 59,391.75, and a reader of the rows
  // (the daily report, the split detector's "price before") met a 100x jump in the price between two snapshots.
  it("with no quote the row's market price is in the line's quote units (pence), as every other row of it", () => {
    const { positions } = buildSnapshot(summary, [{ account: 'DU0000001', symbol: 'VOD', quantity: 1000, avgCost: 34.5 }], {}, [vodLine()]);
    const [p] = positions;
    expect(p?.marketPrice).toBe(3450);
    expect(p?.avgCost).toBe(34.5);
    // market_value = quantity x market_price / magnifier x rate.
    expect(p?.marketValue).toBe(59_391.75);
  });
});
