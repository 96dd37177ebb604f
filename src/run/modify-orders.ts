/**
 * ORDER_UPDATES=modify, after the plan: the working orders the plan no longer wants cancelled (each confirmed),
 * then the ones it wants on the same side changed in place. Every change is recorded before it is sent and settled
 * after (order_modifications); a refused change leaves the order as it was, so the order is cancelled and its
 * ticker waits for the next run; a change whose fate is not known (a timeout, a lost connection) stops the
 * sending like a new order's would, and the next run finds the order as it stands by its orderRef.
 */
import { BrokerError, type Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { Breach, BrokerOrder, CancelResult, OrderRequest } from '../core/types.js';
import type { Cancellation, Modification, WorkingOrder } from '../core/order-updates.js';
import { gateStop, type SendGate } from './submit-orders.js';

export interface UpdateOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  out: (...lines: string[]) => void;
  /**
   * The run's count of what it asked of the broker, raised as each change or cancel is confirmed, so that a run
   * failing halfway still records what reached the broker.
   */
  tally?: { modified: number; cancelled: number };
}

/** What cancelling or changing working orders did. */
export interface UpdatesDone {
  /** Changes the broker accepted: the orders as it then showed them. */
  modified: BrokerOrder[];
  /** Cancels the broker confirmed. */
  cancelled: number;
  breaches: Breach[];
  /** Tickers on which nothing more may go out this run: a cancel not confirmed, a change refused or of unknown fate. */
  held: Set<string>;
  /** Set when the sending must stop (a gate, or a change whose fate is not known); `lost`: the connection is gone. */
  stop?: { status: 'blocked' | 'failed'; reason: string; lost?: boolean };
}

/**
 * IB codes of a refused change that need no alarm: the order moved on first (104 filled, 2102 still processing an
 * earlier change) or was placed with another Adaptive priority (105: IB changes only price and size in place, so a
 * change of ADAPTIVE_PRIORITY cancels the working orders once; the next run sends them new). A refusal with no code
 * is the adapter's own, from the order's state it already knew (filled past the new total, or over).
 */
const RACE_CODES: ReadonlySet<number> = new Set([104, 105, 2102]);

/**
 * Cancels each order and waits for the broker's confirmation. An order that filled before the cancel is no
 * failure; one whose cancel was not confirmed is a CANCEL_UNCONFIRMED breach and holds its ticker: sending on
 * top of a live order could trade twice.
 */
export async function cancelWorking(o: UpdateOptions, cancels: readonly Cancellation[]): Promise<UpdatesDone> {
  const done: UpdatesDone = { modified: [], cancelled: 0, breaches: [], held: new Set() };
  for (const { order, reason } of cancels) {
    const result = await cancelOne(o, order, done);
    o.out(
      `cancel ${order.orderRef} (order ${order.brokerOrderId}, ${order.action} ${order.quantity} ${order.symbol} @ ${order.limitPrice}): ${reason}: ${describeCancel(result)}`,
    );
  }
  return done;
}

/**
 * How many changes may be waiting for IB's answer at once. Changes are pipelined like new orders (each waits for its
 * turn in the adapter's pacing, not for the answer to the one before): at 50 ms from IB a change's round trip is
 * 100 ms or more, and 8 in flight keep the pace (47 a second) busy. Kept small because a change already queued
 * behind the pacing still leaves after a halt lands: at most 8, within about 170 ms.
 */
export const MODIFICATIONS_IN_FLIGHT = 8;

/**
 * Sends each change through the gates, in plan order, with up to MODIFICATIONS_IN_FLIGHT waiting for IB's answer at
 * once. The gates are read before each change leaves; a gate that speaks, or a change whose fate is not known, stops
 * the sending: changes already sent are answered and settled, the rest are returned as `unsent` (the caller cancels
 * the orders left unchanged). `done.held` names the tickers whose new orders must wait.
 */
export async function modifyWorking(
  o: UpdateOptions,
  modifications: readonly Modification[],
  gates: readonly SendGate[],
): Promise<UpdatesDone & { unsent: Modification[] }> {
  const done: UpdatesDone = { modified: [], cancelled: 0, breaches: [], held: new Set() };
  const inFlight = new Set<Promise<void>>();
  let stop: UpdatesDone['stop'];
  let failure: { error: unknown } | undefined;
  let next = 0;
  for (; next < modifications.length && stop === undefined && failure === undefined; next++) {
    const m = modifications[next];
    if (m === undefined) break;
    const gated = gateStop(gates, asRequest(m), modifications.slice(next).map(asRequest));
    if (gated !== undefined) {
      done.breaches.push(...gated.breaches);
      stop = gated.stop;
      break;
    }
    const tracked: Promise<void> = modifyOne(o, m, done)
      .then((stopped) => {
        if (stopped !== undefined && stop === undefined) stop = stopped;
      })
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    if (inFlight.size >= MODIFICATIONS_IN_FLIGHT) await Promise.race(inFlight);
  }
  // Every change sent is answered (or times out) and settled before the run goes on.
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure.error;
  return { ...done, ...(stop === undefined ? {} : { stop }), unsent: modifications.slice(next) };
}

/** One change: recorded, sent, settled; a refusal cancels the order. Returns why the sending must stop, if it must. */
async function modifyOne(o: UpdateOptions, m: Modification, done: UpdatesDone): Promise<UpdatesDone['stop']> {
  const { order, change } = m;
  const id = o.store.recordModificationIntent(
    o.runId,
    {
      runId: o.runId,
      orderRef: order.orderRef,
      brokerOrderId: order.brokerOrderId,
      fromQuantity: order.quantity,
      fromLimitPrice: order.limitPrice,
      quantity: change.quantity,
      limitPrice: change.limitPrice,
      filledBefore: m.filledBefore,
      referencePrice: m.referencePrice,
      ...(m.fx === undefined ? {} : { fx: m.fx }),
    },
    o.now,
  );
  const what = `${order.orderRef} (order ${order.brokerOrderId}, ${order.action} ${order.symbol}): ${order.quantity} @ ${order.limitPrice} -> ${change.quantity} @ ${change.limitPrice} (${m.filledBefore} filled, ${m.remainder} more wanted)`;
  try {
    const modified = await o.broker.modifyOrder(order, change);
    o.store.settleModification(id, { status: 'Modified', order: modified }, o.now);
    done.modified.push(modified);
    if (o.tally !== undefined) o.tally.modified += 1;
    o.out(`modified ${what}: ${modified.status}`);
    return undefined;
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    done.held.add(order.symbol);
    const code = error.code === undefined ? '' : ` (IB code ${error.code})`;
    if (error.kind !== 'rejected') {
      o.store.settleModification(id, { status: 'Unknown', message: `${error.kind}: ${error.message}` }, o.now);
      done.breaches.push({
        code: 'BROKER_ERROR',
        symbol: order.symbol,
        detail: `change of ${what}: ${error.message}${code}; it may have taken effect: the next run finds the order by its orderRef`,
      });
      o.out(`change of ${what}: ${error.kind}: ${error.message}; sending stops`);
      // Still connected (a timeout, a refusal before sending): the order is cancelled, whichever terms it has now;
      // the next run settles the change from the order as the broker lists it.
      if (error.kind !== 'connectivity' && error.kind !== 'connect') {
        const result = await cancelOne(o, order, done);
        o.out(`${order.orderRef} (order ${order.brokerOrderId}): ${describeCancel(result)}`);
      }
      const lost = error.kind === 'connectivity' || error.kind === 'connect';
      return { status: 'failed', reason: `${error.kind} while changing ${order.orderRef}`, lost };
    }
    o.store.settleModification(id, { status: 'Refused', code: error.code, message: error.message }, o.now);
    const benign = error.code === undefined || RACE_CODES.has(error.code);
    if (!benign)
      done.breaches.push({ code: 'BROKER_ERROR', symbol: order.symbol, detail: `change of ${what} refused: ${error.message}${code}` });
    const result = await cancelOne(o, order, done);
    o.out(
      `change of ${what} refused${code}: ${error.message}; the order is cancelled (${describeCancel(result)}); ${order.symbol} waits for the next run`,
    );
    return undefined;
  }
}

/** Cancels one order, records its state, counts it, and holds its ticker unless the order is over. */
async function cancelOne(o: UpdateOptions, order: BrokerOrder, done: UpdatesDone): Promise<CancelResult> {
  let result: CancelResult;
  try {
    result = await o.broker.cancelOrder(order);
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    result = { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef, confirmed: false, detail: error.message };
  }
  const status = result.status ?? (result.confirmed ? 'Cancelled' : order.status);
  o.store.updateOrderStatuses([{ ...order, status }]);
  if (result.confirmed) {
    done.cancelled += 1;
    if (o.tally !== undefined) o.tally.cancelled += 1;
  } else if (status !== 'Filled') {
    done.held.add(order.symbol);
    done.breaches.push({
      code: 'CANCEL_UNCONFIRMED',
      symbol: order.symbol,
      detail: `cancel of order ${order.brokerOrderId} (${order.orderRef}) not confirmed${result.detail ? `: ${result.detail}` : ''}; nothing more is sent for ${order.symbol} this run`,
    });
  }
  return result;
}

function describeCancel(r: CancelResult): string {
  if (r.confirmed) return `cancelled${r.status !== undefined && r.status !== 'Cancelled' ? ` (${r.status})` : ''}`;
  return `NOT confirmed${r.status !== undefined ? ` (${r.status})` : ''}${r.detail ? `: ${r.detail}` : ''}`;
}

/** A change as the gates see it: the order request, its quantity the remainder it adds (for "not sent: ..." lines). */
function asRequest(m: Modification): OrderRequest {
  return { ...m.change, quantity: m.remainder };
}

/**
 * Changes earlier runs sent without learning their fate (killed after sending, a lost connection): settled from the
 * order as the broker now lists it. An open order that shows the change's quantity and limit took it; one that
 * shows anything else did not. An order no longer open took it if it filled past its old total; otherwise the
 * change made no difference the records could show (its fills, recorded either way, stayed within the old total).
 */
export function settleEarlierModifications(store: RunStore, runId: string, open: readonly BrokerOrder[], now: string): string[] {
  const lines: string[] = [];
  for (const m of store.unsettledModifications(runId)) {
    const order = open.find((x) => x.orderRef === m.orderRef);
    const change = `${m.orderRef}: ${m.fromQuantity} @ ${m.fromLimitPrice} -> ${m.quantity} @ ${m.limitPrice}`;
    if (order !== undefined) {
      const took = order.quantity === m.quantity && order.limitPrice === m.limitPrice;
      store.settleModification(
        m.id,
        took
          ? { status: 'Modified', order, message: `found in effect at the broker by run ${runId}` }
          : { status: 'NotApplied', message: `the broker lists the order at ${order.quantity} @ ${order.limitPrice} (run ${runId})` },
        now,
      );
      lines.push(
        `change of ${change} sent by run ${m.runId}: ${took ? 'in effect' : `not in effect (the order stands at ${order.quantity} @ ${order.limitPrice})`}`,
      );
      continue;
    }
    const filled = store.fillsOfOrder(m.orderRef).reduce((sum, f) => sum + f.quantity, 0);
    const took = filled > m.fromQuantity;
    store.settleModification(
      m.id,
      took
        ? {
            status: 'Modified',
            message: `the order is no longer open; ${filled} filled, past its old total ${m.fromQuantity} (run ${runId})`,
          }
        : {
            status: 'NotApplied',
            message: `the order is no longer open and filled ${filled}, within its old total ${m.fromQuantity}: whether the change took effect made no difference to its fills (run ${runId})`,
          },
      now,
    );
    lines.push(
      `change of ${change} sent by run ${m.runId}: the order is no longer open (${filled} filled); recorded as ${took ? 'in effect' : 'not in effect'}`,
    );
  }
  return lines;
}

/** The working orders kept for the plan, each with what the records hold as filled of it (after this run's fills). */
export function workingOrdersOf(kept: readonly BrokerOrder[], store: RunStore, broker: Broker): WorkingOrder[] {
  return kept.map((order) => ({
    order,
    recordedFilled: store.fillsOfOrder(order.orderRef).reduce((sum, f) => sum + f.quantity, 0),
    modifiable: broker.canModify(order),
  }));
}
