import { EventName, OrderAction, OrderType, SecType, type Contract, type Order, type OrderState } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, collect, connectClient, connectNext, eventually, once, startTestGateway } from './helpers.js';

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };

/** The rebalancer's order: Adaptive LMT, DAY, transmitted, with an orderRef naming the run. */
const adaptive = (over: Partial<Order> = {}): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice: 190.01,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:2026-11-18T17:00Z:AAPL',
  account: 'DU1234567',
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Patient' }],
  ...over,
});

const FOREIGN = {
  ...BASE_SCENARIO,
  gateway: { foreignOrders: [{ symbol: 'AAPL', action: 'BUY', quantity: 10, limitPrice: 150, clientId: 0, orderRef: 'manual' }] },
};

describe('placeOrder', () => {
  it('reads an Adaptive LMT order field by field, every field consumed, and acknowledges it', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const open = once<[number, Contract, Order, OrderState]>(client.api, EventName.openOrder, (id) => id === client.nextValidId);
    const status = once<[number, string, number, number]>(client.api, EventName.orderStatus, (id) => id === client.nextValidId);
    client.api.placeOrder(client.nextValidId, AAPL, adaptive());
    const [, contract, order, state] = await open;
    expect((await status).slice(1, 4)).toEqual(['Submitted', 0, 10]);
    expect(state.status).toBe('Submitted');
    expect(contract.symbol).toBe('AAPL');
    expect(order).toMatchObject({
      orderRef: 'rb:2026-11-18T17:00Z:AAPL',
      algoStrategy: 'Adaptive',
      clientId: 7,
      tif: 'DAY',
      lmtPrice: 190.01,
    });
    expect(order.permId).toBeGreaterThan(0);
    expect(gateway.stats().decodeErrors).toEqual([]);
    expect(gateway.placedOrders()).toEqual([
      expect.objectContaining({
        orderId: client.nextValidId,
        clientId: 7,
        symbol: 'AAPL',
        action: 'BUY',
        totalQuantity: 10,
        orderType: 'LMT',
        lmtPrice: 190.01,
        tif: 'DAY',
        orderRef: 'rb:2026-11-18T17:00Z:AAPL',
        transmit: true,
        account: 'DU1234567',
        algoStrategy: 'Adaptive',
        algoParams: [{ tag: 'adaptivePriority', value: 'Patient' }],
        fieldCount: 121,
      }),
    ]);
  });

  it('never acts on an order whose fields do not line up: decode error, error 320 to the client, no order', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const error = once<[Error, number, number]>(client.api, EventName.error, (_e, code) => code === 320);
    // An array in orderMiscOptions is flattened into the frame (reference: leave it undefined): a field too many.
    client.api.placeOrder(client.nextValidId, AAPL, { ...adaptive(), orderMiscOptions: ['a', 'b'] } as unknown as Order);
    const [, , id] = await error;
    expect(id).toBe(client.nextValidId);
    expect(gateway.stats().decodeErrors).toEqual([expect.stringMatching(/PLACE_ORDER: 1 field\(s\) left unread/)]);
    expect(gateway.placedOrders()).toEqual([]);
    const orders = await collect(client.api, EventName.openOrder, EventName.openOrderEnd, () => client.api.reqAllOpenOrders());
    expect(orders).toEqual([]);
  });

  it('refuses an order without transmit (TWS would only stage it) and an unused order id at or below one used (103)', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    client.api.placeOrder(id, AAPL, adaptive({ transmit: undefined }));
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ reqId: id, code: 201 })));
    client.api.placeOrder(id + 1, AAPL, adaptive());
    await once(client.api, EventName.orderStatus, (orderId) => orderId === id + 1);
    // The id of the refused order was never used, but it is below one used: a duplicate (the id of an order this
    // client has is a modification of it instead: modify.test.ts).
    client.api.placeOrder(id, AAPL, adaptive({ lmtPrice: 189 }));
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ reqId: id, code: 103 })));
    // Ids only grow: an unused id below the last one used is refused too.
    client.api.placeOrder(id + 5, AAPL, adaptive());
    await once(client.api, EventName.orderStatus, (orderId) => orderId === id + 5);
    client.api.placeOrder(id + 3, AAPL, adaptive());
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ reqId: id + 3, code: 103 })));
    expect(gateway.stats().decodeErrors).toEqual([]);
  });
});

describe('open orders of every client', () => {
  it("lists another client's orders and the foreign (manual) ones in reqAllOpenOrders, only its own in reqOpenOrders", async () => {
    const { gateway } = await startTestGateway(FOREIGN);
    const placer = await connectClient(gateway.port, 7);
    const placed = once(placer.api, EventName.orderStatus, (id) => id === placer.nextValidId);
    placer.api.placeOrder(placer.nextValidId, AAPL, adaptive());
    await placed;

    const reader = await connectClient(gateway.port, 8);
    const all = await collect<[number, Contract, Order, OrderState]>(reader.api, EventName.openOrder, EventName.openOrderEnd, () =>
      reader.api.reqAllOpenOrders(),
    );
    expect(all.map(([id, c, o]) => [id, c.symbol, o.clientId, o.orderRef, o.algoStrategy ?? ''])).toEqual([
      [1, 'AAPL', 0, 'manual', ''],
      [placer.nextValidId, 'AAPL', 7, 'rb:2026-11-18T17:00Z:AAPL', 'Adaptive'],
    ]);
    const own = await collect(reader.api, EventName.openOrder, EventName.openOrderEnd, () => reader.api.reqOpenOrders());
    expect(own).toEqual([]);

    const { ib } = connectNext(gateway.port, 9);
    const orders = await ib.getAllOpenOrders();
    expect(orders.map((o) => [o.orderId, o.order.permId !== undefined && o.order.permId > 0, o.orderState.status])).toEqual([
      [1, true, 'Submitted'],
      [placer.nextValidId, true, 'Submitted'],
    ]);
  });
});

describe('cancels', () => {
  it('cancelOrder: orderStatus Cancelled, then error 202 under the order id', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    client.api.placeOrder(id, AAPL, adaptive());
    await once(client.api, EventName.orderStatus, (orderId) => orderId === id);
    const cancelled = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Cancelled');
    const confirmed = once<[Error, number, number]>(client.api, EventName.error, (_e, code, reqId) => code === 202 && reqId === id);
    client.api.cancelOrder(id);
    await cancelled;
    expect((await confirmed)[0].message).toBe('Order Canceled - reason:');
    client.api.cancelOrder(id);
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ reqId: id, code: 161 })));
    client.api.cancelOrder(9999);
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ reqId: 9999, code: 10147 })));
    expect(gateway.stats().cancels).toBe(1);
  });

  it('reqGlobalCancel cancels every open order of every client, the manual ones included', async () => {
    const { gateway } = await startTestGateway(FOREIGN);
    const client = await connectClient(gateway.port, 7);
    client.api.placeOrder(client.nextValidId, AAPL, adaptive());
    await once(client.api, EventName.orderStatus, (orderId) => orderId === client.nextValidId);
    const confirmations: number[] = [];
    client.api.on(EventName.error, (_e: Error, code: number, reqId: number) => {
      if (code === 202) confirmations.push(reqId);
    });
    client.api.reqGlobalCancel();
    await eventually(() => expect(confirmations.sort()).toEqual([1, client.nextValidId]));
    const left = await collect(client.api, EventName.openOrder, EventName.openOrderEnd, () => client.api.reqAllOpenOrders());
    expect(left).toEqual([]);
    expect(gateway.stats().cancels).toBe(2);
  });
});
