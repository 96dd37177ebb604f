/**
 * The schedule of `rebalancer schedule`, the long-running alternative to cron. Times are on the exchange's
 * clock (America/New_York), so daylight-saving changes and the machine's time zone do not matter.
 * The hourly job runs at :35 on weekdays, all day: the program itself decides from the calendar whether the
 * market is open (a run outside the session records a snapshot, and the first run after the close sends
 * the end-of-day email). Same cadence as crontab.example, weekly prune included.
 */
export interface ScheduledJob {
  name: string;
  /** node-cron expression (minute hour day-of-month month day-of-week). */
  cron: string;
  /** Arguments of the `rebalancer` command the job runs, in a child process of its own. */
  args: string[];
}

export const SCHEDULE_ZONE = 'America/New_York';

export const SCHEDULE: readonly ScheduledJob[] = [
  { name: 'hourly-rebalance', cron: '35 * * * 1-5', args: ['run'] },
  // Retention (as crontab.example's last line): Sundays 06:00, when no run is due; under the run lock all the same.
  { name: 'weekly-prune', cron: '0 6 * * 0', args: ['prune', '--vacuum'] },
];
