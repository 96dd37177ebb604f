import type { ContractDetails } from '@stoqey/ib';
import { describe, expect, it } from 'vitest';
import type { ContractInfo, OrderRequest } from '../../src/core/types.js';
import { toContractInfo } from '../../src/adapters/ib/ib-contract-info.js';
import { limitOrderFor, orderContract, routeOf } from '../../src/adapters/ib/ib-order-build.js';

/** Routing read from IB's validExchanges: a listing without SMART among them goes to its primary exchange directly. */

const details = (validExchanges: string | undefined, primaryExch = 'SEHK'): ContractDetails => ({
  contract: { symbol: '2800', conId: 6244735, currency: 'HKD', primaryExch },
  minTick: 0.05,
  ...(validExchanges === undefined ? {} : { validExchanges }),
});

const hk: ContractInfo = { symbol: '2800', conId: 6244735, minTick: 0.05, primaryExchange: 'SEHK', currency: 'HKD', smartRoutable: false };
const request: OrderRequest = {
  orderRef: 'rebal:20261124T020000Z-ab12:2800',
  symbol: '2800',
  action: 'SELL',
  quantity: 500,
  limitPrice: 25.5,
  adaptivePriority: 'Normal',
  primaryExchange: 'SEHK',
  currency: 'HKD',
};

describe('validExchanges into ContractInfo', () => {
  it('SEHK alone: not SMART-routable', () => {
    expect(toContractInfo('2800', details('SEHK'))).toMatchObject({ smartRoutable: false });
  });

  it('SMART among them (any case, with spaces), or no list at all: SMART-routable, the field left out', () => {
    for (const list of ['SMART,SEHK', ' smart , ARCA', 'NYSE,SMART', undefined, '']) {
      expect(toContractInfo('2800', details(list))).not.toHaveProperty('smartRoutable');
    }
  });
});

describe('the route of an order', () => {
  it('a listing IB does not route SMART: its primary exchange, a plain LMT without the algo', () => {
    const contract = orderContract(request, hk);
    expect(contract).toMatchObject({ exchange: 'SEHK', primaryExch: 'SEHK', conId: 6244735, currency: 'HKD' });
    const order = limitOrderFor(request, 'DU1', contract);
    expect(order).toMatchObject({ orderType: 'LMT', action: 'SELL', totalQuantity: 500, lmtPrice: 25.5, tif: 'DAY' });
    expect(order).not.toHaveProperty('algoStrategy');
    expect(order).not.toHaveProperty('algoParams');
  });

  it('SMART, Adaptive, when the listing is SMART-routable, unknown, or its details disagree with the request', () => {
    const { smartRoutable: _s, ...onSmart } = hk;
    for (const known of [onSmart, undefined, { ...hk, currency: 'USD' }, { ...hk, primaryExchange: 'SEHKNTL' }]) {
      const contract = orderContract(request, known);
      expect(contract.exchange).toBe('SMART');
      expect(limitOrderFor(request, 'DU1', contract)).toMatchObject({
        algoStrategy: 'Adaptive',
        algoParams: [{ tag: 'adaptivePriority', value: 'Normal' }],
      });
    }
  });

  it('a listing without a primary exchange stays SMART (there is nowhere to send it directly)', () => {
    expect(routeOf({ ...hk, primaryExchange: '' })).toBe('SMART');
    expect(routeOf(hk)).toBe('SEHK');
  });
});
