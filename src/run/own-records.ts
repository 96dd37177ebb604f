import { dirname } from 'node:path';
import { checkRecordsOwner, describeIdentity, type AccountIdentity, type RecordsLocation } from '../core/records-owner.js';
import type { RunStore } from '../ports/store.js';
import { ConfigError } from '../errors.js';
import type { RunOptions } from './run-types.js';

/** The records' location as messages name it: the database and its DATA_DIR. */
export function recordsLocation(databasePath: string): RecordsLocation {
  return { database: databasePath, dataDir: dirname(databasePath) };
}

/** The run's broker kind as the records keep it (BROKER). */
export function identityOf(settings: Pick<RunOptions['settings'], 'brokerName' | 'tradingMode'>, account: string): AccountIdentity {
  return { broker: settings.brokerName, account, tradingMode: settings.tradingMode };
}

/**
 * Right after the account check, before anything of the account is reconciled, cancelled, read or recorded: the
 * records are this account's (go on), nobody's yet (this run claims them), or another's (refused: the message).
 * Records that already held runs when claimed (a database older than this rule) adopt the account with a notice.
 */
export function ownRecords(
  o: Pick<RunOptions, 'store' | 'settings' | 'records' | 'logger' | 'out' | 'runId'>,
  account: string,
  now: string,
): { refused?: string; notices: string[] } {
  const { store } = o;
  const current = identityOf(o.settings, account);
  const where = recordsLocation(o.records.databasePath);
  const verdict = checkRecordsOwner(store.recordsOwner(), current, where);
  if (verdict.kind === 'same') return { notices: [] };
  if (verdict.kind === 'refused') {
    o.logger.error({ database: where.database, current }, 'records of another account: run refused');
    o.out(`\nREFUSED: ${verdict.message}`);
    return { refused: verdict.message, notices: [] };
  }
  const adopted = hadEarlierRuns(store, o.runId);
  const claimed = store.claimRecords({ ...current, runId: o.runId, at: now, adopted });
  // Under the run lock no other run can claim in between; were it so, its claim stands and this run is refused.
  const after = checkRecordsOwner(claimed, current, where);
  if (after.kind === 'refused') {
    o.out(`\nREFUSED: ${after.message}`);
    return { refused: after.message, notices: [] };
  }
  const whose = describeIdentity(current);
  if (!adopted) {
    o.logger.info({ database: where.database, ...current }, 'records claimed by their first run');
    o.out(`records ${where.database} now belong to ${whose}: a run on another broker, account or trading mode will be refused`);
    return { notices: [] };
  }
  const notice =
    `the records ${where.database} held runs but no account (made before ib-rebalancer recorded it, or no run reached the account check): ` +
    `they now belong to ${whose}, the account of this run. A run, plan or reconcile on another broker, account or trading mode ` +
    'will be refused; if these records were made on another account (the simulator, a paper account), move them aside and start a new DATA_DIR';
  o.logger.warn({ database: where.database, ...current }, 'records without an owner adopted by this run');
  o.out(`note: ${notice}`);
  return { notices: [notice] };
}

function hadEarlierRuns(store: RunStore, runId: string): boolean {
  return store.previousRun(runId) !== undefined;
}

/** A command that reads the broker refused on records of another account: exit 2, as a configuration error. */
export class RecordsOfAnotherAccountError extends ConfigError {}

/**
 * For a command that reads the broker without claiming the records (`rebalancer plan`): throws
 * RecordsOfAnotherAccountError when they belong to another broker kind, account or trading mode.
 */
export function assertOwnRecords(store: Pick<RunStore, 'recordsOwner'>, current: AccountIdentity, databasePath: string, who: string): void {
  const verdict = checkRecordsOwner(store.recordsOwner(), current, recordsLocation(databasePath), who);
  if (verdict.kind === 'refused') throw new RecordsOfAnotherAccountError(verdict.message);
}
