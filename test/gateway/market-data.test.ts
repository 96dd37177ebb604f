import { EventName, type Contract, type ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, connectClient, connectNext, once, startTestGateway } from './helpers.js';

const AAPL: Contract = { symbol: 'AAPL', secType: 'STK' as Contract['secType'], exchange: 'SMART', currency: 'USD' };
const SPY: Contract = { symbol: 'SPY', secType: 'STK' as Contract['secType'], exchange: 'SMART', currency: 'USD', primaryExch: 'ARCA' };
const scenarioWith = (faults: object) => ({ ...BASE_SCENARIO, gateway: { faults } });

describe('contract details', () => {
  it('gives conId, minTick, primary exchange, the time zone and a week of liquid and trading hours', async () => {
    const { gateway } = await startTestGateway();
    const { api } = await connectClient(gateway.port, 7);
    const details = once<[number, ContractDetails]>(api, EventName.contractDetails, (reqId) => reqId === 5);
    const end = once<[number]>(api, EventName.contractDetailsEnd, (reqId) => reqId === 5);
    api.reqContractDetails(5, AAPL);
    const [, d] = await details;
    await end;
    expect(d.contract.conId).toBeGreaterThan(0);
    expect(d.contract.primaryExch).toBe('NASDAQ');
    expect(d.minTick).toBe(0.01);
    expect(d.timeZoneId).toBe('US/Eastern');
    // Wednesday 18 November: this week's sessions, the weekend closed.
    expect(d.liquidHours?.split(';').slice(0, 4)).toEqual([
      '20261118:0930-20261118:1600',
      '20261119:0930-20261119:1600',
      '20261120:0930-20261120:1600',
      '20261121:CLOSED',
    ]);
    expect(d.tradingHours?.split(';')[0]).toBe('20261118:0400-20261118:2000');
  });

  it('answers an unknown symbol, or one the scenario hides, with error 200 on the request id', async () => {
    const { gateway } = await startTestGateway(scenarioWith({ unknownContracts: ['MSFT'] }));
    const client = await connectClient(gateway.port, 7);
    for (const [reqId, symbol] of [
      [11, 'NOPE'],
      [12, 'MSFT'],
    ] as const) {
      const error = once<[Error, number, number]>(client.api, EventName.error, (_e, _code, id) => id === reqId);
      client.api.reqContractDetails(reqId, { ...AAPL, symbol });
      const [err, code] = await error;
      expect(code).toBe(200);
      expect(err.message).toBe('No security definition has been found for the request');
    }
  });

  it('refuses a primary exchange that is not the listing', async () => {
    const { gateway } = await startTestGateway();
    const { ib } = connectNext(gateway.port, 9);
    await expect(ib.getContractDetails({ ...SPY, primaryExch: 'NASDAQ' })).rejects.toMatchObject({ code: 200 });
    const [spy] = await ib.getContractDetails(SPY);
    expect(spy?.contract.primaryExch).toBe('ARCA');
  });
});

describe('market data snapshots', () => {
  it('sends live bid, ask, last and close with sizes, then the snapshot end (IBApiNext completes)', async () => {
    const { gateway } = await startTestGateway();
    const { ib } = connectNext(gateway.port, 9);
    const ticks = await ib.getMarketDataSnapshot(AAPL, '', false);
    const value = (type: number) => ticks.get(type)?.value;
    expect([value(1), value(2), value(4), value(9)]).toEqual([189.98, 190.02, 190, 188.5]);
    // Sizes: bid (0) only arrives because TICK_SIZE is sent explicitly.
    for (const sizeType of [0, 3, 5]) expect(value(sizeType)).toBeGreaterThan(0);
  });

  it('after reqMarketDataType(3) without live permissions: notice 10167, then delayed ticks', async () => {
    const { gateway } = await startTestGateway(scenarioWith({ delayedData: true }));
    const client = await connectClient(gateway.port, 7);
    const prices = new Map<number, number>();
    client.api.on(EventName.tickPrice, (reqId: number, type: number, price: number) => {
      if (reqId === 21) prices.set(type, price);
    });
    const type = once<[number, number]>(client.api, EventName.marketDataType, (reqId) => reqId === 21);
    const end = once<[number]>(client.api, EventName.tickSnapshotEnd, (reqId) => reqId === 21);
    client.api.reqMarketDataType(3);
    client.api.reqMktData(21, AAPL, '', true, false);
    await end;
    expect((await type)[1]).toBe(3);
    expect(client.errors).toContainEqual(expect.objectContaining({ code: 10167, reqId: 21 }));
    expect(Object.fromEntries(prices)).toEqual({ 66: 189.98, 67: 190.02, 68: 190, 75: 188.5 });
  });

  it('without delayed data requested and no live permissions, or a symbol without permission: error 354', async () => {
    const delayedOnly = await startTestGateway(scenarioWith({ delayedData: true }));
    const a = connectNext(delayedOnly.gateway.port, 9);
    await expect(a.ib.getMarketDataSnapshot(AAPL, '', false)).rejects.toMatchObject({ code: 354 });
    const noPermission = await startTestGateway(scenarioWith({ noMarketDataPermission: ['MSFT'] }));
    const b = connectNext(noPermission.gateway.port, 9);
    await expect(b.ib.getMarketDataSnapshot({ ...AAPL, symbol: 'MSFT' }, '', false)).rejects.toMatchObject({ code: 354 });
    expect((await b.ib.getMarketDataSnapshot(AAPL, '', false)).get(1)?.value).toBe(189.98);
  });

  it('withholds the snapshot end for noSnapshotEnd symbols (the ticks still come)', async () => {
    const { gateway } = await startTestGateway(scenarioWith({ noSnapshotEnd: ['SPY'] }));
    const client = await connectClient(gateway.port, 7);
    const bid = once<[number, number, number]>(client.api, EventName.tickPrice, (reqId, type) => reqId === 31 && type === 1);
    const end = once(client.api, EventName.tickSnapshotEnd, (reqId) => reqId === 31, 800);
    client.api.reqMktData(31, SPY, '', true, false);
    expect((await bid)[2]).toBe(559.99);
    await expect(end).rejects.toThrow(/no tickSnapshotEnd/);
  });

  it('delays a snapshot by snapshotDelayMs', async () => {
    const { gateway } = await startTestGateway(scenarioWith({ snapshotDelayMs: 250 }));
    const { ib } = connectNext(gateway.port, 9);
    await ib.getCurrentTime();
    const started = Date.now();
    await ib.getMarketDataSnapshot(AAPL, '', false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('answers a ticker without quotes with no ticks, only the snapshot end', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, contracts: { ...BASE_SCENARIO.contracts, NOQT: {} } });
    const { ib } = connectNext(gateway.port, 9);
    const ticks = await ib.getMarketDataSnapshot({ ...AAPL, symbol: 'NOQT' }, '', false);
    expect([...ticks.keys()]).toEqual([]);
  });
});
