/**
 * The hourly rebalance job: what cron starts every hour. Takes the lock, builds the adapters, runs,
 * and returns the exit code of DESIGN.md (0 done, 1 failed, 2 configuration, 3 blocked, 4 locked).
 */
import { backstopMs } from './run-backstop.js';
import { join } from 'node:path';
import { ConfigError, ExitCode, LockHeldError, StorageError } from '../errors.js';
import { newRunId } from '../run/run-id.js';
import { acquireRunLock, type RunLock } from '../adapters/files/run-lock.js';
import { runRebalance, type RunSettings } from '../run/rebalance-run.js';
import { redactSecrets } from '../log/redact.js';
import {
  checkBrokerFiles,
  createBroker,
  createMailerFor,
  databaseFile,
  filePortsOf,
  openApp,
  openStores,
  pushOf,
  runSettingsOf,
  statementsOf,
  type AppContext,
} from './compose.js';
import { renderAlert } from '../report/render-alert.js';
import { pushAll } from '../run/notify.js';
import { renderPush } from '../run/push-message.js';
import { describeRestartSkip, nearRestartNote, restartWindowOf, skipInRestartWindow } from './restart-skip.js';
import { findHome } from '../config/home.js';
import type { Broker } from '../ports/broker.js';
import type { Mailer } from '../ports/mailer.js';
import type { Breach } from '../core/types.js';
import type { RunStore } from '../ports/store.js';
import type { Clock } from '../ports/clock.js';

export interface HourlyJobOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: string;
  dryRun: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
  /** For tests: adapters in place of those the configuration names. */
  adapters?: { broker?: Broker; mailer?: Mailer };
  /**
   * Ends the process after a run that hung past its deadline (default: process.exit), once the run is recorded,
   * its alert queued and the lock released: a wait still pending must not keep the process, and so the lock, alive.
   */
  exit?: (code: ExitCode) => void;
}

/**
 * A lock file that had to be created while the records show a run still 'running' that started less than the
 * backstop ago (no run lives longer: the job ends it) means the file was removed under a run that may still be
 * alive: a stray `rm`, a clean-up script. Two runs must never send, so this one does nothing (exit 4, as for a
 * held lock); once that run's time is up, a run proceeds and records it as killed if it never finished.
 */
function refusalBesideALiveRun(lock: RunLock, store: RunStore, now: string, limitMs: number): LockHeldError | undefined {
  if (!lock.fresh) return undefined;
  const started = Date.parse(now);
  const alive = store
    .recentRuns(20)
    .find((r) => r.status === 'running' && started - Date.parse(r.startedAt) < limitMs && Date.parse(r.startedAt) <= started);
  if (alive === undefined) return undefined;
  const until = new Date(Date.parse(alive.startedAt) + limitMs).toISOString();
  return new LockHeldError(
    `the run lock ${lock.path} was missing and had to be created, but run ${alive.runId} (started ${alive.startedAt}) ` +
      `may still be running: its lock file was removed under it. No run starts beside it before ${until}`,
  );
}

export async function runHourlyRebalance(options: HourlyJobOptions): Promise<ExitCode> {
  const hung = { yes: false };
  const code = await runJob(options, hung);
  if (hung.yes) (options.exit ?? ((c: ExitCode) => process.exit(c)))(code);
  return code;
}

async function runJob(options: HourlyJobOptions, hung: { yes: boolean }): Promise<ExitCode> {
  const startedMs = Date.now();
  const runId = newRunId(options.now);
  let app: AppContext;
  try {
    // REBALANCER_HOME, else the working directory; the first run makes a new home there.
    app = openApp(findHome(options.cwd, options.env, { mayCreate: true }).dir, options.env, {
      runId,
      warn: options.err,
      workingDir: options.cwd,
    });
    await checkBrokerFiles(app.config);
  } catch (error) {
    if (error instanceof ConfigError) {
      // A bad value is never shown when secret, but a message may still quote a file's content: mask anyway.
      options.err(redactSecrets(`configuration error: ${error.message}`, []));
      return ExitCode.usage;
    }
    throw error;
  }
  const say = (...lines: string[]): void => {
    for (const line of lines) options.out(redactSecrets(line, app.secrets));
  };
  let lock: RunLock | undefined;
  let forgetLock = false;
  let stores: ReturnType<typeof openStores> | undefined;
  try {
    lock = acquireRunLock(join(app.config.files.dataDir, 'run.lock'), { pid: process.pid, startedAt: options.now, runId });
    stores = openStores(app.config);
    const besideALiveRun = refusalBesideALiveRun(lock, stores.store, options.now, backstopMs(app.config.schedule.runDeadlineMinutes));
    if (besideALiveRun !== undefined) {
      // The lock file this run created goes too, so that the next run finds it missing and checks again.
      forgetLock = true;
      throw besideALiveRun;
    }
    const files = await filePortsOf(app.config, options.now);
    const restart = restartWindowOf(app.config, options.now);
    if (restart !== undefined) {
      const note = describeRestartSkip(options.now, restart, app.config.broker.restartWindowMinutes);
      return await skipInRestartWindow(
        { store: stores.store, logger: app.logger, heartbeat: files.heartbeat, out: say },
        { runId, now: options.now, dryRun: options.dryRun, note },
      );
    }
    // The run must be able to record what it trades: find out now, before IB is touched, not after the orders.
    files.records.assertTradesWritable(stores.store);
    const broker = options.adapters?.broker ?? (await createBroker(app.config, options.now, false, app.logger));
    const running = runRebalance({
      runId,
      dryRun: options.dryRun,
      settings: withRestartNote(runSettingsOf(app.config), nearRestartNote(app.config, options.now)),
      ...files,
      ...statementsOf(app.config, app.logger),
      lock,
      broker,
      store: stores.store,
      reports: stores.reports,
      mailer: options.adapters?.mailer ?? createMailerFor(app, options.now),
      logger: app.logger,
      out: say,
    });
    const limitMs = backstopMs(app.config.schedule.runDeadlineMinutes);
    const result = await beforeDeadline(running, limitMs - (Date.now() - startedMs));
    if (result === 'hung') {
      hung.yes = true;
      // Whatever the abandoned run does if its wait ever ends (its store is closed by then) must not crash the exit.
      running.catch(() => undefined);
      return await abandonHungRun(app, options, runId, { store: stores.store, clock: files.clock, limitMs });
    }
    say(`\nrun ${runId}: ${result.status}, exit code ${result.exitCode}`);
    for (const file of result.files) say(`  ${file.label}: ${file.path}`);
    say(`  log: ${join(app.config.files.logDir, 'rebalancer.log')}`);
    return result.exitCode;
  } catch (error) {
    return await reportFailure(error, app, options, runId);
  } finally {
    // Closing can fail too (a disk gone bad); the run's outcome is decided, so it is logged, not thrown.
    for (const close of [() => stores?.close(), () => lock?.release({ forget: forgetLock })]) {
      try {
        close();
      } catch (error) {
        app.logger.error({ err: error }, 'could not close after the run');
        options.err(
          redactSecrets(`warning: could not close after the run: ${error instanceof Error ? error.message : String(error)}`, app.secrets),
        );
      }
    }
  }
}

/** The run's settings, with the note its alert carries when it fails near IB Gateway's daily restart. */
function withRestartNote(settings: RunSettings, note: string | undefined): RunSettings {
  return note === undefined ? settings : { ...settings, notify: { ...settings.notify, nearGatewayRestart: note } };
}

/** `promise`, or 'hung' after `ms`; the timer never keeps the process alive by itself. */
async function beforeDeadline<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The backstop: a run that has not returned by its deadline plus the grace is waiting on something that will not
 * answer. Record it as failed (when the store still works), queue its alert in the outbox (a file: no network
 * wait, the next run sends it), and say so; the caller releases the lock and ends the process with exit 1.
 * Orders it may have sent are at the broker under their orderRef: the next run reconciles them.
 */
async function abandonHungRun(
  app: AppContext,
  options: HourlyJobOptions,
  runId: string,
  run: { store: RunStore; clock: Clock; limitMs: number },
): Promise<ExitCode> {
  const text = (message: string): string => redactSecrets(message, app.secrets);
  const minutes = app.config.schedule.runDeadlineMinutes;
  const error =
    `the run did not finish within ${Math.round(run.limitMs / 1000)} s (RUN_DEADLINE_MINUTES=${minutes} and a grace period): ` +
    'a wait that never ended (a peer that stopped answering); the process exits so that the next run is not locked out; ' +
    'any order it sent is reconciled by the next run';
  const breach: Breach = { code: 'RUN_DEADLINE', detail: error };
  const now = run.clock.now();
  app.logger.error({ runId }, error);
  options.err(text(`run ${runId} failed: ${error}`));
  try {
    run.store.recordBreaches(runId, [breach]);
    run.store.finishRun(runId, { finishedAt: now, status: 'failed', exitCode: ExitCode.failed, error, tradingState: 'HALTED' });
  } catch (failure) {
    app.logger.error({ err: failure }, 'could not record the hung run');
    options.err(text(`warning: could not record the hung run: ${failure instanceof Error ? failure.message : String(failure)}`));
  }
  const alert = renderAlert({
    account: app.config.broker.ibAccount ?? 'unknown account',
    runId,
    outcome: 'FAILED',
    now,
    tradingState: 'HALTED',
    breaches: [breach],
    error,
    files: [{ label: 'database', path: databaseFile(app.config) }],
    exitCode: ExitCode.failed,
  });
  // The outbox only: the network may be what hangs. Bounded all the same (a disk that stopped answering).
  const queued = await beforeDeadline(createMailerFor(app, now, { outboxOnly: true }).send(alert), 10_000);
  options.err(
    text(queued === 'hung' ? `alert not queued (the outbox did not answer): ${alert.subject}` : `alert email queued: ${alert.subject}`),
  );
  // Pushed too, within the same bound: each service has its own deadline (PUSH_TIMEOUT_MS), and this caps them all.
  const pushed = await beforeDeadline(pushFailure(app, options, { runId, now, breaches: [breach], error }), 10_000);
  if (pushed === 'hung') options.err('push not sent: the push services did not answer in time');
  return ExitCode.failed;
}

/**
 * Failures before the run could start: the lock, the database, the broker's construction. Every one but
 * the lock (a normal, expected overlap) and configuration (a person is at the keyboard) is alerted.
 */
async function reportFailure(error: unknown, app: AppContext, options: HourlyJobOptions, runId: string): Promise<ExitCode> {
  const text = (message: string): string => redactSecrets(message, app.secrets);
  if (error instanceof LockHeldError) {
    options.err(text(`not run: ${error.message}`));
    app.logger.warn({ err: error }, 'lock held');
    return ExitCode.locked;
  }
  if (error instanceof ConfigError) {
    options.err(text(`configuration error: ${error.message}`));
    return ExitCode.usage;
  }
  app.logger.error({ err: error }, 'run could not start');
  const kind = error instanceof StorageError ? 'storage error' : 'error';
  const message = `${kind}: ${error instanceof Error ? error.message : String(error)}`;
  options.err(text(`run failed, no orders sent: ${message}`));
  const alert = renderAlert({
    account: app.config.broker.ibAccount ?? 'unknown account',
    runId,
    outcome: 'FAILED',
    now: options.now,
    tradingState: 'HALTED',
    breaches: [],
    error: message,
    files: [{ label: 'database', path: databaseFile(app.config) }],
    exitCode: ExitCode.failed,
  });
  const sent = await createMailerFor(app, options.now).send(alert);
  options.err(text(`alert email ${sent.status === 'sent' ? 'sent' : `queued in ${sent.file}`}: ${alert.subject}`));
  await pushFailure(app, options, { runId, now: options.now, breaches: [], error: message });
  return ExitCode.failed;
}

/** A failure the job itself alerts (the run could not start, or hung): pushed as the run's own alerts are. */
async function pushFailure(
  app: AppContext,
  options: HourlyJobOptions,
  f: { runId: string; now: string; breaches: Breach[]; error: string },
): Promise<void> {
  const { push } = pushOf(app.config);
  if (push === undefined) return;
  const text = (message: string): string => redactSecrets(message, app.secrets);
  await pushAll(
    { push, logger: app.logger, out: (...lines) => lines.forEach((l) => options.err(text(l))) },
    renderPush({
      account: app.config.broker.ibAccount ?? 'unknown account',
      runId: f.runId,
      outcome: 'FAILED',
      now: f.now,
      tradingState: 'HALTED',
      breaches: f.breaches,
      error: f.error,
      exitCode: ExitCode.failed,
    }),
  );
}
