import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { sessionRulesOf } from '../../src/run/exchange-hours.js';
import { phaseOf } from '../../src/core/phase.js';
import type { ContractInfo } from '../../src/core/types.js';

const silent = pino({ level: 'silent' });
const contract = (liquidHours: string): Record<string, ContractInfo> => ({
  SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD', timeZone: 'US/Eastern', liquidHours },
});

describe("the exchange hours a run trades by", () => {
  it('follows IB when its liquid hours close a day our calendar has open, and says so', () => {
    const lines: string[] = [];
    // Monday 23 Nov 2026 is a normal day for the NYSE calendar; here IB says the market is closed.
    const rules = sessionRulesOf(contract('20261123:CLOSED;20261124:0930-20261124:1600'), silent, (...l) => lines.push(...l));
    expect(phaseOf('2026-11-23T15:35:00Z', { rules }).ordersAllowed).toBe(false);
    expect(phaseOf('2026-11-24T15:35:00Z', { rules }).ordersAllowed).toBe(true);
    expect(lines.join('\n')).toMatch(/disagree with our calendar on 2026-11-23/);
  });

  it('uses our calendar when the contracts carry no hours (the sim broker)', () => {
    const rules = sessionRulesOf({ SPY: { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' } }, silent, () => undefined);
    expect(phaseOf('2026-11-23T15:35:00Z', { rules }).ordersAllowed).toBe(true);
    expect(phaseOf('2026-11-26T15:35:00Z', { rules }).ordersAllowed).toBe(false); // Thanksgiving
  });

  it('falls back to our calendar, with a warning, when IB hours cannot be read', () => {
    const lines: string[] = [];
    const rules = sessionRulesOf(contract('garbage'), silent, (...l) => lines.push(...l));
    expect(phaseOf('2026-11-23T15:35:00Z', { rules }).ordersAllowed).toBe(true);
    expect(lines.join('\n')).toMatch(/could not read IB's liquid hours/);
  });
});
