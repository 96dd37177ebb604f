import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { rateAt } from '../../src/sim/fx-rates.js';
import { NOW, baseScenario, useIbHarness } from './support/ib-harness.js';

/**
 * Exchange rates from IB's FX market, read by the IB adapter over TCP from the simulated gateway's IDEALPRO CASH pairs:
 * the midpoint of pair C.B, or one over the midpoint of pair B.C; the other orientation asked once after error 200;
 * currencies IB has no pair for, and quotes that give no rate (one-sided, crossed, zero, closed market), left out with
 * the reason. The harness fails any test in which the client saw a decoding error (505).
 */

const h = useIbHarness();

const SEED = 7;
const USD = { rate: 1.351234, dailyVol: 0.004 };
const GBP = 1.723456;
const HKD = 0.1725;
/** A rate the account values INR with, but IDEALPRO trades no INR. */
const INR = 0.0161;
/** Half of IDEALPRO's half-pip tick: the most the gateway's bid/ask midpoint lies from the rate. */
const HALF_TICK = 0.000025;

function sgdAccount(gateway: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...baseScenario(),
    seed: SEED,
    currency: 'SGD',
    cash: { SGD: 150_000 },
    exchangeRates: { USD, GBP, HKD, INR },
    gateway,
  };
}

/** The gateway's USD rate (SGD per USD) at the harness's instant, unrounded. */
const usdNow = (): number => rateAt(USD, SEED, 'USD', NOW).toNumber();

/** Client messages with `code` seen so far. */
const seen = (code: number) => h.messages.filter((m) => m.code === code);

describe('IB adapter over TCP: exchange rates from IDEALPRO', () => {
  it('an SGD account: USD and GBP from the midpoints of USD.SGD and GBP.SGD, at the rate of the moment', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const leftOut: Record<string, string> = {};
    const rates = await broker.exchangeRates('SGD', ['USD', 'GBP'], leftOut);
    expect(leftOut).toEqual({});
    expect(Object.keys(rates).sort()).toEqual(['GBP', 'USD']);
    expect(rates.USD).toMatchObject({ at: NOW, source: 'IDEALPRO USD.SGD midpoint' });
    expect(rates.GBP).toMatchObject({ at: NOW, source: 'IDEALPRO GBP.SGD midpoint' });
    // The path moved the USD rate away from its centre: the test reads the gateway's rate of that instant.
    expect(usdNow()).not.toBe(USD.rate);
    expect(Math.abs((rates.USD?.rate ?? 0) - usdNow())).toBeLessThanOrEqual(HALF_TICK);
    expect(Math.abs((rates.GBP?.rate ?? 0) - GBP)).toBeLessThanOrEqual(HALF_TICK);
    // A midpoint of two half-pip prices: a multiple of a quarter pip.
    expect(new Decimal(rates.USD?.rate ?? 0).mod('0.000025').isZero()).toBe(true);
    expect(seen(200)).toEqual([]);
  });

  it('a USD account needing SGD: pair USD.SGD (IB has no SGD.USD), the rate one over its midpoint, no retry', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const rates = await broker.exchangeRates('USD', ['SGD', 'GBP']);
    expect(rates.SGD?.source).toBe('IDEALPRO USD.SGD midpoint, inverted');
    // 1 / mid, the mid within half a tick of the gateway's USD.SGD price: within HALF_TICK / mid^2 of 1 / rate.
    const usdSgd = usdNow();
    expect(Math.abs((rates.SGD?.rate ?? 0) - 1 / usdSgd)).toBeLessThanOrEqual(HALF_TICK / usdSgd ** 2 + 1e-10);
    expect(new Decimal(rates.SGD?.rate ?? 0).precision()).toBeLessThanOrEqual(10);
    // GBP in USD: the cross GBP.USD, rate(GBP) / rate(USD), straight.
    expect(rates.GBP?.source).toBe('IDEALPRO GBP.USD midpoint');
    expect(Math.abs((rates.GBP?.rate ?? 0) - GBP / usdSgd)).toBeLessThanOrEqual(HALF_TICK + 1e-10);
    expect(seen(200)).toEqual([]);
  });

  it('asks the other orientation once after error 200: HKD.SGD is unknown, SGD.HKD gives the rate', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.exchangeRates('SGD', ['GBP']);
    const before = gateway.stats().messagesIn;
    const rates = await broker.exchangeRates('SGD', ['HKD']);
    expect(gateway.stats().messagesIn - before).toBe(2);
    expect(seen(200)).toHaveLength(1);
    expect(rates.HKD?.source).toBe('IDEALPRO SGD.HKD midpoint, inverted');
    const sgdHkd = 1 / HKD;
    expect(Math.abs((rates.HKD?.rate ?? 0) - HKD)).toBeLessThanOrEqual(HALF_TICK / sgdHkd ** 2 + 1e-10);
  });

  it('leaves out a currency IB has no pair for after one retry and no more: INR (rated, not on IDEALPRO), XAU', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.exchangeRates('SGD', ['GBP']);
    const before = gateway.stats().messagesIn;
    const leftOut: Record<string, string> = {};
    const rates = await broker.exchangeRates('SGD', ['INR', 'XAU', 'USD'], leftOut);
    expect(Object.keys(rates)).toEqual(['USD']);
    expect(gateway.stats().messagesIn - before).toBe(5);
    expect(seen(200)).toHaveLength(4);
    expect(leftOut.INR).toBe(
      'IB lists no IDEALPRO pair of INR and SGD: neither INR.SGD nor SGD.INR (IB 200: No security definition has been found for the request)',
    );
    expect(leftOut.XAU).toMatch(/^IB lists no IDEALPRO pair of XAU and SGD: neither SGD.XAU nor XAU.SGD \(IB 200/);
  });

  it('takes no rate from a quote that is one-sided, crossed or not positive, and says why; no retry', async () => {
    const fxQuotes = {
      'USD.SGD': { bid: 1.3501, ask: null },
      'GBP.SGD': { bid: 1.7236, ask: 1.7234 },
      'SGD.HKD': { bid: 0, ask: 5.8 },
    };
    const gateway = await h.gateway(sgdAccount({ faults: { fxQuotes } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.exchangeRates('SGD', ['SGD']);
    const leftOut: Record<string, string> = {};
    const rates = await broker.exchangeRates('SGD', ['USD', 'GBP', 'HKD'], leftOut);
    expect(rates).toEqual({});
    expect(leftOut).toEqual({
      USD: 'the IDEALPRO USD.SGD quote is not two-sided (bid 1.3501, ask -1): FX has no last price, so no rate',
      GBP: 'the IDEALPRO GBP.SGD quote is crossed (bid 1.7236 above ask 1.7234): no rate',
      HKD: 'the IDEALPRO SGD.HKD quote is not two-sided (bid 0, ask 5.8): FX has no last price, so no rate',
    });
    // HKD.SGD's 200 only: none of the refused quotes was asked again.
    expect(seen(200)).toHaveLength(1);
  });

  it('a locked quote (bid = ask) has a midpoint; the base currency is 1', async () => {
    const gateway = await h.gateway(sgdAccount({ faults: { fxQuotes: { 'USD.SGD': { bid: 1.35, ask: 1.35 } } } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const rates = await broker.exchangeRates('SGD', ['USD', 'SGD']);
    expect(rates.USD?.rate).toBe(1.35);
    expect(rates.SGD).toEqual({ rate: 1, at: NOW, source: 'SGD is the base currency' });
  });

  it('IDEALPRO closed (Saturday): bid and ask are -1, so no rate, never a guess', async () => {
    const saturday = '2026-11-28T15:00:00Z';
    const gateway = await h.gateway(sgdAccount(), { now: saturday });
    const broker = h.broker(gateway.port, { now: () => saturday });
    await broker.connect();
    const leftOut: Record<string, string> = {};
    expect(await broker.exchangeRates('SGD', ['USD'], leftOut)).toEqual({});
    expect(leftOut.USD).toBe('the IDEALPRO USD.SGD quote is not two-sided (bid -1, ask -1): FX has no last price, so no rate');
  });

  it('delayed data: the rate says so; without delayed data asked for, IB 354 leaves it out', async () => {
    const gateway = await h.gateway(sgdAccount({ faults: { delayedData: true } }));
    const delayed = h.broker(gateway.port, { marketDataType: 'delayed' });
    await delayed.connect();
    const rates = await delayed.exchangeRates('SGD', ['USD']);
    expect(rates.USD?.source).toBe('IDEALPRO USD.SGD midpoint, delayed');
    expect(Math.abs((rates.USD?.rate ?? 0) - usdNow())).toBeLessThanOrEqual(HALF_TICK);
    await delayed.disconnect();

    const live = h.broker(gateway.port, { marketDataType: 'live' });
    await live.connect();
    const leftOut: Record<string, string> = {};
    expect(await live.exchangeRates('SGD', ['USD'], leftOut)).toEqual({});
    expect(leftOut.USD).toMatch(/^IDEALPRO USD.SGD: no market data subscription for this symbol \(IB 354: /);
  });

  it('a snapshot that never ends leaves the currency out at MARKET_DATA_TIMEOUT_MS; the others are read', async () => {
    const gateway = await h.gateway(sgdAccount({ faults: { noSnapshotEnd: ['USD.SGD'] } }));
    const broker = h.broker(gateway.port, { marketDataTimeoutMs: 300 });
    await broker.connect();
    const leftOut: Record<string, string> = {};
    const rates = await broker.exchangeRates('SGD', ['USD', 'GBP'], leftOut);
    expect(Object.keys(rates)).toEqual(['GBP']);
    expect(leftOut.USD).toBe('IDEALPRO USD.SGD: no snapshot end within 300 ms (MARKET_DATA_TIMEOUT_MS)');
  });
});
