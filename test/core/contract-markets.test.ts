import { describe, expect, it } from 'vitest';
import { contractMarketOf, sessionRulesOf, tickerSessionsAt } from '../../src/core/session-rules.js';
import { phaseOf } from '../../src/core/phase.js';
import { ianaZoneOf } from '../../src/core/liquid-hours.js';
import type { ContractInfo } from '../../src/core/types.js';

/** IB's week of liquid hours around US Thanksgiving 2026 for a London ETF (London time, GB-Eire). */
const LONDON_WEEK =
  '20261123:0800-20261123:1630;20261124:0800-20261124:1630;20261125:0800-20261125:1630;20261126:0800-20261126:1630;' +
  '20261127:0800-20261127:1630;20261128:CLOSED;20261129:CLOSED;20261130:0800-20261130:1630';
/** The NYSE's: Thanksgiving closed, the Friday after it closing at 13:00. */
const NEW_YORK_WEEK =
  '20261123:0930-20261123:1600;20261124:0930-20261124:1600;20261125:0930-20261125:1600;20261126:CLOSED;' +
  '20261127:0930-20261127:1300;20261128:CLOSED;20261129:CLOSED;20261130:0930-20261130:1600';

const cspx = (liquidHours?: string, timeZone = 'GB-Eire'): ContractInfo => ({
  symbol: 'CSPX',
  minTick: 0.01,
  primaryExchange: 'LSEETF',
  currency: 'USD',
  ...(liquidHours === undefined ? {} : { liquidHours, timeZone }),
});
const spy = (liquidHours?: string): ContractInfo => ({
  symbol: 'SPY',
  minTick: 0.01,
  primaryExchange: 'ARCA',
  currency: 'USD',
  ...(liquidHours === undefined ? {} : { liquidHours, timeZone: 'US/Eastern' }),
});

describe('each contract in its own market hours', () => {
  it('a London listing sorted before SPY no longer decides the run: Thanksgiving stays closed for the run rules', () => {
    // Before: the first contract by symbol (CSPX) gave its London hours to the whole run.
    const choice = sessionRulesOf({ CSPX: cspx(LONDON_WEEK), SPY: spy(NEW_YORK_WEEK) });
    expect(choice.symbol).toBe('SPY');
    expect(phaseOf('2026-11-26T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(false);
    expect(phaseOf('2026-11-26T09:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(false); // 04:35 New York
  });

  it('on US Thanksgiving the London listing is open and SPY closed, each saying why', () => {
    const markets = { CSPX: contractMarketOf(cspx(LONDON_WEEK)), SPY: contractMarketOf(spy(NEW_YORK_WEEK)) };
    const at = tickerSessionsAt('2026-11-26T10:35:00Z', markets, { noTradeFirstMinutes: 15, noTradeLastMinutes: 15 });
    expect(at.CSPX?.ordersAllowed).toBe(true);
    expect(at.CSPX?.phase?.reason).toBe('market open until 16:30 London time');
    expect(at.SPY?.ordersAllowed).toBe(false);
    expect(at.SPY?.held).toBe('market closed: ARCA, opens Fri 09:30 New York (Thanksgiving Day)');
  });

  it('at 04:35 New York only London trades; at 10:35 New York both; after 16:30 London only New York', () => {
    const markets = { CSPX: contractMarketOf(cspx(LONDON_WEEK)), SPY: contractMarketOf(spy()) };
    const early = tickerSessionsAt('2026-11-24T09:35:00Z', markets, {});
    expect(early.CSPX?.ordersAllowed).toBe(true);
    expect(early.SPY?.held).toBe('market closed: ARCA, opens 09:30 New York');
    const both = tickerSessionsAt('2026-11-24T15:35:00Z', markets, {});
    expect([both.CSPX?.ordersAllowed, both.SPY?.ordersAllowed]).toEqual([true, true]);
    const late = tickerSessionsAt('2026-11-24T17:35:00Z', markets, {});
    expect(late.CSPX?.held).toBe('market closed: LSEETF, opens Wed 08:00 London (closed for the day at 16:30 London time)');
  });

  it('the no-trade windows apply at each market own open and close', () => {
    const markets = { CSPX: contractMarketOf(cspx(LONDON_WEEK)) };
    const at = tickerSessionsAt('2026-11-24T08:05:00Z', markets, { noTradeFirstMinutes: 15 });
    expect(at.CSPX?.inSession).toBe(true);
    expect(at.CSPX?.held).toBe('no orders now: LSEETF in the first 15 minutes of the session (no-trade window)');
  });

  it('a UK bank holiday closes the London listing only, from IB hours', () => {
    const hours = '20260828:0800-20260828:1630;20260829:CLOSED;20260830:CLOSED;20260831:CLOSED;20260901:0800-20260901:1630';
    const markets = { CSPX: contractMarketOf(cspx(hours, 'Europe/London')), SPY: contractMarketOf(spy()) };
    const at = tickerSessionsAt('2026-08-31T15:35:00Z', markets, {});
    expect(at.SPY?.ordersAllowed).toBe(true);
    expect(at.CSPX?.held).toBe('market closed: LSEETF, opens Tue 08:00 London (closed according to IB liquid hours)');
  });

  it('a listing abroad without hours is not traded, never guessed; a US one without hours follows the NYSE calendar', () => {
    expect(contractMarketOf(cspx()).rules).toBeUndefined();
    expect(contractMarketOf(cspx()).notTraded).toMatch(/no trading hours for CSPX on LSEETF .*never guessed/);
    expect(contractMarketOf(cspx('garbage')).notTraded).toMatch(/could not read IB's liquid hours for CSPX/);
    expect(contractMarketOf(cspx('')).rules).toBeUndefined();
    expect(contractMarketOf(spy()).source).toBe('nyse');
    // A date past the hours IB sent is closed for a market abroad, and no next open is invented.
    const at = tickerSessionsAt('2026-12-07T10:35:00Z', { CSPX: contractMarketOf(cspx(LONDON_WEEK)) }, {});
    expect(at.CSPX?.held).toBe('market closed: LSEETF, next open not within the hours the broker gave (no hours from IB for this date)');
  });

  it('a midday break is closed: Hong Kong at 12:30 waits for 13:00, and each part has its own edges', () => {
    const hk: ContractInfo = {
      symbol: '2800',
      minTick: 0.01,
      primaryExchange: 'SEHK',
      currency: 'USD',
      timeZone: 'Hongkong',
      liquidHours: '20261124:0930-20261124:1200,20261124:1300-20261124:1600;20261125:0930-20261125:1200,20261125:1300-20261125:1600',
    };
    const markets = { '2800': contractMarketOf(hk) };
    const lunch = tickerSessionsAt('2026-11-24T04:30:00Z', markets, {}); // 12:30 Hong Kong
    expect(lunch['2800']?.held).toBe('market closed: SEHK, opens 13:00 Hong Kong (midday break)');
    const morning = tickerSessionsAt('2026-11-24T02:00:00Z', markets, { noTradeLastMinutes: 15 }); // 10:00
    expect(morning['2800']?.phase?.reason).toBe('market open until 16:00 Hong Kong time (a midday break from 12:00 Hong Kong time)');
    const beforeLunch = tickerSessionsAt('2026-11-24T03:50:00Z', markets, { noTradeLastMinutes: 15 }); // 11:50
    expect(beforeLunch['2800']?.held).toBe('no orders now: SEHK in the last 15 minutes of the part of the session (no-trade window)');
  });

  it('maps IB legacy zone ids to IANA zones', () => {
    expect(
      ['GB-Eire', 'MET', 'Japan', 'Hongkong', 'Singapore', 'US/Eastern', 'EST5EDT', 'Europe/London', 'Asia/Tokyo'].map(ianaZoneOf),
    ).toEqual([
      'Europe/London',
      'Europe/Berlin',
      'Asia/Tokyo',
      'Asia/Hong_Kong',
      'Asia/Singapore',
      'America/New_York',
      'America/New_York',
      'Europe/London',
      'Asia/Tokyo',
    ]);
  });

  it('Tokyo dates are Tokyo dates: a 09:00 Tokyo open is the evening before in New York', () => {
    const tokyo: ContractInfo = {
      symbol: '1306',
      minTick: 1,
      primaryExchange: 'TSEJ',
      currency: 'JPY',
      timeZone: 'Japan',
      liquidHours: '20261124:0900-20261124:1130,20261124:1230-20261124:1530;20261125:0900-20261125:1130,20261125:1230-20261125:1530',
    };
    const at = tickerSessionsAt('2026-11-24T01:00:00Z', { T: contractMarketOf(tokyo) }, {}); // 10:00 Tokyo, 20:00 New York on the 23rd
    expect(at.T?.ordersAllowed).toBe(true);
    expect(at.T?.phase?.tradingDay).toBe('2026-11-24');
  });
});

describe('a listing with no primary exchange named', () => {
  const noExchange = (timeZone: string, liquidHours: string): ContractInfo => ({
    symbol: 'CSPX',
    minTick: 0.01,
    primaryExchange: '',
    currency: 'USD',
    timeZone,
    liquidHours,
  });

  it('quoted in USD but with London hours is a listing abroad: its own hours only, and it never decides the run rules', () => {
    const market = contractMarketOf(noExchange('GB-Eire', LONDON_WEEK));
    expect(market.rules?.zone).toBe('Europe/London');
    // A date IB does not list (1 December) is closed: our NYSE calendar never fills in for London.
    expect(phaseOf('2026-12-01T15:00:00Z', { rules: market.rules ?? {} }).ordersAllowed).toBe(false);
    expect(sessionRulesOf({ CSPX: noExchange('GB-Eire', LONDON_WEEK) }).source).toBe('nyse');
  });

  it('quoted in USD with New York hours is still a US listing', () => {
    expect(sessionRulesOf({ SPY: { ...noExchange('US/Eastern', NEW_YORK_WEEK), symbol: 'SPY' } }).source).toBe('liquid-hours');
  });
});
