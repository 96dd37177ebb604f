import { describe, expect, it } from 'vitest';
import { computePlanLines, type PlanLinesResult } from '../../src/core/plan-lines.js';
import type { ContractHint, ContractInfo, Forecast, PlanInputs, PlanLine, Quote, SizingConfig } from '../../src/core/types.js';

// In-memory builders: a plain account (NLV 100,000.00, no buffer, no band, no minimum, 0 bps offset, fixed
// commissions) that each test changes in the one place it is about.

interface Scenario {
  nlv?: number;
  positions?: Record<string, number>;
  quotes?: Record<string, Omit<Quote, 'symbol'>>;
  contracts?: Record<string, Partial<ContractInfo>>;
  forecasts?: Forecast[];
  managed?: string[];
  sizing?: Partial<SizingConfig>;
}

function aForecast(
  weights: Record<string, number>,
  opts: { capital?: number; leverage?: number; contracts?: Record<string, ContractHint> } = {},
): Forecast {
  return {
    file: 'forecasts/test.json',
    strategy: 'test',
    asOf: '2026-11-20T21:05:00Z',
    capital: opts.capital ?? 1,
    leverage: opts.leverage ?? 1,
    weights,
    contracts: opts.contracts ?? {},
  };
}

function planFor(s: Scenario): PlanLinesResult {
  const nlv = s.nlv ?? 100_000;
  const inputs: PlanInputs = {
    now: '2026-11-23T15:00:00Z',
    account: {
      account: 'DU0000001',
      currency: 'USD',
      netLiquidation: nlv,
      totalCash: nlv,
      grossPositionValue: 0,
      maintMargin: 0,
      excessLiquidity: nlv,
      cushion: 1,
    },
    positions: Object.entries(s.positions ?? {}).map(([symbol, quantity]) => ({ account: 'DU0000001', symbol, quantity, avgCost: 1 })),
    quotes: Object.fromEntries(Object.entries(s.quotes ?? {}).map(([symbol, q]) => [symbol, { symbol, ...q }])),
    contracts: Object.fromEntries(
      Object.entries(s.contracts ?? {}).map(([symbol, c]) => [
        symbol,
        { symbol, minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD', ...c },
      ]),
    ),
    forecasts: s.forecasts ?? [],
    managedSymbols: s.managed ?? [],
    sizing: {
      cashBufferPct: 0,
      noTradeBandPct: 0,
      minOrderValue: 0,
      limitOffsetBps: 0,
      adaptivePriority: 'Normal',
      commissionModel: 'fixed',
      allowShort: false,
      ...s.sizing,
    },
    limits: {
      maxLeverage: 2,
      maxPositionPct: 100,
      maxOrderValue: 1e9,
      maxOrderPct: 100,
      maxTurnoverPct: 1000,
      maxDailyTurnoverPct: 1000,
      maxOrdersPerRun: 100,
      priceCollarPct: 10,
      maxNavJumpPct: 50,
      maxDailyLossPct: 50,
      minCushion: 0,
    },
    priorBreaches: [],
    tradedValueToday: 0,
  };
  return computePlanLines(inputs);
}

function lineOf(result: PlanLinesResult, symbol: string): PlanLine {
  const line = result.lines.find((l) => l.symbol === symbol);
  if (line === undefined) throw new Error(`no line for ${symbol}`);
  return line;
}

const last = (price: number): Omit<Quote, 'symbol'> => ({ last: price });

describe('computePlanLines from all cash', () => {
  // NLV 100,000, buffer 2% -> sizing 98,000; one strategy cap 1, lev 0.5; offset 5 bps.
  const result = planFor({
    sizing: { cashBufferPct: 2, limitOffsetBps: 5 },
    forecasts: [aForecast({ AAPL: 0.25, MSFT: 0.5 }, { leverage: 0.5 })],
    quotes: { AAPL: { bid: 231.75, ask: 231.85 }, MSFT: last(410) },
  });

  it('buys whole shares of the target value at the midpoint, with a limit rounded down to the tick', () => {
    // 98,000 x 1 x 0.5 x 0.25 = 12,250.00; mid (231.75 + 231.85)/2 = 231.80; 12,250 / 231.80 = 52.85 -> 52
    // trade value 52 x 231.80 = 12,053.60; limit 231.80 x 1.0005 = 231.9159 -> 231.91
    // commission fixed 52 x 0.005 = 0.26 -> min 1.00; spread 52 x 0.05 = 2.60
    expect(lineOf(result, 'AAPL')).toMatchObject({
      action: 'BUY',
      quantity: 52,
      currentQuantity: 0,
      targetQuantity: 52,
      referencePrice: 231.8,
      limitPrice: 231.91,
      tradeValue: 12053.6,
      targetValue: 12250,
      targetWeight: 0.1225,
      currentWeight: 0,
      estimatedCommission: 1,
      estimatedSpreadCost: 2.6,
      managed: true,
      reason: 'BUY 52: target 12.25% of NLV ($12,250.00 = 98,000.00 x cap 1 x lev 0.5 x w 0.25) at 231.80 = 52 sh, hold 0',
    });
  });

  it('uses the last trade when there is no two-sided quote, and costs no spread', () => {
    // 98,000 x 0.5 x 0.5 = 24,500; 24,500 / 410 = 59.76 -> 59; 59 x 410 = 24,190.00; 410 x 1.0005 = 410.205 -> 410.20
    expect(lineOf(result, 'MSFT')).toMatchObject({
      action: 'BUY',
      quantity: 59,
      limitPrice: 410.2,
      referencePrice: 410,
      tradeValue: 24190,
      estimatedSpreadCost: 0,
      estimatedCommission: 1,
    });
  });

  it('reports the sizing NLV, leverage from zero and the turnover', () => {
    // after: (12,053.60 + 24,190.00) / 100,000 = 0.362436; turnover 36.2436%
    expect(result).toMatchObject({ sizingNetLiquidation: 98000, leverageBefore: 0, leverageAfter: 0.362436, turnoverPct: 36.2436 });
  });
});

describe('computePlanLines with a no-trade band', () => {
  // NLV 100,000, band 0.5% -> $500.00. Hold 50 at 100. Target = 100,000 x w / 100 shares.
  const cases = [
    // 5,300 -> 53 sh; trade 3 x 100 = 300 < 500
    {
      name: 'skips a buy inside the band',
      w: 0.053,
      action: 'NONE',
      quantity: 0,
      reason: 'NONE: inside no-trade band ($300.00 < 0.5% of NLV = $500.00); target 5.30% of NLV',
    },
    // 4,700 -> 47 sh; trade -3 -> 300 < 500
    { name: 'skips a sell inside the band', w: 0.047, action: 'NONE', quantity: 0, reason: 'NONE: inside no-trade band ($300.00 < 0.5%' },
    // 5,500 -> 55 sh; trade 5 x 100 = 500, not below 500
    { name: 'trades exactly at the band edge', w: 0.055, action: 'BUY', quantity: 5, reason: 'BUY 5: target 5.50% of NLV' },
    // 6,000 -> 60 sh; trade 10 -> 1,000
    { name: 'buys outside the band', w: 0.06, action: 'BUY', quantity: 10, reason: 'BUY 10: ' },
    // 4,000 -> 40 sh; trade -10 -> 1,000
    { name: 'sells outside the band', w: 0.04, action: 'SELL', quantity: 10, reason: 'SELL 10: ' },
    // 5,000 -> 50 sh = holding
    { name: 'does nothing at target', w: 0.05, action: 'NONE', quantity: 0, reason: 'NONE: at target; target 5.00% of NLV' },
  ];
  it.each(cases)('$name', ({ w, action, quantity, reason }) => {
    const line = lineOf(
      planFor({
        sizing: { noTradeBandPct: 0.5 },
        positions: { AAPL: 50 },
        quotes: { AAPL: last(100) },
        forecasts: [aForecast({ AAPL: w })],
      }),
      'AAPL',
    );
    expect(line).toMatchObject({ action, quantity });
    expect(line.reason.startsWith(reason)).toBe(true);
    if (action === 'NONE') expect(line.limitPrice).toBeUndefined();
  });
});

describe('computePlanLines with two strategies', () => {
  // NLV 100,000. A: cap 0.6, lev 1.5, SPY 0.5, QQQ 0.5. B: cap 0.4, lev 1, SPY 0.25, TLT 0.75.
  const result = planFor({
    forecasts: [aForecast({ SPY: 0.5, QQQ: 0.5 }, { capital: 0.6, leverage: 1.5 }), aForecast({ SPY: 0.25, TLT: 0.75 }, { capital: 0.4 })],
    quotes: { SPY: last(440), QQQ: last(450), TLT: last(90.5) },
  });

  it('sums the values of an overlapping ticker before converting to shares', () => {
    // 100,000 x 0.6 x 1.5 x 0.5 = 45,000 + 100,000 x 0.4 x 1 x 0.25 = 10,000 -> 55,000 / 440 = 125 exactly
    // (converting each first would give 102 + 22 = 124)
    expect(lineOf(result, 'SPY')).toMatchObject({ action: 'BUY', quantity: 125, targetValue: 55000, tradeValue: 55000 });
    expect(lineOf(result, 'SPY').reason).toBe(
      'BUY 125: target 55.00% of NLV ($55,000.00 = 100,000.00 x (cap 0.6 x lev 1.5 x w 0.5 + cap 0.4 x lev 1 x w 0.25)) at 440.00 = 125 sh, hold 0',
    );
  });

  it('sizes tickers held by one strategy only from its capital share', () => {
    // QQQ: 45,000 / 450 = 100. TLT: 100,000 x 0.4 x 0.75 = 30,000 / 90.5 = 331.49 -> 331; 331 x 90.5 = 29,955.50
    expect(lineOf(result, 'QQQ')).toMatchObject({ quantity: 100, targetValue: 45000 });
    expect(lineOf(result, 'TLT')).toMatchObject({ quantity: 331, targetValue: 30000, tradeValue: 29955.5 });
  });

  it('sorts the lines by symbol and totals the exposure', () => {
    // (55,000 + 45,000 + 29,955.50) / 100,000 = 1.299555
    expect(result.lines.map((l) => l.symbol)).toEqual(['QQQ', 'SPY', 'TLT']);
    expect(result).toMatchObject({ leverageAfter: 1.299555, turnoverPct: 129.9555 });
  });
});

describe('computePlanLines with sub-dollar prices', () => {
  // NLV 10,000, no contract details: the tick is 0.0001 below $1.
  const result = planFor({
    nlv: 10_000,
    forecasts: [aForecast({ PENNY: 0.1, DIME: 0.01 })],
    positions: { DIME: 5000 },
    quotes: { PENNY: { bid: 0.2901, ask: 0.2902 }, DIME: { bid: 0.0951, ask: 0.0953 } },
  });

  it('buys at the sub-dollar midpoint rounded down to 0.0001', () => {
    // mid 0.29015; 1,000 / 0.29015 = 3,446.49 -> 3,446 (3,447 x 0.29015 = 1,000.147 > 1,000)
    // trade 3,446 x 0.29015 = 999.8569 -> 999.86; limit 0.29015 -> 0.2901; spread 3,446 x 0.00005 = 0.1723 -> 0.17
    // commission 3,446 x 0.005 = 17.23, capped at 1% x 3,446 x 0.2901 = 9.996846 -> up to 10.00
    expect(lineOf(result, 'PENNY')).toMatchObject({
      action: 'BUY',
      quantity: 3446,
      referencePrice: 0.29015,
      limitPrice: 0.2901,
      tradeValue: 999.86,
      estimatedSpreadCost: 0.17,
      estimatedCommission: 10,
    });
  });

  it('sells at a sub-dollar midpoint that is already on a 0.0001 tick', () => {
    // mid 0.0952; 100 / 0.0952 = 1,050.42 -> 1,050; trade 1,050 - 5,000 = -3,950; 3,950 x 0.0952 = 376.04
    expect(lineOf(result, 'DIME')).toMatchObject({ action: 'SELL', quantity: 3950, limitPrice: 0.0952, tradeValue: 376.04 });
  });
});

describe('computePlanLines limit prices that land on a tick', () => {
  // NLV 100,000, weight 0.01 -> 1,000 of each; the limit must equal the exact decimal, not a float neighbour.
  const cases = [
    // 1,000 / 0.29 = 3,448.3 -> 3,448; 0.29 with 0 bps stays 0.29 (0.29 / 0.01 is 28.999999999999996 in doubles)
    { name: 'keeps 0.29 on its tick', price: 0.29, bps: 0, tick: 0.01, quantity: 3448, limit: 0.29 },
    // 1,000 / 1.10 = 909.1 -> 909
    { name: 'keeps 1.10 on its tick', price: 1.1, bps: 0, tick: 0.01, quantity: 909, limit: 1.1 },
    // 1,000 / 4.35 = 229.9 -> 229
    { name: 'keeps 4.35 on its tick', price: 4.35, bps: 0, tick: 0.01, quantity: 229, limit: 4.35 },
    // 1,000 / 100.07 = 9.99 -> 9
    { name: 'keeps 100.07 on its tick', price: 100.07, bps: 0, tick: 0.01, quantity: 9, limit: 100.07 },
    // 1,000 / 2 = 500; 2 x 1.005 = 2.01 exactly (2 * 1.005 is 2.0099999999999998 in doubles)
    { name: 'lands 2.00 plus 50 bps exactly on 2.01', price: 2, bps: 50, tick: 0.01, quantity: 500, limit: 2.01 },
    // 1,000 / 100 = 10; 100 x 1.001 = 100.1 exactly (100 * 1.001 is 100.09999999999999 in doubles)
    { name: 'lands 100.00 plus 10 bps exactly on 100.10', price: 100, bps: 10, tick: 0.01, quantity: 10, limit: 100.1 },
    // contract tick 0.05: 1,000 / 1.23 = 813.0 -> 813; 1.23 rounded down to 0.05 is 1.20
    { name: "rounds to the contract's own tick", price: 1.23, bps: 0, tick: 0.05, quantity: 813, limit: 1.2 },
  ];
  it.each(cases)('$name', ({ price, bps, tick, quantity, limit }) => {
    const line = lineOf(
      planFor({
        sizing: { limitOffsetBps: bps },
        forecasts: [aForecast({ X: 0.01 })],
        quotes: { X: last(price) },
        contracts: { X: { minTick: tick } },
      }),
      'X',
    );
    expect(line).toMatchObject({ action: 'BUY', quantity, limitPrice: limit });
  });
});

describe('computePlanLines closing positions', () => {
  it('sells a dropped ticker to zero even below the minimum order value, and buys back a dropped short', () => {
    // XYZ: 3 x 10 = $30 < $100 minimum, still sold. SHRT: -5 x 8 = $40, bought back.
    const result = planFor({
      sizing: { minOrderValue: 100, noTradeBandPct: 0.5 },
      managed: ['XYZ', 'SHRT'],
      positions: { XYZ: 3, SHRT: -5 },
      quotes: { XYZ: last(10), SHRT: last(8) },
    });
    expect(lineOf(result, 'XYZ')).toMatchObject({
      action: 'SELL',
      quantity: 3,
      targetQuantity: 0,
      targetValue: 0,
      targetWeight: 0,
      tradeValue: 30,
      limitPrice: 10,
      managed: true,
      reason: 'SELL 3: no longer in any forecast, closing to zero (hold 3 at 10.00)',
    });
    expect(lineOf(result, 'SHRT')).toMatchObject({ action: 'BUY', quantity: 5, targetQuantity: 0, tradeValue: 40 });
  });

  it('closes a forecast ticker whose target rounds to zero shares, even below the minimum', () => {
    // 100,000 x 0.0001 = $10 / 500 = 0.02 -> 0 sh; hold 1 -> SELL 1 ($500 < $1,000 minimum)
    const line = lineOf(
      planFor({
        sizing: { minOrderValue: 1000 },
        positions: { BIG: 1 },
        quotes: { BIG: last(500) },
        forecasts: [aForecast({ BIG: 0.0001 })],
      }),
      'BIG',
    );
    expect(line).toMatchObject({ action: 'SELL', quantity: 1, targetQuantity: 0 });
    expect(line.reason.endsWith('= 0 sh, hold 1, closing to zero')).toBe(true);
  });

  it('leaves a never-managed holding alone and reports it', () => {
    // 10 x 20 = 200 / 100,000 = 0.002 both now and as its target
    const result = planFor({ positions: { OLD: 10 }, quotes: { OLD: last(20) } });
    expect(lineOf(result, 'OLD')).toMatchObject({
      action: 'NONE',
      quantity: 0,
      currentQuantity: 10,
      targetQuantity: 10,
      targetValue: 200,
      currentWeight: 0.002,
      targetWeight: 0.002,
      managed: false,
      reason: 'NONE: not managed (never in a forecast), left alone; hold 10',
    });
    expect(result).toMatchObject({ leverageBefore: 0.002, leverageAfter: 0.002, turnoverPct: 0 });
  });

  it('gives no line to a flat position that is in no forecast', () => {
    const result = planFor({ positions: { FLAT: 0 }, forecasts: [aForecast({ AAPL: 0.1 })], quotes: { AAPL: last(100) } });
    expect(result.lines.map((l) => l.symbol)).toEqual(['AAPL']);
  });
});

describe('computePlanLines without a price', () => {
  it('plans nothing for a forecast ticker with no price, and never invents one', () => {
    // target value 100,000 x 0.1 = 10,000 is known; shares are not
    const result = planFor({
      positions: { AAPL: 7 },
      forecasts: [aForecast({ AAPL: 0.1 })],
      quotes: { AAPL: { bid: -1, ask: -1, last: -1, close: 190 } },
    });
    const line = lineOf(result, 'AAPL');
    expect(line).toMatchObject({
      action: 'NONE',
      quantity: 0,
      targetQuantity: 7,
      targetValue: 10000,
      targetWeight: 0.1,
      currentWeight: 0,
      tradeValue: 0,
      previousClose: 190,
    });
    expect(line.referencePrice).toBeUndefined();
    expect(line.limitPrice).toBeUndefined();
    expect(line.reason).toContain('no price');
    expect(result).toMatchObject({ leverageBefore: 0, leverageAfter: 0, turnoverPct: 0 });
  });

  it('does not sell a dropped ticker that has no price', () => {
    const line = lineOf(planFor({ managed: ['GONE'], positions: { GONE: 4 } }), 'GONE');
    expect(line).toMatchObject({ action: 'NONE', quantity: 0, targetQuantity: 0 });
    expect(line.reason).toContain('no price');
  });

  it('says both when a never-managed holding has no price', () => {
    expect(lineOf(planFor({ positions: { OLD: 1 } }), 'OLD').reason).toBe(
      'NONE: not managed (never in a forecast), left alone; hold 1; no price',
    );
  });

  it('plans nothing when the limit price rounds to zero', () => {
    // 100,000 x 0.001 = 100 / 0.00004 = 2,500,000 sh; BUY 0.00004 rounded down to 0.0001 = 0
    const line = lineOf(planFor({ forecasts: [aForecast({ DUST: 0.001 })], quotes: { DUST: last(0.00004) } }), 'DUST');
    expect(line).toMatchObject({ action: 'NONE', quantity: 0, targetQuantity: 2_500_000, tradeValue: 100 });
    expect(line.limitPrice).toBeUndefined();
    expect(line.reason).toContain('no valid BUY limit price (reference 0.00004, offset 0 bps, tick 0.0001)');
  });
});

describe('computePlanLines with short targets', () => {
  it('computes a negative target rounded toward zero (the short ban is a breaker elsewhere)', () => {
    // 100,000 x -0.1 = -10,000 / 30 = -333.33 -> -333 (toward zero, not -334); 333 x 30 = 9,990.00
    const line = lineOf(planFor({ forecasts: [aForecast({ SH: -0.1 })], quotes: { SH: last(30) } }), 'SH');
    expect(line).toMatchObject({
      action: 'SELL',
      quantity: 333,
      targetQuantity: -333,
      targetValue: -10000,
      targetWeight: -0.1,
      tradeValue: 9990,
      limitPrice: 30,
    });
    expect(line.reason).toBe(
      'SELL 333: target -10.00% of NLV (-$10,000.00 = 100,000.00 x cap 1 x lev 1 x w -0.1) at 30.00 = -333 sh, hold 0',
    );
  });

  it('sells through zero when a long position turns short', () => {
    // -333 - 100 = -433
    expect(lineOf(planFor({ positions: { SH: 100 }, forecasts: [aForecast({ SH: -0.1 })], quotes: { SH: last(30) } }), 'SH')).toMatchObject(
      { action: 'SELL', quantity: 433 },
    );
  });
});

describe('computePlanLines minimum order value', () => {
  // minimum $100; hold 50 at 40
  const cases = [
    // 100,000 x 0.0208 = 2,080 / 40 = 52; trade 2 x 40 = 80 < 100
    { name: 'skips a trade below the minimum', w: 0.0208, action: 'NONE', quantity: 0 },
    // 2,120 / 40 = 53; trade 3 x 40 = 120
    { name: 'sends a trade above the minimum', w: 0.0212, action: 'BUY', quantity: 3 },
    // 2,200 / 40 = 55; trade 5 x 40 = 200
    { name: 'sends a larger trade', w: 0.022, action: 'BUY', quantity: 5 },
  ];
  it.each(cases)('$name', ({ w, action, quantity }) => {
    const line = lineOf(
      planFor({ sizing: { minOrderValue: 100 }, positions: { K: 50 }, quotes: { K: last(40) }, forecasts: [aForecast({ K: w })] }),
      'K',
    );
    expect(line).toMatchObject({ action, quantity });
    if (action === 'NONE') expect(line.reason.startsWith('NONE: trade $80.00 below minimum order $100.00; target 2.08% of NLV')).toBe(true);
  });

  it('sends a trade exactly at the minimum', () => {
    // hold 10 at 50; 100,000 x 0.006 = 600 / 50 = 12; trade 2 x 50 = 100, not below 100
    const line = lineOf(
      planFor({ sizing: { minOrderValue: 100 }, positions: { K: 10 }, quotes: { K: last(50) }, forecasts: [aForecast({ K: 0.006 })] }),
      'K',
    );
    expect(line).toMatchObject({ action: 'BUY', quantity: 2, tradeValue: 100 });
  });
});

describe('computePlanLines cash buffer', () => {
  const cases = [
    // 50,000 x (1 - 10/100) = 45,000 / 100 = 450 sh; weight 45,000 / 50,000 = 0.9
    { name: 'sizes from NLV less a 10% buffer', buffer: 10, sizingNlv: 45000, quantity: 450, weight: 0.9 },
    // 50,000 x (1 - 2.5/100) = 48,750 / 100 = 487.5 -> 487
    { name: 'sizes from NLV less a 2.5% buffer', buffer: 2.5, sizingNlv: 48750, quantity: 487, weight: 0.975 },
    { name: 'sizes from the whole NLV with no buffer', buffer: 0, sizingNlv: 50000, quantity: 500, weight: 1 },
  ];
  it.each(cases)('$name', ({ buffer, sizingNlv, quantity, weight }) => {
    const result = planFor({ nlv: 50_000, sizing: { cashBufferPct: buffer }, forecasts: [aForecast({ A: 1 })], quotes: { A: last(100) } });
    expect(result.sizingNetLiquidation).toBe(sizingNlv);
    expect(lineOf(result, 'A')).toMatchObject({ quantity, targetWeight: weight });
  });
});

describe('computePlanLines leverage and turnover', () => {
  it('counts every priced position before and after the trades, including unmanaged ones', () => {
    // NLV 20,000. A: hold 100 @ 50, target 20,000 x 0.5 / 50 = 200 -> BUY 100 ($5,000).
    // B: hold -20 @ 100, dropped -> BUY 20 ($2,000). C: hold 10 @ 300, unmanaged. E: hold 10 @ 100, target
    // 20,000 x 0.05 / 100 = 10, at target. D: hold 5, no price (contributes 0).
    const result = planFor({
      nlv: 20_000,
      managed: ['B'],
      positions: { A: 100, B: -20, C: 10, D: 5, E: 10 },
      quotes: { A: last(50), B: last(100), C: last(300), E: last(100) },
      forecasts: [aForecast({ A: 0.5, D: 0.1, E: 0.05 })],
    });
    // before: (5,000 + 2,000 + 3,000 + 1,000) / 20,000 = 0.55
    // after:  (10,000 + 0 + 3,000 + 1,000) / 20,000 = 0.7
    // turnover: (5,000 + 2,000) / 20,000 x 100 = 35
    expect(result).toMatchObject({ leverageBefore: 0.55, leverageAfter: 0.7, turnoverPct: 35 });
    expect(result.lines.map((l) => `${l.symbol} ${l.action} ${l.quantity}`)).toEqual([
      'A BUY 100',
      'B BUY 20',
      'C NONE 0',
      'D NONE 0',
      'E NONE 0',
    ]);
  });
});

describe('computePlanLines with a non-positive NLV', () => {
  const cases = [
    { name: 'plans nothing when NLV is zero', nlv: 0 },
    { name: 'plans nothing when NLV is negative', nlv: -5000 },
    { name: 'plans nothing when NLV is NaN', nlv: Number.NaN },
  ];
  it.each(cases)('$name', ({ nlv }) => {
    const result = planFor({
      nlv,
      managed: ['GONE'],
      positions: { AAPL: 10, GONE: 3 },
      forecasts: [aForecast({ AAPL: 0.5 })],
      quotes: { AAPL: last(100), GONE: last(5) },
    });
    expect(result).toMatchObject({ sizingNetLiquidation: 0, leverageBefore: 0, leverageAfter: 0, turnoverPct: 0 });
    for (const line of result.lines) {
      expect(line).toMatchObject({ action: 'NONE', quantity: 0, targetQuantity: line.currentQuantity, currentWeight: 0 });
      expect(line.reason).toContain('NLV is not positive');
    }
  });
});

describe('computePlanLines costs', () => {
  // NLV 100,000; quote 49.99 / 50.01 -> mid 50, half spread 0.01; limit 50 at 0 bps.
  const cases = [
    // BUY 1,000: 1,000 x 0.005 = 5.00
    { name: 'estimates a fixed commission on a buy', model: 'fixed', hold: 0, side: 'BUY', commission: 5 },
    // SELL 1,000: 5.00 + SEC 50,000 x 0.0000278 = 1.39 + FINRA 1,000 x 0.000166 = 0.166 -> 6.556 -> 6.56
    { name: 'estimates a fixed commission and fees on a sell', model: 'fixed', hold: 2000, side: 'SELL', commission: 6.56 },
    // BUY 1,000: 3.50 + 0.20 clearing + 3.00 exchange = 6.70
    { name: 'estimates a tiered commission on a buy', model: 'tiered', hold: 0, side: 'BUY', commission: 6.7 },
    // SELL 1,000: 6.70 + 1.39 + 0.166 = 8.256 -> 8.26
    { name: 'estimates a tiered commission and fees on a sell', model: 'tiered', hold: 2000, side: 'SELL', commission: 8.26 },
  ] as const;
  it.each(cases)('$name', ({ model, hold, side, commission }) => {
    // target 100,000 x 0.5 / 50 = 1,000 sh; trade 1,000 either way; spread 1,000 x 0.01 = 10.00
    const line = lineOf(
      planFor({
        sizing: { commissionModel: model },
        positions: { Q: hold },
        forecasts: [aForecast({ Q: 0.5 })],
        quotes: { Q: { bid: 49.99, ask: 50.01 } },
      }),
      'Q',
    );
    expect(line).toMatchObject({ action: side, quantity: 1000, limitPrice: 50, estimatedCommission: commission, estimatedSpreadCost: 10 });
  });

  it('estimates no costs for a line with no order', () => {
    const line = lineOf(
      planFor({ positions: { Q: 1000 }, forecasts: [aForecast({ Q: 0.5 })], quotes: { Q: { bid: 49.99, ask: 50.01 } } }),
      'Q',
    );
    expect(line).toMatchObject({ action: 'NONE', estimatedCommission: 0, estimatedSpreadCost: 0 });
  });
});

describe('computePlanLines contract facts', () => {
  const result = planFor({
    forecasts: [
      aForecast(
        { AAPL: 0.1, SPY: 0.1, XYZ: 0.1 },
        { contracts: { SPY: { primaryExchange: 'ARCA' }, AAPL: { primaryExchange: 'IGNORED' } } },
      ),
    ],
    contracts: { AAPL: { primaryExchange: 'NASDAQ', currency: 'USD' } },
    quotes: { AAPL: { last: 190, close: 188.5 }, SPY: { last: 500, close: -1 }, XYZ: last(10) },
  });

  it("takes exchange and currency from the broker's contract first", () => {
    expect(lineOf(result, 'AAPL')).toMatchObject({ primaryExchange: 'NASDAQ', currency: 'USD', previousClose: 188.5 });
  });

  it("falls back to the forecast's hint, and leaves unknown facts undefined", () => {
    expect(lineOf(result, 'SPY')).toMatchObject({ primaryExchange: 'ARCA', currency: undefined, previousClose: undefined });
    expect(lineOf(result, 'XYZ')).toMatchObject({ primaryExchange: undefined, currency: undefined });
  });
});

describe('computePlanLines broken invariants', () => {
  it('throws rather than size from a NaN weight', () => {
    expect(() => planFor({ forecasts: [aForecast({ A: Number.NaN })], quotes: { A: last(1) } })).toThrow(
      /weights\.A is not a finite number/,
    );
  });

  it('throws rather than size from an infinite position', () => {
    expect(() => planFor({ positions: { A: Number.POSITIVE_INFINITY } })).toThrow(/position A: quantity/);
  });
});
