import type { StatementCashTransaction } from '../../src/ports/statements.js';
import { loadState } from '../../src/sim/state-file.js';

/**
 * The cash transactions the simulated account under `dataDir` booked from its scenario's events (deposits,
 * withdrawals, dividends paid, interest, fees), in the shape IB's Flex statements list them: hand them to
 * `startFlexServer({ cashTransactions })` to serve them as the Flex Web Service would. [] before the first opening.
 */
export function simCashTransactions(dataDir: string): StatementCashTransaction[] {
  return (loadState(dataDir)?.cashTransactions ?? []).map((t) => ({ ...t }));
}
