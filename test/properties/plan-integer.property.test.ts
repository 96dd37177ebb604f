/**
 * The planning core computes in exact integers (src/core/scaled.ts) where it computed in Decimal (issue 14). The
 * promise is that nothing a user can see changed: every plan line (quantity, limit price, values, weights, costs,
 * the reason's text), every breach and its detail, the trading state, leverage and turnover are identical to what
 * the all-Decimal core gave. test/support/reference-plan.ts is a copy of that core; here both plan the same
 * random accounts, thousands of them, with awkward numbers on purpose: sub-penny ticks and prices, 0.0001 and
 * 99999.99, odd ticks (0.005, 0.05, 1/3), fractional and short positions, positions that sum to zero, huge and
 * tiny NLVs, weights with many decimals, offsets of 100% and more, NaN and -1 quotes, limits that trip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import type { Breach, BrokerPosition, ContractInfo, Forecast, PlanInputs, PositionBreak, Quote } from '../../src/core/types.js';
import { referencePlanRebalance } from '../support/reference-plan.js';
import { SEED } from './support/checks.js';

// 'constructor' is a ticker a hand-edited forecast can name, and a key every plain object already answers to.
const SYMBOLS = ['AAPL', 'BRK.B', 'PENY', 'SPY', 'TLT', 'ZZZ', 'GLD', 'Q', 'constructor'] as const;

/** Decimals as people and IB write them, and doubles that are not. */
const cents = (max: number): fc.Arbitrary<number> => fc.integer({ min: 1, max: Math.round(max * 100) }).map((n) => n / 100);
const subPenny = fc.integer({ min: 1, max: 99_999 }).map((n) => n / 10_000);
const anyDouble = (min: number, max: number): fc.Arbitrary<number> => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const price: fc.Arbitrary<number> = fc.oneof(
  { weight: 5, arbitrary: cents(1_000) },
  { weight: 3, arbitrary: subPenny },
  { weight: 2, arbitrary: fc.constantFrom(0.0001, 99_999.99, 0.29, 4.35, 1.005, 0.315, 12_345.675, 0.99995) },
  { weight: 2, arbitrary: anyDouble(1e-6, 1e6) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => n / 1000) },
  { weight: 1, arbitrary: anyDouble(1e6, 1e12) },
);
const badPrice = fc.constantFrom(-1, 0, Number.NaN, Infinity, undefined);

const twoSided = (symbol: string): fc.Arbitrary<Quote> =>
  fc
    .record({
      bid: price,
      spreadTicks: fc.integer({ min: 0, max: 40 }),
      tick: fc.constantFrom(0.01, 0.0001, 0.005, 1),
      close: fc.option(price, { nil: undefined }),
    })
    .map(({ bid, spreadTicks, tick, close }) => ({ symbol, bid, ask: Number((bid + spreadTicks * tick).toFixed(10)), close }));

const quote = (symbol: string): fc.Arbitrary<Quote | undefined> =>
  fc.oneof(
    {
      weight: 8,
      arbitrary: fc
        .record({
          bid: price,
          spreadTicks: fc.integer({ min: 0, max: 40 }),
          tick: fc.constantFrom(0.01, 0.0001, 0.005, 1),
          last: fc.option(price, { nil: undefined }),
          close: fc.option(fc.oneof(price, badPrice), { nil: undefined }),
          crossed: fc.boolean(),
        })
        .map(({ bid, spreadTicks, tick, last, close, crossed }) => {
          const ask = Number((bid + spreadTicks * tick).toFixed(10));
          return { symbol, bid: crossed ? ask : bid, ask: crossed ? bid : ask, last, close };
        }),
    },
    { weight: 1, arbitrary: fc.record({ symbol: fc.constant(symbol), bid: badPrice, ask: badPrice, last: fc.oneof(price, badPrice) }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );

const contract = (symbol: string): fc.Arbitrary<ContractInfo | undefined> =>
  fc.option(
    fc.record({
      symbol: fc.constant(symbol),
      minTick: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0.01, 0.0001, 0.005, 0.05, 0.25, 1) },
        { weight: 1, arbitrary: fc.constantFrom(1 / 3, 0.1 + 0.2, 0, -1, Number.NaN, 1e-9) },
        { weight: 1, arbitrary: anyDouble(1e-6, 10) },
      ),
      primaryExchange: fc.constantFrom('NASDAQ', 'ARCA', ''),
      // The account's currency or none: a ticker in another is sized with a rate, which the Decimal core never had
      // (test/core/plan-fx.test.ts holds that sizing to a hand computation).
      currency: fc.constantFrom('USD', ''),
    }),
    { nil: undefined, freq: 4 },
  );

const quantity: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -2_000, max: 50_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, 1.25, -0.333, 0.1 + 0.2, 1e9, -1e9, 123_456_789.5, 0) },
  { weight: 1, arbitrary: anyDouble(-1e6, 1e6) },
);

const weight: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3_000, max: 10_000 }).map((n) => n / 10_000) },
  { weight: 2, arbitrary: anyDouble(-0.5, 1) },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 1e-9, 0.123456789012345, 1, 0.1 + 0.2, 1 / 3) },
);

const forecast = (i: number): fc.Arbitrary<Forecast> =>
  fc
    .record({
      capital: fc.oneof(
        fc.integer({ min: 1, max: 100 }).map((n) => n / 100),
        anyDouble(0.01, 2),
      ),
      leverage: fc.oneof(
        fc.integer({ min: 0, max: 400 }).map((n) => n / 100),
        anyDouble(0, 5),
      ),
      weights: fc.dictionary(fc.constantFrom(...SYMBOLS), weight, { maxKeys: SYMBOLS.length }),
      hints: fc.dictionary(
        fc.constantFrom(...SYMBOLS),
        fc.record({ primaryExchange: fc.constantFrom('NYSE', ''), currency: fc.constantFrom('USD', '') }),
      ),
    })
    .map(({ capital, leverage, weights, hints }) => ({
      file: `forecasts/s${i}.json`,
      strategy: `s${i}`,
      asOf: '2026-11-23T14:05:00Z',
      capital,
      leverage,
      weights,
      contracts: hints,
    }));

const nlv: fc.Arbitrary<number> = fc.oneof(
  { weight: 6, arbitrary: cents(5_000_000) },
  { weight: 2, arbitrary: anyDouble(1_000, 1e8) },
  { weight: 1, arbitrary: anyDouble(1e9, 1e18) },
  { weight: 1, arbitrary: fc.constantFrom(0, -5_000, Number.NaN, 0.01, 1e300, 25_000_000) },
);

/** Mostly a limit nothing reaches (so orders go out), sometimes one that trips. */
const limit = (lenient: number, strict: fc.Arbitrary<number>): fc.Arbitrary<number> =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(lenient) }, { weight: 1, arbitrary: strict });

const limits = fc.record({
  maxLeverage: limit(1e6, fc.oneof(fc.constantFrom(1, 2, 1.5), anyDouble(0, 5))),
  maxPositionPct: limit(1e9, fc.oneof(fc.constantFrom(5, 25, 100), anyDouble(0, 100))),
  maxOrderValue: limit(1e300, fc.oneof(fc.constantFrom(10_000, 1_000_000), anyDouble(0, 1e7))),
  maxOrderPct: limit(1e9, fc.oneof(fc.constantFrom(2, 10, 100), anyDouble(0, 100))),
  maxTurnoverPct: limit(1e9, fc.oneof(fc.constantFrom(50, 100), anyDouble(0, 300))),
  maxDailyTurnoverPct: limit(1e9, fc.oneof(fc.constantFrom(100, 200), anyDouble(0, 300))),
  maxOrdersPerRun: limit(100, fc.integer({ min: 0, max: 8 })),
  priceCollarPct: limit(1e9, fc.oneof(fc.constantFrom(5, 10, 100), anyDouble(0, 20))),
  maxNavJumpPct: limit(1e9, fc.oneof(fc.constantFrom(10, 100), anyDouble(0, 50))),
  maxDailyLossPct: limit(1e9, fc.oneof(fc.constantFrom(5, 100), anyDouble(0, 50))),
  minCushion: limit(0, fc.oneof(fc.constantFrom(0.05, 0.5), anyDouble(0, 1))),
});

const sizing = fc.record({
  cashBufferPct: fc.oneof(fc.constantFrom(0, 1, 2.5, 33.3), anyDouble(0, 50)),
  noTradeBandPct: fc.oneof(fc.constantFrom(0, 0.5, 0.001), anyDouble(0, 5)),
  minOrderValue: fc.oneof(fc.constantFrom(0, 100, 500, 0.01), anyDouble(0, 5_000)),
  limitOffsetBps: fc.oneof(fc.constantFrom(0, 10, 2.5, 10_000, 20_000, 0.01), anyDouble(0, 500)),
  adaptivePriority: fc.constant('Normal' as const),
  commissionModel: fc.constantFrom('fixed' as const, 'tiered' as const),
  allowShort: fc.boolean(),
});

const inputs: fc.Arbitrary<PlanInputs> = fc
  .record({
    // A calm account (every ticker quoted, USD, long weights, no snapshots to jump from) lets orders through;
    // the rough one trips breakers. Both are compared.
    calm: fc.boolean(),
    calmQuotes: fc.tuple(...SYMBOLS.map(twoSided)),
    calmTicks: fc.tuple(...SYMBOLS.map(() => fc.constantFrom(0.01, 0.0001, 0.005, 0.05))),
    nlv,
    cushion: fc.oneof(anyDouble(0, 1), fc.constant(Number.NaN)),
    quotes: fc.tuple(...SYMBOLS.map(quote)),
    contracts: fc.tuple(...SYMBOLS.map(contract)),
    positions: fc.array(fc.record({ symbol: fc.constantFrom(...SYMBOLS), quantity }), { maxLength: 10 }),
    forecasts: fc.integer({ min: 0, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => forecast(i)))),
    managed: fc.subarray([...SYMBOLS]),
    sizing,
    limits,
    last: fc.option(fc.oneof(nlv, anyDouble(0, 1e7)), { nil: undefined }),
    start: fc.option(fc.oneof(nlv, anyDouble(0, 1e7)), { nil: undefined }),
    flows: fc.option(fc.record({ sinceLastSnapshot: anyDouble(-1e5, 1e5), sinceStartOfDay: anyDouble(-1e5, 1e5) }), { nil: undefined }),
    today: fc.oneof(fc.constant(0), cents(1e6), anyDouble(0, 1e9)),
    held: fc.option(fc.constantFrom(...SYMBOLS), { nil: undefined }),
    broken: fc.option(fc.constantFrom(...SYMBOLS), { nil: undefined }),
  })
  .map((r) => {
    const positions: BrokerPosition[] = r.positions.map((p) => ({ account: 'DU1', symbol: p.symbol, quantity: p.quantity, avgCost: 10 }));
    const priorBreaches: Breach[] =
      r.held === undefined
        ? []
        : [{ code: 'ORDER_OUTCOME_UNKNOWN', detail: `${r.held}: an earlier order's outcome is unknown`, symbol: r.held }];
    const positionBreaks: PositionBreak[] = r.broken === undefined ? [] : [{ symbol: r.broken, ledgerQuantity: 10, brokerQuantity: 12 }];
    const quotes: Record<string, Quote> = {};
    const contracts: Record<string, ContractInfo> = {};
    SYMBOLS.forEach((s, i) => {
      const q = r.calm ? r.calmQuotes[i] : r.quotes[i];
      const c = r.calm ? { symbol: s, minTick: r.calmTicks[i] ?? 0.01, primaryExchange: 'NASDAQ', currency: 'USD' } : r.contracts[i];
      if (q !== undefined) quotes[s] = q;
      if (c !== undefined) contracts[s] = c;
    });
    const forecasts = r.calm
      ? r.forecasts.map((f) => ({
          ...f,
          contracts: {},
          weights: Object.fromEntries(Object.entries(f.weights).map(([k, w]) => [k, Math.abs(w)])),
        }))
      : r.forecasts;
    if (r.calm) {
      r.last = undefined;
      r.start = undefined;
      r.flows = undefined;
      r.cushion = 0.5;
    }
    return {
      now: '2026-11-23T15:30:00Z',
      account: {
        account: 'DU1',
        currency: 'USD',
        netLiquidation: r.nlv,
        totalCash: 0,
        grossPositionValue: 0,
        maintMargin: 0,
        excessLiquidity: 0,
        cushion: r.cushion,
      },
      positions,
      quotes,
      contracts,
      forecasts,
      managedSymbols: r.managed,
      sizing: r.sizing,
      limits: r.limits,
      priorBreaches,
      ...(r.last === undefined ? {} : { lastNetLiquidation: r.last }),
      ...(r.start === undefined ? {} : { startOfDayNetLiquidation: r.start }),
      ...(r.flows === undefined ? {} : { cashFlows: r.flows }),
      tradedValueToday: r.today,
      positionBreaks,
    };
  });

/** The plan, or the error a broken invariant threw (both implementations must throw the same). */
function outcome(plan: (i: PlanInputs) => unknown, i: PlanInputs): unknown {
  try {
    return plan(i);
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

describe('the integer planning core plans exactly what the Decimal core planned', () => {
  it('line for line, breach for breach, on thousands of awkward accounts', () => {
    let orders = 0;
    let blocked = 0;
    let breaches = 0;
    fc.assert(
      fc.property(inputs, (i) => {
        const now = outcome(planRebalance, i);
        const before = outcome(referencePlanRebalance, i);
        expect(now).toStrictEqual(before);
        if (typeof now === 'object' && now !== null && 'lines' in now) {
          const plan = now as ReturnType<typeof planRebalance>;
          orders += plan.lines.filter((l) => l.action !== 'NONE').length;
          blocked += plan.lines.filter((l) => / would have (BUY|SELL) /.test(l.reason)).length;
          breaches += plan.breaches.length;
        }
      }),
      { numRuns: 4_000, seed: SEED },
    );
    // The cases reached what matters: orders were planned and breakers tripped (not only empty plans).
    expect(orders).toBeGreaterThan(400);
    expect(blocked).toBeGreaterThan(400);
    expect(breaches).toBeGreaterThan(1_000);
    console.log(`${orders} orders sent, ${blocked} blocked, ${breaches} breaches`);
  }, 300_000);
});
