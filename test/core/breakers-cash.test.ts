import { describe, expect, it } from 'vitest';
import { checkCurrencyLoans } from '../../src/core/breakers.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import type { CashLedger } from '../../src/core/types.js';
import { aForecast, aLine, anAccount, someInputs, someLimits, withInputs } from './builders.js';

/** An SGD account, NLV 250,000.00 SGD, holding 100,000 SGD and owing 50,000 USD (rate 1.35). */
const LEDGER: CashLedger = {
  baseCurrency: 'SGD',
  balances: [
    { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
    { currency: 'USD', cash: -50_000, exchangeRate: 1.35 },
  ],
  ratesReadAt: '2026-11-23T15:30:00Z',
};
const account = (ledger: CashLedger = LEDGER) => anAccount({ currency: 'SGD', netLiquidation: 250_000, cashLedger: ledger });
const usd = { rate: 1.35, at: '2026-11-23T15:30:00Z', source: 'the account ledger' };
const buySpy = (quantity: number) =>
  aLine({ symbol: 'SPY', currency: 'USD', fx: usd, action: 'BUY', quantity, limitPrice: 600, referencePrice: 599.5, currentQuantity: 0 });

describe('the currency loan limit (MAX_CURRENCY_LOAN_PCT)', () => {
  it('trips when a purchase takes a borrowed currency past the limit, valued in the base currency', () => {
    // USD after: -50,000 - 300 x 600 = -230,000 USD = -310,500.00 SGD = 124.2% of NLV.
    const [b, ...rest] = checkCurrencyLoans(withInputs({ account: account() }, { lines: [buySpy(300)] }));
    expect(rest).toEqual([]);
    expect(b?.code).toBe('CURRENCY_LOAN_LIMIT');
    expect(b?.detail).toBe(
      "USD cash after this run's orders -230,000.00 USD (-310,500.00 SGD at 1.35) is a loan of 124.20% of NLV 250,000.00 > max 100.00% (MAX_CURRENCY_LOAN_PCT); IB lends it and charges interest",
    );
  });

  it('passes under the limit, and at it exactly', () => {
    // -50,000 - 80 x 600 = -98,000 USD = 132,300 SGD = 52.92%.
    expect(checkCurrencyLoans(withInputs({ account: account() }, { lines: [buySpy(80)] }))).toEqual([]);
    const limits = someLimits({ maxCurrencyLoanPct: 52.92 });
    expect(checkCurrencyLoans(withInputs({ account: account(), limits }, { lines: [buySpy(80)] }))).toEqual([]);
    const lower = someLimits({ maxCurrencyLoanPct: 52.91 });
    expect(checkCurrencyLoans(withInputs({ account: account(), limits: lower }, { lines: [buySpy(80)] }))).toHaveLength(1);
  });

  it('a loan already past the limit trips with no order, and a sale in that currency counts toward it', () => {
    const deep: CashLedger = { ...LEDGER, balances: [LEDGER.balances[0]!, { currency: 'USD', cash: -200_000, exchangeRate: 1.35 }] };
    const [none] = checkCurrencyLoans(withInputs({ account: account(deep) }, { lines: [] }));
    expect(none?.detail).toMatch(/^USD cash -200,000.00 USD/);
    const sell = aLine({ symbol: 'SPY', currency: 'USD', fx: usd, action: 'SELL', quantity: 100, limitPrice: 600, currentQuantity: 300 });
    // -200,000 + 60,000 = -140,000 USD = 189,000 SGD = 75.6%: back under.
    expect(checkCurrencyLoans(withInputs({ account: account(deep) }, { lines: [sell] }))).toEqual([]);
  });

  it('a line quoted in pence moves its pounds by price / 100', () => {
    const gbp: CashLedger = { ...LEDGER, balances: [...LEDGER.balances, { currency: 'GBP', cash: 0, exchangeRate: 1.72 }] };
    const buy = aLine({
      symbol: 'VOD',
      currency: 'GBP',
      priceMagnifier: 100,
      action: 'BUY',
      quantity: 10_000,
      limitPrice: 3514,
      currentQuantity: 0,
    });
    // 10,000 x 3514 / 100 = 351,400 GBP = 604,408 SGD (241.8%), not 100 times that.
    const [b] = checkCurrencyLoans(withInputs({ account: account(gbp) }, { lines: [buy] }));
    expect(b?.detail).toContain("GBP cash after this run's orders -351,400.00 GBP (-604,408.00 SGD at 1.72) is a loan of 241.7632%");
  });

  it('the base currency counts too (a margin loan), a currency without a rate is left to CURRENCY_MISMATCH', () => {
    const owing: CashLedger = {
      ...LEDGER,
      balances: [
        { currency: 'SGD', cash: -260_000, exchangeRate: 1 },
        { currency: 'HKD', cash: -9e6 },
      ],
    };
    const breaches = checkCurrencyLoans(withInputs({ account: account(owing) }, { lines: [] }));
    expect(breaches.map((b) => b.detail.slice(0, 3))).toEqual(['SGD']);
  });

  it('a broker that gives no cash per currency is not judged here (leverage and the cushion govern the loan)', () => {
    expect(
      checkCurrencyLoans(withInputs({ account: anAccount({ currency: 'SGD', netLiquidation: 250_000 }) }, { lines: [buySpy(300)] })),
    ).toEqual([]);
  });

  it('in a plan: only reducing orders go (REDUCING), the sale of the borrowed currency listing among them', () => {
    const plan = planRebalance(
      someInputs({
        account: account(),
        positions: [{ account: 'DU0000001', symbol: 'QQQ', quantity: 100, avgCost: 500 }],
        quotes: {
          SPY: { symbol: 'SPY', bid: 599.9, ask: 600.1, close: 600 },
          QQQ: { symbol: 'QQQ', bid: 499.9, ask: 500.1, close: 500 },
        },
        contracts: {
          SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' },
          QQQ: { symbol: 'QQQ', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' },
        },
        forecasts: [aForecast({ leverage: 1.5, weights: { SPY: 0.9 } })],
        managedSymbols: ['SPY', 'QQQ'],
        exchangeRates: { USD: usd },
        limits: someLimits({
          maxPositionPct: 200,
          maxOrderPct: 200,
          maxOrderValue: 1e7,
          maxTurnoverPct: 1000,
          maxDailyTurnoverPct: 1000,
          maxLeverage: 3,
        }),
      }),
    );
    expect(plan.breaches.map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
    expect(plan.tradingState).toBe('REDUCING');
    const spy = plan.lines.find((l) => l.symbol === 'SPY');
    const qqq = plan.lines.find((l) => l.symbol === 'QQQ');
    expect(spy?.action).toBe('NONE');
    expect(spy?.reason).toMatch(/^blocked \(REDUCING: CURRENCY_LOAN_LIMIT\)/);
    expect(qqq?.action).toBe('SELL');
  });
});
