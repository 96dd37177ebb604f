import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import type { ContractHint, OrderRequest } from '../../src/core/types.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import { join } from 'node:path';
import { ACCOUNT, brokerErrorOf, useIbHarness } from './support/ib-harness.js';

/**
 * LSE lines quoted in pence, read by the IB adapter over TCP from the simulated gateway as IB reports them
 * (docs/research/multi-currency.md 3.3): contract details with currency GBP and priceMagnifier 100; quotes, limits
 * and execution prices in pence; the GBP cash ledger, average costs and NLV in pounds.
 */

const h = useIbHarness();

const LSE = { primaryExchange: 'LSE', currency: 'GBP', timeZone: 'GB-Eire', hours: {} };

/** A GBP account of 10,000 GBP holding 50 VOD bought at 0.70 GBP; SHEL at 3514 pence; VUSA a GBP line in pounds. */
function gbpAccount(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account: ACCOUNT,
    currency: 'GBP',
    cash: 10_000,
    positions: { VOD: { quantity: 50, avgCost: 0.7 } },
    quotes: {
      SHEL: { bid: 3514, ask: 3514, last: 3514, close: 3500 },
      VOD: { bid: 71.98, ask: 72.02, last: 72 },
      VUSA: { bid: 99.5, ask: 99.52, last: 99.5 },
    },
    contracts: {
      SHEL: { ...LSE, priceMagnifier: 100, minTick: 0.5 },
      VOD: { ...LSE, priceMagnifier: 100, minTick: 0.02 },
      VUSA: { ...LSE, primaryExchange: 'LSEETF' },
    },
    fills: { partialFillProbability: 0 },
    ...over,
  };
}

const HINTS: Record<string, ContractHint> = {
  SHEL: { currency: 'GBP', primaryExchange: 'LSE' },
  VOD: { currency: 'GBP', primaryExchange: 'LSE' },
  VUSA: { currency: 'GBP', primaryExchange: 'LSEETF' },
};

const buyShel: OrderRequest = {
  orderRef: 'rebal:20261123T150000Z-ab12:SHEL',
  symbol: 'SHEL',
  action: 'BUY',
  quantity: 100,
  limitPrice: 3514,
  adaptivePriority: 'Urgent',
  primaryExchange: 'LSE',
  currency: 'GBP',
};

describe('IB adapter over TCP: LSE lines quoted in pence', () => {
  it('reads priceMagnifier 100 into the contract (and none for a line in pounds), and quotes in pence', async () => {
    const gateway = await h.gateway(gbpAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    const contracts = await broker.contractDetails(['SHEL', 'VUSA'], HINTS);
    expect(contracts.SHEL).toMatchObject({ symbol: 'SHEL', currency: 'GBP', primaryExchange: 'LSE', priceMagnifier: 100, minTick: 0.5 });
    expect(contracts.VUSA).toMatchObject({ symbol: 'VUSA', currency: 'GBP', primaryExchange: 'LSEETF' });
    expect(contracts.VUSA).not.toHaveProperty('priceMagnifier');
    const quotes = await broker.quotes(['SHEL'], contracts);
    expect(quotes.SHEL).toMatchObject({ bid: 3514, ask: 3514, last: 3514, close: 3500 });
  });

  it('never caches a line with a magnifier (the cache has no column for it): the next run asks IB again and gets 100', async () => {
    const gateway = await h.gateway(gbpAccount());
    const first = h.broker(gateway.port);
    await first.connect();
    await first.contractDetails(['SHEL', 'VUSA'], HINTS);
    await first.disconnect();
    const cache = new SqliteContractCache(join(h.dir, 'rebalancer.sqlite'));
    expect(Object.keys(cache.get(['SHEL', 'VUSA']))).toEqual(['VUSA']);
    cache.close();
    const second = h.broker(gateway.port);
    await second.connect();
    expect((await second.contractDetails(['SHEL', 'VUSA'], HINTS)).SHEL?.priceMagnifier).toBe(100);
  });

  it('a fill of 100 at 3514 pence: the execution in pence, GBP cash down by 3,514.00 and the commission, avgCost and NLV in pounds', async () => {
    const gateway = await h.gateway(gbpAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['SHEL'], HINTS);
    const before = await broker.accountSummary(ACCOUNT);
    expect(before.currency).toBe('GBP');
    // 10,000 GBP and 50 VOD at 0.72 GBP (72 pence).
    expect(before.netLiquidation).toBe(10_036);
    expect(before.totalCash).toBe(10_000);

    const placed = await broker.placeOrder(buyShel);
    expect(placed).toMatchObject({ symbol: 'SHEL', limitPrice: 3514, quantity: 100 });
    expect(gateway.placedOrders()[0]).toMatchObject({ symbol: 'SHEL', currency: 'GBP', lmtPrice: 3514 });
    let executions = await broker.executions('2026-11-23T00:00:00Z');
    for (let i = 0; i < 50 && executions[0]?.commission == null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      executions = await broker.executions('2026-11-23T00:00:00Z');
    }
    expect(executions).toHaveLength(1);
    const [execution] = executions;
    expect(execution).toMatchObject({ symbol: 'SHEL', side: 'BUY', quantity: 100, price: 3514 });
    // IB's fixed schedule on 100 shares: the 1.00 minimum, in pounds.
    expect(execution?.commission).toBe(1);

    const after = await broker.accountSummary(ACCOUNT);
    const gbp = after.cashLedger?.balances.find((b) => b.currency === 'GBP');
    expect(gbp?.cash).toBe(10_000 - 3_514 - 1);
    expect(after.totalCash).toBe(6_485);
    // 6,485 cash + 100 SHEL at 35.14 + 50 VOD at 0.72.
    expect(after.netLiquidation).toBe(new Decimal(6_485).plus(3_514).plus(36).toNumber());
    expect(after.grossPositionValue).toBe(3_550);

    const positions = await broker.positions(ACCOUNT);
    // avgCost per share in pounds, the commission in it, as IB reports a pence line: 35.14 + 1.00 / 100.
    expect(positions.find((p) => p.symbol === 'SHEL')).toEqual({ account: ACCOUNT, symbol: 'SHEL', quantity: 100, avgCost: 35.15 });
    expect(positions.find((p) => p.symbol === 'VOD')).toEqual({ account: ACCOUNT, symbol: 'VOD', quantity: 50, avgCost: 0.7 });
  });

  it('checks a limit against the tick in pence: 3514.25 is off the 0.5 pence tick (IB 110), 3514.5 is on it', async () => {
    const gateway = await h.gateway(gbpAccount());
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['SHEL'], HINTS);
    expect(await brokerErrorOf(broker.placeOrder({ ...buyShel, limitPrice: 3514.25 }))).toMatchObject({ code: 110 });
    expect(await broker.placeOrder({ ...buyShel, orderRef: `${buyShel.orderRef}:2`, limitPrice: 3514.5 })).toMatchObject({
      limitPrice: 3514.5,
    });
  });

  it('in a USD account holding GBP at a rate: the GBP cash moves in pounds, the NLV in dollars', async () => {
    const gateway = await h.gateway(gbpAccount({ currency: 'USD', cash: { USD: 20_000 }, positions: {}, exchangeRates: { GBP: 1.25 } }));
    const broker = h.broker(gateway.port);
    await broker.connect();
    await broker.contractDetails(['SHEL'], HINTS);
    await broker.placeOrder(buyShel);
    const summary = await broker.accountSummary(ACCOUNT);
    expect(summary.currency).toBe('USD');
    expect(summary.cashLedger?.balances).toEqual([
      { currency: 'USD', cash: 20_000, exchangeRate: 1 },
      { currency: 'GBP', cash: -3_515, exchangeRate: 1.25 },
    ]);
    // -3,515 GBP + 100 SHEL at 35.14 GBP = -1 GBP, at 1.25 USD.
    expect(summary.netLiquidation).toBe(20_000 - 1.25);
  });
});
