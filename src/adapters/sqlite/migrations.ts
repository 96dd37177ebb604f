import type Database from 'better-sqlite3';
import { StorageError } from '../../errors.js';
import { INITIAL_SCHEMA } from './migration-0001-initial.js';
import { CONTRACT_CACHE_SCHEMA } from './migration-0002-contract-cache.js';
import { REPORT_FIELDS_SCHEMA } from './migration-0003-report-fields.js';
import { RECONCILIATION_SCHEMA } from './migration-0004-reconciliation.js';
import { STRATEGIES_SCHEMA } from './migration-0005-strategies.js';
import { FILL_CORRECTIONS_SCHEMA } from './migration-0006-fill-corrections.js';
import { UNKNOWN_OUTCOMES_SCHEMA } from './migration-0007-unknown-outcomes.js';
import { RECORDS_OWNER_SCHEMA } from './migration-0008-records-owner.js';
import { CASH_FLOWS_SCHEMA } from './migration-0009-cash-flows.js';
import { SPLIT_ADJUSTMENTS_SCHEMA } from './migration-0010-split-adjustments.js';
import { ORDER_MODIFICATIONS_SCHEMA } from './migration-0011-order-modifications.js';
import { FORECASTS_SCHEMA } from './migration-0012-forecasts.js';
import { DAILY_REALIZED_SCHEMA } from './migration-0013-daily-realized.js';
import { HOURLY_QUERY_BOUNDS_SCHEMA } from './migration-0014-hourly-query-bounds.js';
import { SNAPSHOT_CASH_SCHEMA } from './migration-0015-snapshot-cash.js';
import { ORDER_TURNS_SCHEMA } from './migration-0016-order-turns.js';
import { ORDER_RATES_SCHEMA } from './migration-0017-order-rates.js';
import { CONVERSIONS_SCHEMA } from './migration-0018-conversions.js';
import { PRICE_INCREMENTS_SCHEMA } from './migration-0019-price-increments.js';

/** One forward-only schema step. The id sorts in order of application and never changes once shipped. */
export interface Migration {
  id: string;
  sql: string;
}

/**
 * Every migration this version knows, in the order they are applied. Append only: never edit, reorder or
 * remove a shipped entry, since databases in the field record its id (and refuse to open if it changes).
 */
export const MIGRATIONS: readonly Migration[] = [
  { id: '0001_initial', sql: INITIAL_SCHEMA },
  { id: '0002_contract_cache', sql: CONTRACT_CACHE_SCHEMA },
  { id: '0003_report_fields', sql: REPORT_FIELDS_SCHEMA },
  { id: '0004_reconciliation', sql: RECONCILIATION_SCHEMA },
  { id: '0005_strategies', sql: STRATEGIES_SCHEMA },
  { id: '0006_fill_corrections', sql: FILL_CORRECTIONS_SCHEMA },
  { id: '0007_unknown_outcomes', sql: UNKNOWN_OUTCOMES_SCHEMA },
  { id: '0008_records_owner', sql: RECORDS_OWNER_SCHEMA },
  { id: '0009_cash_flows', sql: CASH_FLOWS_SCHEMA },
  { id: '0010_split_adjustments', sql: SPLIT_ADJUSTMENTS_SCHEMA },
  { id: '0011_order_modifications', sql: ORDER_MODIFICATIONS_SCHEMA },
  { id: '0012_forecasts', sql: FORECASTS_SCHEMA },
  { id: '0013_daily_realized', sql: DAILY_REALIZED_SCHEMA },
  { id: '0014_hourly_query_bounds', sql: HOURLY_QUERY_BOUNDS_SCHEMA },
  { id: '0015_snapshot_cash', sql: SNAPSHOT_CASH_SCHEMA },
  { id: '0016_order_turns', sql: ORDER_TURNS_SCHEMA },
  { id: '0017_order_rates', sql: ORDER_RATES_SCHEMA },
  { id: '0018_conversions', sql: CONVERSIONS_SCHEMA },
  { id: '0019_price_increments', sql: PRICE_INCREMENTS_SCHEMA },
];

// seq, not rowid, records the order: VACUUM may renumber the rowids of a table without an INTEGER PRIMARY KEY.
const CREATE_LEDGER = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  seq        INTEGER PRIMARY KEY,
  id         TEXT NOT NULL UNIQUE,
  applied_at TEXT NOT NULL
)`;

function appliedIds(db: Database.Database): string[] {
  return db
    .prepare<[], { id: string }>('SELECT id FROM schema_migrations ORDER BY seq')
    .all()
    .map((r) => r.id);
}

function hasLedger(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !== undefined;
}

/**
 * Refuse a database whose history is not a prefix of ours: an unknown id, or known ids in another order.
 * Running on it could drop data a newer version relies on, or misread a schema we never wrote.
 */
function checkHistory(file: string, applied: readonly string[], known: readonly Migration[]): void {
  applied.forEach((id, i) => {
    const expected = known[i]?.id;
    if (id === expected) return;
    const why = known.some((m) => m.id === id)
      ? `migration '${id}' is at position ${i + 1}, where this version expects '${expected ?? '(none)'}'`
      : `it contains migration '${id}', unknown to this version`;
    throw new StorageError(
      `${file}: the database was written by a newer or different version of ib-rebalancer (${why}). ` +
        'Upgrade ib-rebalancer, or point DATA_DIR at another directory.',
      file,
    );
  });
}

/** A database holding other tables but no migration ledger is someone else's: do not write into it. */
function checkForeign(db: Database.Database, file: string): void {
  if (hasLedger(db)) return;
  const other = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1")
    .get();
  if (other !== undefined) {
    throw new StorageError(`${file}: not an ib-rebalancer database (it has table '${other.name}' but no schema_migrations)`, file);
  }
}

/**
 * Bring the database up to date: check its history, then apply each pending migration in its own
 * IMMEDIATE transaction (taken before reading the ledger, so two processes cannot apply the same step).
 * Returns the ids applied now; an up-to-date database is left untouched.
 */
export function applyMigrations(
  db: Database.Database,
  file: string = db.name,
  known: readonly Migration[] = MIGRATIONS,
  now: () => string = () => new Date().toISOString(),
): string[] {
  checkForeign(db, file);
  // A read-only connection to an up-to-date database must still open, so only create the ledger when missing.
  if (!hasLedger(db)) db.exec(CREATE_LEDGER);
  const before = appliedIds(db);
  checkHistory(file, before, known);
  const applied: string[] = [];
  const insert = db.prepare<[string, string]>('INSERT INTO schema_migrations (id, applied_at) VALUES (?, ?)');
  for (const migration of known.slice(before.length)) {
    const step = db.transaction(() => {
      const current = appliedIds(db);
      checkHistory(file, current, known);
      if (current.includes(migration.id)) return;
      db.exec(migration.sql);
      insert.run(migration.id, now());
      applied.push(migration.id);
    });
    step.immediate();
  }
  return applied;
}
