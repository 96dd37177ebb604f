import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { EventName, OrderAction, OrderType, SecType, type Contract, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../src/gateway/gateway.js';
import { BASE_SCENARIO, collect, connectClient, onCleanup, once, startTestGateway } from './helpers.js';

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
const order = (lmtPrice: number, orderRef: string): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice,
  tif: 'DAY',
  transmit: true,
  orderRef,
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
});

/** A TCP proxy that forwards every byte as its own write, a tick apart, in both directions. */
async function byteByByteProxy(target: number): Promise<number> {
  const pump = (from: Socket, to: Socket) => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      for (const byte of chunk) {
        chain = chain.then(
          () =>
            new Promise<void>((resolve) =>
              setImmediate(() => {
                if (!to.destroyed) to.write(Buffer.from([byte]));
                resolve();
              }),
            ),
        );
      }
    });
    from.on('close', () => void chain.then(() => to.destroy()));
    from.on('error', () => undefined);
  };
  const server: Server = createServer((client) => {
    client.setNoDelay(true);
    const upstream = connect(target, '127.0.0.1');
    upstream.setNoDelay(true);
    pump(client, upstream);
    pump(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no proxy address');
  return address.port;
}

describe('frames split one byte at a time', () => {
  it('still decode on both sides: handshake, account summary, an order and the huge OPEN_ORDER', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(await byteByByteProxy(gateway.port), 7);
    const summary = await collect<[number, string, string, string]>(client.api, EventName.accountSummary, EventName.accountSummaryEnd, () =>
      client.api.reqAccountSummary(3, 'All', 'NetLiquidation'),
    );
    expect(summary.map(([, , tag, value]) => [tag, value])).toEqual([['NetLiquidation', '119000.00']]);
    const open = once<[number, Contract, Order]>(client.api, EventName.openOrder, undefined, 15_000);
    client.api.placeOrder(client.nextValidId, AAPL, order(190.01, 'rb:split'));
    expect((await open)[2]).toMatchObject({ orderRef: 'rb:split', algoStrategy: 'Adaptive' });
    expect(gateway.stats().decodeErrors).toEqual([]);
    expect(gateway.placedOrders()[0]?.fieldCount).toBe(121);
  }, 30_000);
});

describe('state across gateway restarts', () => {
  it("keeps positions, order ids and DAY expiry between runs on the same data directory; serves no earlier day's executions", async () => {
    const first = await startTestGateway(BASE_SCENARIO);
    const dataDir = join(first.dir, 'data');
    const a = await connectClient(first.gateway.port, 7);
    a.api.placeOrder(a.nextValidId, AAPL, order(190.05, 'rb:run-1:fills')); // marketable: fills at once
    a.api.placeOrder(a.nextValidId + 1, AAPL, order(150, 'rb:run-1:rests')); // rests until the close
    await once(a.api, EventName.orderStatus, (id) => id === a.nextValidId + 1);
    await first.gateway.close();

    // The next morning: the resting order expired at yesterday's close; the fill is kept in the position.
    const second = await startGateway({ port: 0, dataDir, scenarioFile: first.scenarioFile, now: '2026-11-19T15:00:00Z' });
    onCleanup(() => second.close());
    const b = await connectClient(second.port, 7);
    expect(b.nextValidId).toBe(a.nextValidId + 2);
    const positions = await collect<[string, Contract, number]>(b.api, EventName.position, EventName.positionEnd, () =>
      b.api.reqPositions(),
    );
    expect(positions.map(([, c, qty]) => [c.symbol, qty])).toEqual([['AAPL', 110]]);
    expect(await collect(b.api, EventName.openOrder, EventName.openOrderEnd, () => b.api.reqAllOpenOrders())).toEqual([]);
    const executions = await collect<[number, Contract, { orderRef: string }]>(
      b.api,
      EventName.execDetails,
      EventName.execDetailsEnd,
      () => b.api.reqExecutions(5, {}),
      (reqId) => reqId === 5,
    );
    // As IB Gateway: only the current day's executions are served; yesterday's fill shows in the position above.
    expect(executions.map(([, , e]) => e.orderRef)).toEqual([]);

    // The simulated market never goes back in time.
    await expect(startGateway({ port: 0, dataDir, scenarioFile: first.scenarioFile, now: '2026-11-18T17:00:00Z' })).rejects.toThrow(
      /cannot go back/,
    );
  });
});
