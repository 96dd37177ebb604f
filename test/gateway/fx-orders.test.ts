import { EventName, OrderAction, OrderType, type CommissionReport, type Contract, type Execution, type Order } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { fxPairNamed } from '../../src/sim/fx-pairs.js';
import { BASE_SCENARIO, collect, connectClient, once, startTestGateway, type TrackedClient } from './helpers.js';

/**
 * Currency conversions through the simulated gateway over TCP, with @stoqey/ib's own client (its Decoder is the
 * oracle: a 505 fails the test): PLACE_ORDER with a CASH contract on IDEALPRO, answered with IB's CASH contract in
 * openOrder, execDetails and completedOrder; warning 399 for an odd lot before its fill; the commission in the
 * pair's second currency; both legs in the $LEDGER cash; no position; execution filters by secType; error 200 for
 * the pair's other orientation.
 */

// USD.SGD trades around 1.35: on its 0.00005 grid, bid 1.34995 and ask 1.35005. Wednesday noon: IDEALPRO is open.
const SCENARIO = {
  ...BASE_SCENARIO,
  currency: 'SGD',
  cash: { SGD: 150_000, USD: 1_000 },
  exchangeRates: { USD: 1.35 },
  positions: { SPY: { quantity: 10, avgCost: 500 } },
  contracts: { ...BASE_SCENARIO.contracts, SPY: { primaryExchange: 'ARCA', currency: 'USD' } },
};

const USD_SGD_CONID = fxPairNamed('USD.SGD')?.conId ?? 0;

const cash = (symbol: string, currency: string): Contract => ({
  secType: 'CASH' as Contract['secType'],
  exchange: 'IDEALPRO',
  symbol,
  currency,
});

const conversion = (over: Partial<Order> = {}): Order => ({
  action: OrderAction.BUY,
  totalQuantity: 7_400,
  orderType: OrderType.LMT,
  lmtPrice: 1.35045,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rebal:run-1:USD.SGD',
  account: 'DU1234567',
  ...over,
});

type Seen = { event: string; args: unknown[] };

/** Every openOrder, orderStatus, error/info, execDetails and commission report, in the order they arrive. */
function record(client: TrackedClient): Seen[] {
  const seen: Seen[] = [];
  const api = client.api as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
  for (const event of [
    EventName.openOrder,
    EventName.orderStatus,
    EventName.error,
    EventName.info,
    EventName.execDetails,
    EventName.commissionReport,
  ]) {
    api.on(event, (...args) => seen.push({ event, args }));
  }
  return seen;
}

async function ledger(client: TrackedClient, reqId: number): Promise<Record<string, string>> {
  const rows = await collect<[number, string, string, string, string]>(
    client.api,
    EventName.accountSummary,
    EventName.accountSummaryEnd,
    () => client.api.reqAccountSummary(reqId, 'All', '$LEDGER:ALL'),
    (id) => id === reqId,
  );
  client.api.cancelAccountSummary(reqId);
  return Object.fromEntries(rows.filter(([, , tag]) => tag === 'CashBalance').map(([, , , value, currency]) => [currency, value]));
}

const CASH_CONTRACT = {
  conId: USD_SGD_CONID,
  symbol: 'USD',
  secType: 'CASH',
  exchange: 'IDEALPRO',
  currency: 'SGD',
  localSymbol: 'USD.SGD',
  tradingClass: 'USD.SGD',
};

describe('currency conversions through the simulated gateway', () => {
  it('an odd lot: openOrder with the CASH contract, warning 399, then the fill 1 bp worse, commission in SGD', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const seen = record(client);
    const id = client.nextValidId;
    const report = once<[CommissionReport]>(client.api, EventName.commissionReport);
    client.api.placeOrder(id, cash('USD', 'SGD'), conversion());
    const [commission] = await report;

    const open = seen.find((s) => s.event === EventName.openOrder);
    expect(open?.args[1]).toMatchObject(CASH_CONTRACT);
    expect(open?.args[2]).toMatchObject({ orderRef: 'rebal:run-1:USD.SGD', totalQuantity: 7_400, lmtPrice: 1.35045 });
    expect((open?.args[2] as Order).algoStrategy ?? '').toBe('');

    const warning = seen.findIndex((s) => (s.event === EventName.error || s.event === EventName.info) && s.args.includes(399));
    const exec = seen.findIndex((s) => s.event === EventName.execDetails);
    expect(warning).toBeGreaterThan(-1);
    expect(warning).toBeLessThan(exec);
    const text = String(
      (seen[warning]?.args[0] as Error | string | undefined) instanceof Error
        ? (seen[warning]?.args[0] as Error).message
        : seen[warning]?.args[0],
    );
    expect(text).toContain('odd lot');
    expect(text).toContain('USD 25000 IdealPro minimum');
    expect(client.errors.filter((e) => e.reqId === id && e.code !== 399)).toEqual([]);

    const [, contract, execution] = seen[exec]?.args as [number, Contract, Execution];
    expect(contract).toMatchObject(CASH_CONTRACT);
    // The ask 1.35005, 1 bp worse (up to a tenth of the tick): 1.35019.
    expect(execution).toMatchObject({ orderId: id, side: 'BOT', shares: 7_400, price: 1.35019, exchange: 'IDEALPRO' });
    // 0.2 bp of 9,991.41 SGD is 0.20 SGD: the USD 2 minimum, 2.70 SGD.
    expect(commission).toMatchObject({ execId: execution.execId, currency: 'SGD', commission: 2.7 });
    const statuses = seen.filter((s) => s.event === EventName.orderStatus && s.args[0] === id).map((s) => s.args[1]);
    expect(statuses.at(-1)).toBe('Filled');

    // Both legs in the ledger; no position.
    const balances = await ledger(client, 21);
    expect(Number(balances.USD)).toBe(8_400);
    expect(Number(balances.SGD)).toBeCloseTo(150_000 - 7_400 * 1.35019 - 2.7, 2);
    const positions = await collect<[string, Contract, number]>(client.api, EventName.position, EventName.positionEnd, () =>
      client.api.reqPositions(),
    );
    expect(positions.map(([, c]) => c.symbol)).toEqual(['SPY']);
  });

  it('at or above the IDEALPRO minimum: no 399, filled at the ask; by conId as well', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const id = client.nextValidId;
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails);
    client.api.placeOrder(
      id,
      { conId: USD_SGD_CONID, exchange: 'IDEALPRO', secType: 'CASH' as Contract['secType'] },
      conversion({ totalQuantity: 30_000 }),
    );
    const [, contract, execution] = await exec;
    expect(contract).toMatchObject(CASH_CONTRACT);
    expect(execution.price).toBe(1.35005);
    expect(client.errors.filter((e) => e.reqId === id)).toEqual([]);
    expect(client.infos.filter((i) => i.code === 399)).toEqual([]);
  });

  it('executions filtered by secType as IB does; completed orders carry the CASH contract', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const done = once(client.api, EventName.commissionReport);
    client.api.placeOrder(client.nextValidId, cash('USD', 'SGD'), conversion({ totalQuantity: 30_000 }));
    await done;
    const executions = (reqId: number, filter: object) =>
      collect<[number, Contract, Execution]>(
        client.api,
        EventName.execDetails,
        EventName.execDetailsEnd,
        () => client.api.reqExecutions(reqId, filter),
        (r) => r === reqId,
      );
    expect(await executions(31, { secType: 'STK' })).toEqual([]);
    expect((await executions(32, { secType: 'CASH' })).map(([, c]) => c.localSymbol)).toEqual(['USD.SGD']);
    expect((await executions(33, {})).map(([, c]) => c.secType)).toEqual(['CASH']);
    expect(await executions(34, { exchange: 'SMART' })).toEqual([]);

    const completed = await collect<[Contract, Order, { status?: string }]>(
      client.api,
      EventName.completedOrder,
      EventName.completedOrdersEnd,
      () => client.api.reqCompletedOrders(false),
    );
    expect(completed).toHaveLength(1);
    expect(completed[0]?.[0]).toMatchObject(CASH_CONTRACT);
    expect(completed[0]?.[1]).toMatchObject({ orderRef: 'rebal:run-1:USD.SGD', filledQuantity: 30_000 });
  });

  it('account updates after a fill move the cash of both currencies; no position or portfolio line for the pair', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const values: [string, string, string][] = [];
    const portfolio: Contract[] = [];
    const positions: Contract[] = [];
    const api = client.api as unknown as { on(event: string, listener: (...args: unknown[]) => void): void };
    api.on(EventName.updateAccountValue, (key, value, currency) => values.push([key as string, value as string, currency as string]));
    api.on(EventName.updatePortfolio, (contract) => portfolio.push(contract as Contract));
    api.on(EventName.position, (_account, contract) => positions.push(contract as Contract));
    const downloaded = once(client.api, EventName.accountDownloadEnd);
    client.api.reqAccountUpdates(true, 'DU1234567');
    await downloaded;
    await collect(client.api, EventName.position, EventName.positionEnd, () => client.api.reqPositions());
    values.length = 0;
    portfolio.length = 0;
    positions.length = 0;
    const time = once(client.api, EventName.updateAccountTime);
    client.api.placeOrder(client.nextValidId, cash('USD', 'SGD'), conversion({ totalQuantity: 30_000 }));
    await time;
    const cashOf = (currency: string) => values.find(([key, , c]) => key === 'CashBalance' && c === currency)?.[1];
    expect(Number(cashOf('USD'))).toBe(31_000);
    expect(Number(cashOf('SGD'))).toBeCloseTo(150_000 - 30_000 * 1.35005 - 2.7, 2);
    expect(portfolio).toEqual([]);
    expect(positions).toEqual([]);
  });

  it('a resting conversion modified to a limit that reaches the ask fills, the CASH contract on every frame', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const id = client.nextValidId;
    const resting = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Submitted');
    client.api.placeOrder(id, cash('USD', 'SGD'), conversion({ totalQuantity: 30_000, lmtPrice: 1.35 }));
    await resting;
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails);
    client.api.placeOrder(id, cash('USD', 'SGD'), conversion({ totalQuantity: 30_000, lmtPrice: 1.3501 }));
    const [, contract, execution] = await exec;
    expect(contract).toMatchObject(CASH_CONTRACT);
    expect(execution.price).toBe(1.35005);
    expect(client.errors.filter((e) => e.reqId === id)).toEqual([]);
    expect(gateway.stats().ordersModified).toBe(1);
  });

  it('the other orientation (SGD.USD) is no security definition: error 200, nothing placed', async () => {
    const { gateway } = await startTestGateway(SCENARIO);
    const client = await connectClient(gateway.port, 3);
    const id = client.nextValidId;
    const refused = once<[Error, number, number]>(client.api, EventName.error, (_e, _code, reqId) => reqId === id);
    client.api.placeOrder(id, cash('SGD', 'USD'), conversion());
    const [err, code] = await refused;
    expect(code).toBe(200);
    expect(err.message).toBe('No security definition has been found for the request');
    const open = await collect(client.api, EventName.openOrder, EventName.openOrderEnd, () => client.api.reqOpenOrders());
    expect(open).toEqual([]);
  });

  it('outside IDEALPRO hours it is held PreSubmitted, and fills once IDEALPRO opens', async () => {
    let now = '2026-11-21T17:00:00Z'; // Saturday noon, New York
    const { gateway } = await startTestGateway(SCENARIO, { now: () => now });
    const client = await connectClient(gateway.port, 3);
    const id = client.nextValidId;
    const held = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'PreSubmitted');
    client.api.placeOrder(id, cash('USD', 'SGD'), conversion({ totalQuantity: 30_000 }));
    await held;
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails, undefined, 4000);
    now = '2026-11-22T22:30:00Z'; // Sunday 17:30 New York: the 17:15 step fills it
    const [, contract, execution] = await exec;
    expect(contract.secType).toBe('CASH');
    expect(execution.time).toBe('20261122 17:15:00 US/Eastern');
  });
});
