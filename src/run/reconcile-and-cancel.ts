import { BrokerError } from '../ports/broker.js';
import type { Breach, BrokerOrder, Execution } from '../core/types.js';
import {
  foreignOrderBreaches,
  foreignOrdersHaltReason,
  orderRefOwners,
  type ForeignTrade,
  type OrderRefOwner,
} from '../core/foreign-orders.js';
import { cancelOpenOrders } from './cancel-orders.js';
import { formatResolutions, reconcileEarlierOrders } from './reconcile-orders.js';
import { formatCancels } from './console-report.js';
import { ORDER_REF_PREFIX } from './run-id.js';
import type { RunOptions } from './run-types.js';

type SettleOptions = Pick<RunOptions, 'broker' | 'store' | 'out' | 'logger' | 'runId' | 'dryRun' | 'settings' | 'statements'>;

/** Where and when the run settles: its time, the executions window, whose orderRef, the broker's clock, the account. */
export interface SettleContext {
  now: string;
  since: string;
  ownerOf?: (orderRef: string) => OrderRefOwner;
  toBroker?: (machineIso: string) => string;
  /** The account the run trades: what the broker's statements are asked about. */
  account: string;
}

/** What settling the earlier runs' orders did. */
export interface EarlierOrdersSettled {
  /** Executions recorded for the first time while reconciling. */
  newFills: Execution[];
  /** What a person must be told (orders recovered from a crash, never sent). */
  notices: string[];
  /** Cancels not confirmed (CANCEL_UNCONFIRMED): planning on top of a live order could buy twice. */
  breaches: Breach[];
  /** Open orders with our orderRef prefix whose run the records never made: left alone (see haltOnForeignOrders). */
  foreign: BrokerOrder[];
  /** Executions of such runs found in the broker's statements (not recorded): the run halts on them too. */
  foreignExecutions: Execution[];
}

/**
 * Whose orderRef, for this run: ours (our prefix, a run the records know), foreign (our prefix, a run they never
 * made) or another's. The run makes one and hands it to every step that tells its orders from others'.
 */
export function ownerOfOrderRefs(store: RunOptions['store']): (orderRef: string) => OrderRefOwner {
  return orderRefOwners(ORDER_REF_PREFIX, (runId) => store.hasRun(runId));
}

/**
 * The orders earlier runs left unsettled, reconciled with the broker by orderRef, then the open orders cancelled
 * unless the run is dry. Orders and fills of runs the records never made are not touched or recorded.
 */
export async function reconcileAndCancel(o: SettleOptions, context: SettleContext): Promise<EarlierOrdersSettled> {
  const { broker, store, out } = o;
  const { now, since, account } = context;
  const ownerOf = context.ownerOf ?? ownerOfOrderRefs(o.store);
  const toBroker = context.toBroker ?? ((iso: string) => iso);
  out('\n== reconcile orders of earlier runs (by orderRef, with open orders and executions)');
  const reconciled = await reconcileOrCancel(o, ownerOf, () =>
    reconcileEarlierOrders({ broker, store, runId: o.runId, now, since, ownerOf, toBroker, account, statements: o.statements }),
  );
  out(...formatResolutions(reconciled.resolutions));

  out('\n== cancel open orders');
  if (o.dryRun) {
    out('dry run: open orders left alone');
    // Still looked at: a dry run must show what a run would halt on.
    const foreign = (await broker.openOrders()).filter((order) => ownerOf(order.orderRef) === 'foreign');
    return {
      newFills: reconciled.newFills,
      notices: reconciled.notices,
      breaches: [],
      foreign,
      foreignExecutions: reconciled.foreignExecutions,
    };
  }
  const cancelled = await cancelAndRecord(o, ownerOf);
  return { newFills: reconciled.newFills, notices: reconciled.notices, foreignExecutions: reconciled.foreignExecutions, ...cancelled };
}

/**
 * The reconciliation, or, when the broker fails it, the cancels without it before the run stops (exit 1): orders
 * left working by earlier runs must not keep working for another hour because their records could not be
 * settled. The cancels record what they learn by orderRef; the next run settles the rest.
 */
async function reconcileOrCancel<T>(
  o: SettleOptions,
  ownerOf: (orderRef: string) => OrderRefOwner,
  reconcile: () => Promise<T>,
): Promise<T> {
  try {
    return await reconcile();
  } catch (error) {
    if (!(error instanceof BrokerError) || o.dryRun) throw error;
    o.out(`reconciliation failed (${error.message}): cancelling the system's open orders anyway, then stopping`);
    try {
      await cancelAndRecord(o, ownerOf);
    } catch (cancelError) {
      // The run fails with the first error either way; this one is for the log.
      o.logger.error({ err: cancelError }, 'cancels after a failed reconciliation failed too');
    }
    throw error;
  }
}

async function cancelAndRecord(
  o: SettleOptions,
  ownerOf: (orderRef: string) => OrderRefOwner,
): Promise<{ breaches: Breach[]; foreign: BrokerOrder[] }> {
  const cancelled = await cancelOpenOrders(o.broker, o.settings.cancelScope, ownerOf);
  o.out(...formatCancels(cancelled.results));
  for (const f of cancelled.foreign)
    o.out(`left alone: ${f.orderRef} (order ${f.brokerOrderId}, ${f.action} ${f.quantity} ${f.symbol}): its run is not in these records`);
  if (cancelled.foreign.length > 0 && o.settings.cancelScope === 'all')
    o.out("CANCEL_SCOPE=all: no global cancel while orders of another installation are open; only this system's own orders were cancelled");
  o.store.updateOrderStatuses(cancelled.updated);
  return { breaches: cancelled.breaches, foreign: cancelled.foreign };
}

/**
 * Open orders and executions (of the window asked for) with our orderRef prefix but a run id the records never
 * made: one FOREIGN_ORDERS breach each, which halts the run; and, unless the run is dry or the kill switch is
 * already on, the kill switch turned on with what to check, so that the halt holds until a person has looked (an
 * execution leaves the window of later runs, an open order may be cancelled by its owner: neither must let
 * trading resume unseen). Clearing: once such orders are gone and the records are right, `rebalancer resume`; a
 * run that still finds one halts again.
 */
export function haltOnForeignOrders(
  o: Pick<RunOptions, 'killSwitch' | 'store' | 'out' | 'runId' | 'dryRun'>,
  now: string,
  found: { orders: BrokerOrder[]; executions: Execution[] },
  alreadyHalted: boolean,
): Breach[] {
  const trades: ForeignTrade[] = [
    ...found.orders.map((order) => ({ kind: 'open order' as const, order })),
    ...found.executions.map((execution) => ({ kind: 'execution' as const, execution })),
  ];
  if (trades.length === 0) return [];
  const breaches = foreignOrderBreaches(trades, ORDER_REF_PREFIX);
  o.out(
    `\nwarning: ${breaches.length} order(s) or fill(s) carry this system's orderRef but a run id these records never made: not cancelled, not counted; the run halts`,
  );
  if (!o.dryRun && !alreadyHalted) {
    const state = { reason: foreignOrdersHaltReason(trades), at: now, source: `run ${o.runId}` };
    o.killSwitch.turnOn(state);
    o.store.recordHaltEvent({ action: 'halt', ...state });
    o.out(`kill switch turned on: ${state.reason}`);
  }
  return breaches;
}
