/** The statements and rows of the strategies tables (migration 0005), apart from the shared statement list. */
import type { StrategyRecord, StrategyRetirement } from '../../core/strategies.js';
import type { SqliteDatabase } from './open-database.js';

interface StrategyRow {
  name: string;
  last_file: string;
  first_seen_at: string;
  first_run_id: string;
  last_seen_at: string;
  last_run_id: string;
  last_symbols: string;
  retired_at: string | null;
  retired_by: string | null;
  retire_reason: string | null;
}

interface RetirementRow {
  strategy: string;
  reason: string;
  at: string;
  source: string;
}

export function prepareStrategyStatements(db: SqliteDatabase) {
  return {
    strategies: db.prepare<[], StrategyRow>('SELECT * FROM strategies ORDER BY name'),
    // A sighting with tickers ends a retirement; one without (a file whose every weight is 0) leaves it as it is.
    upsertStrategy: db.prepare<{ name: string; file: string; at: string; run_id: string; symbols: string }>(
      `INSERT INTO strategies (name, last_file, first_seen_at, first_run_id, last_seen_at, last_run_id, last_symbols)
       VALUES (@name, @file, @at, @run_id, @at, @run_id, @symbols)
       ON CONFLICT (name) DO UPDATE SET last_file = excluded.last_file, last_seen_at = excluded.last_seen_at,
         last_run_id = excluded.last_run_id, last_symbols = excluded.last_symbols,
         retired_at = CASE WHEN excluded.last_symbols = '[]' THEN retired_at END,
         retired_by = CASE WHEN excluded.last_symbols = '[]' THEN retired_by END,
         retire_reason = CASE WHEN excluded.last_symbols = '[]' THEN retire_reason END`,
    ),
    retireStrategy: db.prepare<{ name: string } & StrategyRetirement>(
      `UPDATE strategies SET retired_at = @at, retired_by = @source, retire_reason = @reason
       WHERE name = @name AND retired_at IS NULL`,
    ),
    insertRetirement: db.prepare<{ name: string } & StrategyRetirement>(
      'INSERT INTO strategy_retirements (strategy, reason, at, source) VALUES (@name, @reason, @at, @source)',
    ),
    retirements: db.prepare<[], RetirementRow>('SELECT strategy, reason, at, source FROM strategy_retirements ORDER BY id'),
  };
}

export type StrategyStatements = ReturnType<typeof prepareStrategyStatements>;

export function toStrategyRecord(r: StrategyRow): StrategyRecord {
  const record: StrategyRecord = {
    name: r.name,
    lastFile: r.last_file,
    firstSeenAt: r.first_seen_at,
    firstRunId: r.first_run_id,
    lastSeenAt: r.last_seen_at,
    lastRunId: r.last_run_id,
    lastSymbols: symbolsOf(r),
  };
  if (r.retired_at === null) return record;
  return { ...record, retired: { at: r.retired_at, source: r.retired_by ?? '', reason: r.retire_reason ?? '' } };
}

export function toRetirement(r: RetirementRow): { name: string } & StrategyRetirement {
  return { name: r.strategy, at: r.at, source: r.source, reason: r.reason };
}

/** The tickers as stored (a JSON array); anything else is a record the program never wrote: it fails loudly. */
function symbolsOf(r: StrategyRow): string[] {
  const parsed: unknown = JSON.parse(r.last_symbols);
  if (!Array.isArray(parsed) || !parsed.every((s) => typeof s === 'string'))
    throw new Error(`strategies.last_symbols of "${r.name}" is not a JSON array of tickers: ${r.last_symbols}`);
  return parsed as string[];
}
