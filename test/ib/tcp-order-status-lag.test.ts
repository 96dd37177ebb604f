import { describe, expect, it } from 'vitest';
import type { OrderRequest } from '../../src/core/types.js';
import { baseScenario, useIbHarness } from './support/ib-harness.js';

/**
 * TWS announces a fill with two messages: an openOrder whose OrderState says Filled (it carries no filled quantity),
 * then an orderStatus with the figures. The gateway's fault `orderStatusLagMs` sends the second later. The window of
 * orderStatuses must never report an order "Filled, 0 filled": final with no fill missing, a run recorded it so and
 * never looked it up again (on a loaded machine, its execution was lost from the records once IB stopped listing it).
 */

const h = useIbHarness();

/** A BUY through MSFT's ask (410.10): it fills in full when placed. */
const marketable: OrderRequest = {
  orderRef: 'rebal:20261123T150000Z-ab12:MSFT',
  symbol: 'MSFT',
  action: 'BUY',
  quantity: 10,
  limitPrice: 410.5,
  adaptivePriority: 'Normal',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
};

const lagging = (ms: number) => ({
  ...baseScenario(),
  fills: { partialFillProbability: 0 },
  gateway: { faults: { orderStatusLagMs: ms } },
});

describe('IB adapter over TCP: an openOrder that says Filled before the orderStatus that counts the fill', () => {
  it('the window closes first: the order is reported working (Submitted, 0 filled), never Filled with nothing filled; once the orderStatus comes, Filled in full', async () => {
    const gateway = await h.gateway(lagging(1500));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(marketable);
    const [early] = await broker.orderStatuses([placed.brokerOrderId], 300);
    expect(early).toMatchObject({ brokerOrderId: placed.brokerOrderId, status: 'Submitted', filledQuantity: 0 });
    const [late] = await broker.orderStatuses([placed.brokerOrderId], 5000);
    expect(late).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(late?.avgFillPrice).toBeGreaterThan(0);
  });

  it('the window waits for the orderStatus with the figures, not only for the openOrder that says Filled', async () => {
    const gateway = await h.gateway(lagging(400));
    const broker = h.broker(gateway.port);
    await broker.connect();
    const placed = await broker.placeOrder(marketable);
    const [seen] = await broker.orderStatuses([placed.brokerOrderId], 5000);
    expect(seen).toMatchObject({ status: 'Filled', filledQuantity: 10 });
    expect(seen?.avgFillPrice).toBeGreaterThan(0);
  });
});
