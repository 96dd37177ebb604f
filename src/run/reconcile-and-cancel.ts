import { BrokerError } from '../ports/broker.js';
import type { Breach, BrokerOrder, Execution } from '../core/types.js';
import {
  foreignOrderBreaches,
  foreignOrdersHaltReason,
  orderRefOwners,
  type ForeignTrade,
  type OrderRefOwner,
} from '../core/foreign-orders.js';
import { cancelOpenOrders, confirmedCancels } from './cancel-orders.js';
import { formatResolutions, reconcileEarlierOrders } from './reconcile-orders.js';
import { formatCancels } from './console-report.js';
import { settleEarlierModifications } from './modify-orders.js';
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
  /**
   * Told the open orders kept for the plan (ORDER_UPDATES=modify) as soon as they are kept, before anything else
   * may fail: a run that fails from then on cancels them on its way out.
   */
  onKept?: (kept: readonly BrokerOrder[]) => void;
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
  /**
   * ORDER_UPDATES=modify: open orders of ours left working for the plan to modify or cancel (in a dry run: those a
   * real run would keep, for the plan to show). Empty with ORDER_UPDATES=cancel or CANCEL_SCOPE=all.
   */
  working: BrokerOrder[];
  /** Cancels the broker confirmed. */
  cancelled: number;
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
  const reconciled = await reconcileOrCancel(o, ownerOf, now, () =>
    reconcileEarlierOrders({ broker, store, runId: o.runId, now, since, ownerOf, toBroker, account, statements: o.statements }),
  );
  out(...formatResolutions(reconciled.resolutions));

  const keep = keptForThePlan(o);
  out(
    keep === undefined ? '\n== cancel open orders' : '\n== cancel open orders (those the plan cannot modify; the rest wait for the plan)',
  );
  if (o.dryRun) {
    out('dry run: open orders left alone');
    // Still looked at: a dry run must show what a run would halt on, and which orders it would modify.
    const open = await broker.openOrders();
    const foreign = open.filter((order) => ownerOf(order.orderRef) === 'foreign');
    const working = keep === undefined ? [] : open.filter((order) => ownerOf(order.orderRef) === 'ours' && keep(order));
    return {
      newFills: reconciled.newFills,
      notices: reconciled.notices,
      breaches: [],
      foreign,
      foreignExecutions: reconciled.foreignExecutions,
      working,
      cancelled: 0,
    };
  }
  const cancelled = await cancelAndRecord(o, ownerOf, now, keep, context.onKept);
  return { newFills: reconciled.newFills, notices: reconciled.notices, foreignExecutions: reconciled.foreignExecutions, ...cancelled };
}

/**
 * Which open orders of ours wait for the plan (ORDER_UPDATES=modify, the default): those this session may modify
 * and that stand at the broker (PreSubmitted, Submitted). None with ORDER_UPDATES=cancel, or with CANCEL_SCOPE=all
 * (its global cancel takes every order of the login before planning, as it always did).
 */
function keptForThePlan(o: SettleOptions): ((order: BrokerOrder) => boolean) | undefined {
  if ((o.settings.orderUpdates ?? 'modify') !== 'modify' || o.settings.cancelScope === 'all') return undefined;
  return (order) => (order.status === 'Submitted' || order.status === 'PreSubmitted') && o.broker.canModify(order);
}

/**
 * The reconciliation, or, when the broker fails it, the cancels without it before the run stops (exit 1): orders
 * left working by earlier runs must not keep working for another hour because their records could not be
 * settled. The cancels record what they learn by orderRef; the next run settles the rest.
 */
async function reconcileOrCancel<T>(
  o: SettleOptions,
  ownerOf: (orderRef: string) => OrderRefOwner,
  now: string,
  reconcile: () => Promise<T>,
): Promise<T> {
  try {
    return await reconcile();
  } catch (error) {
    if (!(error instanceof BrokerError) || o.dryRun) throw error;
    o.out(`reconciliation failed (${error.message}): cancelling the system's open orders anyway, then stopping`);
    try {
      await cancelAndRecord(o, ownerOf, now);
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
  now: string,
  keep?: (order: BrokerOrder) => boolean,
  onKept?: (kept: readonly BrokerOrder[]) => void,
): Promise<{ breaches: Breach[]; foreign: BrokerOrder[]; working: BrokerOrder[]; cancelled: number }> {
  const cancelled = await cancelOpenOrders(o.broker, o.settings.cancelScope, ownerOf, keep, onKept);
  o.out(...formatCancels(cancelled.results));
  for (const f of cancelled.foreign)
    o.out(`left alone: ${f.orderRef} (order ${f.brokerOrderId}, ${f.action} ${f.quantity} ${f.symbol}): its run is not in these records`);
  if (cancelled.foreign.length > 0 && o.settings.cancelScope === 'all')
    o.out("CANCEL_SCOPE=all: no global cancel while orders of another installation are open; only this system's own orders were cancelled");
  o.store.updateOrderStatuses(cancelled.updated);
  o.store.updateOrderStatuses(cancelled.kept);
  o.out(...settleEarlierModifications(o.store, o.runId, cancelled.open, now));
  for (const k of cancelled.kept)
    o.out(
      `kept for the plan: ${k.orderRef} (order ${k.brokerOrderId}, ${k.action} ${k.quantity} ${k.symbol} @ ${k.limitPrice}, ${k.filledQuantity} filled, ${k.status})`,
    );
  return {
    breaches: cancelled.breaches,
    foreign: cancelled.foreign,
    working: cancelled.kept,
    cancelled: confirmedCancels(cancelled.results),
  };
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
