import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import type { OrderRequest } from '../../src/core/types.js';
import { BrokerError } from '../../src/ports/broker.js';
import { SimAccount, SimRejection } from '../../src/sim/sim-account.js';
import { stateFile } from '../../src/sim/state-file.js';

/**
 * Currency conversions (FX_POLICY=convert) in the simulated account: a CASH order on an IDEALPRO pair as IB lists it,
 * filled at the pair's quote around the scenario's rates, both legs in the cash ledger, IDEALPRO's commission in the
 * pair's second currency, odd lots below IDEALPRO's minimum 1 bp worse, held outside IDEALPRO's hours, never a
 * position; and the sim broker's view of them.
 */

// Wednesday 2026-01-14, 12:00 New York (EST): IDEALPRO trades.
const MIDDAY = '2026-01-14T17:00:00Z';
// Saturday 2026-01-17, 12:00 New York: IDEALPRO is closed until Sunday 17:15 New York (22:15 UTC).
const SATURDAY = '2026-01-17T17:00:00Z';
const SUNDAY_OPEN = '2026-01-18T22:15:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-fx-orders-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

// USD.SGD trades around 1.35 / 1 = 1.35: on its 0.00005 grid, bid 1.34995 and ask 1.35005.
const SGD_ACCOUNT = {
  account: 'DU0000002',
  currency: 'SGD',
  cash: { SGD: 50_000, USD: 1_000 },
  exchangeRates: { USD: 1.35, EUR: 1.5, INR: 0.016 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  quotes: { SPY: { bid: 559.99, ask: 560.01, last: 560 } },
  contracts: { SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
};

async function scenario(content: object = SGD_ACCOUNT): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

async function open(now = MIDDAY): Promise<SimAccount> {
  return SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile: await scenario(), now, commissionModel: 'fixed' });
}

function conversion(over: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderRef: 'rebal:r1:USD.SGD',
    secType: 'CASH',
    symbol: 'USD.SGD',
    action: 'BUY',
    quantity: 30_000,
    limitPrice: 1.35045,
    adaptivePriority: 'Normal',
    primaryExchange: 'IDEALPRO',
    currency: 'SGD',
    ...over,
  };
}

function cashOf(sim: SimAccount, currency: string): number | undefined {
  return sim.summary().cashLedger?.balances.find((b) => b.currency === currency)?.cash;
}

function rejection(action: () => unknown): SimRejection {
  try {
    action();
  } catch (err) {
    if (err instanceof SimRejection) return err;
    throw err;
  }
  throw new Error('expected a SimRejection');
}

describe('a currency conversion in the simulated account', () => {
  it('a BUY at or above the ask fills at the ask: USD + quantity, SGD - value - commission (USD 2 minimum, in SGD)', async () => {
    const sim = await open();
    const order = sim.place(conversion());
    expect(order).toMatchObject({ status: 'Filled', filled: 30_000, avgFillPrice: 1.35005, secType: 'CASH', symbol: 'USD.SGD' });
    expect(order.oddLot).toBeUndefined();
    // 30,000 x 1.35005 = 40,501.50 SGD; 0.2 bp of it is 0.81 SGD, under the USD 2 minimum = 2.70 SGD.
    expect(cashOf(sim, 'USD')).toBe(31_000);
    expect(cashOf(sim, 'SGD')).toBe(50_000 - 40_501.5 - 2.7);
    const [execution] = sim.executionsSince(MIDDAY);
    expect(execution).toMatchObject({
      secType: 'CASH',
      symbol: 'USD.SGD',
      side: 'BUY',
      quantity: 30_000,
      price: 1.35005,
      commission: 2.7,
      orderRef: 'rebal:r1:USD.SGD',
    });
  });

  it('a large conversion pays 0.2 bp of its value; a SELL at or below the bid fills at the bid', async () => {
    const sim = await open();
    sim.place(conversion({ quantity: 200_000 }));
    // 200,000 x 1.35005 = 270,010 SGD; 0.2 bp = 5.4002 SGD.
    expect(sim.executionsSince(MIDDAY)[0]?.commission).toBe(5.4002);
    const sale = sim.place(conversion({ orderRef: 'rebal:r1:USD.SGD:2', action: 'SELL', quantity: 100_000, limitPrice: 1.34995 }));
    expect(sale).toMatchObject({ status: 'Filled', avgFillPrice: 1.34995 });
    expect(cashOf(sim, 'USD')).toBe(1_000 + 200_000 - 100_000);
    // -270,010 - 5.4002 + 134,995 - 2.70 (0.2 bp = 2.6999, under the minimum).
    expect(cashOf(sim, 'SGD')).toBeCloseTo(50_000 - 270_010 - 5.4002 + 134_995 - 2.7, 6);
  });

  it('a limit that does not reach the quote rests Submitted', async () => {
    const sim = await open();
    const order = sim.place(conversion({ limitPrice: 1.35 }));
    expect(order).toMatchObject({ status: 'Submitted', filled: 0 });
    expect(sim.openOrders().map((o) => o.symbol)).toEqual(['USD.SGD']);
    expect(cashOf(sim, 'USD')).toBe(1_000);
  });

  it('below IDEALPRO minimum (USD 25,000) it is an odd lot: filled 1 bp worse than the ask, within the limit', async () => {
    const sim = await open();
    const order = sim.place(conversion({ quantity: 7_400 }));
    // 1.35005 x 1.0001 = 1.350185..., up to a tenth of the tick: 1.35019.
    expect(order).toMatchObject({ status: 'Filled', oddLot: true, avgFillPrice: 1.35019 });
    expect(cashOf(sim, 'USD')).toBe(8_400);
    expect(cashOf(sim, 'SGD')).toBeCloseTo(50_000 - 7_400 * 1.35019 - 2.7, 6);
    const sale = sim.place(conversion({ orderRef: 'x', action: 'SELL', quantity: 5_000, limitPrice: 1.34 }));
    // 1.34995 x 0.9999 = 1.349815005, down to a tenth of the tick: 1.349815.
    expect(sale).toMatchObject({ status: 'Filled', oddLot: true, avgFillPrice: 1.349815 });
  });

  it('an odd lot whose limit reaches the quote but not 1 bp beyond it rests', async () => {
    const sim = await open();
    const order = sim.place(conversion({ quantity: 7_400, limitPrice: 1.35015 }));
    expect(order).toMatchObject({ status: 'Submitted', filled: 0, oddLot: true });
  });

  it('outside IDEALPRO hours it is held (PreSubmitted) and fills at the open', async () => {
    const sim = await open(SATURDAY);
    const order = sim.place(conversion());
    expect(order).toMatchObject({ status: 'PreSubmitted', filled: 0 });
    sim.advanceTo('2026-01-18T22:00:00Z');
    expect(sim.order(order.orderId)?.status).toBe('PreSubmitted');
    sim.advanceTo('2026-01-18T23:00:00Z');
    expect(sim.order(order.orderId)).toMatchObject({ status: 'Filled', filled: 30_000, completedAt: SUNDAY_OPEN });
    expect(sim.executionsSince(SATURDAY).map((e) => e.time)).toEqual([SUNDAY_OPEN]);
  });

  it('a DAY conversion that does not fill expires at IDEALPRO close (17:00 New York)', async () => {
    const sim = await open();
    const order = sim.place(conversion({ limitPrice: 1.3 }));
    sim.advanceTo('2026-01-14T23:00:00Z');
    expect(sim.order(order.orderId)).toMatchObject({ status: 'Cancelled', completedAt: '2026-01-14T22:00:00Z' });
    expect(sim.completedOn('2026-01-14T21:00:00Z').map((c) => c.order.symbol)).toEqual(['USD.SGD']);
  });

  it('refuses as IB does: 200 for a pair not listed that way or not priced, 201 for a quantity, 110 off the tick', async () => {
    const sim = await open();
    expect(rejection(() => sim.place(conversion({ symbol: 'SGD.USD', currency: 'USD' }))).code).toBe(200);
    // INR has a rate but no IDEALPRO pair; CAD is not priced by the scenario.
    expect(rejection(() => sim.place(conversion({ symbol: 'USD.INR', currency: 'INR' }))).code).toBe(200);
    expect(rejection(() => sim.place(conversion({ symbol: 'USD.CAD', currency: 'CAD' }))).code).toBe(200);
    expect(rejection(() => sim.place(conversion({ currency: 'USD' }))).code).toBe(200);
    expect(rejection(() => sim.place(conversion({ primaryExchange: 'SMART' }))).code).toBe(200);
    expect(rejection(() => sim.place(conversion({ quantity: 100.5 }))).code).toBe(201);
    expect(rejection(() => sim.place(conversion({ quantity: 0 }))).code).toBe(201);
    expect(rejection(() => sim.place(conversion({ limitPrice: 1.35003 }))).code).toBe(110);
    expect(sim.state.orders).toEqual([]);
    // EUR.SGD is listed (EUR first); its tick is 0.00005 too.
    expect(sim.place(conversion({ symbol: 'EUR.SGD', quantity: 20_000, limitPrice: 1.6 })).status).toBe('Filled');
  });

  it('a modification of a resting conversion to a limit that reaches the quote fills it; a smaller size makes it an odd lot', async () => {
    const sim = await open();
    const order = sim.place(conversion({ limitPrice: 1.35 }));
    const change = { symbol: 'USD.SGD', action: 'BUY' as const, adaptive: false, orderRef: order.orderRef };
    const smaller = sim.modify(order.orderId, { ...change, quantity: 7_400, limitPrice: 1.35 }, { clientId: 0 });
    expect(smaller.order).toMatchObject({ status: 'Submitted', quantity: 7_400, oddLot: true });
    const reached = sim.modify(order.orderId, { ...change, quantity: 30_000, limitPrice: 1.35005 }, { clientId: 0 });
    expect(reached.order).toMatchObject({ status: 'Filled', filled: 30_000, avgFillPrice: 1.35005 });
    expect(reached.order.oddLot).toBeUndefined();
    expect(cashOf(sim, 'USD')).toBe(31_000);
    expect(sim.positions().map((p) => p.symbol)).toEqual(['SPY']);
  });

  it("a yen pair trades on its 0.005 tick; an odd lot's 1 bp is on a tenth of it; the commission is in yen", async () => {
    const file = await scenario({ ...SGD_ACCOUNT, exchangeRates: { USD: 1.35, JPY: 0.0088 } });
    const sim = SimAccount.open({ dataDir: join(dir, 'data'), scenarioFile: file, now: MIDDAY, commissionModel: 'fixed' });
    // SGD.JPY around 1 / 0.0088 = 113.6363...: bid 113.63, ask 113.645. 10,000 SGD is below SGD 35,000: an odd lot.
    expect(rejection(() => sim.place(conversion({ symbol: 'SGD.JPY', currency: 'JPY', action: 'SELL', limitPrice: 113.6001 }))).code).toBe(
      110,
    );
    const sale = sim.place(conversion({ symbol: 'SGD.JPY', currency: 'JPY', action: 'SELL', quantity: 10_000, limitPrice: 113.6 }));
    // 113.63 x 0.9999 = 113.618637, down to 0.0005: 113.6185.
    expect(sale).toMatchObject({ status: 'Filled', oddLot: true, avgFillPrice: 113.6185, minTick: 0.005 });
    // 0.2 bp of 1,136,185 JPY is 22.72 JPY, under USD 2 = 2 x 1.35 / 0.0088 = 306.8182 JPY.
    expect(sim.executionsSince(MIDDAY)[0]?.commission).toBe(306.8182);
    expect(cashOf(sim, 'SGD')).toBe(40_000);
    expect(cashOf(sim, 'JPY')).toBeCloseTo(1_136_185 - 306.8182, 4);
  });

  it('is never a position: positions and the account figures show the stocks alone', async () => {
    const sim = await open();
    const before = sim.summary();
    sim.place(conversion());
    expect(sim.positions()).toEqual([{ account: 'DU0000002', symbol: 'SPY', quantity: 10, avgCost: 500 }]);
    expect(Object.keys(sim.state.positions)).toEqual(['SPY']);
    expect(sim.summary().grossPositionValue).toBe(before.grossPositionValue);
  });

  it('persists through the state file: a reopened simulation has the order, its execution and the cash', async () => {
    const sim = await open(SATURDAY);
    const held = sim.place(conversion());
    const file = stateFile(join(dir, 'data'));
    const saved = JSON.parse(await readFile(file, 'utf8')) as { orders: { secType?: string; oddLot?: boolean }[] };
    expect(saved.orders[0]).toMatchObject({ secType: 'CASH' });
    const reopened = await open('2026-01-18T23:00:00Z');
    expect(reopened.order(held.orderId)).toMatchObject({ secType: 'CASH', status: 'Filled' });
    expect(reopened.executionsSince(SATURDAY)).toMatchObject([{ secType: 'CASH', symbol: 'USD.SGD' }]);
    expect(cashOf(reopened, 'USD')).toBe(31_000);
  });

  it('a state file written before conversions existed (no secType anywhere) still loads', async () => {
    const sim = await open();
    sim.place({
      ...conversion(),
      secType: undefined,
      symbol: 'SPY',
      quantity: 1,
      limitPrice: 561,
      primaryExchange: 'ARCA',
      currency: 'USD',
    });
    const text = await readFile(stateFile(join(dir, 'data')), 'utf8');
    expect(text).not.toContain('secType');
    const reopened = await open('2026-01-14T17:30:00Z');
    expect(reopened.state.orders.map((o) => o.symbol)).toEqual(['SPY']);
  });
});

describe('the sim broker and conversions', () => {
  async function broker(now = MIDDAY): Promise<SimBroker> {
    const b = new SimBroker({ dataDir: join(dir, 'data'), scenarioFile: await scenario(), now, commissionModel: 'fixed' });
    await b.connect();
    return b;
  }

  it('places a CASH request; its order and execution carry secType CASH; it is no position', async () => {
    const b = await broker();
    const placed = await b.placeOrder(conversion());
    expect(placed).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', status: 'Filled', filledQuantity: 30_000, avgFillPrice: 1.35005 });
    const sent = await b.sendOrder(conversion({ orderRef: 'rebal:r1:USD.SGD:2', limitPrice: 1.3 }));
    expect(await sent?.acknowledged).toMatchObject({ secType: 'CASH', status: 'Submitted' });
    expect((await b.openOrders()).map((o) => [o.secType, o.symbol])).toEqual([['CASH', 'USD.SGD']]);
    expect((await b.completedOrders()).map((o) => [o.secType, o.symbol])).toEqual([['CASH', 'USD.SGD']]);
    const [execution] = await b.executions(MIDDAY);
    expect(execution).toMatchObject({ secType: 'CASH', symbol: 'USD.SGD', quantity: 30_000, price: 1.35005, commission: 2.7 });
    expect(await b.positions('DU0000002')).toEqual([{ account: 'DU0000002', symbol: 'SPY', quantity: 10, avgCost: 500 }]);
  });

  it('refuses a pair in the wrong orientation with IB code 200', async () => {
    const b = await broker();
    await expect(b.placeOrder(conversion({ symbol: 'SGD.USD', currency: 'USD' }))).rejects.toMatchObject({ code: 200 });
    await expect(b.placeOrder(conversion({ symbol: 'SGD.USD', currency: 'USD' }))).rejects.toBeInstanceOf(BrokerError);
  });

  it("gives each rate with a listed pair against the base that pair's quote; a currency without one keeps its rate alone", async () => {
    const b = await broker();
    const rates = await b.exchangeRates('SGD', ['USD', 'EUR', 'INR']);
    expect(rates.USD?.market).toEqual({ symbol: 'USD', currency: 'SGD', bid: 1.34995, ask: 1.35005 });
    expect(rates.EUR?.market).toEqual({ symbol: 'EUR', currency: 'SGD', bid: 1.49995, ask: 1.50005 });
    expect(rates.INR?.rate).toBe(0.016);
    expect(rates.INR?.market).toBeUndefined();
  });

  it('outside IDEALPRO hours the rates carry no market (IB quotes no bid and no ask)', async () => {
    const b = await broker(SATURDAY);
    const rates = await b.exchangeRates('SGD', ['USD']);
    expect(rates.USD?.rate).toBe(1.35);
    expect(rates.USD?.market).toBeUndefined();
  });
});
