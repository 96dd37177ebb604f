import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import { BrokerError } from '../ports/broker.js';
import { StorageError } from '../errors.js';
import { notifyAfterRun } from './notify.js';
import type { RunOptions, RunResult } from './rebalance-run.js';

/** A failed run: the error in `result`, the log and the console, and a broker error also as a breach, recorded. */
export function recordFailure(o: RunOptions, result: RunResult, error: unknown): void {
  const { store, out, logger } = o;
  result.error = describeFailure(error);
  logger.error({ err: error }, 'run failed');
  out(`\nRUN FAILED: ${result.error}`);
  if (error instanceof BrokerError) result.breaches.push({ code: 'BROKER_ERROR', detail: result.error });
  tryRecord(() => store.recordBreaches(o.runId, result.breaches.filter((b) => b.code === 'BROKER_ERROR')), logger);
}

/** Tell people (alerts, daily emails, missed runs, heartbeat) and close the run's record; neither may change the outcome. */
export async function closeRun(o: RunOptions, result: RunResult, tradingDay: string, previousRunAt: string | undefined): Promise<void> {
  const nextRun = result.nextOpen ?? DateTime.fromISO(o.now).plus({ hours: 1 }).toUTC().toISO() ?? undefined;
  await notifyAfterRun(
    { mailer: o.mailer, store: o.store, reports: o.reports, logger: o.logger, out: o.out },
    o.settings.notify,
    { runId: o.runId, now: o.now, tradingDay, previousRunAt, nextRun },
    result,
  );
  tryRecord(() => o.store.finishRun(o.runId, { finishedAt: o.now, status: result.status, exitCode: result.exitCode, error: result.error, tradingState: result.plan?.tradingState }), o.logger);
  o.logger.info(
    {
      runId: o.runId, status: result.status, exitCode: result.exitCode, breaches: result.breaches.map((b) => b.code), sent: result.sent.length,
      newFills: result.newFills.length, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
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
