import type { Breach, BrokerOrder, Execution, Plan } from '../core/types.js';
import type { OrderCounts, RunStatus } from '../ports/store.js';
import { cancelWorking, workingOrdersOf } from './modify-orders.js';
import { ExitCode } from '../errors.js';
import { checkAccount } from '../core/account-check.js';
import { tradingDayOf, type SessionRules } from '../core/session.js';
import { collectFills, executionsSince } from './collect-fills.js';
import { haltOnForeignOrders, ownerOfOrderRefs, reconcileAndCancel } from './reconcile-and-cancel.js';
import { gatherWorld, type World } from './gather.js';
import { forecastAgeLimitOf } from '../core/forecast-age.js';
import { readBrokerClock, type BrokerClock } from './broker-clock.js';
import { decide, killSwitchBreach, type Decision } from './decide.js';
import type { CashFlowMeasure } from './measure-cash-flows.js';
import { signedMoney } from '../core/cash-flows.js';
import { applyOrders } from './apply-orders.js';
import { writeRecords } from './write-records.js';
import { ownRecords } from './own-records.js';
import { closeRun, recordFailure } from './close-run.js';
import { formatLedger, recordLedger, type LedgerState } from './check-ledger.js';
import { formatMoney } from '../core/money.js';
import { formatBreaches, formatFills, formatPlan } from './console-report.js';
import { forecastChanges, formatForecastChanges } from '../core/forecast-changes.js';
import type { RunOptions, RunResult } from './run-types.js';
import { formatMarkets } from './run-session.js';

export type { RunOptions, RunResult, RunSettings } from './run-types.js';

/** What the run has learned and done so far: the composer's own, filled from what each step returns. */
interface SoFar {
  account?: string;
  plan?: Plan;
  breaches: Breach[];
  sent: BrokerOrder[];
  /** Working orders of earlier runs this run changed in place. */
  modified: BrokerOrder[];
  /** New orders sent, changes made, cancels confirmed (recorded with the run when it reached the broker). */
  counts?: OrderCounts;
  /**
   * Working orders kept for the plan (ORDER_UPDATES=modify) and not yet changed or cancelled by it: a run that
   * fails before it gets to them cancels them on its way out, so nothing of an older plan keeps working.
   */
  kept: BrokerOrder[];
  newFills: Execution[];
  files: { label: string; path: string }[];
  notices: string[];
  ledger?: LedgerState;
  marketOpen?: boolean;
  nextOpen?: string;
  error?: string;
  rules?: SessionRules;
  /** What changed in the strategies' forecasts since the last run that recorded them (core/forecast-changes.ts). */
  forecastChanges?: string[];
}

/**
 * The hourly job, steps 1-10 of DESIGN.md, on any broker: read, decide, apply. The broker session is
 * connected here, not before, so that every failure is recorded, alerted and turned into an exit code.
 * Expected outcomes (breaches, a closed market) are values; infrastructure failures are caught once.
 *
 * The caller holds the run lock: any other run still recorded as 'running' was killed and is marked failed.
 * After the account check and before any cancel, the orders earlier runs left unsettled are reconciled with
 * the broker by orderRef; after the fills are collected, each managed ticker's ledger is compared with the
 * broker's position, and a ticker that disagrees is not traded. Each step returns what it did; this function
 * alone composes the outcome.
 */
export async function runRebalance(o: RunOptions): Promise<RunResult> {
  const { broker, store, settings, out } = o;
  const now = o.clock.now();
  const tradingDay = tradingDayOf(now);
  const soFar: SoFar = { breaches: [], sent: [], modified: [], newFills: [], files: [], notices: [], kept: [] };
  const previousRunAt = store.previousRun(o.runId)?.startedAt;
  store.startRun({ runId: o.runId, startedAt: now, tradingDay, dryRun: o.dryRun });
  soFar.files.push({ label: 'database', path: o.records.databasePath });
  out(`run ${o.runId} at ${now} on broker ${settings.brokerName}${o.dryRun ? ' (dry run: no cancels, no orders)' : ''}`);
  for (const run of store.failAbandonedRuns(
    o.runId,
    `killed or crashed: did not finish (still 'running' when run ${o.runId} started at ${now})`,
  )) {
    const notice = `run ${run.runId} (started ${run.startedAt}) was killed or crashed: it did not finish and is now recorded as failed; its orders are reconciled with the broker by orderRef`;
    soFar.notices.push(notice);
    out(`warning: ${notice}`);
  }
  let connected = false;
  let ended: { status: RunStatus; exitCode: ExitCode };
  try {
    await broker.connect();
    connected = true;
    ended = await readDecideApply(o, now, tradingDay, soFar);
  } catch (error) {
    const failure = recordFailure(o, error);
    soFar.error = failure.error;
    soFar.breaches.push(...failure.breaches);
    ended = { status: 'failed', exitCode: ExitCode.failed };
    if (connected) await cancelKept(o, now, soFar);
  } finally {
    if (connected) await broker.disconnect();
  }
  if (soFar.counts !== undefined) recordCounts(o, soFar.counts);
  const { rules, counts: _counts, ...done } = soFar;
  const result: RunResult = { runId: o.runId, ...ended, ...done };
  await closeRun(o, result, { now, tradingDay, previousRunAt, rules: rules ?? o.fallbackRules });
  return result;
}

async function readDecideApply(
  o: RunOptions,
  now: string,
  tradingDay: string,
  soFar: SoFar,
): Promise<{ status: RunStatus; exitCode: ExitCode }> {
  const { broker, store, settings, out } = o;
  // IB's clock, right after connecting: everything compared with IB's times is on it.
  const clock = await readBrokerClock(broker, () => o.clock.now(), settings.maxClockSkewSeconds);
  reportClock(o, clock);
  // Kept with the run: the next run starts its executions window from this run's start on the broker's clock.
  if (Number.isFinite(clock.offsetMs)) store.recordBrokerClock(o.runId, clock.offsetMs);
  const checked = checkAccount({
    managedAccounts: await broker.managedAccounts(),
    expectedAccount: settings.expectedAccount,
    tradingMode: settings.tradingMode,
  });
  if (checked.account === undefined) {
    soFar.breaches.push(...checked.breaches);
    out(...formatBreaches(checked.breaches, 'HALTED'));
    store.recordBreaches(o.runId, checked.breaches);
    return { status: 'blocked', exitCode: ExitCode.blocked };
  }
  const account = checked.account;
  // One account per set of records: another's are refused before anything of this account is touched or recorded.
  const owned = ownRecords(o, account, now);
  if (owned.refused !== undefined) {
    soFar.error = owned.refused;
    return { status: 'failed', exitCode: ExitCode.usage };
  }
  soFar.notices.push(...owned.notices);
  soFar.account = account;
  out(`\n== account ${account}`);

  // Settle what earlier runs left: reconcile their orders, cancel the open ones, record the fills.
  const halt = o.killSwitch.read();
  const prior: Breach[] = halt ? [killSwitchBreach(halt)] : [];
  if (clock.breach !== undefined) prior.push(clock.breach);
  // The window is the records' (the machine's clock), asked for on the broker's.
  const since = clock.toBroker(executionsSince(store, o.runId, now, clock.toMachine));
  // Orders and fills of our prefix whose run the records never made are not ours: never cancelled nor counted.
  const ownerOf = ownerOfOrderRefs(store);
  if (!o.dryRun) soFar.counts = { sent: 0, modified: 0, cancelled: 0 };
  const settled = await reconcileAndCancel(o, {
    now,
    since,
    ownerOf,
    toBroker: clock.toBroker,
    account,
    // Known to the run as soon as they are kept: a failure from here on cancels them on the run's way out.
    onKept: (kept) => {
      if (!o.dryRun) soFar.kept = [...kept];
    },
  });
  if (soFar.counts !== undefined) soFar.counts.cancelled += settled.cancelled;
  soFar.newFills.push(...settled.newFills);
  soFar.notices.push(...settled.notices);
  prior.push(...settled.breaches);
  out('\n== executions since the last run');
  const fills = await collectFills(broker, store, o.runId, since, ownerOf, clock.toBroker);
  soFar.newFills.push(...fills.recorded);
  // The fills recorded while reconciling are new since the last run too.
  out(...formatFills([...settled.newFills, ...fills.recorded]));
  prior.push(
    ...haltOnForeignOrders(
      o,
      now,
      { orders: settled.foreign, executions: [...fills.foreign, ...settled.foreignExecutions] },
      halt !== undefined,
    ),
  );

  // Read.
  out('\n== account, positions, forecasts, quotes');
  const world = await gatherWorld({
    broker,
    store,
    forecasts: o.forecasts,
    account,
    now,
    forecastAge: forecastAgeLimitOf(settings),
    fxQuotes: settings.sizing.fxPolicy === 'convert',
    statements: o.statements,
    runId: o.runId,
    readClock: () => o.clock.now(),
    brokerClock: clock,
  });
  soFar.notices.push(...(world.ledger.splits ?? []).map((s) => s.notice));
  soFar.rules = world.session.rules;
  for (const warning of world.session.warnings) out(`warning: ${warning}`);
  // A listing abroad whose hours are unknown is not traded: said once here, and on its plan line.
  for (const m of Object.values(world.markets)) if (m.source === 'none') for (const warning of m.warnings) out(`warning: ${warning}`);
  if (world.session.warnings.length > 0)
    o.logger.warn(
      { symbol: world.session.symbol, disagreements: world.session.disagreements, unreadable: world.session.unreadable },
      'session rules',
    );
  for (const f of world.forecastFiles) soFar.files.push({ label: 'forecast', path: f });
  printWorld(out, world);
  const flowNote = describeCashFlows(world.cashFlows);
  if (flowNote.line !== undefined) out(flowNote.line);
  if (flowNote.notice !== undefined) soFar.notices.push(flowNote.notice);
  soFar.ledger = world.ledger;
  // Why, at the level of the strategy: what changed in the forecasts since the last run that recorded them.
  soFar.forecastChanges = forecastChanges(store.latestForecasts(o.runId), world.forecasts);
  out('\n== what changed since the last run', ...formatForecastChanges(soFar.forecastChanges));

  // Decide.
  // The orders kept working for the plan (ORDER_UPDATES=modify), with the fills recorded just above.
  const working = workingOrdersOf(settled.working, store, broker);
  const decision = decide(world, prior, settings, { runId: o.runId, halted: halt !== undefined, working });
  soFar.plan = decision.plan;
  soFar.breaches.push(...decision.plan.breaches);
  soFar.marketOpen = decision.phase.ordersAllowed;
  if (!decision.phase.ordersAllowed) soFar.nextOpen = decision.phase.nextOpen;
  printDecision(out, decision);

  // Apply.
  applyDecisionRecords(o, now, world, decision);
  const orderFile = await o.records.writeOrderFile(tradingDay, o.runId, decision.plan.lines, decision.plan.conversions ?? []);
  soFar.files.push({ label: 'order file', path: orderFile });
  const applied = await applyOrders(o, now, decision, world.session.rules, soFar.counts);
  // Every kept order has now been changed, left as the plan wants it, or cancelled.
  soFar.kept = [];
  soFar.sent.push(...applied.sent);
  soFar.modified.push(...applied.modified);
  // Changes and cancels were counted as the broker confirmed each (the tally); new orders are counted here.
  if (soFar.counts !== undefined) soFar.counts.sent = applied.sent.length;
  soFar.breaches.push(...applied.breaches);
  soFar.notices.push(...(applied.notes ?? []));
  if (applied.failure !== undefined) throw applied.failure;
  if (applied.error !== undefined) soFar.error = applied.error;
  await writeRecords(o, {
    account,
    world,
    plan: decision.plan,
    orderFile,
    ordersSent: applied.sent.length > 0 || applied.modified.length > 0,
  });
  soFar.files.push({ label: 'trades CSV', path: o.records.tradesCsvPath });
  const exitCode = applied.status === 'failed' ? ExitCode.failed : applied.status === 'blocked' ? ExitCode.blocked : ExitCode.ok;
  return { status: applied.status, exitCode };
}

/**
 * A run that failed between keeping working orders for its plan and applying it (a broker error while reading the
 * account or the quotes, a record that could not be written) cancels them, best effort: the next run plans afresh.
 */
async function cancelKept(o: RunOptions, now: string, soFar: SoFar): Promise<void> {
  if (soFar.kept.length === 0) return;
  const kept = soFar.kept;
  soFar.kept = [];
  o.out(`the run failed before its plan could change or cancel ${kept.length} working order(s): cancelling them`);
  try {
    const done = await cancelWorking(
      { broker: o.broker, store: o.store, runId: o.runId, now, out: o.out, ...(soFar.counts === undefined ? {} : { tally: soFar.counts }) },
      kept.map((order) => ({ order, reason: 'the run failed before its plan' })),
    );
    soFar.breaches.push(...done.breaches);
  } catch (error) {
    // The run fails with its first error either way; this one is for the log.
    o.logger.error({ err: error }, 'cancelling the kept working orders after a failure failed too');
  }
}

/** What the run asked of the broker, with the run; a record that cannot be written is logged, never fatal here. */
function recordCounts(o: RunOptions, counts: OrderCounts): void {
  try {
    o.store.recordOrderCounts(o.runId, counts);
  } catch (error) {
    o.logger.error({ err: error, counts }, 'order counts not recorded');
  }
}

/** The two clocks, on the console and in the log when they differ by over a minute. */
function reportClock(o: RunOptions, clock: BrokerClock): void {
  if (clock.warning === undefined) return;
  o.out(`warning: ${clock.warning}`);
  o.logger.warn(
    {
      brokerTime: clock.brokerTime,
      machineTime: clock.machineTime,
      offsetMs: clock.offsetMs,
      limitSeconds: o.settings.maxClockSkewSeconds,
    },
    'clock skew',
  );
}

/** The decision's effects on the records and the kill switch, before any order: breaches, managed tickers, ledger, halt. */
function applyDecisionRecords(o: RunOptions, now: string, world: World, decision: Decision): void {
  const { store } = o;
  store.recordBreaches(o.runId, decision.plan.breaches);
  // A dry run tries a plan: it must not make tickers managed or strategies known, or deleting a trial file
  // afterwards would block every run (STRATEGY_MISSING) and a retire would sell what the trial only named.
  if (!o.dryRun && decision.newlyManaged.length > 0) store.addManagedSymbols(decision.newlyManaged, o.runId);
  if (!o.dryRun) recordStrategies(o, now, decision);
  // The valid forecasts planned with (an invalid or stale one is not among them): what the next run compares with.
  if (!o.dryRun && world.forecasts.length > 0) store.recordForecasts(o.runId, world.forecasts);
  recordLedger(store, world.ledger, o.runId, now);
  // What this run read before deciding, and the money it found moved: the next run measures from here. A dry run
  // learns nothing: a flow it saw is still measured by the next real run, from the last real reading.
  if (!o.dryRun) {
    store.recordAccountRead(world.cashFlows.reading);
    if (world.cashFlows.inferred !== undefined) store.recordCashFlow(world.cashFlows.inferred);
    for (const flow of world.cashFlows.fromStatement) store.recordCashFlow(flow);
  }
  if (!o.dryRun && decision.haltReason !== undefined) {
    const state = { reason: decision.haltReason, at: now, source: `run ${o.runId}` };
    o.killSwitch.turnOn(state);
    store.recordHaltEvent({ action: 'halt', ...state });
    o.out(`kill switch turned on: ${decision.haltReason}`);
  }
}

/**
 * The strategies of the plan, remembered so that one whose file disappears blocks instead of being sold; a file
 * whose every weight is 0 retires its strategy (it holds nothing).
 */
function recordStrategies(o: RunOptions, now: string, decision: Decision): void {
  const { sightings, retirements } = decision.strategies;
  if (sightings.length > 0) o.store.recordStrategies(o.runId, sightings, now);
  for (const r of retirements) {
    if (o.store.retireStrategy(r.name, { at: now, source: `run ${o.runId}`, reason: r.reason }))
      o.out(`strategy ${r.name} retired: ${r.reason}`);
  }
}

function printWorld(out: RunOptions['out'], world: World): void {
  const s = world.summary;
  out(
    `NLV ${formatMoney(s.netLiquidation)} ${s.currency}, cash ${formatMoney(s.totalCash)}, gross positions ${formatMoney(s.grossPositionValue)}, cushion ${(s.cushion * 100).toFixed(1)}%, ${world.positions.length} position(s)`,
    `${world.forecasts.length} valid forecast(s) of ${world.forecastFiles.length} file(s): ${world.forecastFiles.join(', ') || 'none'}`,
  );
  out('\n== ledger vs broker (baseline + own fills + accepted adjustments, per managed ticker)');
  out(...formatLedger(world.ledger));
}

function printDecision(out: RunOptions['out'], decision: Decision): void {
  if (decision.markets.several)
    out('\n== markets (each ticker trades in its own market hours)', ...formatMarkets(decision.markets.markets));
  out('\n== plan');
  out(...formatPlan(decision.plan));
  out('\n== circuit breakers');
  out(...formatBreaches(decision.plan.breaches, decision.plan.tradingState));
}

/** The money that moved, for the console (always, when measured) and the email (a flow found now). */
function describeCashFlows(flows: CashFlowMeasure): { line?: string; notice?: string } {
  const inference = flows.inference;
  if (inference === undefined) return {};
  if (inference.kind === 'unknown') {
    const booked = flows.fromStatement;
    if (booked.length > 0) {
      const list = booked.map((f) => `${signedMoney(f.amount)} ${f.kind} (${f.description})`).join('; ');
      const notice = `cash flows from the broker's statement (none could be inferred: ${inference.reason}): ${list}; NAV_JUMP, DAILY_LOSS_LIMIT and the day's P&L take them out`;
      return { line: notice, notice };
    }
    const note = flows.statementNote === undefined ? '' : `; the statement could not say: ${flows.statementNote}`;
    return { line: `cash flows: not inferred since the last run (${inference.reason})${note}` };
  }
  if (inference.kind === 'none') return { line: `cash flows: none since the last run (${inference.description})` };
  const notice =
    `cash flow: ${signedMoney(inference.amount)} ${inference.amount > 0 ? 'came in' : 'went out'} since the last run, inferred from the change in cash ` +
    `no execution explains (${inference.description}); NAV_JUMP, DAILY_LOSS_LIMIT and the day's P&L take it out. ` +
    "If it was not a deposit, withdrawal, dividend, interest or fee, check the account; to name it, 'rebalancer cashflow --amount ... --reason ...'";
  return { line: notice, notice };
}
