import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { limitPrice } from '../../src/core/limit-price.js';
import type { ContractHint, OrderRequest } from '../../src/core/types.js';
import type { LeftOut } from '../../src/ports/broker.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import { SEHK_INCREMENTS, TSEJ_INCREMENTS } from '../../src/sim/market-rules.js';
import { ACCOUNT, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

/**
 * Price increments by IB's market rule, read by the IB adapter over TCP from the simulated gateway: contract details
 * name a rule per valid exchange, the adapter asks reqMarketRule for the rule of the exchange its orders go to (once per
 * rule per session) and the listing carries the bands; an order on the band's grid is taken, one off it refused with
 * 110; a rule that does not come in time leaves the contract out with the reason, never guessed at.
 */

const h = useIbHarness();

/** Tuesday 24 November 2026, 10:00 in Hong Kong (Monday 21:00 in New York): SEHK's morning session. */
const HK_MORNING = '2026-11-24T02:00:00Z';

/** An HKD account; Tencent (700) on SEHK around 400 HKD, Toyota (7203) on TSEJ, SPY on ARCA. */
function hkdAccount(faults: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: ACCOUNT,
    currency: 'HKD',
    cash: { HKD: 1_000_000 },
    exchangeRates: { USD: 7.8, JPY: 0.052 },
    positions: {},
    quotes: {
      '700': { bid: 400, ask: 400.2, last: 400.2 },
      '7203': { bid: 2899, ask: 2901, last: 2900 },
      SPY: { bid: 599.9, ask: 600, last: 600 },
    },
    contracts: {
      '700': { primaryExchange: 'SEHK', currency: 'HKD' },
      '7203': { primaryExchange: 'TSEJ', currency: 'JPY', timeZone: 'Japan', hours: {} },
      SPY: { primaryExchange: 'ARCA', currency: 'USD' },
    },
    fills: { partialFillProbability: 0 },
    gateway: { faults },
  };
}

const HINTS: Record<string, ContractHint> = {
  '700': { currency: 'HKD', primaryExchange: 'SEHK' },
  '7203': { currency: 'JPY', primaryExchange: 'TSEJ' },
  SPY: { currency: 'USD', primaryExchange: 'ARCA' },
};

const buy700 = (limit: number): OrderRequest => ({
  orderRef: 'rebal:20261124T020000Z-ab12:700',
  symbol: '700',
  action: 'BUY',
  quantity: 100,
  limitPrice: limit,
  adaptivePriority: 'Normal',
  primaryExchange: 'SEHK',
  currency: 'HKD',
});

describe('IB adapter over TCP: market rules', () => {
  it('asks the rule of the exchange each listing routes to, and the listing carries its bands', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    const contracts = await broker.contractDetails(['700', '7203', 'SPY'], HINTS);
    expect(contracts['700']?.priceIncrements).toEqual(SEHK_INCREMENTS);
    expect(contracts['7203']?.priceIncrements).toEqual(TSEJ_INCREMENTS);
    expect(contracts.SPY?.priceIncrements).toEqual([{ lowEdge: 0, increment: 0.01 }]);
    // The run's BUY at 400.03 + 1 bp is priced on the 0.20 grid, not the 0.001 minTick.
    expect(contracts['700']?.minTick).toBe(0.001);
    expect(limitPrice('BUY', 400.03, 1, contracts['700']?.priceIncrements ?? [])).toBe(400);
  });

  it('asks each rule once per session', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    await broker.contractDetails(['700'], HINTS);
    const before = gateway.stats().messagesIn;
    // 700 is never cached (IB does not route it SMART): its details are asked again, its rule is not.
    expect((await broker.contractDetails(['700'], HINTS))['700']?.priceIncrements).toEqual(SEHK_INCREMENTS);
    expect(gateway.stats().messagesIn).toBe(before + 1);
  });

  it('an SEHK order at 400.2 is taken and fills; a hand-built one at 400.03 is refused by the gateway with 110', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING });
    await broker.connect();
    await broker.contractDetails(['700'], HINTS);
    const placed = await broker.placeOrder(buy700(400.2));
    expect(placed).toMatchObject({ symbol: '700', limitPrice: 400.2 });
    expect(gateway.placedOrders()[0]).toMatchObject({ symbol: '700', exchange: 'SEHK', lmtPrice: 400.2 });

    const error = await brokerErrorOf(broker.placeOrder({ ...buy700(400.03), orderRef: 'rebal:20261124T020000Z-ab12:700b' }));
    expect(error.code).toBe(110);
    expect(error.message).toMatch(/The price does not conform to the minimum price variation for this contract/);
  });

  it('a rule that never comes leaves the contract out with its reason; the others stand', async () => {
    const gateway = await h.gateway(hkdAccount({ marketRuleDelays: { '1704': null } }), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING, timeoutMs: 400 });
    await broker.connect();
    const leftOut: LeftOut = {};
    const contracts = await broker.contractDetails(['700', 'SPY'], HINTS, leftOut);
    expect(Object.keys(contracts)).toEqual(['SPY']);
    expect(leftOut['700']).toMatch(
      /700 has no usable price increments \(market rule 1704\): IB did not send market rule 1704 .* within 400 ms/,
    );
  });

  it('a rule that comes late but in time is used', async () => {
    const gateway = await h.gateway(hkdAccount({ marketRuleDelays: { '1704': 200 } }), { now: HK_MORNING });
    const broker = h.broker(gateway.port, { now: () => HK_MORNING, timeoutMs: 2000 });
    await broker.connect();
    const contracts = await broker.contractDetails(['700'], HINTS);
    expect(contracts['700']?.priceIncrements).toEqual(SEHK_INCREMENTS);
  });

  it('a cached listing keeps its bands: the next run reads them back without asking IB', async () => {
    const gateway = await h.gateway(hkdAccount(), { now: HK_MORNING });
    const first = h.broker(gateway.port, { now: () => HK_MORNING });
    await first.connect();
    const fetched = await first.contractDetails(['7203'], HINTS);
    await first.disconnect();
    const cache = new SqliteContractCache(join(h.dir, 'rebalancer.sqlite'));
    expect(cache.get(['7203'])['7203']?.priceIncrements).toEqual(TSEJ_INCREMENTS);
    cache.close();

    const second = h.broker(gateway.port, { now: () => HK_MORNING });
    await second.connect();
    const before = gateway.stats().messagesIn;
    expect(await second.contractDetails(['7203'], HINTS)).toEqual(fetched);
    expect(gateway.stats().messagesIn).toBe(before);
  });
});
