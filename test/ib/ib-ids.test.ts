import { describe, expect, it } from 'vitest';
import { isUsableOrderId, OrderIds, ownerOfId, REQUEST_ID_BASE, RequestIds } from '../../src/adapters/ib/ib-ids.js';

describe('ownerOfId', () => {
  it('tells order ids, request ids and ids that belong to no one apart by range', () => {
    expect(ownerOfId(-1)).toBe('none');
    expect(ownerOfId(0)).toBe('none');
    expect(ownerOfId(1)).toBe('order');
    expect(ownerOfId(REQUEST_ID_BASE - 1)).toBe('order');
    expect(ownerOfId(REQUEST_ID_BASE)).toBe('request');
    expect(ownerOfId(1.5)).toBe('none');
  });
});

describe('RequestIds', () => {
  it('hands out ids from the request range, never twice', () => {
    const ids = new RequestIds();
    const taken = [ids.allocate(), ids.allocate(), ids.allocate()];
    expect(taken).toEqual([REQUEST_ID_BASE, REQUEST_ID_BASE + 1, REQUEST_ID_BASE + 2]);
    expect(taken.every((id) => ownerOfId(id) === 'request')).toBe(true);
  });
});

describe('OrderIds', () => {
  it('has no id until TWS gives one, and refuses -1, 0 and ids in the request range', () => {
    const ids = new OrderIds();
    expect(ids.allocate()).toBeUndefined();
    for (const bad of [-1, 0, Number.NaN, REQUEST_ID_BASE, 3.5]) ids.observe(bad);
    expect(ids.known).toBe(false);
    expect(ids.allocate()).toBeUndefined();
  });

  it('counts up locally from nextValidId and never moves backwards', () => {
    const ids = new OrderIds();
    ids.observe(1000);
    expect([ids.allocate(), ids.allocate()]).toEqual([1000, 1001]);
    ids.observe(900);
    expect(ids.allocate()).toBe(1002);
    ids.observe(2000);
    expect(ids.allocate()).toBe(2000);
  });

  it('stops before the request range', () => {
    const ids = new OrderIds();
    ids.observe(REQUEST_ID_BASE - 1);
    expect(ids.allocate()).toBe(REQUEST_ID_BASE - 1);
    expect(ids.allocate()).toBeUndefined();
    expect(isUsableOrderId(REQUEST_ID_BASE)).toBe(false);
  });
});
