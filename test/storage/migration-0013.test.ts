import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0013 (the realized P&L of the day in the daily table)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const at = MIGRATIONS.findIndex((m) => m.id === '0013_daily_realized');

  it('a daily row written before it reads back without a realized figure (not a zero); new rows carry it', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO daily (trading_day, closing_nlv, change, turnover, commissions, fills, recorded_at)
      VALUES ('2026-11-19', 100000, 12.5, 1900, 1, 1, '2026-11-19T21:05:00.000Z')`);
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0013_daily_realized']);
    const reports = new SqliteReportStore(db);
    reports.recordDailyRow(
      { tradingDay: '2026-11-20', closingNlv: 100_100, change: 100, turnover: 0, commissions: 0, fills: 0, realized: -3.25 },
      '2026-11-20T21:05:00.000Z',
    );
    expect(reports.dailyRowsBefore('2026-11-23', 5)).toStrictEqual([
      { tradingDay: '2026-11-19', closingNlv: 100_000, change: 12.5, turnover: 1900, commissions: 1, fills: 1 },
      { tradingDay: '2026-11-20', closingNlv: 100_100, change: 100, turnover: 0, commissions: 0, fills: 0, realized: -3.25 },
    ]);
    db.close();
  });
});
