import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import { SimBroker } from '../../src/adapters/sim/sim-broker.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { createMailer } from '../../src/adapters/email/create-mailer.js';
import { createLogger } from '../../src/log/logger.js';
import { runRebalance, type RunResult, type RunSettings } from '../../src/run/rebalance-run.js';
import { newRunId } from '../../src/run/run-id.js';
import { writeForecast } from '../support/cli.js';

const settings = (root: string): RunSettings => ({
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
});

/** One hourly run, built the way the job builds it: a fresh broker and store per process. */
async function hourlyRun(root: string, now: string): Promise<RunResult> {
  const s = settings(root);
  const store = new SqliteStore(join(s.dataDir, 'rebalancer.sqlite'));
  try {
    return await runRebalance({
      runId: newRunId(now),
      now,
      dryRun: false,
      settings: s,
      broker: new SimBroker({ dataDir: s.dataDir, seed: 7, now, commissionModel: 'fixed' }),
      store,
      mailer: createMailer({ from: 'rebalancer@localhost', outboxDir: join(s.dataDir, 'outbox'), timeoutMs: 2000, secrets: [] }),
      logger: createLogger({ logDir: join(root, 'logs'), level: 'silent', secrets: [] }),
      out: () => undefined,
    });
  } finally {
    store.close();
  }
}

describe('consecutive hourly runs on the sim broker', () => {
  it('sends orders, records their fills in the next runs once each, and snapshots every run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rebalancer-hourly-'));
    mkdirSync(join(root, 'forecasts'));
    // Monday 23 Nov 2026: runs at 09:35 .. 15:35 New York (14:35 .. 20:35 UTC), one an hour, as cron does.
    const hours = [14, 15, 16, 17, 18, 19, 20].map((h) => DateTime.fromISO(`2026-11-23T${h}:35:00Z`).toUTC().toISO() ?? '');
    const results: RunResult[] = [];
    for (const [i, now] of hours.entries()) {
      // The strategy rewrites its file every hour; halfway through it drops TLT for IEF.
      const weights = i < 3 ? { SPY: 0.4, TLT: 0.3, GLD: 0.2 } : { SPY: 0.4, IEF: 0.3, GLD: 0.2 };
      writeForecast(join(root, 'forecasts'), 'trend.json', { strategy: 'trend', asOf: now, leverage: 1, weights });
      results.push(await hourlyRun(root, now));
    }
    expect(results.map((r) => r.exitCode)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(results[0]?.sent.map((o) => o.symbol).sort()).toEqual(['GLD', 'SPY', 'TLT']);
    // The second run collects what the first left unfilled (or the first filled at once): fills arrive.
    const fillsSeen = results.reduce((n, r) => n + r.newFills.length, 0);
    expect(fillsSeen).toBeGreaterThan(0);
    // Dropping TLT sells it to zero later in the day.
    expect(results.slice(3).some((r) => r.sent.some((o) => o.symbol === 'TLT' && o.action === 'SELL'))).toBe(true);

    const db = new Database(join(root, 'data', 'rebalancer.sqlite'), { readonly: true });
    const fills = db.prepare('SELECT exec_id FROM fills').all() as { exec_id: string }[];
    const snapshots = db.prepare('SELECT run_id FROM snapshots').all() as { run_id: string }[];
    const runs = db.prepare("SELECT id FROM runs WHERE status = 'ok'").all() as { id: string }[];
    const orders = db.prepare('SELECT order_ref FROM orders').all() as { order_ref: string }[];
    db.close();
    expect(new Set(fills.map((f) => f.exec_id)).size).toBe(fills.length);
    expect(snapshots).toHaveLength(hours.length);
    expect(new Set(snapshots.map((s) => s.run_id))).toEqual(new Set(runs.map((r) => r.id)));
    expect(new Set(orders.map((o) => o.order_ref)).size).toBe(orders.length);

    // trades.csv: one row per execution, never twice, same set as the database.
    const csv = readFileSync(join(root, 'data', 'trades.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^exec_id,/);
    const csvIds = csv.slice(1).map((line) => line.split(',')[0]);
    expect(new Set(csvIds).size).toBe(csvIds.length);
    expect(new Set(csvIds)).toEqual(new Set(fills.map((f) => f.exec_id)));

    // Positions converge on the targets: after a day of runs, SPY is within the band of 40% x 98% of NLV.
    const last = results.at(-1)?.plan;
    const spy = last?.lines.find((l) => l.symbol === 'SPY');
    expect(spy).toBeDefined();
    expect(Math.abs((spy?.currentWeight ?? 0) - 0.392)).toBeLessThan(0.02);
  });
});
