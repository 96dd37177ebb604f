import { describe, expect, it } from 'vitest';
import { contractMarketsOf, sessionRulesOf } from '../../src/core/session-rules.js';
import { runSessionOf } from '../../src/run/run-session.js';
import type { ContractInfo } from '../../src/core/types.js';

const LONDON =
  '20261125:0800-20261125:1630;20261126:0800-20261126:1630;20261127:0800-20261127:1630;20261128:CLOSED;20261129:CLOSED;20261130:0800-20261130:1630';
const contracts: Record<string, ContractInfo> = {
  CSPX: { symbol: 'CSPX', minTick: 0.01, primaryExchange: 'LSEETF', currency: 'USD', timeZone: 'GB-Eire', liquidHours: LONDON },
  SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' },
  QQQ: { symbol: 'QQQ', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' },
};
const world = (c: Record<string, ContractInfo>, managed = Object.keys(c)) => ({
  contracts: c,
  markets: contractMarketsOf(c),
  managedSymbols: managed,
  forecasts: [],
  session: sessionRulesOf(c),
});

describe('the run phase over its tickers markets', () => {
  it('US listings alone keep the phase the run had before, word for word', () => {
    const us = { SPY: contracts.SPY, QQQ: contracts.QQQ } as Record<string, ContractInfo>;
    const s = runSessionOf('2026-11-26T15:35:00Z', world(us), {});
    expect(s.phase).toMatchObject({ phase: 'non-trading-day', ordersAllowed: false, reason: 'market closed: Thanksgiving Day' });
    expect(s.holds).toEqual({});
    expect(s.several).toBe(false);
  });

  it('on Thanksgiving the run trades London and leaves the US tickers, saying why', () => {
    const s = runSessionOf('2026-11-26T15:35:00Z', world(contracts), {});
    expect(s.phase.ordersAllowed).toBe(true);
    expect(s.phase.reason).toBe(
      'orders go for LSEETF (market open until 16:30 London time); left for a later run: ' +
        'market closed: ARCA, opens Fri 09:30 New York (Thanksgiving Day); market closed: NASDAQ, opens Fri 09:30 New York (Thanksgiving Day)',
    );
    expect(Object.keys(s.holds).sort()).toEqual(['QQQ', 'SPY']);
    expect(s.closed.SPY).toBe('market closed: ARCA, opens Fri 09:30 New York (Thanksgiving Day)');
  });

  it('when no market takes orders the run does what it does outside trading hours, and names the first open', () => {
    const s = runSessionOf('2026-11-26T22:35:00Z', world(contracts), {});
    expect(s.phase.ordersAllowed).toBe(false);
    expect(s.holds).toEqual({});
    expect(s.phase.nextOpen).toBe('2026-11-27T08:00:00Z'); // London opens before New York
    expect(s.phase.reason).toMatch(/^no market of the run's tickers takes orders now: /);
  });

  it('a ticker the run does not trade (neither managed nor forecast) does not open the run', () => {
    const s = runSessionOf('2026-11-26T10:35:00Z', world(contracts, ['SPY', 'QQQ']), {});
    expect(s.phase.ordersAllowed).toBe(false);
    expect(s.phase.reason).toBe('market closed: Thanksgiving Day');
  });

  it('a listing abroad without hours is always held, whatever the others do', () => {
    const noHours = { ...contracts, VUSA: { symbol: 'VUSA', minTick: 0.01, primaryExchange: 'LSEETF', currency: 'USD' } };
    const s = runSessionOf('2026-11-27T15:35:00Z', world(noHours), {});
    expect(s.holds.VUSA).toMatch(/^not traded: the broker gives no trading hours for VUSA on LSEETF/);
    expect(s.phase.ordersAllowed).toBe(true);
  });
});
