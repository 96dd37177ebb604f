import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { estimateCommission } from '../../src/core/commission.js';
import type { BrokerOrder, OrderRequest } from '../../src/core/types.js';
import { ConfigError } from '../../src/errors.js';
import { BrokerError } from '../../src/ports/broker.js';
import { SimAccount, SimRejection, type SimModification } from '../../src/sim/sim-account.js';
import { loadScenario } from '../../src/sim/scenario.js';
import type { SimOrder } from '../../src/sim/sim-state.js';
import { stateFile } from '../../src/sim/state-file.js';

/**
 * Modifying a working order in place, as IB does (placeOrder again on its id): the simulated account on a real
 * state file, and the `sim` broker in front of it, with the scenario's modification faults (the races of issue 12).
 */

// Wednesday 2026-01-14 (EST): 12:00 New York is inside the session, 09:00 before it.
const MIDDAY = '2026-01-14T17:00:00Z';
const LATER = '2026-01-14T19:00:00Z';
const BEFORE_OPEN = '2026-01-14T14:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sim-modify-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const data = () => join(dir, 'data');

/** AAPL trades 189.98/190.02; one order fills at most 1000 USD (5 shares) in one step, so a big one takes several. */
async function scenario(extra: Record<string, unknown> = {}): Promise<string> {
  const file = join(dir, 'scenario.json');
  await writeFile(
    file,
    JSON.stringify({
      positions: { AAPL: { quantity: 100, avgCost: 150 } },
      quotes: {
        AAPL: { bid: 189.98, ask: 190.02, last: 190.0 },
        MSFT: { bid: 419.9, ask: 420.1 },
        SPY: { bid: 599.9, ask: 600.1 },
        QQQ: { bid: 499.9, ask: 500.1 },
      },
      fills: { partialFillProbability: 0, maxStepValue: 1000 },
      ...extra,
    }),
  );
  return file;
}

const openAccount = async (now: string, extra: Record<string, unknown> = {}) =>
  SimAccount.open({ dataDir: data(), now, commissionModel: 'fixed', scenarioFile: await scenario(extra), clientId: 0 });

const request = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  orderRef: 'rb:run-1:AAPL',
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  limitPrice: 189,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  ...over,
});

const change = (order: SimOrder, over: Partial<SimModification> = {}): SimModification => ({
  symbol: order.symbol,
  action: order.action,
  quantity: order.quantity,
  limitPrice: order.limitPrice,
  adaptive: order.adaptivePriority !== undefined,
  ...(order.adaptivePriority === undefined ? {} : { adaptivePriority: order.adaptivePriority }),
  orderRef: order.orderRef,
  ...over,
});

function refusal(action: () => unknown): SimRejection {
  try {
    action();
  } catch (err) {
    expect(err).toBeInstanceOf(SimRejection);
    return err as SimRejection;
  }
  throw new Error('expected the modification to be refused');
}

async function brokerError(p: Promise<unknown>): Promise<BrokerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BrokerError);
  return err as BrokerError;
}

const filledOf = (sim: SimAccount, orderId: number) =>
  sim.state.executions.filter((e) => e.orderId === orderId).reduce((sum, e) => sum + e.quantity, 0);

describe('SimAccount.modify', () => {
  it('changes size and limit in place: same id, permId, orderRef and status; persisted across a reopen', async () => {
    const sim = await openAccount(BEFORE_OPEN);
    const placed = sim.place(request());
    const { orderId, permId } = placed;
    const result = sim.modify(orderId, change(placed, { quantity: 25, limitPrice: 188.5 }), { clientId: 0 });
    expect(result.dropAfter).toBe(false);
    expect(result.order).toMatchObject({
      orderId,
      permId,
      orderRef: 'rb:run-1:AAPL',
      status: 'PreSubmitted',
      quantity: 25,
      limitPrice: 188.5,
      filled: 0,
      modifications: 1,
      modifiedAt: BEFORE_OPEN,
    });
    sim.modify(orderId, change(result.order, { limitPrice: 188.75 }), { clientId: 0 });
    const reopened = await openAccount(BEFORE_OPEN);
    expect(reopened.order(orderId)).toMatchObject({ permId, quantity: 25, limitPrice: 188.75, modifications: 2, status: 'PreSubmitted' });
    expect(reopened.state.orders).toHaveLength(1);
    expect(reopened.state.nextPermId).toBe(sim.state.nextPermId);
  });

  it('refuses with IB codes and leaves the order and the state file as they were', async () => {
    const sim = await openAccount(MIDDAY);
    const working = sim.place(request());
    const filled = sim.place(request({ orderRef: 'rb:run-1:AAPL:f', quantity: 3, limitPrice: 190.1 }));
    const cancelled = sim.place(request({ orderRef: 'rb:run-1:AAPL:c' }));
    sim.cancel(cancelled.orderId);
    expect(filled.status).toBe('Filled');
    const before = await readFile(stateFile(data()), 'utf8');
    const snapshot = JSON.stringify(sim.state);
    const code = (orderId: number, c: SimModification, clientId = 0) => refusal(() => sim.modify(orderId, c, { clientId }));

    expect(code(999, change(working))).toMatchObject({ code: 135, message: "Can't find order with ID = 999" });
    expect(code(working.orderId, change(working), 3).code).toBe(135);
    expect(code(filled.orderId, change(filled, { quantity: 5 }))).toMatchObject({ code: 104, message: "Can't modify a filled order" });
    expect(code(cancelled.orderId, change(cancelled, { limitPrice: 188 }))).toMatchObject({ code: 103 });
    expect(code(working.orderId, change(working, { symbol: 'MSFT' }))).toMatchObject({
      code: 105,
      message: 'Order being modified does not match original order',
    });
    expect(code(working.orderId, change(working, { action: 'SELL' })).code).toBe(105);
    expect(code(working.orderId, change(working, { adaptive: false })).code).toBe(105);
    expect(code(working.orderId, change(working, { adaptivePriority: 'Urgent' })).code).toBe(105);
    expect(code(working.orderId, change(working, { orderRef: 'rb:run-2:AAPL' })).code).toBe(105);
    expect(code(working.orderId, change(working, { quantity: 0 })).code).toBe(201);
    expect(code(working.orderId, change(working, { quantity: 12.5 })).code).toBe(201);
    expect(code(working.orderId, change(working, { limitPrice: 189.005 })).code).toBe(110);
    expect(code(working.orderId, change(working, { limitPrice: -1 })).code).toBe(110);

    expect(JSON.stringify(sim.state)).toBe(snapshot);
    expect(await readFile(stateFile(data()), 'utf8')).toBe(before);
  });

  it('refuses a total not above what has filled (201), the order unchanged', async () => {
    const sim = await openAccount(MIDDAY);
    const placed = sim.place(request({ quantity: 50, limitPrice: 190.1 }));
    expect(placed.filled).toBe(5);
    const snapshot = JSON.stringify(placed);
    expect(refusal(() => sim.modify(placed.orderId, change(placed, { quantity: 5 }), { clientId: 0 })).code).toBe(201);
    expect(refusal(() => sim.modify(placed.orderId, change(placed, { quantity: 4 }), { clientId: 0 })).code).toBe(201);
    expect(JSON.stringify(sim.order(placed.orderId))).toBe(snapshot);
  });

  it('a smaller size keeps its place (not worked now); a larger size or a new limit is worked at once as a new order', async () => {
    const sim = await openAccount(MIDDAY);
    const placed = sim.place(request({ quantity: 50, limitPrice: 190.1 }));
    expect(placed.filled).toBe(5);
    const id = placed.orderId;
    sim.modify(id, change(placed, { quantity: 40 }), { clientId: 0 });
    expect(sim.order(id)).toMatchObject({ quantity: 40, filled: 5, status: 'Submitted' });
    sim.modify(id, change(placed, { quantity: 45 }), { clientId: 0 });
    expect(sim.order(id)).toMatchObject({ quantity: 45, filled: 10 });
    sim.modify(id, change(placed, { quantity: 45, limitPrice: 190.2 }), { clientId: 0 });
    expect(sim.order(id)).toMatchObject({ quantity: 45, limitPrice: 190.2, filled: 15, modifications: 3 });
    // Unchanged size and limit: a no-op change keeps its place too.
    sim.modify(id, change(placed, { quantity: 45, limitPrice: 190.2 }), { clientId: 0 });
    expect(sim.order(id)).toMatchObject({ filled: 15, modifications: 4 });
    expect(filledOf(sim, id)).toBe(15);
  });

  it('fills after a modification never exceed the new total', async () => {
    const sim = await openAccount(MIDDAY);
    const placed = sim.place(request({ quantity: 50, limitPrice: 190.1 }));
    sim.modify(placed.orderId, change(placed, { quantity: 8 }), { clientId: 0 });
    sim.advanceTo(LATER);
    expect(sim.order(placed.orderId)).toMatchObject({ quantity: 8, filled: 8, status: 'Filled' });
    expect(filledOf(sim, placed.orderId)).toBe(8);
    expect(sim.positions().find((p) => p.symbol === 'AAPL')?.quantity).toBe(108);
    // Raised again inside one step: worked at once only up to the new total.
    const second = sim.place(request({ orderRef: 'rb:run-2:AAPL', quantity: 50, limitPrice: 190.1 }));
    sim.modify(second.orderId, change(second, { quantity: 7, limitPrice: 190.15 }), { clientId: 0 });
    expect(sim.order(second.orderId)).toMatchObject({ quantity: 7, filled: 7, status: 'Filled' });
    expect(filledOf(sim, second.orderId)).toBe(7);
  });

  it('keeps a PreSubmitted order PreSubmitted outside the session, without working it', async () => {
    const sim = await openAccount(BEFORE_OPEN);
    const placed = sim.place(request({ limitPrice: 190.1 }));
    const { order } = sim.modify(placed.orderId, change(placed, { quantity: 20, limitPrice: 190.2 }), { clientId: 0 });
    expect(order).toMatchObject({ status: 'PreSubmitted', filled: 0, quantity: 20 });
    expect(sim.state.executions).toEqual([]);
  });
});

describe('SimBroker.modifyOrder and the scenario modifyFaults', () => {
  const broker = async (now: string, extra: Record<string, unknown> = {}, clientId?: number) => {
    const b = new SimBroker({
      dataDir: data(),
      now,
      commissionModel: 'fixed',
      scenarioFile: await scenario(extra),
      ...(clientId === undefined ? {} : { clientId }),
    });
    await b.connect();
    return b;
  };
  const asChange = (o: BrokerOrder, over: Partial<OrderRequest> = {}): OrderRequest =>
    request({ orderRef: o.orderRef, symbol: o.symbol, action: o.action, quantity: o.quantity, limitPrice: o.limitPrice, ...over });

  it('modifies in place and returns the order as it stands; a refusal is a rejected BrokerError with the code', async () => {
    const b = await broker(MIDDAY);
    const placed = await b.placeOrder(request());
    expect(b.canModify(placed)).toBe(true);
    const modified = await b.modifyOrder(placed, asChange(placed, { quantity: 12, limitPrice: 189.5 }));
    expect(modified).toMatchObject({
      brokerOrderId: placed.brokerOrderId,
      permId: placed.permId,
      orderRef: placed.orderRef,
      quantity: 12,
      limitPrice: 189.5,
      status: 'Submitted',
    });
    const err = await brokerError(b.modifyOrder(placed, asChange(placed, { limitPrice: 189.001 })));
    expect(err).toMatchObject({ kind: 'rejected', code: 110 });
    expect((await b.openOrders())[0]).toMatchObject({ quantity: 12, limitPrice: 189.5 });
  });

  it('another client id cannot modify the order: canModify is false and a modification is refused (135)', async () => {
    const own = await broker(MIDDAY);
    const placed = await own.placeOrder(request());
    await own.disconnect();
    const other = await broker(MIDDAY, {}, 5);
    const [seen] = await other.openOrders();
    expect(seen).toBeDefined();
    if (seen === undefined) return;
    expect(other.canModify(seen)).toBe(false);
    expect(await brokerError(other.modifyOrder(seen, asChange(seen, { limitPrice: 188 })))).toMatchObject({ kind: 'rejected', code: 135 });
    expect((await other.openOrders())[0]).toMatchObject({ limitPrice: placed.limitPrice, quantity: placed.quantity });
    expect(other.canModify({ ...seen, clientId: 5, brokerOrderId: 0 })).toBe(false);
  });

  it('fillFirst all: the order fills at its limit before the change arrives, booked with commission; the change is refused 104', async () => {
    const b = await broker(MIDDAY, { modifyFaults: { AAPL: { fillFirst: 'all' } } });
    const placed = await b.placeOrder(request());
    const err = await brokerError(b.modifyOrder(placed, asChange(placed, { quantity: 20, limitPrice: 189.5 })));
    expect(err).toMatchObject({ kind: 'rejected', code: 104 });
    const [status] = await b.orderStatuses([placed.brokerOrderId], 0);
    expect(status).toMatchObject({ status: 'Filled', quantity: 10, filledQuantity: 10, limitPrice: 189, avgFillPrice: 189 });
    const executions = await b.executions(MIDDAY);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ quantity: 10, price: 189, commission: estimateCommission('fixed', 10, 189, 'BUY') });
    expect(await b.positions('DU0000001')).toEqual([expect.objectContaining({ symbol: 'AAPL', quantity: 110 })]);
    // The fill survives a restart: it was saved before the refusal.
    await b.disconnect();
    const again = await broker(MIDDAY, { modifyFaults: { AAPL: { fillFirst: 'all' } } });
    expect(await again.executions(MIDDAY)).toHaveLength(1);
  });

  it('fillFirst part: half the remainder fills first; the change applies to the rest, or is refused when not above the filled', async () => {
    const b = await broker(MIDDAY, { modifyFaults: { AAPL: { fillFirst: 'part' } } });
    const placed = await b.placeOrder(request());
    expect(await brokerError(b.modifyOrder(placed, asChange(placed, { quantity: 3 })))).toMatchObject({ kind: 'rejected', code: 201 });
    expect((await b.orderStatuses([placed.brokerOrderId], 0))[0]).toMatchObject({ quantity: 10, filledQuantity: 5, limitPrice: 189 });
    // The next modification races another part: 2 of the 5 left fill, then the total of 8 applies.
    const modified = await b.modifyOrder(placed, asChange(placed, { quantity: 8 }));
    expect(modified).toMatchObject({ quantity: 8, filledQuantity: 7, status: 'Submitted' });
    const executions = await b.executions(MIDDAY);
    expect(executions.map((e) => e.quantity)).toEqual([5, 2]);
    expect(executions.every((e) => e.price === 189)).toBe(true);
  });

  it('refuse: the change is refused with the scenario code and IB text (or its message), the order unchanged', async () => {
    const b = await broker(MIDDAY, {
      modifyFaults: { AAPL: { refuse: { code: 2102 } }, MSFT: { refuse: { code: 105, message: 'not today' } } },
    });
    const aapl = await b.placeOrder(request());
    const msft = await b.placeOrder(request({ symbol: 'MSFT', orderRef: 'rb:run-1:MSFT', limitPrice: 400 }));
    expect(await brokerError(b.modifyOrder(aapl, asChange(aapl, { limitPrice: 189.5 })))).toMatchObject({
      kind: 'rejected',
      code: 2102,
      message: 'Unable to modify this order as it is still being processed',
    });
    expect(await brokerError(b.modifyOrder(msft, asChange(msft, { limitPrice: 401 })))).toMatchObject({
      kind: 'rejected',
      code: 105,
      message: 'not today',
    });
    const open = await b.openOrders();
    expect(open.map((o) => [o.symbol, o.quantity, o.limitPrice])).toEqual([
      ['AAPL', 10, 189],
      ['MSFT', 10, 400],
    ]);
  });

  it('dropAfter: the change applies, then the connection is lost (connectivity 1100) and the broker stays disconnected', async () => {
    const faults = { modifyFaults: { QQQ: { dropAfter: true } } };
    const b = await broker(MIDDAY, faults);
    const placed = await b.placeOrder(request({ symbol: 'QQQ', orderRef: 'rb:run-1:QQQ', limitPrice: 490 }));
    const err = await brokerError(b.modifyOrder(placed, asChange(placed, { quantity: 6, limitPrice: 491 })));
    expect(err).toMatchObject({ kind: 'connectivity', code: 1100 });
    expect(err.message).toContain('connection lost after the modification was sent');
    expect((await brokerError(b.openOrders())).kind).toBe('connect');
    expect((await brokerError(b.modifyOrder(placed, asChange(placed)))).kind).toBe('connect');
    const again = await broker(MIDDAY, faults);
    expect((await again.openOrders())[0]).toMatchObject({
      brokerOrderId: placed.brokerOrderId,
      permId: placed.permId,
      quantity: 6,
      limitPrice: 491,
    });
  });
});

describe('scenario modifyFaults', () => {
  async function problem(modifyFaults: unknown): Promise<string> {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ modifyFaults }));
    try {
      loadScenario(file);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected the scenario to be refused');
  }

  it('accepts one fault per ticker', async () => {
    const file = join(dir, 'ok.json');
    const faults = {
      AAPL: { fillFirst: 'all' },
      MSFT: { fillFirst: 'part' },
      SPY: { refuse: { code: 104, message: 'filled meanwhile' } },
      QQQ: { dropAfter: true },
    };
    await writeFile(file, JSON.stringify({ modifyFaults: faults }));
    expect(loadScenario(file).modifyFaults).toEqual(faults);
  });

  it.each([
    [{ AAPL: { fillFirst: 'all', dropAfter: true } }, 'modifyFaults.AAPL: expected exactly one of fillFirst, refuse, dropAfter'],
    [{ AAPL: {} }, 'modifyFaults.AAPL: expected exactly one of fillFirst, refuse, dropAfter'],
    [{ AAPL: { fillFirst: 'some' } }, 'modifyFaults.AAPL.fillFirst: expected "all" or "part"'],
    [{ AAPL: { dropAfter: false } }, 'modifyFaults.AAPL.dropAfter: expected true'],
    [{ AAPL: { refuse: { code: 999 } } }, 'modifyFaults.AAPL.refuse.code: expected one of 103, 104, 105, 110, 135, 201, 2102'],
    [{ AAPL: { refuse: { code: 104, message: '' } } }, 'modifyFaults.AAPL.refuse.message: expected a non-empty text'],
    [{ AAPL: { refuse: { code: 104, text: 'x' } } }, 'modifyFaults.AAPL.refuse.text: unknown field'],
    [{ AAPL: { fillFirst: 'all', later: 1 } }, 'modifyFaults.AAPL.later: unknown field'],
    [{ aapl: { dropAfter: true } }, 'expected an upper-case ticker'],
  ])('names the field: %j', async (faults, message) => {
    expect(await problem(faults)).toContain(message);
  });
});
