import { describe, expect, it } from 'vitest';
import { NYSE_RULES } from '../../src/core/session.js';
import { dueDailyEmails, newYorkTime, type DailyEmailKind } from '../../src/core/daily-emails.js';

const none = (): DailyEmailKind[] => [];
const always = (): boolean => true;
const only =
  (day: string) =>
  (d: string): boolean =>
    d === day;
const sentOn =
  (day: string, kinds: DailyEmailKind[]) =>
  (d: string): DailyEmailKind[] =>
    d === day ? kinds : [];

describe('which daily emails a run sends', () => {
  it('sends nothing before the open', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-23', '08:35'), none, only('2026-11-23'), NYSE_RULES)).toEqual([]);
  });

  it('sends the start of day from the first run at or after the open, once', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-23', '09:35'), none, only('2026-11-23'), NYSE_RULES)).toEqual([
      { kind: 'start', tradingDay: '2026-11-23' },
    ]);
    expect(dueDailyEmails(newYorkTime('2026-11-23', '10:35'), sentOn('2026-11-23', ['start']), only('2026-11-23'), NYSE_RULES)).toEqual([]);
  });

  it('sends mid-day from the first run past the midpoint (12:45 on a full day)', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-23', '12:35'), sentOn('2026-11-23', ['start']), only('2026-11-23'), NYSE_RULES)).toEqual([]);
    expect(dueDailyEmails(newYorkTime('2026-11-23', '12:50'), sentOn('2026-11-23', ['start']), only('2026-11-23'), NYSE_RULES)).toEqual([
      { kind: 'mid', tradingDay: '2026-11-23' },
    ]);
  });

  it('sends start and mid together when the first run of the day comes after the midpoint', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-23', '13:35'), none, only('2026-11-23'), NYSE_RULES).map((d) => d.kind)).toEqual([
      'start',
      'mid',
    ]);
  });

  it('sends only the end of day from the first run after the close, not a late start or mid', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-23', '16:35'), none, only('2026-11-23'), NYSE_RULES)).toEqual([
      { kind: 'end', tradingDay: '2026-11-23' },
    ]);
    expect(dueDailyEmails(newYorkTime('2026-11-23', '17:35'), sentOn('2026-11-23', ['end']), only('2026-11-23'), NYSE_RULES)).toEqual([]);
  });

  it("closes Friday's day from Saturday's first run", () => {
    expect(dueDailyEmails('2026-11-21T15:35:00Z', sentOn('2026-11-20', ['start', 'mid']), always, NYSE_RULES)).toEqual([
      { kind: 'end', tradingDay: '2026-11-20' },
    ]);
  });

  it('sends nothing for days the system did not run', () => {
    expect(dueDailyEmails('2026-11-21T15:35:00Z', none, () => false, NYSE_RULES)).toEqual([]);
  });

  it('sends only the latest missing end of day after a long absence', () => {
    expect(dueDailyEmails(newYorkTime('2026-11-25', '08:00'), none, always, NYSE_RULES)).toEqual([
      { kind: 'end', tradingDay: '2026-11-24' },
    ]);
  });
});
