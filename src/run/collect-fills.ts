import type { Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { Execution } from '../core/types.js';

/**
 * Step 3: executions since the last run, recorded once each by execution id, and the latest state of
 * the orders earlier runs left unfinished (filled, partly filled, expired), so their records are current.
 */
export async function collectFills(broker: Broker, store: RunStore, runId: string, since: string): Promise<Execution[]> {
  const executions = await broker.executions(since);
  const fresh = store.recordFills(runId, executions);
  const unfinished = store.unfinishedOrders().flatMap((o) => (o.brokerOrderId === undefined ? [] : [o.brokerOrderId]));
  if (unfinished.length > 0) store.updateOrderStatuses(await broker.orderStatuses(unfinished, 0));
  return fresh;
}
