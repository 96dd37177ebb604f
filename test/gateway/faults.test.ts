import { connect } from 'node:net';
import { EventName, IBApi, OrderAction, OrderType, SecType, type Contract, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { encodeHandshake } from '../../src/gateway/wire/framing.js';
import { BASE_SCENARIO, collect, connectClient, eventually, once, startTestGateway, watchDecodeErrors } from './helpers.js';

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
const ORDER: Order = {
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice: 190.01,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:run-1',
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
};
const withFaults = (faults: object) => ({ ...BASE_SCENARIO, gateway: { faults } });

describe('order faults', () => {
  it.each([
    [201, 'Inactive', 'Order rejected - reason: insufficient margin'],
    [110, 'Cancelled', 'The price does not conform to the minimum price variation for this contract.'],
    [
      451,
      'Cancelled',
      'The following order "ID:1" value estimate of 1,900 USD exceeds the Total Value Limit of 100,000 USD. ' +
        'Restriction is specified in Precautionary Settings of Global Configuration/Presets.',
    ],
    [103, undefined, 'Duplicate order id'],
  ] as const)('rejectOrders %i: the error under the order id, then status %s; nothing reaches the book', async (code, status, text) => {
    const message = code === 201 ? text : undefined;
    const { gateway } = await startTestGateway(
      withFaults({ rejectOrders: { AAPL: message === undefined ? { code } : { code, message } } }),
    );
    const client = await connectClient(gateway.port, 7);
    const statuses: string[] = [];
    client.api.on(EventName.orderStatus, (_id: number, s: string) => statuses.push(s));
    const error = once<[Error, number, number]>(client.api, EventName.error, (_e, c) => c === code);
    client.api.placeOrder(client.nextValidId, AAPL, ORDER);
    const [err, , reqId] = await error;
    expect([reqId, err.message]).toEqual([client.nextValidId, text]);
    // A round trip instead of a pause: the gateway answers in order, so what it sent about the order (a status,
    // or none) arrived before the end of the open orders.
    const openOrders = await collect(client.api, EventName.openOrder, EventName.openOrderEnd, () => client.api.reqAllOpenOrders());
    expect(statuses).toEqual(status === undefined ? [] : [status]);
    expect(openOrders).toEqual([]);
  });

  it('readOnlyApi: placeOrder and cancelOrder get 321; data requests still work', async () => {
    const { gateway } = await startTestGateway(withFaults({ readOnlyApi: true }));
    const client = await connectClient(gateway.port, 7);
    client.api.placeOrder(client.nextValidId, AAPL, ORDER);
    client.api.cancelOrder(client.nextValidId);
    await eventually(() => expect(client.errors.filter((e) => e.code === 321)).toHaveLength(2));
    expect(client.errors[0]?.message).toBe("Error validating request:-'bN' : cause - The API interface is currently in Read-Only mode.");
    const positions = await collect(client.api, EventName.position, EventName.positionEnd, () => client.api.reqPositions());
    expect(positions).toHaveLength(1);
  });

  it('unknownContracts: an order for the ticker gets error 200', async () => {
    const { gateway } = await startTestGateway(withFaults({ unknownContracts: ['AAPL'] }));
    const client = await connectClient(gateway.port, 7);
    client.api.placeOrder(client.nextValidId, AAPL, ORDER);
    await eventually(() => expect(client.errors).toContainEqual(expect.objectContaining({ code: 200, reqId: client.nextValidId })));
  });
});

describe('connection faults', () => {
  it('answerDelayMs delays every answer', async () => {
    const { gateway } = await startTestGateway(withFaults({ answerDelayMs: 200 }));
    const client = await connectClient(gateway.port, 7);
    const started = Date.now();
    await Promise.all([once(client.api, EventName.currentTime), client.api.reqCurrentTime()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('dropConnectionAfterMessages: the Nth message is acted on, then the socket drops without an answer', async () => {
    const { gateway } = await startTestGateway(withFaults({ dropConnectionAfterMessages: 3 }));
    const client = await connectClient(gateway.port, 7);
    const disconnected = once(client.api, EventName.disconnected);
    let positionsEnded = false;
    client.api.on(EventName.positionEnd, () => (positionsEnded = true));
    client.api.reqCurrentTime(); // message 2
    client.api.reqPositions(); // message 3: dropped after
    await disconnected;
    expect(positionsEnded).toBe(false);
  });

  it('dropConnectionAfterOrders: the order works at the broker, but its client never hears of it', async () => {
    const { gateway } = await startTestGateway(withFaults({ dropConnectionAfterOrders: 1 }));
    const client = await connectClient(gateway.port, 7);
    let acknowledged = false;
    client.api.on(EventName.openOrder, () => (acknowledged = true));
    const disconnected = once(client.api, EventName.disconnected);
    client.api.placeOrder(client.nextValidId, AAPL, ORDER);
    await disconnected;
    expect(acknowledged).toBe(false);
    const other = await connectClient(gateway.port, 8);
    const orders = await collect<[number]>(other.api, EventName.openOrder, EventName.openOrderEnd, () => other.api.reqAllOpenOrders());
    expect(orders.map(([id]) => id)).toEqual([client.nextValidId]);
  });

  it('connectivityLost: 1100 to every client, requests held until 1102, then answered in order', async () => {
    const { gateway } = await startTestGateway(withFaults({ connectivityLost: { afterMessages: 2, restoreAfterMs: 300 } }));
    const client = await connectClient(gateway.port, 7);
    const lost = once<[string, number]>(client.api, EventName.info, (_m, code) => code === 1100);
    await Promise.all([once(client.api, EventName.currentTime), client.api.reqCurrentTime()]); // message 2: answered
    expect((await lost)[0]).toBe('Connectivity between IB and Trader Workstation has been lost.');
    const seen: string[] = [];
    client.api.on(EventName.info, (_m: string, code: number) => seen.push(`info ${code}`));
    client.api.on(EventName.managedAccounts, () => seen.push('managedAccounts'));
    client.api.on(EventName.currentTime, () => seen.push('currentTime'));
    const started = Date.now();
    const answered = once(client.api, EventName.currentTime);
    client.api.reqManagedAccts();
    client.api.reqCurrentTime();
    await answered;
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(seen).toEqual(['info 1102', 'managedAccounts', 'currentTime']);
  });

  it('pacing: each message over 50 in one second gets error 100 and is counted', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7, 1000);
    let times = 0;
    client.api.on(EventName.currentTime, () => (times += 1));
    for (let i = 0; i < 60; i++) client.api.reqCurrentTime();
    await eventually(() => expect(times).toBe(60));
    const violations = client.infos.filter((i) => i.code === 100);
    expect(violations.length).toBeGreaterThanOrEqual(10);
    expect(violations[0]?.message).toMatch(/^Max rate of messages per second has been exceeded/);
    expect(gateway.stats().pacingViolations).toBe(violations.length);
  });

  it('refuses a second connection with a client id already in use (326)', async () => {
    const { gateway } = await startTestGateway();
    await connectClient(gateway.port, 7);
    const second = new IBApi({ host: '127.0.0.1', port: gateway.port, clientId: 7 });
    watchDecodeErrors(second);
    const refused = once<[string, number]>(second, EventName.info, (_m, code) => code === 326);
    const disconnected = once(second, EventName.disconnected);
    second.connect();
    expect((await refused)[0]).toMatch(/client id is already in use/);
    await disconnected;
  });

  it('fails loudly on a client whose version range does not include 193 (negotiation: version-negotiation.test.ts)', async () => {
    const { gateway } = await startTestGateway();
    const socket = connect(gateway.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('connect', () => socket.write(encodeHandshake('v100..192')));
    await closed;
    expect(gateway.stats().decodeErrors).toEqual([
      expect.stringMatching(/offers v100\.\.192.*highest is 192, older than server version 193/),
    ]);
  });
});
