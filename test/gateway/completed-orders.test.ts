import { EventName, OrderAction, OrderType, SecType, type Contract, type Order, type OrderState } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, collect, connectClient, eventually, once, startTestGateway, type TrackedClient } from './helpers.js';

/**
 * reqCompletedOrders over TCP, read by @stoqey/ib's own decoder (any 505 fails the test): the current New York
 * day's finished orders of every client and typed in TWS, with their final status, filled quantity and completion
 * time and text; nothing of an earlier day; apiOnly leaves out the TWS orders.
 */

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };
const MSFT: Contract = { ...AAPL, symbol: 'MSFT' };
const lmt = (action: OrderAction, totalQuantity: number, lmtPrice: number, orderRef: string): Order => ({
  action,
  totalQuantity,
  orderType: OrderType.LMT,
  lmtPrice,
  tif: 'DAY',
  transmit: true,
  orderRef,
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
});

/** Each 5-minute step fills at most 1000 USD of an order (5 AAPL), and never only a part by chance. */
const SCENARIO = {
  ...BASE_SCENARIO,
  fills: { partialFillProbability: 0, maxStepValue: 1000 },
  // Typed in TWS on Tuesday, not marketable: it expires at Tuesday's close.
  gateway: { foreignOrders: [{ symbol: 'AAPL', action: 'BUY', quantity: 1, limitPrice: 150, clientId: 0, orderRef: 'manual' }] },
};

type Completed = [Contract, Order, OrderState];

function completedOrders(client: TrackedClient, apiOnly: boolean): Promise<Completed[]> {
  return collect<Completed>(client.api, EventName.completedOrder, EventName.completedOrdersEnd, () =>
    client.api.reqCompletedOrders(apiOnly),
  );
}

/** Places an order and waits until its status is `status` with `filled` shares; returns its permId. */
async function place(client: TrackedClient, contract: Contract, order: Order, status: string, filled: number): Promise<number> {
  const id = client.nextValidId++;
  const seen = once<[number, string, number, number, number, number]>(
    client.api,
    EventName.orderStatus,
    (orderId, s, f) => orderId === id && s === status && f === filled,
  );
  client.api.placeOrder(id, contract, order);
  const [, , , , , permId] = await seen;
  return permId;
}

async function cancel(client: TrackedClient, orderId: number): Promise<void> {
  const done = once(client.api, EventName.orderStatus, (id: number, status: string) => id === orderId && status === 'Cancelled');
  client.api.cancelOrder(orderId);
  await done;
}

describe('reqCompletedOrders', () => {
  it("answers with the current New York day's finished orders of every client and of TWS, as COMPLETED_ORDER frames", async () => {
    let now = '2026-11-17T15:00:00Z'; // Tuesday 10:00 New York
    const { gateway } = await startTestGateway(SCENARIO, { now: () => now });
    const tuesday = await connectClient(gateway.port, 7);
    const yesterdayFill = await place(tuesday, AAPL, lmt(OrderAction.BUY, 2, 190.05, 'rb:tue:AAPL'), 'Filled', 2);
    tuesday.api.disconnect();

    now = '2026-11-18T15:00:00Z'; // Wednesday 10:00 New York
    const client = await connectClient(gateway.port, 7);
    const filled = await place(client, AAPL, lmt(OrderAction.BUY, 3, 190.05, 'rb:wed:AAPL'), 'Filled', 3);
    const partId = client.nextValidId;
    const part = await place(client, AAPL, lmt(OrderAction.BUY, 10, 190.05, 'rb:wed:AAPL2'), 'Submitted', 5);
    now = '2026-11-18T15:01:00Z';
    await cancel(client, partId);
    const unfilledId = client.nextValidId;
    const unfilled = await place(client, MSFT, lmt(OrderAction.BUY, 2, 400, 'rb:wed:MSFT'), 'Submitted', 0);
    now = '2026-11-18T15:02:00Z';
    await cancel(client, unfilledId);
    // Connected now, so that their next valid ids are past client 7's (the simulated account numbers orders as one).
    const other = await connectClient(gateway.port, 9);
    const others = await place(other, AAPL, lmt(OrderAction.SELL, 2, 189.95, 'other:AAPL'), 'Filled', 2);
    const tws = await connectClient(gateway.port, 0);
    const manual = await place(tws, AAPL, lmt(OrderAction.BUY, 1, 190.05, ''), 'Filled', 1);
    now = '2026-11-18T21:30:00Z'; // 16:30 New York, after the close: still the same day

    const all = await completedOrders(client, false);
    const byPerm = new Map(all.map(([contract, order, state]) => [order.permId, { contract, order, state }]));
    expect([...byPerm.keys()].sort()).toEqual([filled, part, unfilled, others, manual].sort());
    expect(byPerm.has(yesterdayFill)).toBe(false);
    expect(all).toHaveLength(5);

    expect(byPerm.get(filled)).toMatchObject({
      contract: { symbol: 'AAPL', secType: 'STK', conId: expect.any(Number) },
      order: { action: 'BUY', totalQuantity: 3, lmtPrice: 190.05, orderRef: 'rb:wed:AAPL', filledQuantity: 3, account: 'DU1234567' },
      state: { status: 'Filled', completedStatus: 'Filled', completedTime: '20261118 10:00:00 America/New_York' },
    });
    expect(byPerm.get(part)).toMatchObject({
      order: { totalQuantity: 10, filledQuantity: 5, orderRef: 'rb:wed:AAPL2' },
      state: { status: 'Cancelled', completedStatus: 'Cancelled by Trader', completedTime: '20261118 10:01:00 America/New_York' },
    });
    expect(byPerm.get(unfilled)).toMatchObject({
      contract: { symbol: 'MSFT' },
      order: { filledQuantity: 0, orderRef: 'rb:wed:MSFT' },
      state: { status: 'Cancelled', completedStatus: 'Cancelled by Trader', completedTime: '20261118 10:02:00 America/New_York' },
    });
    expect(byPerm.get(others)).toMatchObject({ order: { action: 'SELL', filledQuantity: 2, orderRef: 'other:AAPL' } });
    // IB's completed orders carry neither the order id nor the client id: permId and orderRef are the keys.
    for (const [, order] of all) {
      expect(order.orderId).toBeUndefined();
      expect(order.clientId).toBeUndefined();
    }

    const apiOnly = await completedOrders(other, true);
    expect(apiOnly.map(([, order]) => order.permId).sort()).toEqual([filled, part, unfilled, others].sort());
  });

  it("serves yesterday's orders no more the next morning, also those that expired at the close", async () => {
    let now = '2026-11-17T15:00:00Z';
    const { gateway } = await startTestGateway(SCENARIO, { now: () => now });
    const client = await connectClient(gateway.port, 7);
    await place(client, AAPL, lmt(OrderAction.BUY, 2, 190.05, 'rb:tue:AAPL'), 'Filled', 2);
    now = '2026-11-17T22:00:00Z'; // Tuesday 17:00 New York: the TWS order expired at the close, both are today's
    await eventually(async () => expect(await completedOrders(client, false)).toHaveLength(2));
    const [expired] = (await completedOrders(client, false)).filter(([, order]) => order.orderRef === 'manual');
    expect(expired?.[2]).toMatchObject({ status: 'Cancelled', completedTime: '20261117 16:00:00 America/New_York' });
    now = '2026-11-18T14:00:00Z'; // Wednesday 09:00 New York
    await eventually(async () => expect(await completedOrders(client, false)).toEqual([]));
  });
});
