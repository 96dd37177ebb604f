import { EventName, type Contract, type ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { BASE_SCENARIO, collect, connectClient, once, startTestGateway } from './helpers.js';

/**
 * The simulated gateway's IDEALPRO CASH pairs, read with @stoqey/ib's own client (its Decoder is the oracle: a 505
 * fails the test): contract details like IB's real EUR.USD frame, one orientation per pair, and snapshots with a bid
 * and an ask on the tick grid around the account's rate, never a last price.
 */

const SCENARIO = { ...BASE_SCENARIO, exchangeRates: { EUR: 1.0842, JPY: 0.0066, SGD: 0.74 } };
const cash = (symbol: string, currency: string): Contract => ({
  secType: 'CASH' as Contract['secType'],
  exchange: 'IDEALPRO',
  symbol,
  currency,
});

async function details(port: number, contract: Contract, clientId = 7): Promise<ContractDetails> {
  const { api } = await connectClient(port, clientId);
  const got = once<[number, ContractDetails]>(api, EventName.contractDetails, (reqId) => reqId === 3);
  const end = once<[number]>(api, EventName.contractDetailsEnd, (reqId) => reqId === 3);
  api.reqContractDetails(3, contract);
  const [, d] = await got;
  await end;
  return d;
}

describe('IDEALPRO CASH contracts', () => {
  it("gives EUR.USD's details as IB does: half-pip tick, IDEALPRO only, US/Eastern, 17:15-17:00 sessions, sizes in hundredths", async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const d = await details(gateway.port, cash('EUR', 'USD'));
    expect(d.contract).toMatchObject({ symbol: 'EUR', secType: 'CASH', exchange: 'IDEALPRO', currency: 'USD', localSymbol: 'EUR.USD' });
    expect(d.contract.tradingClass).toBe('EUR.USD');
    expect(d.contract.conId).toBeGreaterThan(0);
    expect(d.marketName).toBe('EUR.USD');
    expect(d.minTick).toBe(0.00005);
    expect(d.validExchanges).toBe('IDEALPRO');
    expect(d.orderTypes?.split(',')).toContain('CASHQTY');
    expect(d.longName).toBe('European Monetary Union Euro');
    expect(d.timeZoneId).toBe('US/Eastern');
    expect(d.minSize).toBe(0.01);
    expect(d.sizeIncrement).toBe(0.01);
    // Wednesday 18 November 2026, 12:00 New York: the session that opened Tuesday 17:15, then the week's others.
    expect(d.tradingHours).toBe(
      ';20261117:1715-20261118:1700;20261118:1715-20261119:1700;20261119:1715-20261120:1700;20261122:1715-20261123:1700;20261123:1715-20261124:1700',
    );
    expect(d.liquidHours).toBe(d.tradingHours);
  });

  it('yen pairs tick in half yen-pips; the conId finds the pair again', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const d = await details(gateway.port, cash('USD', 'JPY'));
    expect(d.minTick).toBe(0.005);
    const again = await details(gateway.port, { conId: d.contract.conId, secType: 'CASH' as Contract['secType'], exchange: 'IDEALPRO' }, 8);
    expect(again.contract.localSymbol).toBe('USD.JPY');
  });

  it.each([
    ['USD', 'EUR', 'the other orientation of EUR.USD'],
    ['SGD', 'USD', 'the other orientation of USD.SGD'],
    ['GBP', 'USD', 'a currency the account has no rate for'],
    ['USD', 'USD', 'a currency against itself'],
  ])('answers %s.%s (%s) with error 200', async (symbol, currency) => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 7);
    for (const [reqId, send] of [
      [11, () => client.api.reqContractDetails(11, cash(symbol, currency))],
      [12, () => client.api.reqMktData(12, cash(symbol, currency), '', true, false)],
    ] as const) {
      const error = once<[Error, number, number]>(client.api, EventName.error, (_e, _code, id) => id === reqId);
      send();
      const [err, code] = await error;
      expect(code).toBe(200);
      expect(err.message).toBe('No security definition has been found for the request');
    }
  });
});

describe('IDEALPRO snapshots', () => {
  it('a bid and an ask with sizes on the tick grid around the rate, no last, no close, then the snapshot end', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const { api } = await connectClient(gateway.port, 7);
    const sizes: [number, number, number][] = [];
    api.on(EventName.tickSize, (id: number, type: number | undefined, size: number | undefined) =>
      sizes.push([id, type ?? -1, size ?? -1]),
    );
    const prices = await collect<[number, number, number]>(
      api,
      EventName.tickPrice,
      EventName.tickSnapshotEnd,
      () => api.reqMktData(21, cash('USD', 'SGD'), '', true, false),
      (id) => id === 21,
    );
    expect(prices.map(([, type]) => type)).toEqual([1, 2]);
    const [bid, ask] = prices.map(([, , price]) => price) as [number, number];
    // USD.SGD = rate(USD) / rate(SGD) = 1 / 0.74 = 1.351351...: the grid points around it (1.35135, 1.3514), a tick
    // further out each.
    expect(bid).toBe(1.3513);
    expect(ask).toBe(1.35145);
    // The client also derives the ask's size from its TICK_PRICE (not the bid's: tick type 0).
    expect([...new Set(sizes.filter(([id]) => id === 21).map(([, type]) => type))]).toEqual([0, 3]);
    for (const [, , size] of sizes.filter(([id]) => id === 21)) expect(size % 1_000_000).toBe(0);
  });

  it('a cross pair trades at the ratio of the two rates: EUR.JPY = 1.0842 / 0.0066', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const { api } = await connectClient(gateway.port, 7);
    const prices = await collect<[number, number, number]>(
      api,
      EventName.tickPrice,
      EventName.tickSnapshotEnd,
      () => api.reqMktData(22, cash('EUR', 'JPY'), '', true, false),
      (id) => id === 22,
    );
    const [bid, ask] = prices.map(([, , price]) => price) as [number, number];
    const mid = 1.0842 / 0.0066;
    expect(bid).toBeLessThan(mid);
    expect(ask).toBeGreaterThan(mid);
    expect(ask - bid).toBeLessThanOrEqual(0.015 + 1e-9);
  });

  it('closed from Friday 17:00 to Sunday 17:15 New York: bid and ask -1, size 0', async () => {
    const { gateway } = await startTestGateway(SCENARIO, { now: '2026-11-20T22:30:00Z' });
    const { api } = await connectClient(gateway.port, 7);
    const prices = await collect<[number, number, number]>(
      api,
      EventName.tickPrice,
      EventName.tickSnapshotEnd,
      () => api.reqMktData(23, cash('EUR', 'USD'), '', true, false),
      (id) => id === 23,
    );
    expect(prices.map(([, type, price]) => [type, price])).toEqual([
      [1, -1],
      [2, -1],
    ]);
  });
});

describe('the fxQuotes fault', () => {
  const parse = (fxQuotes: unknown) => () => parseScenario(JSON.stringify({ gateway: { faults: { fxQuotes } } }), 'scenario.json');

  it('takes a pair as IB lists it, each side a number or null', () => {
    expect(parse({ 'USD.SGD': { bid: 1.35, ask: null } })().gateway?.faults.fxQuotes).toEqual({ 'USD.SGD': { bid: 1.35, ask: null } });
  });

  it.each([
    [{ USDSGD: { bid: 1, ask: 2 } }, /fxQuotes/],
    [{ 'USD.SGD': { bid: 1 } }, /fxQuotes\.USD\.SGD\.ask/],
    [{ 'USD.SGD': { bid: 1, ask: 2, last: 1.5 } }, /last: unknown field/],
  ])('refuses %j', (fxQuotes, message) => {
    expect(parse(fxQuotes)).toThrow(ConfigError);
    expect(parse(fxQuotes)).toThrow(message);
  });
});
