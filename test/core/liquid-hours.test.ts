import { describe, expect, it } from 'vitest';
import { compareWithCalendar, ianaZoneOf, parseLiquidHours, sessionRulesFromLiquidHours } from '../../src/core/liquid-hours.js';
import { isTradingDay } from '../../src/core/calendar.js';
import { NYSE_RULES, nextSessionOpen, sessionOn } from '../../src/core/session.js';
import { phaseOf } from '../../src/core/phase.js';

// Thanksgiving week 2026 as IB sends it for a NYSE stock: the holiday CLOSED, the Friday short.
const THANKSGIVING_WEEK = [
  '20261123:0930-20261123:1600',
  '20261124:0930-20261124:1600',
  '20261125:0930-20261125:1600',
  '20261126:CLOSED',
  '20261127:0930-20261127:1300',
  '20261128:CLOSED',
  '20261129:CLOSED',
  '20261130:0930-20261130:1600',
].join(';');

describe('parsing IB liquid hours', () => {
  it('reads one session a day, closed days included, as UTC instants', () => {
    const parsed = parseLiquidHours(THANKSGIVING_WEEK, 'US/Eastern');
    expect(parsed.zone).toBe('America/New_York');
    expect(parsed.days.map((d) => d.date)).toEqual([
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
    ]);
    expect(parsed.days[0]?.sessions).toEqual([{ open: '2026-11-23T14:30:00Z', close: '2026-11-23T21:00:00Z' }]);
    expect(parsed.days[3]?.sessions).toEqual([]);
    expect(parsed.days[4]?.sessions).toEqual([{ open: '2026-11-27T14:30:00Z', close: '2026-11-27T18:00:00Z' }]);
  });

  it('reads several ranges a day and overnight ranges, in the zone of each date', () => {
    const parsed = parseLiquidHours('20260306:0400-20260306:0930,20260306:0930-20260306:2000;20260308:2000-20260309:0350', 'EST5EDT');
    // Touching ranges join into one.
    expect(parsed.days[0]?.sessions).toEqual([{ open: '2026-03-06T09:00:00Z', close: '2026-03-07T01:00:00Z' }]);
    // Sunday 8 March 2026 is the US change to EDT: 20:00 that evening is 00:00Z, 03:50 Monday is 07:50Z.
    expect(parsed.days[1]).toEqual({ date: '2026-03-08', sessions: [{ open: '2026-03-09T00:00:00Z', close: '2026-03-09T07:50:00Z' }] });
  });

  it('reads the older form with the dates left out of the ranges', () => {
    const parsed = parseLiquidHours('20261123:0930-1200,1300-1600;20261124:1700-0350', 'America/New_York');
    expect(parsed.days[0]?.sessions).toEqual([
      { open: '2026-11-23T14:30:00Z', close: '2026-11-23T17:00:00Z' },
      { open: '2026-11-23T18:00:00Z', close: '2026-11-23T21:00:00Z' },
    ]);
    expect(parsed.days[1]?.sessions).toEqual([{ open: '2026-11-24T22:00:00Z', close: '2026-11-25T08:50:00Z' }]);
  });

  it('maps IB zone ids to IANA zones, EST meaning New York with its summer time', () => {
    expect(ianaZoneOf('EST')).toBe('America/New_York');
    expect(ianaZoneOf('CST6CDT')).toBe('America/Chicago');
    expect(ianaZoneOf('Europe/London')).toBe('Europe/London');
    expect(() => ianaZoneOf('Mars/Olympus')).toThrow(/unknown IB time zone/);
    expect(parseLiquidHours('20260715:0930-20260715:1600', 'EST').days[0]?.sessions[0]?.open).toBe('2026-07-15T13:30:00Z');
  });

  it('accepts an empty string and a trailing separator, and rejects malformed pieces', () => {
    expect(parseLiquidHours('', 'US/Eastern').days).toEqual([]);
    expect(parseLiquidHours('20261126:CLOSED;', 'US/Eastern').days).toEqual([{ date: '2026-11-26', sessions: [] }]);
    expect(() => parseLiquidHours('20261126:OPEN', 'US/Eastern')).toThrow(/not a liquid-hours range: "OPEN"/);
    expect(() => parseLiquidHours('2026-11-26:0930-1600', 'US/Eastern')).toThrow(/not a liquid-hours entry/);
    expect(() => parseLiquidHours('20261123:1600-20261123:0930', 'US/Eastern')).toThrow(/ends before it starts/);
    expect(() => parseLiquidHours('20261123:0970-20261123:1600', 'US/Eastern')).toThrow(/not a time of day/);
  });
});

describe('comparing IB hours with our calendar', () => {
  it('finds nothing to report when both agree', () => {
    expect(compareWithCalendar(parseLiquidHours(THANKSGIVING_WEEK, 'US/Eastern'), NYSE_RULES)).toEqual([]);
  });

  it('reports each date where they differ, for the log', () => {
    // IB knows of a closure on the Tuesday and a full Friday that we do not.
    const ib = THANKSGIVING_WEEK.replace('20261124:0930-20261124:1600', '20261124:CLOSED').replace(
      '20261127:0930-20261127:1300',
      '20261127:0930-20261127:1600',
    );
    expect(compareWithCalendar(parseLiquidHours(ib, 'US/Eastern'), NYSE_RULES)).toEqual([
      {
        date: '2026-11-24',
        ours: { open: '2026-11-24T14:30:00Z', close: '2026-11-24T21:00:00Z' },
        detail: '2026-11-24: IB says closed, our calendar says 09:30-16:00 New York',
      },
      {
        date: '2026-11-27',
        ours: { open: '2026-11-27T14:30:00Z', close: '2026-11-27T18:00:00Z' },
        ib: { open: '2026-11-27T14:30:00Z', close: '2026-11-27T21:00:00Z' },
        detail: '2026-11-27: IB says 09:30-16:00 New York, our calendar says 09:30-13:00 New York',
      },
    ]);
  });
});

describe('IB liquid hours as the calendar', () => {
  const ib = parseLiquidHours(
    '20261123:0930-20261123:1600;20261124:CLOSED;20261125:0930-20261125:1200;20261126:CLOSED;20261127:0930-20261127:1300',
    'US/Eastern',
  );
  const rules = sessionRulesFromLiquidHours(ib, NYSE_RULES);

  it('follows IB for the dates it lists', () => {
    expect(sessionOn('2026-11-24', rules)).toBeUndefined();
    expect(isTradingDay('2026-11-24', rules)).toBe(false);
    expect(sessionOn('2026-11-25', rules)).toEqual({ open: '2026-11-25T14:30:00Z', close: '2026-11-25T17:00:00Z' });
    expect(nextSessionOpen('2026-11-23T22:00:00Z', rules)).toBe('2026-11-25T14:30:00Z');
  });

  it('keeps our reasons where both agree, and says when IB decided', () => {
    expect(phaseOf('2026-11-26T15:00:00Z', { rules }).reason).toBe('market closed: Thanksgiving Day');
    expect(phaseOf('2026-11-24T15:00:00Z', { rules }).reason).toBe('market closed: closed according to IB liquid hours');
    expect(phaseOf('2026-11-27T15:00:00Z', { rules }).reason).toBe(
      'market open until 13:00 New York time (early close: day after Thanksgiving)',
    );
  });

  it('falls back to our calendar outside the dates IB covers', () => {
    expect(sessionOn('2026-12-24', rules)?.close).toBe('2026-12-24T18:00:00Z');
    expect(sessionOn('2026-12-25', rules)).toBeUndefined();
    expect(sessionOn('2026-11-30', rules)).toEqual({ open: '2026-11-30T14:30:00Z', close: '2026-11-30T21:00:00Z' });
  });
});
