import { EventName, OrderAction, OrderType, SecType, type Contract, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { SEHK_INCREMENTS, TSEJ_INCREMENTS } from '../../src/sim/market-rules.js';
import { BASE_SCENARIO, connectClient, connectNext, once, sleep, startTestGateway } from './helpers.js';

/**
 * IB's market rules from the simulated gateway, read by @stoqey/ib's own decoder over TCP: contract details list a
 * rule id per valid exchange (marketRuleIds), reqMarketRule answers with the rule's bands (MARKET_RULE, no 505), and an
 * order whose limit is off its band's increment is refused with IB's 110.
 */

/** Tuesday 24 November 2026, 10:00 in Hong Kong: SEHK's morning session. */
const HK_MORNING = '2026-11-24T02:00:00Z';

const scenario = {
  ...BASE_SCENARIO,
  quotes: { ...BASE_SCENARIO.quotes, '700': { bid: 400, ask: 400.2, last: 400.2 }, '7203': { last: 2900 } },
  contracts: {
    ...BASE_SCENARIO.contracts,
    '700': { primaryExchange: 'SEHK', currency: 'HKD' },
    '7203': { primaryExchange: 'TSEJ', currency: 'JPY', timeZone: 'Japan', hours: {} },
  },
};

const stock = (symbol: string, currency: string, exchange = 'SMART'): Contract => ({
  symbol,
  secType: SecType.STK,
  exchange,
  currency,
});

const limit = (lmtPrice: number): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 100,
  orderType: OrderType.LMT,
  lmtPrice,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:rule:700',
  account: 'DU1234567',
});

describe('market rules from the simulated gateway', () => {
  it('lists a rule per valid exchange and answers reqMarketRule with the SEHK table', async () => {
    const { gateway } = await startTestGateway(scenario);
    const { ib } = connectNext(gateway.port, 9);
    const [d] = await ib.getContractDetails(stock('700', 'HKD', 'SEHK'));
    expect(d?.validExchanges).toBe('SEHK');
    const ids = (d?.marketRuleIds ?? '').split(',');
    expect(ids).toHaveLength(1);
    expect(await ib.getMarketRule(Number(ids[0]))).toEqual(SEHK_INCREMENTS);
  });

  it('TSEJ carries rule 791 (TSE’s bands) on each of its exchanges; a US stock IB’s 26 (a cent)', async () => {
    const { gateway } = await startTestGateway(scenario);
    const { ib } = connectNext(gateway.port, 9);
    const [tsej] = await ib.getContractDetails(stock('7203', 'JPY'));
    expect(tsej?.validExchanges).toBe('SMART,TSEJ');
    expect(tsej?.marketRuleIds).toBe('791,791');
    expect(await ib.getMarketRule(791)).toEqual(TSEJ_INCREMENTS);
    const [aapl] = await ib.getContractDetails(stock('AAPL', 'USD'));
    expect(new Set(aapl?.marketRuleIds?.split(','))).toEqual(new Set(['26']));
    expect(await ib.getMarketRule(26)).toEqual([{ lowEdge: 0, increment: 0.01 }]);
  });

  it('an order for Tencent at 400.03 is refused with 110 and IB’s text; at 400.2 it is taken and fills', async () => {
    const { gateway } = await startTestGateway(scenario, { now: HK_MORNING });
    const client = await connectClient(gateway.port, 1);
    const off = client.nextValidId;
    const refused = once<[Error, number, number]>(client.api, EventName.error, (_e, _code, reqId) => reqId === off);
    client.api.placeOrder(off, stock('700', 'HKD', 'SEHK'), limit(400.03));
    const [err, code] = await refused;
    expect(code).toBe(110);
    expect(err.message).toBe('The price does not conform to the minimum price variation for this contract.');

    const on = off + 1;
    const filled = once(client.api, EventName.orderStatus, (orderId, status) => orderId === on && status === 'Filled');
    client.api.placeOrder(on, stock('700', 'HKD', 'SEHK'), limit(400.2));
    await filled;
    expect(client.errors.filter((e) => e.reqId === on)).toEqual([]);
  });

  it('a rule the scenario withholds is never answered; a delayed one comes late', async () => {
    const { gateway } = await startTestGateway({ ...scenario, gateway: { faults: { marketRuleDelays: { '791': null, '1704': 300 } } } });
    const client = await connectClient(gateway.port, 1);
    const rules: number[] = [];
    client.api.on(EventName.marketRule, (id: number) => rules.push(id));
    client.api.reqMarketRule(791);
    client.api.reqMarketRule(1704);
    client.api.reqMarketRule(26);
    await sleep(100);
    expect(rules).toEqual([26]);
    await sleep(400);
    expect(rules).toEqual([26, 1704]);
  });
});
