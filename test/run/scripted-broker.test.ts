import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BrokerOrder, OrderRequest } from '../../src/core/types.js';
import { BrokerError } from '../../src/ports/broker.js';
import { aContract, anAccountSummary, aPosition, aQuote, SCRIPTED_ACCOUNT, ScriptedBroker } from '../support/scripted-broker.js';

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: 'rebal:r1:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  limitPrice: 190.05,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

const open = (over: Partial<BrokerOrder> = {}): BrokerOrder => ({
  brokerOrderId: 41,
  permId: 4100,
  orderRef: 'rebal:r0:MSFT',
  symbol: 'MSFT',
  action: 'SELL',
  quantity: 5,
  limitPrice: 400,
  status: 'Submitted',
  filledQuantity: 0,
  avgFillPrice: 0,
  ...over,
});

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<BrokerError> {
  const result = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in result)) throw new Error(`expected a rejection, got ${JSON.stringify(result.value)}`);
  expect(result.error).toBeInstanceOf(BrokerError);
  return result.error as BrokerError;
}

async function connected(broker = new ScriptedBroker()): Promise<ScriptedBroker> {
  await broker.connect();
  return broker;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('ScriptedBroker: answers from the script', () => {
  it('refuses every call but connect and disconnect until connected, as the IB adapter does', async () => {
    const broker = new ScriptedBroker();
    expect(await rejection(broker.openOrders())).toMatchObject({ kind: 'connect', message: 'the scripted broker is not connected' });
    await broker.connect();
    expect(broker.isConnected).toBe(true);
    expect(await broker.openOrders()).toEqual([]);
    await broker.disconnect();
    expect(broker.isConnected).toBe(false);
    expect((await rejection(broker.placeOrder(order()))).kind).toBe('connect');
    expect(broker.methods()).toEqual(['openOrders', 'connect', 'openOrders', 'disconnect', 'placeOrder']);
  });

  it('answers the account, positions, open orders and executions as scripted, and contracts and quotes of the symbols asked', async () => {
    const execution = {
      execId: 'x1',
      brokerOrderId: 41,
      orderRef: 'rebal:r0:MSFT',
      symbol: 'MSFT',
      side: 'SELL' as const,
      quantity: 5,
      price: 400,
      commission: 1,
      time: '2026-11-20T15:00:00Z',
    };
    const broker = await connected(
      new ScriptedBroker({
        script: {
          summary: anAccountSummary({ netLiquidation: 250_000 }),
          positions: [aPosition('AAPL', 100)],
          contracts: { AAPL: aContract('AAPL'), MSFT: aContract('MSFT') },
          quotes: { AAPL: aQuote('AAPL', 190) },
          openOrders: [open()],
          executions: [execution],
        },
      }),
    );
    expect(await broker.managedAccounts()).toEqual([SCRIPTED_ACCOUNT]);
    expect((await broker.accountSummary(SCRIPTED_ACCOUNT)).netLiquidation).toBe(250_000);
    expect(await broker.positions(SCRIPTED_ACCOUNT)).toEqual([{ account: SCRIPTED_ACCOUNT, symbol: 'AAPL', quantity: 100, avgCost: 100 }]);
    expect(await broker.openOrders()).toEqual([open()]);
    expect(await broker.executions('2026-11-20T14:00:00Z')).toEqual([execution]);
    expect(await broker.contractDetails(['AAPL', 'KO'], {})).toEqual({ AAPL: aContract('AAPL') });
    expect(await broker.quotes(['AAPL', 'MSFT'], {})).toEqual({
      AAPL: { symbol: 'AAPL', bid: 189.99, ask: 190.01, last: 190, close: 190 },
    });
    expect(broker.callsTo('executions')).toEqual([['2026-11-20T14:00:00Z']]);
    expect(broker.callsTo('contractDetails')).toEqual([[['AAPL', 'KO'], {}]]);
  });

  it('places orders under new ids, reports them in orderStatuses, and confirms cancels', async () => {
    const broker = await connected(new ScriptedBroker({ firstOrderId: 7, script: { placedStatus: 'PreSubmitted' } }));
    const placed = await broker.placeOrder(order());
    expect(placed).toEqual({
      brokerOrderId: 7,
      permId: 900_007,
      orderRef: 'rebal:r1:AAPL',
      symbol: 'AAPL',
      action: 'BUY',
      quantity: 10,
      limitPrice: 190.05,
      status: 'PreSubmitted',
      filledQuantity: 0,
      avgFillPrice: 0,
    });
    expect((await broker.placeOrder(order({ orderRef: 'rebal:r1:KO', symbol: 'KO' }))).brokerOrderId).toBe(8);
    expect((await broker.orderStatuses([8, 99, 7], 500)).map((o) => o.orderRef)).toEqual(['rebal:r1:KO', 'rebal:r1:AAPL']);
    expect(await broker.cancelOrder(open())).toEqual({
      brokerOrderId: 41,
      orderRef: 'rebal:r0:MSFT',
      confirmed: true,
      status: 'Cancelled',
    });
    expect(await broker.openOrders()).toEqual([]);
    expect(broker.callsTo('placeOrder').map(([o]) => o.orderRef)).toEqual(['rebal:r1:AAPL', 'rebal:r1:KO']);
  });

  it('keeps copies: what the caller does with an answer or an argument afterwards changes neither the script nor the log', async () => {
    const broker = await connected(new ScriptedBroker({ script: { openOrders: [open()] } }));
    const answered = await broker.openOrders();
    (answered[0] as BrokerOrder).status = 'Filled';
    expect(broker.script.openOrders[0]?.status).toBe('Submitted');
    const request = order();
    await broker.placeOrder(request);
    request.quantity = 1_000;
    expect(broker.callsTo('placeOrder')[0]?.[0].quantity).toBe(10);
  });

  it('offers the global cancel only when asked to, answering for every scripted open order', async () => {
    expect((await connected()).cancelAllOrders).toBeUndefined();
    const broker = await connected(
      new ScriptedBroker({ globalCancel: true, script: { openOrders: [open(), open({ brokerOrderId: 42, orderRef: 'manual' })] } }),
    );
    expect(await broker.cancelAllOrders?.()).toEqual([
      { brokerOrderId: 41, orderRef: 'rebal:r0:MSFT', confirmed: true, status: 'Cancelled' },
      { brokerOrderId: 42, orderRef: 'manual', confirmed: true, status: 'Cancelled' },
    ]);
    expect(broker.methods()).toEqual(['connect', 'cancelAllOrders']);
  });
});

describe('ScriptedBroker: answers a test sets', () => {
  it('a standing answer replaces the script; queued answers come first, one per call', async () => {
    const broker = await connected();
    broker.answer('managedAccounts', ['DU1', 'DU2']).answerNext('managedAccounts', ['U9'], []);
    expect([
      await broker.managedAccounts(),
      await broker.managedAccounts(),
      await broker.managedAccounts(),
      await broker.managedAccounts(),
    ]).toEqual([['U9'], [], ['DU1', 'DU2'], ['DU1', 'DU2']]);
  });

  it('an answer may be computed from the arguments, or throw', async () => {
    const broker = await connected();
    broker.answer('cancelOrder', (o) => ({
      brokerOrderId: o.brokerOrderId,
      orderRef: o.orderRef,
      confirmed: false,
      detail: 'no confirmation in 5 s',
    }));
    expect(await broker.cancelOrder(open())).toEqual({
      brokerOrderId: 41,
      orderRef: 'rebal:r0:MSFT',
      confirmed: false,
      detail: 'no confirmation in 5 s',
    });
    broker.answerNext('placeOrder', (o) => {
      throw new BrokerError(`order ${o.orderRef} rejected: no trading permissions`, 'rejected', 201);
    });
    expect(await rejection(broker.placeOrder(order()))).toMatchObject({
      kind: 'rejected',
      code: 201,
      message: 'order rebal:r1:AAPL rejected: no trading permissions',
    });
    expect((await broker.placeOrder(order())).status).toBe('Submitted');
  });

  it('orderStatuses reports what placeOrder answered, even a scripted answer', async () => {
    const broker = await connected();
    broker.answerNext('placeOrder', (o) => ({ ...open(), brokerOrderId: 77, orderRef: o.orderRef, status: 'Filled', filledQuantity: 10 }));
    await broker.placeOrder(order());
    expect(await broker.orderStatuses([77], 0)).toMatchObject([{ brokerOrderId: 77, status: 'Filled', filledQuantity: 10 }]);
  });
});

describe('ScriptedBroker: failures', () => {
  it('fails the chosen call of a method, counting every call so far, and only that one', async () => {
    const broker = await connected();
    const refused = new BrokerError('order rejected', 'rejected', 201);
    broker.fail('placeOrder', refused, { call: 2 }).fail('openOrders');
    expect(await rejection(broker.openOrders())).toMatchObject({ kind: 'rejected', message: 'openOrders failed (scripted)' });
    expect(await broker.openOrders()).toEqual([]);
    await broker.placeOrder(order());
    expect(await rejection(broker.placeOrder(order({ orderRef: 'b' })))).toBe(refused);
    expect((await broker.placeOrder(order({ orderRef: 'c' }))).brokerOrderId).toBe(2);
    expect(broker.methods()).toEqual(['connect', 'openOrders', 'openOrders', 'placeOrder', 'placeOrder', 'placeOrder']);
  });

  it('a failed connect leaves the broker disconnected', async () => {
    const broker = new ScriptedBroker().fail('connect', new BrokerError('connect ECONNREFUSED 127.0.0.1:4002', 'connect'));
    expect((await rejection(broker.connect())).kind).toBe('connect');
    expect(broker.isConnected).toBe(false);
    await broker.connect();
    expect(broker.isConnected).toBe(true);
  });

  it('a hang with a deadline rejects when it passes, as a timeout', async () => {
    vi.useFakeTimers();
    const broker = await connected();
    broker.hang('quotes', { ms: 5_000 });
    let settled = false;
    const pending = rejection(broker.quotes(['AAPL'], {})).finally(() => {
      settled = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect([settled, broker.hanging]).toEqual([false, 1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toMatchObject({ kind: 'timeout', message: 'quotes timed out after 5000 ms' });
    expect(broker.hanging).toBe(0);
  });

  it('a hang without a deadline lasts until the broker is disconnected', async () => {
    const broker = await connected();
    broker.hang('cancelOrder', { call: 1 });
    const pending = rejection(broker.cancelOrder(open()));
    await new Promise((r) => setTimeout(r, 20));
    expect(broker.hanging).toBe(1);
    await broker.disconnect();
    expect(await pending).toMatchObject({ kind: 'connectivity', message: 'the session was closed' });
    expect(broker.hanging).toBe(0);
  });

  it('a lost connection fails that call and every hanging one, and refuses the rest until connect', async () => {
    const broker = await connected();
    broker.hang('orderStatuses').dropConnection('placeOrder', { call: 2 });
    const hanging = rejection(broker.orderStatuses([1], 1000));
    await broker.placeOrder(order());
    expect(await rejection(broker.placeOrder(order({ orderRef: 'b' })))).toMatchObject({ kind: 'connectivity', code: 1100 });
    expect(await hanging).toMatchObject({ kind: 'connectivity', code: 1100 });
    expect(broker.isConnected).toBe(false);
    expect((await rejection(broker.placeOrder(order({ orderRef: 'c' })))).kind).toBe('connect');
    await broker.connect();
    expect((await broker.placeOrder(order({ orderRef: 'd' }))).brokerOrderId).toBe(2);
    expect(broker.callsTo('placeOrder').map(([o]) => o.orderRef)).toEqual(['rebal:r1:AAPL', 'b', 'c', 'd']);
  });

  it('tells the order of calls: a cancel before any place', async () => {
    const broker = await connected(new ScriptedBroker({ script: { openOrders: [open()] } }));
    for (const o of await broker.openOrders()) await broker.cancelOrder(o);
    await broker.placeOrder(order());
    const methods = broker.methods();
    expect(methods.indexOf('cancelOrder')).toBeLessThan(methods.indexOf('placeOrder'));
    expect(broker.calls.at(-1)).toEqual({ method: 'placeOrder', args: [order()] });
  });
});
