import { join } from 'node:path';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { createLogger } from '../../src/log/logger.js';
import { runRebalance, type RunResult, type RunSettings } from '../../src/run/rebalance-run.js';
import { HaltFile } from '../../src/adapters/files/halt-file.js';
import { DataDirRecords } from '../../src/adapters/files/record-files.js';
import { forecastFiles } from '../../src/adapters/files/forecast-files.js';
import { fixedClock } from '../../src/adapters/clock/clocks.js';
import { NYSE_RULES } from '../../src/core/session.js';
import { newRunId } from '../../src/run/run-id.js';
import type { Broker } from '../../src/ports/broker.js';
import type { StatementSource } from '../../src/ports/statements.js';
import type { PreviewPorts } from '../../src/run/preview-plan.js';

/** Settings as the defaults of .env.example. */
export function testSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    brokerName: 'sim',
    tradingMode: 'paper',
    cancelScope: 'own',
    // The suites written before ORDER_UPDATES test cancel-before-planning; test/run/modify-orders.test.ts the default.
    orderUpdates: 'cancel',
    sizing: {
      cashBufferPct: 2,
      noTradeBandPct: 0.5,
      minOrderValue: 100,
      limitOffsetBps: 10,
      adaptivePriority: 'Normal',
      commissionModel: 'fixed',
      allowShort: false,
    },
    limits: {
      maxLeverage: 2,
      maxPositionPct: 40,
      maxOrderValue: 50_000,
      maxOrderPct: 50,
      maxTurnoverPct: 150,
      maxDailyTurnoverPct: 300,
      maxOrdersPerRun: 40,
      priceCollarPct: 5,
      maxNavJumpPct: 10,
      maxDailyLossPct: 5,
      minCushion: 0.05,
    },
    adaptivePriority: 'Normal',
    orderStatusWindowMs: 0,
    noTradeFirstMinutes: 0,
    noTradeLastMinutes: 0,
    runDeadlineMinutes: 45,
    maxPlanAgeMinutes: 10,
    notify: { alertRepeatMinutes: 180 },
    ...overrides,
  };
}

export interface HarnessOptions {
  settings?: Partial<RunSettings>;
  smtpUrl?: string;
  broker?: (dataDir: string, now: string) => Broker;
  out?: (...lines: string[]) => void;
  /** `run --dry-run`: everything but cancels and submissions. */
  dryRun?: boolean;
  /** The broker's statements (IB: Flex), when the test configures them. */
  statements?: StatementSource;
}

/** One hourly run, built the way the job builds it: a fresh broker and database connection per process. */
export async function hourlyRun(root: string, now: string, options: HarnessOptions = {}): Promise<RunResult> {
  const s = testSettings(options.settings);
  const dataDir = join(root, 'data');
  const db = openDatabase(join(dataDir, 'rebalancer.sqlite'));
  try {
    return await runRebalance({
      runId: newRunId(now),
      dryRun: options.dryRun ?? false,
      settings: s,
      clock: fixedClock(now),
      killSwitch: new HaltFile(dataDir),
      records: new DataDirRecords(dataDir),
      forecasts: forecastFiles(join(root, 'forecasts')),
      fallbackRules: NYSE_RULES,
      broker: options.broker?.(dataDir, now) ?? new SimBroker({ dataDir, seed: 7, now, commissionModel: 'fixed' }),
      store: new SqliteStore(db),
      reports: new SqliteReportStore(db),
      mailer: createMailer({
        smtpUrl: options.smtpUrl,
        from: 'rebalancer@localhost',
        to: 'trader@example.com',
        outboxDir: join(dataDir, 'outbox'),
        timeoutMs: 2000,
        secrets: [],
        now: () => new Date(now),
      }),
      logger: createLogger({ logDir: join(root, 'logs'), level: 'silent', secrets: [] }),
      out: options.out ?? (() => undefined),
      ...(options.statements === undefined ? {} : { statements: options.statements }),
    });
  } finally {
    db.close();
  }
}

/** What `rebalancer plan` reads, rooted in a test directory, with the given broker and store. */
export function testPreviewPorts(root: string, broker: Broker, store: PreviewPorts['store']): PreviewPorts {
  return {
    broker,
    store,
    killSwitch: new HaltFile(join(root, 'data')),
    forecasts: forecastFiles(join(root, 'forecasts')),
    fallbackRules: NYSE_RULES,
  };
}
