import { describe, expect, it } from 'vitest';
import { brokerErrorKindOf, classifyIbCode, explainIbMessage, fixOf, isNotice, meaningOf } from '../../src/adapters/ib/ib-codes.js';

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

describe('fixOf: what to do about a code, from one table', () => {
  it('names the share-class spelling IB uses when a ticker with a dot is unknown (200)', () => {
    expect(fixOf(200, 'BRK.B')).toBe('IB writes share classes with a space: write "BRK B" in the forecast');
    expect(fixOf(200, 'BF.B')).toMatch(/write "BF B"/);
  });

  it('points an unknown ticker without a dot at its spelling and the forecast\'s "contracts" hints', () => {
    const fix = fixOf(200, 'NOPE') ?? '';
    expect(fix).toMatch(/as IB spells it/);
    expect(fix).toMatch(/"contracts"/);
    expect(fix).not.toMatch(/NOPE B/);
    expect(fixOf(200)).toBe(fix);
  });

  it('names a subscription or delayed data for the market data refusals', () => {
    expect(fixOf(354)).toMatch(/subscribe.*or set MARKET_DATA_TYPE=delayed/);
    expect(fixOf(10089)).toMatch(/MARKET_DATA_TYPE=delayed/);
    expect(fixOf(10168)).toMatch(/subscribe/);
    expect(fixOf(10197)).toMatch(/other session/);
    expect(fixOf(101)).toMatch(/MARKET_DATA_LINES/);
  });

  it('names the setting for refusals a user can fix', () => {
    expect(fixOf(321)).toMatch(/Read-Only API/);
    expect(fixOf(451)).toMatch(/MAX_ORDER_VALUE/);
    expect(fixOf(326)).toMatch(/IB_CLIENT_ID/);
  });

  it('has nothing for codes without a known fix', () => {
    expect(fixOf(4242)).toBeUndefined();
    expect(fixOf(201)).toBeUndefined();
    expect(fixOf(2104)).toBeUndefined();
  });
});

describe("explainIbMessage: the meaning, IB's own words and code, then the fix", () => {
  it("keeps IB's text and code and adds the fix for the symbol", () => {
    expect(explainIbMessage(200, 'No security definition has been found for the request', 'BRK.B')).toBe(
      'IB does not know this contract (IB 200: No security definition has been found for the request); ' +
        'IB writes share classes with a space: write "BRK B" in the forecast',
    );
  });

  it("has no fix part when none is known, and keeps an unknown code's text", () => {
    expect(explainIbMessage(4242, 'Something new', 'AAPL')).toBe('IB code 4242 (IB 4242: Something new)');
  });

  it('meaningOf carries the fix that needs no symbol, so every message built from it names it', () => {
    expect(meaningOf(354)).toMatch(/^no market data subscription for this symbol; subscribe/);
    expect(meaningOf(200)).toMatch(/^IB does not know this contract; /);
  });
});
