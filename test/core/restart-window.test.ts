import { describe, expect, it } from 'vitest';
import { describeDailyRestart, parseDailyRestart, restartWindowAt, type DailyRestart } from '../../src/core/restart-window.js';

function restart(text: string): DailyRestart {
  const r = parseDailyRestart(text);
  if ('problem' in r) throw new Error(r.problem);
  return r;
}

describe('parseDailyRestart', () => {
  it('reads HH:MM and an IANA zone', () => {
    expect(parseDailyRestart('23:45 Europe/Zurich')).toEqual({ hour: 23, minute: 45, zone: 'Europe/Zurich' });
    expect(parseDailyRestart(' 00:05   America/New_York ')).toEqual({ hour: 0, minute: 5, zone: 'America/New_York' });
    expect(describeDailyRestart(restart('07:05 Asia/Hong_Kong'))).toBe('07:05 Asia/Hong_Kong');
  });

  it('refuses a time without a zone, a 12-hour time, a fixed offset or an unknown zone', () => {
    for (const text of [
      '23:45',
      '11:45 PM',
      '24:00 UTC',
      '23:60 Europe/Zurich',
      '23:45 +01:00',
      '23:45 CET',
      '23:45 Mars/Olympus',
      '23:45 UTC',
    ]) {
      expect(parseDailyRestart(text), text).toHaveProperty('problem');
    }
  });
});

describe('restartWindowAt', () => {
  const zurich = restart('23:45 Europe/Zurich');

  it('is the restart time plus and minus the window, both ends included, on the zone of the gateway', () => {
    // 23:45 CET (winter) is 22:45 UTC.
    const w = { restartAt: '2026-12-07T22:45:00Z', start: '2026-12-07T22:35:00Z', end: '2026-12-07T22:55:00Z' };
    expect(restartWindowAt('2026-12-07T22:35:00Z', zurich, 10)).toEqual(w);
    expect(restartWindowAt('2026-12-07T22:55:00Z', zurich, 10)).toEqual(w);
    expect(restartWindowAt('2026-12-07T22:34:59Z', zurich, 10)).toBeUndefined();
    expect(restartWindowAt('2026-12-07T22:55:01Z', zurich, 10)).toBeUndefined();
    // Summer: 23:45 CEST is 21:45 UTC; 22:45 UTC is then outside.
    expect(restartWindowAt('2026-07-07T21:50:00Z', zurich, 10)?.restartAt).toBe('2026-07-07T21:45:00Z');
    expect(restartWindowAt('2026-07-07T22:45:00Z', zurich, 10)).toBeUndefined();
  });

  it('finds a window across midnight from either side, whatever zone the instant is written in', () => {
    const r = restart('23:55 America/New_York');
    // 23:55 EST on 7 Dec is 04:55 UTC on 8 Dec; the window runs to 00:10 New York time on the 8th.
    expect(restartWindowAt('2026-12-08T00:05:00-05:00', r, 15)).toEqual({
      restartAt: '2026-12-08T04:55:00Z',
      start: '2026-12-08T04:40:00Z',
      end: '2026-12-08T05:10:00Z',
    });
    expect(restartWindowAt('2026-12-07T23:41:00-05:00', r, 15)?.restartAt).toBe('2026-12-08T04:55:00Z');
    const early = restart('00:05 America/New_York');
    expect(restartWindowAt('2026-12-07T23:58:00-05:00', early, 10)?.restartAt).toBe('2026-12-08T05:05:00Z');
  });

  it('on the day the clocks go forward over the restart, follows the wall time moved forward by the gap', () => {
    // New York, 8 Mar 2026: 02:00 EST -> 03:00 EDT; 02:30 does not exist and is 03:30 EDT (07:30 UTC).
    const r = restart('02:30 America/New_York');
    expect(restartWindowAt('2026-03-08T07:30:00Z', r, 5)?.restartAt).toBe('2026-03-08T07:30:00Z');
    expect(restartWindowAt('2026-03-07T07:30:00Z', r, 5)?.restartAt).toBe('2026-03-07T07:30:00Z');
    expect(restartWindowAt('2026-03-09T06:30:00Z', r, 5)?.restartAt).toBe('2026-03-09T06:30:00Z');
    // A day's wall time keeps its UTC instant moving with daylight saving: EST 07:30 UTC, EDT 06:30 UTC.
    expect(restartWindowAt('2026-03-09T07:30:00Z', r, 5)).toBeUndefined();
  });

  it('on the day the clocks go back over the restart, covers both occurrences', () => {
    // Zurich, 25 Oct 2026: 03:00 CEST -> 02:00 CET; 02:30 happens at 00:30 UTC and again at 01:30 UTC.
    const r = restart('02:30 Europe/Zurich');
    const w = restartWindowAt('2026-10-25T01:00:00Z', r, 10);
    expect(w).toEqual({ restartAt: '2026-10-25T00:30:00Z', start: '2026-10-25T00:20:00Z', end: '2026-10-25T01:40:00Z' });
    expect(restartWindowAt('2026-10-25T01:40:00Z', r, 10)).toEqual(w);
    expect(restartWindowAt('2026-10-25T01:41:00Z', r, 10)).toBeUndefined();
    // A wall time just outside the repeated hour happens once.
    expect(restartWindowAt('2026-10-25T00:40:00Z', restart('01:30 Europe/Zurich'), 10)).toBeUndefined();
    expect(restartWindowAt('2026-10-24T23:30:00Z', restart('01:30 Europe/Zurich'), 10)?.end).toBe('2026-10-24T23:40:00Z');
  });
});
