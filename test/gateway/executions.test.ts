import {
  EventName,
  OrderAction,
  OrderType,
  SecType,
  type CommissionReport,
  type Contract,
  type Execution,
  type ExecutionFilter,
  type Order,
} from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import { estimateCommission } from '../../src/core/commission.js';
import { collect, connectClient, connectNext, eventually, once, startTestGateway } from './helpers.js';

const AAPL: Contract = { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };
/** Marketable: the scenario's ask is 190.02. */
const BUY_AT_ONCE: Order = {
  action: OrderAction.BUY,
  totalQuantity: 10,
  orderType: OrderType.LMT,
  lmtPrice: 190.05,
  tif: 'DAY',
  transmit: true,
  orderRef: 'rb:run-1:AAPL',
  algoStrategy: 'Adaptive',
  algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
};

describe('fills, executions and commission reports', () => {
  it('pushes Filled, execDetails (reqId -1) and the commission report when a marketable order fills at once', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    const statuses: [string, number, number][] = [];
    client.api.on(EventName.orderStatus, (orderId: number, status: string, filled: number, remaining: number) => {
      if (orderId === id) statuses.push([status, filled, remaining]);
    });
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails);
    const commission = once<[CommissionReport]>(client.api, EventName.commissionReport);
    client.api.placeOrder(id, AAPL, BUY_AT_ONCE);
    const [reqId, contract, execution] = await exec;
    const [report] = await commission;
    expect(reqId).toBe(-1);
    expect(contract.symbol).toBe('AAPL');
    expect(execution).toMatchObject({
      orderId: id,
      side: 'BOT',
      shares: 10,
      cumQty: 10,
      clientId: 7,
      orderRef: 'rb:run-1:AAPL',
      acctNumber: 'DU1234567',
    });
    // Adaptive fills between the midpoint and the touch, never worse than the limit.
    expect(execution.price).toBeGreaterThanOrEqual(190);
    expect(execution.price).toBeLessThanOrEqual(190.02);
    expect(report).toMatchObject({
      execId: execution.execId,
      currency: 'USD',
      commission: estimateCommission('fixed', 10, execution.price ?? 0, 'BUY'),
    });
    expect(report.realizedPNL).toBeUndefined();
    await eventually(() =>
      expect(statuses).toEqual([
        ['Submitted', 0, 10],
        ['Filled', 10, 0],
      ]),
    );

    const positions = await collect<[string, Contract, number]>(client.api, EventName.position, EventName.positionEnd, () =>
      client.api.reqPositions(),
    );
    expect(positions.map(([, c, qty]) => [c.symbol, qty])).toEqual([['AAPL', 110]]);
  });

  it('answers reqExecutions with execDetails + commissionReport for each, then the end; filters apply', async () => {
    const { gateway } = await startTestGateway();
    const client = await connectClient(gateway.port, 7);
    client.api.placeOrder(client.nextValidId, AAPL, BUY_AT_ONCE);
    await once(client.api, EventName.commissionReport);

    const reports: CommissionReport[] = [];
    client.api.on(EventName.commissionReport, (r: CommissionReport) => reports.push(r));
    const rows = await collect<[number, Contract, Execution]>(
      client.api,
      EventName.execDetails,
      EventName.execDetailsEnd,
      () => client.api.reqExecutions(13, { acctCode: 'DU1234567' }),
      (reqId) => reqId === 13,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.[2].time).toBe('20261118 12:00:00 US/Eastern');
    expect(reports.map((r) => r.execId)).toEqual([rows[0]?.[2].execId]);

    const filtered = async (reqId: number, filter: ExecutionFilter) =>
      collect(
        client.api,
        EventName.execDetails,
        EventName.execDetailsEnd,
        () => client.api.reqExecutions(reqId, filter),
        (r) => r === reqId,
      );
    expect(await filtered(14, { symbol: 'MSFT' })).toEqual([]);
    expect(await filtered(15, { clientId: '8' })).toEqual([]);
    expect(await filtered(16, { time: '20261118 12:00:01 US/Eastern' })).toEqual([]);
    expect(await filtered(17, { time: '20261118-16:59:00' })).toHaveLength(1);
    expect(await filtered(18, { side: 'BUY', clientId: '7' })).toHaveLength(1);

    const { ib } = connectNext(gateway.port, 9);
    const details = await ib.getExecutionDetails({});
    expect(details.map((d) => d.execution.shares)).toEqual([10]);
    const commissions = await ib.getCommissionReport({});
    expect(commissions.map((c) => c.execId)).toEqual([rows[0]?.[2].execId]);
  });

  it('fills an order placed before the open once the clock passes the open, pushing it to the connected client', async () => {
    let now = '2026-11-18T14:00:00Z'; // 09:00 New York
    const { gateway } = await startTestGateway(undefined, { now: () => now });
    const client = await connectClient(gateway.port, 7);
    const id = client.nextValidId;
    const presubmitted = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'PreSubmitted');
    client.api.placeOrder(id, AAPL, BUY_AT_ONCE);
    await presubmitted;
    const filled = once(client.api, EventName.orderStatus, (orderId, status) => orderId === id && status === 'Filled', 4000);
    const exec = once<[number, Contract, Execution]>(client.api, EventName.execDetails, undefined, 4000);
    now = '2026-11-18T14:40:00Z'; // 09:40: the 09:30 step fills it
    await filled;
    expect((await exec)[2].time).toBe('20261118 09:30:00 US/Eastern');
  });

  it("answers reqExecutions with the current New York day's executions only, as IB Gateway does", async () => {
    let now = '2026-11-18T14:40:00Z'; // 09:40 New York
    const { gateway } = await startTestGateway(undefined, { now: () => now });
    const client = await connectClient(gateway.port, 7);
    client.api.placeOrder(client.nextValidId, AAPL, BUY_AT_ONCE);
    await once(client.api, EventName.commissionReport);
    const executions = (reqId: number) =>
      collect<[number, Contract, Execution]>(
        client.api,
        EventName.execDetails,
        EventName.execDetailsEnd,
        () => client.api.reqExecutions(reqId, {}),
        (r) => r === reqId,
      );
    expect(await executions(21)).toHaveLength(1);
    now = '2026-11-19T04:30:00Z'; // 23:30 New York, the same day
    expect(await executions(22)).toHaveLength(1);
    now = '2026-11-19T14:35:00Z'; // 09:35 New York the next day: yesterday's fill is no longer served
    expect(await executions(23)).toEqual([]);
  });
});
