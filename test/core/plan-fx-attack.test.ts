import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { checkOrderValue, checkPositionLimit } from '../../src/core/breakers.js';
import type { ExchangeRate, Plan, PlanInputs, PlanLine } from '../../src/core/types.js';
import { anAccount, aForecast, someInputs, someLimits, someSizing, withInputs } from './builders.js';

/**
 * Attacks on sizing in the account's currency (issue 15). The invariant: nothing traded that no forecast asked for,
 * no order off by a rate or by 100x. Each expected figure is worked out again here in decimal.js.
 */

const AT = '2026-11-23T15:30:00Z';
const fx = (rate: number): ExchangeRate => ({ rate, at: AT, source: 'the account ledger' });
const D = (x: Decimal.Value): Decimal => new Decimal(x);

/** An SGD account, NLV 250,000.00, holding 100 SPY (USD); forecast: SPY 0.5. */
function sgd(overrides: Partial<PlanInputs> = {}): PlanInputs {
  return someInputs({
    account: anAccount({ currency: 'SGD', netLiquidation: 250_000, totalCash: 169_000, cushion: 0.6 }),
    positions: [{ account: 'DU0000001', symbol: 'SPY', quantity: 100, avgCost: 590 }],
    quotes: { SPY: { symbol: 'SPY', bid: 600.1, ask: 600.14, close: 598.7 } },
    contracts: { SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' } },
    forecasts: [aForecast({ weights: { SPY: 0.5 } })],
    managedSymbols: ['SPY'],
    sizing: someSizing({ cashBufferPct: 0, noTradeBandPct: 0.5, minOrderValue: 500, limitOffsetBps: 10 }),
    limits: someLimits({ maxPositionPct: 60, maxOrderPct: 60, maxOrderValue: 200_000, maxTurnoverPct: 80 }),
    exchangeRates: { USD: fx(1.3502) },
    ...overrides,
  });
}

function lineOf(plan: Plan, symbol: string): PlanLine {
  const line = plan.lines.find((l) => l.symbol === symbol);
  if (line === undefined) throw new Error(`no line for ${symbol}`);
  return line;
}

/** What would reach the broker: the plan's orders, when the run is allowed to send any. */
function sent(plan: Plan): PlanLine[] {
  if (plan.tradingState === 'HALTED') return [];
  return plan.lines.filter((l) => l.action !== 'NONE');
}

describe('absurd but positive rates', () => {
  it('a rate of 1e12 on a held ticker (the forecast wants it held) sends no sale', () => {
    const plan = planRebalance(sgd({ exchangeRates: { USD: fx(1e12) } }));
    // One share is worth 6e14 SGD: the target is 0 shares, so the plan would sell the 100 held; the sale's value
    // in SGD is absurd, and the order value limits halt the run.
    expect(lineOf(plan, 'SPY').reason).toMatch(/would have SELL 100 /);
    expect(plan.tradingState).toBe('HALTED');
    expect(plan.breaches.map((b) => b.code)).toContain('ORDER_VALUE_LIMIT');
    expect(sent(plan)).toEqual([]);
  });

  it('a rate of 1e-12 sends no purchase of absurd size', () => {
    const plan = planRebalance(sgd({ exchangeRates: { USD: fx(1e-12) } }));
    expect(plan.tradingState).toBe('HALTED');
    expect(sent(plan)).toEqual([]);
  });

  // NOT FIXED (design): every value limit is computed with the rate it is meant to guard, so a rate too SMALL by a
  // factor k (a ledger or FX quote read wrong, an inverted or per-100 JPY quote) makes every order k times too big
  // in the contract's currency while each value the breakers see stays in range. Here a USD rate of 1e-4 instead of
  // 1.3502 plans BUY 2,082,816 SPY at 600.72 USD (about 1.25 billion USD) in a 250,000 SGD account, ACTIVE, no
  // breach (CURRENCY_LOAN_LIMIT is blind too: the loan is valued at the same rate). The broker's own figures give an
  // independent check: IB's GrossPositionValue (in the base currency) says the 100 SPY held are worth 81,028.20 SGD,
  // while the plan values them at 6.00 SGD. A breaker comparing the two (per currency held) would halt this; a
  // currency not held yet has no such check. The rate too LARGE is caught (the sale's value trips
  // ORDER_VALUE_LIMIT, above). it.fails until such a check exists.
  it.fails('a rate 13,500 times too small (1e-4) sends no order 13,500 times too big: the broker values the position 81,028.20 SGD', () => {
    const account = anAccount({
      currency: 'SGD',
      netLiquidation: 250_000,
      totalCash: 168_971.8,
      grossPositionValue: 81_028.2,
      cushion: 0.6,
    });
    const plan = planRebalance(sgd({ account, exchangeRates: { USD: fx(1e-4) } }));
    expect(plan.tradingState).toBe('HALTED');
    expect(sent(plan)).toEqual([]);
  });

  it('a rate with 15 significant digits sizes to the share and the cent of the decimal computation', () => {
    const rate = 1.35021234567891;
    const plan = planRebalance(sgd({ exchangeRates: { USD: fx(rate) } }));
    const line = lineOf(plan, 'SPY');
    const share = D(600.1).plus(600.14).div(2).times(rate);
    const target = D(250_000).times(0.5).div(share).trunc();
    expect(line.targetQuantity).toBe(target.toNumber());
    expect(line.quantity).toBe(target.minus(100).toNumber());
    expect(line.tradeValue).toBe(target.minus(100).times(share).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber());
    expect(line.fx?.rate).toBe(rate);
  });

  it('a rate a double prints in exponent form (JPY-like 6.5e-7 SGD per unit) sizes exactly', () => {
    // A listing priced 2,000,000 units a share at 6.5e-7: 1.3 SGD a share.
    const rate = 6.5e-7;
    expect(String(rate)).toBe('6.5e-7');
    const plan = planRebalance(
      sgd({
        positions: [],
        quotes: { XJP: { symbol: 'XJP', bid: 1_999_000, ask: 2_001_000, close: 2_000_000 } },
        contracts: { XJP: { symbol: 'XJP', minTick: 1000, primaryExchange: 'TSEJ', currency: 'JPY' } },
        forecasts: [aForecast({ weights: { XJP: 0.001 } })],
        managedSymbols: ['XJP'],
        exchangeRates: { JPY: fx(rate) },
      }),
    );
    const line = lineOf(plan, 'XJP');
    // 250 SGD / 1.3 = 192 shares.
    expect(line.targetQuantity).toBe(D(250).div(D(2_000_000).times(rate)).trunc().toNumber());
    expect(line.targetQuantity).toBe(192);
  });
});

describe('currency codes', () => {
  it("a contract in 'usd' (lower case) with only a USD rate is never sized at rate 1: the run halts", () => {
    const plan = planRebalance(sgd({ contracts: { SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'usd' } } }));
    expect(plan.tradingState).toBe('HALTED');
    expect(plan.breaches.map((b) => b.code)).toContain('CURRENCY_MISMATCH');
    expect(sent(plan)).toEqual([]);
  });

  it('a contract with no currency and a forecast hint of GBP is sized at the GBP rate, not at 1', () => {
    const plan = planRebalance(
      sgd({
        positions: [],
        quotes: { VUKE: { symbol: 'VUKE', bid: 35.12, ask: 35.16, close: 35 } },
        contracts: { VUKE: { symbol: 'VUKE', minTick: 0.01, primaryExchange: 'LSEETF', currency: '' } },
        forecasts: [aForecast({ weights: { VUKE: 0.3 }, contracts: { VUKE: { currency: 'GBP' } } })],
        managedSymbols: ['VUKE'],
        exchangeRates: { GBP: fx(1.7215) },
      }),
    );
    const line = lineOf(plan, 'VUKE');
    expect(line.currency).toBe('GBP');
    expect(line.fx?.rate).toBe(1.7215);
    expect(line.targetQuantity).toBe(D(75_000).div(D(35.14).times(1.7215)).trunc().toNumber());
  });

  it('a contract whose currency is GBP wins over a forecast hint of USD', () => {
    const plan = planRebalance(
      sgd({
        positions: [],
        quotes: { VUKE: { symbol: 'VUKE', bid: 35.12, ask: 35.16, close: 35 } },
        contracts: { VUKE: { symbol: 'VUKE', minTick: 0.01, primaryExchange: 'LSEETF', currency: 'GBP' } },
        forecasts: [aForecast({ weights: { VUKE: 0.3 }, contracts: { VUKE: { currency: 'USD' } } })],
        managedSymbols: ['VUKE'],
        exchangeRates: { USD: fx(1.3502), GBP: fx(1.7215) },
      }),
    );
    expect(lineOf(plan, 'VUKE').fx?.rate).toBe(1.7215);
  });

  it('a held position in a currency with no rate, in no forecast and not managed, halts the run (its value is unknown)', () => {
    // Conservative: without the rate the account's leverage cannot be measured. Nothing trades it either way.
    const plan = planRebalance(
      sgd({
        positions: [
          { account: 'DU0000001', symbol: 'SPY', quantity: 100, avgCost: 590 },
          { account: 'DU0000001', symbol: 'NESN', quantity: 10, avgCost: 100 },
        ],
        quotes: {
          SPY: { symbol: 'SPY', bid: 600.1, ask: 600.14, close: 598.7 },
          NESN: { symbol: 'NESN', bid: 99.9, ask: 100.1, close: 100 },
        },
        contracts: {
          SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' },
          NESN: { symbol: 'NESN', minTick: 0.01, primaryExchange: 'EBS', currency: 'CHF' },
        },
        rateProblems: { CHF: 'no CHF.SGD quote' },
      }),
    );
    expect(lineOf(plan, 'NESN').action).toBe('NONE');
    expect(plan.breaches.find((b) => b.code === 'CURRENCY_MISMATCH')?.detail).toBe(
      "NESN trades in CHF but the account's currency is SGD, and there is no CHF rate: no CHF.SGD quote",
    );
    expect(sent(plan)).toEqual([]);
  });
});

describe('price magnifiers', () => {
  /** A GBP line quoted in pence, in an SGD account; forecast weight w. */
  function pence(o: { minTick: number; magnifier: number; bid: number; ask: number; weight?: number; held?: number }): PlanInputs {
    return sgd({
      positions: o.held === undefined ? [] : [{ account: 'DU0000001', symbol: 'VOD', quantity: o.held, avgCost: 1 }],
      quotes: { VOD: { symbol: 'VOD', bid: o.bid, ask: o.ask, close: (o.bid + o.ask) / 2 } },
      contracts: { VOD: { symbol: 'VOD', minTick: o.minTick, primaryExchange: 'LSE', currency: 'GBP', priceMagnifier: o.magnifier } },
      forecasts: [aForecast({ weights: { VOD: o.weight ?? 0.2 } })],
      managedSymbols: ['VOD'],
      exchangeRates: { GBP: fx(1.7215) },
    });
  }

  for (const minTick of [0.0001, 1]) {
    it(`magnifier 100 with a tick of ${minTick}: shares sized in pounds, the limit in pence on the tick`, () => {
      const plan = planRebalance(pence({ minTick, magnifier: 100, bid: 3514, ask: 3516 }));
      const line = lineOf(plan, 'VOD');
      const share = D(3515).div(100).times(1.7215);
      const target = D(50_000).div(share).trunc();
      expect(line.quantity).toBe(target.toNumber());
      expect(line.tradeValue).toBe(target.times(share).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber());
      // The limit stays in pence: 3515 x 1.001 = 3518.515, down to the tick.
      const limit = D(3515).times(1.001).div(minTick).floor().times(minTick).toNumber();
      expect(line.limitPrice).toBe(limit);
      expect(plan.tradingState).toBe('ACTIVE');
    });
  }

  it('magnifier 1000: one share is price / 1000 x rate', () => {
    const plan = planRebalance(pence({ minTick: 1, magnifier: 1000, bid: 35140, ask: 35140 }));
    const line = lineOf(plan, 'VOD');
    expect(line.targetQuantity).toBe(D(50_000).div(D(35.14).times(1.7215)).trunc().toNumber());
  });

  it('magnifier 100 on a USD line in a USD account: one share is price / 100', () => {
    const plan = planRebalance(
      someInputs({
        positions: [],
        quotes: { CENT: { symbol: 'CENT', bid: 5000, ask: 5000, close: 5000 } },
        contracts: { CENT: { symbol: 'CENT', minTick: 1, primaryExchange: 'NYSE', currency: 'USD', priceMagnifier: 100 } },
        forecasts: [aForecast({ weights: { CENT: 0.1 } })],
        managedSymbols: ['CENT'],
      }),
    );
    const line = lineOf(plan, 'CENT');
    // NLV 100,000 x 0.99 x 0.1 = 9,900 USD at 50.00 USD a share: 198 shares.
    expect(line.targetQuantity).toBe(198);
    expect(line.fx).toBeUndefined();
    expect(line.tradeValue).toBe(9_900);
  });

  it('a held pence line dropped from every forecast sells exactly what is held, valued in pounds', () => {
    const plan = planRebalance({
      ...pence({ minTick: 0.5, magnifier: 100, bid: 3514, ask: 3516, held: 1000 }),
      forecasts: [aForecast({ weights: { SPY: 0 } })],
    });
    const line = lineOf(plan, 'VOD');
    expect(line.action).toBe('SELL');
    expect(line.quantity).toBe(1000);
    expect(line.tradeValue).toBe(D(1000).times(35.15).times(1.7215).toDecimalPlaces(2).toNumber());
  });
});

describe('limits at the exact boundary in another currency', () => {
  // BUY 1,000 VOD at 3518.5 pence (GBP 1.7215): at the limit 1,000 x 35.185 x 1.7215 = 60,570.9775 -> 60,570.98 SGD.
  const vod = (): PlanLine => ({
    symbol: 'VOD',
    action: 'BUY',
    quantity: 1000,
    currentQuantity: 0,
    targetQuantity: 1000,
    referencePrice: 3515,
    limitPrice: 3518.5,
    tradeValue: 60_510.73,
    targetValue: 60_510.73,
    targetWeight: 0.242,
    currentWeight: 0,
    estimatedCommission: 0,
    estimatedSpreadCost: 0,
    managed: true,
    primaryExchange: 'LSE',
    currency: 'GBP',
    fx: fx(1.7215),
    priceMagnifier: 100,
    reason: '',
  });
  const account = anAccount({ currency: 'SGD', netLiquidation: 250_000 });

  it('ORDER_VALUE_LIMIT: exactly at MAX_ORDER_VALUE passes, a cent under it trips', () => {
    const at = D(1000).times(3518.5).div(100).times(1.7215).toDecimalPlaces(2, Decimal.ROUND_UP).toNumber();
    expect(at).toBe(60_570.98);
    const ctx = (max: number) => withInputs({ account, limits: someLimits({ maxOrderValue: max, maxOrderPct: 100 }) }, { lines: [vod()] });
    expect(checkOrderValue(ctx(at))).toEqual([]);
    expect(checkOrderValue(ctx(at - 0.01)).map((b) => b.code)).toEqual(['ORDER_VALUE_LIMIT']);
  });

  it('POSITION_LIMIT: exactly at MAX_POSITION_PCT passes, just under it trips', () => {
    // After: 1,000 x 3515 / 100 x 1.7215 = 60,510.725 SGD = 24.20429% of 250,000.
    const pct = D(1000).times(3515).div(100).times(1.7215).div(250_000).times(100).toNumber();
    expect(pct).toBe(24.20429);
    const ctx = (max: number) => withInputs({ account, limits: someLimits({ maxPositionPct: max }) }, { lines: [vod()] });
    expect(checkPositionLimit(ctx(pct))).toEqual([]);
    expect(checkPositionLimit(ctx(24.20428)).map((b) => b.code)).toEqual(['POSITION_LIMIT']);
  });
});
