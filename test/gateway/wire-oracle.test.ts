import {
  ConjunctionConnection,
  ExecutionCondition,
  MarginCondition,
  OrderAction,
  OrderType,
  PercentChangeCondition,
  PriceCondition,
  SecType,
  TimeCondition,
  TriggerMethod,
  VolumeCondition,
  type Contract,
  type EventName,
  type Order,
} from '@stoqey/ib';
import { Decoder } from '@stoqey/ib/dist/core/io/decoder.js';
import { Encoder } from '@stoqey/ib/dist/core/io/encoder.js';
import { describe, expect, it } from 'vitest';
import type { ContractView } from '../../src/gateway/account/contracts.js';
import * as basic from '../../src/gateway/encode/encode-basic.js';
import { contractData } from '../../src/gateway/encode/encode-contract-data.js';
import { commissionReport, executionData, type ExecutionView } from '../../src/gateway/encode/encode-executions.js';
import * as md from '../../src/gateway/encode/encode-market-data.js';
import { completedOrder, completedOrdersEnd, type CompletedOrderView } from '../../src/gateway/encode/encode-completed-orders.js';
import { openOrder, orderStatus, refusedOrderStatus, type OrderView } from '../../src/gateway/encode/encode-orders.js';
import { parsePlaceOrder } from '../../src/gateway/parse/parse-place-order.js';
import * as requests from '../../src/gateway/parse/parse-requests.js';

/**
 * The client library as the oracle, without a socket: every message the gateway writes goes through
 * @stoqey/ib's own Decoder (which reports a 505 for a field too many or too few), and every request the
 * gateway reads is produced by its own Encoder at server version 193.
 */

function decode(fields: string[]): { events: { name: EventName; args: unknown[] }[]; errors: { message: string; code: number }[] } {
  const events: { name: EventName; args: unknown[] }[] = [];
  const errors: { message: string; code: number }[] = [];
  const decoder = new Decoder({
    serverVersion: 193,
    emitEvent: (name, ...args) => events.push({ name, args }),
    emitError: (message, code) => errors.push({ message, code }),
    emitInfo: () => undefined,
  });
  decoder.enqueueMessage(fields);
  decoder.process();
  return { events, errors };
}

/** Tokens as the client's socket writes them: nested arrays flattened, booleans 1/0, undefined empty. */
function encode(call: (encoder: Encoder) => void): string[] {
  const sent: unknown[] = [];
  const encoder = new Encoder({
    serverVersion: 193,
    sendMsg: (...tokens) => sent.push(...tokens.flat(Infinity)),
    emitError: (m) => {
      throw new Error(m);
    },
  });
  call(encoder);
  return sent.map((t) => (t === undefined || t === null ? '' : typeof t === 'boolean' ? (t ? '1' : '0') : String(t)));
}

const CONTRACT: ContractView = {
  conId: 265598,
  symbol: 'AAPL',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  minTick: 0.01,
  tradingClass: 'NMS',
};
const ORDER: OrderView = {
  orderId: 1000,
  permId: 5001,
  clientId: 7,
  account: 'DU123456',
  contract: CONTRACT,
  action: 'BUY',
  quantity: 10,
  lmtPrice: 187.25,
  tif: 'DAY',
  orderRef: 'rebal',
  adaptivePriority: 'Normal',
  status: 'Submitted',
  filled: 0,
  avgFillPrice: 0,
  lastFillPrice: 0,
};
const COMPLETED: CompletedOrderView = {
  ...ORDER,
  status: 'Cancelled',
  filled: 4,
  avgFillPrice: 187.2,
  lastFillPrice: 187.2,
  completedTime: '20261001 10:40:00 America/New_York',
  completedStatus: 'Cancelled by Trader',
};
const EXECUTION: ExecutionView = {
  execId: '0000e0d5.6718a1b2.01.01',
  orderId: 1000,
  permId: 5001,
  clientId: 7,
  account: 'DU123456',
  contract: CONTRACT,
  side: 'BUY',
  shares: 10,
  price: 187.24,
  time: '20261001 10:31:02 US/Eastern',
  cumQty: 10,
  avgPrice: 187.24,
  orderRef: 'rebal',
  commission: 1,
  currency: 'USD',
};

describe('every gateway message decodes exactly (no 505) into its event', () => {
  it.each([
    ['nextValidId', basic.nextValidId(1000)],
    ['managedAccounts', basic.managedAccounts(['DU123456'])],
    ['currentTime', basic.currentTime(1_790_000_000)],
    ['error', basic.errorMessage(1000, 202, 'Order Canceled - reason:')],
    ['accountSummary', basic.accountSummary(3, 'DU123456', 'NetLiquidation', '100000.00', 'USD')],
    ['accountSummaryEnd', basic.accountSummaryEnd(3)],
    [
      'position',
      basic.position({
        account: 'DU123456',
        conId: 265598,
        symbol: 'AAPL',
        exchange: 'NASDAQ',
        currency: 'USD',
        tradingClass: 'NMS',
        quantity: 300,
        avgCost: 150.25,
      }),
    ],
    ['positionEnd', basic.positionEnd()],
    ['openOrderEnd', basic.openOrderEnd()],
    ['contractDetailsEnd', basic.contractDataEnd(10)],
    ['execDetailsEnd', basic.executionDataEnd(13)],
    ['openOrder', openOrder(ORDER)],
    ['openOrder', openOrder({ ...ORDER, adaptivePriority: undefined })],
    ['orderStatus', orderStatus(ORDER)],
    ['orderStatus', refusedOrderStatus(1000, 'Inactive', 7, 10)],
    [
      'contractDetails',
      contractData(10, CONTRACT, { trading: '20261001:0400-20261001:2000', liquid: '20261001:0930-20261001:1600;20261003:CLOSED' }),
    ],
    ['execDetails', executionData(-1, EXECUTION)],
    ['commissionReport', commissionReport(EXECUTION)],
    ['tickPrice', md.tickPrice(11, 1, 187.2, 300)],
    ['tickSize', md.tickSize(11, 0, 300)],
    ['tickSnapshotEnd', md.tickSnapshotEnd(11)],
    ['marketDataType', md.marketDataType(11, 3)],
    ['tickReqParams', md.tickReqParams(11, 0.01)],
    ['completedOrder', completedOrder(COMPLETED)],
    ['completedOrder', completedOrder({ ...COMPLETED, adaptivePriority: undefined })],
    ['completedOrdersEnd', completedOrdersEnd()],
  ] as const)('%s', (event, fields) => {
    const { events, errors } = decode([...fields]);
    expect(errors.filter((e) => e.code !== 202)).toEqual([]);
    if (event !== 'error') expect(events.map((e) => e.name)).toContain(event);
  });

  it('OPEN_ORDER carries the order as the client reads it: Adaptive algo, permId, client id, state', () => {
    const { events } = decode(openOrder(ORDER));
    const [orderId, contract, order, state] = events.find((e) => e.name === 'openOrder')?.args ?? [];
    expect(orderId).toBe(1000);
    expect(contract).toMatchObject({ conId: 265598, symbol: 'AAPL', secType: 'STK', exchange: 'SMART' });
    expect(order).toMatchObject({
      action: 'BUY',
      totalQuantity: 10,
      orderType: 'LMT',
      lmtPrice: 187.25,
      tif: 'DAY',
      orderRef: 'rebal',
      clientId: 7,
      permId: 5001,
      algoStrategy: 'Adaptive',
      algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
    });
    expect(state).toMatchObject({ status: 'Submitted' });
  });
});

describe('COMPLETED_ORDER at v193, field for field', () => {
  it('is 101 fields for an Adaptive order and 98 without an algo: no version, order id or client id, unlike OPEN_ORDER', () => {
    expect(completedOrder(COMPLETED)).toHaveLength(101);
    expect(completedOrder({ ...COMPLETED, adaptivePriority: undefined })).toHaveLength(98);
    expect(openOrder(ORDER)).toHaveLength(136);
    const fields = completedOrder(COMPLETED);
    expect(fields.slice(0, 3)).toEqual(['101', '265598', 'AAPL']);
    expect(fields[23]).toBe('5001');
    expect(fields.slice(-9, -7)).toEqual(['20261001 10:40:00 America/New_York', 'Cancelled by Trader']);
  });

  it('carries the order as the client reads it: permId, orderRef, final status, filled quantity, completion time and text', () => {
    const { events, errors } = decode(completedOrder(COMPLETED));
    expect(errors).toEqual([]);
    const [contract, order, state] = events.find((e) => e.name === 'completedOrder')?.args ?? [];
    expect(contract).toMatchObject({ conId: 265598, symbol: 'AAPL', secType: 'STK', exchange: 'SMART', currency: 'USD' });
    expect(order).toMatchObject({
      action: 'BUY',
      totalQuantity: 10,
      orderType: 'LMT',
      lmtPrice: 187.25,
      tif: 'DAY',
      account: 'DU123456',
      orderRef: 'rebal',
      permId: 5001,
      filledQuantity: 4,
      algoStrategy: 'Adaptive',
      algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
    });
    expect(order).not.toHaveProperty('orderId');
    expect(order).not.toHaveProperty('clientId');
    expect(state).toEqual({
      status: 'Cancelled',
      completedTime: '20261001 10:40:00 America/New_York',
      completedStatus: 'Cancelled by Trader',
    });
  });

  it('a field too many or too few is a decoding error (505)', () => {
    expect(decode([...completedOrder(COMPLETED), '']).errors.map((e) => e.code)).toEqual([505]);
    expect(decode(completedOrder(COMPLETED).slice(0, -1)).errors.map((e) => e.code)).toEqual([505]);
  });
});

const STOCK: Contract = { conId: 265598, symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' };
const LMT: Order = { action: OrderAction.BUY, totalQuantity: 10, orderType: OrderType.LMT, lmtPrice: 187.25, tif: 'DAY', transmit: true };
const AND = ConjunctionConnection.AND;

describe('PLACE_ORDER as the client writes it is read to the last field, whatever optional groups it has', () => {
  it.each<[string, Contract, Order]>([
    ['plain LMT', STOCK, LMT],
    [
      'Adaptive LMT',
      STOCK,
      { ...LMT, algoStrategy: 'Adaptive', algoParams: [{ tag: 'adaptivePriority', value: 'Urgent' }], orderRef: 'r' },
    ],
    [
      'BAG with legs, leg prices and routing params',
      {
        ...STOCK,
        secType: SecType.BAG,
        comboLegs: [
          { conId: 1, ratio: 1, action: OrderAction.BUY, exchange: 'SMART' },
          { conId: 2, ratio: 2, action: OrderAction.SELL, exchange: 'SMART' },
        ],
      },
      { ...LMT, orderComboLegs: [{ price: 1 }, { price: 2 }], smartComboRoutingParams: [{ tag: 'NonGuaranteed', value: '1' }] },
    ],
    ['delta-neutral order type', STOCK, { ...LMT, deltaNeutralOrderType: 'LMT', deltaNeutralAuxPrice: 1 }],
    ['delta-neutral contract', { ...STOCK, deltaNeutralContract: { conId: 5, delta: 0.5, price: 10 } }, LMT],
    ['scale order', STOCK, { ...LMT, scaleInitLevelSize: 5, scaleSubsLevelSize: 5, scalePriceIncrement: 0.05 }],
    ['hedge', STOCK, { ...LMT, hedgeType: 'D', hedgeParam: '0.5' }],
    [
      'every condition type',
      STOCK,
      {
        ...LMT,
        conditionsIgnoreRth: true,
        conditions: [
          new PriceCondition(100, TriggerMethod.Default, 1, 'SMART', true, AND),
          new TimeCondition('20261118 10:00:00', true, AND),
          new MarginCondition(30, true, AND),
          new ExecutionCondition('SMART', SecType.STK, 'MSFT', AND),
          new VolumeCondition(1000, 1, 'SMART', true, AND),
          new PercentChangeCondition(5, 1, 'SMART', true, AND),
        ],
      },
    ],
    [
      'PEG BENCH',
      STOCK,
      { ...LMT, orderType: OrderType.PEG_BENCH, referenceContractId: 1, peggedChangeAmount: 1, referenceChangeAmount: 1 },
    ],
    [
      'PEG BEST up to mid',
      STOCK,
      {
        ...LMT,
        orderType: OrderType.PEG_BEST,
        minCompeteSize: 100,
        competeAgainstBestOffset: Infinity,
        midOffsetAtWhole: 1,
        midOffsetAtHalf: 1,
      },
    ],
    ['PEG BEST with an offset', STOCK, { ...LMT, orderType: OrderType.PEG_BEST, minCompeteSize: 100, competeAgainstBestOffset: 0.02 }],
    ['PEG MID', STOCK, { ...LMT, orderType: OrderType.PEG_MID, midOffsetAtWhole: 1, midOffsetAtHalf: 1 }],
    ['IBKRATS', { ...STOCK, exchange: 'IBKRATS' }, { ...LMT, minTradeQty: 10 }],
  ])('%s', (_name, contract, order) => {
    const fields = encode((e) => e.placeOrder(42, contract, order));
    const parsed = parsePlaceOrder(fields, 7);
    expect(parsed).toMatchObject({
      orderId: 42,
      clientId: 7,
      symbol: 'AAPL',
      orderType: order.orderType,
      lmtPrice: 187.25,
      fieldCount: fields.length,
    });
  });

  it('an Adaptive STK LMT order is 121 fields, a plain one 118 (as the reference counts)', () => {
    expect(
      encode((e) =>
        e.placeOrder(1, STOCK, { ...LMT, algoStrategy: 'Adaptive', algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }] }),
      ),
    ).toHaveLength(121);
    expect(encode((e) => e.placeOrder(1, STOCK, LMT))).toHaveLength(118);
  });

  it('a scale increment of 0 makes the client send seven fields TWS would not read: a decode error', () => {
    const fields = encode((e) => e.placeOrder(1, STOCK, { ...LMT, scalePriceIncrement: 0 }));
    expect(() => parsePlaceOrder(fields, 7)).toThrow(/7 field\(s\) left unread/);
  });
});

describe('the other requests the client writes are read exactly', () => {
  it('reads each with its values', () => {
    expect(requests.parseMktData(encode((e) => e.reqMktData(11, STOCK, '', true, false)))).toEqual({
      reqId: 11,
      snapshot: true,
      genericTickList: '',
      contract: { conId: 265598, symbol: 'AAPL', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' },
    });
    expect(
      requests.parseContractDetails(
        encode((e) => e.reqContractDetails(10, { symbol: 'AAPL', secType: SecType.STK, exchange: 'SMART', currency: 'USD' })),
      ),
    ).toEqual({
      reqId: 10,
      contract: { conId: undefined, symbol: 'AAPL', secType: 'STK', exchange: 'SMART', primaryExch: '', currency: 'USD' },
    });
    expect(
      requests.parseExecutions(encode((e) => e.reqExecutions(13, { acctCode: 'DU1', time: '20261118-10:00:00', clientId: '7' }))),
    ).toEqual({
      reqId: 13,
      filter: { clientId: 7, acctCode: 'DU1', time: '20261118-10:00:00', symbol: '', secType: '', exchange: '', side: '' },
    });
    expect(requests.parseCancelOrder(encode((e) => e.cancelOrder(1000, {})))).toBe(1000);
    expect(() => requests.parseGlobalCancel(encode((e) => e.reqGlobalCancel({})))).not.toThrow();
    expect(requests.parseAccountSummary(encode((e) => e.reqAccountSummary(3, 'All', 'NetLiquidation,Cushion')))).toEqual({
      reqId: 3,
      group: 'All',
      tags: ['NetLiquidation', 'Cushion'],
    });
    expect(requests.parseMarketDataType(encode((e) => e.reqMarketDataType(3)))).toBe(3);
    expect(requests.parseReqIdOnly(encode((e) => e.cancelMktData(11)))).toBe(11);
    expect(requests.parseReqIdOnly(encode((e) => e.cancelAccountSummary(3)))).toBe(3);
    expect(requests.parseAutoOpenOrders(encode((e) => e.reqAutoOpenOrders(true)))).toBe(true);
    expect(requests.parseCompletedOrders(encode((e) => e.reqCompletedOrders(true)))).toBe(true);
    expect(requests.parseCompletedOrders(encode((e) => e.reqCompletedOrders(false)))).toBe(false);
    expect(encode((e) => e.reqCompletedOrders(false))).toEqual(['99', '0']);
    for (const call of [
      (e: Encoder) => e.reqCurrentTime(),
      (e: Encoder) => e.reqManagedAccts(),
      (e: Encoder) => e.reqPositions(),
      (e: Encoder) => e.cancelPositions(),
      (e: Encoder) => e.reqAllOpenOrders(),
      (e: Encoder) => e.reqOpenOrders(),
    ]) {
      expect(() => requests.parseBare(encode(call))).not.toThrow();
    }
    expect(() => requests.parseReqIds(encode((e) => e.reqIds(0)))).not.toThrow();
  });

  it('refuses a request whose version field changed', () => {
    expect(() => requests.parseMktData(['1', '12', '11'])).toThrow(/version "12", expected 11/);
  });
});
