import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/types.js';
import { completedOrder, completedOrdersEnd, type CompletedOrderView } from '../../src/gateway/encode/encode-completed-orders.js';
import { ACCOUNT, baseScenario, CLIENT_ID, useIbHarness } from './support/ib-harness.js';

/**
 * The IB adapter's completedOrders() against the simulated gateway over TCP: IB's reqCompletedOrders, the
 * current New York day's finished orders of every client, matched by permId (IB sends no order id or client id
 * with them), with their final status, filled quantity, completion time and IB's text; yesterday's not listed.
 */

const h = useIbHarness();

/** Each 5-minute step fills at most 1000 USD of an order (5 AAPL at 190), and never only a part by chance. */
const scenario = { ...baseScenario(), fills: { partialFillProbability: 0, maxStepValue: 1000 } };

const order = (over: Partial<OrderRequest>): OrderRequest => ({
  orderRef: 'rebal:run:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 3,
  limitPrice: 190.05,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

describe('IB adapter over TCP: completed orders', () => {
  it("lists today's filled, cancelled, partly filled and other clients' orders by permId, not yesterday's", async () => {
    let now = '2026-11-23T15:00:00Z'; // Monday 10:00 New York
    const gateway = await h.gateway(scenario, { now: () => now });
    const monday = h.broker(gateway.port);
    await monday.connect();
    await monday.contractDetails(['AAPL', 'MSFT'], {});
    const yesterday = await monday.placeOrder(order({ orderRef: 'rebal:mon:AAPL', quantity: 2 }));
    await monday.disconnect();

    now = '2026-11-24T15:00:00Z'; // Tuesday 10:00 New York
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['AAPL', 'MSFT'], {});
    expect(await broker.completedOrders()).toEqual([]);
    const filled = await broker.placeOrder(order({ orderRef: 'rebal:tue:AAPL' }));
    const part = await broker.placeOrder(order({ orderRef: 'rebal:tue:AAPL-big', quantity: 10 }));
    const unfilled = await broker.placeOrder(order({ orderRef: 'rebal:tue:MSFT', symbol: 'MSFT', quantity: 2, limitPrice: 400 }));
    now = '2026-11-24T15:01:00Z';
    expect(await broker.cancelOrder(part)).toMatchObject({ confirmed: true });
    expect(await broker.cancelOrder(unfilled)).toMatchObject({ confirmed: true });
    // Another API client of the same login (connected after ours, so that the gateway gives it fresh order ids).
    const other = h.broker(gateway.port, { clientId: CLIENT_ID + 1 });
    await other.connect();
    await other.contractDetails(['AAPL'], {});
    const others = await other.placeOrder(order({ orderRef: 'other-app', action: 'SELL', quantity: 2, limitPrice: 189.95 }));
    now = '2026-11-24T21:30:00Z'; // 16:30 New York: after the close, the same day

    const completed = await broker.completedOrders();
    const byPerm = new Map(completed.map((o) => [o.permId, o]));
    expect(completed).toHaveLength(4);
    expect(byPerm.has(yesterday.permId)).toBe(false);
    expect(byPerm.get(filled.permId)).toMatchObject({
      brokerOrderId: filled.brokerOrderId,
      clientId: CLIENT_ID,
      orderRef: 'rebal:tue:AAPL',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 3,
      limitPrice: 190.05,
      status: 'Filled',
      filledQuantity: 3,
      message: 'Filled',
      completedAt: '2026-11-24T15:00:00Z',
    });
    expect(byPerm.get(filled.permId)?.avgFillPrice).toBeGreaterThan(189);
    expect(byPerm.get(part.permId)).toMatchObject({
      status: 'Cancelled',
      quantity: 10,
      filledQuantity: 5,
      message: 'Cancelled by Trader',
      completedAt: '2026-11-24T15:01:00Z',
    });
    expect(byPerm.get(unfilled.permId)).toMatchObject({ symbol: 'MSFT', status: 'Cancelled', filledQuantity: 0, avgFillPrice: 0 });
    // This session never saw the other client's order: IB's completed order names neither its id nor its client.
    expect(byPerm.get(others.permId)).toMatchObject({ brokerOrderId: 0, action: 'SELL', status: 'Filled', filledQuantity: 2 });
    expect(byPerm.get(others.permId)).not.toHaveProperty('clientId');

    // The next run (a new session) sees the same orders by permId only, without their average price.
    const nextRun = h.broker(gateway.port, { clientId: CLIENT_ID });
    await broker.disconnect();
    await nextRun.connect();
    const again = await nextRun.completedOrders();
    expect(again.map((o) => o.permId).sort()).toEqual([filled.permId, part.permId, unfilled.permId, others.permId].sort());
    expect(again.every((o) => o.brokerOrderId === 0 && o.avgFillPrice === 0 && o.clientId === undefined)).toBe(true);
    expect(again.find((o) => o.permId === part.permId)).toMatchObject({ filledQuantity: 5, status: 'Cancelled' });

    now = '2026-11-25T14:00:00Z'; // Wednesday 09:00 New York: IB lists none of Tuesday's any more
    expect(await nextRun.completedOrders()).toEqual([]);
  });
});

/** One length-prefixed frame of NUL-terminated fields, as TWS writes them. */
function frame(fields: readonly string[]): Buffer {
  const body = Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

/** REQ_COMPLETED_ORDERS with apiOnly 0, as the client writes it. */
const REQUEST = frame(['99', '0']);

/** A minimal TWS that completes the handshake and answers reqCompletedOrders with the given frames. */
function startTws(answer: string[][]): Promise<{ server: Server; port: number; requests: () => number }> {
  let requests = 0;
  return new Promise((resolve) => {
    const server = createServer((socket: Socket) => {
      let greeted = false;
      socket.on('data', (data: Buffer) => {
        if (!greeted) {
          greeted = true;
          socket.write(frame(['193', '20261124 10:00:00 EST']));
          setTimeout(() => socket.write(Buffer.concat([frame(['15', '1', ACCOUNT]), frame(['9', '1', '1'])])), 20);
          return;
        }
        if (data.includes(REQUEST)) {
          requests += 1;
          socket.write(Buffer.concat([...answer.map(frame), frame(completedOrdersEnd())]));
        }
      });
      socket.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address !== null ? address.port : 0, requests: () => requests });
    });
  });
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

const COMPLETED: CompletedOrderView = {
  orderId: 0,
  permId: 7001,
  clientId: 0,
  account: ACCOUNT,
  contract: { conId: 265598, symbol: 'AAPL', primaryExchange: 'NASDAQ', currency: 'USD', minTick: 0.01, tradingClass: 'NMS' },
  action: 'BUY',
  quantity: 10,
  lmtPrice: 190.05,
  tif: 'DAY',
  orderRef: 'rebal:tue:AAPL',
  adaptivePriority: 'Normal',
  status: 'Cancelled',
  filled: 4,
  avgFillPrice: 0,
  lastFillPrice: 0,
  completedTime: '20261124 10:01:00 America/New_York',
  completedStatus: 'Cancelled by Trader',
};

/** The frame with its filled quantity (the 16th field from the end) replaced. */
function withFilled(fields: string[], filled: string): string[] {
  const copy = [...fields];
  copy[copy.length - 16] = filled;
  return copy;
}

describe('IB adapter: completed orders IB reports in a way that cannot be trusted', () => {
  it('leaves out, never guesses: a missing filled quantity, a status not final, a Filled short of its quantity, another account', async () => {
    const tws = await startTws([
      completedOrder(COMPLETED),
      withFilled(completedOrder({ ...COMPLETED, permId: 7002 }), ''),
      completedOrder({ ...COMPLETED, permId: 7003, status: 'PendingCancel' }),
      completedOrder({ ...COMPLETED, permId: 7004, status: 'Filled', filled: 9 }),
      completedOrder({ ...COMPLETED, permId: 7005, account: 'DU7654321' }),
      completedOrder({ ...COMPLETED, permId: 7006, status: 'Filled', filled: 10, completedTime: '20261124-15:02:00' }),
      completedOrder({ ...COMPLETED, permId: 7007, completedTime: 'soon' }),
    ]);
    server = tws.server;
    const broker = h.broker(tws.port);
    await broker.connect();
    const completed = await broker.completedOrders();
    expect(tws.requests()).toBe(1);
    expect(completed).toEqual([
      {
        brokerOrderId: 0,
        permId: 7001,
        orderRef: 'rebal:tue:AAPL',
        symbol: 'AAPL',
        action: 'BUY',
        quantity: 10,
        limitPrice: 190.05,
        status: 'Cancelled',
        filledQuantity: 4,
        avgFillPrice: 0,
        message: 'Cancelled by Trader',
        completedAt: '2026-11-24T15:01:00Z',
      },
      expect.objectContaining({ permId: 7006, status: 'Filled', filledQuantity: 10, completedAt: '2026-11-24T15:02:00Z' }),
      expect.objectContaining({ permId: 7007, status: 'Cancelled', filledQuantity: 4 }),
    ]);
    expect(completed[2]).not.toHaveProperty('completedAt');
  });
});
