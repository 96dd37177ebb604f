import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import cron from 'node-cron';
import { runJob, startSchedule } from '../../src/app/schedule.js';
import { SCHEDULE, SCHEDULE_ZONE } from '../../src/app/schedule-table.js';

describe('rebalancer schedule', () => {
  it('has valid cron expressions, on New York time', () => {
    expect(SCHEDULE_ZONE).toBe('America/New_York');
    for (const job of SCHEDULE) expect(cron.validate(job.cron)).toBe(true);
  });

  it('runs each job as a child process and forwards its output with the job name and exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebalancer-schedule-'));
    const script = join(dir, 'fake-cli.mjs');
    writeFileSync(script, "console.log('args=' + process.argv.slice(2).join(' ')); process.exit(3);\n");
    const lines: string[] = [];
    const code = await runJob(
      { name: 'hourly-rebalance', cron: '35 * * * 1-5', args: ['run'] },
      { cwd: dir, env: process.env, out: (l) => lines.push(l), command: script },
    );
    expect(code).toBe(3);
    expect(lines).toContain('hourly-rebalance: args=run');
    expect(lines.at(-1)).toMatch(/hourly-rebalance: exit code 3$/);
  });

  it('starts and stops the node-cron tasks', async () => {
    const lines: string[] = [];
    const schedule = startSchedule({ cwd: process.cwd(), env: process.env, out: (l) => lines.push(l) });
    expect(schedule.tasks).toHaveLength(SCHEDULE.length);
    expect(lines[0]).toMatch(/scheduled hourly-rebalance: "35 \* \* \* 1-5" in America\/New_York/);
    await schedule.stop();
  });
});
