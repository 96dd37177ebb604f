import { describe, expect, it } from 'vitest';
import { matchOpenOrders, resolveOrder, type OrderExecution, type RecordedOrder } from '../../src/core/resolve-order.js';
import type { BrokerOrder } from '../../src/core/types.js';

const REF = 'rebal:20261123T143500Z-ab12:AAPL';

const anIntent = (overrides: Partial<RecordedOrder> = {}): RecordedOrder => ({
  orderRef: REF,
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  status: 'Intent',
  filledQuantity: 0,
  avgFillPrice: 0,
  ...overrides,
});
const anOpenOrder = (overrides: Partial<BrokerOrder> = {}): BrokerOrder => ({
  brokerOrderId: 7,
  permId: 5001,
  clientId: 17,
  orderRef: REF,
  symbol: 'AAPL',
  action: 'BUY',
  quantity: 10,
  limitPrice: 150,
  status: 'Submitted',
  filledQuantity: 0,
  avgFillPrice: 0,
  ...overrides,
});
const anExecution = (overrides: Partial<OrderExecution> = {}): OrderExecution => ({
  execId: 'e1',
  brokerOrderId: 7,
  permId: 5001,
  quantity: 10,
  price: 190.01,
  ...overrides,
});

describe('resolveOrder', () => {
  it('records the ids and status of an intent the broker lists as open, found by orderRef', () => {
    const r = resolveOrder(anIntent(), [anOpenOrder({ orderRef: 'someone-else', brokerOrderId: 3 }), anOpenOrder()], []);
    expect(r).toMatchObject({ evidence: 'open', status: 'Submitted', brokerOrderId: 7, permId: 5001, filledQuantity: 0, recovered: true });
    expect(r.message).toMatch(/^Intent of an earlier run found open at the broker by orderRef: order 7, permId 5001, Submitted/);
  });

  it('never matches by order id alone: an open order with the same id but another orderRef is not this order', () => {
    const r = resolveOrder(
      anIntent({ status: 'Submitted', brokerOrderId: 7, permId: 5001 }),
      [anOpenOrder({ orderRef: 'rebal:other-run:AAPL', permId: 9999 })],
      [],
    );
    expect(r).toMatchObject({ evidence: 'none', status: 'Cancelled', brokerOrderId: 7, permId: 5001 });
  });

  it("falls back to the permId only when the broker's copy has no orderRef", () => {
    const order = anIntent({ status: 'Submitted', permId: 5001 });
    expect(matchOpenOrders(order, [anOpenOrder({ orderRef: '', brokerOrderId: 0 })])).toHaveLength(1);
    expect(matchOpenOrders(order, [anOpenOrder({ orderRef: 'manual', brokerOrderId: 0 })])).toHaveLength(0);
    expect(matchOpenOrders(anIntent(), [anOpenOrder({ orderRef: '' })])).toHaveLength(0);
  });

  it("takes the fill figures from the executions when they are ahead of the open order's status", () => {
    const r = resolveOrder(
      anIntent(),
      [anOpenOrder({ status: 'Submitted', filledQuantity: 2, avgFillPrice: 190 })],
      [anExecution({ quantity: 4, price: 190 }), anExecution({ execId: 'e2', quantity: 2, price: 190.3 })],
    );
    expect(r).toMatchObject({ filledQuantity: 6, avgFillPrice: 190.1 });
  });

  it('says so when the broker lists two open orders with the same orderRef', () => {
    const r = resolveOrder(anIntent(), [anOpenOrder(), anOpenOrder({ brokerOrderId: 8, permId: 5002 })], []);
    expect(r.message).toMatch(/the broker lists 2 open orders with this orderRef \(ids 7, 8\)/);
  });

  it('finishes as Filled an intent that the broker no longer lists but executed in full', () => {
    const r = resolveOrder(anIntent(), [], [anExecution({ quantity: 6 }), anExecution({ execId: 'e2', quantity: 4 })]);
    expect(r).toMatchObject({
      evidence: 'executions',
      status: 'Filled',
      brokerOrderId: 7,
      permId: 5001,
      filledQuantity: 10,
      avgFillPrice: 190.01,
      recovered: true,
    });
    expect(r.message).toMatch(/^filled \(10 in 2 execution\(s\)\), no longer open at the broker; it was recorded as Intent/);
  });

  it('finishes a partly filled order the broker no longer lists as Cancelled (expired or cancelled)', () => {
    const r = resolveOrder(anIntent({ status: 'Submitted', brokerOrderId: 7 }), [], [anExecution({ quantity: 4 })]);
    expect(r).toMatchObject({ status: 'Cancelled', filledQuantity: 4, recovered: false, fillsMissing: 0 });
    expect(r.message).toMatch(/^partly filled 4 of 10 in 1 execution\(s\), no longer open at the broker: expired or cancelled$/);
  });

  it('marks an intent with no open order and no execution NotSent', () => {
    const r = resolveOrder(anIntent(), [], []);
    expect(r).toMatchObject({ evidence: 'none', status: 'NotSent', recovered: false });
    expect(r.message).toMatch(/^not at the broker: no open order and no execution with this orderRef/);
  });

  it('leaves a failed send that never reached the broker as SendFailed, and recovers one that did', () => {
    expect(resolveOrder(anIntent({ status: 'SendFailed' }), [], [])).toMatchObject({ status: 'SendFailed', recovered: false });
    expect(resolveOrder(anIntent({ status: 'SendFailed' }), [anOpenOrder()], [])).toMatchObject({
      status: 'Submitted',
      brokerOrderId: 7,
      recovered: true,
    });
  });

  it('finishes an accepted order the broker no longer lists, with no execution, as Cancelled, and flags fills it had reported', () => {
    expect(resolveOrder(anIntent({ status: 'PreSubmitted', brokerOrderId: 7 }), [], [])).toMatchObject({
      status: 'Cancelled',
      fillsMissing: 0,
    });
    const lost = resolveOrder(anIntent({ status: 'Submitted', brokerOrderId: 7, filledQuantity: 3 }), [], []);
    expect(lost).toMatchObject({ status: 'Cancelled', filledQuantity: 3, fillsMissing: 3 });
    expect(lost.message).toMatch(/reported 3 filled but no execution was found/);
  });

  it('keeps a recorded order id even when the executions carry another one (IB reuses ids after a restart)', () => {
    const r = resolveOrder(
      anIntent({ status: 'Submitted', brokerOrderId: 3, permId: 4001 }),
      [],
      [anExecution({ brokerOrderId: 99, permId: 4001 })],
    );
    expect(r).toMatchObject({ brokerOrderId: 3, permId: 4001, status: 'Filled' });
  });
});

describe('resolveOrder when the executions looked at do not reach back to the order (an overnight gap)', () => {
  const gap = { executionsComplete: false, gap: 'sent 2026-12-04 15:35 New York; IB shows only the current day' };

  it('an accepted order with no execution in sight is Unknown, never "expired unfilled"', () => {
    const r = resolveOrder(anIntent({ status: 'Submitted', brokerOrderId: 7, permId: 5001 }), [], [], gap);
    expect(r).toMatchObject({ evidence: 'none', status: 'Unknown', brokerOrderId: 7, permId: 5001, fillsMissing: 0 });
    expect(r.message).toContain('outcome unknown');
    expect(r.message).toContain('sent 2026-12-04 15:35 New York');
    expect(r.message).not.toMatch(/expired|unfilled/);
  });

  it('an intent or a failed send of an earlier day is Unknown too: it may have reached the broker and filled', () => {
    expect(resolveOrder(anIntent(), [], [], gap).status).toBe('Unknown');
    expect(resolveOrder(anIntent({ status: 'SendFailed' }), [], [], gap).status).toBe('Unknown');
  });

  it('partly filled as recorded, the rest out of sight: Unknown, keeping the recorded fills', () => {
    const r = resolveOrder(anIntent({ status: 'Submitted', filledQuantity: 4 }), [], [anExecution({ quantity: 4, price: 100 })], gap);
    expect(r).toMatchObject({ status: 'Unknown', filledQuantity: 4, avgFillPrice: 100 });
    expect(r.message).toContain('4 of 10 recorded filled');
  });

  it('executions covering the whole order settle it as Filled, gap or not', () => {
    const r = resolveOrder(anIntent({ status: 'Submitted' }), [], [anExecution()], gap);
    expect(r).toMatchObject({ evidence: 'executions', status: 'Filled', filledQuantity: 10 });
  });

  it('an order still open is open, gap or not', () => {
    expect(resolveOrder(anIntent({ status: 'Submitted' }), [anOpenOrder()], [], gap)).toMatchObject({
      evidence: 'open',
      status: 'Submitted',
    });
  });

  it('with the executions complete (the same day), the old inference stands: Cancelled unfilled', () => {
    expect(resolveOrder(anIntent({ status: 'Submitted' }), [], [], { executionsComplete: true }).status).toBe('Cancelled');
  });
});

describe("resolveOrder with the broker's completed orders of the day", () => {
  it('a completed order settles with its final status and filled quantity, by orderRef', () => {
    const done = anOpenOrder({ status: 'Cancelled', filledQuantity: 0, message: 'expired at the close' });
    const r = resolveOrder(anIntent({ status: 'Submitted' }), [], [], { executionsComplete: true, completed: [done] });
    expect(r).toMatchObject({ evidence: 'completed', status: 'Cancelled', filledQuantity: 0, fillsMissing: 0 });
    expect(r.message).toContain("among the broker's completed orders of the day: Cancelled, filled 0 of 10 (expired at the close)");
  });

  it('the broker counts more filled than the executions found: the missing shares are named', () => {
    const done = anOpenOrder({ status: 'Cancelled', filledQuantity: 6, avgFillPrice: 101 });
    const r = resolveOrder(anIntent({ status: 'Submitted' }), [], [anExecution({ quantity: 2, price: 100 })], {
      executionsComplete: true,
      completed: [done],
    });
    expect(r).toMatchObject({ evidence: 'completed', status: 'Cancelled', filledQuantity: 6, fillsMissing: 4, avgFillPrice: 101 });
    expect(r.message).toContain('executions of only 2 were found');
  });

  it('an intent found among the completed orders was sent after all: recovered', () => {
    const done = anOpenOrder({ status: 'Filled', filledQuantity: 10, avgFillPrice: 190 });
    const r = resolveOrder(anIntent(), [], [anExecution()], { executionsComplete: true, completed: [done] });
    expect(r).toMatchObject({ status: 'Filled', recovered: true });
  });

  it("another client's completed order with another orderRef is not this order", () => {
    const other = anOpenOrder({ orderRef: 'manual', status: 'Filled', filledQuantity: 10 });
    const r = resolveOrder(anIntent({ status: 'Submitted' }), [], [], { executionsComplete: true, completed: [other] });
    expect(r).toMatchObject({ evidence: 'none', status: 'Cancelled' });
  });
});

describe('resolveOrder: an intent whose turn never came (a run killed mid-batch)', () => {
  const aDayLater = { executionsComplete: false, gap: 'sent 2026-11-23 10:35 New York; IB shows only today' };

  it('is NotSent on a later day too, where an intent handed over is Unknown', () => {
    const never = resolveOrder(anIntent({ awaitingTurn: true }), [], [], aDayLater);
    expect(never.status).toBe('NotSent');
    expect(never.message).toMatch(/never sent: the run that recorded it stopped before its turn came/);
    expect(never.recovered).toBe(false);
    expect(resolveOrder(anIntent(), [], [], aDayLater).status).toBe('Unknown');
  });

  it('trusts what the broker shows over the mark: open, executed or completed is what it is', () => {
    expect(resolveOrder(anIntent({ awaitingTurn: true }), [anOpenOrder()], [], aDayLater).status).toBe('Submitted');
    expect(resolveOrder(anIntent({ awaitingTurn: true }), [], [anExecution()], aDayLater).status).toBe('Filled');
    // A part execution: not proof of anything, so not NotSent either.
    expect(resolveOrder(anIntent({ awaitingTurn: true }), [], [anExecution({ quantity: 4 })], aDayLater).status).toBe('Unknown');
    const completed = [anOpenOrder({ status: 'Cancelled' })];
    expect(resolveOrder(anIntent({ awaitingTurn: true }), [], [], { ...aDayLater, completed }).status).toBe('Cancelled');
  });

  it('applies only to intents: an order the broker had is never made NotSent by a stale mark', () => {
    const sentOnce = anIntent({ status: 'Submitted', brokerOrderId: 7, awaitingTurn: true });
    expect(resolveOrder(sentOnce, [], [], aDayLater).status).toBe('Unknown');
  });
});
