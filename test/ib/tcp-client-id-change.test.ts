import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ibJob, type IbJobResult } from './support/ib-job.js';
import type { OrderRequest } from '../../src/core/types.js';
import { baseScenario, NOW, useIbHarness, type Gateway } from './support/ib-harness.js';

/**
 * IB order ids belong to the API client that placed the order: another client id cannot cancel it by id (TWS
 * answers 10147, "not found"). What the adapter and a run do when that is the case, as after a change of
 * IB_CLIENT_ID with orders of the old id still working (README, Interactive Brokers, IB_CLIENT_ID).
 */

const h = useIbHarness();

/** A buy limit far under the ask: it rests. */
const resting: OrderRequest = {
  orderRef: 'rebal:20261123T150000Z-ab12:MSFT',
  symbol: 'MSFT',
  action: 'BUY',
  quantity: 10,
  limitPrice: 300,
  adaptivePriority: 'Patient',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
};

describe('two clients: client 2 cannot cancel client 1 order by id', () => {
  it('refuses before sending, names the owner and what to do; the order keeps working', async () => {
    const gateway = await h.gateway();
    const one = h.broker(gateway.port, { clientId: 1 });
    const two = h.broker(gateway.port, { clientId: 2 });
    await one.connect();
    await two.connect();
    const placed = await one.placeOrder(resting);
    const [seen] = await two.openOrders();
    expect(seen).toMatchObject({ brokerOrderId: placed.brokerOrderId, clientId: 1, orderRef: resting.orderRef });
    if (seen === undefined) return;
    const result = await two.cancelOrder(seen);
    expect(result).toMatchObject({ confirmed: false, brokerOrderId: placed.brokerOrderId });
    expect(result.detail).toMatch(/belongs to API client 1.*IB_CLIENT_ID=1/);
    expect(gateway.stats().cancels).toBe(0);
    expect((await one.openOrders()).map((o) => [o.brokerOrderId, o.status])).toEqual([[placed.brokerOrderId, 'Submitted']]);
  });

  it("when the request reaches IB anyway (owner unknown), IB's 10147 is a refused cancel and the order keeps working", async () => {
    const gateway = await h.gateway();
    const one = h.broker(gateway.port, { clientId: 1 });
    const two = h.broker(gateway.port, { clientId: 2 });
    await one.connect();
    await two.connect();
    const placed = await one.placeOrder(resting);
    const [seen] = await two.openOrders();
    if (seen === undefined) throw new Error('client 2 does not see the order');
    const { clientId: _owner, ...ownerUnknown } = seen;
    const result = await two.cancelOrder(ownerUnknown);
    expect(result).toMatchObject({ confirmed: false, status: 'Submitted' });
    expect(result.detail).toMatch(/IB 10147: OrderId \d+ that needs to be cancelled is not found/);
    expect(gateway.stats().cancels).toBe(0);
    expect((await one.openOrders()).map((o) => [o.brokerOrderId, o.status])).toEqual([[placed.brokerOrderId, 'Submitted']]);
  });
});

/** The hourly job as cron starts it, with BROKER=ib pointed at the simulated gateway. */
function run(gateway: Gateway, now: string, env: Record<string, string>): Promise<IbJobResult> {
  return ibJob(h.dir, gateway, now, { env });
}

describe('the hourly job after a change of IB_CLIENT_ID with orders of the old id working', () => {
  it('cannot cancel them: CANCEL_UNCONFIRMED, HALTED, says what to do, and sends nothing', async () => {
    // Large orders fill a little per 5-minute step (500 USD): they are still working an hour later.
    let clock = NOW;
    const gateway = await h.gateway({ ...baseScenario(), fills: { partialFillProbability: 0, maxStepValue: 500 } }, { now: () => clock });
    const first = await run(gateway, NOW, { IB_CLIENT_ID: '1' });
    expect(first.code, first.out).toBe(0);
    const placed = gateway.placedOrders().length;
    expect(placed).toBeGreaterThan(0);

    clock = '2026-11-23T16:00:00Z';
    const second = await run(gateway, clock, { IB_CLIENT_ID: '2', CANCEL_SCOPE: 'own' });
    expect(second.code, second.out).toBe(3);
    expect(second.out).toMatch(/CANCEL_UNCONFIRMED/);
    expect(second.out).toMatch(/HALTED/);
    expect(second.out).toMatch(/belongs to API client 1.*IB_CLIENT_ID=1/);
    expect(second.out).not.toMatch(/CLOCK_SKEW/);
    expect(second.out).toMatch(/no orders sent/);
    expect(gateway.placedOrders()).toHaveLength(placed);
    expect(gateway.stats().cancels).toBe(0);

    // What the message says to do: a run with the old client id may touch them again. By default
    // (ORDER_UPDATES=modify) each is changed in place or, already as the plan wants it, left working: no new order.
    clock = '2026-11-23T17:00:00Z';
    const third = await run(gateway, clock, { IB_CLIENT_ID: '1', CANCEL_SCOPE: 'own' });
    expect(third.out).not.toMatch(/CANCEL_UNCONFIRMED/);
    expect(third.code, third.out).toBe(0);
    const leftAsIs = third.out.match(/left working as it is: /g)?.length ?? 0;
    expect(gateway.stats().ordersModified + gateway.stats().cancels + leftAsIs, 'each old order handled by its own client').toBe(placed);
    expect(gateway.placedOrders().filter((o) => o.modification !== true)).toHaveLength(placed);
    const trades = readFileSync(join(h.dir, 'data', 'trades.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    expect(new Set(trades).size, 'each fill once in trades.csv').toBe(trades.length);
  });
});
