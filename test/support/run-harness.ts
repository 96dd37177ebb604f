import { join } from 'node:path';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { createLogger } from '../../src/log/logger.js';
import { runRebalance, type RunResult, type RunSettings } from '../../src/run/rebalance-run.js';
import { newRunId } from '../../src/run/run-id.js';
import type { Broker } from '../../src/ports/broker.js';

/** Settings as the defaults of .env.example, rooted in a test directory. */
export function testSettings(root: string, overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    brokerName: 'sim',
    tradingMode: 'paper',
    cancelScope: 'own',
    forecastDir: join(root, 'forecasts'),
    dataDir: join(root, 'data'),
    maxForecastAgeHours: 26,
    sizing: { cashBufferPct: 2, noTradeBandPct: 0.5, minOrderValue: 100, limitOffsetBps: 10, adaptivePriority: 'Normal', commissionModel: 'fixed', allowShort: false },
    limits: {
      maxLeverage: 2, maxPositionPct: 40, maxOrderValue: 50_000, maxOrderPct: 50, maxTurnoverPct: 150, maxDailyTurnoverPct: 300,
      maxOrdersPerRun: 40, priceCollarPct: 5, maxNavJumpPct: 10, maxDailyLossPct: 5, minCushion: 0.05,
    },
    adaptivePriority: 'Normal',
    orderStatusWindowMs: 0,
    noTradeFirstMinutes: 0,
    noTradeLastMinutes: 0,
    notify: { alertRepeatMinutes: 180, heartbeatTimeoutMs: 1000 },
    ...overrides,
  };
}

export interface HarnessOptions {
  settings?: Partial<RunSettings>;
  smtpUrl?: string;
  broker?: (dataDir: string, now: string) => Broker;
  out?: (...lines: string[]) => void;
}

/** One hourly run, built the way the job builds it: a fresh broker and database connection per process. */
export async function hourlyRun(root: string, now: string, options: HarnessOptions = {}): Promise<RunResult> {
  const s = testSettings(root, options.settings);
  const db = openDatabase(join(s.dataDir, 'rebalancer.sqlite'));
  try {
    return await runRebalance({
      runId: newRunId(now),
      now,
      dryRun: false,
      settings: s,
      broker: options.broker?.(s.dataDir, now) ?? new SimBroker({ dataDir: s.dataDir, seed: 7, now, commissionModel: 'fixed' }),
      store: new SqliteStore(db),
      reports: new SqliteReportStore(db),
      mailer: createMailer({
        smtpUrl: options.smtpUrl, from: 'rebalancer@localhost', to: 'trader@example.com', outboxDir: join(s.dataDir, 'outbox'),
        timeoutMs: 2000, secrets: [], now: () => new Date(now),
      }),
      logger: createLogger({ logDir: join(root, 'logs'), level: 'silent', secrets: [] }),
      out: options.out ?? (() => undefined),
    });
  } finally {
    db.close();
  }
}
