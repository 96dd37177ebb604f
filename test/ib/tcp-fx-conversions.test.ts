import { Decimal } from 'decimal.js';
import { EventName, IBApi, OrderAction, OrderType, SecType, TimeInForce } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';
import type { FxQuote, OrderRequest } from '../../src/core/types.js';
import { ACCOUNT, CLIENT_ID, NOW, baseScenario, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

/**
 * Currency conversions (FX_POLICY=convert) through the IB adapter over TCP against the simulated gateway: a CASH order
 * on the IDEALPRO pair as IB lists it, sent as a plain limit order, acknowledged and filled; its executions and
 * completed order reported back under the pair's name with secType CASH; a conversion placed by anyone else never
 * reported; every rate read from IDEALPRO carrying the quote it came from. The harness fails any test in which the
 * client saw a decoding error (505).
 */

const h = useIbHarness();

const SEED = 7;
const USD = { rate: 1.351234, dailyVol: 0.004 };
const GBP = 1.723456;
const RUN = 'rebal:20261123T150000Z-ab12cd34ef56';

/** An SGD account holding SGD only, whose IDEALPRO pairs are USD.SGD and GBP.SGD; marketable orders fill whole. */
function sgdAccount(gateway: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...baseScenario(),
    seed: SEED,
    currency: 'SGD',
    cash: { SGD: 150_000 },
    exchangeRates: { USD, GBP },
    fills: { partialFillProbability: 0 },
    gateway,
  };
}

const conversion = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: `${RUN}:USD.SGD`,
  secType: 'CASH',
  symbol: 'USD.SGD',
  action: 'BUY',
  quantity: 30_000,
  limitPrice: 1.35,
  adaptivePriority: 'Normal',
  primaryExchange: 'IDEALPRO',
  currency: 'SGD',
  ...over,
});

/** IDEALPRO's tick for pairs not quoted in yen. */
const TICK = new Decimal('0.00005');
/** A price `ticks` ticks away from `price`, on the tick. */
const onTick = (price: number, ticks: number): number => new Decimal(price).dividedBy(TICK).round().plus(ticks).times(TICK).toNumber();

/** The USD.SGD quote of the moment, through the adapter (the quote the rate came from). */
async function usdSgdQuote(broker: ReturnType<typeof h.broker>): Promise<FxQuote> {
  const rates = await broker.exchangeRates('SGD', ['USD']);
  const market = rates.USD?.market;
  if (market === undefined) throw new Error(`no USD.SGD quote: ${JSON.stringify(rates)}`);
  return market;
}

/** Clients a test connects with @stoqey/ib directly: another program of the same login. */
const rawClients: IBApi[] = [];
afterEach(() => {
  for (const api of rawClients.splice(0)) if (api.isConnected) api.disconnect();
});

/**
 * Another API client (a person's FX tool) placing a CASH order on USD.SGD without our orderRef; resolves
 * with the order's id once the gateway shows it in one of `statuses`.
 */
async function placeOtherClientsConversion(
  port: number,
  clientId: number,
  limitPrice: number,
  orderRef: string,
  statuses: readonly string[] = ['Filled'],
): Promise<number> {
  const api = new IBApi({ host: '127.0.0.1', port, clientId });
  rawClients.push(api);
  const decodeErrors: string[] = [];
  api.on(EventName.error, (err: Error, code: number) => {
    if (code === 505) decodeErrors.push(err.message);
  });
  // Far above the ids our client uses: the simulated account refuses an id any client used (103), though IB keys
  // order ids by client.
  const orderId =
    1000 +
    clientId +
    (await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`client ${clientId}: no nextValidId`)), 3000);
      api.once(EventName.nextValidId, (id: number) => {
        clearTimeout(timer);
        resolve(id);
      });
      api.connect();
    }));
  const reached = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the other client's conversion never became ${statuses.join(' or ')}`)), 3000);
    api.on(EventName.orderStatus, (id: number, s: string) => {
      if (id === orderId && statuses.includes(s)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  api.placeOrder(
    orderId,
    { secType: SecType.CASH, exchange: 'IDEALPRO', symbol: 'USD', currency: 'SGD' },
    {
      orderType: OrderType.LMT,
      action: OrderAction.BUY,
      totalQuantity: 30_000,
      lmtPrice: limitPrice,
      tif: TimeInForce.DAY,
      transmit: true,
      account: ACCOUNT,
      orderRef,
    },
  );
  await reached;
  expect(decodeErrors, 'decoding errors (505) seen by the other client').toEqual([]);
  return orderId;
}

describe('IB adapter over TCP: currency conversions (FX_POLICY=convert)', () => {
  it('exchange rates from IDEALPRO carry the quote they came from, in the orientation IB lists the pair', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const sgdBase = await broker.exchangeRates('SGD', ['USD', 'GBP', 'SGD']);
    const usd = sgdBase.USD?.market;
    expect(usd).toMatchObject({ symbol: 'USD', currency: 'SGD' });
    expect(usd?.bid).toBeGreaterThan(0);
    expect(usd?.ask).toBeGreaterThan(usd?.bid ?? Infinity);
    // The rate is the midpoint of exactly that quote.
    expect(sgdBase.USD?.rate).toBe(
      new Decimal(usd?.bid ?? 0)
        .plus(usd?.ask ?? 0)
        .dividedBy(2)
        .toNumber(),
    );
    expect(sgdBase.GBP?.market).toMatchObject({ symbol: 'GBP', currency: 'SGD' });
    // The base currency is no quote.
    expect(sgdBase.SGD?.market).toBeUndefined();
    // A USD account's SGD rate is one over USD.SGD's midpoint: the quote is still USD.SGD, as IB lists it.
    const usdBase = await broker.exchangeRates('USD', ['SGD']);
    expect(usdBase.SGD?.market).toMatchObject({ symbol: 'USD', currency: 'SGD' });
    const inverted = usdBase.SGD?.market;
    const mid = new Decimal(inverted?.bid ?? 0).plus(inverted?.ask ?? 0).dividedBy(2);
    expect(usdBase.SGD?.rate).toBe(new Decimal(1).dividedBy(mid).toSignificantDigits(10).toNumber());
  });

  it('a BUY USD.SGD conversion in an SGD account: sent as an IDEALPRO CASH LMT order, acknowledged, filled, and reported back as USD.SGD CASH', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const quote = await usdSgdQuote(broker);
    const limitPrice = onTick(quote.ask, 2);
    const request = conversion({ limitPrice });
    const placed = await broker.placeOrder(request);
    expect(placed).toMatchObject({
      secType: 'CASH',
      symbol: 'USD.SGD',
      orderRef: request.orderRef,
      action: 'BUY',
      quantity: 30_000,
      limitPrice,
      clientId: CLIENT_ID,
    });
    expect(['PreSubmitted', 'Submitted', 'Filled']).toContain(placed.status);

    const [sent, ...more] = gateway.placedOrders();
    expect(more).toEqual([]);
    expect(sent).toMatchObject({
      orderId: placed.brokerOrderId,
      secType: 'CASH',
      exchange: 'IDEALPRO',
      symbol: 'USD',
      currency: 'SGD',
      action: 'BUY',
      totalQuantity: 30_000,
      orderType: 'LMT',
      lmtPrice: limitPrice,
      tif: 'DAY',
      account: ACCOUNT,
      orderRef: request.orderRef,
      transmit: true,
      algoStrategy: '',
      algoParams: [],
    });

    const [status] = await broker.orderStatuses([placed.brokerOrderId], 300);
    expect(status).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', status: 'Filled', filledQuantity: 30_000 });

    const executions = await broker.executions('2026-11-23T14:00:00Z');
    expect(executions).toHaveLength(1);
    const [fill] = executions;
    expect(fill).toMatchObject({
      secType: 'CASH',
      symbol: 'USD.SGD',
      side: 'BUY',
      quantity: 30_000,
      orderRef: request.orderRef,
      brokerOrderId: placed.brokerOrderId,
      time: NOW,
    });
    // SGD per USD, as IB sends it: at the ask (an order above IDEALPRO's minimum), within the limit.
    expect(fill?.price).toBe(quote.ask);
    expect(fill?.price).toBeLessThanOrEqual(limitPrice);
    expect(fill?.commission).toBeGreaterThan(0);

    const completed = await broker.completedOrders();
    expect(completed.filter((o) => o.orderRef === request.orderRef)).toEqual([
      expect.objectContaining({
        secType: 'CASH',
        symbol: 'USD.SGD',
        status: 'Filled',
        filledQuantity: 30_000,
        quantity: 30_000,
        brokerOrderId: placed.brokerOrderId,
      }),
    ]);
    // A conversion is no position of a ticker: IB's virtual FX position stays out.
    expect((await broker.positions(ACCOUNT)).map((p) => p.symbol)).not.toContain('USD');
    expect((await broker.positions(ACCOUNT)).map((p) => p.symbol)).not.toContain('USD.SGD');
  });

  it('below the IDEALPRO minimum: warning 399 (an odd lot) is a notice, the order stands and fills', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const quote = await usdSgdQuote(broker);
    const limitPrice = onTick(quote.ask, 4);
    const placed = await broker.placeOrder(conversion({ quantity: 7400, limitPrice }));
    expect(placed).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', quantity: 7400 });
    const [status] = await broker.orderStatuses([placed.brokerOrderId], 300);
    expect(status).toMatchObject({ status: 'Filled', filledQuantity: 7400 });
    expect(h.messages.filter((m) => m.code === 399).map((m) => m.id)).toEqual([placed.brokerOrderId]);
    const [fill] = await broker.executions('2026-11-23T14:00:00Z');
    expect(fill).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', quantity: 7400 });
    // An odd lot fills a little worse than the IDEALPRO ask, within the limit.
    expect(fill?.price).toBeGreaterThan(quote.ask);
    expect(fill?.price).toBeLessThanOrEqual(limitPrice);
  });

  it('a SELL USD.SGD conversion (proceeds back to the base) fills at the bid and is reported as a SELL of USD.SGD', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const quote = await usdSgdQuote(broker);
    const limitPrice = onTick(quote.bid, -2);
    const placed = await broker.placeOrder(conversion({ action: 'SELL', limitPrice }));
    expect(gateway.placedOrders()[0]).toMatchObject({ secType: 'CASH', symbol: 'USD', currency: 'SGD', action: 'SELL' });
    const [status] = await broker.orderStatuses([placed.brokerOrderId], 300);
    expect(status).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', action: 'SELL', status: 'Filled', filledQuantity: 30_000 });
    const [fill, ...more] = await broker.executions('2026-11-23T14:00:00Z');
    expect(more).toEqual([]);
    expect(fill).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', side: 'SELL', quantity: 30_000, price: quote.bid });
  });

  it('a resting conversion is an open order of ours under its pair; modified in place, it stays CASH on IDEALPRO and fills', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const quote = await usdSgdQuote(broker);
    const placed = await broker.placeOrder(conversion({ limitPrice: onTick(quote.bid, -20) }));
    const open = await broker.openOrders();
    expect(open).toEqual([expect.objectContaining({ secType: 'CASH', symbol: 'USD.SGD', status: 'Submitted', orderRef: placed.orderRef })]);
    const [order] = open;
    if (order === undefined) throw new Error('no open order');
    const higher = onTick(quote.ask, 2);
    const modified = await broker.modifyOrder(order, conversion({ limitPrice: higher }));
    expect(modified).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', limitPrice: higher });
    const sent = gateway.placedOrders();
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({
      orderId: placed.brokerOrderId,
      secType: 'CASH',
      exchange: 'IDEALPRO',
      symbol: 'USD',
      currency: 'SGD',
      lmtPrice: higher,
      orderType: 'LMT',
      algoStrategy: '',
    });
    const [status] = await broker.orderStatuses([placed.brokerOrderId], 300);
    expect(status).toMatchObject({ secType: 'CASH', status: 'Filled', filledQuantity: 30_000 });
    // A change that would turn the conversion into a stock order is refused, nothing sent.
    const again = await broker.placeOrder(conversion({ orderRef: `${RUN}:USD.SGD:2`, limitPrice: onTick(quote.bid, -20) }));
    const { secType: _cash, ...stock } = conversion({ orderRef: `${RUN}:USD.SGD:2`, limitPrice: onTick(quote.bid, -19) });
    const [openAgain] = await broker.openOrders();
    if (openAgain === undefined) throw new Error('no open order');
    expect(openAgain.brokerOrderId).toBe(again.brokerOrderId);
    const refused = await brokerErrorOf(broker.modifyOrder(openAgain, stock));
    expect(refused.message).toMatch(/the change is a stock order, the order a currency conversion \(CASH\)/);
    expect(gateway.placedOrders()).toHaveLength(3);
  });

  it("another client's conversion (no orderRef of ours) is never reported: not an open order, not an execution, not a completed order", async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const quote = await usdSgdQuote(broker);
    await placeOtherClientsConversion(gateway.port, 3, onTick(quote.ask, 2), 'my-fx-tool');
    await placeOtherClientsConversion(gateway.port, 4, onTick(quote.bid, -20), '', ['Submitted', 'PreSubmitted']);
    // Ours, beside them, comes back.
    const ours = await broker.placeOrder(conversion({ limitPrice: onTick(quote.ask, 2) }));
    await broker.orderStatuses([ours.brokerOrderId], 300);
    const executions = await broker.executions('2026-11-23T14:00:00Z');
    expect(executions.map((e) => [e.orderRef, e.symbol, e.secType])).toEqual([[ours.orderRef, 'USD.SGD', 'CASH']]);
    const completed = await broker.completedOrders();
    expect(completed.filter((o) => o.secType === 'CASH' || o.symbol.startsWith('USD')).map((o) => o.orderRef)).toEqual([ours.orderRef]);
    expect(await broker.openOrders()).toEqual([]);
  });

  it('refuses, sending nothing, a conversion whose symbol is not the pair in its currency; IB refuses a pair it does not list (200)', async () => {
    const gateway = await h.gateway(sgdAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    for (const bad of [
      conversion({ symbol: 'USD' }),
      conversion({ symbol: 'SGD.USD' }),
      conversion({ currency: 'USD' }),
      conversion({ orderRef: 'manual' }),
    ]) {
      expect(await brokerErrorOf(broker.placeOrder(bad))).toMatchObject({ kind: 'fatal', message: expect.stringMatching(/not sent/) });
    }
    expect(gateway.placedOrders()).toEqual([]);
    // SGD.USD quoted in USD is well formed, but IB lists the pair as USD.SGD only.
    const refused = await brokerErrorOf(broker.placeOrder(conversion({ symbol: 'SGD.USD', currency: 'USD', limitPrice: 0.74 })));
    expect(refused).toMatchObject({ kind: 'rejected', code: 200, message: expect.stringMatching(/IB lists no IDEALPRO pair SGD.USD/) });
    expect(refused.message).not.toMatch(/ticker/);
  });
});
