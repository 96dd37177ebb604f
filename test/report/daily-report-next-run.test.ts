/** The summaries' "Next run": the next time the schedule runs (:35 past each hour on weekdays) within a session. */
import { describe, expect, it } from 'vitest';
import { nextScheduledRun, SCHEDULED_MINUTE } from '../../src/run/close-run.js';
import { SCHEDULE } from '../../src/app/schedule-table.js';
import { NYSE_RULES, WEEKDAYS_ONLY } from '../../src/core/session.js';
import { newYorkTime } from '../../src/core/daily-emails.js';

describe('nextScheduledRun', () => {
  it('uses the minute of the schedule', () => {
    expect(SCHEDULE[0]?.cron.startsWith(`${SCHEDULED_MINUTE} `)).toBe(true);
  });

  it('is the next :35 within the session, not the open', () => {
    expect(nextScheduledRun(newYorkTime('2026-11-23', '09:35'), WEEKDAYS_ONLY)).toBe(newYorkTime('2026-11-23', '10:35'));
    expect(nextScheduledRun(newYorkTime('2026-11-23', '09:35:20'), WEEKDAYS_ONLY)).toBe(newYorkTime('2026-11-23', '10:35'));
    expect(nextScheduledRun(newYorkTime('2026-11-23', '08:35'), WEEKDAYS_ONLY)).toBe(newYorkTime('2026-11-23', '09:35'));
    expect(nextScheduledRun(newYorkTime('2026-11-23', '15:35'), WEEKDAYS_ONLY)).toBe(newYorkTime('2026-11-24', '09:35'));
    // Friday after the close: Monday.
    expect(nextScheduledRun(newYorkTime('2026-11-20', '16:35'), WEEKDAYS_ONLY)).toBe(newYorkTime('2026-11-23', '09:35'));
  });

  it('follows the calendar: holidays and early closes', () => {
    // Thanksgiving 2026 is Thu Nov 26; Fri Nov 27 closes at 13:00.
    expect(nextScheduledRun(newYorkTime('2026-11-25', '15:35'), NYSE_RULES)).toBe(newYorkTime('2026-11-27', '09:35'));
    expect(nextScheduledRun(newYorkTime('2026-11-27', '12:35'), NYSE_RULES)).toBe(newYorkTime('2026-11-30', '09:35'));
  });
});
