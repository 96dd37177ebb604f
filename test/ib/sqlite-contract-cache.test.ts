import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'contract-cache-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const aapl = {
  symbol: 'AAPL',
  conId: 265598,
  minTick: 0.01,
  primaryExchange: 'NASDAQ',
  currency: 'USD',
  timeZone: 'US/Eastern',
  liquidHours: '20261123:0930-20261123:1600',
  tradingHours: '20261123:0400-20261123:2000',
};

describe('SqliteContractCache', () => {
  it('stores contracts with their time and reads back only the symbols asked for', () => {
    const cache = new SqliteContractCache(join(dir, 'rebalancer.sqlite'));
    cache.put([aapl, { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' }], '2026-11-23T15:00:00Z');
    expect(cache.get(['AAPL', 'MSFT'])).toEqual({ AAPL: { ...aapl, cachedAt: '2026-11-23T15:00:00Z' } });
    expect(cache.get(['SPY']).SPY).toEqual({
      symbol: 'SPY',
      minTick: 0.01,
      primaryExchange: 'ARCA',
      currency: 'USD',
      cachedAt: '2026-11-23T15:00:00Z',
    });
    expect(cache.get([])).toEqual({});
    cache.close();
  });

  it('replaces an entry, and keeps it across connections to the same file', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const first = new SqliteContractCache(file);
    first.put([aapl], '2026-11-22T15:00:00Z');
    first.put([{ ...aapl, minTick: 0.005 }], '2026-11-23T15:00:00Z');
    first.close();
    const second = new SqliteContractCache(file);
    expect(second.get(['AAPL']).AAPL).toMatchObject({ minTick: 0.005, cachedAt: '2026-11-23T15:00:00Z' });
    second.close();
  });

  it('works over a connection it was given, and leaves it open', () => {
    const db = openDatabase(join(dir, 'rebalancer.sqlite'));
    const cache = new SqliteContractCache(db);
    cache.put([aapl], '2026-11-23T15:00:00Z');
    cache.close();
    expect(db.prepare('SELECT COUNT(*) AS n FROM contract_cache').get()).toEqual({ n: 1 });
    db.close();
  });

  it('fails with a StorageError naming the file when the database cannot be opened', () => {
    const cache = new SqliteContractCache(join(dir, 'missing-dir', 'x', '\0bad'));
    expect(() => cache.get(['AAPL'])).toThrow(/could not/);
  });
});
