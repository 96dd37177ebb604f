import { BrokerError, type Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { Breach, BrokerOrder, OrderRequest, PlanLine } from '../core/types.js';
import { isFinal } from '../core/order-status.js';

export interface SubmitOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  orders: OrderRequest[];
  /** The plan's lines, for the reference price recorded with each order. */
  lines: PlanLine[];
  statusWindowMs: number;
  /** Checked before every order: a `halt` typed while the run is in flight stops what is not yet sent. */
  isHalted: () => boolean;
}

export interface SubmitResult {
  /** Every order the broker accepted, even when a later step of the submission failed. */
  sent: BrokerOrder[];
  breaches: Breach[];
  /** Set when submission stopped early; the orders after it were not sent. */
  stoppedBecause?: string;
  /** An error that is not the broker's (a record that could not be written): the run fails with it. */
  failure?: unknown;
}

/**
 * Record each order, then send it. An order that cannot be recorded is never sent (the StorageError comes back
 * as `failure`, with what was sent before it). A rejected order is recorded as such and the others go on; a
 * timeout or a lost connection stops submission at once, because the order may have reached the broker and
 * must not be sent again: the next run reconciles it by orderRef.
 */
export async function submitOrders(options: SubmitOptions): Promise<SubmitResult> {
  const { broker, store } = options;
  const sent: BrokerOrder[] = [];
  const breaches: Breach[] = [];
  try {
    const stoppedBecause = await sendEach(options, sent, breaches);
    if (sent.length === 0 || stoppedBecause !== undefined) return { sent, breaches, stoppedBecause };
    try {
      const statuses = await broker.orderStatuses(
        sent.map((o) => o.brokerOrderId),
        options.statusWindowMs,
      );
      store.updateOrderStatuses(statuses);
      const merged = mergeStatuses(sent, statuses);
      breaches.push(...merged.flatMap(killedAfterAcceptance));
      return { sent: merged, breaches };
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      // Every order is already at the broker and recorded: the next run reads their states.
      breaches.push({ code: 'BROKER_ERROR', detail: `order statuses after submission: ${error.message}` });
      return { sent, breaches, stoppedBecause: `${error.kind} while gathering order statuses` };
    }
  } catch (failure) {
    // What reached the broker is still listed, so the run that stops here tells what it sent.
    return { sent, breaches, failure };
  }
}

/** Sends the orders one by one into `sent` and `breaches`; returns why it stopped early, if it did. */
async function sendEach(options: SubmitOptions, sent: BrokerOrder[], breaches: Breach[]): Promise<string | undefined> {
  const { broker, store } = options;
  for (const request of options.orders) {
    if (options.isHalted()) {
      breaches.push({ code: 'KILL_SWITCH', detail: `halted during the run: ${request.orderRef} and later orders not sent` });
      return 'the kill switch was turned on during the run';
    }
    const referencePrice = options.lines.find((l) => l.symbol === request.symbol)?.referencePrice;
    store.recordOrderIntent(options.runId, { ...request, referencePrice }, options.now);
    try {
      const accepted = await broker.placeOrder(request);
      sent.push(accepted);
      store.markOrderSent(request.orderRef, accepted);
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      const code = error.code === undefined ? '' : ` (IB code ${error.code})`;
      breaches.push({
        code: 'BROKER_ERROR',
        symbol: request.symbol,
        detail: `${request.action} ${request.quantity} ${request.symbol} @ ${request.limitPrice}: ${error.message}${code}`,
      });
      if (error.kind === 'rejected') {
        store.markOrderFailed(request.orderRef, `rejected: ${error.message}`);
        continue;
      }
      store.markOrderFailed(
        request.orderRef,
        `${error.kind}: ${error.message}; it may have reached the broker, the next run reconciles it by orderRef`,
      );
      return `${error.kind} while sending ${request.orderRef}`;
    }
  }
  return undefined;
}

/**
 * An order the broker accepted, then ended unfilled within the status window (IB: PreSubmitted, then error 201
 * and Inactive, or 202 and Cancelled): a rejection like any other, not an order sent.
 */
function killedAfterAcceptance(order: BrokerOrder): Breach[] {
  if (!isFinal(order.status) || order.status === 'Filled') return [];
  const filled = order.filledQuantity > 0 ? `, ${order.filledQuantity} of ${order.quantity} filled` : '';
  const why = order.message ? `: ${order.message}` : '';
  return [
    {
      code: 'BROKER_ERROR',
      symbol: order.symbol,
      detail: `${order.action} ${order.quantity} ${order.symbol} @ ${order.limitPrice}: ${order.status} after the broker accepted it${filled}${why}`,
    },
  ];
}

function mergeStatuses(sent: BrokerOrder[], statuses: BrokerOrder[]): BrokerOrder[] {
  return sent.map((o) => statuses.find((s) => s.brokerOrderId === o.brokerOrderId) ?? o);
}
