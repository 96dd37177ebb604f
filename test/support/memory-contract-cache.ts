/**
 * The ContractCache port in memory, with the semantics of SqliteContractCache (table contract_cache): one entry
 * per symbol, replaced by a later put; a batch with a bad entry (tick not positive, a required field missing)
 * is refused whole, with the StorageError the SQLite cache throws. test/storage/store-contract.test.ts runs the
 * same tests against both.
 */
import { toStorageError } from '../../src/fs/storage-errors.js';
import type { ContractInfo } from '../../src/core/types.js';
import type { CachedContract, ContractCache } from '../../src/ports/contract-cache.js';

const constraint = (code: string, message: string): Error => Object.assign(new Error(message), { code });

/** undefined and NaN are NULL, as SQLite binds them. */
const isNull = (v: unknown): boolean => v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v));

export class MemoryContractCache implements ContractCache {
  /** The cached entries by symbol; tests may read or seed them. */
  readonly entries = new Map<string, CachedContract>();
  /** Symbols asked for and written, per call, for tests that check what was (not) asked again. */
  readonly gets: string[][] = [];
  readonly puts: { symbols: string[]; at: string }[] = [];

  /** @param file what StorageErrors name as the file. */
  constructor(readonly file = ':memory:') {}

  get(symbols: string[]): Record<string, CachedContract> {
    this.gets.push([...symbols]);
    const found: Record<string, CachedContract> = {};
    for (const s of symbols) {
      const entry = this.entries.get(s);
      if (entry !== undefined) found[s] = { ...entry };
    }
    return found;
  }

  put(infos: ContractInfo[], at: string): void {
    if (infos.length === 0) return;
    this.puts.push({ symbols: infos.map((i) => i.symbol), at });
    const rows = infos.map((info) => {
      const failure = this.check(info, at);
      if (failure !== undefined) throw toStorageError(failure, this.file, 'write the contract cache');
      return toCached(info, at);
    });
    for (const row of rows) this.entries.set(row.symbol, row);
  }

  /** Nothing to release: the entries stay, as the SQLite cache's rows stay in the file. */
  close(): void {}

  /** The first constraint the row breaks, in SQLite's order (NOT NULL by column, then CHECK). */
  private check(info: ContractInfo, at: string): Error | undefined {
    const required: [string, unknown][] = [
      ['min_tick', info.minTick],
      ['primary_exchange', info.primaryExchange],
      ['currency', info.currency],
      ['cached_at', at],
    ];
    const missing = required.find(([, v]) => isNull(v));
    if (missing !== undefined) return constraint('SQLITE_CONSTRAINT_NOTNULL', `NOT NULL constraint failed: contract_cache.${missing[0]}`);
    if (!(info.minTick > 0)) return constraint('SQLITE_CONSTRAINT_CHECK', 'CHECK constraint failed: min_tick > 0');
    return undefined;
  }
}

function toCached(info: ContractInfo, at: string): CachedContract {
  return {
    symbol: info.symbol,
    minTick: info.minTick,
    primaryExchange: info.primaryExchange,
    currency: info.currency,
    cachedAt: at,
    ...(isNull(info.conId) ? {} : { conId: info.conId }),
    ...(isNull(info.timeZone) ? {} : { timeZone: info.timeZone }),
    ...(isNull(info.liquidHours) ? {} : { liquidHours: info.liquidHours }),
    ...(isNull(info.tradingHours) ? {} : { tradingHours: info.tradingHours }),
  };
}
