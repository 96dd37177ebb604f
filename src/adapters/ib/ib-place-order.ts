/**
 * Placing an order and following its status over an IB session.
 *
 * An order is sent once. A timeout or a lost connection after sending means it may have reached IB: the
 * adapter says so and never resends; the next run finds it by its orderRef.
 */
import type { BrokerOrder, ContractInfo, OrderRequest } from '../../core/types.js';
import { BrokerError, type SentOrder } from '../../ports/broker.js';
import { rejectAfterGrace, refusedUnderOrderId } from './ib-order-refusal.js';
import { limitOrderFor, orderContract, requestProblems } from './ib-order-build.js';
import { isAcknowledgedStatus, isFinalStatus } from './ib-order-status.js';
import { readOpenOrders, toBrokerOrder } from './ib-orders.js';
import type { IbSession } from './ib-session.js';

export interface PlaceOptions {
  /** IB_ACCOUNT: every order names its account. */
  account: string | undefined;
  timeoutMs: number;
  /** Contract details of this session, for the conId. */
  known: ContractInfo | undefined;
  /** When each order left, by order id, on the monotonic clock (a wall clock set back must not stretch the window). */
  submittedAt: Map<number, number>;
  /**
   * Asked once the order's turn has come, just before it is written: false keeps it back (the operation then rejects
   * with {@link Withheld}, nothing written); otherwise called as it is written: from then on it may have reached IB.
   */
  onLeaving?: () => boolean;
}

/** An order kept back at the last moment by its caller (sendOrder's `mayLeave`): nothing of it was written. */
export class Withheld extends BrokerError {
  constructor(label: string) {
    super(`${label}: kept back before it was written (nothing sent)`, 'fatal');
  }
}

/**
 * Sends one limit order (Adaptive when routed SMART; plain on a direct route, and for a currency conversion on
 * IDEALPRO: see ib-order-build.ts); resolves once IB acknowledges it (openOrder or orderStatus).
 */
export function placeAdaptiveOrder(session: IbSession, request: OrderRequest, options: PlaceOptions): Promise<BrokerOrder> {
  session.assertUsable();
  const problems = requestProblems(request);
  if (problems.length > 0) throw new BrokerError(`order ${request.orderRef} not sent: ${problems.join('; ')}`, 'fatal');
  const account = options.account;
  if (account === undefined || account === '') throw new BrokerError(`order ${request.orderRef} not sent: IB_ACCOUNT is not set`, 'fatal');
  const orderId = session.orderIds.allocate();
  if (orderId === undefined) {
    throw new BrokerError(
      `order ${request.orderRef} not sent: TWS gave this session no valid next order id, so no order id can be chosen safely`,
      'fatal',
    );
  }
  const { symbol, action, quantity, limitPrice, orderRef } = request;
  const label = `order ${orderId} (${action} ${quantity} ${symbol} @ ${limitPrice}, ${orderRef})`;
  const entry = session.book.seed({
    brokerOrderId: orderId,
    ...(request.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
    clientId: session.clientId,
    orderRef,
    symbol,
    action,
    quantity,
    limitPrice,
    status: 'PendingSubmit',
    filledQuantity: 0,
    avgFillPrice: 0,
  });
  const contract = orderContract(request, options.known);
  const order = limitOrderFor(request, account, contract);
  let grace: ReturnType<typeof setTimeout> | undefined;
  return session.operation<BrokerOrder>({
    label,
    orderId,
    timeoutMs: options.timeoutMs,
    listen: (ctx) => [
      session.book.onUpdate((update) => {
        if (update.key !== entry.key) return;
        if (isAcknowledgedStatus(update.status)) ctx.resolve(toBrokerOrder(update));
        else if (isFinalStatus(update.status) && grace === undefined)
          grace = rejectAfterGrace(ctx, `${label}: IB set it ${update.status}${update.message ? ` (${update.message})` : ''}`, orderId);
      }),
      () => clearTimeout(grace),
    ],
    onMessage: refusedUnderOrderId(label, orderId, request.secType === 'CASH' ? request.symbol : undefined),
    send: (api, id) => {
      if (options.onLeaving?.() === false) throw new Withheld(label);
      options.submittedAt.set(id, performance.now());
      api.placeOrder(id, contract, order);
    },
    onTimeout: (ctx) =>
      ctx.reject(
        new BrokerError(
          `${label}: no acknowledgement from IB within ${options.timeoutMs} ms; it may have reached IB and is not resent (the next run finds it by its orderRef)`,
          'timeout',
          undefined,
          orderId,
        ),
      ),
  });
}

/**
 * Sends one Adaptive limit order without waiting for IB's acknowledgement (pipelined submission): resolves once the
 * order passed the pacing bucket and is written to the socket, with `acknowledged`, which settles as
 * {@link placeAdaptiveOrder} does (its timeout counted from that moment). Rejects, the order not sent, when it
 * cannot leave: a request refused before sending, or a session that failed while the order waited its turn (the
 * bucket drops what waits and never lets it through).
 */
export function sendAdaptiveOrder(
  session: IbSession,
  request: OrderRequest,
  mayLeave: (() => boolean) | undefined,
  options: PlaceOptions,
): Promise<SentOrder | undefined> {
  return new Promise<SentOrder | undefined>((resolve, reject) => {
    let left = false;
    const acknowledged: Promise<BrokerOrder> = placeAdaptiveOrder(session, request, {
      ...options,
      onLeaving: () => {
        if (mayLeave?.() === false) return false;
        left = true;
        resolve({ acknowledged });
        return true;
      },
    });
    // Until it has left, a failure means it never did; afterwards the caller reads it from `acknowledged`.
    acknowledged.catch((error: unknown) => {
      if (left) return;
      if (error instanceof Withheld) resolve(undefined);
      else reject(error instanceof Error ? error : new Error(String(error)));
    });
  });
}

/**
 * The latest state of this client's orders, after listening until `windowMs` has passed since each was sent
 * (or until all are final). Orders this session has not heard of are looked up among the open orders.
 */
export async function followOrderStatuses(
  session: IbSession,
  ids: number[],
  windowMs: number,
  submittedAt: Map<number, number>,
  timeoutMs: number,
): Promise<BrokerOrder[]> {
  session.assertUsable();
  const keys = ids.map((id) => session.book.ownKey(id));
  const allFinal = () =>
    keys.every((key) => {
      const found = session.book.get(key);
      return found !== undefined && isFinalStatus(found.status) && !fillUncounted(found);
    });
  const until = Math.max(0, ...ids.map((id) => (submittedAt.get(id) ?? performance.now()) + windowMs - performance.now()));
  if (until > 0 && !allFinal()) {
    await session.operation<void>({
      label: 'order status window',
      timeoutMs: until,
      listen: (ctx) => [session.book.onUpdate(() => allFinal() && ctx.resolve())],
      onTimeout: (ctx) => ctx.resolve(),
    });
  }
  if (keys.some((key) => session.book.get(key) === undefined)) await readOpenOrders(session, timeoutMs);
  return keys.flatMap((key) => {
    const found = session.book.get(key);
    if (found === undefined) return [];
    // The orderStatus that counts the fill did not come within the window: the order is reported as working, not
    // "Filled, 0 filled" (final with no fill missing, it would never be looked up again, its executions never
    // collected once IB no longer lists them); the next run reconciles it by orderRef.
    return [fillUncounted(found) ? { ...toBrokerOrder(found), status: 'Submitted' as const } : toBrokerOrder(found)];
  });
}

/**
 * TWS announces a fill with an openOrder whose OrderState says Filled but that carries no filled quantity; the
 * orderStatus with the figures follows as a message of its own. Between the two, the book shows Filled with less
 * than the order's quantity filled.
 */
function fillUncounted(order: Pick<BrokerOrder, 'status' | 'filledQuantity' | 'quantity'>): boolean {
  return order.status === 'Filled' && order.filledQuantity < order.quantity;
}
