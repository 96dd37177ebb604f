import { describe, expect, it } from 'vitest';
import { inferCashFlow, type CashEffect, type CashReading, type InferenceInput } from '../../src/core/cash-flows.js';

/**
 * An SGD account that buys US ETFs with IB's loan of dollars (FX_POLICY=borrow): its total cash in SGD moves with
 * every purchase in USD and with every move of the rate, though no money came in or went out. Flows are measured per
 * currency, each exactly in its own, then valued at the read's rates.
 */

const LAST = '2026-11-23T15:35:00.000Z';
const NOW = '2026-11-23T16:35:00.000Z';

const reading = (
  at: string,
  cash: Record<string, number>,
  rates: Record<string, number>,
  positions: Record<string, number>,
): CashReading => ({
  at,
  // The total as IB gives it: each currency at its rate.
  cash: Object.entries(cash).reduce((sum, [c, v]) => sum + v * (rates[c] ?? 1), 0),
  currency: 'SGD',
  positions: new Map(Object.entries(positions)),
  cashByCurrency: new Map(Object.entries(cash)),
  rates: new Map(Object.entries(rates)),
});

const buySpy = (over: Partial<CashEffect> = {}): CashEffect => ({
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

describe('cash flows of an account in several currencies', () => {
  it('a purchase in borrowed dollars while the rate moves: no flow', () => {
    const last = reading(LAST, { SGD: 300_000 }, { SGD: 1, USD: 1.3502 }, {});
    // USD -60,013.05 (100 x 600.12 + 1.05), the rate moved from 1.3502 to 1.3561: SGD total cash fell 81,383.70.
    const now = reading(NOW, { SGD: 300_000, USD: -60_013.05 }, { SGD: 1, USD: 1.3561 }, { SPY: 100 });
    const r = inferCashFlow(input(last, now, [buySpy()]));
    expect(r.kind).toBe('none');
    if (r.kind === 'none') expect(r.description).toContain('USD -60,013.05 (executions -60,013.05)');
  });

  it('a deposit in SGD beside a purchase in USD: the deposit, to the cent', () => {
    const last = reading(LAST, { SGD: 300_000, USD: 1_000.5 }, { SGD: 1, USD: 1.3502 }, {});
    const now = reading(NOW, { SGD: 310_000, USD: 1_000.5 - 60_013.05 }, { SGD: 1, USD: 1.3544 }, { SPY: 100 });
    expect(inferCashFlow(input(last, now, [buySpy()]))).toMatchObject({ kind: 'flow', amount: 10_000 });
  });

  it('a dividend paid in dollars: its value in SGD at the read rate', () => {
    const last = reading(LAST, { SGD: 300_000, USD: -60_013.05 }, { SGD: 1, USD: 1.3502 }, { SPY: 100 });
    const now = reading(NOW, { SGD: 300_000, USD: -60_013.05 + 171.3 }, { SGD: 1, USD: 1.3502 }, { SPY: 100 });
    const r = inferCashFlow(input(last, now));
    // 171.30 x 1.3502 = 231.289... -> 231.29 SGD.
    expect(r).toMatchObject({ kind: 'flow', amount: 231.29 });
    if (r.kind === 'flow') expect(r.description).toContain('+231.29 SGD came in at this read');
  });

  it('unknown without the cash per currency at both reads (the rates alone move the total)', () => {
    const last = { ...reading(LAST, { SGD: 300_000 }, { SGD: 1, USD: 1.3502 }, {}), cashByCurrency: undefined };
    const now = reading(NOW, { SGD: 300_000, USD: -60_013.05 }, { SGD: 1, USD: 1.3561 }, { SPY: 100 });
    const r = inferCashFlow(input(last, now, [buySpy()]));
    expect(r.kind).toBe('unknown');
    if (r.kind === 'unknown') expect(r.reason).toContain('cash per currency is not known at both reads');
  });

  it('unknown when an execution currency is not known', () => {
    const last = reading(LAST, { SGD: 300_000 }, { SGD: 1, USD: 1.3502 }, {});
    const now = reading(NOW, { SGD: 300_000, USD: -60_013.05 }, { SGD: 1, USD: 1.3502 }, { SPY: 100 });
    const r = inferCashFlow(input(last, now, [buySpy({ currency: undefined })]));
    expect(r).toMatchObject({ kind: 'unknown', reason: 'the currency of an execution of SPY is not known' });
  });

  it('money unexplained in a currency without a rate: unknown; explained money needs none', () => {
    const last = reading(LAST, { SGD: 300_000, GBP: 0 }, { SGD: 1 }, {});
    const gbpBuy = buySpy({ symbol: 'VUKE', price: 35.14, quantity: 10, commission: 0, currency: 'GBP' });
    const explained = reading(NOW, { SGD: 300_000, GBP: -351.4 }, { SGD: 1 }, { VUKE: 10 });
    expect(inferCashFlow(input(last, explained, [gbpBuy])).kind).toBe('none');
    const unexplained = reading(NOW, { SGD: 300_000, GBP: -251.4 }, { SGD: 1 }, { VUKE: 10 });
    const r = inferCashFlow(input(last, unexplained, [gbpBuy]));
    expect(r).toMatchObject({ kind: 'unknown', reason: 'GBP: 100.00 unexplained, and no GBP rate at this read' });
  });

  it('a line quoted in pence moves its pounds by price / 100', () => {
    const last = reading(LAST, { SGD: 300_000, GBP: 5_000 }, { SGD: 1, GBP: 1.7215 }, {});
    const now = reading(NOW, { SGD: 300_000, GBP: 5_000 - 3_514 - 3 }, { SGD: 1, GBP: 1.7215 }, { VOD: 100 });
    const penceBuy = buySpy({ symbol: 'VOD', price: 3514, quantity: 100, commission: 3, currency: 'GBP', priceMagnifier: 100 });
    expect(inferCashFlow(input(last, now, [penceBuy])).kind).toBe('none');
    // Read without the magnifier, the same purchase would look like 347,886 GBP coming in.
    const r = inferCashFlow(input(last, now, [{ ...penceBuy, priceMagnifier: undefined }]));
    expect(r.kind).toBe('flow');
  });

  it('an account of one currency is measured as before, from its total cash', () => {
    const one = (at: string, cash: number): CashReading => ({
      at,
      cash,
      currency: 'SGD',
      positions: new Map(),
      cashByCurrency: new Map([['SGD', cash]]),
    });
    expect(inferCashFlow(input(one(LAST, 300_000), one(NOW, 295_000)))).toMatchObject({ kind: 'flow', amount: -5_000 });
  });
});
