/**
 * Modifying a working order in place over an IB session: placeOrder again on the same order id, every field sent
 * again as for a new order (IB asks for "the same parameters used to place the original order, except for the
 * changed parameter", and only the client that placed an order may modify it:
 * https://interactivebrokers.github.io/tws-api/modifying_orders.html).
 *
 * A modification is sent once. IB answers an accepted one with openOrder/orderStatus showing the new quantity and
 * limit (same id and permId); a refused one with an error under the order id and nothing else: the order stands as
 * it was (ib_async's wrapper: "modification to *existing* order just has an update error, but the order is STILL
 * LIVE"; ib_insync issue #502). A timeout or a lost connection after sending means the change may or may not have
 * taken effect: the adapter says so and never resends.
 */
import type { BrokerOrder, ContractInfo, OrderRequest } from '../../core/types.js';
import { BrokerError } from '../../ports/broker.js';
import { rejectAfterGrace, refusedUnderOrderId } from './ib-order-refusal.js';
import { limitOrderFor, orderContract, requestProblems } from './ib-order-build.js';
import { isAcknowledgedStatus, isFinalStatus } from './ib-order-status.js';
import { toBrokerOrder } from './ib-orders.js';
import type { IbSession } from './ib-session.js';

export interface ModifyOptions {
  /** IB_ACCOUNT: the modification names the account again, as the order did. */
  account: string | undefined;
  timeoutMs: number;
  /** Contract details of this session, for the conId. */
  known: ContractInfo | undefined;
  /** When each order (or its latest modification) left, by order id, on the monotonic clock. */
  submittedAt: Map<number, number>;
}

/**
 * Why this session must not modify the order, or undefined when it may. An order whose client id is not known
 * (a completed order IB reported without one, a record from elsewhere) is refused too: placeOrder on its id from
 * here would name this client's own order of that id, a new order if there is none; a wrong order is worse than a
 * cancel and a new one.
 */
export function modifyRefusal(order: BrokerOrder, ownClientId: number): string | undefined {
  const id = order.brokerOrderId;
  if (id <= 0)
    return `order ${order.orderRef || `(permId ${order.permId ?? '?'})`} was entered in TWS, not through the API: only TWS can modify it`;
  if (order.clientId === undefined) {
    return `order ${id} (${order.orderRef}): IB did not say which API client placed it, so this session (client ${ownClientId}) does not modify it by id`;
  }
  if (order.clientId !== ownClientId) {
    return (
      `order ${id} (${order.orderRef}) belongs to API client ${order.clientId}, not to this session's client ${ownClientId}; ` +
      `IB lets only the client that placed an order modify it (placeOrder(${id}) from here would name this client's own order ${id})`
    );
  }
  return undefined;
}

/** Changes one of this client's working orders; resolves once IB shows it with the new quantity and limit. */
export function modifyAdaptiveOrder(
  session: IbSession,
  order: BrokerOrder,
  change: OrderRequest,
  options: ModifyOptions,
): Promise<BrokerOrder> {
  const orderId = order.brokerOrderId;
  const label = `modification of order ${orderId} (${change.action} ${change.quantity} ${change.symbol} @ ${change.limitPrice}, ${order.orderRef})`;
  const refusal = modifyRefusal(order, session.clientId);
  if (refusal !== undefined) throw new BrokerError(`${label} not sent: ${refusal}`, 'rejected', undefined, orderId);
  session.assertUsable();
  const key = session.book.ownKey(orderId);
  const known = session.book.get(key);
  // What the order trades as this session heard it from IB (its contract), else as the caller gives it.
  const secType = known === undefined ? order.secType : known.secType;
  const problems = [...requestProblems(change), ...mismatches({ ...order, secType }, change)];
  if (problems.length > 0) throw new BrokerError(`${label} not sent: ${problems.join('; ')}`, 'fatal', undefined, orderId);
  const account = options.account;
  if (account === undefined || account === '')
    throw new BrokerError(`${label} not sent: IB_ACCOUNT is not set`, 'fatal', undefined, orderId);
  if (known !== undefined && isFinalStatus(known.status)) {
    throw new BrokerError(`${label} not sent: the order is already ${known.status}`, 'rejected', undefined, orderId);
  }
  const filled = known?.filledQuantity ?? order.filledQuantity;
  if (change.quantity <= filled) {
    throw new BrokerError(
      `${label} not sent: ${filled} ${change.secType === 'CASH' ? 'unit(s)' : 'share(s)'} already filled, at or above the new total of ${change.quantity}; the order stands as it was`,
      'rejected',
      undefined,
      orderId,
    );
  }
  const contract = orderContract(change, options.known);
  const ibOrder = limitOrderFor(change, account, contract);
  let grace: ReturnType<typeof setTimeout> | undefined;
  return session.operation<BrokerOrder>({
    label,
    orderId,
    timeoutMs: options.timeoutMs,
    listen: (ctx) => [
      session.book.onUpdate((entry) => {
        if (entry.key !== key) return;
        const shows = entry.quantity === change.quantity && entry.limitPrice === change.limitPrice;
        // A change worked at once may show Filled in openOrder before the orderStatus that counts the fill.
        const settled = entry.status !== 'Filled' || entry.filledQuantity >= entry.quantity;
        if (shows && settled && isAcknowledgedStatus(entry.status)) ctx.resolve(toBrokerOrder(entry));
        else if (isFinalStatus(entry.status) && grace === undefined) {
          // IB's refusal (104, 103) usually follows: it gives the code; without it, the status says enough.
          const { status, filledQuantity } = entry;
          grace = rejectAfterGrace(
            ctx,
            `${label}: the order became ${status} (${filledQuantity} filled) before IB showed the change; it stands as IB reports it`,
            orderId,
          );
        }
      }),
      () => clearTimeout(grace),
    ],
    onMessage: refusedUnderOrderId(label, orderId, change.secType === 'CASH' ? change.symbol : undefined),
    send: (api, id) => {
      options.submittedAt.set(id, performance.now());
      api.placeOrder(id, contract, ibOrder);
    },
    onTimeout: (ctx) =>
      ctx.reject(
        new BrokerError(
          `${label}: IB did not show the change within ${options.timeoutMs} ms; it may have taken effect and is not resent (the next run reads the order as IB has it)`,
          'timeout',
          undefined,
          orderId,
        ),
      ),
  });
}

/**
 * What IB would refuse (105) or what would break the order's lineage: symbol, side, orderRef and what it trades (a
 * conversion stays a conversion on its CASH pair, a stock order a stock order) stay.
 */
function mismatches(order: BrokerOrder, change: OrderRequest): string[] {
  const out: string[] = [];
  const kind = (secType: 'CASH' | undefined): string => (secType === 'CASH' ? 'a currency conversion (CASH)' : 'a stock order');
  if (change.secType !== order.secType) out.push(`the change is ${kind(change.secType)}, the order ${kind(order.secType)}`);
  if (change.symbol !== order.symbol) out.push(`symbol ${change.symbol} is not the order's ${order.symbol}`);
  if (change.action !== order.action) out.push(`side ${change.action} is not the order's ${order.action}`);
  if (change.orderRef !== order.orderRef) out.push(`orderRef ${change.orderRef} is not the order's ${order.orderRef}`);
  return out;
}
