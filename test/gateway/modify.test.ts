import { EventName, OrderAction, OrderType, SecType, type Contract, type Order, type OrderState } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { BASE_SCENARIO, collect, connectClient, eventually, once, sleep, startTestGateway, type TrackedClient } from './helpers.js';

/**
 * Modifying an order at the simulated gateway, on the wire: placeOrder again on an order id the client already has
 * is a modification (https://interactivebrokers.github.io/tws-api/modifying_orders.html). Accepted, the order keeps
 * its id and permId and shows its new size and limit; refused, the client hears the error under the order id and
 * nothing else, and the order stands as it was.
 */

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };

/** A resting Adaptive BUY (below the bid of 189.98): it works without filling. */
const resting = (over: Partial<Order> = {}): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice: 180,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rebal:r1:AAPL',
  account: 'DU1234567',
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Patient' }],
  ...over,
});

type OpenOrderArgs = [number, Contract, Order, OrderState];
type StatusArgs = [number, string, number, number, number, number];

/** Places the resting order under the client's next id; returns its id and permId once acknowledged. */
async function placeResting(client: TrackedClient, over: Partial<Order> = {}): Promise<{ id: number; permId: number }> {
  const id = client.nextValidId;
  const open = once<OpenOrderArgs>(client.api, EventName.openOrder, (orderId) => orderId === id);
  const status = once(client.api, EventName.orderStatus, (orderId) => orderId === id);
  client.api.placeOrder(id, AAPL, resting(over));
  const [, , order] = await open;
  await status;
  return { id, permId: order.permId ?? 0 };
}

let readers = 90;

/** Every open order of the account as another client sees it: [id, qty, limit, status, permId]. */
async function openOrdersSeenBy(port: number): Promise<[number, number, number, string, number][]> {
  const reader = await connectClient(port, readers++);
  const all = await collect<OpenOrderArgs>(reader.api, EventName.openOrder, EventName.openOrderEnd, () => reader.api.reqAllOpenOrders());
  reader.api.disconnect();
  return all.map(([id, , o, s]) => [id, o.totalQuantity ?? 0, o.lmtPrice ?? 0, s.status ?? '', o.permId ?? 0]);
}

/** What the client hears about `id` from now on: open orders, statuses and errors, in arrival order. */
function listen(client: TrackedClient, id: number): string[] {
  const heard: string[] = [];
  client.api.on(EventName.openOrder, (orderId: number, _c: Contract, o: Order) => {
    if (orderId === id) heard.push(`openOrder ${o.totalQuantity} @ ${o.lmtPrice}`);
  });
  client.api.on(EventName.orderStatus, (orderId: number, status: string, filled: number, remaining: number) => {
    if (orderId === id) heard.push(`orderStatus ${status} ${filled}/${remaining}`);
  });
  client.api.on(EventName.error, (_e: Error, code: number, reqId: number) => {
    if (reqId === id) heard.push(`error ${code}`);
  });
  return heard;
}

describe('modifying an order', () => {
  it('keeps its id and permId and reports the new total quantity and limit: OPEN_ORDER, then ORDER_STATUS', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, fills: { partialFillProbability: 0 } });
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    const open = once<OpenOrderArgs>(client.api, EventName.openOrder, (orderId) => orderId === id);
    const status = once<StatusArgs>(client.api, EventName.orderStatus, (orderId) => orderId === id);
    client.api.placeOrder(id, AAPL, resting({ totalQuantity: 20, lmtPrice: 181.5 }));
    const [, contract, order, state] = await open;
    expect(contract.symbol).toBe('AAPL');
    expect(order).toMatchObject({
      totalQuantity: 20,
      lmtPrice: 181.5,
      permId,
      clientId: 7,
      orderRef: 'rebal:r1:AAPL',
      algoStrategy: 'Adaptive',
    });
    expect(state.status).toBe('Submitted');
    expect((await status).slice(1, 4)).toEqual(['Submitted', 0, 20]);
    await sleep(150);
    expect(heard, 'one acknowledgement, no error').toEqual(['openOrder 20 @ 181.5', 'orderStatus Submitted 0/20']);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 20, 181.5, 'Submitted', permId]]);
    expect(gateway.stats()).toMatchObject({ ordersPlaced: 1, ordersModified: 1, decodeErrors: [] });
    expect(gateway.placedOrders().map((o) => [o.orderId, o.totalQuantity, o.lmtPrice, o.modification ?? false])).toEqual([
      [id, 10, 180, false],
      [id, 20, 181.5, true],
    ]);
  });

  it('a new limit that crosses the quote is worked at once: the acknowledgement shows the order as it stands, its execution follows', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, fills: { partialFillProbability: 0 } });
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    const filled = once<StatusArgs>(client.api, EventName.orderStatus, (orderId, s) => orderId === id && s === 'Filled');
    client.api.placeOrder(id, AAPL, resting({ lmtPrice: 190.05 }));
    const [, , done, remaining] = await filled;
    expect([done, remaining]).toEqual([10, 0]);
    await sleep(100);
    expect(heard, 'one acknowledgement, no error').toEqual(['openOrder 10 @ 190.05', 'orderStatus Filled 10/0']);
    const executions = await collect<[number, Contract, { orderId: number; permId: number; shares: number }]>(
      client.api,
      EventName.execDetails,
      EventName.execDetailsEnd,
      () => client.api.reqExecutions(1, {}),
    );
    expect(executions.map(([, , e]) => [e.orderId, e.permId, e.shares])).toEqual([[id, permId, 10]]);
  });
});

describe('refused modifications: the error under the order id, nothing else; the order stands as it was', () => {
  it('104 for a filled order', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, fills: { partialFillProbability: 0 } });
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    const filled = once(client.api, EventName.orderStatus, (orderId, s) => orderId === id && s === 'Filled');
    client.api.placeOrder(id, AAPL, resting({ lmtPrice: 190.05 }));
    await filled;
    await sleep(100);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ lmtPrice: 190.05, totalQuantity: 20 }));
    await eventually(() => expect(heard).toEqual(['error 104']));
    await sleep(150);
    expect(heard, 'no status after the refusal').toEqual(['error 104']);
    expect(client.errors.find((e) => e.code === 104)?.message).toMatch(/filled/i);
    expect(gateway.stats()).toMatchObject({ ordersPlaced: 1, ordersModified: 1 });
  });

  it('103 for a cancelled order', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const { id } = await placeResting(client);
    const confirmed = once(client.api, EventName.error, (_e, code, reqId) => code === 202 && reqId === id);
    client.api.cancelOrder(id);
    await confirmed;
    await sleep(50);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ lmtPrice: 181 }));
    await eventually(() => expect(heard).toEqual(['error 103']));
    await sleep(150);
    expect(heard).toEqual(['error 103']);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([]);
  });

  it.each([
    ['105 for a changed side', { action: OrderAction.SELL, lmtPrice: 181 }, 105],
    ['105 for a dropped algo', { algoStrategy: '', algoParams: [], lmtPrice: 181 }, 105],
    ['110 for a limit off the tick', { lmtPrice: 180.005 }, 110],
  ])('%s', async (_name, change: Partial<Order>, code) => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ ...change, totalQuantity: 15 }));
    await eventually(() => expect(heard).toEqual([`error ${code}`]));
    await sleep(150);
    expect(heard, 'no OPEN_ORDER or ORDER_STATUS: the order is not cancelled by a refused modification').toEqual([`error ${code}`]);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 10, 180, 'Submitted', permId]]);
  });

  it('read-only API: 321, nothing changes', async () => {
    // An order of client 7 already working at the broker (placed by an earlier session), behind a read-only API.
    const earlier = {
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 10,
      limitPrice: 180,
      clientId: 7,
      orderRef: 'rebal:r0:AAPL',
      adaptivePriority: 'Patient',
    };
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, gateway: { foreignOrders: [earlier], faults: { readOnlyApi: true } } });
    const [[id, , , , permId] = [0, 0, 0, '', 0]] = await openOrdersSeenBy(gateway.port);
    const client = await connectClient(gateway.port, 7);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ orderRef: 'rebal:r0:AAPL', lmtPrice: 181 }));
    await eventually(() => expect(heard).toEqual(['error 321']));
    await sleep(150);
    expect(heard).toEqual(['error 321']);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 10, 180, 'Submitted', permId]]);
    expect(gateway.stats()).toMatchObject({ ordersPlaced: 0, ordersModified: 1 });
  });
});

describe('order ids are per client', () => {
  it("another client's placeOrder under the same id is not a modification of that order", async () => {
    const { gateway } = await startTestGateway();
    const owner = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(owner);
    const ownerHeard = listen(owner, id);
    const other = await connectClient(gateway.port, 8);
    const heard = listen(other, id);
    other.api.placeOrder(id, AAPL, resting({ lmtPrice: 181, totalQuantity: 20 }));
    // At IB this would be client 8's own new order 7 (ids are per client); the simulated account numbers orders
    // account-wide, so it refuses the id as a duplicate (103) instead: never kinder, and never a modification.
    await eventually(() => expect(heard[0]).toBe('error 103'));
    await sleep(150);
    expect(ownerHeard, 'the owner hears nothing: its order is untouched').toEqual([]);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 10, 180, 'Submitted', permId]]);
    expect(gateway.stats()).toMatchObject({ ordersPlaced: 2, ordersModified: 0 });
    expect(gateway.placedOrders().some((o) => o.modification)).toBe(false);
  });
});

describe('modifyFaults: the races a modification runs into', () => {
  it('fillFirst all: the fill is reported first, then 104; the change is not applied', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, modifyFaults: { AAPL: { fillFirst: 'all' } } });
    const client = await connectClient(gateway.port, 7);
    const { id } = await placeResting(client);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ totalQuantity: 20, lmtPrice: 181 }));
    await eventually(() => expect(heard.at(-1)).toBe('error 104'));
    await sleep(150);
    expect(heard).toEqual(['openOrder 10 @ 180', 'orderStatus Filled 10/0', 'error 104']);
  });

  it('fillFirst part: the acknowledgement counts the part filled just before the change (remaining = total - filled)', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, modifyFaults: { AAPL: { fillFirst: 'part' } } });
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    const executed = once<[number, Contract, { orderId: number; shares: number }]>(
      client.api,
      EventName.execDetails,
      (_r, _c, e) => e.orderId === id,
    );
    client.api.placeOrder(id, AAPL, resting({ totalQuantity: 12 }));
    const [, , execution] = await executed;
    expect(execution.shares).toBe(5);
    await sleep(100);
    expect(heard).toEqual(['openOrder 12 @ 180', 'orderStatus Submitted 5/7']);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 12, 180, 'Submitted', permId]]);
  });

  it('refuse 2102: the error IB gives while the order is still being processed; the order stands', async () => {
    const { gateway } = await startTestGateway({ ...BASE_SCENARIO, modifyFaults: { AAPL: { refuse: { code: 2102 } } } });
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    client.api.placeOrder(id, AAPL, resting({ lmtPrice: 181 }));
    await eventually(() => expect([...client.errors, ...client.infos].map((e) => e.code)).toContain(2102));
    await sleep(150);
    expect(
      heard.filter((h) => !h.startsWith('error')),
      'no status: the order stands',
    ).toEqual([]);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 10, 180, 'Submitted', permId]]);
  });
});

describe('modifyFaults.dropAfter', () => {
  it('applies the change, then drops the connection before the client hears of it', async () => {
    const { gateway } = await startTestGateway({
      ...BASE_SCENARIO,
      modifyFaults: { AAPL: { dropAfter: true } },
    });
    const client = await connectClient(gateway.port, 7);
    const { id, permId } = await placeResting(client);
    const heard = listen(client, id);
    const disconnected = once(client.api, EventName.disconnected);
    client.api.placeOrder(id, AAPL, resting({ totalQuantity: 20, lmtPrice: 181 }));
    await disconnected;
    expect(heard, 'no acknowledgement').toEqual([]);
    expect(await openOrdersSeenBy(gateway.port)).toEqual([[id, 20, 181, 'Submitted', permId]]);
  });
});
