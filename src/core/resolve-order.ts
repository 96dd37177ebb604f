/**
 * What became of an order an earlier run recorded but did not see to the end: an intent the run may or may not
 * have sent before it died, a send that timed out, an order left working. Pure: the order as recorded, the
 * broker's open orders and the recorded executions of that order in, the order's new record out.
 *
 * Orders are matched by orderRef (unique to run and ticker), or by permId when the broker's copy has no
 * orderRef; never by order id, which IB hands out again after a gateway restart.
 */
import { Exact } from './money.js';
import type { RecordedOrderStatus } from './order-status.js';
import type { BrokerOrder, Side } from './types.js';

/** An order as the records have it. */
export interface RecordedOrder {
  orderRef: string;
  symbol: string;
  action: Side;
  quantity: number;
  /** 'Intent', 'SendFailed', or the broker's last status. */
  status: string;
  brokerOrderId?: number;
  permId?: number;
  filledQuantity: number;
  avgFillPrice: number;
}

/** An execution of the order, as recorded (by execId, so each counts once). */
export interface OrderExecution {
  execId: string;
  brokerOrderId: number;
  permId?: number;
  quantity: number;
  price: number;
}

/** Where the broker's side of the order was found. */
export type Evidence = 'open' | 'executions' | 'none';

export interface OrderResolution {
  orderRef: string;
  symbol: string;
  evidence: Evidence;
  status: RecordedOrderStatus;
  brokerOrderId?: number;
  permId?: number;
  filledQuantity: number;
  avgFillPrice: number;
  /** Why the record now says what it says, for the records and the person reading the alert. */
  message: string;
  /** True when this order was an intent (or a failed send) that did reach the broker: a crash was recovered. */
  recovered: boolean;
  /** Shares the broker reported filled for which no execution was found (they show as a position break). */
  fillsMissing: number;
}

/** The broker's open orders that are this recorded order. */
export function matchOpenOrders(order: RecordedOrder, open: BrokerOrder[]): BrokerOrder[] {
  return open.filter(
    (o) => o.orderRef === order.orderRef || (o.orderRef === '' && order.permId !== undefined && o.permId === order.permId),
  );
}

/**
 * Decide the record of one unfinished order of an earlier run:
 * - the broker lists it open: its ids, status and fills are recorded (the cancel step then cancels it);
 * - not open, but executed: Filled when the executions cover it, else Cancelled (partly filled, then expired or
 *   cancelled);
 * - neither, and only an intent: NotSent (it never reached the broker, or reached it and ended unfilled, which
 *   leaves the account the same);
 * - neither, after a failed send: stays SendFailed;
 * - neither, for an order the broker had accepted: Cancelled (expired or cancelled, unfilled).
 */
export function resolveOrder(order: RecordedOrder, open: BrokerOrder[], executions: OrderExecution[]): OrderResolution {
  const fills = totalOf(executions);
  const wasUnsent = order.status === 'Intent' || order.status === 'SendFailed';
  const base = { orderRef: order.orderRef, symbol: order.symbol };
  const matches = matchOpenOrders(order, open);
  const live = matches[0];
  if (live !== undefined) {
    const useFills = fills.quantity >= live.filledQuantity && fills.quantity > 0;
    const duplicates =
      matches.length > 1
        ? `; the broker lists ${matches.length} open orders with this orderRef (ids ${matches.map((m) => m.brokerOrderId).join(', ')})`
        : '';
    const found = `found open at the broker by ${live.orderRef === order.orderRef ? 'orderRef' : 'permId'}: order ${live.brokerOrderId}, permId ${live.permId ?? 'unknown'}, ${live.status}`;
    return {
      ...base,
      evidence: 'open',
      status: live.status,
      brokerOrderId: live.brokerOrderId,
      permId: live.permId ?? order.permId,
      filledQuantity: useFills ? fills.quantity : live.filledQuantity,
      avgFillPrice: useFills ? fills.avgPrice : live.avgFillPrice,
      message: `${wasUnsent ? `${order.status} of an earlier run ${found}` : found}${duplicates}`,
      recovered: wasUnsent,
      fillsMissing: 0,
    };
  }
  const first = executions[0];
  if (first !== undefined) {
    const complete = fills.quantity >= order.quantity;
    const lost =
      order.filledQuantity > fills.quantity
        ? `; the broker had reported ${order.filledQuantity} filled, the missing executions show as a position break`
        : '';
    return {
      ...base,
      evidence: 'executions',
      status: complete ? 'Filled' : 'Cancelled',
      brokerOrderId: order.brokerOrderId ?? first.brokerOrderId,
      permId: order.permId ?? first.permId,
      filledQuantity: Math.max(fills.quantity, order.filledQuantity),
      avgFillPrice: fills.avgPrice,
      message:
        (complete
          ? `filled (${fills.quantity} in ${executions.length} execution(s)), no longer open at the broker`
          : `partly filled ${fills.quantity} of ${order.quantity} in ${executions.length} execution(s), no longer open at the broker: expired or cancelled`) +
        (wasUnsent ? `; it was recorded as ${order.status}: the run that sent it did not record it` : '') +
        lost,
      recovered: wasUnsent,
      fillsMissing: Math.max(0, order.filledQuantity - fills.quantity),
    };
  }
  const unchanged = {
    brokerOrderId: order.brokerOrderId,
    permId: order.permId,
    filledQuantity: order.filledQuantity,
    avgFillPrice: order.avgFillPrice,
  };
  if (order.status === 'Intent') {
    return {
      ...base,
      ...unchanged,
      evidence: 'none',
      status: 'NotSent',
      recovered: false,
      fillsMissing: 0,
      message:
        'not at the broker: no open order and no execution with this orderRef; the run that recorded it ended before sending it (or it reached the broker and ended unfilled)',
    };
  }
  if (order.status === 'SendFailed') {
    return {
      ...base,
      ...unchanged,
      evidence: 'none',
      status: 'SendFailed',
      recovered: false,
      fillsMissing: 0,
      message: 'not at the broker: no open order and no execution with this orderRef',
    };
  }
  const lost =
    order.filledQuantity > 0
      ? `; the broker had reported ${order.filledQuantity} filled but no execution was found, which shows as a position break`
      : '';
  return {
    ...base,
    ...unchanged,
    evidence: 'none',
    status: 'Cancelled',
    recovered: false,
    fillsMissing: order.filledQuantity,
    message: `no longer open at the broker and no execution with this orderRef: expired or cancelled unfilled${lost}`,
  };
}

function totalOf(executions: OrderExecution[]): { quantity: number; avgPrice: number } {
  let quantity = new Exact(0);
  let value = new Exact(0);
  for (const e of executions) {
    quantity = quantity.plus(e.quantity);
    value = value.plus(new Exact(e.quantity).times(e.price));
  }
  return { quantity: quantity.toNumber(), avgPrice: quantity.isZero() ? 0 : value.div(quantity).toDecimalPlaces(8).toNumber() };
}
