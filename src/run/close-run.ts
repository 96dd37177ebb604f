import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import { BrokerError } from '../ports/broker.js';
import { StorageError } from '../errors.js';
import type { Breach } from '../core/types.js';
import { EXCHANGE_ZONE, isSessionOpen, toIsoUtc, type SessionRules } from '../core/session.js';
import { notifyAfterRun } from './notify.js';
import type { RunOptions, RunResult } from './run-types.js';

/** A failed run: the error for the log and the console, and a broker error also as a breach, recorded. */
export function recordFailure(
  o: Pick<RunOptions, 'store' | 'out' | 'logger' | 'runId'>,
  error: unknown,
): { error: string; breaches: Breach[] } {
  const described = describeFailure(error);
  o.logger.error({ err: error }, 'run failed');
  o.out(`\nRUN FAILED: ${described}`);
  const breaches: Breach[] = error instanceof BrokerError ? [{ code: 'BROKER_ERROR', detail: described }] : [];
  tryRecord(() => o.store.recordBreaches(o.runId, breaches), o.logger);
  return { error: described, breaches };
}

/**
 * The minute past each hour the hourly job runs, on weekdays (crontab.example, src/app/schedule-table.ts: `35 * * * 1-5`;
 * a test holds the two together).
 */
export const SCHEDULED_MINUTE = 35;

/**
 * The next time the schedule runs (:35 past each hour, New York time, Monday to Friday) strictly after `now` that falls
 * within a session under `rules`: the next run that can trade, what the summaries show as the next run. Runs outside
 * the session (the end-of-day email's, the night's) are not it. Undefined when none falls within 30 days.
 */
export function nextScheduledRun(now: string, rules: SessionRules): string | undefined {
  let t = DateTime.fromISO(now, { zone: EXCHANGE_ZONE }).set({ minute: SCHEDULED_MINUTE, second: 0, millisecond: 0 });
  if (!t.isValid) return undefined;
  if (t.toMillis() <= DateTime.fromISO(now).toMillis()) t = t.plus({ hours: 1 });
  for (let i = 0; i < 30 * 24; i++, t = t.plus({ hours: 1 }).set({ minute: SCHEDULED_MINUTE })) {
    const at = toIsoUtc(t);
    if (t.weekday <= 5 && isSessionOpen(at, rules)) return at;
  }
  return undefined;
}

/** Tell people (alerts, daily emails, missed runs, heartbeat) and close the run's record; neither may change the outcome. */
export async function closeRun(
  o: RunOptions,
  result: RunResult,
  run: { now: string; tradingDay: string; previousRunAt: string | undefined; rules: SessionRules },
): Promise<void> {
  const nextRun = nextScheduledRun(run.now, run.rules);
  await notifyAfterRun(
    { mailer: o.mailer, store: o.store, reports: o.reports, heartbeat: o.heartbeat, push: o.push, logger: o.logger, out: o.out },
    o.settings.notify,
    {
      runId: o.runId,
      now: run.now,
      tradingDay: run.tradingDay,
      previousRunAt: run.previousRunAt,
      nextRun,
      rules: run.rules,
      dryRun: o.dryRun,
    },
    result,
  );
  tryRecord(
    () =>
      o.store.finishRun(o.runId, {
        finishedAt: run.now,
        status: result.status,
        exitCode: result.exitCode,
        error: result.error,
        tradingState: result.plan?.tradingState,
      }),
    o.logger,
  );
  o.logger.info(
    {
      runId: o.runId,
      status: result.status,
      exitCode: result.exitCode,
      breaches: result.breaches.map((b) => b.code),
      sent: result.sent.length,
      newFills: result.newFills.length,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    },
    'run finished',
  );
}

function tryRecord(write: () => void, logger: Logger): void {
  try {
    write();
  } catch (error) {
    // The run's outcome is already decided; a record that cannot be written is logged, not hidden.
    logger.error({ err: error }, 'could not write a record');
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof BrokerError) return `broker: ${error.message}${error.code === undefined ? '' : ` (IB code ${error.code})`}`;
  if (error instanceof StorageError) return `storage: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
