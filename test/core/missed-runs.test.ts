import { describe, expect, it } from 'vitest';
import { NYSE_RULES } from '../../src/core/session.js';
import { findMissedRuns } from '../../src/core/missed-runs.js';

describe('noticing missed hourly runs', () => {
  const cases: { name: string; previous: string | undefined; now: string; missed: number | undefined }[] = [
    { name: 'the very first run has nothing to compare with', previous: undefined, now: '2026-11-23T15:35:00Z', missed: undefined },
    {
      name: 'an hour between two runs in session is normal',
      previous: '2026-11-23T15:35:00Z',
      now: '2026-11-23T16:35:00Z',
      missed: undefined,
    },
    // 14:35Z .. 17:35Z = 3 h of session: 3 expected runs, 2 of them missing.
    {
      name: 'three hours of session without a run is reported',
      previous: '2026-11-23T14:35:00Z',
      now: '2026-11-23T17:35:00Z',
      missed: 180,
    },
    // Friday 20:35Z (15:35 NY) .. Monday 14:35Z (09:35 NY): 25 min Friday + 5 min Monday.
    { name: 'a weekend without runs is not a miss', previous: '2026-11-20T20:35:00Z', now: '2026-11-23T14:35:00Z', missed: undefined },
    // Overnight: Monday 20:35Z .. Tuesday 16:35Z: 25 min + 2 h 5 min = 150 min of session.
    { name: 'a machine asleep through a morning is reported', previous: '2026-11-23T20:35:00Z', now: '2026-11-24T16:35:00Z', missed: 150 },
    // Thanksgiving 2026-11-26 is closed: Wednesday 20:35Z .. Friday 14:35Z has 25 + 5 min of session.
    { name: 'a holiday without runs is not a miss', previous: '2026-11-25T20:35:00Z', now: '2026-11-27T14:35:00Z', missed: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const found = findMissedRuns(c.previous, c.now, NYSE_RULES);
      expect(found?.sessionMinutes).toBe(c.missed);
    });
  }

  it('says how many hourly runs the gap held', () => {
    expect(findMissedRuns('2026-11-23T14:35:00Z', '2026-11-23T17:35:00Z', NYSE_RULES)).toEqual({
      since: '2026-11-23T14:35:00Z',
      until: '2026-11-23T17:35:00Z',
      sessionMinutes: 180,
      expectedRuns: 3,
    });
  });
});
