import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { dayMarks, phaseOf, type MarketPhase } from '../../src/core/phase.js';
import { NYSE_RULES, WEEKDAYS_ONLY } from '../../src/core/session.js';

const NYSE = { rules: NYSE_RULES };

const originalTz = process.env.TZ;
afterEach(() => {
  // Assigning undefined would store the string "undefined", which later files in the same worker would read.
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

type Row = [now: string, phase: MarketPhase['phase'], ordersAllowed: boolean, reason: string];
const windows = { noTradeFirstMinutes: 5, noTradeLastMinutes: 10 };

// Wednesday 25 November 2026 (EST, UTC-5): 09:30 = 14:30Z, 09:35 = 14:35Z, 15:50 = 20:50Z, 16:00 = 21:00Z.
const REGULAR_DAY: Row[] = [
  ['2026-11-25T05:00:00Z', 'before-open', false, 'market not open yet: the session opens at 09:30 New York time'],
  ['2026-11-25T14:29:59Z', 'before-open', false, 'market not open yet: the session opens at 09:30 New York time'],
  ['2026-11-25T14:30:00Z', 'in-session', false, 'in the first 5 minutes of the session (no-trade window)'],
  ['2026-11-25T14:34:59Z', 'in-session', false, 'in the first 5 minutes of the session (no-trade window)'],
  ['2026-11-25T14:35:00Z', 'in-session', true, 'market open until 16:00 New York time'],
  ['2026-11-25T20:49:59Z', 'in-session', true, 'market open until 16:00 New York time'],
  ['2026-11-25T20:50:00Z', 'in-session', false, 'in the last 10 minutes of the session (no-trade window)'],
  ['2026-11-25T20:59:59Z', 'in-session', false, 'in the last 10 minutes of the session (no-trade window)'],
  ['2026-11-25T21:00:00Z', 'after-close', false, 'market closed for the day at 16:00 New York time'],
  // 23:30 New York is already Thursday in UTC, and still Wednesday's trading day.
  ['2026-11-26T04:30:00Z', 'after-close', false, 'market closed for the day at 16:00 New York time'],
];

// Friday 27 November 2026, the day after Thanksgiving: closes 13:00 New York = 18:00Z.
const EARLY_CLOSE: Row[] = [
  ['2026-11-27T14:35:00Z', 'in-session', true, 'market open until 13:00 New York time (early close: day after Thanksgiving)'],
  ['2026-11-27T17:49:59Z', 'in-session', true, 'market open until 13:00 New York time (early close: day after Thanksgiving)'],
  ['2026-11-27T17:50:00Z', 'in-session', false, 'in the last 10 minutes of the session (no-trade window)'],
  ['2026-11-27T18:00:00Z', 'after-close', false, 'market closed for the day at 13:00 New York time (early close: day after Thanksgiving)'],
];

const CLOSED_DAYS: Row[] = [
  ['2026-11-26T15:00:00Z', 'non-trading-day', false, 'market closed: Thanksgiving Day'],
  ['2026-11-28T15:00:00Z', 'non-trading-day', false, 'market closed: weekend (Saturday)'],
  ['2025-01-09T15:00:00Z', 'non-trading-day', false, 'market closed: National Day of Mourning for President Jimmy Carter'],
  ['2026-07-03T14:00:00Z', 'non-trading-day', false, 'market closed: Independence Day'],
];

describe.each(['Asia/Singapore', 'UTC', 'America/New_York'])('phaseOf with TZ=%s', (tz) => {
  it('really runs in that machine zone', () => {
    process.env.TZ = tz;
    expect(DateTime.local().zoneName).toBe(tz);
  });

  it.each([...REGULAR_DAY, ...EARLY_CLOSE, ...CLOSED_DAYS])('at %s is %s (orders allowed: %s)', (now, phase, allowed, reason) => {
    process.env.TZ = tz;
    const p = phaseOf(now, { ...windows, rules: NYSE_RULES });
    expect({ phase: p.phase, ordersAllowed: p.ordersAllowed, reason: p.reason }).toEqual({ phase, ordersAllowed: allowed, reason });
  });
});

describe('phaseOf', () => {
  it('names the trading day, its session and the next open', () => {
    expect(phaseOf('2026-11-25T21:00:00Z', NYSE)).toEqual({
      phase: 'after-close',
      tradingDay: '2026-11-25',
      session: { open: '2026-11-25T14:30:00Z', close: '2026-11-25T21:00:00Z' },
      ordersAllowed: false,
      reason: 'market closed for the day at 16:00 New York time',
      nextOpen: '2026-11-27T14:30:00Z',
    });
    const holiday = phaseOf('2026-11-26T15:00:00Z', NYSE);
    expect(holiday.tradingDay).toBe('2026-11-26');
    expect(holiday.session).toBeUndefined();
    expect(holiday.nextOpen).toBe('2026-11-27T14:30:00Z');
    expect(phaseOf('2026-11-25T15:00:00Z', NYSE).nextOpen).toBe('2026-11-27T14:30:00Z');
  });

  it('allows orders for the whole session without windows', () => {
    expect(phaseOf('2026-11-25T14:30:00Z', NYSE).ordersAllowed).toBe(true);
    expect(phaseOf('2026-11-25T20:59:59Z', NYSE).ordersAllowed).toBe(true);
    expect(phaseOf('2026-11-25T14:30:00Z', { noTradeFirstMinutes: 1, rules: NYSE_RULES }).reason).toBe(
      'in the first 1 minute of the session (no-trade window)',
    );
  });

  it('uses the rules it is given', () => {
    expect(phaseOf('2026-11-26T15:00:00Z', { rules: WEEKDAYS_ONLY }).ordersAllowed).toBe(true);
  });

  it('rejects negative or non-numeric windows', () => {
    expect(() => phaseOf('2026-11-25T15:00:00Z', { noTradeLastMinutes: -1, rules: NYSE_RULES })).toThrow(/noTradeLastMinutes/);
    expect(() => phaseOf('2026-11-25T15:00:00Z', { noTradeFirstMinutes: Number.NaN, rules: NYSE_RULES })).toThrow(/noTradeFirstMinutes/);
  });
});

describe('dayMarks', () => {
  it('puts the mid-day email halfway through a regular session: 12:45 New York', () => {
    expect(dayMarks({ open: '2026-11-25T14:30:00Z', close: '2026-11-25T21:00:00Z' })).toEqual({
      open: '2026-11-25T14:30:00Z',
      midpoint: '2026-11-25T17:45:00Z',
      close: '2026-11-25T21:00:00Z',
    });
  });

  it('puts it halfway through an early-close session too: 11:15 New York', () => {
    expect(dayMarks({ open: '2026-11-27T14:30:00Z', close: '2026-11-27T18:00:00Z' }).midpoint).toBe('2026-11-27T16:15:00Z');
  });

  it('rejects a session that closes before it opens', () => {
    expect(() => dayMarks({ open: '2026-11-27T18:00:00Z', close: '2026-11-27T14:30:00Z' })).toThrow(/closes before it opens/);
  });
});
