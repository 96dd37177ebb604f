/**
 * The property the whole core exists for: whatever a strategy writes, an accepted forecast never yields
 * an order that breaks a limit. Forecast files are generated as text (valid, near-valid and broken),
 * read by the real parser, and planned against random accounts, positions, quotes and limits.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { parseForecast } from '../../src/forecast/parse-forecast.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { tickFor } from '../../src/core/limit-price.js';
import type { BrokerPosition, ContractInfo, PlanInputs, Quote, RiskLimits } from '../../src/core/types.js';
import { anAccount, someSizing } from './builders.js';

const TICKERS = ['SPY', 'TLT', 'GLD', 'AAPL', 'PENY', 'BRK.B'] as const;

const weightValue = fc.oneof(
  // Integers scaled down: fast-check's doubles crowd near 0, which would make most targets 0 shares.
  { weight: 16, arbitrary: fc.integer({ min: 0, max: 3000 }).map((x) => x / 10_000) },
  { weight: 4, arbitrary: fc.integer({ min: -3000, max: 0 }).map((x) => x / 10_000) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, 1.5, -2, 0) },
);

/** Forecast file text: mostly plausible, sometimes with a wrong type, an extra key or a non-JSON number. */
const forecastText = fc
  .record({
    leverage: fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 400 }).map((x) => x / 100) },
      { weight: 1, arbitrary: fc.constantFrom(-1, 12, Number.NaN) },
    ),
    capital: fc.option(
      fc.integer({ min: 5, max: 120 }).map((x) => x / 100),
      { nil: undefined },
    ),
    weights: fc.dictionary(fc.constantFrom(...TICKERS), weightValue, { minKeys: 0, maxKeys: 5 }),
    extra: fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('wieghts', 'note') }),
    ageHours: fc.double({ min: 0, max: 30, noNaN: true }),
  })
  .map(({ leverage, capital, weights, extra, ageHours }) => {
    const asOf = new Date(Date.parse('2026-11-23T15:30:00Z') - ageHours * 3_600_000).toISOString();
    const body: Record<string, unknown> = { strategy: 'prop', asOf, leverage, weights };
    if (capital !== undefined) body.capital = capital;
    if (extra !== undefined) body[extra] = 1;
    // JSON.stringify writes NaN/Infinity as null; write them as Python's json.dump does, to be refused.
    return JSON.stringify(body).replace(/null/g, 'NaN');
  });

const price = fc.oneof(fc.double({ min: 0.05, max: 0.99, noNaN: true }), fc.double({ min: 1, max: 900, noNaN: true }));

const market = fc.record({
  nlv: fc.double({ min: 5_000, max: 2_000_000, noNaN: true }),
  cushion: fc.double({ min: 0, max: 1, noNaN: true }),
  prices: fc.tuple(...TICKERS.map(() => price)),
  spreadsBps: fc.tuple(...TICKERS.map(() => fc.double({ min: 0, max: 80, noNaN: true }))),
  closeMoves: fc.tuple(...TICKERS.map(() => fc.double({ min: -0.08, max: 0.08, noNaN: true }))),
  // Held value as a fraction of NLV, so accounts are plausible (a gross of 50x NLV would halt everything).
  held: fc.tuple(
    ...TICKERS.map(() =>
      fc.oneof(
        fc.constant(0),
        fc.integer({ min: -300, max: 500 }).map((x) => x / 1000),
      ),
    ),
  ),
  managed: fc.subarray([...TICKERS]),
  tradedToday: fc.double({ min: 0, max: 300_000, noNaN: true }),
});

/** Each limit is either out of the way or binding, so every breaker is sometimes the only guard. */
const limit = (loose: number, tight: fc.Arbitrary<number>): fc.Arbitrary<number> =>
  fc.oneof({ weight: 2, arbitrary: fc.constant(loose) }, { weight: 1, arbitrary: tight });

const limits: fc.Arbitrary<RiskLimits> = fc.record({
  maxLeverage: limit(10, fc.double({ min: 0.5, max: 3, noNaN: true })),
  maxPositionPct: limit(1000, fc.double({ min: 5, max: 100, noNaN: true })),
  maxOrderValue: limit(1e9, fc.double({ min: 1_000, max: 500_000, noNaN: true })),
  maxOrderPct: limit(1000, fc.double({ min: 5, max: 100, noNaN: true })),
  maxTurnoverPct: limit(10_000, fc.double({ min: 10, max: 300, noNaN: true })),
  maxDailyTurnoverPct: limit(10_000, fc.double({ min: 10, max: 500, noNaN: true })),
  maxOrdersPerRun: limit(100, fc.integer({ min: 1, max: 10 })),
  priceCollarPct: limit(50, fc.double({ min: 0.5, max: 10, noNaN: true })),
  maxNavJumpPct: fc.constant(10),
  maxDailyLossPct: fc.constant(5),
  minCushion: limit(0, fc.double({ min: 0, max: 0.2, noNaN: true })),
});

type Market = typeof market extends fc.Arbitrary<infer T> ? T : never;

function inputsOf(m: Market, l: RiskLimits, allowShort: boolean): Omit<PlanInputs, 'forecasts'> {
  const quotes: Record<string, Quote> = {};
  const contracts: Record<string, ContractInfo> = {};
  const positions: BrokerPosition[] = [];
  TICKERS.forEach((symbol, i) => {
    const mid = m.prices[i] ?? 1;
    const tick = tickFor(undefined, mid);
    const half = (mid * (m.spreadsBps[i] ?? 0)) / 20_000;
    const bid = new Decimal(mid - half).toNearest(tick, Decimal.ROUND_DOWN).toNumber();
    const ask = new Decimal(mid + half).toNearest(tick, Decimal.ROUND_UP).toNumber();
    quotes[symbol] = { symbol, bid: bid > 0 ? bid : undefined, ask, last: mid, close: mid * (1 + (m.closeMoves[i] ?? 0)) };
    contracts[symbol] = { symbol, minTick: tick, primaryExchange: 'NYSE', currency: 'USD' };
    const fraction = allowShort ? (m.held[i] ?? 0) : Math.abs(m.held[i] ?? 0);
    const held = Math.trunc((fraction * m.nlv) / mid);
    if (held !== 0) positions.push({ account: 'DU0000001', symbol, quantity: held, avgCost: mid });
  });
  return {
    now: '2026-11-23T15:30:00Z',
    account: anAccount({ netLiquidation: m.nlv, cushion: m.cushion }),
    positions,
    quotes,
    contracts,
    managedSymbols: m.managed,
    sizing: someSizing({ allowShort, minOrderValue: 100 }),
    limits: l,
    priorBreaches: [],
    tradedValueToday: m.tradedToday,
  };
}

describe('planning from any forecast file', () => {
  it('never yields an order that breaks a limit', () => {
    let accepted = 0;
    let ordersSeen = 0;
    fc.assert(
      fc.property(forecastText, market, limits, fc.boolean(), (text, m, l, allowShort) => {
        const parsed = parseForecast('forecasts/prop.json', text);
        if (!parsed.ok) {
          expect(parsed.errors.every((e) => e.code === 'INVALID_FORECAST' && e.detail.includes('forecasts/prop.json'))).toBe(true);
          return;
        }
        accepted += 1;
        const inputs = { ...inputsOf(m, l, allowShort), forecasts: [parsed.forecast] };
        const plan = planRebalance(inputs);
        const orders = plan.lines.filter((line) => line.action !== 'NONE');
        ordersSeen += orders.length;
        const nlv = inputs.account.netLiquidation;
        if (plan.tradingState === 'HALTED') expect(orders).toEqual([]);
        expect(orders.length).toBeLessThanOrEqual(l.maxOrdersPerRun);
        expect(plan.turnoverPct).toBeLessThanOrEqual(l.maxTurnoverPct + 1e-9);
        const sent = orders.reduce((sum, o) => sum + o.tradeValue, 0);
        if (orders.length > 0) expect(((m.tradedToday + sent) / nlv) * 100).toBeLessThanOrEqual(l.maxDailyTurnoverPct + 1e-9);
        for (const o of orders) {
          const ref = o.referencePrice ?? Number.NaN;
          const limit = o.limitPrice ?? Number.NaN;
          expect(Number.isInteger(o.quantity) && o.quantity > 0).toBe(true);
          expect(new Decimal(limit).mod(tickFor(inputs.contracts[o.symbol], ref)).isZero()).toBe(true);
          expect(Math.abs(limit - ref) / ref).toBeLessThanOrEqual(l.priceCollarPct / 100 + 1e-12);
          const close = inputs.quotes[o.symbol]?.close ?? ref;
          expect(Math.abs(ref - close) / close).toBeLessThanOrEqual(l.priceCollarPct / 100 + 1e-12);
          expect(o.tradeValue).toBeLessThanOrEqual(l.maxOrderValue);
          expect(o.tradeValue).toBeLessThanOrEqual((nlv * l.maxOrderPct) / 100 + 1e-9);
          // Never pays more than the offset allows on a BUY, never takes less on a SELL.
          const offset = new Decimal(inputs.sizing.limitOffsetBps).div(10_000);
          if (o.action === 'BUY') expect(new Decimal(limit).lte(new Decimal(ref).times(offset.plus(1)))).toBe(true);
          else expect(new Decimal(limit).gte(new Decimal(ref).times(new Decimal(1).minus(offset)))).toBe(true);
          const after = o.currentQuantity + (o.action === 'BUY' ? o.quantity : -o.quantity);
          if (!allowShort) expect(after).toBeGreaterThanOrEqual(0);
          if (plan.tradingState === 'REDUCING') expect(Math.abs(after)).toBeLessThan(Math.abs(o.currentQuantity));
          if (plan.tradingState === 'ACTIVE') expect((Math.abs(after * ref) / nlv) * 100).toBeLessThanOrEqual(l.maxPositionPct + 1e-9);
        }
        if (plan.tradingState === 'ACTIVE') expect(plan.leverageAfter).toBeLessThanOrEqual(l.maxLeverage + 1e-12);
      }),
      { numRuns: 1500 },
    );
    // Both outcomes must be exercised, or the property says nothing.
    expect(accepted).toBeGreaterThan(100);
    expect(ordersSeen).toBeGreaterThan(100);
  });
});
