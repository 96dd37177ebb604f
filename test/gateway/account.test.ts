import { EventName } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { MIDDAY, collect, connectClient, connectNext, firstValue, once, startTestGateway } from './helpers.js';

describe('handshake and account requests over TCP with @stoqey/ib', () => {
  it('completes the handshake, then sends managed accounts, the next valid id and the farm notices', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    expect(client.nextValidId).toBe(1);
    expect(client.api.serverVersion).toBe(193);
    expect(client.infos.map((i) => i.code)).toEqual(expect.arrayContaining([2104, 2106, 2158]));
    const [accounts] = await Promise.all([once<[string]>(client.api, EventName.managedAccounts), client.api.reqManagedAccts()]);
    expect(accounts[0]).toBe('DU1234567');
    const [time] = await Promise.all([once<[number]>(client.api, EventName.currentTime), client.api.reqCurrentTime()]);
    expect(time[0]).toBe(Date.parse(MIDDAY) / 1000);
    expect(gateway.stats().connections).toBe(1);
    expect(gateway.stats().decodeErrors).toEqual([]);
  });
});

describe('account summary and positions', () => {
  const TAGS = 'NetLiquidation,TotalCashValue,GrossPositionValue,ExcessLiquidity,Cushion,MaintMarginReq,BuyingPower';

  it('reports every requested tag in the account currency (Cushion without one), then the end', async () => {
    const { gateway } = await startTestGateway();
    const { api } = await connectClient(gateway.port, 7);
    const rows = await collect<[number, string, string, string, string]>(
      api,
      EventName.accountSummary,
      EventName.accountSummaryEnd,
      () => api.reqAccountSummary(3, 'All', TAGS),
      (reqId) => reqId === 3,
    );
    const byTag = Object.fromEntries(rows.map(([, account, tag, value, currency]) => [tag, { account, value, currency }]));
    // NLV = cash 100000 + 100 AAPL x last 190; maintenance 25% of the long value; buying power four times the
    // available funds (NLV less the 50% initial margin, 9500).
    expect(byTag).toEqual({
      NetLiquidation: { account: 'DU1234567', value: '119000.00', currency: 'USD' },
      TotalCashValue: { account: 'DU1234567', value: '100000.00', currency: 'USD' },
      GrossPositionValue: { account: 'DU1234567', value: '19000.00', currency: 'USD' },
      MaintMarginReq: { account: 'DU1234567', value: '4750.00', currency: 'USD' },
      ExcessLiquidity: { account: 'DU1234567', value: '114250.00', currency: 'USD' },
      BuyingPower: { account: 'DU1234567', value: '438000.00', currency: 'USD' },
      Cushion: { account: 'DU1234567', value: '0.960084', currency: '' },
    });
  });

  it('lists positions with conId and average cost, then the end; IBApiNext reads the same', async () => {
    const { gateway } = await startTestGateway();
    const { api } = await connectClient(gateway.port, 7);
    const rows = await collect<
      [string, { symbol: string; conId: number; secType: string; currency: string; exchange: string }, number, number]
    >(api, EventName.position, EventName.positionEnd, () => api.reqPositions());
    expect(rows).toHaveLength(1);
    const [account, contract, pos, avgCost] = rows[0] ?? [];
    const { symbol, secType, currency, exchange } = contract ?? {};
    expect({ account, symbol, secType, exchange, currency, pos, avgCost }).toEqual({
      account: 'DU1234567',
      symbol: 'AAPL',
      secType: 'STK',
      exchange: 'NASDAQ',
      currency: 'USD',
      pos: 100,
      avgCost: 150,
    });
    expect(contract?.conId).toBeGreaterThan(0);

    const { ib } = connectNext(gateway.port, 8);
    const positions = await firstValue(ib.getPositions());
    expect(positions.all.get('DU1234567')?.map((p) => [p.contract.symbol, p.pos])).toEqual([['AAPL', 100]]);
    const summary = await firstValue(ib.getAccountSummary('All', TAGS));
    expect(summary.all.get('DU1234567')?.get('NetLiquidation')?.get('USD')?.value).toBe('119000.00');
  });
});
