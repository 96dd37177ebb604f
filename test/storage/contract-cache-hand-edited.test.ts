/**
 * A hand-edited contract_cache row whose bands are not numbers (null, "", true, [5]) is not served: Number() would read
 * them as 0, 1 or 5, a rule IB never gave, and the plan would price on it. The contract is asked of IB again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteContractCache } from '../../src/adapters/sqlite/sqlite-contract-cache.js';
import type { ContractInfo } from '../../src/core/types.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cache-bands-'));
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
  ],
};

describe('a cache row whose bands are not numbers is not served', () => {
  it.each([
    ['null lowEdge, boolean increment', '[{"lowEdge":null,"increment":true}]'],
    ['an empty-string lowEdge and an array increment', '[{"lowEdge":"","increment":1},{"lowEdge":3000,"increment":[5]}]'],
    ['a boolean increment in a later band', '[{"lowEdge":0,"increment":1},{"lowEdge":3000,"increment":true}]'],
  ])('%s', (_name, json) => {
    const file = join(dir, 'rebalancer.sqlite');
    const cache = new SqliteContractCache(file);
    cache.put([toyota], '2026-11-24T02:00:00Z');
    const db = openDatabase(file);
    db.prepare(`UPDATE contract_cache SET price_increments = ? WHERE symbol = '7203'`).run(json);
    db.close();
    // Expected: not served (asked of IB again), as for any other unusable row.
    expect(cache.get(['7203'])['7203']?.priceIncrements).toBeUndefined();
    expect(Object.keys(cache.get(['7203']))).toEqual([]);
    cache.close();
  });
});
