import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import type { ExchangeRate, PlanInputs, PlanLine } from '../../src/core/types.js';
import { anAccount, aForecast, someInputs, someLimits, someSizing } from './builders.js';

/**
 * An SGD account holding US ETFs and one London listing (issue 15): every value on a plan line is in SGD, converted
 * with the broker's rate; quantities and prices stay the contract's. The expected numbers are worked out here again,
 * in decimal.js, from the scenario's figures: the hand computation the README's worked example shows.
 */

const USD: ExchangeRate = { rate: 1.3502, at: '2026-11-23T15:30:01Z', source: 'the account ledger' };
const GBP: ExchangeRate = { rate: 1.7215, at: '2026-11-23T15:30:02Z', source: 'IDEALPRO GBP.SGD midpoint' };

const D = (x: Decimal.Value): Decimal => new Decimal(x);

function sgdInputs(overrides: Partial<PlanInputs> = {}): PlanInputs {
  return someInputs({
    account: anAccount({ currency: 'SGD', netLiquidation: 250_000, totalCash: 169_000.5, cushion: 0.6 }),
    positions: [
      { account: 'DU0000001', symbol: 'SPY', quantity: 100, avgCost: 590 },
      { account: 'DU0000001', symbol: 'VUKE', quantity: 500, avgCost: 34.5 },
    ],
    quotes: {
      SPY: { symbol: 'SPY', bid: 600.1, ask: 600.14, close: 598.7 },
      IEF: { symbol: 'IEF', bid: 95.33, ask: 95.35, close: 95.2 },
      VUKE: { symbol: 'VUKE', bid: 35.12, ask: 35.16, close: 35.0 },
    },
    contracts: {
      SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' },
      IEF: { symbol: 'IEF', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' },
      VUKE: { symbol: 'VUKE', minTick: 0.01, primaryExchange: 'LSEETF', currency: 'GBP' },
    },
    forecasts: [aForecast({ leverage: 1.2, capital: 1, weights: { SPY: 0.4, IEF: 0.3, VUKE: 0.3 } })],
    managedSymbols: ['SPY', 'IEF', 'VUKE'],
    sizing: someSizing({ cashBufferPct: 2, noTradeBandPct: 0.5, minOrderValue: 500, limitOffsetBps: 10 }),
    limits: someLimits({ maxPositionPct: 60, maxOrderPct: 40, maxOrderValue: 100_000, maxTurnoverPct: 80 }),
    exchangeRates: { USD, GBP },
    ...overrides,
  });
}

/** The hand computation of one ticker: target value in SGD, one share in SGD, whole shares, trade value to the cent. */
function byHand(o: { weight: number; price: Decimal; rate: number; held: number }) {
  const sizingNlv = D(250_000).times(D(1).minus(D(2).div(100)));
  const targetValue = sizingNlv.times(1).times(1.2).times(o.weight);
  const share = o.price.times(o.rate);
  const target = targetValue.div(share).trunc();
  const trade = target.minus(o.held);
  return {
    targetValue: targetValue.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber(),
    share,
    target: target.toNumber(),
    trade: trade.toNumber(),
    tradeValue: trade.abs().times(share).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber(),
    currentWeight: share.times(o.held).div(250_000).toNumber(),
  };
}

function lineOf(lines: PlanLine[], symbol: string): PlanLine {
  const line = lines.find((l) => l.symbol === symbol);
  if (line === undefined) throw new Error(`no line for ${symbol}`);
  return line;
}

describe('sizing in the account currency: an SGD account with USD and GBP listings', () => {
  const plan = planRebalance(sgdInputs());

  it('plans every ticker to the cent of the hand computation, at the broker rate of its currency', () => {
    expect(plan.breaches).toEqual([]);
    expect(plan.tradingState).toBe('ACTIVE');
    const cases = [
      { symbol: 'SPY', weight: 0.4, price: D(600.1).plus(600.14).div(2), rate: USD.rate, held: 100 },
      { symbol: 'IEF', weight: 0.3, price: D(95.33).plus(95.35).div(2), rate: USD.rate, held: 0 },
      { symbol: 'VUKE', weight: 0.3, price: D(35.12).plus(35.16).div(2), rate: GBP.rate, held: 500 },
    ];
    for (const c of cases) {
      const hand = byHand(c);
      const line = lineOf(plan.lines, c.symbol);
      expect(line.targetValue, c.symbol).toBe(hand.targetValue);
      expect(line.targetQuantity, c.symbol).toBe(hand.target);
      expect(line.action, c.symbol).toBe(hand.trade > 0 ? 'BUY' : 'SELL');
      expect(line.quantity, c.symbol).toBe(Math.abs(hand.trade));
      expect(line.tradeValue, c.symbol).toBe(hand.tradeValue);
      expect(line.currentWeight, c.symbol).toBeCloseTo(hand.currentWeight, 12);
      // Prices stay the contract's: the limit is the mid plus 10 bps on the listing's own tick.
      expect(line.referencePrice, c.symbol).toBe(c.price.toNumber());
      expect(line.limitPrice, c.symbol).toBe(c.price.times(1.001).toDecimalPlaces(2, Decimal.ROUND_DOWN).toNumber());
      expect(line.fx?.rate, c.symbol).toBe(c.rate);
    }
    // The SGD values differ from what sizing in USD would have given by the rate: 117,600 SGD of SPY is 145 shares, not 195.
    expect(lineOf(plan.lines, 'SPY').targetQuantity).toBe(145);
  });

  it("gives the README's worked example, figure for figure", () => {
    const rows = ['SPY', 'IEF', 'VUKE'].map((s) => {
      const l = lineOf(plan.lines, s);
      return [s, l.targetValue, l.targetQuantity, `${l.action} ${l.quantity}`, l.tradeValue, l.limitPrice];
    });
    expect(rows).toEqual([
      ['SPY', 117_600, 145, 'BUY 45', 36_462.69, 600.72],
      ['IEF', 88_200, 685, 'BUY 685', 88_178.73, 95.43],
      ['VUKE', 88_200, 1_458, 'BUY 958', 57_952.78, 35.17],
    ]);
  });

  it('shows the rate, its source and time on each line, and the arithmetic in the reason', () => {
    const spy = lineOf(plan.lines, 'SPY');
    expect(spy.fx).toEqual(USD);
    expect(spy.reason).toContain('(SGD 117,600.00 = 245,000.00 x cap 1 x lev 1.2 x w 0.4)');
    expect(spy.reason).toContain('at USD 600.12 x 1.3502 = 810.282024 SGD = 145 sh');
    expect(lineOf(plan.lines, 'VUKE').fx).toEqual(GBP);
  });

  it('measures leverage and turnover in SGD', () => {
    const value = (symbol: string, rate: number, qty: number) =>
      D(lineOf(plan.lines, symbol).referencePrice ?? 0)
        .times(rate)
        .times(qty);
    const after = value('SPY', USD.rate, 145)
      .plus(value('IEF', USD.rate, lineOf(plan.lines, 'IEF').targetQuantity))
      .plus(value('VUKE', GBP.rate, lineOf(plan.lines, 'VUKE').targetQuantity));
    expect(plan.leverageAfter).toBeCloseTo(after.div(250_000).toNumber(), 12);
    const traded = plan.lines.reduce((s, l) => s.plus(l.tradeValue), D(0));
    expect(plan.turnoverPct).toBeCloseTo(traded.times(100).div(250_000).toNumber(), 12);
    // Near 1.2 x 0.98 of NLV: the forecast's leverage, not the leverage times a rate.
    expect(plan.leverageAfter).toBeGreaterThan(1.16);
    expect(plan.leverageAfter).toBeLessThan(1.18);
  });

  it('judges position and order limits on SGD values', () => {
    // SPY after: 145 x 810.282024 = 117,490.89 SGD = 47.0% of NLV; in USD it would read 34.8%.
    const tight = planRebalance(
      sgdInputs({ limits: someLimits({ maxPositionPct: 40, maxOrderPct: 30, maxOrderValue: 100_000, maxTurnoverPct: 80 }) }),
    );
    const breach = tight.breaches.find((b) => b.code === 'POSITION_LIMIT' && b.symbol === 'SPY');
    expect(breach?.detail).toContain('145 sh x 600.12 USD x 1.3502 = 117,490.89');
    // IEF's order at its limit, valued in SGD (more than in USD): a cap one cent below it trips.
    const ief = lineOf(plan.lines, 'IEF');
    const orderCap =
      D(ief.quantity)
        .times(ief.limitPrice ?? 0)
        .times(USD.rate)
        .toDecimalPlaces(2, Decimal.ROUND_UP)
        .toNumber() - 0.01;
    const capped = planRebalance(
      sgdInputs({ limits: someLimits({ maxPositionPct: 60, maxOrderPct: 100, maxOrderValue: orderCap, maxTurnoverPct: 80 }) }),
    );
    expect(capped.breaches.some((b) => b.code === 'ORDER_VALUE_LIMIT' && b.symbol === 'IEF')).toBe(true);
  });

  it('never sizes a ticker whose currency has no rate: CURRENCY_MISMATCH halts, with the broker words', () => {
    const halted = planRebalance(
      sgdInputs({ exchangeRates: { USD }, rateProblems: { GBP: 'no GBP.SGD quote: IB error 354, not subscribed' } }),
    );
    expect(halted.tradingState).toBe('HALTED');
    const vuke = lineOf(halted.lines, 'VUKE');
    expect(vuke.action).toBe('NONE');
    expect(vuke.targetQuantity).toBe(500);
    expect(vuke.reason).toBe('NONE: no exchange rate from GBP to SGD, nothing sized; hold 500');
    const b = halted.breaches.find((x) => x.code === 'CURRENCY_MISMATCH');
    expect(b?.symbol).toBe('VUKE');
    expect(b?.detail).toContain('no GBP rate: no GBP.SGD quote: IB error 354, not subscribed');
    expect(halted.lines.every((l) => l.action === 'NONE')).toBe(true);
  });

  it('a London line quoted in pence (priceMagnifier 100) is planned as the same line in pounds', () => {
    const pence = planRebalance(
      sgdInputs({
        quotes: { ...sgdInputs().quotes, VUKE: { symbol: 'VUKE', bid: 3512, ask: 3516, close: 3500 } },
        contracts: {
          ...sgdInputs().contracts,
          VUKE: { symbol: 'VUKE', minTick: 0.5, primaryExchange: 'LSE', currency: 'GBP', priceMagnifier: 100 },
        },
      }),
    );
    const inPounds = lineOf(plan.lines, 'VUKE');
    const inPence = lineOf(pence.lines, 'VUKE');
    expect(pence.breaches).toEqual([]);
    for (const key of ['targetValue', 'targetQuantity', 'quantity', 'tradeValue', 'currentWeight', 'targetWeight'] as const)
      expect(inPence[key], key).toBe(inPounds[key]);
    expect(inPence.priceMagnifier).toBe(100);
    // Prices stay in pence: 3514 x 1.001 = 3517.514, down to the half-penny tick.
    expect(inPence.referencePrice).toBe(3514);
    expect(inPence.limitPrice).toBe(3517.5);
    expect(inPence.reason).toContain('at GBP 3514.00 / 100 x 1.7215 = 60.49351 SGD = 1458 sh');
    expect(pence.leverageAfter).toBeCloseTo(plan.leverageAfter, 12);
    // A 100x error would show here: the position limit sees 1,458 x 35.14 GBP, not 1,458 x 3514.
    expect(pence.breaches.some((b) => b.code === 'POSITION_LIMIT')).toBe(false);
  });

  it.each([0, -1.35, Number.NaN, Number.POSITIVE_INFINITY])('takes a rate of %s for no rate', (rate) => {
    const halted = planRebalance(sgdInputs({ exchangeRates: { USD: { ...USD, rate }, GBP } }));
    expect(halted.tradingState).toBe('HALTED');
    expect(lineOf(halted.lines, 'SPY').fx).toBeUndefined();
    expect(halted.breaches.filter((b) => b.code === 'CURRENCY_MISMATCH').map((b) => b.symbol)).toEqual(['IEF', 'SPY']);
  });

  it('a USD account is planned as before: no rate on its USD lines, dollars in its reasons', () => {
    const usd = planRebalance(someInputs({ exchangeRates: { USD } }));
    const line = lineOf(usd.lines, 'AAPL');
    expect(line.fx).toBeUndefined();
    expect(line.reason).toMatch(/\(\$\d/);
  });
});

describe("the README's worked example under FX_POLICY=convert", () => {
  // The same account holding SGD 100,000 and USD 1,000.50 (no pounds); IDEALPRO quotes USD.SGD 1.35015/1.35025 and
  // GBP.SGD 1.72145/1.72155, whose midpoints are the rates.
  const market = (symbol: string, bid: number, ask: number) => ({ symbol, currency: 'SGD', bid, ask });
  const plan = planRebalance(
    sgdInputs({
      account: anAccount({
        currency: 'SGD',
        netLiquidation: 250_000,
        totalCash: 169_000.5,
        cushion: 0.6,
        cashLedger: {
          baseCurrency: 'SGD',
          balances: [
            { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
            { currency: 'USD', cash: 1_000.5, exchangeRate: USD.rate },
          ],
          ratesReadAt: USD.at,
        },
      }),
      sizing: someSizing({ cashBufferPct: 2, noTradeBandPct: 0.5, minOrderValue: 500, limitOffsetBps: 10, fxPolicy: 'convert' }),
      exchangeRates: {
        USD: { ...USD, market: market('USD', 1.35015, 1.35025) },
        GBP: { ...GBP, market: market('GBP', 1.72145, 1.72155) },
      },
    }),
  );

  it('buys each currency short after the orders, on its pair, at the midpoint + 10 bp down to IDEALPRO tick', () => {
    expect(plan.breaches).toEqual([]);
    // The same stock orders as under borrow.
    expect(plan.lines.map((l) => `${l.action} ${l.quantity} ${l.symbol} @ ${String(l.limitPrice)}`)).toEqual([
      'BUY 685 IEF @ 95.43',
      'BUY 45 SPY @ 600.72',
      'BUY 958 VUKE @ 35.17',
    ]);
    // USD: 45 x 600.72 + 685 x 95.43 = 92,401.95 spent, 1,000.50 held: 91,401.45 short, 91,402 bought.
    // GBP: 958 x 35.17 = 33,692.86 short, 33,693 bought. Limits: 1.3502 x 1.001 = 1.3515502 -> 1.35155;
    // 1.7215 x 1.001 = 1.7232215 -> 1.7232. Values: 91,402 x 1.35155 = 123,534.37; 33,693 x 1.7232 = 58,059.78.
    const usd = D(45).times(600.72).plus(D(685).times(95.43)).minus(1_000.5);
    expect(usd.toNumber()).toBe(91_401.45);
    expect(plan.conversions?.map((c) => [c.symbol, c.action, c.quantity, c.limitPrice, c.value])).toEqual([
      ['GBP.SGD', 'BUY', 33_693, 1.7232, 58_059.78],
      ['USD.SGD', 'BUY', 91_402, 1.35155, 123_534.37],
    ]);
    expect(plan.conversions?.[1]?.reason).toBe(
      "91,401.45 USD short after this run's orders: BUY 91402 USD.SGD @ 1.35155 (mid 1.3502 + 10 bp), 123,534.37 SGD",
    );
  });
});
