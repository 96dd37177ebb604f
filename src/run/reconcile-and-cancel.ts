import { BrokerError } from '../ports/broker.js';
import type { Breach } from '../core/types.js';
import { cancelOpenOrders } from './cancel-orders.js';
import { formatResolutions, reconcileEarlierOrders } from './reconcile-orders.js';
import { formatCancels } from './console-report.js';
import type { RunOptions, RunResult } from './rebalance-run.js';

/**
 * The orders earlier runs left unsettled, reconciled with the broker by orderRef (their fills and notices go into
 * `result`), then the open orders cancelled unless the run is dry. Returns the breaches of cancels not confirmed.
 */
export async function reconcileAndCancel(o: RunOptions, result: RunResult, since: string): Promise<Breach[]> {
  const { broker, store, out } = o;
  out('\n== reconcile orders of earlier runs (by orderRef, with open orders and executions)');
  const reconciled = await reconcileOrCancel(o, () => reconcileEarlierOrders({ broker, store, runId: o.runId, now: o.now, since }));
  result.newFills.push(...reconciled.newFills);
  result.notices.push(...reconciled.notices);
  out(...formatResolutions(reconciled.resolutions));

  out('\n== cancel open orders');
  if (o.dryRun) {
    out('dry run: open orders left alone');
    return [];
  }
  return cancelAndRecord(o);
}

/**
 * The reconciliation, or, when the broker fails it, the cancels without it before the run stops (exit 1): orders
 * left working by earlier runs must not keep working for another hour because their records could not be
 * settled. The cancels record what they learn by orderRef; the next run settles the rest.
 */
async function reconcileOrCancel<T>(o: RunOptions, reconcile: () => Promise<T>): Promise<T> {
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

async function cancelAndRecord(o: RunOptions): Promise<Breach[]> {
  const cancelled = await cancelOpenOrders(o.broker, o.settings.cancelScope);
  o.out(...formatCancels(cancelled.results));
  o.store.updateOrderStatuses(cancelled.updated);
  return cancelled.breaches;
}
