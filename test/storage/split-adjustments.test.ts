/**
 * The 'split' kind of ledger adjustment (migration 0010): recorded with its ratio and evidence by SQLite and by the
 * in-memory twin alike, counted in the ledger (v_ledger), refused without them; an older database's adjustments
 * survive the table's rebuild.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import type { LedgerAdjustmentRecord, RunStore } from '../../src/ports/store.js';
import { memoryStores } from '../support/memory-store.js';
import { makeTempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let dir: string;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(async () => {
  await cleanup();
});

const SPLIT: LedgerAdjustmentRecord = {
  symbol: 'AAPL',
  kind: 'split',
  quantity: 441,
  ledgerBefore: 147,
  brokerQuantity: 588,
  reason: '4:1 split (inferred)',
  runId: 'run-1',
  at: '2026-11-24T14:35:00.000Z',
  source: 'run run-1',
  ratio: '4:1',
  evidence: 'quantity 147 -> 588, price 760 -> 190',
};

function bothStores(): { name: string; store: RunStore; close: () => void }[] {
  const sqlite = new SqliteStore(join(dir, 'rebalancer.sqlite'), { now: () => '2026-11-24T14:35:00.000Z' });
  const memory = memoryStores().store;
  return [
    { name: 'sqlite', store: sqlite, close: () => sqlite.close() },
    { name: 'memory', store: memory, close: () => undefined },
  ];
}

describe('ledger adjustments of kind split', () => {
  it('are recorded with their ratio and evidence, and refused without them (or with them on another kind)', () => {
    for (const { name, store, close } of bothStores()) {
      store.startRun({ runId: 'run-1', startedAt: '2026-11-24T14:35:00.000Z', tradingDay: '2026-11-24', dryRun: false });
      const baseline: LedgerAdjustmentRecord = { ...SPLIT, kind: 'baseline', quantity: 147, ratio: undefined, evidence: undefined };
      expect(store.recordLedgerAdjustment(baseline), name).toBe(true);
      expect(store.recordLedgerAdjustment(SPLIT), name).toBe(true);
      expect(store.recordLedgerAdjustment({ ...SPLIT, ratio: undefined }), name).toBe(false);
      expect(store.recordLedgerAdjustment({ ...SPLIT, evidence: undefined }), name).toBe(false);
      expect(store.recordLedgerAdjustment({ ...SPLIT, kind: 'accept' }), name).toBe(false);
      expect(store.ledgerAdjustments(), name).toStrictEqual([
        {
          symbol: 'AAPL',
          kind: 'baseline',
          quantity: 147,
          ledgerBefore: 147,
          brokerQuantity: 588,
          reason: '4:1 split (inferred)',
          runId: 'run-1',
          at: '2026-11-24T14:35:00.000Z',
          source: 'run run-1',
        },
        SPLIT,
      ]);
      close();
    }
  });

  it('count in v_ledger', () => {
    const file = join(dir, 'rebalancer.sqlite');
    const store = new SqliteStore(file, { now: () => '2026-11-24T14:35:00.000Z' });
    store.startRun({ runId: 'run-1', startedAt: '2026-11-24T14:35:00.000Z', tradingDay: '2026-11-24', dryRun: false });
    store.addManagedSymbols(['AAPL'], 'run-1');
    store.recordLedgerAdjustment({ ...SPLIT, kind: 'baseline', quantity: 147, ratio: undefined, evidence: undefined });
    store.recordLedgerAdjustment(SPLIT);
    store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT symbol, baseline, splits, ledger_quantity FROM v_ledger').all()).toEqual([
      { symbol: 'AAPL', baseline: 147, splits: 441, ledger_quantity: 588 },
    ]);
    db.close();
  });

  it("an older database's adjustments survive the rebuild, ids kept, and its one-baseline rule still holds", () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    const upTo = MIGRATIONS.findIndex((m) => m.id === '0010_split_adjustments');
    expect(upTo).toBeGreaterThan(0);
    applyMigrations(db, file, MIGRATIONS.slice(0, upTo));
    db.prepare(
      "INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('r1', '2026-11-20T14:30:00Z', 'ok', '2026-11-20', 0)",
    ).run();
    db.prepare(
      `INSERT INTO ledger_adjustments (id, symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source)
       VALUES (7, 'MSFT', 'baseline', 10, 0, 10, 'b', 'r1', '2026-11-20T14:30:00Z', 'run r1'),
              (9, 'MSFT', 'accept', 2, 10, 12, 'by hand', NULL, '2026-11-20T15:30:00Z', 'operator me')`,
    ).run();
    expect(applyMigrations(db, file)).toContain('0010_split_adjustments');
    expect(db.prepare('SELECT id, kind, quantity, ratio, evidence FROM ledger_adjustments ORDER BY id').all()).toEqual([
      { id: 7, kind: 'baseline', quantity: 10, ratio: null, evidence: null },
      { id: 9, kind: 'accept', quantity: 2, ratio: null, evidence: null },
    ]);
    const again = db
      .prepare(
        `INSERT OR IGNORE INTO ledger_adjustments (symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source)
         VALUES ('MSFT', 'baseline', 1, 0, 1, 'b2', NULL, '2026-11-21T14:30:00Z', 'run r2')`,
      )
      .run();
    expect(again.changes).toBe(0);
    db.close();
  });
});
