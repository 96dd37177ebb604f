import { EventName } from '@stoqey/ib';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, MIDDAY, collect, connectClient, once, startTestGateway, type TrackedClient } from './helpers.js';

/**
 * The cash ledger of an account in several currencies, as TWS serves it over TCP to @stoqey/ib (its Decoder is the
 * oracle of the frames: a 505 fails the test): `$LEDGER`, `$LEDGER:<CCY>` and `$LEDGER:ALL` in the account summary
 * (63), the same keys per currency in account updates (6) with the account time (8) and the download end (54), the
 * 2026 `$LEDGER-` key prefix, and exchange rates that move with the scenario.
 */

const SGD_SCENARIO = {
  ...BASE_SCENARIO,
  account: 'DU1234567',
  currency: 'SGD',
  cash: { SGD: 150_000, USD: 40_000.5, GBP: -1_250.25 },
  exchangeRates: { USD: 1.351234, GBP: 1.723456 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  contracts: { ...BASE_SCENARIO.contracts, SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
};

type SummaryRow = { tag: string; value: string; currency: string };
type Row = [key: string, value: string, currency: string, account: string];

async function summary(client: TrackedClient, reqId: number, tags: string): Promise<SummaryRow[]> {
  const rows = await collect<[number, string, string, string, string]>(
    client.api,
    EventName.accountSummary,
    EventName.accountSummaryEnd,
    () => client.api.reqAccountSummary(reqId, 'All', tags),
    (id) => id === reqId,
  );
  client.api.cancelAccountSummary(reqId);
  return rows.map(([, , tag, value, currency]) => ({ tag, value, currency }));
}

/** reqAccountUpdates: every account value until the download end, and the account times sent before it. */
async function download(client: TrackedClient): Promise<{ values: Row[]; times: string[] }> {
  const values: Row[] = [];
  const times: string[] = [];
  const api = client.api as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
  api.on(EventName.updateAccountValue, (...args) => values.push(args as Row));
  api.on(EventName.updateAccountTime, (time) => times.push(time as string));
  const end = once<[string]>(client.api, EventName.accountDownloadEnd);
  client.api.reqAccountUpdates(true, 'DU1234567');
  await end;
  return { values, times };
}

const value = (rows: SummaryRow[], tag: string, currency: string) => rows.find((r) => r.tag === tag && r.currency === currency)?.value;

describe('the ledger of an account in several currencies', () => {
  it('$LEDGER:ALL gives BASE and every currency held, each with its cash and rate; $LEDGER only BASE; $LEDGER:GBP only GBP', async () => {
    const { gateway } = await startTestGateway(SGD_SCENARIO);
    const client = await connectClient(gateway.port, 7);
    const all = await summary(client, 3, '$LEDGER:ALL,NetLiquidation');
    expect([...new Set(all.filter((r) => r.tag !== 'NetLiquidation').map((r) => r.currency))]).toEqual(['BASE', 'SGD', 'GBP', 'USD']);
    expect(['BASE', 'SGD', 'GBP', 'USD'].map((c) => value(all, 'ExchangeRate', c))).toEqual(['1.00', '1.00', '1.723456', '1.351234']);
    expect(['SGD', 'GBP', 'USD'].map((c) => value(all, 'CashBalance', c))).toEqual(['150000.00', '-1250.25', '40000.50']);
    expect(value(all, 'StockMarketValue', 'USD')).toBe('5600.00');
    expect(value(all, 'RealCurrency', 'BASE')).toBe('SGD');
    // BASE: everything in SGD, to four decimals; NetLiquidation the same to the cent, in SGD.
    const cash = new Decimal('150000').plus(new Decimal('40000.5').times('1.351234')).plus(new Decimal('-1250.25').times('1.723456'));
    expect(value(all, 'CashBalance', 'BASE')).toBe(cash.toDecimalPlaces(4).toFixed());
    const nlv = cash.plus(new Decimal(5600).times('1.351234'));
    expect(all.find((r) => r.tag === 'NetLiquidation')).toEqual({ tag: 'NetLiquidation', value: nlv.toFixed(2), currency: 'SGD' });
    expect(new Set((await summary(client, 4, '$LEDGER')).map((r) => r.currency))).toEqual(new Set(['BASE']));
    expect(new Set((await summary(client, 5, '$LEDGER:GBP')).map((r) => r.currency))).toEqual(new Set(['GBP']));
    expect(await summary(client, 6, '$LEDGER:EUR')).toEqual([]);
  });

  it('account updates carry the same keys per currency, then the account time and the end; $LEDGER- prefixed when TWS is set so', async () => {
    for (const keyPrefix of ['none', 'updates'] as const) {
      const { gateway } = await startTestGateway({ ...SGD_SCENARIO, gateway: { ledger: { keyPrefix } } });
      const client = await connectClient(gateway.port, 7);
      const { values, times } = await download(client);
      const p = keyPrefix === 'updates' ? '$LEDGER-' : '';
      const v = new Map(values.map(([key, val, currency]) => [`${key}|${currency}`, val]));
      expect(v.get(`${p}CashBalance|GBP`)).toBe('-1250.25');
      expect(v.get(`${p}TotalCashBalance|USD`)).toBe('40000.50');
      expect(v.get(`${p}ExchangeRate|USD`)).toBe('1.351234');
      expect(v.get(`${p}ExchangeRate|BASE`)).toBe('1.00');
      // Account-level keys are never prefixed.
      expect(v.has('NetLiquidation|SGD')).toBe(true);
      expect(v.has(`${p === '' ? '$LEDGER-' : ''}CashBalance|GBP`)).toBe(false);
      expect(times).toHaveLength(1);
      expect(times[0]).toMatch(/^\d\d:\d\d$/);
      // The summary keeps the plain spelling unless told otherwise ("all").
      expect(value(await summary(client, 9, '$LEDGER:GBP'), 'CashBalance', 'GBP')).toBe('-1250.25');
    }
  });

  it('keyPrefix "all" prefixes the summary rows too; exchangeRateText sends what it says, or no rate at all', async () => {
    const { gateway } = await startTestGateway({
      ...SGD_SCENARIO,
      gateway: { ledger: { keyPrefix: 'all', exchangeRateText: { GBP: 'n/a', USD: null } } },
    });
    const client = await connectClient(gateway.port, 7);
    const all = await summary(client, 3, '$LEDGER:ALL');
    expect(all.every((r) => r.tag.startsWith('$LEDGER-'))).toBe(true);
    expect(value(all, '$LEDGER-ExchangeRate', 'GBP')).toBe('n/a');
    expect(value(all, '$LEDGER-ExchangeRate', 'USD')).toBeUndefined();
    expect(value(all, '$LEDGER-CashBalance', 'USD')).toBe('40000.50');
  });

  it('a moving rate: printed to 7 significant digits, it changes with the clock; BASE is valued at the unrounded rate', async () => {
    const moving = { ...SGD_SCENARIO, exchangeRates: { USD: { rate: 1.35, dailyVol: 0.01 }, GBP: 1.723456 } };
    const rates: string[] = [];
    for (const now of [MIDDAY, '2026-11-25T17:00:00Z']) {
      const { gateway } = await startTestGateway(moving, { now });
      const client = await connectClient(gateway.port, 7);
      const all = await summary(client, 3, '$LEDGER:ALL');
      const rate = value(all, 'ExchangeRate', 'USD') ?? '';
      expect(new Decimal(rate).precision()).toBeLessThanOrEqual(7);
      rates.push(rate);
      // BASE is not rebuilt from the printed rate: at most a few hundredths of a cent apart per SGD.
      const fromPrinted = new Decimal('150000').plus(new Decimal('40000.5').times(rate)).plus(new Decimal('-1250.25').times('1.723456'));
      expect(new Decimal(value(all, 'CashBalance', 'BASE') ?? '').minus(fromPrinted).abs().toNumber()).toBeLessThan(0.05);
    }
    expect(rates[0]).not.toBe(rates[1]);
  });
});
