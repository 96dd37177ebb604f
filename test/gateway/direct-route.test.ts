import { EventName, OrderAction, OrderType, SecType, type Contract, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, connectClient, once, startTestGateway } from './helpers.js';

/**
 * Routing of a listing IB does not route SMART, over TCP with @stoqey/ib's own encoder: a Hong Kong line (contract
 * details validExchanges 'SEHK' alone) takes a plain limit order sent to SEHK; routed SMART it has no security
 * definition (200), as at IB; the Adaptive algo on an order routed to an exchange directly is an order type the
 * exchange does not take (387, IB's code and text). A US listing routed SMART is taken with Adaptive, as ever.
 */

/** Thursday 19 November 2026, 10:00 in Hong Kong: SEHK's morning session. */
const HK_MORNING = '2026-11-19T02:00:00Z';

const scenario = {
  ...BASE_SCENARIO,
  exchangeRates: { HKD: 0.128 },
  quotes: { ...BASE_SCENARIO.quotes, '2800': { bid: 25.5, ask: 25.55, last: 25.5 } },
  contracts: { ...BASE_SCENARIO.contracts, '2800': { primaryExchange: 'SEHK', currency: 'HKD', minTick: 0.05 } },
};

const hk = (exchange: string): Contract => ({
  symbol: '2800',
  secType: SecType.STK,
  exchange,
  primaryExch: 'SEHK',
  currency: 'HKD',
});

const limit = (ref: string): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 500,
  orderType: OrderType.LMT,
  lmtPrice: 25.55,
  tif: 'DAY',
  transmit: true,
  orderRef: ref,
  account: 'DU1234567',
});

const adaptive = (ref: string): Order => ({
  ...limit(ref),
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
});

describe('routing of a listing IB does not route SMART', () => {
  it('a plain limit order sent to SEHK is taken and fills', async () => {
    const { gateway } = await startTestGateway(scenario, { now: HK_MORNING });
    const client = await connectClient(gateway.port, 1);
    const id = client.nextValidId;
    const filled = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Filled');
    client.api.placeOrder(id, hk('SEHK'), limit('rb:direct:2800'));
    await filled;
    expect(client.errors.filter((e) => e.reqId === id)).toEqual([]);
  });

  it('routed SMART: error 200, no security definition, and nothing placed in the account', async () => {
    const { gateway } = await startTestGateway(scenario, { now: HK_MORNING });
    const client = await connectClient(gateway.port, 1);
    const id = client.nextValidId;
    const refused = once<[Error, number, number]>(client.api, EventName.error, (_e, code, reqId) => reqId === id);
    client.api.placeOrder(id, hk('SMART'), limit('rb:smart:2800'));
    const [err, code] = await refused;
    expect(code).toBe(200);
    expect(err.message).toBe('No security definition has been found for the request');
    expect(gateway.stats().ordersPlaced).toBe(1);
    const open = once(client.api, EventName.openOrderEnd, () => true);
    const seen: number[] = [];
    client.api.on(EventName.openOrder, (orderId) => seen.push(orderId));
    client.api.reqOpenOrders();
    await open;
    expect(seen).toEqual([]);
  });

  it('Adaptive on an order sent to SEHK directly: error 387, the exchange does not take the order type', async () => {
    const { gateway } = await startTestGateway(scenario, { now: HK_MORNING });
    const client = await connectClient(gateway.port, 1);
    const id = client.nextValidId;
    const refused = once<[Error, number, number]>(client.api, EventName.error, (_e, code, reqId) => reqId === id);
    client.api.placeOrder(id, hk('SEHK'), adaptive('rb:adaptive:2800'));
    const [err, code] = await refused;
    expect(code).toBe(387);
    expect(err.message).toBe('Unsupported order type for this exchange and security type.');
  });

  it('a US listing routed SMART takes Adaptive as before', async () => {
    const { gateway } = await startTestGateway(scenario);
    const client = await connectClient(gateway.port, 1);
    const id = client.nextValidId;
    const filled = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Filled');
    const spy: Contract = { symbol: 'SPY', secType: SecType.STK, exchange: 'SMART', primaryExch: 'ARCA', currency: 'USD' };
    client.api.placeOrder(id, spy, { ...adaptive('rb:us:SPY'), totalQuantity: 5, lmtPrice: 560.01 });
    await filled;
    expect(client.errors.filter((e) => e.reqId === id)).toEqual([]);
  });
});
