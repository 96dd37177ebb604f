import { DateTime } from 'luxon';
import type { Broker } from '../ports/broker.js';
import type { RunRecord, RunStore } from '../ports/store.js';
import type { Execution } from '../core/types.js';
import type { OrderRefOwner } from '../core/foreign-orders.js';

/**
 * Step 3: executions since the last run, recorded once each by execution id. Recording a fill also brings its
 * order's filled quantity and average price up to date (matched by orderRef, never by order id), so an order
 * that filled while it was being cancelled reads right. Orders of earlier runs were settled by the
 * reconciliation step before the cancels.
 *
 * Executions with our orderRef prefix but a run id the records never made (`ownerOf` says 'foreign') are not ours:
 * they are not recorded (so neither the ledger nor the trades CSV counts them), and those in the window asked for
 * (at or after `since`) and after the latest `rebalancer resume` are returned in `foreign`, for the run to halt on.
 * One from before the resume was looked at by the person who resumed (the alert told them what to check); were it
 * unseen, the position it moved still shows as a ledger break. Open orders are never accepted that way.
 */
export async function collectFills(
  broker: Broker,
  store: RunStore,
  runId: string,
  since: string,
  ownerOf: (orderRef: string) => OrderRefOwner,
  toBroker: (machineIso: string) => string = (iso) => iso,
): Promise<{ recorded: Execution[]; foreign: Execution[] }> {
  const executions = await broker.executions(since);
  const from = DateTime.fromISO(since).toMillis();
  const resumed = store.lastResumeAt();
  // The resume was recorded on the machine's clock; execution times are on the broker's.
  const resumedAt = resumed === undefined ? Number.NaN : DateTime.fromISO(toBroker(resumed)).toMillis();
  const foreign = executions.filter((e) => ownerOf(e.orderRef) === 'foreign');
  // An execution whose time cannot be read counts: unknown is not ours either way.
  const inWindow = foreign.filter((e) => {
    const at = DateTime.fromISO(e.time).toMillis();
    return !(at < from) && !(at <= resumedAt);
  });
  const recorded = store.recordFills(
    runId,
    executions.filter((e) => ownerOf(e.orderRef) !== 'foreign'),
  );
  return { recorded, foreign: inWindow };
}

/**
 * Executions are asked for from an hour before the last run that collected them: a run that failed before
 * reading executions (gateway down) must not move the window past fills nobody recorded. Runs still marked
 * 'running' (killed) and 'failed' ones do not count, nor runs skipped without connecting (IB Gateway's restart
 * window: see {@link notConnected}); with none, a week back. Duplicates are dropped by exec id.
 * On the machine's clock: the caller moves it onto the broker's (broker-clock.ts) before asking the broker;
 * `toMachine` brings a fill's time (the broker's clock) onto the machine's first.
 */
export function executionsSince(
  store: RunStore,
  runId: string,
  now: string,
  toMachine: (brokerIso: string) => string = (iso) => iso,
): string {
  const collected = store
    .recentRuns(200)
    .find((r) => r.runId !== runId && r.status !== 'failed' && r.status !== 'running' && !notConnected(r));
  const weekBack = DateTime.fromISO(now).minus({ days: 7 });
  let base = collected ? startOnTodaysClock(collected, toMachine).minus({ hours: 1 }) : weekBack;
  // A recorded fill whose commission IB has not reported yet moves the window back to it (at most a week), so
  // the report that comes with it this time is filled in (its time is IB's: a minute more covers a small skew).
  const uncommissioned = store.oldestFillWithoutCommission();
  const pending = uncommissioned === undefined ? undefined : DateTime.fromISO(toMachine(uncommissioned)).minus({ minutes: 1 });
  if (pending?.isValid && pending < base && pending >= weekBack) base = pending;
  return base.toUTC().toISO() ?? now;
}

/**
 * When the run started, on the machine's clock as it reads now: its recorded start moved onto the broker's clock
 * with the offset it measured then, and back with today's (`toMachine`). A machine clock set right after running
 * ahead of the broker's (or set wrong after running right) thus does not move the window past fills in between.
 * A run recorded before the offset was kept: its start as recorded.
 */
function startOnTodaysClock(run: RunRecord, toMachine: (brokerIso: string) => string): DateTime {
  const started = DateTime.fromISO(run.startedAt, { zone: 'utc' });
  if (run.brokerClockOffsetMs === undefined || !started.isValid) return started;
  const onBroker = started.plus({ milliseconds: run.brokerClockOffsetMs }).toISO();
  return onBroker === null ? started : DateTime.fromISO(toMachine(onBroker), { zone: 'utc' });
}

/**
 * A run recorded as 'skipped' with a note in its `error` never connected to the broker (the job skipped it in IB
 * Gateway's daily restart window, app/hourly-job.ts): it collected no executions. A run skipped because the market
 * was closed did connect, and has no note.
 */
export function notConnected(run: Pick<RunRecord, 'status' | 'error'>): boolean {
  return run.status === 'skipped' && run.error !== undefined;
}
