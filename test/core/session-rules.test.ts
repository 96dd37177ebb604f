import { describe, expect, it } from 'vitest';
import { sessionRulesOf } from '../../src/core/session-rules.js';
import { phaseOf } from '../../src/core/phase.js';
import type { ContractInfo } from '../../src/core/types.js';

const contract = (liquidHours: string): Record<string, ContractInfo> => ({
  SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD', timeZone: 'US/Eastern', liquidHours },
});

describe('the exchange hours a run trades by', () => {
  it('follows IB when its liquid hours close a day our calendar has open, and says so', () => {
    // Monday 23 Nov 2026 is a normal day for the NYSE calendar; here IB says the market is closed.
    const choice = sessionRulesOf(contract('20261123:CLOSED;20261124:0930-20261124:1600'));
    expect(choice.source).toBe('liquid-hours');
    expect(phaseOf('2026-11-23T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(false);
    expect(phaseOf('2026-11-24T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(true);
    expect(choice.warnings.join('\n')).toMatch(/disagree with our calendar on 2026-11-23/);
    expect(choice.disagreements.map((d) => d.date)).toEqual(['2026-11-23']);
  });

  it('uses our calendar when the contracts carry no hours (the sim broker)', () => {
    const choice = sessionRulesOf({ SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' } });
    expect(choice.source).toBe('nyse');
    expect(choice.warnings).toEqual([]);
    expect(phaseOf('2026-11-23T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(true);
    expect(phaseOf('2026-11-26T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(false); // Thanksgiving
  });

  it('falls back to our calendar, with a warning, when IB hours cannot be read', () => {
    const choice = sessionRulesOf(contract('garbage'));
    expect(choice.source).toBe('nyse');
    expect(phaseOf('2026-11-23T15:35:00Z', { rules: choice.rules }).ordersAllowed).toBe(true);
    expect(choice.warnings.join('\n')).toMatch(/could not read IB's liquid hours/);
  });
});
