import { describe, expect, it } from 'vitest';
import type { BrokerOrder, OrderRequest } from '../../src/core/types.js';
import { baseScenario, brokerErrorOf, CLIENT_ID, useIbHarness, type Gateway } from './support/ib-harness.js';

/**
 * The IB adapter's modifyOrder over TCP against the simulated gateway: placeOrder again on the same id, every field
 * sent again; resolves once IB shows the new quantity and limit; a refusal is 'rejected' with IB's code and the order
 * stands as it was; nothing is ever resent.
 */

const h = useIbHarness();

/** A resting BUY (MSFT's bid is 409.90): it works without filling. */
const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: 'rebal:20261123T150000Z-ab12:MSFT',
  symbol: 'MSFT',
  action: 'BUY',
  quantity: 10,
  limitPrice: 400,
  adaptivePriority: 'Patient',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

const wholeFills = (extra: Record<string, unknown> = {}) => ({ ...baseScenario(), fills: { partialFillProbability: 0 }, ...extra });

/** The order as the gateway's account has it, read by a session of another client id. */
let readers = 40;
async function atGateway(gateway: Gateway, id: number): Promise<BrokerOrder | undefined> {
  const reader = h.broker(gateway.port, { clientId: readers++ });
  await reader.connect();
  const open = await reader.openOrders();
  await reader.disconnect();
  return open.find((o) => o.brokerOrderId === id && o.clientId === CLIENT_ID);
}

describe('IB adapter over TCP: modifying an order in place', () => {
  it('sends the whole order again on the same id and resolves with the same id and permId, the new quantity and limit', async () => {
    const gateway = await h.gateway(wholeFills());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['MSFT'], {});
    const placed = await broker.placeOrder(order());
    const modified = await broker.modifyOrder(placed, order({ quantity: 15, limitPrice: 401.5 }));
    expect(modified).toMatchObject({
      brokerOrderId: placed.brokerOrderId,
      permId: placed.permId,
      clientId: CLIENT_ID,
      orderRef: placed.orderRef,
      quantity: 15,
      limitPrice: 401.5,
      status: 'Submitted',
    });
    const [first, again, ...more] = gateway.placedOrders();
    expect(more).toEqual([]);
    expect(first?.modification).toBeUndefined();
    const { modification, totalQuantity, lmtPrice, fieldCount, ...rest } = again ?? { modification: undefined };
    expect([modification, totalQuantity, lmtPrice]).toEqual([true, 15, 401.5]);
    // Every other field as the order was sent: orderRef, algo, tif, account, contract.
    const { modification: _m, totalQuantity: _q, lmtPrice: _l, fieldCount: _f, ...firstRest } = first ?? {};
    expect(rest).toEqual(firstRest);
    expect(fieldCount).toBe(first?.fieldCount);
    expect(await atGateway(gateway, placed.brokerOrderId)).toMatchObject({ quantity: 15, limitPrice: 401.5, permId: placed.permId });
    expect(gateway.stats()).toMatchObject({ ordersPlaced: 1, ordersModified: 1 });
  });

  it('keeps the orderStatuses window running from the modification', async () => {
    const gateway = await h.gateway(wholeFills());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    await new Promise((resolve) => setTimeout(resolve, 450));
    // A limit through the ask: worked at once after the acknowledgement.
    expect(await broker.modifyOrder(placed, order({ limitPrice: 410.5 })), 'the fill counted with the status').toMatchObject({
      status: 'Filled',
      filledQuantity: 10,
      limitPrice: 410.5,
    });
    const started = Date.now();
    const [latest] = await broker.orderStatuses([placed.brokerOrderId], 400);
    expect(latest).toMatchObject({ brokerOrderId: placed.brokerOrderId, status: 'Filled', filledQuantity: 10, limitPrice: 410.5 });
    const resting = await broker.placeOrder(order({ orderRef: 'rebal:r:rest', limitPrice: 300 }));
    await new Promise((resolve) => setTimeout(resolve, 450));
    await broker.modifyOrder(resting, order({ orderRef: 'rebal:r:rest', limitPrice: 301 }));
    const windowStart = Date.now();
    const [still] = await broker.orderStatuses([resting.brokerOrderId], 400);
    expect(Date.now() - windowStart, 'the window counts from the modification, not from the first placement').toBeGreaterThanOrEqual(300);
    expect(still).toMatchObject({ status: 'Submitted', limitPrice: 301 });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('IB adapter over TCP: refused modifications are rejected with the code, the order stands as it was', () => {
  it('110: a limit off the tick', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ limitPrice: 400.005 })));
    expect(error).toMatchObject({ kind: 'rejected', code: 110, requestId: placed.brokerOrderId });
    expect(error.message).toMatch(new RegExp(`order ${placed.brokerOrderId}`));
    expect(await atGateway(gateway, placed.brokerOrderId)).toMatchObject({ quantity: 10, limitPrice: 400, status: 'Submitted' });
    // The session goes on: a valid modification afterwards is taken.
    expect(await broker.modifyOrder(placed, order({ limitPrice: 400.01 }))).toMatchObject({ limitPrice: 400.01 });
  });

  it('103: the order was cancelled, unknown to this session', async () => {
    const gateway = await h.gateway();
    const first = h.broker(gateway.port);
    await first.connect();
    const placed = await first.placeOrder(order());
    expect(await first.cancelOrder(placed)).toMatchObject({ confirmed: true });
    await first.disconnect();
    // The next run still believes it works (an old reading): IB refuses the modification with 103.
    const next = h.broker(gateway.port);
    await next.connect();
    const error = await brokerErrorOf(next.modifyOrder(placed, order({ limitPrice: 401 })));
    expect(error).toMatchObject({ kind: 'rejected', code: 103 });
    expect(await atGateway(gateway, placed.brokerOrderId)).toBeUndefined();
  });

  it('a cancelled order this session knows of is not sent at all', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    await broker.cancelOrder(placed);
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ limitPrice: 401 })));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/already Cancelled/);
    expect(gateway.stats().ordersModified).toBe(0);
  });

  it('104: the order filled before the change arrived (modifyFaults.fillFirst)', async () => {
    const gateway = await h.gateway(wholeFills({ modifyFaults: { MSFT: { fillFirst: 'all' } } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ quantity: 20, limitPrice: 401 })));
    expect(error).toMatchObject({ kind: 'rejected', code: 104 });
    const [latest] = await broker.orderStatuses([placed.brokerOrderId], 0);
    expect(latest).toMatchObject({ status: 'Filled', filledQuantity: 10, quantity: 10 });
  });

  it('2102: the order is still being processed (modifyFaults.refuse), not taken for a notice', async () => {
    const gateway = await h.gateway({ ...baseScenario(), modifyFaults: { MSFT: { refuse: { code: 2102 } } } });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ limitPrice: 401 })));
    expect(error).toMatchObject({ kind: 'rejected', code: 2102 });
    expect(error.message).toMatch(/still being processed/);
    expect(await atGateway(gateway, placed.brokerOrderId)).toMatchObject({ quantity: 10, limitPrice: 400, status: 'Submitted' });
  });

  it('a part filled just before the change (modifyFaults.fillFirst part): the change applies to what is left', async () => {
    const gateway = await h.gateway({ ...baseScenario(), modifyFaults: { MSFT: { fillFirst: 'part' } } });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const modified = await broker.modifyOrder(placed, order({ quantity: 12, limitPrice: 400 }));
    expect(modified).toMatchObject({ brokerOrderId: placed.brokerOrderId, permId: placed.permId, quantity: 12, limitPrice: 400 });
    const [latest] = await broker.orderStatuses([placed.brokerOrderId], 0);
    expect(latest).toMatchObject({ status: 'Submitted', filledQuantity: 5, quantity: 12 });
    // A new total at or below what has filled is refused here, before anything is sent.
    const modificationsBefore = gateway.stats().ordersModified;
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ quantity: 5, limitPrice: 400 })));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(/5 share\(s\) already filled, at or above the new total of 5/);
    expect(gateway.stats().ordersModified).toBe(modificationsBefore);
  });
});

describe('IB adapter over TCP: what this session may modify', () => {
  const foreign = {
    ...baseScenario(),
    gateway: {
      foreignOrders: [
        { symbol: 'KO', action: 'BUY', quantity: 5, limitPrice: 50, clientId: 3, orderRef: 'other-app' },
        { symbol: 'SPY', action: 'SELL', quantity: 1, limitPrice: 700, clientId: 0, orderRef: '' },
      ],
    },
  };

  it("canModify is false for another client's order, a TWS order and one of unknown client; modifyOrder refuses them, sending nothing", async () => {
    const gateway = await h.gateway(foreign);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const mine = await broker.placeOrder(order());
    expect(broker.canModify(mine)).toBe(true);
    const open = await broker.openOrders();
    const ko = open.find((o) => o.orderRef === 'other-app');
    expect(ko).toBeDefined();
    if (ko === undefined) return;
    expect(broker.canModify(ko)).toBe(false);
    const { clientId: _c, ...unknownClient } = mine;
    expect(broker.canModify(unknownClient)).toBe(false);
    expect(broker.canModify({ ...ko, brokerOrderId: 0, clientId: CLIENT_ID })).toBe(false);
    const koChange = { ...order(), orderRef: 'other-app', symbol: 'KO', quantity: 6, limitPrice: 50, primaryExchange: 'NYSE' };
    const error = await brokerErrorOf(broker.modifyOrder(ko, koChange));
    expect(error.kind).toBe('rejected');
    expect(error.message).toMatch(
      new RegExp(`order ${ko.brokerOrderId} \\(other-app\\) belongs to API client 3, not to this session's client ${CLIENT_ID}`),
    );
    expect((await brokerErrorOf(broker.modifyOrder(unknownClient, order({ limitPrice: 401 })))).kind).toBe('rejected');
    expect(gateway.placedOrders()).toHaveLength(1);
    expect(gateway.stats().ordersModified).toBe(0);
  });

  it('refuses in a read-only (plan) session, and sends nothing', async () => {
    const gateway = await h.gateway();
    const placer = h.broker(gateway.port);
    await placer.connect();
    const placed = await placer.placeOrder(order());
    await placer.disconnect();
    const plan = h.broker(gateway.port, { readOnly: true });
    await plan.connect();
    const error = await brokerErrorOf(plan.modifyOrder(placed, order({ limitPrice: 401 })));
    expect(error.message).toMatch(/read-only/);
    expect(gateway.stats().ordersModified).toBe(0);
  });

  it('refuses a change that is not the same order (side, symbol or orderRef), sending nothing', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    for (const change of [order({ action: 'SELL' }), order({ symbol: 'AAPL' }), order({ orderRef: 'rebal:other:MSFT' })]) {
      expect((await brokerErrorOf(broker.modifyOrder(placed, change))).kind).toBe('fatal');
    }
    expect(gateway.stats().ordersModified).toBe(0);
  });
});

describe('IB adapter over TCP: the connection drops after the modification left', () => {
  it("rejects 'connectivity' when the modification is lost with the socket (IB Gateway's restart); the order stands as it was", async () => {
    const gateway = await h.gateway({ ...baseScenario(), gateway: { faults: { restart: { afterOrders: 2, awayMs: 200 } } } });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ quantity: 12, limitPrice: 401 })));
    expect(error.kind).toBe('connectivity');
    expect(error.message).toMatch(/nothing is resent/);
    const back = Date.now() + 5000;
    let seen: BrokerOrder | undefined;
    while (seen === undefined && Date.now() < back) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      seen = await atGateway(gateway, placed.brokerOrderId).catch(() => undefined);
    }
    expect(seen).toMatchObject({ quantity: 10, limitPrice: 400, permId: placed.permId });
    expect(gateway.stats().ordersModified).toBe(0);
  });

  it("rejects 'connectivity'; the change stands at the gateway; nothing is resent", async () => {
    const gateway = await h.gateway({ ...baseScenario(), modifyFaults: { MSFT: { dropAfter: true } } });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(order());
    const error = await brokerErrorOf(broker.modifyOrder(placed, order({ quantity: 12, limitPrice: 401 })));
    expect(error.kind).toBe('connectivity');
    expect(gateway.stats().ordersModified).toBe(1);
    expect(await atGateway(gateway, placed.brokerOrderId)).toMatchObject({ quantity: 12, limitPrice: 401, permId: placed.permId });
  });
});
