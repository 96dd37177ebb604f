/** A dry run (`rebalancer run --dry-run`) summarises nothing: the day's daily emails stay due for the real runs. */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { memoryRun } from '../support/memory-ports.js';

describe('a dry run and the daily emails', () => {
  it("a dry run at mid-day sends no summary and leaves the day's mid-day email to the next real run", async () => {
    const MIDDAY = '2026-11-23T17:50:00Z';
    const dry = memoryRun({ now: MIDDAY, dryRun: true });
    await runRebalance(dry);
    expect(dry.mailer.subjects().filter((s) => / (start of day|mid-day) /.test(s))).toEqual([]);
    const real = memoryRun({ now: '2026-11-23T17:55:00Z', stores: dry.stores, mailer: dry.mailer });
    await runRebalance(real);
    expect(real.mailer.subjects().filter((s) => / mid-day /.test(s))).toHaveLength(1);
  });
});
