import { EventName, OrderAction, OrderType, SecType, type Contract, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { collect, connectClient, eventually, once, sleep, startTestGateway } from './helpers.js';

/**
 * Order ids belong to the API client that placed the order: IB finds `cancelOrder(id)` among the orders of the
 * client that sends it. Another client's order with that id is "not found" (10147) and keeps working; only
 * reqGlobalCancel (or its owner, or TWS) reaches it.
 */

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };
/** A buy limit well under the ask: it rests. */
const resting: Order = {
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice: 150,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:client-1:AAPL',
  account: 'DU1234567',
};

describe('cancelOrder is scoped to the client that sends it', () => {
  it("client 2 cancelling client 1's order by id gets 10147; the order keeps working and client 1 can still cancel it", async () => {
    const { gateway } = await startTestGateway();
    const one = await connectClient(gateway.port, 1);
    const two = await connectClient(gateway.port, 2);
    const id = one.nextValidId;
    const placed = once(one.api, EventName.orderStatus, (orderId) => orderId === id);
    one.api.placeOrder(id, AAPL, resting);
    await placed;

    const refused = once<[Error, number, number]>(two.api, EventName.error, (_e, code) => code === 10147);
    two.api.cancelOrder(id);
    const [err, , reqId] = await refused;
    expect(reqId).toBe(id);
    expect(err.message).toBe(`OrderId ${id} that needs to be cancelled is not found.`);
    await sleep(100);
    expect(gateway.stats().cancels).toBe(0);
    expect(one.errors.filter((e) => e.code === 202)).toEqual([]);

    const open = await collect<[number, Contract, Order, { status: string }]>(one.api, EventName.openOrder, EventName.openOrderEnd, () =>
      one.api.reqAllOpenOrders(),
    );
    expect(open.map(([orderId, , order, state]) => [orderId, order.clientId, state.status])).toEqual([[id, 1, 'Submitted']]);

    const cancelled = once(one.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Cancelled');
    one.api.cancelOrder(id);
    await cancelled;
    await eventually(() => expect(one.errors.filter((e) => e.code === 202).map((e) => e.reqId)).toEqual([id]));
    expect(gateway.stats().cancels).toBe(1);
  });

  it("reqGlobalCancel from client 2 still cancels client 1's order", async () => {
    const { gateway } = await startTestGateway();
    const one = await connectClient(gateway.port, 1);
    const two = await connectClient(gateway.port, 2);
    const id = one.nextValidId;
    const placed = once(one.api, EventName.orderStatus, (orderId) => orderId === id);
    one.api.placeOrder(id, AAPL, resting);
    await placed;
    const cancelled = once(one.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Cancelled');
    two.api.reqGlobalCancel();
    await cancelled;
    expect(gateway.stats().cancels).toBe(1);
  });
});
