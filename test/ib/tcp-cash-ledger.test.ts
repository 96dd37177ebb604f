import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { IbLog } from '../../src/adapters/ib/ib-log.js';
import { ACCOUNT, NOW, baseScenario, useIbHarness } from './support/ib-harness.js';

/**
 * Cash per currency and IB's exchange rates, read by the IB adapter over TCP from the simulated gateway's
 * `$LEDGER:ALL` summary rows: an SGD account holding SGD, USD and a borrowed GBP balance; both spellings of the ledger
 * keys (the 2026 `$LEDGER-` prefix); rates IB sends that cannot be used (missing, zero, negative, not a number).
 */

const h = useIbHarness();

function sgdAccount(gateway: Record<string, unknown> = {}): Record<string, unknown> {
  const base = baseScenario();
  return {
    ...base,
    quotes: { ...(base.quotes as object), SPY: { bid: 559.99, ask: 560.01, last: 560, close: 555 } },
    currency: 'SGD',
    cash: { SGD: 150_000, USD: 40_000.5, GBP: -1_250.25 },
    exchangeRates: { USD: 1.351234, GBP: 1.723456 },
    positions: { SPY: { quantity: 10, avgCost: 500 } },
    contracts: { SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
    gateway,
  };
}

function warnings(): { log: IbLog; seen: string[] } {
  const seen: string[] = [];
  const log: IbLog = { info: () => undefined, error: () => undefined, warn: (_fields, message) => seen.push(message) };
  return { log, seen };
}

const EXPECTED_BALANCES = [
  { currency: 'SGD', cash: 150_000, exchangeRate: 1 },
  { currency: 'GBP', cash: -1_250.25, exchangeRate: 1.723456 },
  { currency: 'USD', cash: 40_000.5, exchangeRate: 1.351234 },
];

describe('IB adapter over TCP: cash per currency and exchange rates', () => {
  it('reads the base currency, the cash of each currency (a borrowed one negative) and its rate, stamped on receipt', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const summary = await broker.accountSummary(ACCOUNT);
    expect(summary.currency).toBe('SGD');
    expect(summary.cashLedger).toEqual({ baseCurrency: 'SGD', balances: EXPECTED_BALANCES, ratesReadAt: NOW });
    // The account-level figures are in SGD (cents): USD and GBP cash and the USD position at their rates.
    const cash = new Decimal('40000.5').times('1.351234').plus(new Decimal('-1250.25').times('1.723456')).plus(150_000);
    expect(summary.totalCash).toBe(cash.toDecimalPlaces(2).toNumber());
    expect(summary.netLiquidation).toBe(cash.plus(new Decimal(5_600).times('1.351234')).toDecimalPlaces(2).toNumber());
  });

  it.each(['updates', 'all'] as const)(
    'reads the same whether TWS prefixes the ledger keys with $LEDGER- or not (keyPrefix %s)',
    async (keyPrefix) => {
      const gateway = await h.gateway(sgdAccount({ ledger: { keyPrefix } }));
      const broker = h.broker(gateway.port);
      await broker.connect();
      expect((await broker.accountSummary(ACCOUNT)).cashLedger?.balances).toEqual(EXPECTED_BALANCES);
    },
  );

  it.each([
    ['0', 'GBP'],
    ['-1.723456', 'GBP'],
    ['n/a', 'GBP'],
    ['', 'GBP'],
    [null, 'GBP'],
    ['1,35', 'USD'],
  ])('takes a rate of %j for %s as no rate, says so, and still reads the cash', async (text, currency) => {
    const gateway = await h.gateway(sgdAccount({ ledger: { keyPrefix: 'all', exchangeRateText: { [currency]: text } } }));
    const { log, seen } = warnings();
    const broker = h.broker(gateway.port, { log });
    await broker.connect();
    const balances = (await broker.accountSummary(ACCOUNT)).cashLedger?.balances ?? [];
    const expected = EXPECTED_BALANCES.map((b) => (b.currency === currency ? { currency, cash: b.cash } : b));
    expect(balances).toEqual(expected);
    expect(seen.filter((m) => m.includes(`no usable exchange rate for ${currency}`))).toHaveLength(1);
  });

  it('reads a rate IB prints in exponent form (Java prints rates under 0.001 so: a KRW rate of 9.3E-4)', async () => {
    const scenario = sgdAccount({ ledger: { exchangeRateText: { KRW: '9.3E-4', GBP: '1.723456E0' } } });
    const gateway = await h.gateway({
      ...scenario,
      cash: { ...(scenario.cash as object), KRW: 2_000_000 },
      exchangeRates: { ...(scenario.exchangeRates as object), KRW: 0.00093 },
    });
    const { log, seen } = warnings();
    const broker = h.broker(gateway.port, { log });
    await broker.connect();
    const balances = (await broker.accountSummary(ACCOUNT)).cashLedger?.balances ?? [];
    expect(balances.find((b) => b.currency === 'KRW')).toEqual({ currency: 'KRW', cash: 2_000_000, exchangeRate: 0.00093 });
    expect(balances.find((b) => b.currency === 'GBP')).toEqual({ currency: 'GBP', cash: -1_250.25, exchangeRate: 1.723456 });
    expect(seen.filter((m) => m.includes('no usable exchange rate'))).toEqual([]);
  });

  it('a USD account: one currency, rate 1, the figures as before', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const summary = await broker.accountSummary(ACCOUNT);
    expect(summary.cashLedger).toEqual({
      baseCurrency: 'USD',
      balances: [{ currency: 'USD', cash: summary.totalCash, exchangeRate: 1 }],
      ratesReadAt: NOW,
    });
  });
});
