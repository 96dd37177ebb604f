import { describe, expect, it } from 'vitest';
import { checkCurrencyLoans } from '../../src/core/breakers.js';
import { inferCashFlow, type CashEffect, type CashReading, type InferenceInput } from '../../src/core/cash-flows.js';
import type { CashLedger, PlanLine } from '../../src/core/types.js';
import { aLine, anAccount, someLimits, withInputs } from './builders.js';

/**
 * Attacks on the cash side of issue 15: the currency loan breaker (CURRENCY_LOAN_LIMIT) and cash flows measured per
 * currency. The loan breaker must trip on what it cannot compare (README: "a number that cannot be compared (NaN)
 * always trips"); a flow must never be inferred from a currency whose cash is not known at both reads.
 */

const AT = '2026-11-23T15:30:00Z';
const usd = { rate: 1.35, at: AT, source: 'IDEALPRO USD.SGD midpoint' };
const ledger = (balances: CashLedger['balances']): CashLedger => ({ baseCurrency: 'SGD', balances, ratesReadAt: AT });
const account = (l: CashLedger) => anAccount({ currency: 'SGD', netLiquidation: 250_000, cashLedger: l });
const buySpy = (quantity: number, over: Partial<PlanLine> = {}): PlanLine =>
  aLine({
    symbol: 'SPY',
    currency: 'USD',
    fx: usd,
    action: 'BUY',
    quantity,
    limitPrice: 600,
    referencePrice: 599.5,
    currentQuantity: 0,
    ...over,
  });

describe('CURRENCY_LOAN_LIMIT attacks', () => {
  it('an order in a currency the ledger does not list at all is judged from zero at the run rate', () => {
    // 0 - 500 x 600 = -300,000 USD = 405,000 SGD = 162% of NLV.
    const l = ledger([{ currency: 'SGD', cash: 100_000, exchangeRate: 1 }]);
    const [b, ...rest] = checkCurrencyLoans(withInputs({ account: account(l), exchangeRates: { USD: usd } }, { lines: [buySpy(500)] }));
    expect(rest).toEqual([]);
    expect(b?.detail).toMatch(/^USD cash after this run's orders -300,000.00 USD \(-405,000.00 SGD at 1.35\) is a loan of 162.00%/);
  });

  it('a sale that crosses zero in a currency brings the cash up by its whole value', () => {
    const l = ledger([
      { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
      { currency: 'USD', cash: -200_000, exchangeRate: 1.35 },
    ]);
    // -200,000 + 150 x 600 = -110,000 USD = 148,500 SGD = 59.4%: under 100.
    const sell = buySpy(150, { action: 'SELL', currentQuantity: 100 });
    expect(checkCurrencyLoans(withInputs({ account: account(l) }, { lines: [sell] }))).toEqual([]);
    // Under a 59.39% limit it trips.
    const limits = someLimits({ maxCurrencyLoanPct: 59.39 });
    expect(checkCurrencyLoans(withInputs({ account: account(l), limits }, { lines: [sell] })).map((b) => b.code)).toEqual([
      'CURRENCY_LOAN_LIMIT',
    ]);
  });

  it('a line quoted in pence in a currency the ledger lists, at the boundary exactly: not tripped; a cent more: tripped', () => {
    const l = ledger([
      { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
      { currency: 'GBP', cash: 0, exchangeRate: 1.7215 },
    ]);
    // 1,000 x 3518.5 / 100 = 35,185 GBP = 60,570.9775 SGD = 24.228391% of 250,000.
    const vod = aLine({
      symbol: 'VOD',
      currency: 'GBP',
      priceMagnifier: 100,
      action: 'BUY',
      quantity: 1000,
      limitPrice: 3518.5,
      currentQuantity: 0,
    });
    const at = (max: number) =>
      checkCurrencyLoans(withInputs({ account: account(l), limits: someLimits({ maxCurrencyLoanPct: max }) }, { lines: [vod] }));
    expect(at(24.228391)).toEqual([]);
    expect(at(24.22839).map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
  });

  // FIXED in src/core/breakers-cash.ts: NaN cash was skipped (Decimal's NaN is not negative), so a ledger whose USD
  // balance could not be read let any purchase in USD through unjudged, against the README's rule that a number that
  // cannot be compared always trips.
  it('a currency whose cash is not a number trips when this run trades it (it cannot be compared)', () => {
    const l = ledger([
      { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
      { currency: 'USD', cash: Number.NaN, exchangeRate: 1.35 },
    ]);
    const breaches = checkCurrencyLoans(withInputs({ account: account(l) }, { lines: [buySpy(10)] }));
    expect(breaches.map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
    expect(breaches[0]?.detail).toMatch(/^USD cash .*NaN/);
  });

  // FIXED in src/core/breakers-cash.ts: a ledger rate that is not usable (NaN, 0) shadowed the run's usable rate
  // of the same currency (IDEALPRO's), and the loan went unjudged though the plan sized the purchase with a rate.
  it("a ledger rate that is not usable does not hide the run's rate of the same currency", () => {
    for (const bad of [Number.NaN, 0, -1.35]) {
      const l = ledger([
        { currency: 'SGD', cash: 100_000, exchangeRate: 1 },
        { currency: 'USD', cash: -50_000, exchangeRate: bad },
      ]);
      const breaches = checkCurrencyLoans(withInputs({ account: account(l), exchangeRates: { USD: usd } }, { lines: [buySpy(300)] }));
      expect(breaches.map((b) => b.code)).toEqual(['CURRENCY_LOAN_LIMIT']);
    }
  });
});

const LAST = '2026-11-23T15:35:00.000Z';
const NOW = '2026-11-23T16:35:00.000Z';

const reading = (
  at: string,
  cash: Record<string, number> | undefined,
  rates: Record<string, number>,
  positions: Record<string, number>,
  total?: number,
): CashReading => ({
  at,
  cash: total ?? Object.entries(cash ?? {}).reduce((sum, [c, v]) => sum + v * (rates[c] ?? 1), 0),
  currency: 'SGD',
  positions: new Map(Object.entries(positions)),
  ...(cash === undefined ? {} : { cashByCurrency: new Map(Object.entries(cash)) }),
  rates: new Map(Object.entries(rates)),
});

const fill = (over: Partial<CashEffect> = {}): CashEffect => ({
  symbol: 'SPY',
  side: 'BUY',
  quantity: 100,
  price: 600.12,
  commission: 1.05,
  time: '2026-11-23T15:50:00.000Z',
  currency: 'USD',
  ...over,
});

const input = (last: CashReading, now: CashReading, executions: CashEffect[] = []): InferenceInput => ({
  last,
  now,
  executions,
  unknownOutcomes: 0,
  quietMinutes: 5,
  minimum: 1,
});

describe('cash flows per currency: attacks', () => {
  it('a currency spent to exactly 0 that the ledger stops listing: no flow (its executions explain it)', () => {
    const last = reading(LAST, { SGD: 300_000, USD: 60_013.05 }, { SGD: 1, USD: 1.3502 }, {});
    const now = reading(NOW, { SGD: 300_000 }, { SGD: 1 }, { SPY: 100 });
    expect(inferCashFlow(input(last, now, [fill()]))).toMatchObject({ kind: 'none' });
  });

  it('a currency that vanishes from the ledger with no execution: unknown (no rate to value it), never a guess', () => {
    const last = reading(LAST, { SGD: 300_000, USD: 1_000 }, { SGD: 1, USD: 1.3502 }, {});
    const now = reading(NOW, { SGD: 300_000 }, { SGD: 1 }, {});
    const r = inferCashFlow(input(last, now));
    expect(r.kind).toBe('unknown');
    if (r.kind === 'unknown') expect(r.reason).toBe('USD: -1,000.00 unexplained, and no USD rate at this read');
  });

  it('an execution in a currency neither read listed (IB converted at the trade): unknown, not an SGD withdrawal', () => {
    // SGD fell by 100 x 600.12 x 1.3502 + commission: no USD balance at either read.
    const last = reading(LAST, { SGD: 300_000 }, { SGD: 1 }, {});
    const now = reading(NOW, { SGD: 300_000 - 81_030.04 }, { SGD: 1 }, { SPY: 100 });
    expect(inferCashFlow(input(last, now, [fill()])).kind).toBe('unknown');
  });

  it('the read before migration 0017 (no cash per currency) then one with it, the account holding dollars: unknown', () => {
    const last = reading(LAST, undefined, { SGD: 1, USD: 1.3502 }, { SPY: 100 }, 300_000 - 81_030.04);
    const now = reading(NOW, { SGD: 300_000, USD: -60_013.05 }, { SGD: 1, USD: 1.3561 }, { SPY: 100 });
    const r = inferCashFlow(input(last, now));
    expect(r.kind).toBe('unknown');
  });

  it('a fill of a line quoted in pence moves its pounds by price / 100: no flow', () => {
    const last = reading(LAST, { SGD: 300_000, GBP: 40_000 }, { SGD: 1, GBP: 1.7215 }, {});
    const now = reading(NOW, { SGD: 300_000, GBP: 40_000 - 35_145 - 3 }, { SGD: 1, GBP: 1.73 }, { VOD: 1000 });
    const vod = fill({ symbol: 'VOD', quantity: 1000, price: 3514.5, commission: 3, currency: 'GBP', priceMagnifier: 100 });
    expect(inferCashFlow(input(last, now, [vod]))).toMatchObject({ kind: 'none' });
  });

  it('the same fill with the magnifier unknown is not explained: a 100x error shows as unexplained money, never silently', () => {
    const last = reading(LAST, { SGD: 300_000, GBP: 40_000 }, { SGD: 1, GBP: 1.7215 }, {});
    const now = reading(NOW, { SGD: 300_000, GBP: 40_000 - 35_145 - 3 }, { SGD: 1, GBP: 1.7215 }, { VOD: 1000 });
    const vod = fill({ symbol: 'VOD', quantity: 1000, price: 3514.5, commission: 3, currency: 'GBP' });
    const r = inferCashFlow(input(last, now, [vod]));
    // Read as pounds the fill would have cost 3,514,500 GBP: 3,479,355 GBP "came in". Loud, not hidden.
    expect(r).toMatchObject({ kind: 'flow' });
    if (r.kind === 'flow') expect(r.amount).toBeGreaterThan(5_000_000);
  });
});
