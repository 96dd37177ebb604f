import type { Config } from '../config/schema.js';
import { checkRecordsOwner } from '../core/records-owner.js';
import type { RunStore } from '../ports/store.js';
import { recordsLocation } from '../run/own-records.js';
import { databaseFile } from './compose.js';

/**
 * For a command that works on the records without connecting to the broker (`rebalancer reconcile`): the refusal
 * when the configuration names another broker kind or trading mode than the records', or (BROKER=ib with
 * IB_ACCOUNT set) another account; undefined when they may be the same. The account itself is compared by every
 * command that connects (run, plan), right after the account check.
 */
export function configuredOwnerRefusal(store: Pick<RunStore, 'recordsOwner'>, config: Config, who: string): string | undefined {
  const b = config.broker;
  const account = b.kind === 'ib' && b.ibAccount !== undefined && b.ibAccount !== '' ? b.ibAccount : undefined;
  const verdict = checkRecordsOwner(
    store.recordsOwner(),
    { broker: b.kind, tradingMode: b.tradingMode, ...(account === undefined ? {} : { account }) },
    recordsLocation(databaseFile(config)),
    who,
  );
  return verdict.kind === 'refused' ? verdict.message : undefined;
}
