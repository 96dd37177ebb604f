/**
 * The composition root: the only place (with the CLI) that turns configuration into adapters.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../src/config/schema.js';
import { loadConfig, secretsOf } from '../src/config/load-config.js';
import type { Broker } from '../src/ports/broker.js';
import type { Mailer } from '../src/ports/mailer.js';
import { SimBroker } from '../src/adapters/sim/sim-broker.js';
import { SqliteStore } from '../src/adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../src/adapters/sqlite/sqlite-report-store.js';
import { openDatabase } from '../src/adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../src/adapters/sqlite/sqlite-contract-cache.js';
import { IbBroker } from '../src/adapters/ib/ib-broker.js';
import { createMailer } from '../src/adapters/email/create-mailer.js';
import { createLogger } from '../src/log/logger.js';
import type { RunSettings } from '../src/run/rebalance-run.js';

export interface AppContext {
  config: Config;
  warnings: string[];
  secrets: string[];
  logger: Logger;
}

/** Load and validate the configuration (ConfigError on a bad value) and open the log. */
export function openApp(cwd: string, env: NodeJS.ProcessEnv, runId?: string): AppContext {
  const { config, warnings } = loadConfig({ cwd, env });
  const secrets = secretsOf(config);
  const logger = createLogger({ logDir: config.files.logDir, level: config.logLevel, secrets, runId });
  for (const warning of warnings) logger.warn(warning);
  return { config, warnings, secrets, logger };
}

/**
 * The broker named by BROKER. `readOnly` brokers never change their persisted state and never place or cancel
 * orders (`rebalancer plan`). BROKER=ib talks to IB Gateway/TWS (or the simulated gateway) and keeps its
 * contract cache in the run's database.
 */
export function createBroker(config: Config, now: string, readOnly = false, logger?: Logger): Broker {
  const b = config.broker;
  if (b.kind === 'sim') {
    return new SimBroker({
      dataDir: config.files.dataDir,
      scenarioFile: b.simScenario,
      seed: b.simSeed,
      now,
      commissionModel: config.sizing.commissionModel,
      readOnly,
    });
  }
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
export function openStores(config: Config): { store: SqliteStore; reports: SqliteReportStore; close: () => void } {
  const db = openDatabase(databaseFile(config));
  try {
    return { store: new SqliteStore(db), reports: new SqliteReportStore(db), close: () => db.close() };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The mailer of EMAIL settings; `now` names queued files after the run's (possibly pinned) clock. */
export function createMailerFor(app: AppContext, now?: string): Mailer {
  const { email, files } = app.config;
  return createMailer({
    smtpUrl: email.smtpUrl,
    from: email.mailFrom,
    to: email.mailTo,
    outboxDir: join(files.dataDir, 'outbox'),
    timeoutMs: email.timeoutMs,
    secrets: app.secrets,
    now: now === undefined ? undefined : () => new Date(now),
  });
}

/** The run's view of the configuration. */
export function runSettingsOf(config: Config): RunSettings {
  return {
    brokerName: config.broker.kind,
    expectedAccount: config.broker.ibAccount,
    tradingMode: config.broker.tradingMode,
    cancelScope: config.broker.cancelScope,
    forecastDir: config.files.forecastDir,
    dataDir: config.files.dataDir,
    maxForecastAgeHours: config.maxForecastAgeHours,
    sizing: config.sizing,
    limits: config.limits,
    adaptivePriority: config.sizing.adaptivePriority,
    orderStatusWindowMs: config.broker.orderStatusWindowMs,
    noTradeFirstMinutes: config.schedule.noTradeFirstMinutes,
    noTradeLastMinutes: config.schedule.noTradeLastMinutes,
    notify: {
      alertRepeatMinutes: config.email.alertRepeatMinutes,
      heartbeatUrl: config.schedule.heartbeatUrl,
      heartbeatTimeoutMs: config.schedule.heartbeatTimeoutMs,
      expectedAccount: config.broker.ibAccount,
    },
  };
}
