import type { Logger } from 'pino';
import { join } from 'node:path';
import type { Broker } from '../ports/broker.js';
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
import { ExitCode } from '../errors.js';
import { checkAccount } from '../core/account-check.js';
import { planRebalance } from '../core/plan-rebalance.js';
import { tradingDayOf } from '../core/session.js';
import { readHalt, writeHalt } from './kill-switch.js';
import type { CancelScope } from './cancel-orders.js';
import { gatherPlanInputs } from './gather-inputs.js';
import { collectFills, executionsSince } from './collect-fills.js';
import { reconcileAndCancel } from './reconcile-and-cancel.js';
import { placeOrders } from './place-orders.js';
import { writeRecords } from './write-records.js';
import { closeRun, recordFailure } from './close-run.js';
import { formatLedger, recordLedger, type LedgerState } from './check-ledger.js';
import { formatBreaches, formatFills, formatMoney, formatPlan } from './console-report.js';
import { writeOrderFile } from '../adapters/files/order-file.js';
import type { NotifySettings } from './notify.js';

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
  const { broker, store, settings, out } = o;
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

    const since = executionsSince(store, o.runId, o.now);
    prior.push(...(await reconcileAndCancel(o, result, since)));

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

    const status = await placeOrders(o, result, plan, gathered.inputs.contracts);

    await writeRecords(o, result, { account, gathered, plan, orderFile });
    const exitCode = status === 'failed' ? ExitCode.failed : status === 'blocked' ? ExitCode.blocked : ExitCode.ok;
    return settle(result, status, exitCode);
  } catch (error) {
    recordFailure(o, result, error);
    return settle(result, 'failed', ExitCode.failed);
  } finally {
    if (connected) await broker.disconnect();
    await closeRun(o, result, tradingDay, previousRunAt);
  }
}

function settle(result: RunResult, status: RunStatus, exitCode: ExitCode): RunResult {
  result.status = status;
  result.exitCode = exitCode;
  return result;
}
