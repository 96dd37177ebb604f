import { describe, expect, it } from 'vitest';
import { inferCashFlow, type CashEffect, type CashReading, type InferenceInput } from '../../src/core/cash-flows.js';

/**
 * FX_POLICY=convert: a conversion moves cash between two currencies and holds no position. The measure of money that
 * came in or went out must book both legs of it, or every conversion would read as a deposit of one currency and a
 * withdrawal of the other (a NAV_JUMP's adjustment, a day's loss, all wrong).
 */

const LAST = '2026-11-23T15:35:00.000Z';
const NOW = '2026-11-23T16:35:00.000Z';

const reading = (cash: Record<string, number>, positions: Record<string, number>, at = NOW): CashReading => ({
  at,
  cash: Object.entries(cash).reduce((sum, [c, v]) => sum + v * (c === 'USD' ? 1.3502 : 1), 0),
  currency: 'SGD',
  positions: new Map(Object.entries(positions)),
  cashByCurrency: new Map(Object.entries(cash)),
  rates: new Map([
    ['SGD', 1],
    ['USD', 1.3502],
  ]),
});

/** BUY 12,000 USD.SGD at 1.3504, commission 3.24 SGD; then 20 SPY at 600 (commission 1 USD). */
const conversion: CashEffect = {
  symbol: 'USD.SGD',
  side: 'BUY',
  quantity: 12_000,
  price: 1.3504,
  commission: 3.24,
  time: '2026-11-23T15:50:00.000Z',
  currency: 'SGD',
  pair: { symbol: 'USD', currency: 'SGD' },
};
const spy: CashEffect = {
  symbol: 'SPY',
  side: 'BUY',
  quantity: 20,
  price: 600,
  commission: 1,
  time: '2026-11-23T15:51:00.000Z',
  currency: 'USD',
};

const input = (now: CashReading, executions: CashEffect[]): InferenceInput => ({
  last: reading({ SGD: 50_000, USD: 0 }, {}, LAST),
  now,
  executions,
  unknownOutcomes: 0,
  quietMinutes: 5,
  minimum: 1,
});

describe('cash flows with currency conversions', () => {
  it('a conversion and the purchase it paid for: no flow, and no position of USD.SGD asked for', () => {
    // SGD: 50,000 - 12,000 x 1.3504 - 3.24 = 33,791.96; USD: 12,000 - 12,001 = -1.
    const now = reading({ SGD: 33_791.96, USD: -1 }, { SPY: 20 });
    const r = inferCashFlow(input(now, [conversion, spy]));
    expect(r).toMatchObject({ kind: 'none' });
    if (r.kind === 'none') expect(r.description).toContain('SGD -16,208.04 (executions -16,208.04), USD -1.00 (executions -1.00)');
  });

  it('a deposit beside a conversion: the deposit to the cent', () => {
    const now = reading({ SGD: 43_791.96, USD: -1 }, { SPY: 20 });
    expect(inferCashFlow(input(now, [conversion, spy]))).toMatchObject({ kind: 'flow', amount: 10_000 });
  });

  it('booked as a stock trade of one currency it would invent a flow: the pair is what tells them apart', () => {
    const now = reading({ SGD: 33_791.96, USD: -1 }, { SPY: 20 });
    const { pair: _pair, ...asStock } = conversion;
    // Read as a ticker, it wants a position of 12,000 USD.SGD the broker does not show: not inferred at all.
    expect(inferCashFlow(input(now, [asStock, spy]))).toMatchObject({ kind: 'unknown' });
  });
});
