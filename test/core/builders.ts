/**
 * In-memory builders for the pure core's tests: a quiet default (nothing trips) that a test overrides in
 * the one place it cares about.
 */
import type { BreakerContext } from '../../src/core/breakers.js';
import type { AccountSummary, Forecast, PlanInputs, PlanLine, RiskLimits, SizingConfig } from '../../src/core/types.js';

/** NLV 100,000.00, cushion 0.30. */
export function anAccount(overrides: Partial<AccountSummary> = {}): AccountSummary {
  return {
    account: 'DU0000001',
    currency: 'USD',
    netLiquidation: 100_000,
    totalCash: 81_000,
    grossPositionValue: 19_000,
    maintMargin: 4_750,
    excessLiquidity: 30_000,
    cushion: 0.3,
    ...overrides,
  };
}

/** Limits well above the default line, so only the field a test lowers can trip. */
export function someLimits(overrides: Partial<RiskLimits> = {}): RiskLimits {
  return {
    maxLeverage: 2,
    maxPositionPct: 25,
    maxOrderValue: 50_000,
    maxOrderPct: 10,
    maxTurnoverPct: 50,
    maxDailyTurnoverPct: 100,
    maxOrdersPerRun: 10,
    priceCollarPct: 5,
    maxNavJumpPct: 10,
    maxDailyLossPct: 5,
    minCushion: 0.05,
    ...overrides,
  };
}

export function someSizing(overrides: Partial<SizingConfig> = {}): SizingConfig {
  return {
    cashBufferPct: 1,
    noTradeBandPct: 0.5,
    minOrderValue: 500,
    limitOffsetBps: 10,
    adaptivePriority: 'Normal',
    commissionModel: 'fixed',
    allowShort: false,
    ...overrides,
  };
}

export function aForecast(overrides: Partial<Forecast> = {}): Forecast {
  return {
    file: 'forecasts/trend.json',
    strategy: 'trend',
    asOf: '2026-11-20T21:05:00Z',
    leverage: 1,
    capital: 1,
    weights: { AAPL: 0.228 },
    contracts: {},
    ...overrides,
  };
}

export function someInputs(overrides: Partial<PlanInputs> = {}): PlanInputs {
  return {
    now: '2026-11-23T15:30:00Z',
    account: anAccount(),
    positions: [{ account: 'DU0000001', symbol: 'AAPL', quantity: 100, avgCost: 150 }],
    quotes: { AAPL: { symbol: 'AAPL', bid: 189.98, ask: 190.02, last: 190, close: 188.5 } },
    contracts: { AAPL: { symbol: 'AAPL', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' } },
    forecasts: [aForecast()],
    managedSymbols: ['AAPL'],
    sizing: someSizing(),
    limits: someLimits(),
    priorBreaches: [],
    tradedValueToday: 0,
    ...overrides,
  };
}

/**
 * A calm AAPL buy: 100 held, BUY 20 @ 190.19 (reference 190.00), target 120.
 * Trade value 20 x 190 = 3,800.00; at the limit 20 x 190.19 = 3,803.80; after: 120 x 190 = 22,800.00.
 */
export function aLine(overrides: Partial<PlanLine> = {}): PlanLine {
  return {
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 20,
    currentQuantity: 100,
    targetQuantity: 120,
    referencePrice: 190,
    limitPrice: 190.19,
    tradeValue: 3_800,
    targetValue: 22_800,
    targetWeight: 0.228,
    currentWeight: 0.19,
    estimatedCommission: 1,
    estimatedSpreadCost: 0.4,
    managed: true,
    previousClose: 188.5,
    primaryExchange: 'NASDAQ',
    currency: 'USD',
    reason: 'buy toward target 120',
    ...overrides,
  };
}

/** A line that trades nothing: held and on target. */
export function aQuietLine(overrides: Partial<PlanLine> = {}): PlanLine {
  return aLine({
    action: 'NONE',
    quantity: 0,
    limitPrice: undefined,
    tradeValue: 0,
    targetQuantity: 100,
    reason: 'on target',
    ...overrides,
  });
}

/** Default: one calm BUY, leverage 0.228x, turnover 3.80%. Nothing trips. */
export function aContext(overrides: Partial<BreakerContext> = {}): BreakerContext {
  return { inputs: someInputs(), lines: [aLine()], leverageAfter: 0.228, turnoverPct: 3.8, ...overrides };
}

/** aContext with some inputs and limits changed, the rest default. */
export function withInputs(inputs: Partial<PlanInputs>, rest: Partial<BreakerContext> = {}): BreakerContext {
  return aContext({ inputs: someInputs(inputs), ...rest });
}

export function withLimits(limits: Partial<RiskLimits>, rest: Partial<BreakerContext> = {}): BreakerContext {
  return withInputs({ limits: someLimits(limits) }, rest);
}
