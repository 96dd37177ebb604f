import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/types.js';
import { ACCOUNT, baseScenario, brokerErrorOf, CLIENT_ID, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

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

/** Marketable orders fill whole at once. */
const wholeFills = { ...baseScenario(), fills: { partialFillProbability: 0 } };

const foreign = {
  ...baseScenario(),
  gateway: {
    foreignOrders: [
      { symbol: 'KO', action: 'BUY', quantity: 5, limitPrice: 50, clientId: 3, orderRef: 'other-app' },
      { symbol: 'SPY', action: 'SELL', quantity: 1, limitPrice: 700, clientId: 0, orderRef: '' },
    ],
  },
};

describe('IB adapter over TCP: placing orders', () => {
  it('sends an Adaptive LMT DAY order, transmitted, with the priority, orderRef and account, and resolves on acknowledgement', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['MSFT'], {});
    const placed = await broker.placeOrder(order());
    expect(placed).toMatchObject({
      orderRef: order().orderRef,
      symbol: 'MSFT',
      action: 'BUY',
      quantity: 10,
      limitPrice: 400,
      clientId: CLIENT_ID,
    });
    expect(['PreSubmitted', 'Submitted']).toContain(placed.status);
    expect(placed.brokerOrderId).toBeGreaterThan(0);
    expect(placed.permId).toBeGreaterThan(0);
    const [sent, ...more] = gateway.placedOrders();
    expect(more).toEqual([]);
    expect(sent).toMatchObject({
      orderId: placed.brokerOrderId,
      clientId: CLIENT_ID,
      symbol: 'MSFT',
      secType: 'STK',
      exchange: 'SMART',
      primaryExch: 'NASDAQ',
      currency: 'USD',
      action: 'BUY',
      totalQuantity: 10,
      orderType: 'LMT',
      lmtPrice: 400,
      tif: 'DAY',
      account: ACCOUNT,
      orderRef: order().orderRef,
      transmit: true,
      outsideRth: false,
      algoStrategy: 'Adaptive',
      algoParams: [{ tag: 'adaptivePriority', value: 'Patient' }],
    });
    expect(sent?.conId).toBeGreaterThan(0);
  });

  it('gives each order its own id, counting up from the next valid id', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    const a = await broker.placeOrder(order({ orderRef: 'rebal:r:A', limitPrice: 399 }));
    const b = await broker.placeOrder(order({ orderRef: 'rebal:r:B', limitPrice: 398 }));
    expect(b.brokerOrderId).toBe(a.brokerOrderId + 1);
    expect(gateway.placedOrders().map((o) => o.orderId)).toEqual([a.brokerOrderId, b.brokerOrderId]);
  });

  it('collects statuses for the window after submission and returns the latest (a marketable order fills)', async () => {
    const gateway = await h.gateway(wholeFills);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const resting = await broker.placeOrder(order({ orderRef: 'rebal:r:rest', limitPrice: 300 }));
    const marketable = await broker.placeOrder(order({ orderRef: 'rebal:r:fill', limitPrice: 410.5, quantity: 3 }));
    const started = Date.now();
    const statuses = await broker.orderStatuses([resting.brokerOrderId, marketable.brokerOrderId], 400);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    const byId = new Map(statuses.map((s) => [s.brokerOrderId, s]));
    expect(byId.get(resting.brokerOrderId)?.status).toBe('Submitted');
    expect(byId.get(marketable.brokerOrderId)).toMatchObject({ status: 'Filled', filledQuantity: 3 });
    expect(byId.get(marketable.brokerOrderId)?.avgFillPrice).toBeGreaterThan(0);
  });

  it('refuses to place anything in a read-only (plan) session, and sends nothing', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port, { readOnly: true });
    await broker.connect();
    const error = await brokerErrorOf(broker.placeOrder(order()));
    expect(error.message).toMatch(/read-only/);
    expect(gateway.placedOrders()).toEqual([]);
  });

  it('refuses an order that cannot be right before sending it', async () => {
    const gateway = await h.gateway();
    const broker = h.broker(gateway.port);
    await broker.connect();
    expect(await brokerErrorOf(broker.placeOrder(order({ quantity: 0 })))).toMatchObject({ kind: 'fatal' });
    const noAccount = h.broker(gateway.port, { clientId: 31, account: undefined });
    await noAccount.connect();
    expect(await brokerErrorOf(noAccount.placeOrder(order()))).toMatchObject({
      kind: 'fatal',
      message: expect.stringMatching(/IB_ACCOUNT is not set/),
    });
    expect(gateway.placedOrders()).toEqual([]);
  });
});

describe('IB adapter over TCP: open orders and cancels', () => {
  it('lists the open orders of every client, with orderRef, permId, clientId, status and filled', async () => {
    const gateway = await h.gateway(foreign);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const mine = await broker.placeOrder(order({ orderRef: 'rebal:r:MSFT', limitPrice: 300 }));
    const open = await broker.openOrders();
    expect(open).toHaveLength(3);
    expect(open.find((o) => o.orderRef === 'rebal:r:MSFT')).toMatchObject({
      brokerOrderId: mine.brokerOrderId,
      clientId: CLIENT_ID,
      status: 'Submitted',
      filledQuantity: 0,
    });
    expect(open.find((o) => o.orderRef === 'other-app')).toMatchObject({
      symbol: 'KO',
      clientId: 3,
      action: 'BUY',
      quantity: 5,
      limitPrice: 50,
    });
    expect(open.find((o) => o.symbol === 'SPY')).toMatchObject({ clientId: 0, action: 'SELL' });
    for (const o of open) expect(o.permId).toBeGreaterThan(0);
  });

  it('cancels its own order and waits for the confirmation', async () => {
    const gateway = await h.gateway();
    const first = h.broker(gateway.port);
    await first.connect();
    await first.placeOrder(order({ orderRef: 'rebal:r:MSFT', limitPrice: 300 }));
    await first.disconnect();
    // The next run: a new session of the same client id finds the order and cancels it.
    const next = h.broker(gateway.port);
    await next.connect();
    const [open] = await next.openOrders();
    expect(open).toBeDefined();
    if (open === undefined) return;
    const result = await next.cancelOrder(open);
    expect(result).toMatchObject({ brokerOrderId: open.brokerOrderId, orderRef: 'rebal:r:MSFT', confirmed: true });
    expect(['Cancelled', 'ApiCancelled']).toContain(result.status);
    expect(await next.openOrders()).toEqual([]);
    expect(gateway.stats().cancels).toBe(1);
  });

  it('does not cancel an order of another client by id, and explains why', async () => {
    const gateway = await h.gateway(foreign);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const open = await broker.openOrders();
    for (const o of open) {
      const result = await broker.cancelOrder(o);
      expect(result.confirmed).toBe(false);
      expect(result.detail).toMatch(/CANCEL_SCOPE=all/);
    }
    expect(gateway.stats().cancels).toBe(0);
    expect(await broker.openOrders()).toHaveLength(2);
  });

  it('cancels every order of every client with the global cancel (CANCEL_SCOPE=all)', async () => {
    const gateway = await h.gateway(foreign);
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.placeOrder(order({ orderRef: 'rebal:r:MSFT', limitPrice: 300 }));
    const results = await broker.cancelAllOrders();
    expect(results).toHaveLength(3);
    expect(results.every((r) => r.confirmed)).toBe(true);
    expect(await broker.openOrders()).toEqual([]);
  });

  it('reports a cancel the gateway refuses (read-only API, 321) as unconfirmed, with the code', async () => {
    const gateway = await h.gateway({ ...baseScenario(), gateway: { faults: { readOnlyApi: true } } });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const result = await broker.cancelOrder({
      brokerOrderId: 5,
      clientId: CLIENT_ID,
      orderRef: 'rebal:x',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 1,
      limitPrice: 1,
      status: 'Submitted',
      filledQuantity: 0,
      avgFillPrice: 0,
    });
    expect(result).toMatchObject({ confirmed: false, detail: expect.stringMatching(/IB 321.*Read-Only/) });
  });
});

describe('IB adapter over TCP: executions', () => {
  it('returns each execution once, with its commission and an ISO UTC time', async () => {
    const gateway = await h.gateway(wholeFills);
    const broker = h.broker(gateway.port);
    await broker.connect();
    const a = await broker.placeOrder(order({ orderRef: 'rebal:r:MSFT', limitPrice: 410.5, quantity: 4 }));
    await broker.placeOrder(
      order({ orderRef: 'rebal:r:KO', symbol: 'KO', primaryExchange: 'NYSE', action: 'SELL', limitPrice: 62.4, quantity: 20 }),
    );
    await broker.orderStatuses([a.brokerOrderId], 200);
    await broker.disconnect();

    const next = h.broker(gateway.port);
    await next.connect();
    const executions = await next.executions('2026-11-23T14:00:00Z');
    expect(executions.length).toBeGreaterThanOrEqual(2);
    expect(new Set(executions.map((e) => e.execId)).size).toBe(executions.length);
    const bought = executions.filter((e) => e.orderRef === 'rebal:r:MSFT').reduce((n, e) => n + e.quantity, 0);
    const sold = executions.filter((e) => e.orderRef === 'rebal:r:KO').reduce((n, e) => n + e.quantity, 0);
    expect([bought, sold]).toEqual([4, 20]);
    for (const e of executions) {
      expect(e.commission).toBeGreaterThan(0);
      expect(e.time).toMatch(/^2026-11-23T\d{2}:\d{2}:\d{2}Z$/);
      expect(e.price).toBeGreaterThan(0);
    }
    expect(executions.find((e) => e.orderRef === 'rebal:r:KO')?.side).toBe('SELL');
    expect(await next.executions('2026-11-23T16:00:00Z')).toEqual([]);
  });

  it('joins the commissions of fills that happened in this very session', async () => {
    const gateway = await h.gateway(wholeFills);
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.placeOrder(order({ orderRef: 'rebal:r:MSFT', limitPrice: 410.5, quantity: 2 }));
    const executions = await broker.executions('2026-11-23T14:00:00Z');
    expect(executions.map((e) => [e.orderRef, e.quantity])).toEqual([['rebal:r:MSFT', 2]]);
    expect(executions[0]?.commission).toBeGreaterThan(0);
  });
});
