/**
 * How long a run can live: RUN_DEADLINE_MINUTES, then a grace before the job gives up on a run that has not
 * returned (a tenth, at most 5 minutes). The job ends a run at this point; a run recorded 'running' that started
 * longer ago than this is dead. Its own module so that `prune` can ask without loading the hourly job.
 */
export function backstopMs(runDeadlineMinutes: number): number {
  const deadlineMs = runDeadlineMinutes * 60_000;
  return deadlineMs + Math.min(5 * 60_000, deadlineMs / 10);
}
