import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/types.js';
import { ACCOUNT, baseScenario, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

const h = useIbHarness();

const withFaults = (faults: Record<string, unknown>) => ({ ...baseScenario(), gateway: { faults } });
const order = (symbol: string, n = 1, over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: `rebal:20261123T150000Z-ab12:${symbol}:${n}`,
  symbol,
  action: 'BUY',
  quantity: 1,
  limitPrice: 100,
  adaptivePriority: 'Normal',
  primaryExchange: '',
  currency: 'USD',
  ...over,
});

describe('IB adapter over TCP: the connection drops during a run', () => {
  it('after 2 of 5 orders: the second and every later call reject as connectivity, and IB saw exactly 2', async () => {
    const gateway = await h.gateway(withFaults({ dropConnectionAfterOrders: 2 }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const outcomes = [];
    for (let n = 1; n <= 5; n++) {
      outcomes.push(
        await broker.placeOrder(order('MSFT', n)).then(
          (o) => o.status,
          (e: unknown) => e,
        ),
      );
    }
    expect(outcomes[0]).toBe('Submitted');
    for (const outcome of outcomes.slice(1)) expect(outcome).toMatchObject({ name: 'BrokerError', kind: 'connectivity' });
    expect(String((outcomes[1] as Error).message)).toMatch(/dropped during the run; nothing is resent/);
    expect(gateway.placedOrders()).toHaveLength(2);
    expect(gateway.stats().ordersPlaced).toBe(2);
    expect((await brokerErrorOf(broker.accountSummary(ACCOUNT))).kind).toBe('connectivity');
    expect((await brokerErrorOf(broker.openOrders())).kind).toBe('connectivity');
    // Nothing queued while disconnected leaks out later, even with the gateway still listening.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(gateway.stats().connections).toBe(1);
    expect(gateway.placedOrders()).toHaveLength(2);
  });

  it('rejects the pending requests and every later one when the gateway drops the connection mid-request', async () => {
    // Message 1 is START_API, message 2 the account summary: the gateway drops the socket instead of answering it.
    const gateway = await h.gateway(withFaults({ dropConnectionAfterMessages: 2 }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const errors = await Promise.all(
      [broker.accountSummary(ACCOUNT), broker.contractDetails(['AAPL', 'MSFT'], {})].map((p) => brokerErrorOf(p)),
    );
    for (const error of errors) expect(error.kind).toBe('connectivity');
    expect((await brokerErrorOf(broker.positions(ACCOUNT))).kind).toBe('connectivity');
  });

  it('fails closed on 1100 (IB connectivity lost): pending and later calls reject, and nothing is replayed after 1102', async () => {
    const gateway = await h.gateway(withFaults({ connectivityLost: { afterMessages: 2, restoreAfterMs: 150 } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const first = await broker.accountSummary(ACCOUNT).then(
      () => 'answered',
      (e: unknown) => e,
    );
    const error = first === 'answered' ? await brokerErrorOf(broker.positions(ACCOUNT)) : (first as { kind: string; code?: number });
    expect(error).toMatchObject({ kind: 'connectivity', code: 1100 });
    expect(await brokerErrorOf(broker.placeOrder(order('MSFT')))).toMatchObject({ kind: 'connectivity', code: 1100 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(gateway.placedOrders()).toEqual([]);
    expect(await brokerErrorOf(broker.quotes(['AAPL'], {}))).toMatchObject({ kind: 'connectivity' });
  });
});

describe('IB adapter over TCP: order rejections', () => {
  it.each([
    [201, 'Order rejected - reason: insufficient margin'],
    [110, undefined],
    [103, undefined],
    [451, undefined],
  ])('rejects with kind rejected and code %i, and the session carries on', async (code, message) => {
    const gateway = await h.gateway(withFaults({ rejectOrders: { MSFT: { code, ...(message ? { message } : {}) } } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const error = await brokerErrorOf(broker.placeOrder(order('MSFT', 1, { limitPrice: 400 })));
    expect(error).toMatchObject({ kind: 'rejected', code });
    expect(error.requestId).toBe(gateway.placedOrders()[0]?.orderId);
    if (message) expect(error.message).toContain(message);
    const next = await broker.placeOrder(order('KO', 2, { limitPrice: 60 }));
    expect(next.status).toBe('Submitted');
    expect(gateway.placedOrders()).toHaveLength(2);
  });

  it("names IB's own text and the fix in a refusal by IB's precautionary settings (451)", async () => {
    const gateway = await h.gateway(withFaults({ rejectOrders: { MSFT: { code: 451 } } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const error = await brokerErrorOf(broker.placeOrder(order('MSFT', 1, { limitPrice: 400 })));
    expect(error).toMatchObject({ kind: 'rejected', code: 451 });
    expect(error.message).toMatch(
      /precautionary settings .*\(IB 451: The following order "ID:\d+" value estimate of .* exceeds the Total Value Limit .*\); raise IB's precautionary settings .* above MAX_ORDER_VALUE, or lower MAX_ORDER_VALUE$/,
    );
  });

  it('rejects with 321 when the API is read-only, and says what to change', async () => {
    const gateway = await h.gateway(withFaults({ readOnlyApi: true }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const error = await brokerErrorOf(broker.placeOrder(order('MSFT')));
    expect(error).toMatchObject({ kind: 'rejected', code: 321 });
    expect(error.message).toMatch(/Read-Only API/);
    expect((await broker.accountSummary(ACCOUNT)).totalCash).toBe(100_000);
  });

  it('rejects an order for a symbol IB does not know with 200', async () => {
    const gateway = await h.gateway(withFaults({ unknownContracts: ['MSFT'] }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    expect(await brokerErrorOf(broker.placeOrder(order('MSFT')))).toMatchObject({ kind: 'rejected', code: 200 });
  });

  it('routes an order error to the order only: a data request in flight at the same time is untouched', async () => {
    const gateway = await h.gateway({ ...withFaults({ rejectOrders: { MSFT: { code: 201 } }, snapshotDelayMs: 200 }) });
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts = await broker.contractDetails(['AAPL', 'KO'], {});
    const quotes = broker.quotes(['AAPL', 'KO'], contracts);
    const positions = broker.positions(ACCOUNT);
    const rejected = brokerErrorOf(broker.placeOrder(order('MSFT', 1, { limitPrice: 400 })));
    expect((await rejected).code).toBe(201);
    expect(Object.keys(await quotes).sort()).toEqual(['AAPL', 'KO']);
    expect(await positions).toHaveLength(1);
  });
});
