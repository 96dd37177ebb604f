/**
 * What becomes of the orders earlier runs left working, once the plan is made (ORDER_UPDATES=modify): each is
 * modified in place when the plan still wants the same side of its ticker, else cancelled; the plan's other orders
 * go out as new ones. Pure.
 *
 * A modification asks the broker for a new TOTAL quantity: what of the order the records already hold as filled,
 * plus the remainder the plan now wants. The plan sized that remainder from the broker's position, which the
 * ledger check found equal to the recorded fills (a ticker whose ledger disagrees is not traded, so its order is
 * cancelled), so the order's old remainder is replaced, never added to: nothing is bought twice. Fills that land
 * between the plan and the modification count against the same total, so they cannot take the position past the
 * target either; a total at or below what has filled by then is refused by the broker (IB 104 or a rejection), and
 * the run cancels the order.
 */
import type { BrokerOrder, ExchangeRate, OrderRequest, PlanLine } from './types.js';

/** How the run treats the orders earlier runs left working: modify them in place (default) or cancel them first. */
export type OrderUpdatesMode = 'modify' | 'cancel';
export const ORDER_UPDATES_MODES: readonly OrderUpdatesMode[] = ['modify', 'cancel'];

/** A working order of ours an earlier run placed, with what the records hold of it. */
export interface WorkingOrder {
  order: BrokerOrder;
  /** Shares of the order the records hold as filled (its recorded executions, by orderRef). */
  recordedFilled: number;
  /** Whether this session may modify it (the broker's canModify: IB, only the client that placed it). */
  modifiable: boolean;
}

/** A working order changed in place: the order as the broker listed it, and as it is to stand. */
export interface Modification {
  order: BrokerOrder;
  /** The order as it is to stand: its orderRef, symbol, side; `quantity` the new total; the plan's limit. */
  change: OrderRequest;
  /** The remainder the plan wants now (change.quantity - filledBefore). */
  remainder: number;
  /** Recorded fills of the order when the plan was made. */
  filledBefore: number;
  referencePrice?: number;
  /** The rate the plan sized the ticker with, when it is quoted in another currency than the account's. */
  fx?: ExchangeRate;
}

/** A working order to cancel, and why (for the console and the records). */
export interface Cancellation {
  order: BrokerOrder;
  reason: string;
}

/** What the run does with its working orders and the plan's orders. */
export interface OrderUpdates {
  /** Cancelled (and confirmed) before anything else is sent. */
  cancels: Cancellation[];
  /** Changed in place, in plan order. */
  modifications: Modification[];
  /** Working orders the plan wants exactly as they stand: left alone, no message sent. */
  unchanged: BrokerOrder[];
  /** The plan's orders that go out as new orders (every request no modification covers), in plan order. */
  newOrders: OrderRequest[];
  /**
   * The plan's orders for tickers whose working order is cancelled now (the plan turned its side, or it could not be
   * changed): not sent this run. The plan sized them from the position before the cancel, and the cancelled order
   * may fill until the cancel lands; the next run plans from the position after it.
   */
  deferred: OrderRequest[];
  /**
   * Working orders on tickers whose market is closed now (another market open, or none): left as they stand, with
   * why. This run neither changes nor cancels them merely because their market is closed; a DAY order ends at its
   * market's close, and the first run in its session changes or cancels it. Absent: none.
   */
  left?: Cancellation[];
}

/** Statuses in which an order is at the broker and may be changed; an order in any other is cancelled instead. */
const MODIFIABLE_STATUSES: ReadonlySet<string> = new Set(['PreSubmitted', 'Submitted']);

/**
 * The updates for one run. `requests`: the plan's orders (orderRequestsOf), `lines` for the reference prices;
 * `ordersAllowed`: whether the session phase and the run (not dry) let orders go. With orders not allowed every
 * working order is cancelled and nothing is modified or sent.
 */
export function planOrderUpdates(
  working: readonly WorkingOrder[],
  requests: readonly OrderRequest[],
  lines: readonly PlanLine[],
  o: {
    ordersAllowed: boolean;
    /** Why the plan sends nothing at all (HALTED), for the cancels' reason. */ halted?: string;
    /** Tickers whose market is closed now, with why: their working orders are left as they stand (unless HALTED). */
    closed?: ReadonlyMap<string, string>;
    /** Tickers whose market is in session but takes no orders now (a no-trade window), with why: their working orders are cancelled, saying so. */
    held?: ReadonlyMap<string, string>;
  },
): OrderUpdates {
  const cancels: Cancellation[] = [];
  const left: Cancellation[] = [];
  const modifications: Modification[] = [];
  const unchanged: BrokerOrder[] = [];
  const covered = new Set<string>();
  const perSymbol = new Map<string, number>();
  for (const w of working) perSymbol.set(w.order.symbol, (perSymbol.get(w.order.symbol) ?? 0) + 1);
  for (const w of working) {
    const { order } = w;
    const closed = o.halted === undefined ? o.closed?.get(order.symbol) : undefined;
    if (closed !== undefined) {
      // Left only while the plan still wants at least that much on that side: an order it no longer wants would fill
      // when the market opens again (after a midday break) with nothing asking for it.
      const against = againstThePlan(
        w,
        lines.find((l) => l.symbol === order.symbol),
        perSymbol.get(order.symbol) ?? 0,
      );
      if (against === undefined) left.push({ order, reason: closed });
      else cancels.push({ order, reason: `${closed}; ${against}` });
      continue;
    }
    const request = requests.find((r) => r.symbol === order.symbol);
    const held = o.held?.get(order.symbol);
    const reason =
      o.halted ??
      (held === undefined ? undefined : `no orders may go for ${order.symbol} now (${held})`) ??
      cancelReason(w, request, o.ordersAllowed, perSymbol.get(order.symbol) ?? 0);
    if (request !== undefined) covered.add(request.symbol);
    if (reason !== undefined || request === undefined) {
      cancels.push({ order, reason: reason ?? `the plan wants no order for ${order.symbol} now` });
      continue;
    }
    const total = w.recordedFilled + request.quantity;
    if (total === order.quantity && request.limitPrice === order.limitPrice) {
      unchanged.push(order);
      continue;
    }
    const line = lines.find((l) => l.symbol === order.symbol);
    modifications.push({
      order,
      change: { ...request, orderRef: order.orderRef, quantity: total },
      remainder: request.quantity,
      filledBefore: w.recordedFilled,
      referencePrice: line?.referencePrice,
      ...(line?.fx === undefined ? {} : { fx: line.fx }),
    });
  }
  const newOrders = o.ordersAllowed ? requests.filter((r) => !covered.has(r.symbol)) : [];
  const modified = new Set(modifications.map((m) => m.order.symbol));
  const kept = new Set(unchanged.map((u) => u.symbol));
  const deferred = o.ordersAllowed ? requests.filter((r) => covered.has(r.symbol) && !modified.has(r.symbol) && !kept.has(r.symbol)) : [];
  return { cancels, modifications, unchanged, newOrders, deferred, ...(left.length === 0 ? {} : { left }) };
}

/**
 * Why a working order on a closed market may not be left as it stands, or undefined when it may: the plan (before
 * its market held it) wants a trade on the order's side at least as large as what remains of the order.
 */
function againstThePlan(w: WorkingOrder, line: PlanLine | undefined, onTicker: number): string | undefined {
  const { order } = w;
  if (onTicker > 1) return `${onTicker} working orders for ${order.symbol}: all are cancelled`;
  if (order.filledQuantity > w.recordedFilled)
    return `the broker reports ${order.filledQuantity} filled, the records ${w.recordedFilled}: executions not yet recorded`;
  const wanted = line === undefined ? 0 : Number(line.targetQuantity) - Number(line.currentQuantity);
  const side = wanted > 0 ? 'BUY' : wanted < 0 ? 'SELL' : undefined;
  if (side !== order.action) return `the plan wants no ${order.action} of ${order.symbol} now`;
  const remaining = order.quantity - w.recordedFilled;
  if (remaining > Math.abs(wanted)) return `its ${remaining} remaining are more than the ${Math.abs(wanted)} the plan wants now`;
  return undefined;
}

/** Why the working order cannot be modified into the plan's order, or undefined when it can. */
function cancelReason(w: WorkingOrder, request: OrderRequest | undefined, ordersAllowed: boolean, onTicker: number): string | undefined {
  const { order } = w;
  if (!ordersAllowed) return 'no orders may go now';
  if (request === undefined) return `the plan wants no order for ${order.symbol} now`;
  if (request.action !== order.action) return `the plan wants ${request.action} ${request.quantity} ${order.symbol} now`;
  if (onTicker > 1) return `${onTicker} working orders for ${order.symbol}: all are cancelled`;
  if (!w.modifiable) return 'this session may not modify it (placed by another API client)';
  if (!MODIFIABLE_STATUSES.has(order.status)) return `it is ${order.status} at the broker`;
  // Fewer filled at the broker than recorded is a list read before the last fills were collected: harmless, the
  // total counts from the records. More is executions the records do not hold yet: the order is cancelled.
  if (order.filledQuantity > w.recordedFilled)
    return `the broker reports ${order.filledQuantity} filled, the records ${w.recordedFilled}: executions not yet recorded`;
  return undefined;
}
