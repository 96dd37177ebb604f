/**
 * The hourly rebalance job: what cron starts every hour. Takes the lock, builds the adapters, runs,
 * and returns the exit code of DESIGN.md (0 done, 1 failed, 2 configuration, 3 blocked, 4 locked).
 */
import { join } from 'node:path';
import { ConfigError, ExitCode, LockHeldError, StorageError } from '../errors.js';
import { newRunId } from '../run/run-id.js';
import { acquireRunLock, type RunLock } from '../adapters/files/run-lock.js';
import { runRebalance } from '../run/rebalance-run.js';
import { redactSecrets } from '../log/redact.js';
import {
  checkBrokerFiles,
  createBroker,
  createMailerFor,
  databaseFile,
  filePortsOf,
  openApp,
  openStores,
  runSettingsOf,
  type AppContext,
} from './compose.js';
import { renderAlert } from '../report/render-alert.js';

export interface HourlyJobOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  now: string;
  dryRun: boolean;
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runHourlyRebalance(options: HourlyJobOptions): Promise<ExitCode> {
  const runId = newRunId(options.now);
  let app: AppContext;
  try {
    app = openApp(options.cwd, options.env, { runId, warn: options.err });
    checkBrokerFiles(app.config);
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
  let stores: ReturnType<typeof openStores> | undefined;
  try {
    lock = acquireRunLock(join(app.config.files.dataDir, 'run.lock'), { pid: process.pid, startedAt: options.now, runId });
    stores = openStores(app.config);
    const files = filePortsOf(app.config, options.now);
    // The run must be able to record what it trades: find out now, before IB is touched, not after the orders.
    files.records.assertTradesWritable();
    const broker = createBroker(app.config, options.now, false, app.logger);
    const result = await runRebalance({
      runId,
      dryRun: options.dryRun,
      settings: runSettingsOf(app.config),
      ...files,
      broker,
      store: stores.store,
      reports: stores.reports,
      mailer: createMailerFor(app, options.now),
      logger: app.logger,
      out: say,
    });
    say(`\nrun ${runId}: ${result.status}, exit code ${result.exitCode}`);
    for (const file of result.files) say(`  ${file.label}: ${file.path}`);
    say(`  log: ${join(app.config.files.logDir, 'rebalancer.log')}`);
    return result.exitCode;
  } catch (error) {
    return await reportFailure(error, app, options, runId);
  } finally {
    // Closing can fail too (a disk gone bad); the run's outcome is decided, so it is logged, not thrown.
    for (const close of [() => stores?.close(), () => lock?.release()]) {
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
  return ExitCode.failed;
}
