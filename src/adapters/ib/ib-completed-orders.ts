/**
 * The current day's finished orders over an IB session (reqCompletedOrders).
 *
 * IB answers with one completedOrder message per order that reached a final state during the current trading day,
 * of every API client and typed in TWS (apiOnly false), then completedOrdersEnd; nothing of an earlier day. A
 * completed order carries neither its order id nor its client id, and no average fill price: only its permId, its
 * orderRef, its final status, the quantity filled, when it ended and IB's text for how ("Filled", "Cancelled by
 * Trader"). The order id, client id and average price are filled in only from what this session itself heard of
 * the order (the order book, by permId).
 */
import type { Contract, Order, OrderState } from '@stoqey/ib';
import type { BrokerOrder } from '../../core/types.js';
import { tradedOf } from './ib-conversions.js';
import type { IbLog } from './ib-log.js';
import { isFinalStatus, sideOfAction, toOrderStatus } from './ib-order-status.js';
import type { IbSession } from './ib-session.js';
import { parseIbTime } from './ib-time.js';

export interface CompletedOrderOptions {
  /** IB_ACCOUNT: only its orders. */
  account: string | undefined;
  timeoutMs: number;
  log: IbLog;
}

type Raw = { contract: Contract; order: Order; state: OrderState };

/**
 * The current day's finished stock orders of the account, of every client and typed in TWS, in IB's order, and this
 * system's own finished currency conversions.
 */
export function readCompletedOrders(session: IbSession, options: CompletedOrderOptions): Promise<BrokerOrder[]> {
  return session.unkeyed.run(async () => {
    const raw: Raw[] = [];
    await session.operation<void>({
      label: 'completed orders',
      timeoutMs: options.timeoutMs,
      listen: (ctx) => [
        session.events.on('completedOrder', (contract, order, state) => raw.push({ contract, order, state })),
        session.events.on('completedOrdersEnd', () => ctx.resolve()),
      ],
      send: (api) => api.reqCompletedOrders(false),
    });
    return raw.flatMap((r) => {
      if (options.account && r.order.account && r.order.account !== options.account) return [];
      const converted = toBrokerOrder(session, r);
      if (typeof converted === 'string') {
        options.log.warn(
          { symbol: r.contract.symbol, permId: r.order.permId, orderRef: r.order.orderRef, status: r.state.status },
          `completed order left out: ${converted}`,
        );
        return [];
      }
      if (converted.completedAt === undefined) {
        options.log.warn(
          { permId: converted.permId, completedTime: r.state.completedTime },
          'completed order without a time IB wrote in a known form: kept without it',
        );
      }
      return [converted];
    });
  });
}

/** One completed order as ours, or why it cannot be trusted (then it is left out, never guessed). */
function toBrokerOrder(session: IbSession, { contract, order, state }: Raw): BrokerOrder | string {
  // Stocks, and the currency conversions this system placed (ib-conversions.ts).
  const traded = tradedOf(contract, order.orderRef);
  if ('leftOut' in traded) return traded.leftOut;
  const permId = order.permId !== undefined && Number.isFinite(order.permId) && order.permId > 0 ? order.permId : undefined;
  if (permId === undefined) return 'no permId';
  const status = toOrderStatus(state.status);
  if (status === undefined || !isFinalStatus(status)) return `status "${String(state.status)}" is not a final status`;
  const action = sideOfAction(order.action);
  if (action === undefined) return `unknown action "${String(order.action)}"`;
  const quantity = order.totalQuantity;
  if (quantity === undefined || !(quantity > 0)) return `quantity ${String(quantity)}`;
  const filled = order.filledQuantity;
  // A cancelled order whose filled quantity is missing may have filled in part: assuming 0 would lose a fill.
  if (filled === undefined || !Number.isFinite(filled) || filled < 0 || filled > quantity) return `filled quantity ${String(filled)}`;
  if (status === 'Filled' && filled !== quantity) return `Filled with ${filled} of ${quantity}`;
  const known = session.book.find({ brokerOrderId: 0, permId });
  const completedAt = completionTime(state.completedTime);
  return {
    brokerOrderId: known?.brokerOrderId ?? 0,
    ...(traded.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
    permId,
    ...(known?.clientId === undefined ? {} : { clientId: known.clientId }),
    orderRef: order.orderRef ?? '',
    symbol: traded.symbol,
    action,
    quantity,
    limitPrice: order.lmtPrice ?? 0,
    status,
    filledQuantity: filled,
    avgFillPrice: known !== undefined && known.filledQuantity === filled ? known.avgFillPrice : 0,
    ...(state.completedStatus ? { message: state.completedStatus } : {}),
    ...(completedAt === undefined ? {} : { completedAt }),
  };
}

function completionTime(text: string | undefined): string | undefined {
  if (!text) return undefined;
  try {
    return parseIbTime(text);
  } catch {
    return undefined;
  }
}
