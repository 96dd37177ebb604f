import { describe, expect, it } from 'vitest';
import { pnlOf, positionPnl, type PnlPositionInput } from '../../src/core/pnl.js';

const pos = (symbol: string, quantity: number, avgCost: number, marketPrice: number): PnlPositionInput => ({
  symbol,
  quantity,
  avgCost,
  marketPrice,
  marketValue: quantity * marketPrice,
});

const close = (
  positions: PnlPositionInput[] | undefined,
  grossPositionValue = 1,
): NonNullable<Parameters<typeof pnlOf>[0]['previousClose']> => ({
  runId: 'r-close',
  at: '2026-11-20T20:35:00Z',
  grossPositionValue,
  positions,
});

describe('P&L of a position', () => {
  it('long: cost basis is quantity x average cost, unrealized the market value less it', () => {
    // 100 AAPL bought at 150 with 1.00 commission: IB's average cost is 150.01.
    const p = positionPnl(pos('AAPL', 100, 150.01, 175.5));
    expect(p.costBasis).toBe(15_001);
    expect(p.marketValue).toBe(17_550);
    expect(p.unrealized).toBe(2_549);
    expect(p.unrealizedFraction).toBeCloseTo(2_549 / 15_001, 12);
  });

  it('short: the same formula with a negative quantity; a falling price is a gain', () => {
    const p = positionPnl(pos('TSLA', -10, 250, 240));
    expect(p.costBasis).toBe(-2_500);
    expect(p.marketValue).toBe(-2_400);
    expect(p.unrealized).toBe(100);
    expect(p.unrealizedFraction).toBeCloseTo(0.04, 12);
    expect(positionPnl(pos('TSLA', -10, 250, 260)).unrealized).toBe(-100);
  });

  it('rounds to the cent in decimal (no 0.1 + 0.2 residue)', () => {
    const p = positionPnl({ symbol: 'X', quantity: 3, avgCost: 0.1, marketPrice: 0.2, marketValue: 0.6 });
    expect(p.costBasis).toBe(0.3);
    expect(p.unrealized).toBe(0.3);
  });
});

describe('P&L of the day', () => {
  it('realized = day P&L - change of unrealized: a sale at a gain moves the gain from unrealized to realized', () => {
    // Close: 100 AAPL, average cost 150, at 170 (unrealized +2,000). Today sold 50 at 170 (commission 1) and the price
    // stayed: unrealized 50 x 20 = +1,000, NLV down by the commission only.
    const pnl = pnlOf({
      positions: [pos('AAPL', 50, 150, 170)],
      sincePreviousClose: { amount: -1, flows: 0, day: '2026-11-20' },
      previousClose: close([pos('AAPL', 100, 150, 170)]),
    });
    expect(pnl.day).toEqual({ value: -1 });
    expect(pnl.unrealized).toBe(1_000);
    expect(pnl.unrealizedAtPreviousClose).toEqual({ value: 2_000 });
    // IB's realized for that sale: 50 x (170 - 150) - 1 = 999.
    expect(pnl.realizedToday).toEqual({ value: 999 });
    expect(pnl.costBasis).toBe(7_500);
  });

  it('a position opened today: its buy commission is in its average cost, so nothing is realized', () => {
    // Bought 10 MSFT at 400 with 1.00 commission (average cost 400.10); price now 405. NLV: -1 commission + 50 price.
    const pnl = pnlOf({
      positions: [pos('AAPL', 100, 150, 171), pos('MSFT', 10, 400.1, 405)],
      sincePreviousClose: { amount: 100 - 1 + 50, flows: 0, day: '2026-11-20' },
      previousClose: close([pos('AAPL', 100, 150, 170)]),
    });
    expect(pnl.perPosition.map((p) => [p.symbol, p.costBasis, p.unrealized])).toEqual([
      ['AAPL', 15_000, 2_100],
      ['MSFT', 4_001, 49],
    ]);
    expect(pnl.unrealized).toBe(2_149);
    expect(pnl.realizedToday).toEqual({ value: 0 });
  });

  it('a short covered today realizes its gain', () => {
    // Close: short 10 TSLA at 250, price 240 (+100). Covered 10 at 230 today, commission 1: realized 199.
    const pnl = pnlOf({
      positions: [],
      // NLV: the price fell 240 -> 230 on the short (+100), less the commission.
      sincePreviousClose: { amount: 100 - 1, flows: 0, day: '2026-11-20' },
      previousClose: close([pos('TSLA', -10, 250, 240)]),
    });
    expect(pnl.unrealized).toBe(0);
    expect(pnl.realizedToday).toEqual({ value: 199 });
  });

  it('a deposit is not a gain: the day P&L is the change with the flows out, as given', () => {
    const pnl = pnlOf({
      positions: [pos('AAPL', 100, 150, 170)],
      sincePreviousClose: { amount: 0, flows: 10_000, day: '2026-11-20' },
      previousClose: close([pos('AAPL', 100, 150, 170)]),
    });
    expect(pnl.day).toEqual({ value: 0 });
    expect(pnl.flows).toBe(10_000);
    expect(pnl.realizedToday).toEqual({ value: 0 });
  });

  it('no previous close: day and realized are n/a with the reason, unrealized still known', () => {
    const pnl = pnlOf({ positions: [pos('AAPL', 100, 150, 170)] });
    expect(pnl.day).toEqual({ value: null, reason: 'no previous close recorded' });
    expect(pnl.realizedToday).toEqual({ value: null, reason: 'no previous close recorded' });
    expect(pnl.unrealized).toBe(2_000);
    expect(pnl.previousClose).toBeUndefined();
  });

  it("the previous close's positions missing: realized is n/a naming the run, never a guess", () => {
    const pnl = pnlOf({
      positions: [pos('AAPL', 100, 150, 170)],
      sincePreviousClose: { amount: 12, flows: 0, day: '2026-11-20' },
      previousClose: close([], 17_000),
    });
    expect(pnl.day).toEqual({ value: 12 });
    expect(pnl.realizedToday).toEqual({
      value: null,
      reason: "the positions of the previous close's snapshot (run r-close) are not recorded",
    });
    expect(
      pnlOf({ positions: [], sincePreviousClose: { amount: 1, flows: 0, day: 'd' }, previousClose: close(undefined) }).realizedToday.value,
    ).toBeNull();
  });

  it('a previous close that held only cash has an unrealized of zero, not an unknown one', () => {
    const pnl = pnlOf({
      positions: [pos('AAPL', 10, 100.1, 101)],
      // Bought 10 at 100 with 1.00 commission, now 101: NLV +10 - 1.
      sincePreviousClose: { amount: 9, flows: 0, day: '2026-11-20' },
      previousClose: close([], 0),
    });
    expect(pnl.unrealizedAtPreviousClose).toEqual({ value: 0 });
    expect(pnl.unrealized).toBe(9);
    expect(pnl.realizedToday).toEqual({ value: 0 });
  });
});
