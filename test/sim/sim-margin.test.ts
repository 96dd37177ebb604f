import { describe, expect, it } from 'vitest';
import { bookFill, createState, MARGIN_RATES, marginFigures, summarizeAccount, type SimOrder } from '../../src/sim/sim-state.js';

/** The simulated account's two margin rates (IB's AvailableFunds and ExcessLiquidity come from them) and its P&L realised per day. */

const MARKS: Record<string, number> = { AAPL: 190, MSFT: 420 };
const mark = (symbol: string, avgCost: number) => MARKS[symbol] ?? avgCost;

function state() {
  return createState({
    account: 'DU1',
    currency: 'USD',
    cash: 100_000,
    seed: 1,
    scenarioPath: null,
    positions: { AAPL: { quantity: 100, avgCost: 150 }, MSFT: { quantity: -10, avgCost: 400 } },
    now: '2026-11-18T15:00:00Z',
  });
}

function sell(symbol: string, quantity: number, orderId: number): SimOrder {
  return {
    orderId,
    permId: 1_000_000 + orderId,
    clientId: 0,
    orderRef: 'test',
    symbol,
    action: 'SELL',
    quantity,
    limitPrice: 1,
    minTick: 0.01,
    tif: 'DAY',
    status: 'Submitted',
    filled: 0,
    avgFillPrice: 0,
    submittedAt: '2026-11-18T15:00:00Z',
  };
}

describe('margin: initial and maintenance rates differ', () => {
  it('initial 50% of long and short value, maintenance 25% of long and 30% of short', () => {
    expect(MARGIN_RATES).toEqual({ initial: { long: 0.5, short: 0.5 }, maintenance: { long: 0.25, short: 0.3 } });
    const m = marginFigures(state(), mark);
    // Long 100 x 190 = 19,000; short 10 x 420 = 4,200.
    expect([m.long.toNumber(), m.short.toNumber(), m.nlv.toNumber()]).toEqual([19_000, 4_200, 100_000 + 19_000 - 4_200]);
    expect(m.initMargin.toNumber()).toBe(0.5 * 23_200);
    expect(m.maintMargin.toNumber()).toBe(0.25 * 19_000 + 0.3 * 4_200);
    // The summary's excess liquidity stays on the maintenance margin (the Cushion the breakers read).
    const s = summarizeAccount(state(), mark);
    expect(s.maintMargin).toBe(6_010);
    expect(s.excessLiquidity).toBe(114_800 - 6_010);
  });
});

describe("a position's P&L realised today", () => {
  it('adds up within a trading day and starts again the next', () => {
    const st = state();
    const a = bookFill(st, sell('AAPL', 10, 1), { quantity: 10, price: 200 }, 'fixed', '2026-11-18T16:00:00Z');
    const b = bookFill(st, sell('AAPL', 10, 2), { quantity: 10, price: 200 }, 'fixed', '2026-11-18T17:00:00Z');
    const day1 = st.positions.AAPL?.dayRealized;
    // Since the previous session's close (Tuesday 16:00 New York); 10 sold at 200 against 150, twice, less commissions.
    expect(day1?.since).toBe('2026-11-17T21:00:00Z');
    expect(day1?.pnl).toBeCloseTo(2 * 500 - a.commission - b.commission, 8);
    const c = bookFill(st, sell('AAPL', 10, 3), { quantity: 10, price: 160 }, 'fixed', '2026-11-19T16:00:00Z');
    expect(st.positions.AAPL?.dayRealized?.since).toBe('2026-11-18T21:00:00Z');
    expect(st.positions.AAPL?.dayRealized?.pnl).toBeCloseTo(100 - c.commission, 8);
    expect(st.positions.AAPL?.realizedPnl).toBeCloseTo(1000 + 100 - a.commission - b.commission - c.commission, 8);
  });
});
