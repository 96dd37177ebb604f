/**
 * The composition root: the only place that turns configuration into adapters. The CLI commands and the jobs
 * ask it for what they need; the run and the reports see only ports.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { loadConfig, secretsOf } from '../config/load-config.js';
import { describeHome, HomeError, type Home } from '../config/home.js';
import type { Broker } from '../ports/broker.js';
import type { Mailer } from '../ports/mailer.js';
import { SqliteStore } from '../adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../adapters/sqlite/sqlite-report-store.js';
import { openDatabase } from '../adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../adapters/sqlite/sqlite-contract-cache.js';
import { lazyMailer } from './lazy-mailer.js';
import { createLogger, deferredLogger } from '../log/logger.js';
import type { RunPorts, RunSettings } from '../run/run-types.js';
import type { PreviewPorts } from '../run/preview-plan.js';
import type { Clock } from '../ports/clock.js';
import type { ForecastSource } from '../ports/forecast-source.js';
import type { KillSwitch } from '../ports/kill-switch.js';
import { NYSE_RULES, type SessionRules } from '../core/session.js';
import { sessionRulesOf } from '../core/session-rules.js';
import { HaltFile } from '../adapters/files/halt-file.js';
import { httpHeartbeat } from '../adapters/heartbeat/ping-heartbeat.js';
import { webhookPush } from '../adapters/push/webhook.js';
import { ntfyPush } from '../adapters/push/ntfy.js';
import type { Push } from '../ports/push.js';
import { advancingClock } from '../adapters/clock/clocks.js';
import type { FlexSourceOptions } from '../adapters/flex/flex-source.js';
import type { BrokerStatement, StatementSource } from '../ports/statements.js';

export interface AppContext {
  config: Config;
  warnings: string[];
  secrets: string[];
  logger: Logger;
}

export interface OpenAppOptions {
  /** Bound to every log line. */
  runId?: string;
  /** Where warnings are printed, one line each (default: stderr), besides the log. */
  warn?: (line: string) => void;
  /** The directory the command was started in, when `cwd` is the home found from it: file names in messages. */
  workingDir?: string;
  /**
   * The log opened (and pino loaded) only when something is logged: for the read-only commands (start-up time).
   * The hourly job opens it at once, so that a log it cannot write fails it before it starts.
   */
  deferLog?: boolean;
}

/**
 * Load and validate the configuration (ConfigError on a bad value) and open the log. Warnings (a misspelt
 * variable, an env file other users can read) are logged and printed: a person running a command sees them,
 * and cron mails them.
 */
export function openApp(cwd: string, env: NodeJS.ProcessEnv, o: OpenAppOptions = {}): AppContext {
  const loaded = loadConfig({ cwd, env, workingDir: o.workingDir });
  const { config } = loaded;
  const warnings = [...(loaded.permissionWarning === undefined ? [] : [loaded.permissionWarning]), ...loaded.warnings];
  const secrets = secretsOf(config);
  const logOptions = { logDir: config.files.logDir, level: config.logLevel, secrets, runId: o.runId };
  const logger = o.deferLog === true ? deferredLogger(logOptions) : createLogger(logOptions);
  const warn = o.warn ?? ((line: string) => void process.stderr.write(`${line}\n`));
  for (const warning of warnings) {
    logger.warn(warning);
    warn(`warning: ${warning}`);
  }
  return { config, warnings, secrets, logger };
}

/**
 * Checks, before anything is locked, opened or connected, what the broker will read at connect: the sim
 * broker's scenario file. A bad one is a ConfigError naming the file and the field (exit 2), not a failed
 * run. Rejects; resolves to nothing.
 */
export async function checkBrokerFiles(config: Config): Promise<void> {
  if (config.broker.kind === 'sim' && config.broker.simScenario !== undefined) {
    const { loadScenario } = await import('../sim/scenario.js');
    loadScenario(config.broker.simScenario);
  }
}

/**
 * The broker named by BROKER. `readOnly` brokers never change their persisted state and never place or cancel
 * orders (`rebalancer plan`). BROKER=ib talks to IB Gateway/TWS (or the simulated gateway) and keeps its
 * contract cache in the run's database. Each broker's modules are loaded when it is made: the IB client costs
 * about 120 ms and 20 MB at start-up, which a sim run or a command without a broker need not pay.
 */
export async function createBroker(config: Config, now: string, readOnly = false, logger?: Logger): Promise<Broker> {
  const b = config.broker;
  if (b.kind === 'sim') {
    const { SimBroker } = await import('../adapters/sim/sim-broker.js');
    return new SimBroker({
      dataDir: config.files.dataDir,
      scenarioFile: b.simScenario,
      seed: b.simSeed,
      now,
      commissionModel: config.sizing.commissionModel,
      readOnly,
    });
  }
  const { IbBroker } = await import('../adapters/ib/ib-broker.js');
  return new IbBroker({
    host: b.ibHost,
    port: b.ibPort,
    clientId: b.ibClientId,
    account: b.ibAccount,
    timeoutMs: b.timeoutMs,
    connectRetries: b.connectRetries,
    cancelTimeoutMs: b.cancelTimeoutMs,
    marketDataType: b.marketDataType,
    marketDataLines: b.marketDataLines,
    marketDataTimeoutMs: b.marketDataTimeoutMs,
    messagesPerSecond: b.messagesPerSecond,
    contractCache: new SqliteContractCache(databaseFile(config)),
    now: () => now,
    readOnly,
    log: logger,
  });
}

export function databaseFile(config: Config): string {
  return join(config.files.dataDir, 'rebalancer.sqlite');
}

export function openStore(config: Config): SqliteStore {
  return new SqliteStore(databaseFile(config));
}

/** The run's records and the reports' queries on one connection to the database. */
export function openStores(config: Config): {
  store: SqliteStore;
  reports: SqliteReportStore;
  recordedSessionRules: () => SessionRules;
  close: () => void;
} {
  const db = openDatabase(databaseFile(config));
  try {
    const store = new SqliteStore(db);
    const recordedSessionRules = (): SessionRules => sessionRulesOf(new SqliteContractCache(db).get(store.managedSymbols())).rules;
    return { store, reports: new SqliteReportStore(db), recordedSessionRules, close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * The mailer of EMAIL settings; `now` names queued files after the run's (possibly pinned) clock. `outboxOnly`:
 * every message is written to the outbox, never sent (no network wait; the next run's mailer sends it). The
 * mailer's modules are loaded when a message is first sent, or the outbox has one waiting (lazy-mailer.ts).
 */
export function createMailerFor(app: AppContext, now?: string, o: { outboxOnly?: boolean } = {}): Mailer {
  const { email, files } = app.config;
  return lazyMailer({
    smtpUrl: o.outboxOnly === true ? undefined : email.smtpUrl,
    from: email.mailFrom,
    to: email.mailTo,
    outboxDir: join(files.dataDir, 'outbox'),
    timeoutMs: email.timeoutMs,
    secrets: app.secrets,
    now: now === undefined ? undefined : () => new Date(now),
    // A message set aside or left waiting goes to the log as well as to the console.
    onNotice: (text) => {
      app.logger.warn({ notice: text }, 'email notice');
      process.stderr.write(`warning: ${text}\n`);
    },
  });
}

/** The run's view of the configuration. */
export function runSettingsOf(config: Config): RunSettings {
  return {
    brokerName: config.broker.kind,
    expectedAccount: config.broker.ibAccount,
    tradingMode: config.broker.tradingMode,
    cancelScope: config.broker.cancelScope,
    orderUpdates: config.broker.orderUpdates,
    maxForecastAgeSessions: config.maxForecastAgeSessions,
    maxForecastAgeHours: config.maxForecastAgeHours,
    sizing: config.sizing,
    limits: config.limits,
    adaptivePriority: config.sizing.adaptivePriority,
    orderStatusWindowMs: config.broker.orderStatusWindowMs,
    noTradeFirstMinutes: config.schedule.noTradeFirstMinutes,
    noTradeLastMinutes: config.schedule.noTradeLastMinutes,
    runDeadlineMinutes: config.schedule.runDeadlineMinutes,
    maxPlanAgeMinutes: config.schedule.maxPlanAgeMinutes,
    maxClockSkewSeconds: config.schedule.maxClockSkewSeconds,
    notify: {
      alertRepeatMinutes: config.email.alertRepeatMinutes,
      expectedAccount: config.broker.ibAccount,
    },
  };
}

/** The kill switch of DATA_DIR (the HALT file). */
export function killSwitchOf(config: Config): KillSwitch {
  return new HaltFile(config.files.dataDir);
}

/**
 * The calendar for what happens before any contract's hours are read (a run that cannot reach the broker, the
 * report command): the NYSE rules, chosen here explicitly. Once contracts are read, their liquid hours decide.
 */
export const FALLBACK_SESSION_RULES = NYSE_RULES;

/**
 * The file and clock ports a run or a preview reads and writes, from the configuration. The clock reads `now`
 * first (the machine's time at the start, or the pinned `--now`), then advances with the machine's clock: the
 * system clock, and a pinned run sees time pass too, so the checks before each order work in both. The record files'
 * and the forecasts' modules are loaded here, not by every command that opens the composition root.
 */
export async function filePortsOf(
  config: Config,
  now: string,
): Promise<Pick<RunPorts, 'killSwitch' | 'records' | 'forecasts' | 'heartbeat' | 'push' | 'clock' | 'fallbackRules'>> {
  const clock: Clock = advancingClock(now);
  const heartbeatUrl = config.schedule.heartbeatUrl;
  const { DataDirRecords } = await import('../adapters/files/record-files.js');
  return {
    killSwitch: killSwitchOf(config),
    records: new DataDirRecords(config.files.dataDir),
    forecasts: await forecastSourceOf(config),
    ...(heartbeatUrl === undefined ? {} : { heartbeat: httpHeartbeat(heartbeatUrl, config.schedule.heartbeatTimeoutMs) }),
    ...pushOf(config),
    clock,
    fallbackRules: FALLBACK_SESSION_RULES,
  };
}

/** The push services configured (PUSH_WEBHOOK_URL, NTFY_URL): none when neither is set. */
export function pushOf(config: Config): Pick<RunPorts, 'push'> {
  const { webhookUrl, ntfyUrl, ntfyToken, timeoutMs } = config.push;
  const secrets = secretsOf(config);
  const push: Push[] = [
    ...(webhookUrl === undefined ? [] : [webhookPush({ url: webhookUrl, timeoutMs, secrets })]),
    ...(ntfyUrl === undefined
      ? []
      : [ntfyPush({ url: ntfyUrl, timeoutMs, secrets, ...(ntfyToken === undefined ? {} : { token: ntfyToken }) })]),
  ];
  return push.length === 0 ? {} : { push };
}

/**
 * The broker's statements, for the orders whose outcome left the live API's view: IB's Flex Web Service when the
 * broker is IB and FLEX_TOKEN and FLEX_QUERY_ID are set; none otherwise (the sim broker keeps its own history).
 */
export function statementsOf(config: Config, logger?: Logger): Pick<RunPorts, 'statements'> {
  const { token, queryId } = config.flex;
  if (config.broker.kind !== 'ib' || token === undefined || token === '' || queryId === undefined || queryId === '') return {};
  const log = logger === undefined ? undefined : { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) };
  return { statements: new LazyFlexStatements(config, queryId, log === undefined ? {} : { log }) };
}

/**
 * IB's Flex Web Service, loaded when a run first asks it for a statement: its XML parser costs about 20 MB, and
 * most runs never need a statement.
 */
class LazyFlexStatements implements StatementSource {
  readonly name: string;
  private source: Promise<StatementSource> | undefined;

  constructor(
    private readonly config: Config,
    queryId: string,
    private readonly options: FlexSourceOptions,
  ) {
    this.name = `IB Flex Web Service (query ${queryId})`;
  }

  async statement(account: string, fromDate: string, toDate: string): Promise<BrokerStatement> {
    this.source ??= import('../adapters/flex/flex-source.js').then((m) => {
      const made = m.flexStatementSource(this.config, this.options);
      if (made === undefined) throw new Error('FLEX_TOKEN and FLEX_QUERY_ID are not both set');
      return made;
    });
    return (await this.source).statement(account, fromDate, toDate);
  }
}

/**
 * What `rebalancer plan` reads: a read-only broker, the records, the kill switch, the forecasts, and the broker's
 * statements as a run would read them (so that plan and run agree on flows and splits).
 */
export async function previewPortsOf(config: Config, now: string, store: PreviewPorts['store']): Promise<PreviewPorts> {
  return {
    ...statementsOf(config),
    broker: await createBroker(config, now, true),
    store,
    killSwitch: killSwitchOf(config),
    forecasts: await forecastSourceOf(config),
    fallbackRules: FALLBACK_SESSION_RULES,
    databasePath: databaseFile(config),
  };
}

/** The forecast files of FORECAST_DIR, read as a run reads them. */
export async function forecastSourceOf(config: Config): Promise<ForecastSource> {
  const { forecastFiles } = await import('../adapters/files/forecast-files.js');
  return forecastFiles(config.files.forecastDir, { maxTickers: config.maxTickers });
}

/** The database, when it exists: no command but `run` ever creates it. */
export function existingDatabase(config: Config): string | undefined {
  const file = databaseFile(config);
  return existsSync(file) ? file : undefined;
}

/**
 * The records' store for a command other than `run`: the database must exist already, since opening a missing
 * one would create a new, empty set of records (exit 2, nothing created).
 */
export function openExistingStore(config: Config): SqliteStore {
  const file = existingDatabase(config);
  if (file === undefined) throw new HomeError(noRecordsYet(config));
  return new SqliteStore(file);
}

/** Why a command that reads the records cannot: there are none yet. */
export function noRecordsYet(config: Config): string {
  return `no records yet: the database ${databaseFile(config)} does not exist (nothing was created); the first \`rebalancer run\` in this home creates it`;
}

/** One line: the home a command works in and the database it reads. */
export function recordsLine(home: Home, config: Config): string {
  return `${describeHome(home)}, database ${databaseFile(config)}`;
}

/**
 * Records a `halt` or `resume` in the database, when there is one; the kill switch itself is the HALT file, so
 * whether it is on never depends on this. Waits at most 2 s for a run that holds the database. Returns the
 * database written, or undefined when there is none yet (none is created).
 *
 * @throws StorageError naming the database (locked, corrupt, not a database, read-only).
 */
export function recordHaltEvent(
  config: Config,
  event: { action: 'halt' | 'resume'; reason: string; at: string; source: string },
): string | undefined {
  const file = existingDatabase(config);
  if (file === undefined) return undefined;
  const db = openDatabase(file, { busyTimeoutMs: 2000 });
  try {
    new SqliteStore(db).recordHaltEvent(event);
  } finally {
    db.close();
  }
  return file;
}

/**
 * `rebalancer plan` in a home whose first run has not happened: the plan is made against an empty database in a
 * temporary directory (removed by `close`), so that the preview creates nothing in the home. A broker that
 * caches contracts in the database (IB) caches them there too.
 */
export async function scratchPreviewOf(
  config: Config,
  now: string,
): Promise<{ ports: PreviewPorts; store: SqliteStore; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'rebalancer-plan-'));
  try {
    const store = new SqliteStore(join(dir, 'rebalancer.sqlite'));
    const scratch: Config = { ...config, files: { ...config.files, dataDir: dir } };
    const ports = {
      ...(await previewPortsOf(config, now, store)),
      ...(config.broker.kind === 'ib' ? { broker: await createBroker(scratch, now, true) } : {}),
    };
    return {
      ports,
      store,
      close: () => {
        try {
          store.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
