import { describe, expect, it } from 'vitest';
import { isTradingDay, lastTradingDays, nextTradingDay, previousTradingDay, tradingDaysBetween } from '../../src/core/calendar.js';
import {
  NYSE_RULES,
  WEEKDAYS_ONLY,
  dayRuleOn,
  isSessionOpen,
  lastMarketTime,
  nextSessionOpen,
  previousSessionClose,
  sessionFor,
  sessionOn,
} from '../../src/core/session.js';

describe('trading days', () => {
  it('knows weekends, holidays and special closures from ordinary weekdays', () => {
    const rows: [string, boolean][] = [
      ['2026-11-25', true], // Wednesday before Thanksgiving
      ['2026-11-26', false], // Thanksgiving
      ['2026-11-27', true], // early close is still a trading day
      ['2026-11-28', false], // Saturday
      ['2025-01-09', false], // special closure
      ['2021-12-31', true], // New Year 2022 on a Saturday is not observed on the Friday
    ];
    for (const [date, trading] of rows) expect(isTradingDay(date, NYSE_RULES), date).toBe(trading);
  });

  it('steps over long weekends to the next and previous trading day', () => {
    expect(nextTradingDay('2026-01-16', NYSE_RULES)).toBe('2026-01-20'); // Friday -> Tuesday after MLK Day
    expect(previousTradingDay('2026-01-20', NYSE_RULES)).toBe('2026-01-16');
    expect(nextTradingDay('2026-04-02', NYSE_RULES)).toBe('2026-04-06'); // Good Friday
    expect(previousTradingDay('2025-01-10', NYSE_RULES)).toBe('2025-01-08'); // over the Carter closure
    expect(nextTradingDay('2026-12-24', NYSE_RULES)).toBe('2026-12-28');
    expect(nextTradingDay('2026-11-28', NYSE_RULES)).toBe('2026-11-30'); // from a Saturday
  });

  it('lists the trading days of a range, both ends included', () => {
    expect(tradingDaysBetween('2026-11-23', '2026-11-30', NYSE_RULES)).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-27',
      '2026-11-30',
    ]);
    expect(tradingDaysBetween('2026-11-26', '2026-11-26', NYSE_RULES)).toEqual([]);
    expect(tradingDaysBetween('2026-11-30', '2026-11-23', NYSE_RULES)).toEqual([]);
    // 2026 has 261 weekdays and 10 weekday holidays.
    expect(tradingDaysBetween('2026-01-01', '2026-12-31', NYSE_RULES)).toHaveLength(251);
  });

  it('gives the window of the last N trading days, oldest first', () => {
    expect(lastTradingDays('2026-11-30', 3, NYSE_RULES)).toEqual(['2026-11-25', '2026-11-27', '2026-11-30']);
    expect(lastTradingDays('2026-11-29', 2, NYSE_RULES)).toEqual(['2026-11-25', '2026-11-27']); // from a Sunday
    const month = lastTradingDays('2026-12-31', 30, NYSE_RULES);
    expect(month).toHaveLength(30);
    expect(month[0]).toBe('2026-11-18');
    expect(lastTradingDays('2026-12-31', 0, NYSE_RULES)).toEqual([]);
  });

  it('rejects what is not a date', () => {
    expect(() => isTradingDay('2026-13-01', NYSE_RULES)).toThrow(/not a date/);
    expect(() => nextTradingDay('26-11-01', NYSE_RULES)).toThrow(/not a date/);
    expect(() => lastTradingDays('2026-11-01', -1, NYSE_RULES)).toThrow(/not a count/);
  });
});

describe('the session clock on the NYSE calendar', () => {
  it('holds no session on a holiday, and opens the next trading day', () => {
    expect(sessionFor('2026-11-26T15:00:00Z', NYSE_RULES)).toBeUndefined();
    expect(isSessionOpen('2026-11-26T15:00:00Z', NYSE_RULES)).toBe(false);
    expect(nextSessionOpen('2026-11-25T22:00:00Z', NYSE_RULES)).toBe('2026-11-27T14:30:00Z');
    expect(nextSessionOpen('2026-07-02T21:00:00Z', NYSE_RULES)).toBe('2026-07-06T13:30:00Z');
  });

  it('closes at 13:00 New York on an early close', () => {
    expect(isSessionOpen('2026-11-27T17:59:59Z', NYSE_RULES)).toBe(true);
    expect(isSessionOpen('2026-11-27T18:00:00Z', NYSE_RULES)).toBe(false);
    expect(previousSessionClose('2026-11-30T15:00:00Z', NYSE_RULES)).toBe('2026-11-27T18:00:00Z');
    expect(lastMarketTime('2026-11-28T12:00:00Z', NYSE_RULES)).toBe('2026-11-27T18:00:00Z');
  });

  it('finds the previous close across a holiday', () => {
    expect(previousSessionClose('2026-01-20T15:00:00Z', NYSE_RULES)).toBe('2026-01-16T21:00:00Z');
    expect(lastMarketTime('2026-01-19T16:00:00Z', NYSE_RULES)).toBe('2026-01-16T21:00:00Z');
  });

  it('names the reason of a closed or short day', () => {
    expect(dayRuleOn('2026-11-26', NYSE_RULES)).toEqual({ kind: 'closed', reason: 'Thanksgiving Day' });
    expect(dayRuleOn('2026-11-28', NYSE_RULES)).toEqual({ kind: 'closed', reason: 'weekend (Saturday)' });
    expect(dayRuleOn('2026-12-24', NYSE_RULES)).toEqual({ kind: 'open', close: '13:00', reason: 'early close: Christmas Eve' });
    expect(dayRuleOn('2026-12-23', NYSE_RULES)).toEqual({ kind: 'open' });
  });

  it('keeps the bare weekday clock and added closures available as rules', () => {
    expect(sessionOn('2026-11-26', WEEKDAYS_ONLY)).toBeDefined();
    const withStorm = { ...NYSE_RULES, holidays: new Set(['2026-11-24']) };
    expect(sessionOn('2026-11-24', withStorm)).toBeUndefined();
    expect(sessionOn('2026-11-26', withStorm)).toBeUndefined(); // the NYSE holidays still apply
    expect(isTradingDay('2026-11-24', withStorm)).toBe(false);
  });
});
