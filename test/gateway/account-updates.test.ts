import { EventName, OrderAction, OrderType, SecType, type CommissionReport, type Contract, type Execution, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchangeClock } from '../../src/core/session.js';
import { startGateway } from '../../src/gateway/gateway.js';
import { UNIVERSE, quoteAt } from '../../src/sim/universe.js';
import {
  BASE_SCENARIO,
  MIDDAY,
  collect,
  connectClient,
  eventually,
  onCleanup,
  once,
  sleep,
  startTestGateway,
  type TrackedClient,
} from './helpers.js';

/**
 * The account data TWS serves, over TCP with @stoqey/ib: the full account summary (margins, Full*, LookAhead*,
 * the $LEDGER groups), reqAccountUpdates (account values, portfolio, account time, download end, the pushes after
 * a fill), reqAccountUpdatesMulti, reqPnL and reqPnLSingle, and positions with their listing exchange. The
 * scenario: cash 100,000, 100 AAPL bought at 150, AAPL last 190, previous close 188.5.
 */

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };
const MSFT: Contract = { symbol: 'MSFT', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };

/** Marketable at once: the scenario's quotes are fixed. */
const order = (action: OrderAction, quantity: number, lmtPrice: number): Order => ({
  action,
  totalQuantity: quantity,
  orderType: OrderType.LMT,
  lmtPrice,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:test',
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Urgent' }],
});

/** Places a marketable order and resolves with its execution and commission once both arrived. */
async function fill(client: TrackedClient, id: number, contract: Contract, o: Order): Promise<{ price: number; commission: number }> {
  const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails, (_r, _c, e) => e.orderId === id);
  const report = once<[CommissionReport]>(client.api, EventName.commissionReport);
  client.api.placeOrder(id, contract, o);
  const [, , execution] = await exec;
  const [commission] = await report;
  return { price: execution.price ?? Number.NaN, commission: commission.commission ?? Number.NaN };
}

type Row = [key: string, value: string, currency: string, account: string];
type Portfolio = [Contract, number, number, number, number, number, number, string];

/** Every event of `name` from now on, as argument lists. */
function record<A extends unknown[]>(client: TrackedClient, name: EventName): A[] {
  const seen: A[] = [];
  (client.api as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(name, (...args) =>
    seen.push(args as A),
  );
  return seen;
}

const byKey = (rows: Row[]) => new Map(rows.map(([key, value, currency]) => [`${key}|${currency}`, value]));
const money = (v: number) => v.toFixed(2);

describe('account summary: every tag TWS serves, margins from their own rates', () => {
  const ALL =
    'AccountType,NetLiquidation,TotalCashValue,SettledCash,AccruedCash,BuyingPower,EquityWithLoanValue,PreviousEquityWithLoanValue,' +
    'GrossPositionValue,RegTEquity,RegTMargin,SMA,InitMarginReq,MaintMarginReq,AvailableFunds,ExcessLiquidity,Cushion,' +
    'FullInitMarginReq,FullMaintMarginReq,FullAvailableFunds,FullExcessLiquidity,LookAheadNextChange,LookAheadInitMarginReq,' +
    'LookAheadMaintMarginReq,LookAheadAvailableFunds,LookAheadExcessLiquidity,HighestSeverity,DayTradesRemaining,Leverage,NoSuchTag';

  /** One summary read, then cancelled as the adapter does (IB keeps at most two open per client). */
  const summary = async (client: TrackedClient, reqId: number, tags: string) => {
    const rows = await collect<[number, string, string, string, string]>(
      client.api,
      EventName.accountSummary,
      EventName.accountSummaryEnd,
      () => client.api.reqAccountSummary(reqId, 'All', tags),
      (id) => id === reqId,
    );
    client.api.cancelAccountSummary(reqId);
    return rows.map(([, account, tag, value, currency]) => ({ account, tag, value, currency }));
  };

  it('AvailableFunds is EquityWithLoanValue - InitMarginReq, ExcessLiquidity EquityWithLoanValue - MaintMarginReq', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const rows = await summary(client, 3, ALL);
    const tag = Object.fromEntries(rows.map((r) => [r.tag, r]));
    expect(Object.keys(tag)).toEqual(ALL.split(',').filter((t) => t !== 'NoSuchTag'));
    const n = (t: string) => Number(tag[t]?.value);
    // 100 AAPL x 190 = 19,000: initial margin 50% (9,500), maintenance 25% (4,750).
    expect(n('NetLiquidation')).toBe(119_000);
    expect(n('InitMarginReq')).toBe(9_500);
    expect(n('MaintMarginReq')).toBe(4_750);
    expect(n('AvailableFunds')).toBe(n('EquityWithLoanValue') - n('InitMarginReq'));
    expect(n('ExcessLiquidity')).toBe(n('EquityWithLoanValue') - n('MaintMarginReq'));
    expect(n('AvailableFunds')).toBeLessThan(n('ExcessLiquidity'));
    expect(n('Cushion')).toBeCloseTo(n('ExcessLiquidity') / n('NetLiquidation'), 6);
    expect(n('Leverage')).toBeCloseTo(n('GrossPositionValue') / n('NetLiquidation'), 6);
    expect(n('BuyingPower')).toBe(4 * n('AvailableFunds'));
    expect([n('FullInitMarginReq'), n('LookAheadInitMarginReq')]).toEqual([n('InitMarginReq'), n('InitMarginReq')]);
    expect([n('FullAvailableFunds'), n('LookAheadAvailableFunds')]).toEqual([n('AvailableFunds'), n('AvailableFunds')]);
    expect([n('FullExcessLiquidity'), n('LookAheadExcessLiquidity')]).toEqual([n('ExcessLiquidity'), n('ExcessLiquidity')]);
    // The previous day's equity: the 100 AAPL at the previous close 188.5.
    expect(n('PreviousEquityWithLoanValue')).toBe(100_000 + 18_850);
    expect(n('DayTradesRemaining')).toBe(-1);
    for (const t of ['Cushion', 'Leverage', 'LookAheadNextChange', 'HighestSeverity', 'DayTradesRemaining', 'AccountType']) {
      expect(tag[t]?.currency, t).toBe('');
    }
    expect(tag.AvailableFunds).toEqual({ account: 'DU1234567', tag: 'AvailableFunds', value: '109500.00', currency: 'USD' });
  });

  it('serves the $LEDGER groups: BASE only, one currency, or all; nothing for a currency not held', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const base = await summary(client, 4, '$LEDGER');
    expect(new Set(base.map((r) => r.currency))).toEqual(new Set(['BASE']));
    const cash = (rows: typeof base, currency: string) => rows.find((r) => r.tag === 'CashBalance' && r.currency === currency)?.value;
    expect(cash(base, 'BASE')).toBe('100000.00');
    expect(base.find((r) => r.tag === 'NetLiquidationByCurrency')?.value).toBe('119000.00');
    expect(base.find((r) => r.tag === 'ExchangeRate')?.value).toBe('1.00');
    expect(base.find((r) => r.tag === 'StockMarketValue')?.value).toBe('19000.00');
    expect(base.map((r) => r.tag)).toEqual(expect.arrayContaining(['TotalCashBalance', 'Currency', 'UnrealizedPnL', 'RealizedPnL']));

    const usd = await summary(client, 5, '$LEDGER:USD');
    expect(new Set(usd.map((r) => r.currency))).toEqual(new Set(['USD']));
    expect(cash(usd, 'USD')).toBe('100000.00');

    const all = await summary(client, 6, '$LEDGER:ALL,NetLiquidation');
    expect(new Set(all.map((r) => r.currency))).toEqual(new Set(['BASE', 'USD']));
    expect(all.filter((r) => r.tag === 'ExchangeRate').map((r) => [r.currency, r.value])).toEqual([
      ['BASE', '1.00'],
      ['USD', '1.00'],
    ]);
    expect(all.find((r) => r.tag === 'NetLiquidation')?.value).toBe('119000.00');

    expect(await summary(client, 7, '$LEDGER:EUR')).toEqual([]);
  });
});

describe('account summary subscriptions', () => {
  it('a third summary open at once is refused with error 322; after a cancel, one more is served', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const read = (reqId: number) =>
      collect(
        client.api,
        EventName.accountSummary,
        EventName.accountSummaryEnd,
        () => client.api.reqAccountSummary(reqId, 'All', 'NetLiquidation'),
        (id) => id === reqId,
      );
    await read(1);
    await read(2);
    client.api.reqAccountSummary(3, 'All', 'NetLiquidation');
    await eventually(() => expect(client.errors.map((e) => [e.reqId, e.code])).toEqual([[3, 322]]));
    expect(client.errors[0]?.message).toMatch(/Maximum number of account summary requests exceeded/);
    client.api.cancelAccountSummary(1);
    expect(await read(4)).toHaveLength(1);
  });
});

describe('positions carry the listing exchange', () => {
  it('POSITION has NASDAQ (the primary exchange), not SMART, in its exchange field', async () => {
    const { gateway } = await startTestGateway();
    const { api } = await connectClient(gateway.port, 7);
    const rows = await collect<[string, Contract, number, number]>(api, EventName.position, EventName.positionEnd, () =>
      api.reqPositions(),
    );
    expect(rows.map(([, c, pos]) => [c.symbol, c.exchange, c.primaryExch, pos])).toEqual([['AAPL', 'NASDAQ', undefined, 100]]);
  });
});

describe('positions stay subscribed until cancelled', () => {
  it('after a fill, pushes the new position (0 once closed); after cancelPositions, nothing', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    await collect(client.api, EventName.position, EventName.positionEnd, () => client.api.reqPositions());
    const pushed = record<[string, Contract, number, number]>(client, EventName.position);
    await fill(client, client.nextValidId, AAPL, order(OrderAction.SELL, 100, 189.9));
    await eventually(() => expect(pushed.map(([, c, pos, cost]) => [c.symbol, c.exchange, pos, cost])).toEqual([['AAPL', 'NASDAQ', 0, 0]]));
    client.api.cancelPositions();
    pushed.length = 0;
    await fill(client, client.nextValidId + 1, MSFT, order(OrderAction.BUY, 5, 420.5));
    await sleep(200);
    expect(pushed).toEqual([]);
  });
});

describe('reqAccountUpdates', () => {
  it('downloads the account values, the portfolio, the account time and the end; the values agree', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const values = record<Row>(client, EventName.updateAccountValue);
    const portfolio = record<Portfolio>(client, EventName.updatePortfolio);
    const times = record<[string]>(client, EventName.updateAccountTime);
    const end = once<[string]>(client.api, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, 'DU1234567');
    expect(await end).toEqual(['DU1234567']);
    const v = byKey(values);
    expect(values.every((r) => r[3] === 'DU1234567')).toBe(true);
    expect(v.get('AccountCode|')).toBe('DU1234567');
    expect(v.get('NetLiquidation|USD')).toBe('119000.00');
    expect(v.get('TotalCashValue|USD')).toBe('100000.00');
    expect(v.get('CashBalance|BASE')).toBe('100000.00');
    expect(v.get('CashBalance|USD')).toBe('100000.00');
    expect(v.get('ExchangeRate|USD')).toBe('1.00');
    expect(v.get('Leverage-S|')).toBe(String(Math.round((19_000 / 119_000) * 1e6) / 1e6));
    expect(Number(v.get('AvailableFunds|USD'))).toBe(Number(v.get('EquityWithLoanValue|USD')) - Number(v.get('InitMarginReq|USD')));
    expect(Number(v.get('ExcessLiquidity|USD'))).toBe(Number(v.get('EquityWithLoanValue|USD')) - Number(v.get('MaintMarginReq|USD')));
    for (const key of [
      'AccountType|',
      'BuyingPower|USD',
      'GrossPositionValue|USD',
      'SMA|USD',
      'FullInitMarginReq|USD',
      'LookAheadExcessLiquidity|USD',
    ]) {
      expect(v.has(key), key).toBe(true);
    }
    expect(portfolio).toHaveLength(1);
    const [contract, position, marketPrice, marketValue, averageCost, unrealized, realized, account] = portfolio[0] ?? [];
    expect({ symbol: contract?.symbol, primaryExch: contract?.primaryExch, conId: (contract?.conId ?? 0) > 0 }).toEqual({
      symbol: 'AAPL',
      primaryExch: 'NASDAQ',
      conId: true,
    });
    expect([position, marketPrice, marketValue, averageCost, unrealized, realized, account]).toEqual([
      100,
      190,
      19_000,
      150,
      4_000,
      0,
      'DU1234567',
    ]);
    expect(marketValue).toBe((position ?? 0) * (marketPrice ?? 0));
    expect(v.get('UnrealizedPnL|USD')).toBe(money(unrealized ?? Number.NaN));
    expect(times).toEqual([['12:00']]);
  });

  it('after a fill, pushes the changed values and the position at once; after unsubscribing, nothing', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const end = once(client.api, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, '');
    await end;
    const values = record<Row>(client, EventName.updateAccountValue);
    const portfolio = record<Portfolio>(client, EventName.updatePortfolio);
    const time = once(client.api, EventName.updateAccountTime);
    const { price, commission } = await fill(client, client.nextValidId, MSFT, order(OrderAction.BUY, 10, 420.5));
    await time;
    const msft = portfolio.find(([c]) => c.symbol === 'MSFT');
    expect(msft?.[1]).toBe(10);
    expect(msft?.[3]).toBe(10 * 420);
    expect(portfolio.some(([c]) => c.symbol === 'AAPL')).toBe(false);
    const cash = 100_000 - 10 * price - commission;
    expect(byKey(values).get('TotalCashValue|USD')).toBe(money(cash));
    expect(byKey(values).get('InitMarginReq|USD')).toBe(money(0.5 * (19_000 + 4_200)));
    expect(byKey(values).has('AccountCode|')).toBe(false);

    client.api.reqAccountUpdates(false, '');
    values.length = 0;
    portfolio.length = 0;
    await fill(client, client.nextValidId + 1, MSFT, order(OrderAction.BUY, 5, 420.5));
    await sleep(300);
    expect(values).toEqual([]);
    expect(portfolio).toEqual([]);
  });

  it('one account per client: a new subscription replaces the last; an account not managed gets nothing', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const ends = record<[string]>(client, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, 'DU1234567');
    client.api.reqAccountUpdates(true, 'DU1234567');
    await eventually(() => expect(ends).toEqual([['DU1234567'], ['DU1234567']]));
    const portfolio = record<Portfolio>(client, EventName.updatePortfolio);
    await fill(client, client.nextValidId, MSFT, order(OrderAction.BUY, 1, 420.5));
    await sleep(200);
    // One subscription, so one push per change.
    expect(portfolio.filter(([c]) => c.symbol === 'MSFT')).toHaveLength(1);

    const other = await connectClient(gateway.port, 8);
    const values = record<Row>(other, EventName.updateAccountValue);
    other.api.reqAccountUpdates(true, 'DU9999999');
    await sleep(300);
    expect(values).toEqual([]);
  });

  it('without a position change, sends the changed values every three minutes of the gateway clock', async () => {
    // The simulator's own universe (no scenario): its prices move minute by minute.
    let now = Date.parse(MIDDAY);
    const dir = await mkdtemp(join(tmpdir(), 'gateway-universe-'));
    const gateway = await startGateway({ port: 0, dataDir: join(dir, 'data'), now: () => new Date(now).toISOString() });
    onCleanup(async () => {
      await gateway.close();
      await rm(dir, { recursive: true, force: true });
    });
    const client = await connectClient(gateway.port, 7);
    const ticker = UNIVERSE[0];
    if (ticker === undefined) throw new Error('no universe ticker');
    const ask = quoteAt(1, ticker.symbol, MIDDAY).ask ?? Number.NaN;
    const contract: Contract = { symbol: ticker.symbol, secType: SecType.STK, exchange: 'SMART', currency: 'USD' };
    const ping = async () => {
      const t = once(client.api, EventName.currentTime);
      client.api.reqCurrentTime();
      await t;
    };
    // The universe fills in its 5-minute steps, not at once.
    const execs = record<[number]>(client, EventName.execDetails);
    client.api.placeOrder(client.nextValidId, contract, order(OrderAction.BUY, 100, Math.ceil(ask * 1.01)));
    for (let step = 0; step < 12 && execs.length === 0; step++) {
      now += 5 * 60_000;
      await ping();
      await sleep(20);
    }
    expect(execs.length).toBeGreaterThan(0);
    const start = new Date(now).toISOString();
    const end = once(client.api, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, '');
    await end;
    await collect(client.api, EventName.accountSummary, EventName.accountSummaryEnd, () =>
      client.api.reqAccountSummary(9, 'All', 'NetLiquidation,AccountType'),
    );
    const values = record<Row>(client, EventName.updateAccountValue);
    const summaries = record<[number, string, string, string, string]>(client, EventName.accountSummary);
    now += 2 * 60_000;
    await ping();
    await sleep(100);
    expect(values).toEqual([]);
    expect(summaries).toEqual([]);
    now += 60_000;
    const time = once<[string]>(client.api, EventName.updateAccountTime);
    await ping();
    expect(await time).toEqual([exchangeClock(new Date(Date.parse(start) + 3 * 60_000).toISOString())]);
    // The position's price moved: the net liquidation value is among the changes, the account code is not.
    expect(values.map((r) => r[0])).toContain('NetLiquidation');
    expect(values.map((r) => r[0])).not.toContain('AccountCode');
    // The open account summary: the changed net liquidation value, not the unchanged account type.
    await eventually(() => expect(summaries.map((r) => [r[0], r[2]])).toEqual([[9, 'NetLiquidation']]));
  });
});

describe('reqAccountUpdatesMulti', () => {
  it('sends the values under the request id and model code, then the end; ledgerAndNLV sends the ledger and NLV only', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const full = await collect<[number, string, string, string, string, string]>(
      client.api,
      EventName.accountUpdateMulti,
      EventName.accountUpdateMultiEnd,
      () => client.api.reqAccountUpdatesMulti(11, 'DU1234567', '', false),
      (id) => Number(id) === 11,
    );
    expect(full.every(([id, account, model]) => id === 11 && account === 'DU1234567' && model === '')).toBe(true);
    const keys = new Set(full.map((r) => r[3]));
    expect([...['NetLiquidation', 'AvailableFunds', 'InitMarginReq', 'CashBalance', 'ExchangeRate']].every((k) => keys.has(k))).toBe(true);
    const light = await collect<[number, string, string, string, string, string]>(
      client.api,
      EventName.accountUpdateMulti,
      EventName.accountUpdateMultiEnd,
      () => client.api.reqAccountUpdatesMulti(12, 'DU1234567', '', true),
      (id) => Number(id) === 12,
    );
    const lightKeys = new Set(light.map((r) => r[3]));
    expect(lightKeys.has('NetLiquidation')).toBe(true);
    expect(lightKeys.has('CashBalance')).toBe(true);
    expect(lightKeys.has('InitMarginReq')).toBe(false);

    client.api.cancelAccountUpdatesMulti(11);
    const after = record<[number]>(client, EventName.accountUpdateMulti);
    await fill(client, client.nextValidId, MSFT, order(OrderAction.BUY, 1, 420.5));
    await sleep(200);
    expect(after.map((r) => r[0]).filter((id) => id === 11)).toEqual([]);
    expect(after.map((r) => r[0]).filter((id) => id === 12).length).toBeGreaterThan(0);
  });
});

describe('reqPnL and reqPnLSingle', () => {
  it('the account P&L against the previous close, and again after a fill; cancel stops it', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const first = once<[number, number, number, number]>(client.api, EventName.pnl, (id) => id === 21);
    client.api.reqPnL(21, 'DU1234567', '');
    // 100 AAPL: 190 now, 188.5 at the previous close, bought at 150; nothing realised today.
    expect(await first).toEqual([21, 150, 4_000, 0]);

    const next = once<[number, number, number, number]>(client.api, EventName.pnl, (id) => id === 21);
    const { price, commission } = await fill(client, client.nextValidId, AAPL, order(OrderAction.SELL, 40, 189.9));
    const [, daily, unrealized, realized] = await next;
    const round = (v: number) => Math.round(v * 100) / 100;
    // Realised: 40 sold at the price less the commission, against the average cost 150.
    expect(realized).toBe(round(40 * price - commission - 40 * 150));
    expect(unrealized).toBe(round(60 * (190 - 150)));
    // Daily: 60 held marked at 190 plus the sale's proceeds, against 100 at the previous close.
    expect(daily).toBe(round(60 * 190 + 40 * price - commission - 100 * 188.5));

    client.api.cancelPnL(21);
    const later = record<[number]>(client, EventName.pnl);
    await fill(client, client.nextValidId + 1, AAPL, order(OrderAction.SELL, 10, 189.9));
    await sleep(200);
    expect(later).toEqual([]);
  });

  it('one position by conId: position, daily, unrealised, no realised before a trade today, value; an unknown conId stays silent', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const [aapl] = await collect<[string, Contract, number, number]>(client.api, EventName.position, EventName.positionEnd, () =>
      client.api.reqPositions(),
    );
    const conId = aapl?.[1].conId ?? 0;
    const single = once<[number, number, number, number, number | undefined, number]>(client.api, EventName.pnlSingle, (id) => id === 31);
    client.api.reqPnLSingle(31, 'DU1234567', '', conId);
    expect(await single).toEqual([31, 100, 150, 4_000, undefined, 19_000]);

    const unknown = record<[number]>(client, EventName.pnlSingle);
    client.api.reqPnLSingle(32, 'DU1234567', '', 12345);
    client.api.reqPnLSingle(33, 'DU0000000', '', conId);
    await sleep(300);
    expect(unknown).toEqual([]);

    const next = once<[number, number, number, number, number | undefined, number]>(client.api, EventName.pnlSingle, (id) => id === 31);
    const { price, commission } = await fill(client, client.nextValidId, AAPL, order(OrderAction.SELL, 100, 189.9));
    const [, pos, , unrealized, realized, value] = await next;
    expect([pos, unrealized, value]).toEqual([0, 0, 0]);
    expect(realized).toBe(Math.round((100 * price - commission - 100 * 150) * 100) / 100);
    client.api.cancelPnLSingle(31);
  });
});

describe('unchanged: the scenario', () => {
  it('is the one the expectations above are computed from', () => {
    expect(BASE_SCENARIO.positions).toEqual({ AAPL: { quantity: 100, avgCost: 150 } });
    expect(BASE_SCENARIO.quotes.AAPL).toMatchObject({ last: 190, close: 188.5 });
  });
});
