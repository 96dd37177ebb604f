/**
 * How old a forecast may be, in the exchange's trading sessions (core/forecast-age.ts): over the NYSE calendar
 * with its weekends, holidays, early closes and daylight-saving changes, and under other session rules (the
 * broker's liquid hours), since the run counts in the rules it trades by.
 */
import { describe, expect, it } from 'vitest';
import {
  checkForecastAge,
  forecastAgeLimitOf,
  judgeForecastAges,
  sessionsClosedSince,
  type ForecastAgeLimit,
} from '../../src/core/forecast-age.js';
import { NYSE_RULES, type SessionRules } from '../../src/core/session.js';
import type { Forecast } from '../../src/core/types.js';

const FILE = 'forecasts/trend.json';
const ONE_SESSION: ForecastAgeLimit = { sessions: 1 };

/** The breach for a file written at `asOf`, read at `now` (both ISO with a zone). */
function check(asOf: string, now: string, limit: ForecastAgeLimit = ONE_SESSION, rules: SessionRules = NYSE_RULES) {
  return checkForecastAge({ file: FILE, asOf }, now, limit, rules);
}
const fresh = (asOf: string, now: string, limit?: ForecastAgeLimit, rules?: SessionRules): boolean =>
  check(asOf, now, limit, rules) === undefined;

describe('one session (the default): the weekend and holidays cost nothing', () => {
  // New York times with their offsets, as a strategy would write them.
  it('a file written Friday 17:00 is fresh on Monday morning and all Monday, stale at Monday 16:00', () => {
    const friday = '2026-11-20T17:00:00-05:00';
    expect(fresh(friday, '2026-11-21T12:00:00-05:00')).toBe(true); // Saturday
    expect(fresh(friday, '2026-11-23T09:00:00-05:00')).toBe(true); // Monday before the open
    expect(fresh(friday, '2026-11-23T09:35:00-05:00')).toBe(true); // 64.6 hours: Monday's first run
    expect(fresh(friday, '2026-11-23T15:59:59-05:00')).toBe(true);
    const breach = check(friday, '2026-11-23T16:00:00-05:00');
    expect(breach?.code).toBe('STALE_FORECAST');
    expect(breach?.detail).toBe(
      'forecasts/trend.json: asOf: forecast is 71 hours (71h 0m 0s) old (asOf 2026-11-20T17:00:00-05:00, ' +
        'now 2026-11-23T16:00:00-05:00); 1 trading session closed since asOf: 2026-11-23 (Mon, 09:30-16:00 New York); ' +
        'the limit is 1 session (MAX_FORECAST_AGE_SESSIONS)',
    );
  });

  it('a file written Thursday 17:00 is stale on Monday morning: Friday’s session closed since; the message names it', () => {
    const thursday = '2026-11-19T22:00:00Z';
    expect(fresh(thursday, '2026-11-20T15:59:00-05:00')).toBe(true); // Friday, during the session
    const breach = check(thursday, '2026-11-23T14:35:00Z');
    expect(breach?.code).toBe('STALE_FORECAST');
    expect(breach?.detail).toContain('1 trading session closed since asOf: 2026-11-20 (Fri, 09:30-16:00 New York)');
    expect(breach?.detail).toContain('forecast is 88.58 hours');
    expect(breach?.detail).toContain(FILE);
  });

  it('a file written during a session: that session does not count; fresh the next day, stale at its close', () => {
    const tuesday11 = '2026-11-17T11:00:00-05:00';
    expect(fresh(tuesday11, '2026-11-17T16:30:00-05:00')).toBe(true);
    expect(fresh(tuesday11, '2026-11-18T09:35:00-05:00')).toBe(true);
    expect(fresh(tuesday11, '2026-11-18T15:59:00-05:00')).toBe(true);
    expect(check(tuesday11, '2026-11-18T16:00:00-05:00')?.detail).toContain('2026-11-18 (Wed');
  });

  it('a file written before the open: that day’s session counts; stale at its close', () => {
    const tuesday8 = '2026-11-17T08:00:00-05:00';
    expect(fresh(tuesday8, '2026-11-17T15:59:00-05:00')).toBe(true);
    expect(fresh(tuesday8, '2026-11-17T16:00:00-05:00')).toBe(false);
    // Exactly at the open: the whole session could trade on it, so it counts; a millisecond later it does not.
    expect(fresh('2026-11-17T09:30:00-05:00', '2026-11-17T16:00:00-05:00')).toBe(false);
    expect(fresh('2026-11-17T09:30:00.001-05:00', '2026-11-17T16:00:00-05:00')).toBe(true);
  });

  it('a file written on Saturday is fresh on Monday, stale on Tuesday morning', () => {
    const saturday = '2026-11-21T10:00:00-05:00';
    expect(fresh(saturday, '2026-11-23T09:35:00-05:00')).toBe(true);
    expect(check(saturday, '2026-11-24T09:35:00-05:00')?.detail).toContain('1 trading session closed since asOf: 2026-11-23 (Mon');
  });

  it('Thanksgiving and the early close after it: Wednesday evening’s file is fresh Friday morning, stale at the 13:00 close', () => {
    const wednesday = '2026-11-25T17:00:00-05:00';
    expect(fresh(wednesday, '2026-11-26T12:00:00-05:00')).toBe(true); // Thanksgiving: no session
    expect(fresh(wednesday, '2026-11-27T09:35:00-05:00')).toBe(true);
    expect(fresh(wednesday, '2026-11-27T12:59:00-05:00')).toBe(true);
    // At 14:00 the day's session is over (closed at 13:00), where a 16:00 close would still call it fresh.
    const breach = check(wednesday, '2026-11-27T14:00:00-05:00');
    expect(breach?.detail).toContain('2026-11-27 (Fri, 09:30-13:00 New York)');
    // Written after Friday's early close: Monday's session is its first.
    expect(fresh('2026-11-27T13:30:00-05:00', '2026-11-30T09:35:00-05:00')).toBe(true);
    expect(fresh('2026-11-27T13:30:00-05:00', '2026-11-30T16:00:00-05:00')).toBe(false);
  });

  it('Independence Day on a Saturday (observed Friday 3 July 2026): Thursday evening’s file is fresh on Monday', () => {
    const thursday = '2026-07-02T17:00:00-04:00';
    expect(fresh(thursday, '2026-07-06T09:35:00-04:00')).toBe(true);
    expect(check(thursday, '2026-07-06T16:00:00-04:00')?.detail).toContain('1 trading session closed since asOf: 2026-07-06 (Mon');
  });

  it('Independence Day on a Friday (2025), after Thursday’s 13:00 close: Wednesday’s file is stale from 13:00 Thursday', () => {
    const wednesday = '2025-07-02T17:00:00-04:00';
    expect(fresh(wednesday, '2025-07-03T12:59:00-04:00')).toBe(true);
    expect(check(wednesday, '2025-07-03T13:00:00-04:00')?.detail).toContain('2025-07-03 (Thu, 09:30-13:00 New York)');
    // Written Thursday after the early close: fresh through the holiday and the weekend, all Monday.
    expect(fresh('2025-07-03T14:00:00-04:00', '2025-07-07T15:59:00-04:00')).toBe(true);
    expect(fresh('2025-07-03T14:00:00-04:00', '2025-07-07T16:00:00-04:00')).toBe(false);
  });

  it('daylight saving begins (8 March 2026): Monday’s session closes at 20:00 UTC, not 21:00', () => {
    const friday = '2026-03-06T22:00:00Z'; // 17:00 EST
    expect(fresh(friday, '2026-03-09T13:35:00Z')).toBe(true); // 09:35 EDT
    expect(fresh(friday, '2026-03-09T19:59:00Z')).toBe(true);
    expect(fresh(friday, '2026-03-09T20:00:00Z')).toBe(false);
  });

  it('daylight saving ends (1 November 2026): Monday’s session closes at 21:00 UTC, not 20:00', () => {
    const friday = '2026-10-30T21:00:00Z'; // 17:00 EDT
    expect(fresh(friday, '2026-11-02T14:35:00Z')).toBe(true); // 09:35 EST
    expect(fresh(friday, '2026-11-02T20:30:00Z')).toBe(true);
    expect(fresh(friday, '2026-11-02T21:00:00Z')).toBe(false);
  });

  it('an asOf up to a few minutes ahead of now is fresh here (further ahead is the reader’s INVALID_FORECAST)', () => {
    expect(fresh('2026-11-23T09:38:00-05:00', '2026-11-23T09:35:00-05:00')).toBe(true);
  });

  it('a file years old names how many sessions it has seen, without counting every one of them', () => {
    const breach = check('2020-01-02T17:00:00-05:00', '2026-11-23T09:35:00-05:00');
    expect(breach?.detail).toMatch(/6 or more trading sessions closed since asOf: 2020-01-03 \(Fri.*, \.\.\.; the limit is 1 session/);
  });
});

describe('other limits', () => {
  it('two sessions: Thursday evening’s file is fresh on Monday morning and stale at Monday’s close, naming both', () => {
    const thursday = '2026-11-19T17:00:00-05:00';
    expect(fresh(thursday, '2026-11-23T09:35:00-05:00', { sessions: 2 })).toBe(true);
    const breach = check(thursday, '2026-11-23T16:00:00-05:00', { sessions: 2 });
    expect(breach?.detail).toContain(
      '2 trading sessions closed since asOf: 2026-11-20 (Fri, 09:30-16:00 New York), 2026-11-23 (Mon, 09:30-16:00 New York); the limit is 2 sessions',
    );
  });

  it('clock hours alone (MAX_FORECAST_AGE_HOURS): exactly the limit is fresh, a millisecond more is stale, and Monday blocks', () => {
    const limit = { hours: 24 };
    expect(fresh('2026-11-20T21:00:00Z', '2026-11-21T21:00:00Z', limit)).toBe(true);
    const breach = check('2026-11-20T20:59:59.999Z', '2026-11-21T21:00:00Z', limit);
    expect(breach?.code).toBe('STALE_FORECAST');
    expect(breach?.detail).toContain('forecast is 24 hours (24h 0m 0s) old');
    expect(breach?.detail).toContain('the limit is 24 hours (MAX_FORECAST_AGE_HOURS)');
    // 64.6 hours on a Monday morning: stale, and the message says how to count sessions instead.
    const monday = check('2026-11-20T17:00:00-05:00', '2026-11-23T09:35:00-05:00', { hours: 26 });
    expect(monday?.detail).toContain('forecast is 64.58 hours');
    expect(monday?.detail).toContain('unset it to count trading sessions instead (MAX_FORECAST_AGE_SESSIONS, default 1)');
  });

  it('both set: each applies', () => {
    const both = { sessions: 1, hours: 72 };
    expect(fresh('2026-11-20T17:00:00-05:00', '2026-11-23T09:35:00-05:00', both)).toBe(true);
    // 23.5 hours, within 72, but Friday's session has closed.
    expect(check('2026-11-19T17:00:00-05:00', '2026-11-20T16:30:00-05:00', both)?.detail).toContain('MAX_FORECAST_AGE_SESSIONS');
    expect(check('2026-11-25T17:00:00-05:00', '2026-11-30T09:35:00-05:00', both)?.detail).toContain('MAX_FORECAST_AGE_HOURS');
    expect(check('2026-11-25T17:00:00-05:00', '2026-11-30T09:35:00-05:00', both)?.detail).not.toContain('unset it');
  });

  it('forecastAgeLimitOf: the limits set; with neither, one session', () => {
    expect(forecastAgeLimitOf({})).toEqual({ sessions: 1 });
    expect(forecastAgeLimitOf({ maxForecastAgeHours: 26 })).toEqual({ hours: 26 });
    expect(forecastAgeLimitOf({ maxForecastAgeSessions: 3 })).toEqual({ sessions: 3 });
    expect(forecastAgeLimitOf({ maxForecastAgeSessions: 2, maxForecastAgeHours: 50 })).toEqual({ sessions: 2, hours: 50 });
  });
});

describe('the sessions are those of the rules given', () => {
  it('a closure the broker’s hours know (Friday closed) makes Thursday evening’s file fresh on Monday', () => {
    const fridayClosed: SessionRules = { ...NYSE_RULES, holidays: new Set(['2026-11-20']) };
    const thursday = '2026-11-19T17:00:00-05:00';
    expect(fresh(thursday, '2026-11-23T09:35:00-05:00', ONE_SESSION, NYSE_RULES)).toBe(false);
    expect(fresh(thursday, '2026-11-23T09:35:00-05:00', ONE_SESSION, fridayClosed)).toBe(true);
  });

  it('an early close the broker reports moves the moment the file goes stale', () => {
    const shortMonday: SessionRules = { ...NYSE_RULES, earlyCloses: { '2026-11-23': '12:00' } };
    expect(fresh('2026-11-20T17:00:00-05:00', '2026-11-23T12:30:00-05:00', ONE_SESSION, shortMonday)).toBe(false);
    expect(fresh('2026-11-20T17:00:00-05:00', '2026-11-23T12:30:00-05:00', ONE_SESSION, NYSE_RULES)).toBe(true);
  });

  it('sessionsClosedSince lists whole sessions only, oldest first, up to the maximum asked', () => {
    const days = (asOf: string, now: string, max = 10) => sessionsClosedSince(asOf, now, NYSE_RULES, max).map((s) => s.date);
    expect(days('2026-11-19T12:00:00-05:00', '2026-11-24T16:00:00-05:00')).toEqual(['2026-11-20', '2026-11-23', '2026-11-24']);
    expect(days('2026-11-19T12:00:00-05:00', '2026-11-24T16:00:00-05:00', 2)).toEqual(['2026-11-20', '2026-11-23']);
    expect(days('2026-11-24T12:00:00-05:00', '2026-11-19T12:00:00-05:00')).toEqual([]);
  });

  it('judgeForecastAges keeps the fresh ones and a breach for each stale one', () => {
    const forecast = (file: string, asOf: string): Forecast => ({
      file,
      strategy: file,
      asOf,
      leverage: 1,
      capital: 0.5,
      weights: { SPY: 1 },
      contracts: {},
    });
    const judged = judgeForecastAges(
      [forecast('a.json', '2026-11-20T17:00:00-05:00'), forecast('b.json', '2026-11-19T17:00:00-05:00')],
      '2026-11-23T09:35:00-05:00',
      ONE_SESSION,
      NYSE_RULES,
    );
    expect(judged.fresh.map((f) => f.file)).toEqual(['a.json']);
    expect(judged.breaches.map((b) => b.detail)).toEqual([expect.stringMatching(/^b\.json: asOf: /)]);
  });
});
