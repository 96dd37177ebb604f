import { describe, expect, it } from 'vitest';
import { brokerErrorKindOf, classifyIbCode, isNotice, meaningOf } from '../../src/adapters/ib/ib-codes.js';

describe('classifyIbCode', () => {
  it.each([
    [2104, 'info'],
    [2106, 'info'],
    [2158, 'info'],
    [2100, 'info'],
    [2119, 'info'],
    [2150, 'info'],
    [2107, 'info-with-consequence'],
    [2108, 'info-with-consequence'],
    [2103, 'info-with-consequence'],
    [2157, 'info-with-consequence'],
    [10167, 'info-with-consequence'],
    [10090, 'info-with-consequence'],
    [399, 'info-with-consequence'],
    [1100, 'connectivity'],
    [1101, 'connectivity'],
    [1102, 'connectivity'],
    [1300, 'connectivity'],
    [2110, 'connectivity'],
    [502, 'connectivity'],
    [504, 'connectivity'],
    [100, 'session-fatal'],
    [505, 'session-fatal'],
    [506, 'session-fatal'],
    [201, 'order-rejected'],
    [202, 'order-rejected'],
    [103, 'order-rejected'],
    [110, 'order-rejected'],
    [321, 'order-rejected'],
    [451, 'order-rejected'],
    [10147, 'order-rejected'],
    [10148, 'order-rejected'],
    [104, 'order-rejected'],
    [105, 'order-rejected'],
    [135, 'order-rejected'],
    [2102, 'order-rejected'],
    [200, 'order-rejected'],
    [354, 'request-failed'],
    [101, 'request-failed'],
    [162, 'request-failed'],
    [10168, 'request-failed'],
    [9999, 'other'],
    [0, 'other'],
  ])('puts %i in %s', (code, expected) => {
    expect(classifyIbCode(code)).toBe(expected);
  });

  it('never treats a connectivity code in the 2100-2999 warning range as a mere warning', () => {
    expect(classifyIbCode(2110)).toBe('connectivity');
    expect(isNotice(2110)).toBe(false);
  });

  it('never treats 2102 (a modification refused while the order is still being processed) as a mere warning', () => {
    // IB files 2102 among its warnings, but the modification it answers did not happen: the order stands as it was.
    expect(classifyIbCode(2102)).toBe('order-rejected');
    expect(isNotice(2102)).toBe(false);
    expect(brokerErrorKindOf(2102, 'order')).toBe('rejected');
  });
});

describe('isNotice', () => {
  it('is true only for codes that never fail a request', () => {
    expect([2104, 2108, 10167, 399, 2109].every(isNotice)).toBe(true);
    expect([201, 354, 200, 1100, 505, 9999].some(isNotice)).toBe(false);
  });
});

describe('brokerErrorKindOf', () => {
  it('gives rejections to orders, fatal failures to data requests, and connectivity to both', () => {
    expect(brokerErrorKindOf(201, 'order')).toBe('rejected');
    expect(brokerErrorKindOf(321, 'order')).toBe('rejected');
    expect(brokerErrorKindOf(321, 'request')).toBe('fatal');
    expect(brokerErrorKindOf(354, 'request')).toBe('fatal');
    expect(brokerErrorKindOf(1100, 'order')).toBe('connectivity');
    expect(brokerErrorKindOf(504, 'request')).toBe('connectivity');
    expect(brokerErrorKindOf(505, 'order')).toBe('fatal');
  });
});

describe('meaningOf', () => {
  it('explains the codes a user meets and names unknown ones', () => {
    expect(meaningOf(321)).toMatch(/Read-Only API/);
    expect(meaningOf(354)).toMatch(/MARKET_DATA_TYPE=delayed/);
    expect(meaningOf(10167)).toMatch(/delayed/);
    expect(meaningOf(4242)).toBe('IB code 4242');
    expect(meaningOf(2150)).toBe('IB code 2150 (info)');
  });

  it('explains the refusals of a modification', () => {
    expect(meaningOf(104)).toMatch(/filled/);
    expect(meaningOf(105)).toMatch(/does not match/);
    expect(meaningOf(135)).toMatch(/no order with this id/);
    expect(meaningOf(2102)).toMatch(/still being processed/);
  });
});
