import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DateTime } from 'luxon';
import type { RunResult } from '../../src/run/rebalance-run.js';
import { writeForecast } from '../support/cli.js';
import { hourlyRun } from '../support/run-harness.js';

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
    const csv = readFileSync(join(root, 'data', 'trades.csv'), 'utf8')
      .trim()
      .split('\n');
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
