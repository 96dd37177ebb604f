/**
 * `rebalancer schedule`: node-cron runs the jobs of {@link SCHEDULE} in the exchange time zone, each as a
 * child process of the built command, exactly as cron would start it. A job still running when its next
 * time comes is skipped (node-cron `noOverlap`), and the run lock keeps a cron-started run and a scheduled
 * one from ever overlapping: the second exits 4 at once.
 */
import { spawn } from 'node:child_process';
import cron, { type ScheduledTask } from 'node-cron';
import { installation } from './installation.js';
import { SCHEDULE, SCHEDULE_ZONE, type ScheduledJob } from './schedule-table.js';

export interface ScheduleOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  /** The command file to start for each job; the built program (package.json's bin) by default. */
  command?: string;
  jobs?: readonly ScheduledJob[];
}

/** Start the schedule; resolves with a stop function. */
export function startSchedule(options: ScheduleOptions): { tasks: ScheduledTask[]; stop: () => Promise<void> } {
  const jobs = options.jobs ?? SCHEDULE;
  const tasks = jobs.map((job) =>
    cron.schedule(job.cron, () => runJob(job, options), { name: job.name, timezone: SCHEDULE_ZONE, noOverlap: true }),
  );
  for (const job of jobs) options.out(`scheduled ${job.name}: "${job.cron}" in ${SCHEDULE_ZONE} -> rebalancer ${job.args.join(' ')}`);
  return {
    tasks,
    stop: async () => {
      for (const task of tasks) await task.destroy();
    },
  };
}

/** One job as a child process; its output goes to ours, line by line, prefixed with the job's name. */
export function runJob(job: ScheduledJob, options: ScheduleOptions): Promise<number | null> {
  return new Promise((resolvePromise) => {
    const started = new Date().toISOString();
    options.out(`${started} ${job.name}: starting`);
    const child = spawn(process.execPath, [options.command ?? installation().program, ...job.args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.length > 0) options.out(`${job.name}: ${line}`);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (error) => {
      options.out(`${job.name}: could not start: ${error.message}`);
      resolvePromise(null);
    });
    child.on('close', (code) => {
      options.out(`${new Date().toISOString()} ${job.name}: exit code ${code ?? 'none (killed)'}`);
      resolvePromise(code);
    });
  });
}
