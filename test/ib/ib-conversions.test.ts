import { describe, expect, it } from 'vitest';
import type { Contract } from '@stoqey/ib';
import type { OrderRequest } from '../../src/core/types.js';
import { ORDER_REF_PREFIX } from '../../src/run/run-id.js';
import { isNotice, meaningOf } from '../../src/adapters/ib/ib-codes.js';
import { OWN_ORDER_REF_PREFIX, tradedOf } from '../../src/adapters/ib/ib-conversions.js';
import { limitOrderFor, orderContract, requestProblems } from '../../src/adapters/ib/ib-order-build.js';
import { refusedUnderOrderId } from '../../src/adapters/ib/ib-order-refusal.js';
import type { BrokerError } from '../../src/ports/broker.js';

/**
 * Currency conversions (FX_POLICY=convert) in the IB adapter, pure parts: the order IB receives for a CASH request,
 * the requests refused before anything is sent, and which CASH orders and executions are reported back.
 */

const conversion: OrderRequest = {
  orderRef: 'rebal:20261123T150000Z-ab12:USD.SGD',
  secType: 'CASH',
  symbol: 'USD.SGD',
  action: 'BUY',
  quantity: 7400,
  limitPrice: 1.35045,
  adaptivePriority: 'Normal',
  primaryExchange: 'IDEALPRO',
  currency: 'SGD',
};

/** What a SMART-routable USD listing's contract details would say: nothing of it may leak into a conversion. */
const usdListing = { symbol: 'USD.SGD', conId: 265598, minTick: 0.01, primaryExchange: 'IDEALPRO', currency: 'SGD' };

describe('a conversion as IB receives it', () => {
  it("is the pair's IDEALPRO CASH contract, built field by field: symbol the first currency, currency the second", () => {
    expect(orderContract(conversion, undefined)).toEqual({ secType: 'CASH', exchange: 'IDEALPRO', symbol: 'USD', currency: 'SGD' });
    // Never @stoqey/ib's Forex (it would name this pair SGD.USD), never SMART, never a conId from a stock's details.
    expect(orderContract(conversion, usdListing)).toEqual({ secType: 'CASH', exchange: 'IDEALPRO', symbol: 'USD', currency: 'SGD' });
    expect(orderContract({ ...conversion, symbol: 'SGD.JPY', currency: 'JPY', limitPrice: 112.345 }, undefined)).toEqual({
      secType: 'CASH',
      exchange: 'IDEALPRO',
      symbol: 'SGD',
      currency: 'JPY',
    });
  });

  it('is a plain limit order, DAY, transmitted, in the account, with the orderRef: no Adaptive algo', () => {
    const order = limitOrderFor(conversion, 'DU1234567', orderContract(conversion, undefined));
    expect(order).toEqual({
      orderType: 'LMT',
      action: 'BUY',
      totalQuantity: 7400,
      lmtPrice: 1.35045,
      tif: 'DAY',
      transmit: true,
      outsideRth: false,
      orderRef: 'rebal:20261123T150000Z-ab12:USD.SGD',
      account: 'DU1234567',
    });
    const sell = limitOrderFor({ ...conversion, action: 'SELL' }, 'DU1234567', orderContract(conversion, undefined));
    expect(sell).toMatchObject({ action: 'SELL', orderType: 'LMT' });
    expect(sell.algoStrategy).toBeUndefined();
    expect(sell.algoParams).toBeUndefined();
  });

  it('passes a planned conversion; its adaptive priority is not looked at', () => {
    expect(requestProblems(conversion)).toEqual([]);
    expect(requestProblems({ ...conversion, primaryExchange: '' })).toEqual([]);
    expect(requestProblems({ ...conversion, adaptivePriority: 'Fast' as never })).toEqual([]);
  });

  it.each([
    [{ symbol: 'USD' }, /"USD" is not a pair of two currency codes/],
    [{ symbol: 'USDSGD' }, /"USDSGD" is not a pair/],
    [{ symbol: 'usd.sgd' }, /"usd.sgd" is not a pair/],
    [{ symbol: 'USD.USD', currency: 'USD' }, /"USD.USD" is not a pair/],
    [{ symbol: 'SGD.USD' }, /SGD.USD is quoted in USD, not in the request's currency SGD/],
    [{ currency: 'USD' }, /quoted in SGD, not in the request's currency USD/],
    [{ orderRef: 'manual-fx' }, /lacks this system's prefix "rebal:"/],
    [{ primaryExchange: 'SMART' }, /goes to IDEALPRO, not to "SMART"/],
    [{ quantity: 7400.5 }, /quantity 7400.5 is not a whole number of units of USD/],
    [{ quantity: 0 }, /quantity 0/],
    [{ limitPrice: 0 }, /limit price 0/],
  ])('refuses %j', (change, pattern) => {
    expect(requestProblems({ ...conversion, ...change }).join('; ')).toMatch(pattern);
  });

  it('throws rather than build a contract for a symbol that is not a pair (requestProblems refuses it before)', () => {
    expect(() => orderContract({ ...conversion, symbol: 'AAPL' }, undefined)).toThrow(/not a pair/);
  });

  it('leaves stock requests as they were: SMART Adaptive, and a pair-like stock symbol is still a stock', () => {
    const { secType: _cash, ...rest } = conversion;
    const stock: OrderRequest = { ...rest, symbol: 'BRK.B', currency: 'USD', primaryExchange: 'NYSE' };
    expect(orderContract(stock, undefined)).toMatchObject({ secType: 'STK', exchange: 'SMART', symbol: 'BRK.B' });
    expect(limitOrderFor(stock, 'DU1', orderContract(stock, undefined)).algoStrategy).toBe('Adaptive');
  });
});

describe('what comes back: stocks and our own conversions', () => {
  const cash: Contract = { secType: 'CASH' as Contract['secType'], symbol: 'USD', currency: 'SGD', exchange: 'IDEALPRO' };

  it("reports a conversion of ours under its pair's name with secType CASH", () => {
    expect(tradedOf(cash, 'rebal:20261123T150000Z-ab12:USD.SGD')).toEqual({ symbol: 'USD.SGD', secType: 'CASH' });
    // A prefixed orderRef of a run the records never made still comes back: FOREIGN_ORDERS judges it, as for stocks.
    expect(tradedOf(cash, 'rebal:unknown-run:USD.SGD')).toEqual({ symbol: 'USD.SGD', secType: 'CASH' });
  });

  it('leaves out every other conversion: typed in TWS, another program, IB itself', () => {
    expect(tradedOf(cash, '')).toEqual({ leftOut: expect.stringMatching(/USD\.SGD.*did not place/) });
    expect(tradedOf(cash, undefined)).toHaveProperty('leftOut');
    expect(tradedOf(cash, 'other:run:USD.SGD')).toHaveProperty('leftOut');
    expect(tradedOf(cash, 'rebalX:run:USD.SGD')).toHaveProperty('leftOut');
  });

  it('reports stocks under their symbol, whatever the orderRef; leaves out other instruments', () => {
    expect(tradedOf({ secType: 'STK' as Contract['secType'], symbol: 'AAPL', currency: 'USD' }, '')).toEqual({ symbol: 'AAPL' });
    expect(tradedOf({ secType: 'OPT' as Contract['secType'], symbol: 'AAPL' }, 'rebal:r:AAPL')).toEqual({
      leftOut: 'not a stock (OPT)',
    });
  });

  it("recognizes our orderRefs by the run's own prefix", () => {
    expect(OWN_ORDER_REF_PREFIX).toBe(ORDER_REF_PREFIX);
  });
});

/** What an order operation's message handler did with one IB message: nothing, or the refusal it rejected with. */
function refusalOf(code: number, text: string, pair?: string): BrokerError | undefined {
  let refused: BrokerError | undefined;
  const ctx = { id: 7, resolve: () => undefined, reject: (error: BrokerError) => (refused = error) };
  refusedUnderOrderId<void>('order 7 (BUY 7400 USD.SGD @ 1.35045, rebal:r:USD.SGD)', 7, pair)(ctx, code, text);
  return refused;
}

describe("IB's answers to a conversion", () => {
  it('warning 399 (an odd lot below the IDEALPRO minimum) is a notice: the order stands', () => {
    expect(isNotice(399)).toBe(true);
    expect(meaningOf(399)).toMatch(/order stands.*odd lot/);
    const text = 'Order Message:\nBUY 7,400 USD.SGD Forex\nWarning: your order size is below the USD 25000 IdealPro minimum';
    expect(refusalOf(399, text, 'USD.SGD')).toBeUndefined();
  });

  it("error 200 names the pair IB does not list in that orientation, not a ticker's spelling", () => {
    const refused = refusalOf(200, 'No security definition has been found for the request', 'SGD.USD');
    expect(refused).toMatchObject({ kind: 'rejected', code: 200, requestId: 7 });
    expect(refused?.message).toMatch(/IB lists no IDEALPRO pair SGD.USD \(IB 200: No security definition/);
    expect(refused?.message).not.toMatch(/ticker/);
    // A stock order's 200 keeps the ticker advice; a conversion's other refusals are explained as for stocks.
    expect(refusalOf(200, 'No security definition has been found for the request')?.message).toMatch(/ticker/);
    expect(refusalOf(110, 'The price does not conform', 'USD.SGD')?.message).toMatch(/minimum price increment/);
  });
});
