import { describe, expect, it } from 'vitest';
import { formatIbUtc, parseIbTime } from '../../src/adapters/ib/ib-time.js';

describe('parseIbTime', () => {
  it.each([
    ['20261123 10:35:01 US/Eastern', '2026-11-23T15:35:01Z'],
    ['20260701 10:35:01 US/Eastern', '2026-07-01T14:35:01Z'],
    ['20261123 10:35:01 America/New_York', '2026-11-23T15:35:01Z'],
    ['20261123  10:35:01 EST', '2026-11-23T15:35:01Z'],
    ['20260701 10:35:01 EDT', '2026-07-01T14:35:01Z'],
    ['20261123 09:35:01 US/Central', '2026-11-23T15:35:01Z'],
    ['20261123-15:35:01', '2026-11-23T15:35:01Z'],
    ['20261123-15:35:01 UTC', '2026-11-23T15:35:01Z'],
    ['20261123 15:35:01 GMT', '2026-11-23T15:35:01Z'],
    ['1795259245', '2026-11-21T11:07:25Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseIbTime(text)).toBe(iso);
  });

  it('reads a time without a zone in the given zone, New York by default', () => {
    expect(parseIbTime('20261123 10:35:01')).toBe('2026-11-23T15:35:01Z');
    expect(parseIbTime('20261123 10:35:01', { zonelessZone: 'Europe/London' })).toBe('2026-11-23T10:35:01Z');
  });

  it('crosses daylight saving time by the zone rules, not by a fixed offset', () => {
    expect(parseIbTime('20261031 12:00:00 US/Eastern')).toBe('2026-10-31T16:00:00Z');
    expect(parseIbTime('20261102 12:00:00 US/Eastern')).toBe('2026-11-02T17:00:00Z');
  });

  it.each([
    '',
    'yesterday',
    '2026-11-23T15:35:01Z',
    '20261323 10:00:00 US/Eastern',
    '20261123 25:00:00 UTC',
    '20261123 10:00:00 Mars/Olympus',
  ])('refuses %j, naming it', (text) => {
    expect(() => parseIbTime(text)).toThrow(RangeError);
    expect(() => parseIbTime(text)).toThrow(text === '' ? /IB time/ : new RegExp(text.slice(0, 8)));
  });
});

describe('formatIbUtc', () => {
  it('writes an instant in IB UTC filter form', () => {
    expect(formatIbUtc('2026-11-23T10:35:01-05:00')).toBe('20261123-15:35:01');
    expect(formatIbUtc('2026-11-23T15:35:01.900Z')).toBe('20261123-15:35:01');
  });

  it('round-trips with parseIbTime', () => {
    expect(parseIbTime(formatIbUtc('2026-03-08T07:30:00Z'))).toBe('2026-03-08T07:30:00Z');
  });

  it('refuses a value that is not an instant', () => {
    expect(() => formatIbUtc('soon')).toThrow(/not an ISO 8601 instant/);
  });
});
