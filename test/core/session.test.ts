import { afterEach, describe, expect, it } from 'vitest';
import {
  NYSE_RULES,
  isSessionOpen,
  lastMarketTime,
  nextSessionOpen,
  previousSessionClose,
  sessionFor,
  sessionOn,
  tradingDayOf,
} from '../../src/core/session.js';

const originalTz = process.env.TZ;
afterEach(() => {
  // Assigning undefined would store the string "undefined", which later files in the same worker would read.
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

// The machine's zone must not matter: every case runs under several.
const zones = ['UTC', 'Asia/Tokyo', 'America/Los_Angeles', 'Europe/London'];

describe.each(zones)('session clock with TZ=%s', (tz) => {
  it('opens at 09:30 and closes at 16:00 New York time in winter (EST, UTC-5)', () => {
    process.env.TZ = tz;
    expect(isSessionOpen('2026-01-14T14:29:59Z', NYSE_RULES)).toBe(false);
    expect(isSessionOpen('2026-01-14T14:30:00Z', NYSE_RULES)).toBe(true);
    expect(isSessionOpen('2026-01-14T20:59:59Z', NYSE_RULES)).toBe(true);
    expect(isSessionOpen('2026-01-14T21:00:00Z', NYSE_RULES)).toBe(false);
  });

  it('opens at 09:30 and closes at 16:00 New York time in summer (EDT, UTC-4)', () => {
    process.env.TZ = tz;
    expect(isSessionOpen('2026-07-15T13:29:59Z', NYSE_RULES)).toBe(false);
    expect(isSessionOpen('2026-07-15T13:30:00Z', NYSE_RULES)).toBe(true);
    expect(isSessionOpen('2026-07-15T19:59:59Z', NYSE_RULES)).toBe(true);
    expect(isSessionOpen('2026-07-15T20:00:00Z', NYSE_RULES)).toBe(false);
    // Offsets in the input are honoured.
    expect(isSessionOpen('2026-07-15T09:30:00-04:00', NYSE_RULES)).toBe(true);
  });

  it('is closed all weekend', () => {
    process.env.TZ = tz;
    expect(isSessionOpen('2026-01-17T16:00:00Z', NYSE_RULES)).toBe(false);
    expect(isSessionOpen('2026-01-18T16:00:00Z', NYSE_RULES)).toBe(false);
    expect(sessionFor('2026-01-17T16:00:00Z', NYSE_RULES)).toBeUndefined();
  });

  it('goes from Friday evening to Monday 09:30 New York', () => {
    process.env.TZ = tz;
    expect(nextSessionOpen('2026-01-09T23:00:00Z', NYSE_RULES)).toBe('2026-01-12T14:30:00Z');
    // Friday evening in New York is already Saturday in UTC: still Monday.
    expect(nextSessionOpen('2026-01-10T02:00:00Z', NYSE_RULES)).toBe('2026-01-12T14:30:00Z');
    // Unless Monday is a holiday: Martin Luther King Jr. Day 2026 is Monday 19 January.
    expect(nextSessionOpen('2026-01-16T23:00:00Z', NYSE_RULES)).toBe('2026-01-20T14:30:00Z');
  });

  it('crosses the DST changes: Friday EST to Monday EDT, and back', () => {
    process.env.TZ = tz;
    expect(nextSessionOpen('2026-03-06T22:00:00Z', NYSE_RULES)).toBe('2026-03-09T13:30:00Z');
    expect(nextSessionOpen('2026-10-30T22:00:00Z', NYSE_RULES)).toBe('2026-11-02T14:30:00Z');
  });

  it('gives the next open strictly after now: later today before the open, tomorrow once open', () => {
    process.env.TZ = tz;
    expect(nextSessionOpen('2026-01-14T12:00:00Z', NYSE_RULES)).toBe('2026-01-14T14:30:00Z');
    expect(nextSessionOpen('2026-01-14T14:30:00Z', NYSE_RULES)).toBe('2026-01-15T14:30:00Z');
    expect(nextSessionOpen('2026-01-14T15:00:00Z', NYSE_RULES)).toBe('2026-01-15T14:30:00Z');
  });

  it('names the New York trading day, not the UTC one', () => {
    process.env.TZ = tz;
    expect(tradingDayOf('2026-01-15T03:00:00Z')).toBe('2026-01-14');
    expect(tradingDayOf('2026-07-15T13:30:00Z')).toBe('2026-07-15');
  });
});

describe('session rules', () => {
  it('returns the session of a date and of the date of an instant', () => {
    expect(sessionOn('2026-01-14', NYSE_RULES)).toEqual({ open: '2026-01-14T14:30:00Z', close: '2026-01-14T21:00:00Z' });
    expect(sessionFor('2026-01-15T02:00:00Z', NYSE_RULES)).toEqual({ open: '2026-01-14T14:30:00Z', close: '2026-01-14T21:00:00Z' });
  });

  it('takes a pluggable holiday list and early closes', () => {
    const rules = { holidays: new Set(['2026-01-19']), earlyCloses: { '2026-11-27': '13:00' } };
    expect(sessionOn('2026-01-19', rules)).toBeUndefined();
    expect(nextSessionOpen('2026-01-16T23:00:00Z', rules)).toBe('2026-01-20T14:30:00Z');
    expect(sessionOn('2026-11-27', rules)?.close).toBe('2026-11-27T18:00:00Z');
    expect(isSessionOpen('2026-11-27T18:30:00Z', rules)).toBe(false);
  });

  it('finds the previous close and the last time the market traded', () => {
    expect(previousSessionClose('2026-01-19T15:00:00Z', NYSE_RULES)).toBe('2026-01-16T21:00:00Z');
    expect(lastMarketTime('2026-01-17T12:00:00Z', NYSE_RULES)).toBe('2026-01-16T21:00:00Z');
    expect(lastMarketTime('2026-01-14T22:00:00Z', NYSE_RULES)).toBe('2026-01-14T21:00:00Z');
    expect(lastMarketTime('2026-01-14T15:00:00Z', NYSE_RULES)).toBe('2026-01-14T15:00:00Z');
    expect(lastMarketTime('2026-01-14T13:00:00Z', NYSE_RULES)).toBe('2026-01-13T21:00:00Z');
  });

  it('rejects what is not an instant', () => {
    expect(() => isSessionOpen('yesterday', NYSE_RULES)).toThrow(/not an ISO 8601 instant/);
  });
});
