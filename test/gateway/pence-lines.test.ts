import { EventName, OrderAction, OrderType, SecType, type CommissionReport, type Contract, type Execution } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { connectClient, connectNext, once, startTestGateway, type TrackedClient } from './helpers.js';

/**
 * An LSE line quoted in pence as the simulated gateway serves it, read by @stoqey/ib's own decoder over TCP: contract
 * details with priceMagnifier 100; executions in pence, the commission in GBP; the portfolio's market price, value
 * and average cost, the position's average cost, and P&L in pounds, as IB reports them (research 3.3).
 */

// Wednesday 18 November 2026, 15:00 in London: the LSE session is open.
const LONDON_AFTERNOON = '2026-11-18T15:00:00Z';

const scenario = {
  account: 'DU1234567',
  currency: 'GBP',
  cash: 10_000,
  positions: { SHEL: { quantity: 100, avgCost: 35.15 } },
  quotes: { SHEL: { bid: 3599, ask: 3601, last: 3600, close: 3500 } },
  contracts: { SHEL: { primaryExchange: 'LSE', currency: 'GBP', timeZone: 'GB-Eire', hours: {}, priceMagnifier: 100, minTick: 0.5 } },
  fills: { partialFillProbability: 0 },
};

const SHEL: Contract = { symbol: 'SHEL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'LSE', currency: 'GBP' };

type Portfolio = [Contract, number, number, number, number, number, number, string];

function record<A extends unknown[]>(client: TrackedClient, name: EventName): A[] {
  const seen: A[] = [];
  (client.api as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(name, (...args) =>
    seen.push(args as A),
  );
  return seen;
}

describe('a line quoted in pence (priceMagnifier 100)', () => {
  it('contract details carry priceMagnifier 100, currency GBP and the tick in pence; a US line 1', async () => {
    const { gateway } = await startTestGateway({
      ...scenario,
      quotes: { ...scenario.quotes, AAPL: { last: 190 } },
      contracts: { ...scenario.contracts, AAPL: { primaryExchange: 'NASDAQ', currency: 'USD' } },
    });
    const { ib } = connectNext(gateway.port, 9);
    const [d] = await ib.getContractDetails(SHEL);
    expect(d?.priceMagnifier).toBe(100);
    expect(d?.contract).toMatchObject({ symbol: 'SHEL', currency: 'GBP', primaryExch: 'LSE' });
    expect(d?.minTick).toBe(0.5);
    const [us] = await ib.getContractDetails({ symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' });
    expect(us?.priceMagnifier).toBe(1);
  });

  it('the portfolio and the position in pounds: market price 36.00, value 3,600.00, average cost 35.15', async () => {
    const { gateway } = await startTestGateway(scenario);
    const client = await connectClient(gateway.port, 7);
    const portfolio = record<Portfolio>(client, EventName.updatePortfolio);
    const end = once<[string]>(client.api, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, 'DU1234567');
    await end;
    const [contract, position, marketPrice, marketValue, averageCost, unrealized] = portfolio[0] ?? [];
    expect(contract?.currency).toBe('GBP');
    expect([position, marketPrice, marketValue, averageCost, unrealized]).toEqual([100, 36, 3_600, 35.15, 85]);
    client.api.reqAccountUpdates(false, 'DU1234567');

    const positions = record<[string, Contract, number, number]>(client, EventName.position);
    const done = once(client.api, EventName.positionEnd);
    client.api.reqPositions();
    await done;
    expect(positions.map(([, c, q, avg]) => [c.symbol, q, avg])).toEqual([['SHEL', 100, 35.15]]);
  });

  it('a fill: the execution in pence, the commission in GBP, the cash and NLV in pounds', async () => {
    const { gateway } = await startTestGateway(scenario, { now: LONDON_AFTERNOON });
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails, (_r, _c, e) => e.orderId === id);
    const report = once<[CommissionReport]>(client.api, EventName.commissionReport);
    client.api.placeOrder(id, SHEL, {
      action: OrderAction.BUY,
      totalQuantity: 10,
      orderType: OrderType.LMT,
      lmtPrice: 3601,
      tif: 'DAY',
      transmit: true,
      orderRef: 'rb:test',
    });
    const [, , execution] = await exec;
    const [commission] = await report;
    expect(execution.price).toBeGreaterThanOrEqual(3600);
    expect(execution.price).toBeLessThanOrEqual(3601);
    expect(commission).toMatchObject({ commission: 1, currency: 'GBP' });
    const price = execution.price ?? Number.NaN;

    const rows = record<[number, string, string, string, string]>(client, EventName.accountSummary);
    const end = once(client.api, EventName.accountSummaryEnd);
    client.api.reqAccountSummary(3, 'All', 'NetLiquidation,TotalCashValue');
    await end;
    const tag = Object.fromEntries(rows.map(([, , t, value, currency]) => [t, { value, currency }]));
    // 10 x price pence is price / 10 pounds, and the 1.00 commission.
    const cash = 10_000 - price / 10 - 1;
    expect(tag.TotalCashValue).toEqual({ value: cash.toFixed(2), currency: 'GBP' });
    expect(tag.NetLiquidation).toEqual({ value: (cash + 110 * 36).toFixed(2), currency: 'GBP' });
  });
});
