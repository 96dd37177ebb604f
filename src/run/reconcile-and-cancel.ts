import { BrokerError } from '../ports/broker.js';
import type { Breach, Execution } from '../core/types.js';
import { cancelOpenOrders } from './cancel-orders.js';
import { formatResolutions, reconcileEarlierOrders } from './reconcile-orders.js';
import { formatCancels } from './console-report.js';
import type { RunOptions } from './run-types.js';

type SettleOptions = Pick<RunOptions, 'broker' | 'store' | 'out' | 'logger' | 'runId' | 'dryRun' | 'settings'>;

/** What settling the earlier runs' orders did. */
export interface EarlierOrdersSettled {
  /** Executions recorded for the first time while reconciling. */
  newFills: Execution[];
  /** What a person must be told (orders recovered from a crash, never sent). */
  notices: string[];
  /** Cancels not confirmed (CANCEL_UNCONFIRMED): planning on top of a live order could buy twice. */
  breaches: Breach[];
}

/**
 * The orders earlier runs left unsettled, reconciled with the broker by orderRef, then the open orders cancelled
 * unless the run is dry.
 */
export async function reconcileAndCancel(o: SettleOptions, now: string, since: string): Promise<EarlierOrdersSettled> {
  const { broker, store, out } = o;
  out('\n== reconcile orders of earlier runs (by orderRef, with open orders and executions)');
  const reconciled = await reconcileOrCancel(o, () => reconcileEarlierOrders({ broker, store, runId: o.runId, now, since }));
  out(...formatResolutions(reconciled.resolutions));

  out('\n== cancel open orders');
  if (o.dryRun) {
    out('dry run: open orders left alone');
    return { newFills: reconciled.newFills, notices: reconciled.notices, breaches: [] };
  }
  return { newFills: reconciled.newFills, notices: reconciled.notices, breaches: await cancelAndRecord(o) };
}

/**
 * The reconciliation, or, when the broker fails it, the cancels without it before the run stops (exit 1): orders
 * left working by earlier runs must not keep working for another hour because their records could not be
 * settled. The cancels record what they learn by orderRef; the next run settles the rest.
 */
async function reconcileOrCancel<T>(o: SettleOptions, reconcile: () => Promise<T>): Promise<T> {
  try {
    return await reconcile();
  } catch (error) {
    if (!(error instanceof BrokerError) || o.dryRun) throw error;
    o.out(`reconciliation failed (${error.message}): cancelling the system's open orders anyway, then stopping`);
    try {
      await cancelAndRecord(o);
    } catch (cancelError) {
      // The run fails with the first error either way; this one is for the log.
      o.logger.error({ err: cancelError }, 'cancels after a failed reconciliation failed too');
    }
    throw error;
  }
}

async function cancelAndRecord(o: SettleOptions): Promise<Breach[]> {
  const cancelled = await cancelOpenOrders(o.broker, o.settings.cancelScope);
  o.out(...formatCancels(cancelled.results));
  o.store.updateOrderStatuses(cancelled.updated);
  return cancelled.breaches;
}
