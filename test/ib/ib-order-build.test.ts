import { describe, expect, it } from 'vitest';
import type { BrokerOrder, OrderRequest } from '../../src/core/types.js';
import { adaptiveLimitOrder, orderContract, requestProblems, stockContract } from '../../src/adapters/ib/ib-order-build.js';
import { foreignOrderReason } from '../../src/adapters/ib/ib-orders.js';

const request: OrderRequest = {
  orderRef: 'rebal:20261123T150000Z-ab12:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  limitPrice: 187.25,
  adaptivePriority: 'Patient',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
};

describe('adaptiveLimitOrder', () => {
  it('is an Adaptive LMT order, DAY, transmitted, regular hours only, in the account, with the orderRef', () => {
    expect(adaptiveLimitOrder(request, 'DU123456')).toEqual({
      orderType: 'LMT',
      action: 'BUY',
      totalQuantity: 10,
      lmtPrice: 187.25,
      tif: 'DAY',
      transmit: true,
      outsideRth: false,
      orderRef: 'rebal:20261123T150000Z-ab12:AAPL',
      account: 'DU123456',
      algoStrategy: 'Adaptive',
      algoParams: [{ tag: 'adaptivePriority', value: 'Patient' }],
    });
    expect(adaptiveLimitOrder({ ...request, action: 'SELL' }, 'DU1').action).toBe('SELL');
  });
});

describe('contracts', () => {
  it('routes SMART with the primary exchange and conId when known', () => {
    expect(stockContract('AAPL', 'USD')).toEqual({ symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
    expect(stockContract('AAPL', 'USD', 'NASDAQ', 265598)).toEqual({
      symbol: 'AAPL',
      secType: 'STK',
      exchange: 'SMART',
      currency: 'USD',
      primaryExch: 'NASDAQ',
      conId: 265598,
    });
  });

  it('uses the conId of the contract details only when they agree with the order', () => {
    const known = { symbol: 'AAPL', conId: 265598, minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' };
    expect(orderContract(request, known).conId).toBe(265598);
    expect(orderContract({ ...request, primaryExchange: '' }, known)).toMatchObject({ conId: 265598, primaryExch: 'NASDAQ' });
    expect(orderContract({ ...request, currency: 'CAD' }, known).conId).toBeUndefined();
    expect(orderContract({ ...request, primaryExchange: 'ARCA' }, known)).toMatchObject({ primaryExch: 'ARCA' });
    expect(orderContract({ ...request, primaryExchange: 'ARCA' }, known).conId).toBeUndefined();
    expect(orderContract(request, undefined).conId).toBeUndefined();
  });
});

describe('requestProblems', () => {
  it('passes a planned order', () => {
    expect(requestProblems(request)).toEqual([]);
  });

  it.each([
    [{ quantity: 0 }, /quantity 0/],
    [{ quantity: 2.5 }, /quantity 2.5/],
    [{ quantity: -3 }, /quantity -3/],
    [{ limitPrice: 0 }, /limit price 0/],
    [{ limitPrice: Number.NaN }, /limit price NaN/],
    [{ orderRef: ' ' }, /orderRef is empty/],
    [{ symbol: 'AAPL;DROP' }, /not a stock symbol/],
    [{ currency: 'usd' }, /not a currency code/],
    [{ adaptivePriority: 'Fast' as never }, /adaptive priority/],
  ])('refuses %j', (change, pattern) => {
    expect(requestProblems({ ...request, ...change }).join('; ')).toMatch(pattern);
  });
});

describe('foreignOrderReason', () => {
  const order: BrokerOrder = {
    brokerOrderId: 7,
    clientId: 17,
    permId: 5001,
    orderRef: 'x',
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 1,
    limitPrice: 1,
    status: 'Submitted',
    filledQuantity: 0,
    avgFillPrice: 0,
  };

  it('lets this client cancel its own orders', () => {
    expect(foreignOrderReason(order, 17)).toBeUndefined();
    expect(foreignOrderReason({ ...order, clientId: undefined }, 17)).toBeUndefined();
  });

  it('explains why an order of another client or typed in TWS cannot be cancelled by id', () => {
    expect(foreignOrderReason({ ...order, clientId: 3 }, 17)).toMatch(
      /belongs to API client 3.*would name this client's own order 7.*CANCEL_SCOPE=all/,
    );
    expect(foreignOrderReason({ ...order, brokerOrderId: 0, clientId: 0 }, 17)).toMatch(/entered in TWS.*CANCEL_SCOPE=all/);
  });
});
