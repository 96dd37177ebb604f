import type { Logger } from 'pino';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { BrokerError, type Broker } from '../ports/broker.js';
import type { ReportStore, RunStatus, RunStore } from '../ports/store.js';
import type { Mailer } from '../ports/mailer.js';
import type {
  AdaptivePriority,
  Breach,
  BrokerOrder,
  Execution,
  Plan,
  RiskLimits,
  SizingConfig,
} from '../core/types.js';
import { StorageError, ExitCode } from '../errors.js';
import { checkAccount } from '../core/account-check.js';
import { planRebalance } from '../core/plan-rebalance.js';
import { tradingDayOf } from '../core/session.js';
import { phaseOf } from '../core/phase.js';
import { sessionRulesOf } from './exchange-hours.js';
import { readHalt, writeHalt } from './kill-switch.js';
import { cancelOpenOrders, type CancelScope } from './cancel-orders.js';
import { gatherPlanInputs } from './gather-inputs.js';
import { submitOrders } from './submit-orders.js';
import { buildSnapshot } from './snapshot.js';
import { collectFills, executionsSince } from './collect-fills.js';
import { formatResolutions, reconcileEarlierOrders } from './reconcile-orders.js';
import { formatLedger, recordLedger, type LedgerState } from './check-ledger.js';
import { describeInstant, formatBreaches, formatCancels, formatFills, formatMoney, formatOrders, formatPlan } from './console-report.js';
import { writeOrderFile } from '../adapters/files/order-file.js';
import { syncTradesCsv } from '../adapters/files/trades-csv.js';
import { notifyAfterRun, type NotifySettings } from './notify.js';

/** What a run needs from the configuration, in the run's own terms. */
export interface RunSettings {
  brokerName: string;
  expectedAccount?: string;
  tradingMode: 'paper' | 'live';
  cancelScope: CancelScope;
  forecastDir: string;
  dataDir: string;
  maxForecastAgeHours: number;
  sizing: SizingConfig;
  limits: RiskLimits;
  adaptivePriority: AdaptivePriority;
  orderStatusWindowMs: number;
  /** No orders in the first / last N minutes of the session (0: none). */
  noTradeFirstMinutes: number;
  noTradeLastMinutes: number;
  notify: NotifySettings;
}

export interface RunOptions {
  runId: string;
  now: string;
  dryRun: boolean;
  settings: RunSettings;
  broker: Broker;
  store: RunStore;
  /** The daily reports' queries, on the same database. */
  reports: ReportStore;
  mailer: Mailer;
  logger: Logger;
  /** Readable progress for a person at the console, one line per argument. */
  out: (...lines: string[]) => void;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  exitCode: ExitCode;
  account?: string;
  plan?: Plan;
  breaches: Breach[];
  sent: BrokerOrder[];
  newFills: Execution[];
  files: { label: string; path: string }[];
  error?: string;
  marketOpen?: boolean;
  nextOpen?: string;
  /**
   * What a person must be told even when the run went well: an earlier run that was killed, an order recovered
   * from a crash or never sent. Alerted with the run's alert, or on their own.
   */
  notices: string[];
  /** The ledger against the broker's positions, when the run got that far. */
  ledger?: LedgerState;
}

/**
 * The hourly job, steps 1-10 of DESIGN.md, on any broker. The broker session must be connected
 * here, not before, so that every failure is recorded, alerted and turned into an exit code.
 * Expected outcomes (breaches, a closed market) are values; infrastructure failures are caught once.
 *
 * The caller holds the run lock: any other run still recorded as 'running' was killed and is marked failed.
 * After the account check and before any cancel, the orders earlier runs left unsettled are reconciled with
 * the broker by orderRef; after the fills are collected, each managed ticker's ledger is compared with the
 * broker's position, and a ticker that disagrees is not traded.
 */
export async function runRebalance(o: RunOptions): Promise<RunResult> {
  const { broker, store, settings, out, logger } = o;
  const tradingDay = tradingDayOf(o.now);
  const result: RunResult = { runId: o.runId, status: 'running', exitCode: ExitCode.ok, breaches: [], sent: [], newFills: [], files: [], notices: [] };
  const previousRunAt = store.previousRun(o.runId)?.startedAt;
  store.startRun({ runId: o.runId, startedAt: o.now, tradingDay, dryRun: o.dryRun });
  result.files.push({ label: 'database', path: join(settings.dataDir, 'rebalancer.sqlite') });
  out(`run ${o.runId} at ${o.now} on broker ${settings.brokerName}${o.dryRun ? ' (dry run: no cancels, no orders)' : ''}`);
  for (const run of store.failAbandonedRuns(o.runId, `killed or crashed: did not finish (still 'running' when run ${o.runId} started at ${o.now})`)) {
    const notice = `run ${run.runId} (started ${run.startedAt}) was killed or crashed: it did not finish and is now recorded as failed; its orders are reconciled with the broker by orderRef`;
    result.notices.push(notice);
    out(`warning: ${notice}`);
  }
  let connected = false;
  try {
    await broker.connect();
    connected = true;
    const checked = checkAccount({ managedAccounts: await broker.managedAccounts(), expectedAccount: settings.expectedAccount, tradingMode: settings.tradingMode });
    if (checked.account === undefined) {
      result.breaches.push(...checked.breaches);
      out(...formatBreaches(checked.breaches, 'HALTED'));
      store.recordBreaches(o.runId, checked.breaches);
      return settle(result, 'blocked', ExitCode.blocked);
    }
    const account = checked.account;
    result.account = account;
    out(`\n== account ${account}`);

    const prior: Breach[] = [];
    const halt = readHalt(settings.dataDir);
    if (halt) prior.push({ code: 'KILL_SWITCH', detail: `halted since ${halt.at} by ${halt.source}: ${halt.reason}; run 'rebalancer resume' to trade again` });

    out('\n== reconcile orders of earlier runs (by orderRef, with open orders and executions)');
    const since = executionsSince(previousRunAt, o.now);
    const reconciled = await reconcileOrCancel(o, () => reconcileEarlierOrders({ broker, store, runId: o.runId, now: o.now, since }));
    result.newFills.push(...reconciled.newFills);
    result.notices.push(...reconciled.notices);
    out(...formatResolutions(reconciled.resolutions));

    out('\n== cancel open orders');
    if (o.dryRun) {
      out('dry run: open orders left alone');
    } else {
      const cancelled = await cancelOpenOrders(broker, settings.cancelScope);
      out(...formatCancels(cancelled.results));
      store.updateOrderStatuses(cancelled.updated);
      prior.push(...cancelled.breaches);
    }

    out('\n== executions since the last run');
    result.newFills.push(...(await collectFills(broker, store, o.runId, since)));
    out(...formatFills(result.newFills));

    out('\n== account, positions, forecasts, quotes');
    const gathered = await gatherPlanInputs({
      broker, store, account, now: o.now, forecastDir: settings.forecastDir, maxForecastAgeHours: settings.maxForecastAgeHours,
      sizing: settings.sizing, limits: settings.limits, priorBreaches: prior,
    });
    for (const f of gathered.forecastFiles) result.files.push({ label: 'forecast', path: f });
    const s = gathered.summary;
    out(
      `NLV ${formatMoney(s.netLiquidation)} ${s.currency}, cash ${formatMoney(s.totalCash)}, gross positions ${formatMoney(s.grossPositionValue)}, cushion ${(s.cushion * 100).toFixed(1)}%, ${gathered.positions.length} position(s)`,
      `${gathered.inputs.forecasts.length} valid forecast(s) of ${gathered.forecastFiles.length} file(s): ${gathered.forecastFiles.join(', ') || 'none'}`,
    );
    result.ledger = gathered.ledger;
    out('\n== ledger vs broker (baseline + own fills + accepted adjustments, per managed ticker)');
    out(...formatLedger(gathered.ledger));

    const plan = planRebalance(gathered.inputs);
    result.plan = plan;
    result.breaches.push(...plan.breaches);
    out('\n== plan');
    out(...formatPlan(plan));
    out('\n== circuit breakers');
    out(...formatBreaches(plan.breaches, plan.tradingState));
    store.recordBreaches(o.runId, plan.breaches);
    if (gathered.inputs.forecasts.length > 0 && !plan.breaches.some((b) => b.code === 'INVALID_FORECAST')) {
      store.addManagedSymbols(gathered.inputs.forecasts.flatMap((f) => Object.keys(f.weights)), o.runId);
    }
    recordLedger(store, gathered.ledger, o.runId, o.now);
    if (!o.dryRun && !halt && plan.breaches.some((b) => b.code === 'DAILY_LOSS_LIMIT')) {
      const reason = plan.breaches.find((b) => b.code === 'DAILY_LOSS_LIMIT')?.detail ?? 'daily loss limit';
      writeHalt(settings.dataDir, { reason, at: o.now, source: `run ${o.runId}` });
      store.recordHaltEvent({ action: 'halt', reason, at: o.now, source: `run ${o.runId}` });
      out(`kill switch turned on: ${reason}`);
    }

    const orderFile = await writeOrderFile(settings.dataDir, tradingDay, o.runId, plan.lines);
    result.files.push({ label: 'order file', path: orderFile });

    const rules = sessionRulesOf(gathered.inputs.contracts, logger, out);
    const phase = phaseOf(o.now, { noTradeFirstMinutes: settings.noTradeFirstMinutes, noTradeLastMinutes: settings.noTradeLastMinutes, rules });
    result.marketOpen = phase.ordersAllowed;
    const blocked = plan.tradingState !== 'ACTIVE';
    let status: RunStatus = blocked ? 'blocked' : 'ok';
    out('\n== orders');
    if (!result.marketOpen) {
      result.nextOpen = phase.nextOpen;
      out(`${phase.reason}: no orders sent. The plan above is what would be sent now; the first run of the next session (${describeInstant(phase.nextOpen)}) plans again with its prices.`);
      status = 'skipped';
    } else if (o.dryRun) {
      out('dry run: no orders sent');
    } else {
      const submitted = await submitOrders({
        broker, store, runId: o.runId, now: o.now, lines: plan.lines, adaptivePriority: settings.adaptivePriority,
        statusWindowMs: settings.orderStatusWindowMs, isHalted: () => readHalt(settings.dataDir) !== undefined,
      });
      result.sent = submitted.sent;
      out(...(submitted.sent.length > 0 ? formatOrders(submitted.sent) : ['no orders sent']));
      if (submitted.breaches.length > 0) {
        result.breaches.push(...submitted.breaches);
        store.recordBreaches(o.runId, submitted.breaches);
        out(...formatBreaches(submitted.breaches, 'HALTED'));
      }
      const haltedMidRun = submitted.breaches.some((b) => b.code === 'KILL_SWITCH') && !submitted.breaches.some((b) => b.code === 'BROKER_ERROR');
      if (haltedMidRun) {
        // A person turned the kill switch on: the run did what it should (stop sending), so it is blocked, not failed.
        result.error = `submission stopped: ${submitted.stoppedBecause ?? 'the kill switch'}`;
        status = 'blocked';
      } else if (submitted.stoppedBecause) {
        result.error = `submission stopped: ${submitted.stoppedBecause}`;
        status = 'failed';
      } else if (submitted.breaches.some((b) => b.code === 'BROKER_ERROR')) {
        status = 'failed';
        result.error = 'the broker rejected one or more orders';
      } else if (submitted.breaches.length > 0) {
        status = 'blocked';
      }
    }

    out('\n== records');
    const after = result.sent.length > 0
      ? { summary: await broker.accountSummary(account), positions: await broker.positions(account) }
      : { summary: gathered.summary, positions: gathered.positions };
    const snap = buildSnapshot(after.summary, after.positions, gathered.inputs.quotes, plan.lines);
    store.recordSnapshot(o.runId, snap.snapshot, snap.positions);
    const csv = join(settings.dataDir, 'trades.csv');
    const appended = await syncTradesCsv(store, csv);
    result.files.push({ label: 'trades CSV', path: csv });
    out(`snapshot saved (NLV ${formatMoney(after.summary.netLiquidation)}); ${appended} new row(s) in ${csv}; order file ${orderFile}`);
    const exitCode = status === 'failed' ? ExitCode.failed : status === 'blocked' ? ExitCode.blocked : ExitCode.ok;
    return settle(result, status, exitCode);
  } catch (error) {
    result.error = describeFailure(error);
    logger.error({ err: error }, 'run failed');
    out(`\nRUN FAILED: ${result.error}`);
    if (error instanceof BrokerError) result.breaches.push({ code: 'BROKER_ERROR', detail: result.error });
    tryRecord(() => store.recordBreaches(o.runId, result.breaches.filter((b) => b.code === 'BROKER_ERROR')), logger);
    return settle(result, 'failed', ExitCode.failed);
  } finally {
    if (connected) await broker.disconnect();
    await finish(o, result, tradingDay, previousRunAt);
  }
}

/**
 * The reconciliation, or, when the broker fails it, the cancels without it before the run stops (exit 1): orders
 * left working by earlier runs must not keep working for another hour because their records could not be
 * settled. The cancels record what they learn by orderRef; the next run settles the rest.
 */
async function reconcileOrCancel<T>(o: RunOptions, reconcile: () => Promise<T>): Promise<T> {
  try {
    return await reconcile();
  } catch (error) {
    if (!(error instanceof BrokerError) || o.dryRun) throw error;
    o.out(`reconciliation failed (${error.message}): cancelling the system's open orders anyway, then stopping`);
    try {
      const cancelled = await cancelOpenOrders(o.broker, o.settings.cancelScope);
      o.out(...formatCancels(cancelled.results));
      o.store.updateOrderStatuses(cancelled.updated);
    } catch (cancelError) {
      // The run fails with the first error either way; this one is for the log.
      o.logger.error({ err: cancelError }, 'cancels after a failed reconciliation failed too');
    }
    throw error;
  }
}

function settle(result: RunResult, status: RunStatus, exitCode: ExitCode): RunResult {
  result.status = status;
  result.exitCode = exitCode;
  return result;
}

/** Tell people (alerts, daily emails, missed runs, heartbeat) and close the run's record; neither may change the outcome. */
async function finish(o: RunOptions, result: RunResult, tradingDay: string, previousRunAt: string | undefined): Promise<void> {
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
