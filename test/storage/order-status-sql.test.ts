/**
 * The SQL side of the order-status vocabulary: the view v_open_orders (a shipped migration, forward-only) and the
 * store's queries must say "final" exactly as src/core/order-status.ts does. A status added to the core's final
 * list fails here until a new migration recreates the view from sqlStatusList().
 */
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FINAL_ORDER_STATUSES, isFinal, RECORDED_ORDER_STATUSES } from '../../src/core/order-status.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { anOrder, makeTempDir } from './fixtures.js';

let cleanup: () => Promise<void>;
let db: Database.Database;
let store: SqliteStore;

beforeEach(async () => {
  let dir: string;
  ({ dir, cleanup } = await makeTempDir());
  db = openDatabase(join(dir, 'rebalancer.sqlite'));
  store = new SqliteStore(db, { now: () => '2026-11-20T16:00:00.000Z' });
});
afterEach(async () => {
  db.close();
  await cleanup();
});

/** The quoted names of the `status NOT IN (...)` list of an SQL text. */
function notInList(sql: string): string[] {
  const list = /status NOT IN \(([^)]*)\)/.exec(sql)?.[1];
  if (list === undefined) throw new Error(`no "status NOT IN (...)" in: ${sql}`);
  return list.split(',').map((s) => s.trim().replace(/^'(.*)'$/, '$1'));
}

/** One order per recorded status, in run r1 (a later run r2 reconciles them). */
function oneOrderPerStatus(): void {
  store.startRun({ runId: 'r1', startedAt: '2026-11-20T14:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  for (const status of RECORDED_ORDER_STATUSES) {
    store.recordOrderIntent('r1', anOrder({ orderRef: `rb:r1:${status}` }), '2026-11-20T14:30:05.000Z');
    db.prepare('UPDATE orders SET status = ? WHERE order_ref = ?').run(status, `rb:r1:${status}`);
  }
}

describe('order statuses in SQL', () => {
  it("v_open_orders' final list is the core's FINAL_ORDER_STATUSES", () => {
    const view = db.prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'view' AND name = 'v_open_orders'").get();
    expect(notInList(view?.sql ?? '')).toEqual([...FINAL_ORDER_STATUSES]);
  });

  it('v_open_orders lists the orders in every status that is not final, and no other', () => {
    oneOrderPerStatus();
    const open = db
      .prepare<[], { status: string }>('SELECT status FROM v_open_orders')
      .all()
      .map((r) => r.status);
    expect(open.sort()).toEqual(RECORDED_ORDER_STATUSES.filter((s) => !isFinal(s)).sort());
  });

  it('reconciles the orders of earlier runs that are not final, a failed send once, and an unknown outcome until accepted', () => {
    oneOrderPerStatus();
    const pending = store.ordersToReconcile('r2').map((o) => o.status);
    expect(pending.sort()).toEqual([...RECORDED_ORDER_STATUSES.filter((s) => !isFinal(s)), 'SendFailed', 'Unknown'].sort());
  });
});
