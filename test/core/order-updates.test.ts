import { describe, expect, it } from 'vitest';
import { planOrderUpdates, type WorkingOrder } from '../../src/core/order-updates.js';
import type { BrokerOrder, OrderRequest, PlanLine } from '../../src/core/types.js';

function working(over: Partial<BrokerOrder> = {}, recordedFilled = over.filledQuantity ?? 0, modifiable = true): WorkingOrder {
  return {
    order: {
      brokerOrderId: 7,
      permId: 900_007,
      clientId: 0,
      orderRef: 'rebal:20261204T150000Z-aaaaaaaaaaaa:AAPL',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 100,
      limitPrice: 175.6,
      status: 'Submitted',
      filledQuantity: 0,
      avgFillPrice: 0,
      ...over,
    },
    recordedFilled,
    modifiable,
  };
}

function request(over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderRef: 'rebal:20261204T160000Z-bbbbbbbbbbbb:AAPL',
    symbol: 'AAPL',
    action: 'BUY',
    quantity: 60,
    limitPrice: 175.7,
    adaptivePriority: 'Normal',
    primaryExchange: 'NASDAQ',
    currency: 'USD',
    ...over,
  };
}

const LINES = [{ symbol: 'AAPL', referencePrice: 175.5 } as PlanLine];
const OPEN = { ordersAllowed: true };

describe('what becomes of the orders earlier runs left working', () => {
  it('the same side: changed in place to a total of (recorded fills + the remainder the plan wants), keeping its orderRef; not sent new', () => {
    const u = planOrderUpdates([working({ filledQuantity: 40 })], [request({ quantity: 60 })], LINES, OPEN);
    expect(u.modifications).toHaveLength(1);
    const m = u.modifications[0];
    expect(m?.change).toMatchObject({
      orderRef: 'rebal:20261204T150000Z-aaaaaaaaaaaa:AAPL',
      quantity: 100,
      limitPrice: 175.7,
      action: 'BUY',
    });
    expect(m).toMatchObject({ remainder: 60, filledBefore: 40, referencePrice: 175.5 });
    expect(u.newOrders).toEqual([]);
    expect(u.cancels).toEqual([]);
  });

  it('the old remainder is replaced, never added to: a smaller remainder lowers the total', () => {
    const u = planOrderUpdates([working({ quantity: 100, filledQuantity: 40 })], [request({ quantity: 10 })], LINES, OPEN);
    expect(u.modifications[0]?.change.quantity).toBe(50);
  });

  it('an order already as the plan wants it is left alone: no message at all', () => {
    const u = planOrderUpdates(
      [working({ quantity: 100, limitPrice: 175.7, filledQuantity: 40 })],
      [request({ quantity: 60 })],
      LINES,
      OPEN,
    );
    expect(u.unchanged).toHaveLength(1);
    expect(u.modifications).toEqual([]);
    expect(u.newOrders).toEqual([]);
  });

  it('the plan wants nothing of the ticker: cancelled; the other tickers go out new', () => {
    const msft = request({ symbol: 'MSFT', orderRef: 'rebal:x:MSFT' });
    const u = planOrderUpdates([working()], [msft], LINES, OPEN);
    expect(u.cancels.map((c) => c.order.symbol)).toEqual(['AAPL']);
    expect(u.newOrders).toEqual([msft]);
    expect(u.deferred).toEqual([]);
  });

  it('the plan turned the side: cancelled now, the new order waits for the next run (sized before the cancel landed)', () => {
    const sell = request({ action: 'SELL', quantity: 30 });
    const u = planOrderUpdates([working()], [sell], LINES, OPEN);
    expect(u.cancels[0]?.reason).toMatch(/the plan wants SELL 30 AAPL now/);
    expect(u.newOrders).toEqual([]);
    expect(u.deferred).toEqual([sell]);
  });

  it.each([
    ['no orders may go now', working(), OPEN.ordersAllowed && false, /no orders may go now/],
    ['another client placed it', working({}, 0, false), true, /may not modify it/],
    ['it is PendingCancel', working({ status: 'PendingSubmit' }), true, /it is PendingSubmit at the broker/],
    ['the broker reports fills the records lack', working({ filledQuantity: 30 }, 20), true, /reports 30 filled, the records 20/],
  ])('cancelled, never changed, when %s', (_what, w, ordersAllowed, reason) => {
    const u = planOrderUpdates([w], [request()], LINES, { ordersAllowed });
    expect(u.modifications).toEqual([]);
    expect(u.cancels[0]?.reason).toMatch(reason);
    expect(u.newOrders).toEqual([]);
  });

  it('fewer fills at the broker than recorded (its list read before the last fills) changes from the records', () => {
    const u = planOrderUpdates([working({ filledQuantity: 20 }, 30)], [request({ quantity: 10 })], LINES, OPEN);
    expect(u.modifications[0]?.change.quantity).toBe(40);
  });

  it('two working orders on one ticker: both cancelled, nothing sent for it this run', () => {
    const second = working({ brokerOrderId: 8, orderRef: 'rebal:20261204T140000Z-cccccccccccc:AAPL' });
    const u = planOrderUpdates([working(), second], [request()], LINES, OPEN);
    expect(u.cancels).toHaveLength(2);
    expect(u.modifications).toEqual([]);
    expect(u.newOrders).toEqual([]);
    expect(u.deferred).toHaveLength(1);
  });

  it('no working orders: every order of the plan goes out new (ORDER_UPDATES=cancel behaves so)', () => {
    const reqs = [request(), request({ symbol: 'MSFT' })];
    expect(planOrderUpdates([], reqs, LINES, OPEN).newOrders).toEqual(reqs);
  });

  it('never more than the target: whatever the recorded fills, the total minus them is exactly the planned remainder', () => {
    for (let filled = 0; filled <= 100; filled += 7) {
      for (const want of [1, 13, 60, 250]) {
        const u = planOrderUpdates([working({ filledQuantity: filled })], [request({ quantity: want })], LINES, OPEN);
        const total = u.modifications[0]?.change.quantity ?? u.unchanged[0]?.quantity;
        expect(total).toBe(filled + want);
      }
    }
  });
});
