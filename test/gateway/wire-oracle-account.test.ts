import { EventName } from '@stoqey/ib';
import { Decoder } from '@stoqey/ib/dist/core/io/decoder.js';
import { Encoder } from '@stoqey/ib/dist/core/io/encoder.js';
import { describe, expect, it } from 'vitest';
import * as account from '../../src/gateway/encode/encode-account.js';
import { position } from '../../src/gateway/encode/encode-basic.js';
import { UNSET_DOUBLE } from '../../src/gateway/encode/values.js';
import * as requests from '../../src/gateway/parse/parse-requests.js';

/**
 * The exact v193 layouts of the account subscription messages (reqAccountUpdates, reqAccountUpdatesMulti,
 * reqPnL, reqPnLSingle) and of POSITION, field for field, with @stoqey/ib's own Decoder and Encoder as the oracle.
 */

function decode(fields: string[]): { events: { name: EventName; args: unknown[] }[]; errors: string[] } {
  const events: { name: EventName; args: unknown[] }[] = [];
  const errors: string[] = [];
  const decoder = new Decoder({
    serverVersion: 193,
    emitEvent: (name, ...args) => events.push({ name, args }),
    emitError: (message) => errors.push(message),
    emitInfo: () => undefined,
  });
  decoder.enqueueMessage(fields);
  decoder.process();
  return { events, errors };
}

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

const PORTFOLIO: account.PortfolioView = {
  conId: 265598,
  symbol: 'AAPL',
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  tradingClass: 'NMS',
  position: 100,
  marketPrice: 190,
  marketValue: 19000,
  averageCost: 150.01,
  unrealizedPnl: 3999,
  realizedPnl: 0,
  account: 'DU123456',
};

describe('the account messages the gateway writes, exactly as v193 lays them out', () => {
  it.each([
    [
      'UPDATE_ACCOUNT_VALUE',
      account.accountValue('NetLiquidation', '119000.00', 'USD', 'DU123456'),
      ['6', '2', 'NetLiquidation', '119000.00', 'USD', 'DU123456'],
    ],
    [
      'UPDATE_PORTFOLIO_VALUE',
      account.portfolioValue(PORTFOLIO),
      [
        '7',
        '8',
        '265598',
        'AAPL',
        'STK',
        '',
        '0',
        '0',
        '',
        'NASDAQ',
        'USD',
        'AAPL',
        'NMS',
        '100',
        '190',
        '19000',
        '150.01',
        '3999',
        '0',
        'DU123456',
      ],
    ],
    ['UPDATE_ACCOUNT_TIME', account.accountTime('12:03'), ['8', '1', '12:03']],
    ['ACCOUNT_DOWNLOAD_END', account.accountDownloadEnd('DU123456'), ['54', '1', 'DU123456']],
    [
      'ACCOUNT_UPDATE_MULTI',
      account.accountUpdateMulti(11, 'DU123456', '', 'CashBalance', '100000.00', 'BASE'),
      ['73', '1', '11', 'DU123456', '', 'CashBalance', '100000.00', 'BASE'],
    ],
    ['ACCOUNT_UPDATE_MULTI_END', account.accountUpdateMultiEnd(11), ['74', '1', '11']],
    ['PNL', account.pnl(21, 150, 4000, -12.5), ['94', '21', '150', '4000', '-12.5']],
    ['PNL_SINGLE', account.pnlSingle(31, 100, 150, 4000, UNSET_DOUBLE, 19000), ['95', '31', '100', '150', '4000', UNSET_DOUBLE, '19000']],
    [
      'POSITION',
      position({
        account: 'DU123456',
        conId: 265598,
        symbol: 'AAPL',
        exchange: 'NASDAQ',
        currency: 'USD',
        tradingClass: 'NMS',
        quantity: 100,
        avgCost: 150.01,
      }),
      ['61', '3', 'DU123456', '265598', 'AAPL', 'STK', '', '0', '', '', 'NASDAQ', 'USD', 'AAPL', 'NMS', '100', '150.01'],
    ],
  ])('%s', (_name, frame, expected) => {
    expect(frame).toEqual(expected);
    const { events, errors } = decode(frame);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it('each decodes into its event with its values', () => {
    expect(decode(account.accountValue('Cushion', '0.960084', '', 'DU123456')).events[0]).toEqual({
      name: EventName.updateAccountValue,
      args: ['Cushion', '0.960084', '', 'DU123456'],
    });
    const [portfolio] = decode(account.portfolioValue(PORTFOLIO)).events;
    expect(portfolio?.name).toBe(EventName.updatePortfolio);
    const [contract, ...values] = portfolio?.args ?? [];
    expect(contract).toMatchObject({
      conId: 265598,
      symbol: 'AAPL',
      secType: 'STK',
      primaryExch: 'NASDAQ',
      currency: 'USD',
      tradingClass: 'NMS',
    });
    expect(values).toEqual([100, 190, 19000, 150.01, 3999, 0, 'DU123456']);
    expect(decode(account.accountTime('12:03')).events[0]).toEqual({ name: EventName.updateAccountTime, args: ['12:03'] });
    expect(decode(account.accountDownloadEnd('DU123456')).events[0]).toEqual({ name: EventName.accountDownloadEnd, args: ['DU123456'] });
    expect(decode(account.accountUpdateMulti(11, 'DU123456', '', 'ExchangeRate', '1.00', 'USD')).events[0]).toEqual({
      name: EventName.accountUpdateMulti,
      args: [11, 'DU123456', '', 'ExchangeRate', '1.00', 'USD'],
    });
    expect(decode(account.pnl(21, 150, 4000, 0)).events[0]).toEqual({ name: EventName.pnl, args: [21, 150, 4000, 0] });
    // IB's unset double for "no realised P&L today" reads as undefined.
    expect(decode(account.pnlSingle(31, 100, 150, 4000, UNSET_DOUBLE, 19000)).events[0]).toEqual({
      name: EventName.pnlSingle,
      args: [31, 100, 150, 4000, undefined, 19000],
    });
  });

  it('a field too many is a decode error (the oracle is strict)', () => {
    expect(decode([...account.accountValue('A', '1', 'USD', 'DU1'), 'extra']).errors).not.toEqual([]);
  });
});

describe('the account requests the client writes are read exactly', () => {
  it('reqAccountUpdates, reqAccountUpdatesMulti and their cancels, reqPnL, reqPnLSingle and their cancels', () => {
    expect(encode((e) => e.reqAccountUpdates(true, 'DU123456'))).toEqual(['6', '2', '1', 'DU123456']);
    expect(requests.parseAccountUpdates(encode((e) => e.reqAccountUpdates(true, 'DU123456')))).toEqual({
      subscribe: true,
      account: 'DU123456',
    });
    expect(requests.parseAccountUpdates(encode((e) => e.reqAccountUpdates(false, '')))).toEqual({ subscribe: false, account: '' });
    expect(requests.parseAccountUpdatesMulti(encode((e) => e.reqAccountUpdatesMulti(11, 'DU123456', '', true)))).toEqual({
      reqId: 11,
      account: 'DU123456',
      modelCode: '',
      ledgerAndNlv: true,
    });
    // IB's own EClient writes version 1, the same layout.
    expect(requests.parseAccountUpdatesMulti(['76', '1', '11', 'DU123456', '', '0'])).toMatchObject({ reqId: 11, ledgerAndNlv: false });
    expect(requests.parseCancelAccountUpdatesMulti(encode((e) => e.cancelAccountUpdatesMulti(11)))).toBe(11);
    expect(encode((e) => e.reqPnL(21, 'DU123456', ''))).toEqual(['92', '21', 'DU123456', '']);
    expect(requests.parsePnl(encode((e) => e.reqPnL(21, 'DU123456', '')))).toEqual({ reqId: 21, account: 'DU123456', modelCode: '' });
    expect(requests.parseCancelPnl(encode((e) => e.cancelPnL(21)))).toBe(21);
    expect(requests.parsePnlSingle(encode((e) => e.reqPnLSingle(31, 'DU123456', '', 265598)))).toEqual({
      reqId: 31,
      account: 'DU123456',
      modelCode: '',
      conId: 265598,
    });
    expect(requests.parseCancelPnl(encode((e) => e.cancelPnLSingle(31)))).toBe(31);
  });

  it('refuses a changed layout: another version, a field too many', () => {
    expect(() => requests.parseAccountUpdates(['6', '3', '1', 'DU1'])).toThrow(/version/);
    expect(() => requests.parsePnl(['92', '21', 'DU1', '', 'extra'])).toThrow();
  });
});
