import type { ContractInfo } from '../core/types.js';

/** A contract as cached, with the instant (ISO 8601) it was read from the broker. */
export type CachedContract = ContractInfo & { cachedAt: string };

/**
 * Contract facts kept between runs, so that an hourly run does not ask IB for every contract again.
 * Implemented on SQLite (`SqliteContractCache`); the IB adapter decides what is fresh enough.
 */
export interface ContractCache {
  /** The cached entries of these symbols; symbols never cached are absent. */
  get(symbols: string[]): Record<string, CachedContract>;
  /** Stores (or replaces) these contracts, stamped `at` (ISO 8601). */
  put(infos: ContractInfo[], at: string): void;
  /** Releases the cache's resources (its database connection); later calls may fail. */
  close?(): void;
}
