import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { aSnapshot, makeTempDir } from './fixtures.js';

/**
 * Migration 0015: cash per currency with each snapshot, and v_latest_cash, the latest snapshot's cash by currency
 * with its rates, one SELECT away.
 */

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  await cleanup();
});

describe('migration 0015: snapshot_cash', () => {
  it('v_latest_cash lists the latest snapshot cash by currency, the base first, with the rates and their time', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const store = new SqliteStore(file, { now: () => '2026-11-20T16:00:00.000Z' });
    const start = (runId: string, startedAt: string) => store.startRun({ runId, startedAt, tradingDay: '2026-11-20', dryRun: false });
    start('r1', '2026-11-20T15:30:00.000Z');
    start('r2', '2026-11-20T16:30:00.000Z');
    const at = '2026-11-20T16:30:01Z';
    store.recordSnapshot('r1', aSnapshot({ cashBalances: [{ currency: 'USD', cash: 5, exchangeRate: 1, rateReadAt: at }] }), []);
    store.recordSnapshot(
      'r2',
      aSnapshot({
        currency: 'SGD',
        cashBalances: [
          { currency: 'SGD', cash: 150_000, exchangeRate: 1, rateReadAt: at },
          { currency: 'USD', cash: -200.5, exchangeRate: 1.351234, rateReadAt: at },
          { currency: 'GBP', cash: 10, rateReadAt: at },
        ],
      }),
      [],
    );
    store.close();
    const db = openDatabase(file);
    expect(db.prepare('SELECT currency, cash, exchange_rate, rate_read_at, base_currency, run_id FROM v_latest_cash').all()).toEqual([
      { currency: 'SGD', cash: 150_000, exchange_rate: 1, rate_read_at: at, base_currency: 'SGD', run_id: 'r2' },
      { currency: 'USD', cash: -200.5, exchange_rate: 1.351234, rate_read_at: at, base_currency: 'SGD', run_id: 'r2' },
      { currency: 'GBP', cash: 10, exchange_rate: null, rate_read_at: at, base_currency: 'SGD', run_id: 'r2' },
    ]);
    db.close();
  });
});
