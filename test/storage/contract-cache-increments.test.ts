import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import type { ContractInfo } from '../../src/core/types.js';

/**
 * The contract cache keeps a listing's price bands (IB's market rule, migration 0019): read back without them, an SEHK
 * or TSEJ line would be priced on its minTick and refused by IB (110).
 */

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-increments-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const toyota: ContractInfo = {
  symbol: '7203',
  conId: 13905,
  minTick: 1,
  primaryExchange: 'TSEJ',
  currency: 'JPY',
  priceIncrements: [
    { lowEdge: 0, increment: 1 },
    { lowEdge: 3000, increment: 5 },
    { lowEdge: 5000, increment: 10 },
  ],
};
const spy: ContractInfo = { symbol: 'SPY', minTick: 0.01, primaryExchange: 'ARCA', currency: 'USD' };

describe('the contract cache and price bands', () => {
  it('round-trips a listing’s bands, and a listing without any stays without', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const cache = new SqliteContractCache(file);
    cache.put([toyota, spy], '2026-11-24T02:00:00Z');
    cache.close();
    const again = new SqliteContractCache(file);
    expect(again.get(['7203', 'SPY'])).toEqual({
      '7203': { ...toyota, cachedAt: '2026-11-24T02:00:00Z' },
      SPY: { ...spy, cachedAt: '2026-11-24T02:00:00Z' },
    });
    again.close();
  });

  it('a row whose bands do not read back as usable bands is not served (the contract is asked for again)', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const cache = new SqliteContractCache(file);
    cache.put([toyota, spy], '2026-11-24T02:00:00Z');
    const db = openDatabase(file);
    db.prepare(`UPDATE contract_cache SET price_increments = '[{"lowEdge":5,"increment":1}]' WHERE symbol = '7203'`).run();
    db.close();
    expect(Object.keys(cache.get(['7203', 'SPY']))).toEqual(['SPY']);
    cache.close();
  });

  it('migration 0019 drops the rows cached without bands, which were read before rules were asked', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    const at = MIGRATIONS.findIndex((m) => m.id === '0019_price_increments');
    expect(at).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, at));
    db.exec(`INSERT INTO contract_cache (symbol, min_tick, primary_exchange, currency, cached_at)
      VALUES ('7203', 1, 'TSEJ', 'JPY', '2026-11-24T01:00:00Z')`);
    expect(applyMigrations(db, file)[0]).toBe('0019_price_increments');
    db.close();
    const cache = new SqliteContractCache(file);
    expect(cache.get(['7203'])).toEqual({});
    cache.close();
  });
});
