import { BrokerError, type Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { AdaptivePriority, Breach, BrokerOrder, OrderRequest, PlanLine } from '../core/types.js';
import { orderRefFor } from './run-id.js';

export interface SubmitOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  lines: PlanLine[];
  adaptivePriority: AdaptivePriority;
  statusWindowMs: number;
  /** Receives each order as soon as the broker accepted it (the run's own list of what was sent). */
  sent?: BrokerOrder[];
  /** Checked before every order: a `halt` typed while the run is in flight stops what is not yet sent. */
  isHalted: () => boolean;
}

export interface SubmitResult {
  sent: BrokerOrder[];
  breaches: Breach[];
  /** Set when submission stopped early; the orders after it were not sent. */
  stoppedBecause?: string;
}

/** The orders of a plan: its BUY and SELL lines as requests, each with an orderRef naming run and ticker. */
export function orderRequestsOf(runId: string, lines: PlanLine[], adaptivePriority: AdaptivePriority): OrderRequest[] {
  return lines.flatMap((line) =>
    line.action === 'NONE' || line.limitPrice === undefined
      ? []
      : [
          {
            orderRef: orderRefFor(runId, line.symbol),
            symbol: line.symbol,
            action: line.action,
            quantity: line.quantity,
            limitPrice: line.limitPrice,
            adaptivePriority,
            primaryExchange: line.primaryExchange ?? '',
            currency: line.currency ?? 'USD',
          },
        ],
  );
}

/**
 * Step 8: record each order, then send it. An order that cannot be recorded is never sent (the
 * StorageError propagates and stops the run). A rejected order is recorded as such and the others go
 * on; a timeout or a lost connection stops submission at once, because the order may have reached the
 * broker and must not be sent again: the next run reconciles it by orderRef.
 */
export async function submitOrders(options: SubmitOptions): Promise<SubmitResult> {
  const { broker, store } = options;
  // The caller's array: an order that reached the broker is in it at once, even if recording it then fails,
  // so a run that stops half-way still tells what was sent.
  const sent: BrokerOrder[] = options.sent ?? [];
  const breaches: Breach[] = [];
  let stoppedBecause: string | undefined;
  for (const request of orderRequestsOf(options.runId, options.lines, options.adaptivePriority)) {
    if (options.isHalted()) {
      stoppedBecause = 'the kill switch was turned on during the run';
      breaches.push({ code: 'KILL_SWITCH', detail: `halted during the run: ${request.orderRef} and later orders not sent` });
      break;
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
      breaches.push({ code: 'BROKER_ERROR', symbol: request.symbol, detail: `${request.action} ${request.quantity} ${request.symbol} @ ${request.limitPrice}: ${error.message}${code}` });
      if (error.kind === 'rejected') {
        store.markOrderFailed(request.orderRef, `rejected: ${error.message}`);
        continue;
      }
      store.markOrderFailed(request.orderRef, `${error.kind}: ${error.message}; it may have reached the broker, the next run reconciles it by orderRef`);
      stoppedBecause = `${error.kind} while sending ${request.orderRef}`;
      break;
    }
  }
  if (sent.length > 0 && stoppedBecause === undefined) {
    try {
      const statuses = await broker.orderStatuses(sent.map((o) => o.brokerOrderId), options.statusWindowMs);
      store.updateOrderStatuses(statuses);
      return { sent: mergeStatuses(sent, statuses), breaches, stoppedBecause };
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      // Every order is already at the broker and recorded: the next run reads their states.
      breaches.push({ code: 'BROKER_ERROR', detail: `order statuses after submission: ${error.message}` });
      return { sent, breaches, stoppedBecause: `${error.kind} while gathering order statuses` };
    }
  }
  return { sent, breaches, stoppedBecause };
}

function mergeStatuses(sent: BrokerOrder[], statuses: BrokerOrder[]): BrokerOrder[] {
  return sent.map((o) => statuses.find((s) => s.brokerOrderId === o.brokerOrderId) ?? o);
}
