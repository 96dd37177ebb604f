import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { SimAccount } from '../../src/sim/sim-account.js';

/**
 * An account in another base currency than USD, holding cash in several currencies (one of them borrowed), with
 * the scenario's exchange rates: the simulated account's cash per currency, its rates, and its base-currency figures.
 */

// Wednesday 2026-01-14 (EST), 12:00 New York.
const MIDDAY = '2026-01-14T17:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-currencies-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(content: object): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

const SGD_ACCOUNT = {
  account: 'DU0000002',
  currency: 'SGD',
  cash: { SGD: 50_000, USD: 20_000.25, GBP: -1_250.5 },
  exchangeRates: { USD: 1.351234, GBP: 1.723456 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  quotes: { SPY: { bid: 559.99, ask: 560.01, last: 560 } },
  contracts: { SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
  fills: { partialFillProbability: 0 },
};

function open(scenarioFile: string, now = MIDDAY): SimAccount {
  return SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile, now, commissionModel: 'fixed' });
}

describe('the simulated account in several currencies', () => {
  it('reports cash per currency (a borrowed one negative) with the rates, and values all of it in SGD', async () => {
    const sim = open(await write(SGD_ACCOUNT));
    const s = sim.summary();
    expect(s.currency).toBe('SGD');
    expect(s.cashLedger).toEqual({
      baseCurrency: 'SGD',
      balances: [
        { currency: 'SGD', cash: 50_000, exchangeRate: 1 },
        { currency: 'GBP', cash: -1_250.5, exchangeRate: 1.723456 },
        { currency: 'USD', cash: 20_000.25, exchangeRate: 1.351234 },
      ],
      ratesReadAt: MIDDAY,
    });
    // By hand: 50,000 + 20,000.25 x 1.351234 - 1,250.5 x 1.723456 = 74,869.6... in cash; SPY 10 x 560 USD.
    const cash = new Decimal(50_000).plus(new Decimal('20000.25').times('1.351234')).plus(new Decimal('-1250.5').times('1.723456'));
    expect(s.totalCash).toBe(cash.toDecimalPlaces(2).toNumber());
    expect(s.netLiquidation).toBe(cash.plus(new Decimal(5_600).times('1.351234')).toDecimalPlaces(2).toNumber());
    expect(s.grossPositionValue).toBe(new Decimal(5_600).times('1.351234').toDecimalPlaces(2).toNumber());
  });

  it('a fill of a USD listing moves the USD cash, not the SGD', async () => {
    const sim = open(await write(SGD_ACCOUNT));
    const order = sim.place({
      orderRef: 'rebal:t:1',
      symbol: 'SPY',
      action: 'BUY',
      quantity: 50,
      limitPrice: 561,
      adaptivePriority: 'Normal',
      primaryExchange: 'ARCA',
      currency: 'USD',
    });
    expect(order.filled).toBe(50);
    const balances = sim.summary().cashLedger?.balances ?? [];
    const usd = balances.find((b) => b.currency === 'USD')?.cash ?? Number.NaN;
    const spent = new Decimal(order.avgFillPrice).times(50);
    // Bought for about 28,000 USD with 20,000.25 held: the USD balance goes negative (IB lends it), SGD is untouched.
    expect(usd).toBeLessThan(-7_000);
    expect(new Decimal('20000.25').minus(spent).minus(usd).toNumber()).toBeGreaterThan(0);
    expect(balances.find((b) => b.currency === 'SGD')?.cash).toBe(50_000);
  });

  it('a rate with dailyVol moves with the clock, printed to 7 significant digits; a fixed one does not', async () => {
    const file = await write({ ...SGD_ACCOUNT, exchangeRates: { USD: { rate: 1.35, dailyVol: 0.01 }, GBP: 1.72 } });
    const rateOf = (sim: SimAccount, c: string) => sim.summary().cashLedger?.balances.find((b) => b.currency === c)?.exchangeRate;
    const first = open(file);
    const a = rateOf(first, 'USD');
    const later = open(file, '2026-01-21T17:00:00Z');
    const b = rateOf(later, 'USD');
    expect(a).not.toBe(b);
    for (const r of [a, b]) {
      expect(r).toBeGreaterThan(1.2);
      expect(r).toBeLessThan(1.5);
      expect(new Decimal(r ?? 0).precision()).toBeLessThanOrEqual(7);
    }
    expect(rateOf(later, 'GBP')).toBe(1.72);
  });

  it('a one-currency account gives no cash ledger: its summary is as it always was', async () => {
    const sim = open(await write({ cash: 100_000, quotes: { SPY: { last: 560 } } }));
    expect(sim.summary().cashLedger).toBeUndefined();
  });

  it.each([
    [{ ...SGD_ACCOUNT, exchangeRates: { USD: 1.35 } }, 'cash.GBP: no exchange rate for GBP: add exchangeRates.GBP'],
    [{ ...SGD_ACCOUNT, exchangeRates: { ...SGD_ACCOUNT.exchangeRates, SGD: 1 } }, 'exchangeRates.SGD: SGD is the base currency'],
    [{ ...SGD_ACCOUNT, exchangeRates: { USD: 0, GBP: 1.7 } }, 'exchangeRates.USD'],
    [{ ...SGD_ACCOUNT, cash: { usd: 1 } }, 'cash'],
  ])('refuses a scenario whose cash or rates do not add up (%#)', async (content, message) => {
    const file = await write(content);
    expect(() => loadScenario(file)).toThrow(ConfigError);
    expect(() => loadScenario(file)).toThrow(message);
  });
});
