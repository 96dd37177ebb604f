import { describe, expect, it } from 'vitest';
import { SPECIAL_CLOSURES, earlyClosesOf, easterSunday, holidaysOf } from '../../src/core/calendar.js';
import { NYSE_RULES, sessionOn } from '../../src/core/session.js';

// The NYSE's published calendars (NYSE Group press releases of 2024-11-08 and 2025-12-23), written out by hand:
// the rules in calendar-nyse.ts must reproduce them date for date.
const PUBLISHED: Record<number, { holidays: [string, string][]; earlyCloses: string[] }> = {
  2025: {
    holidays: [
      ['2025-01-01', "New Year's Day"],
      ['2025-01-09', 'National Day of Mourning for President Jimmy Carter'],
      ['2025-01-20', 'Martin Luther King Jr. Day'],
      ['2025-02-17', "Washington's Birthday"],
      ['2025-04-18', 'Good Friday'],
      ['2025-05-26', 'Memorial Day'],
      ['2025-06-19', 'Juneteenth National Independence Day'],
      ['2025-07-04', 'Independence Day'],
      ['2025-09-01', 'Labor Day'],
      ['2025-11-27', 'Thanksgiving Day'],
      ['2025-12-25', 'Christmas Day'],
    ],
    earlyCloses: ['2025-07-03', '2025-11-28', '2025-12-24'],
  },
  2026: {
    holidays: [
      ['2026-01-01', "New Year's Day"],
      ['2026-01-19', 'Martin Luther King Jr. Day'],
      ['2026-02-16', "Washington's Birthday"],
      ['2026-04-03', 'Good Friday'],
      ['2026-05-25', 'Memorial Day'],
      ['2026-06-19', 'Juneteenth National Independence Day'],
      ['2026-07-03', 'Independence Day'], // Saturday 4 July observed on Friday: so no early close on 2 July
      ['2026-09-07', 'Labor Day'],
      ['2026-11-26', 'Thanksgiving Day'],
      ['2026-12-25', 'Christmas Day'],
    ],
    earlyCloses: ['2026-11-27', '2026-12-24'],
  },
  2027: {
    holidays: [
      ['2027-01-01', "New Year's Day"],
      ['2027-01-18', 'Martin Luther King Jr. Day'],
      ['2027-02-15', "Washington's Birthday"],
      ['2027-03-26', 'Good Friday'],
      ['2027-05-31', 'Memorial Day'],
      ['2027-06-18', 'Juneteenth National Independence Day'], // Saturday 19 June observed on Friday
      ['2027-07-05', 'Independence Day'], // Sunday 4 July observed on Monday: no early close on Friday 2 July
      ['2027-09-06', 'Labor Day'],
      ['2027-11-25', 'Thanksgiving Day'],
      ['2027-12-24', 'Christmas Day'], // Saturday 25 December observed on Friday: no early close on 23 December
    ],
    earlyCloses: ['2027-11-26'],
  },
};

describe.each([2025, 2026, 2027])('the NYSE calendar of %i', (year) => {
  const published = PUBLISHED[year];
  if (published === undefined) throw new Error(`no published calendar for ${year}`);

  it('has exactly the published full-day closures, with their names', () => {
    expect(holidaysOf(year).map((h) => [h.date, h.name])).toEqual(published.holidays);
  });

  it('has exactly the published 13:00 early closes', () => {
    expect(earlyClosesOf(year).map((e) => e.date)).toEqual(published.earlyCloses);
    expect(earlyClosesOf(year).every((e) => e.close === '13:00')).toBe(true);
  });

  it('holds no session on any of those holidays', () => {
    for (const [date] of published.holidays) expect(sessionOn(date, NYSE_RULES), date).toBeUndefined();
  });

  it('closes at 13:00 New York time on the early-close days', () => {
    for (const date of published.earlyCloses) {
      // 13:00 New York is 17:00Z in July (EDT, UTC-4) and 18:00Z in November and December (EST, UTC-5).
      const summer = date.slice(5, 7) === '07';
      expect(sessionOn(date, NYSE_RULES), date).toEqual(
        summer ? { open: `${date}T13:30:00Z`, close: `${date}T17:00:00Z` } : { open: `${date}T14:30:00Z`, close: `${date}T18:00:00Z` },
      );
    }
  });
});

describe('observance rules beyond the table years', () => {
  const closed = (year: number): string[] => holidaysOf(year).map((h) => h.date);
  const early = (year: number): string[] => earlyClosesOf(year).map((e) => e.date);

  it('does not move New Year on a Saturday to Friday 31 December (2022, 2028)', () => {
    expect(closed(2021)).not.toContain('2021-12-31');
    expect(holidaysOf(2022).find((h) => h.name === "New Year's Day")).toBeUndefined();
    expect(closed(2027)).not.toContain('2027-12-31');
    expect(holidaysOf(2028).find((h) => h.name === "New Year's Day")).toBeUndefined();
    expect(sessionOn('2021-12-31', NYSE_RULES)).toBeDefined();
  });

  it('moves a Sunday holiday to Monday (New Year 2023, Juneteenth 2022, Christmas 2022)', () => {
    expect(closed(2023)).toContain('2023-01-02');
    expect(closed(2022)).toContain('2022-06-20');
    expect(closed(2022)).toContain('2022-12-26');
  });

  it('observes Juneteenth only from 2022', () => {
    expect(holidaysOf(2021).some((h) => h.name.startsWith('Juneteenth'))).toBe(false);
    expect(closed(2028)).toContain('2028-06-19');
  });

  it('closes early on 3 July only when it is a Monday to Thursday', () => {
    expect(early(2023)).toContain('2023-07-03'); // Monday, 4 July a Tuesday
    expect(early(2024)).toContain('2024-07-03'); // Wednesday
    expect(early(2028)).toContain('2028-07-03'); // Monday, as the NYSE published for 2028
    expect(early(2022).some((d) => d.startsWith('2022-07'))).toBe(false); // 4 July a Monday: no early close 1 July
    expect(early(2020).some((d) => d.startsWith('2020-07'))).toBe(false); // 3 July the observed holiday
  });

  it('closes early on Christmas Eve only when it is a Monday to Thursday', () => {
    expect(early(2018)).toContain('2018-12-24'); // Monday
    expect(early(2022)).toEqual(['2022-11-25']); // Saturday Christmas Eve: only the day after Thanksgiving
    expect(early(2021)).toEqual(['2021-11-26']); // Friday 24 December was the observed Christmas
  });

  it('computes Easter, and so Good Friday, for any year', () => {
    expect([2024, 2025, 2026, 2027, 2028, 2038].map(easterSunday)).toEqual([
      '2024-03-31',
      '2025-04-20',
      '2026-04-05',
      '2027-03-28',
      '2028-04-16',
      '2038-04-25',
    ]);
    expect(closed(2028)).toContain('2028-04-14');
  });
});

describe('special closures', () => {
  it('lists the unscheduled closure for President Carter, added by hand', () => {
    expect(SPECIAL_CLOSURES).toContainEqual({ date: '2025-01-09', name: 'National Day of Mourning for President Jimmy Carter' });
    expect(holidaysOf(2025).find((h) => h.date === '2025-01-09')?.special).toBe(true);
    expect(holidaysOf(2025).filter((h) => h.special)).toHaveLength(1);
  });

  it('closes the exchange on every listed date', () => {
    for (const { date } of SPECIAL_CLOSURES) expect(sessionOn(date, NYSE_RULES), date).toBeUndefined();
  });
});
