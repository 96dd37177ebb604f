import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { checkCurrencyLoans } from '../../src/core/breakers.js';
import { planConversions } from '../../src/core/conversions.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { cashAfter, projectCash } from '../../src/core/cash-projection.js';
import type { CashLedger, ExchangeRate, FxQuote, PlanInputs, PlanLine } from '../../src/core/types.js';
import { aForecast, aLine, anAccount, someInputs, someLimits, someSizing, withInputs } from './builders.js';

/**
 * FX_POLICY=convert (issue 15): an SGD account whose orders spend or bring in dollars or Hong Kong dollars gets one
 * conversion per currency on the pair IB lists, funding the shortfall or sweeping the proceeds, never more.
 * Expected figures are worked out again here in decimal.js.
 */

const AT = '2026-11-23T15:30:01Z';
const USD_SGD: FxQuote = { symbol: 'USD', currency: 'SGD', bid: 1.35, ask: 1.3504 };
const SGD_HKD: FxQuote = { symbol: 'SGD', currency: 'HKD', bid: 5.7998, ask: 5.8002 };
const usd = (market: FxQuote | null = USD_SGD, rate = 1.3502): ExchangeRate => ({
  rate,
  at: AT,
  source: 'the account ledger',
  ...(market === null ? {} : { market }),
});
const hkd: ExchangeRate = { rate: 0.1724, at: AT, source: 'IDEALPRO SGD.HKD midpoint, inverted', market: SGD_HKD };

function ledger(balances: Record<string, number>): CashLedger {
  const rates: Record<string, number> = { SGD: 1, USD: 1.3502, HKD: 0.1724 };
  return {
    baseCurrency: 'SGD',
    balances: Object.entries(balances).map(([currency, cash]) => ({ currency, cash, exchangeRate: rates[currency] ?? 1 })),
    ratesReadAt: AT,
  };
}

function inputs(
  o: { cash?: Record<string, number>; convert?: boolean; rates?: Record<string, ExchangeRate> } & Partial<PlanInputs> = {},
): PlanInputs {
  const { cash, convert, rates, ...rest } = o;
  return someInputs({
    account: anAccount({ currency: 'SGD', netLiquidation: 100_000, cushion: 0.6, cashLedger: ledger(cash ?? { SGD: 50_000, USD: 0 }) }),
    sizing: someSizing({ fxPolicy: convert === false ? 'borrow' : 'convert', limitOffsetBps: 10, minConversionValue: 1000 }),
    limits: someLimits({ maxOrderValue: 100_000, maxCurrencyLoanPct: 100, maxPositionPct: 60, maxOrderPct: 60 }),
    exchangeRates: rates ?? { USD: usd() },
    ...rest,
  });
}

const spy = (action: 'BUY' | 'SELL' | 'NONE', quantity: number, currentQuantity = 0): PlanLine =>
  aLine({ symbol: 'SPY', currency: 'USD', fx: usd(), action, quantity, limitPrice: 600, referencePrice: 599.5, currentQuantity });
const tencent = (action: 'BUY' | 'SELL', quantity: number): PlanLine =>
  aLine({ symbol: '700', currency: 'HKD', fx: hkd, action, quantity, limitPrice: 400, referencePrice: 399.8, currentQuantity: 0 });

/** The BUY limit: mid x (1 + 10 bp), down to the tick 0.00005; the SELL one: mid x (1 - 10 bp), up to it. */
function limits(q: FxQuote) {
  const mid = new Decimal(q.bid).plus(q.ask).div(2);
  const tick = new Decimal('0.00005');
  return {
    mid: mid.toNumber(),
    buy: mid.times(1.001).div(tick).floor().times(tick).toNumber(),
    sell: mid.times(0.999).div(tick).ceil().times(tick).toNumber(),
  };
}

describe('planConversions (FX_POLICY=convert)', () => {
  it('funds a purchase in dollars the account does not hold: BUY the shortfall on USD.SGD at the midpoint + the offset', () => {
    // 20 SPY at the limit 600 spend 12,000 USD; the account holds none.
    const [c, ...rest] = planConversions(inputs(), [spy('BUY', 20)]);
    expect(rest).toEqual([]);
    const { mid, buy } = limits(USD_SGD);
    expect(buy).toBe(1.35155); // 1.3502 x 1.001 = 1.3515502, down to the half pip
    expect(c).toMatchObject({ symbol: 'USD.SGD', purpose: 'fund', action: 'BUY', quantity: 12_000, limitPrice: buy, referencePrice: mid });
    expect(c?.value).toBe(new Decimal(12_000).times(buy).toNumber()); // 16,218.60 SGD
    expect(c?.reason).toBe("12,000.00 USD short after this run's orders: BUY 12000 USD.SGD @ 1.35155 (mid 1.3502 + 10 bp), 16,218.60 SGD");
  });

  it('buys only what the dollars held do not cover, and nothing when they cover it', () => {
    expect(planConversions(inputs({ cash: { SGD: 50_000, USD: 4_000.5 } }), [spy('BUY', 20)])[0]).toMatchObject({ quantity: 8_000 });
    expect(planConversions(inputs({ cash: { SGD: 50_000, USD: 12_000 } }), [spy('BUY', 20)])).toEqual([]);
  });

  it('funds a loan left from an earlier run (borrowed while the FX market was closed) in a currency the plan trades', () => {
    const [c] = planConversions(inputs({ cash: { SGD: 50_000, USD: -3_000 } }), [spy('NONE', 0, 20)]);
    expect(c).toMatchObject({ action: 'BUY', quantity: 3_000, purpose: 'fund' });
  });

  it('sweeps back only what its own sales brought in, never a balance held on purpose', () => {
    const { sell } = limits(USD_SGD);
    // 10 SPY sold at 600: 6,000 USD in. Held 5,000 USD besides: those stay.
    const [c] = planConversions(inputs({ cash: { SGD: 50_000, USD: 5_000 } }), [spy('SELL', 10, 20)]);
    expect(c).toMatchObject({ symbol: 'USD.SGD', purpose: 'sweep', action: 'SELL', quantity: 6_000, limitPrice: sell });
    // A loan of 2,000 USD takes the first of the proceeds: 4,000 come back.
    const [d] = planConversions(inputs({ cash: { SGD: 50_000, USD: -2_000 } }), [spy('SELL', 10, 20)]);
    expect(d).toMatchObject({ action: 'SELL', quantity: 4_000 });
  });

  it('on a pair listed the other way (SGD.HKD) sells enough SGD at its limit to bring the whole shortfall', () => {
    // 100 shares at HKD 400: 40,000 HKD short. SELL SGD at the limit L (HKD per SGD): ceil(40,000 / L) SGD.
    const rates = { USD: usd(), HKD: hkd };
    const [c] = planConversions(inputs({ rates, cash: { SGD: 50_000 } }), [tencent('BUY', 100)]);
    const { sell } = limits(SGD_HKD);
    const quantity = new Decimal(40_000).div(sell).ceil().toNumber();
    expect(c).toMatchObject({ symbol: 'SGD.HKD', currency: 'HKD', action: 'SELL', quantity, limitPrice: sell, value: quantity });
    expect(new Decimal(quantity).times(sell).gte(40_000)).toBe(true);
    // Its sweep: BUY SGD with the proceeds, at most what they pay for at the limit.
    const [s] = planConversions(inputs({ rates, cash: { SGD: 50_000, HKD: 0 } }), [{ ...tencent('SELL', 100), currentQuantity: 100 }]);
    const { buy } = limits(SGD_HKD);
    expect(s).toMatchObject({ action: 'BUY', quantity: new Decimal(40_000).div(buy).floor().toNumber(), purpose: 'sweep' });
  });

  it('leaves a conversion worth less than MIN_CONVERSION_VALUE: the order borrows, the line says so', () => {
    // 1 SPY: 600 USD, about 810 SGD < 1,000.
    const [c] = planConversions(inputs(), [spy('BUY', 1)]);
    expect(c?.action).toBe('NONE');
    expect(c?.reason).toBe(
      "600.00 USD short after this run's orders; BUY 600 USD.SGD @ 1.35155 (mid 1.3502 + 10 bp) would be worth 810.93 SGD < " +
        "MIN_CONVERSION_VALUE 1,000.00: the orders borrow USD (IB's loan) meanwhile",
    );
  });

  it('without an FX quote (the market closed, a one-sided or crossed quote) places nothing and says why', () => {
    const closed = planConversions(inputs({ rates: { USD: usd(null) } }), [spy('BUY', 20)]);
    expect(closed[0]).toMatchObject({ action: 'NONE', symbol: 'USD.SGD' });
    expect(closed[0]?.reason).toContain('no FX quote of USD against SGD');
    const crossed = planConversions(inputs({ rates: { USD: usd({ ...USD_SGD, bid: 1.36, ask: 1.35 }) } }), [spy('BUY', 20)]);
    expect(crossed[0]?.reason).toContain('crossed');
    const other = planConversions(inputs({ rates: { USD: usd({ ...USD_SGD, currency: 'HKD' }) } }), [spy('BUY', 20)]);
    expect(other[0]?.reason).toContain('not a pair of USD and SGD');
    expect([closed, crossed, other].map((c) => c[0]?.action)).toEqual(['NONE', 'NONE', 'NONE']);
  });

  it('plans none in a currency a conversion of ours moved just before the account read (its cash may be stale)', () => {
    const why = 'our conversion BUY 12000 USD.SGD executed at 16:27, within 5 minutes of this account read';
    const [c] = planConversions(inputs({ conversionsSettling: { USD: why } }), [spy('BUY', 20)]);
    expect(c).toMatchObject({ action: 'NONE', symbol: 'USD.SGD' });
    expect(c?.reason).toBe(`12,000.00 USD short after this run's orders; ${why}: the orders borrow USD (IB's loan) meanwhile`);
  });

  it('cuts a conversion to MAX_ORDER_VALUE per order it pays for; the rest is borrowed', () => {
    // One order of 60,000 USD and an old loan of 50,000 USD: 110,000 USD, about 148,700 SGD > 100,000 x 1.
    const [c] = planConversions(inputs({ cash: { SGD: 200_000, USD: -50_000 } }), [spy('BUY', 100)]);
    const { buy } = limits(USD_SGD);
    expect(c?.quantity).toBe(new Decimal(100_000).div(buy).floor().toNumber());
    expect(c?.value).toBeLessThanOrEqual(100_000);
    expect(c?.reason).toContain('cut to MAX_ORDER_VALUE 100,000.00 x 1 order(s) in USD: the rest is borrowed');
  });

  it('under FX_POLICY=borrow there is nothing to convert; without the cash per currency nothing is, and the plan says so', () => {
    expect(planConversions(inputs({ convert: false }), [spy('BUY', 20)])).toEqual([]);
    const noLedger = inputs({ account: anAccount({ currency: 'SGD', netLiquidation: 100_000 }) });
    const [c, ...rest] = planConversions(noLedger, [spy('BUY', 20)]);
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ symbol: 'USD.SGD', action: 'NONE' });
    expect(c?.reason).toBe(
      "the broker gave no cash per currency: what is short in USD is not known, nothing converted; the orders borrow USD (IB's loan)",
    );
    expect(planConversions(noLedger, [spy('NONE', 0, 20)])).toEqual([]);
  });
});

describe('the plan under FX_POLICY=convert', () => {
  /** An SGD account buying SPY with no dollars: 40% of 98,000 SGD at 600 x 1.3502 = 48 shares. */
  function spyPlan(o: Parameters<typeof inputs>[0] = {}) {
    return inputs({
      positions: [],
      quotes: { SPY: { symbol: 'SPY', bid: 599.9, ask: 600.1, close: 598 } },
      contracts: { SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' } },
      forecasts: [aForecast({ leverage: 1, capital: 1, weights: { SPY: 0.4 } })],
      managedSymbols: ['SPY'],
      ...o,
    });
  }

  it('plans the stock orders and the conversion that pays for them; borrow plans the same orders and none', () => {
    const convert = planRebalance(spyPlan());
    const borrow = planRebalance(spyPlan({ convert: false }));
    expect(convert.tradingState).toBe('ACTIVE');
    expect(convert.lines).toEqual(borrow.lines);
    expect(borrow.conversions).toBeUndefined();
    const spyLine = convert.lines.find((l) => l.symbol === 'SPY');
    expect(spyLine).toMatchObject({ action: 'BUY', quantity: 48 });
    const spend = new Decimal(48).times(spyLine?.limitPrice ?? NaN);
    expect(convert.conversions).toEqual([
      expect.objectContaining({ symbol: 'USD.SGD', action: 'BUY', quantity: spend.ceil().toNumber(), purpose: 'fund' }),
    ]);
  });

  it('the loan limit counts the conversions: a purchase that would borrow past it goes when converted', () => {
    // 48 SPY = about 38,900 SGD of dollars; a loan limit of 10% of NLV trips under borrow, not under convert
    // (SGD 50,000 - 38,900 stays positive).
    const tight = { limits: someLimits({ maxOrderValue: 100_000, maxCurrencyLoanPct: 10, maxPositionPct: 60, maxOrderPct: 60 }) };
    expect(planRebalance(spyPlan({ ...tight, convert: false })).breaches.map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
    const convert = planRebalance(spyPlan(tight));
    expect(convert.breaches).toEqual([]);
    expect(convert.conversions?.[0]?.action).toBe('BUY');
    // It still judges the base currency the conversion spends: with 10,000 SGD, the SGD loan trips instead.
    const poor = planRebalance(spyPlan({ ...tight, cash: { SGD: 10_000, USD: 0 } }));
    expect(poor.breaches.map((b) => b.detail.slice(0, 3))).toEqual(['SGD']);
    expect(poor.tradingState).toBe('REDUCING');
    expect(poor.conversions).toEqual([]);
  });

  it('halts when the FX quote disagrees with the rate the orders were sized with (PRICE_COLLAR): nothing goes', () => {
    const lying = { ...USD_SGD, bid: 1.4999, ask: 1.5001 };
    const plan = planRebalance(spyPlan({ rates: { USD: usd(lying) } }));
    expect(plan.tradingState).toBe('HALTED');
    expect(plan.breaches.map((b) => b.code)).toEqual(['PRICE_COLLAR']);
    expect(plan.breaches[0]?.detail).toContain(
      'the USD.SGD quote values USD at 1.5, 11.0947% from the rate the orders were sized with (1.3502, the account ledger)',
    );
    expect(plan.lines.every((l) => l.action === 'NONE')).toBe(true);
    expect(plan.conversions?.every((c) => c.action === 'NONE' && c.reason.startsWith('blocked (HALTED: PRICE_COLLAR)'))).toBe(true);
  });

  it('counts conversions in MAX_ORDERS_PER_RUN', () => {
    const plan = planRebalance(
      spyPlan({ limits: someLimits({ maxOrderValue: 100_000, maxOrdersPerRun: 1, maxPositionPct: 60, maxOrderPct: 60 }) }),
    );
    expect(plan.breaches.map((b) => b.detail)).toEqual(['1 orders and 1 conversion(s) > max 1 per run']);
    expect(plan.tradingState).toBe('HALTED');
  });

  it('a plan HALTED for another reason converts nothing', () => {
    const plan = planRebalance(spyPlan({ priorBreaches: [{ code: 'KILL_SWITCH', detail: 'halted' }] }));
    expect(plan.conversions).toEqual([]);
  });

  it('the loan check alone: under convert a funded purchase is no loan', () => {
    const ctx = withInputs(inputs({ limits: someLimits({ maxCurrencyLoanPct: 1 }) }), { lines: [spy('BUY', 20)] });
    expect(checkCurrencyLoans(ctx)).toEqual([]);
    const borrowCtx = withInputs(inputs({ convert: false, limits: someLimits({ maxCurrencyLoanPct: 1 }) }), { lines: [spy('BUY', 20)] });
    expect(checkCurrencyLoans(borrowCtx).map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
  });
});

describe('REDUCING on a loan the conversion itself would make', () => {
  /**
   * 198 SPY (160,403.76 SGD) bought with a loan of 20,000 SGD and one of 30,000 USD from earlier runs: NLV 99,897.76
   * SGD, SPY at its target. Funding the old USD loan would spend 40,5xx SGD: SGD -60,5xx, past 50% of NLV.
   */
  function loaded(fxPolicy: 'convert' | 'borrow'): PlanInputs {
    return someInputs({
      account: anAccount({
        currency: 'SGD',
        netLiquidation: 99_897.76,
        cushion: 0.6,
        cashLedger: ledger({ SGD: -20_000, USD: -30_000 }),
      }),
      positions: [{ account: 'DU0000001', symbol: 'SPY', quantity: 198, avgCost: 590 }],
      quotes: { SPY: { symbol: 'SPY', bid: 599.9, ask: 600.1, close: 598 } },
      contracts: { SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' } },
      forecasts: [aForecast({ leverage: 1, capital: 1, weights: { SPY: (198 * 600 * 1.3502) / (99_897.76 * 0.99) } })],
      managedSymbols: ['SPY'],
      sizing: someSizing({ fxPolicy, limitOffsetBps: 10, minConversionValue: 1000 }),
      limits: someLimits({ maxOrderValue: 100_000, maxCurrencyLoanPct: 50, maxPositionPct: 200, maxOrderPct: 60 }),
      exchangeRates: { USD: usd() },
    });
  }

  it('never sends a conversion that leaves the currency it pays with past MAX_CURRENCY_LOAN_PCT', () => {
    expect(planRebalance(loaded('borrow')).breaches).toEqual([]);
    const plan = planRebalance(loaded('convert'));
    expect(plan.tradingState).toBe('REDUCING');
    const [c] = plan.conversions ?? [];
    expect(c?.action).toBe('NONE');
    expect(c?.reason).toMatch(/^held back \(REDUCING\): BUY \d+ USD\.SGD would leave SGD cash after this run's orders -60,/);
    const projection = projectCash(
      loaded('convert'),
      plan.lines,
      (plan.conversions ?? []).filter((x) => x.action !== 'NONE'),
    );
    expect(projection === undefined ? NaN : cashAfter(projection, 'SGD').toNumber()).toBeGreaterThanOrEqual(-49_948.88);
  });
});
