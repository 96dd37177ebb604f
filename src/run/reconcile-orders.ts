import { DateTime } from 'luxon';
import type { Broker } from '../ports/broker.js';
import type { OrderRecord, RunStore } from '../ports/store.js';
import type { Execution } from '../core/types.js';
import { resolveOrder, type OrderResolution } from '../core/resolve-order.js';
import type { OrderRefOwner } from '../core/foreign-orders.js';

export interface ReconcileOrdersOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  /** Executions are read from here, or from an hour before the oldest order to reconcile if that is earlier. */
  since: string;
  /** Whose orderRef: executions of a run the records never made ('foreign') are not ours and are not recorded. */
  ownerOf: (orderRef: string) => OrderRefOwner;
  /**
   * `since` is on the broker's clock; the orders' times are on the machine's: this moves one of those onto the
   * broker's (see broker-clock.ts). Default: the clocks agree.
   */
  toBroker?: (machineIso: string) => string;
}

export interface ReconcileOrdersResult {
  /** Executions recorded for the first time by this step. */
  newFills: Execution[];
  resolutions: OrderResolution[];
  /** What a person must be told: intents found at the broker or never sent, fills the broker reported but did not list. */
  notices: string[];
}

/**
 * The reconciliation step, before anything is cancelled or sent: every order an earlier run left unsettled (an
 * intent it may have sent before it died, a send that timed out, an order left working) is looked up among the
 * broker's open orders and executions by orderRef (permId when the broker's copy has no orderRef; never by
 * order id, which IB reuses after a gateway restart). Its ids, status and fills are recorded; an intent the
 * broker never had becomes NotSent. The cancel step that follows then cancels whatever is still open, so a run
 * killed between sending and recording never leads to a second order.
 */
export async function reconcileEarlierOrders(o: ReconcileOrdersOptions): Promise<ReconcileOrdersResult> {
  const pending = o.store.ordersToReconcile(o.runId);
  if (pending.length === 0) return { newFills: [], resolutions: [], notices: [] };
  const open = await o.broker.openOrders();
  const executions = await o.broker.executions(lookupSince(pending, o.since, o.toBroker ?? ((iso) => iso)));
  const newFills = o.store.recordFills(
    o.runId,
    executions.filter((e) => o.ownerOf(e.orderRef) !== 'foreign'),
  );
  const resolutions = pending.map((order) => {
    const resolution = resolveOrder(order, open, o.store.fillsOfOrder(order.orderRef));
    o.store.recordReconciliation(order.orderRef, { ...resolution, at: o.now });
    return resolution;
  });
  const notices = resolutions.flatMap((r, i) => {
    const was = pending[i]?.status;
    if (!r.recovered && r.status !== 'NotSent' && r.fillsMissing === 0) return [];
    return [`order ${r.orderRef} (${r.symbol}, recorded as ${was ?? '?'}): now ${r.status}: ${r.message}`];
  });
  return { newFills, resolutions, notices };
}

/** One line per reconciled order, for the console. */
export function formatResolutions(resolutions: OrderResolution[]): string[] {
  if (resolutions.length === 0) return ['no unsettled orders of earlier runs'];
  return resolutions.map((r) => {
    const filled = r.filledQuantity > 0 ? `, filled ${r.filledQuantity} @ ${r.avgFillPrice}` : '';
    return `${r.orderRef}: ${r.status}${filled} (${r.message})`;
  });
}

function lookupSince(pending: OrderRecord[], since: string, toBroker: (machineIso: string) => string): string {
  const oldest = pending
    .map((p) => DateTime.fromISO(toBroker(p.createdAt)))
    .filter((d) => d.isValid)
    .reduce<DateTime | undefined>((min, d) => (min === undefined || d < min ? d : min), undefined);
  const from = oldest?.minus({ hours: 1 });
  const given = DateTime.fromISO(since);
  if (from === undefined || !given.isValid || given <= from) return since;
  return from.toUTC().toISO() ?? since;
}
