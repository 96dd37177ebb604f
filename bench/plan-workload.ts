/**
 * The account `npm run bench:plan` plans (bench/plan-5000.ts): NLV 25,000,000.00; three strategies with
 * overlapping weights over N tickers; four in five of them held, one in fifty in no forecast (closed); prices from 0.05 to 900 (sub-dollar ones on 0.0001
 * ticks), two-sided quotes one to six ticks wide. Deterministic: the same seed gives the same account.
 */
import type { BrokerPosition, ContractInfo, Forecast, PlanInputs, Quote } from '../src/core/types.js';

/** A small deterministic generator (mulberry32), so every run plans the same account. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The account the benchmark plans: see the header. */
export function planWorkload(tickers: number, seed = 14): PlanInputs {
  const next = random(seed);
  const symbols = Array.from({ length: tickers }, (_, i) => `T${String(i).padStart(5, '0')}`);
  const quotes: Record<string, Quote> = {};
  const contracts: Record<string, ContractInfo> = {};
  const positions: BrokerPosition[] = [];
  const nlv = 25_000_000;
  for (const [i, symbol] of symbols.entries()) {
    const subDollar = i % 20 === 0;
    const tick = subDollar ? 0.0001 : 0.01;
    const ticks = subDollar ? 500 + Math.floor(next() * 9_000) : 100 + Math.floor(next() * 89_900);
    const widthTicks = 1 + Math.floor(next() * 6);
    const bid = round(ticks * tick, subDollar ? 4 : 2);
    const ask = round((ticks + widthTicks) * tick, subDollar ? 4 : 2);
    const close = round(bid * (0.97 + next() * 0.06), subDollar ? 4 : 2);
    quotes[symbol] = { symbol, bid, ask, last: bid, close };
    contracts[symbol] = { symbol, minTick: tick, primaryExchange: 'NASDAQ', currency: 'USD' };
    if (i % 5 !== 4) {
      const held = Math.floor((nlv * 0.00017 * (0.5 + next())) / ask);
      if (held > 0) positions.push({ account: 'DU0000001', symbol, quantity: held, avgCost: bid });
    }
  }
  const picked = (every: number): string[] => symbols.filter((_, i) => i % 50 !== 7 && (every === 1 || i % every !== 1));
  const forecast = (name: string, capital: number, leverage: number, every: number): Forecast => ({
    file: `forecasts/${name}.json`,
    strategy: name,
    asOf: '2026-11-23T14:05:00Z',
    capital,
    leverage,
    weights: Object.fromEntries(
      // Each strategy's weights sum to about 0.9: the account is about 0.85x invested after the trades.
      picked(every).map((s, _, all) => [s, round(((0.5 + next()) * 0.9) / all.length, 6)]),
    ),
    contracts: {},
  });
  return {
    now: '2026-11-23T15:30:00Z',
    account: {
      account: 'DU0000001',
      currency: 'USD',
      netLiquidation: nlv,
      totalCash: 5_000_000,
      grossPositionValue: 20_000_000,
      maintMargin: 5_000_000,
      excessLiquidity: 20_000_000,
      cushion: 0.8,
    },
    positions,
    quotes,
    contracts,
    forecasts: [forecast('trend', 0.5, 1, 1), forecast('carry', 0.3, 1.5, 3), forecast('value', 0.2, 0.8, 7)],
    managedSymbols: symbols,
    sizing: {
      cashBufferPct: 2,
      noTradeBandPct: 0.001,
      minOrderValue: 100,
      limitOffsetBps: 10,
      adaptivePriority: 'Normal',
      commissionModel: 'tiered',
      allowShort: false,
    },
    limits: {
      maxLeverage: 2,
      maxPositionPct: 5,
      maxOrderValue: 1_000_000,
      maxOrderPct: 2,
      maxTurnoverPct: 100,
      maxDailyTurnoverPct: 200,
      maxOrdersPerRun: 10_000,
      priceCollarPct: 5,
      maxNavJumpPct: 10,
      maxDailyLossPct: 5,
      minCushion: 0.05,
    },
    priorBreaches: [],
    lastNetLiquidation: 24_900_000,
    startOfDayNetLiquidation: 24_950_000,
    cashFlows: { sinceLastSnapshot: 0, sinceStartOfDay: 0 },
    tradedValueToday: 150_000,
  };
}

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}
