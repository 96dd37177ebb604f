import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS } from '../../src/adapters/sqlite/migrations.js';
import { SQL, SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { makeTempDir } from './fixtures.js';

describe('migration 0011 (changes of working orders, order counts)', () => {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });
  afterEach(async () => cleanup());

  const at = MIGRATIONS.findIndex((m) => m.id === '0011_order_modifications');

  it('a database made at migration 0010 upgrades: its runs have no order counts, its orders can be changed, its fills count', () => {
    const file = join(dir, 'old.sqlite');
    const db = new Database(file);
    db.pragma('foreign_keys = ON');
    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at)).at(-1)).toBe('0010_split_adjustments');
    // As a version before 0011 wrote them: a run, its order, a fill of it.
    db.exec(`INSERT INTO runs (id, started_at, finished_at, status, exit_code, trading_day, dry_run)
        VALUES ('old', '2026-11-20T15:30:00.000Z', '2026-11-20T15:31:00.000Z', 'ok', 0, '2026-11-20', 0);
      INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, perm_id,
          filled_quantity, avg_fill_price, created_at, updated_at)
        VALUES ('old', 'rebal:old:AAPL', 'AAPL', 'BUY', 10, 190.05, 'Submitted', 101, 9001, 4, 190.01, '2026-11-20T15:30:05.000Z', 'x');
      INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id)
        VALUES ('e1', 'old', 'rebal:old:AAPL', 'AAPL', 'BUY', 4, 190.01, 1, '2026-11-20T15:31:02.000Z', 101, 9001);`);

    expect(applyMigrations(db, file, MIGRATIONS.slice(0, at + 1))).toEqual(['0011_order_modifications']);
    const store = new SqliteStore(db);
    const reports = new SqliteReportStore(db);
    expect(store.previousRun()).not.toHaveProperty('orderCounts');
    expect(reports.runsOn('2026-11-20', '2026-11-21T00:00:00Z')[0]).not.toHaveProperty('orderCounts');
    // Its requests are not known (none counted); its order and fill are.
    expect(reports.orderActivityOn('2026-11-20', '2026-11-21T00:00:00Z')).toStrictEqual({
      sent: 0,
      modified: 0,
      cancelled: 0,
      executedOrders: 1,
      fills: 1,
    });

    // The next run changes the old run's order in place and records what it asked.
    store.startRun({ runId: 'next', startedAt: '2026-11-20T16:30:00.000Z', tradingDay: '2026-11-20', dryRun: false });
    const change = {
      runId: 'next',
      orderRef: 'rebal:old:AAPL',
      brokerOrderId: 101,
      fromQuantity: 10,
      fromLimitPrice: 190.05,
      quantity: 12,
      limitPrice: 190.3,
      filledBefore: 4,
    };
    const id = store.recordModificationIntent('next', change, '2026-11-20T16:30:05.000Z');
    store.settleModification(id, { status: 'Modified' }, '2026-11-20T16:30:06.000Z');
    store.recordOrderCounts('next', { sent: 0, modified: 1, cancelled: 0 });
    expect(store.ordersOf('old')[0]).toMatchObject({ runId: 'old', quantity: 12, limitPrice: 190.3, filledQuantity: 4 });
    expect(reports.modificationsOn('2026-11-20', '2026-11-21T00:00:00Z')).toMatchObject([
      { id, orderRef: 'rebal:old:AAPL', status: 'Modified' },
    ]);
    expect(reports.orderActivityOn('2026-11-20', '2026-11-21T00:00:00Z')).toStrictEqual({
      sent: 0,
      modified: 1,
      cancelled: 0,
      executedOrders: 1,
      fills: 1,
    });
    expect(db.pragma('foreign_key_check')).toEqual([]);
    db.close();
  });

  it('refuses by hand what the store never writes: a change of no order, an unknown status', () => {
    const store = new SqliteStore(join(dir, 'new.sqlite'));
    const db = new Database(store.file);
    db.pragma('foreign_keys = ON');
    db.exec(`INSERT INTO runs (id, started_at, status, trading_day, dry_run) VALUES ('r1', '2026-11-20T15:30:00Z', 'ok', '2026-11-20', 0)`);
    const insert = (ref: string, status: string): void => {
      db.prepare(
        `INSERT INTO order_modifications (run_id, order_ref, broker_order_id, from_quantity, from_limit_price, quantity, limit_price,
           filled_before, status, created_at, updated_at) VALUES ('r1', ?, 1, 1, 1, 2, 1, 0, ?, 'x', 'x')`,
      ).run(ref, status);
    };
    expect(() => insert('nobody', 'Intent')).toThrow(/FOREIGN KEY constraint failed/);
    db.exec(`INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, created_at, updated_at)
      VALUES ('r1', 'o', 'AAPL', 'BUY', 1, 1, 'Submitted', 'x', 'x')`);
    expect(() => insert('o', 'Done')).toThrow(/CHECK constraint failed/);
    insert('o', 'Unknown');
    expect(store.unsettledModifications('r2')).toMatchObject([{ orderRef: 'o', status: 'Unknown' }]);
    db.close();
    store.close();
  });

  it("the day's order activity and changes are read through indexes: runs by day, orders by run, fills by order", () => {
    const store = new SqliteStore(join(dir, 'plan.sqlite'));
    const db = new Database(store.file, { readonly: true });
    const plan = (sql: string, ...params: unknown[]): string[] =>
      db
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((r) => r.detail);
    const requests = plan(SQL.orderRequestsOn, '2026-11-20', '2026-11-21T00:00:00Z');
    const executions = plan(SQL.executionsOn, { day: '2026-11-20', until: '2026-11-21T00:00:00Z' });
    const changes = plan(SQL.modificationsOn, '2026-11-20', '2026-11-21T00:00:00Z');
    expect(requests).toEqual([expect.stringMatching(/^SEARCH runs USING INDEX runs_by_day \(trading_day=\?\)/)]);
    expect(executions).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SEARCH r USING INDEX runs_by_day \(trading_day=\?\)/),
        expect.stringMatching(/^SEARCH o USING INDEX orders_by_run \(run_id=\?\)/),
        expect.stringMatching(/^SEARCH f USING INDEX fills_by_order_ref \(order_ref=\?\)/),
        expect.stringMatching(/^SEARCH collected USING INDEX sqlite_autoindex_runs_1 \(id=\?\)/),
      ]),
    );
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SEARCH r USING INDEX runs_by_day \(trading_day=\?\)/),
        expect.stringMatching(/^SEARCH m USING INDEX order_modifications_by_run \(run_id=\?\)/),
      ]),
    );
    // No table is read whole.
    for (const line of [...requests, ...executions, ...changes])
      expect(line).not.toMatch(/^SCAN (runs|orders|fills|order_modifications)\b|^SCAN [rofm]\b|^SCAN collected\b/);
    // The unsettled changes, looked up every run, by the partial index.
    const unsettled = plan(
      `SELECT * FROM order_modifications WHERE status IN ('Intent', 'Unknown') AND run_id <> ? ORDER BY created_at, id`,
      'r',
    );
    expect(unsettled.join('\n')).toMatch(/order_modifications_unsettled/);
    db.close();
    store.close();
  });
});
