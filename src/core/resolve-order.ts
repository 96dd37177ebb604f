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
  /** An intent of a batch whose turn to be sent never came: it was never handed to the broker. */
  awaitingTurn?: boolean;
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
export type Evidence = 'open' | 'executions' | 'completed' | 'none';

/** What the broker can still show of an order, beyond its open orders. */
export interface BrokerView {
  /**
   * False when the order was sent before the first day the executions looked at cover (IB's API shows only the
   * current day's; a statement may cover earlier days): then "no execution" proves nothing.
   */
  executionsComplete: boolean;
  /** Why they are not complete, for the message: e.g. "sent 2026-12-04 15:35 New York; IB shows only today's". */
  gap?: string;
  /** The broker's orders that reached a final state today (IB: reqCompletedOrders), of every client. */
  completed?: BrokerOrder[];
  /** The executions of the order's day come from a statement (not the live API): it is all that statement lists. */
  fromStatement?: boolean;
}

const FULL_VIEW: BrokerView = { executionsComplete: true };

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
 * - not open, and executed in full: Filled;
 * - among the broker's completed orders of the day: its final status there, with its filled quantity (fills the
 *   broker counts but whose executions were not found show as missing);
 * - the executions looked at cannot cover it (sent on an earlier day than they reach): Unknown, whatever the
 *   recorded fills so far; never a guess that it expired unfilled;
 * - not open, partly executed: Cancelled (partly filled, then expired or cancelled);
 * - neither, and only an intent: NotSent (it never reached the broker, or reached it and ended unfilled, which
 *   leaves the account the same);
 * - neither, after a failed send: stays SendFailed;
 * - neither, for an order the broker had accepted: Cancelled (expired or cancelled, unfilled).
 */
export function resolveOrder(
  order: RecordedOrder,
  open: BrokerOrder[],
  executions: OrderExecution[],
  view: BrokerView = FULL_VIEW,
): OrderResolution {
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
  if (first !== undefined && fills.quantity >= order.quantity) return executed(order, executions, fills, wasUnsent);
  // A completed order is this one only if it could be: same ticker and side, never more filled than ordered.
  const done = matchOpenOrders(order, view.completed ?? []).find(
    (d) => d.symbol === order.symbol && d.action === order.action && d.filledQuantity <= order.quantity,
  );
  if (done !== undefined) return completedAt(order, done, fills, wasUnsent);
  // Never handed to the broker (its run stopped before its turn came), and the broker shows nothing of it: not sent,
  // whatever day it is, with or without the executions of its day.
  if (order.status === 'Intent' && order.awaitingTurn === true && executions.length === 0) return neverHandedOver(order);
  if (!view.executionsComplete) return unknown(order, fills, executions.length, view.gap);
  // A statement that lists fewer executions than IB reported filled contradicts IB: neither is taken on trust.
  if (view.fromStatement === true && order.filledQuantity > fills.quantity)
    return unknown(order, fills, executions.length, 'the statement covering its day lists fewer executions than IB reported filled');
  if (first !== undefined) return executed(order, executions, fills, wasUnsent);
  return unseen(order);
}

function executed(
  order: RecordedOrder,
  executions: OrderExecution[],
  fills: { quantity: number; avgPrice: number },
  wasUnsent: boolean,
): OrderResolution {
  const base = { orderRef: order.orderRef, symbol: order.symbol };
  const first = executions[0];
  const complete = fills.quantity >= order.quantity;
  const lost =
    order.filledQuantity > fills.quantity
      ? `; the broker had reported ${order.filledQuantity} filled, the missing executions show as a position break`
      : '';
  return {
    ...base,
    evidence: 'executions',
    status: complete ? 'Filled' : 'Cancelled',
    brokerOrderId: order.brokerOrderId ?? first?.brokerOrderId,
    permId: order.permId ?? first?.permId,
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

/** The broker lists the order among today's completed ones: its status and filled quantity are the broker's. */
function completedAt(
  order: RecordedOrder,
  done: BrokerOrder,
  fills: { quantity: number; avgPrice: number },
  wasUnsent: boolean,
): OrderResolution {
  const brokerFilled = Math.max(done.filledQuantity, order.filledQuantity);
  const missing = Math.max(0, brokerFilled - fills.quantity);
  const useFills = fills.quantity > 0 && missing === 0;
  const lost =
    missing > 0
      ? `; the broker reports ${brokerFilled} filled but ${fills.quantity === 0 ? 'no execution was' : `executions of only ${fills.quantity} were`} found, the missing ones show as a position break`
      : '';
  return {
    orderRef: order.orderRef,
    symbol: order.symbol,
    evidence: 'completed',
    status: done.status,
    brokerOrderId: order.brokerOrderId ?? done.brokerOrderId,
    permId: order.permId ?? done.permId,
    filledQuantity: Math.max(brokerFilled, fills.quantity),
    avgFillPrice: useFills ? fills.avgPrice : done.avgFillPrice,
    message:
      `among the broker's completed orders of the day: ${done.status}, filled ${done.filledQuantity} of ${order.quantity}` +
      (done.message !== undefined && done.message !== '' ? ` (${done.message})` : '') +
      (wasUnsent ? `; it was recorded as ${order.status}: the run that sent it did not record it` : '') +
      lost,
    recovered: wasUnsent,
    fillsMissing: missing,
  };
}

/**
 * Not open, and the executions looked at do not reach back to when it was sent: what it did cannot be seen.
 * Recorded as Unknown, never as expired unfilled; its ticker waits (ORDER_OUTCOME_UNKNOWN) for the executions
 * to be found in a statement or for a person to accept the broker's position.
 */
function unknown(
  order: RecordedOrder,
  fills: { quantity: number; avgPrice: number },
  found: number,
  gap: string | undefined,
): OrderResolution {
  const recorded =
    fills.quantity > 0 ? `${fills.quantity} of ${order.quantity} recorded filled (${found} execution(s))` : 'no fill recorded';
  const known =
    order.filledQuantity > fills.quantity
      ? `IB reported ${order.filledQuantity} filled while the run watched, but ${recorded}: the executions were never collected`
      : recorded;
  return {
    orderRef: order.orderRef,
    symbol: order.symbol,
    evidence: 'none',
    status: 'Unknown',
    brokerOrderId: order.brokerOrderId,
    permId: order.permId,
    filledQuantity: Math.max(fills.quantity, order.filledQuantity),
    avgFillPrice: fills.quantity > 0 ? fills.avgPrice : order.avgFillPrice,
    recovered: false,
    fillsMissing: 0,
    message:
      `outcome unknown: no longer open at the broker, and its executions are out of sight` +
      `${gap !== undefined && gap !== '' ? ` (${gap})` : ''}; ${known}, recorded as ${order.status} before`,
  };
}

/** Not open, no execution, and the executions looked at cover the order's whole life. */
function neverHandedOver(order: RecordedOrder): OrderResolution {
  return {
    orderRef: order.orderRef,
    symbol: order.symbol,
    brokerOrderId: order.brokerOrderId,
    permId: order.permId,
    filledQuantity: order.filledQuantity,
    avgFillPrice: order.avgFillPrice,
    evidence: 'none',
    status: 'NotSent',
    recovered: false,
    fillsMissing: 0,
    message:
      'never sent: the run that recorded it stopped before its turn came (it was never handed to the broker), and the broker shows no order or execution with this orderRef',
  };
}

function unseen(order: RecordedOrder): OrderResolution {
  const base = { orderRef: order.orderRef, symbol: order.symbol };
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
