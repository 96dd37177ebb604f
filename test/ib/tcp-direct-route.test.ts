import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ContractHint, OrderRequest } from '../../src/core/types.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import { ACCOUNT, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

/**
 * Listings IB does not route SMART, read and traded by the IB adapter over TCP against the simulated gateway: a Hong
 * Kong line (validExchanges 'SEHK' alone, docs/research/multi-currency.md 3.2) goes to SEHK directly as a plain limit
 * order and fills; the gateway refuses a SMART order for it as IB does (200); US and London lines stay SMART Adaptive.
 */

const h = useIbHarness();

/** Tuesday 24 November 2026, 10:00 in Hong Kong (Monday 21:00 in New York): SEHK's morning session. */
const HK_MORNING = '2026-11-24T02:00:00Z';

/** An HKD account of 100,000 HKD with a USD rate; 2800 on SEHK, SPY on ARCA, CSPX (USD) on LSEETF. */
function hkdAccount(): Record<string, unknown> {
  return {
    account: ACCOUNT,
    currency: 'HKD',
    cash: { HKD: 100_000 },
    exchangeRates: { USD: 7.8 },
    positions: {},
    quotes: {
      '2800': { bid: 25.5, ask: 25.55, last: 25.5 },
      SPY: { bid: 599.9, ask: 600, last: 600 },
      CSPX: { bid: 699.9, ask: 700.1, last: 700 },
    },
    contracts: {
      '2800': { primaryExchange: 'SEHK', currency: 'HKD', minTick: 0.05 },
      SPY: { primaryExchange: 'ARCA', currency: 'USD' },
      CSPX: { primaryExchange: 'LSEETF', currency: 'USD', timeZone: 'Europe/London', hours: {} },
    },
    fills: { partialFillProbability: 0 },
  };
}

const HINTS: Record<string, ContractHint> = {
  '2800': { currency: 'HKD', primaryExchange: 'SEHK' },
  SPY: { currency: 'USD', primaryExchange: 'ARCA' },
  CSPX: { currency: 'USD', primaryExchange: 'LSEETF' },
};

const buy2800: OrderRequest = {
  orderRef: 'rebal:20261124T020000Z-ab12:2800',
  symbol: '2800',
  action: 'BUY',
  quantity: 500,
  limitPrice: 25.55,
  adaptivePriority: 'Normal',
  primaryExchange: 'SEHK',
  currency: 'HKD',
};

const order = (symbol: string, primaryExchange: string, limitPrice: number): OrderRequest => ({
  orderRef: `rebal:20261123T150000Z-ab12:${symbol}`,
  symbol,
  action: 'BUY',
  quantity: 2,
  limitPrice,
  adaptivePriority: 'Urgent',
  primaryExchange,
  currency: 'USD',
});

describe('IB adapter over TCP: a listing IB does not route SMART', () => {
  it('reads it as not SMART-routable (SEHK alone among its valid exchanges), never caches it, and quotes it', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    const contracts = await broker.contractDetails(['2800', 'SPY', 'CSPX'], HINTS);
    expect(contracts['2800']).toMatchObject({ symbol: '2800', currency: 'HKD', primaryExchange: 'SEHK', smartRoutable: false });
    expect(contracts.SPY).not.toHaveProperty('smartRoutable');
    expect(contracts.CSPX).not.toHaveProperty('smartRoutable');
    await broker.disconnect();
    // Read back from the cache it would be routed SMART and refused: it is asked for afresh on every run.
    const cache = new SqliteContractCache(join(h.dir, 'rebalancer.sqlite'));
    expect(Object.keys(cache.get(['2800', 'SPY', 'CSPX'])).sort()).toEqual(['CSPX', 'SPY']);
    cache.close();
    const next = h.broker(gateway.port, { now: () => HK_MORNING });
    await next.connect();
    const again = await next.contractDetails(['2800'], HINTS);
    expect(again['2800']?.smartRoutable).toBe(false);
    const quotes = await next.quotes(['2800'], again);
    expect(quotes['2800']).toMatchObject({ bid: 25.5, ask: 25.55 });
  });

  it('sends its order to SEHK directly as a plain limit order (no Adaptive), and it fills', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    await broker.contractDetails(['2800'], HINTS);
    const placed = await broker.placeOrder(buy2800);
    expect(placed).toMatchObject({ symbol: '2800', quantity: 500, limitPrice: 25.55 });
    expect(gateway.placedOrders()).toHaveLength(1);
    expect(gateway.placedOrders()[0]).toMatchObject({
      symbol: '2800',
      exchange: 'SEHK',
      primaryExch: 'SEHK',
      currency: 'HKD',
      orderType: 'LMT',
      algoStrategy: '',
      lmtPrice: 25.55,
    });
    let executions = await broker.executions('2026-11-24T00:00:00Z');
    for (let i = 0; i < 50 && executions.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      executions = await broker.executions('2026-11-24T00:00:00Z');
    }
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ symbol: '2800', side: 'BUY', quantity: 500 });
    expect(executions[0]?.price).toBeLessThanOrEqual(25.55);
    const positions = await broker.positions(ACCOUNT);
    expect(positions.find((p) => p.symbol === '2800')).toMatchObject({ quantity: 500 });
  });

  it('a change of its order goes to SEHK as a plain limit order too, and the gateway takes it', async () => {
    const gateway = await h.gateway({ ...hkdAccount(), quotes: { '2800': { bid: 25.5, ask: 25.6, last: 25.5 } } }, { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    await broker.contractDetails(['2800'], HINTS);
    // 25.00 is below the ask: the order rests.
    const placed = await broker.placeOrder({ ...buy2800, limitPrice: 25 });
    const changed = await broker.modifyOrder(placed, { ...buy2800, limitPrice: 25.1, quantity: 1000 });
    expect(changed).toMatchObject({ quantity: 1000, limitPrice: 25.1 });
    const sent = gateway.placedOrders();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ modification: true, exchange: 'SEHK', algoStrategy: '', lmtPrice: 25.1, totalQuantity: 1000 });
  });

  it('without its contract details the order goes SMART, and the gateway refuses it as IB does (200, no security definition)', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    const refused = await brokerErrorOf(broker.placeOrder(buy2800));
    expect(refused).toMatchObject({ code: 200 });
    expect(refused.message).toContain('No security definition has been found for the request');
    expect(gateway.placedOrders()[0]).toMatchObject({ symbol: '2800', exchange: 'SMART', algoStrategy: 'Adaptive' });
    expect(await broker.executions('2026-11-24T00:00:00Z')).toEqual([]);
  });

  // At the harness's clock, Monday 15:00 UTC: New York and London are open.
  it('US and London lines are unchanged: SMART with their primary exchange, Adaptive, and they fill', async () => {
    const gateway = await h.gateway(hkdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['SPY', 'CSPX'], HINTS);
    await broker.placeOrder(order('SPY', 'ARCA', 600));
    await broker.placeOrder(order('CSPX', 'LSEETF', 700.1));
    const [spy, cspx] = gateway.placedOrders();
    expect(spy).toMatchObject({ symbol: 'SPY', exchange: 'SMART', primaryExch: 'ARCA', algoStrategy: 'Adaptive' });
    expect(cspx).toMatchObject({ symbol: 'CSPX', exchange: 'SMART', primaryExch: 'LSEETF', algoStrategy: 'Adaptive' });
    expect(spy?.algoParams).toEqual([{ tag: 'adaptivePriority', value: 'Urgent' }]);
    let executions = await broker.executions('2026-11-23T00:00:00Z');
    for (let i = 0; i < 50 && executions.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      executions = await broker.executions('2026-11-23T00:00:00Z');
    }
    expect(executions.map((e) => e.symbol).sort()).toEqual(['CSPX', 'SPY']);
  });
});
