import { incrementsProblem } from '../../core/limit-price.js';
import type { ContractInfo, PriceIncrement } from '../../core/types.js';
import type { CachedContract, ContractCache } from '../../ports/contract-cache.js';
import { guardStorage } from '../../fs/storage-errors.js';
import { openDatabase, type SqliteDatabase } from './open-database.js';

interface Row {
  symbol: string;
  con_id: number | null;
  min_tick: number;
  primary_exchange: string;
  currency: string;
  time_zone: string | null;
  liquid_hours: string | null;
  trading_hours: string | null;
  /** JSON of the price bands (migration 0019); NULL: none. */
  price_increments: string | null;
  cached_at: string;
}

/**
 * The contract cache in the rebalancer's SQLite database (table `contract_cache`, migration 0002). Opens
 * its own connection to the file on first use, so the broker can be built before the run opens its store.
 * Every failure is a StorageError naming the file.
 */
export class SqliteContractCache implements ContractCache {
  private db: SqliteDatabase | undefined;
  private readonly ownsDb: boolean;

  /** @param source the database file, or an open connection (which stays the caller's to close). */
  constructor(private readonly source: string | SqliteDatabase) {
    this.ownsDb = typeof source === 'string';
    if (typeof source !== 'string') this.db = source;
  }

  get(symbols: string[]): Record<string, CachedContract> {
    if (symbols.length === 0) return {};
    const db = this.open();
    const rows = guardStorage(db.name, 'read the contract cache', () => {
      const select = db.prepare<[string], Row>('SELECT * FROM contract_cache WHERE symbol = ?');
      return symbols.flatMap((s) => select.all(s));
    });
    return Object.fromEntries(
      rows.flatMap((r) => {
        const cached = toCached(r);
        return cached === undefined ? [] : [[r.symbol, cached] as const];
      }),
    );
  }

  put(infos: ContractInfo[], at: string): void {
    if (infos.length === 0) return;
    const db = this.open();
    guardStorage(db.name, 'write the contract cache', () => {
      const upsert = db.prepare<Row>(
        `INSERT INTO contract_cache (symbol, con_id, min_tick, primary_exchange, currency, time_zone, liquid_hours, trading_hours, price_increments, cached_at)
         VALUES (@symbol, @con_id, @min_tick, @primary_exchange, @currency, @time_zone, @liquid_hours, @trading_hours, @price_increments, @cached_at)
         ON CONFLICT (symbol) DO UPDATE SET con_id = excluded.con_id, min_tick = excluded.min_tick,
           primary_exchange = excluded.primary_exchange, currency = excluded.currency, time_zone = excluded.time_zone,
           liquid_hours = excluded.liquid_hours, trading_hours = excluded.trading_hours, price_increments = excluded.price_increments,
           cached_at = excluded.cached_at`,
      );
      db.transaction(() => {
        for (const info of infos) upsert.run(toRow(info, at));
      })();
    });
  }

  close(): void {
    if (this.ownsDb) this.db?.close();
    this.db = undefined;
  }

  private open(): SqliteDatabase {
    if (this.db === undefined) {
      if (typeof this.source !== 'string') throw new Error('invariant: the contract cache connection was closed');
      this.db = openDatabase(this.source);
    }
    return this.db;
  }
}

function toRow(info: ContractInfo, at: string): Row {
  return {
    symbol: info.symbol,
    con_id: info.conId ?? null,
    min_tick: info.minTick,
    primary_exchange: info.primaryExchange,
    currency: info.currency,
    time_zone: info.timeZone ?? null,
    liquid_hours: info.liquidHours ?? null,
    trading_hours: info.tradingHours ?? null,
    price_increments:
      info.priceIncrements === undefined
        ? null
        : JSON.stringify(info.priceIncrements.map((b) => ({ lowEdge: b.lowEdge, increment: b.increment }))),
    cached_at: at,
  };
}

/** The row as a cached contract; undefined when its price bands are unreadable (asked for again, as if not cached). */
function toCached(r: Row): CachedContract | undefined {
  const increments = incrementsOf(r.price_increments);
  if (increments === undefined) return undefined;
  return {
    symbol: r.symbol,
    minTick: r.min_tick,
    primaryExchange: r.primary_exchange,
    currency: r.currency,
    cachedAt: r.cached_at,
    ...(r.con_id === null ? {} : { conId: r.con_id }),
    ...(r.time_zone === null ? {} : { timeZone: r.time_zone }),
    ...(r.liquid_hours === null ? {} : { liquidHours: r.liquid_hours }),
    ...(r.trading_hours === null ? {} : { tradingHours: r.trading_hours }),
    ...increments,
  };
}

/** The cached bands: none for NULL; undefined when they do not read back as usable bands (the row is not used). */
function incrementsOf(text: string | null): { priceIncrements?: readonly PriceIncrement[] } | undefined {
  if (text === null) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const bands: PriceIncrement[] = [];
  for (const b of parsed as unknown[]) {
    const band = b as { lowEdge?: unknown; increment?: unknown } | null;
    // Numbers only: null, "", true or [5] would read as 0, 1 or 5, a rule IB never gave (a hand-edited row).
    if (typeof band?.lowEdge !== 'number' || typeof band.increment !== 'number') return undefined;
    bands.push({ lowEdge: band.lowEdge, increment: band.increment });
  }
  return incrementsProblem(bands) === undefined ? { priceIncrements: bands } : undefined;
}
