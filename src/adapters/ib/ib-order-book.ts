/**
 * What this session has heard about orders: openOrder and orderStatus messages merged per order.
 *
 * Order ids are per API client, so the book keys orders by client id and order id (orders typed in TWS by
 * hand have no usable order id and are keyed by permId). IB's permId, once known, finds an order whatever
 * the other fields say.
 */
import type { Contract, Order, OrderState } from '@stoqey/ib';
import type { BrokerOrder } from '../../core/types.js';
import type { IbEvents, OrderStatusUpdate } from './ib-events.js';
import { isFinalStatus, sideOfAction, toOrderStatus } from './ib-order-status.js';

export interface BookEntry extends BrokerOrder {
  key: string;
}

type StatusPart = Pick<BrokerOrder, 'status' | 'filledQuantity' | 'avgFillPrice' | 'permId'>;

export class OrderBook {
  private readonly byKey = new Map<string, BookEntry>();
  private readonly byPermId = new Map<number, string>();
  /** Statuses of orders whose openOrder has not arrived yet, applied when it does. */
  private readonly early = new Map<string, StatusPart>();
  private readonly listeners = new Set<(entry: BookEntry) => void>();

  constructor(
    events: IbEvents,
    private readonly ownClientId: number,
  ) {
    events.on('openOrder', (orderId, contract, order, state) => this.onOpenOrder(orderId, contract, order, state));
    events.on('orderStatus', (update) => this.onOrderStatus(update));
  }

  /** The key of an order of this client. */
  ownKey(orderId: number): string {
    return keyOf(this.ownClientId, orderId, undefined);
  }

  get(key: string): BookEntry | undefined {
    return this.byKey.get(key);
  }

  /** The entry of an order as another part of the adapter reported it: by permId, else by client and order id. */
  find(order: Pick<BrokerOrder, 'brokerOrderId' | 'clientId' | 'permId'>): BookEntry | undefined {
    const byPerm = this.findKey(order.permId);
    return this.byKey.get(byPerm ?? keyOf(order.clientId ?? this.ownClientId, order.brokerOrderId, order.permId));
  }

  /** Every update of any order; returns the unsubscribe function. */
  onUpdate(listener: (entry: BookEntry) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Records an order this session is about to send, so that its later messages have an entry to update. */
  seed(order: BrokerOrder): BookEntry {
    const entry: BookEntry = { ...order, key: this.ownKey(order.brokerOrderId) };
    this.byKey.set(entry.key, entry);
    return entry;
  }

  /** An IB message about one of this client's orders: kept as the order's message; 202 also ends it. */
  noteMessage(orderId: number, code: number, text: string): void {
    const entry = this.byKey.get(this.ownKey(orderId));
    if (entry === undefined) return;
    entry.message = `IB ${code}: ${text}`;
    if (code === 202 && !isFinalStatus(entry.status)) entry.status = 'Cancelled';
    this.publish(entry);
  }

  private onOpenOrder(orderId: number, contract: Contract, order: Order, state: OrderState): void {
    const clientId = order.clientId ?? this.ownClientId;
    const permId = positive(order.permId);
    const key = this.findKey(permId) ?? keyOf(clientId, orderId, permId);
    const previous = this.byKey.get(key);
    const status = toOrderStatus(state.status) ?? previous?.status ?? 'Submitted';
    // A CASH order is kept under its pair's name (`USD.SGD`, IB's localSymbol): its contract's symbol is only the
    // first currency. Whose it is decides later whether it is reported (ib-orders.ts, ib-conversions.ts).
    const cash = contract.secType === undefined ? previous?.secType === 'CASH' : contract.secType === 'CASH';
    const entry: BookEntry = {
      key,
      brokerOrderId: orderId,
      ...(cash ? { secType: 'CASH' as const } : {}),
      permId: permId ?? previous?.permId,
      clientId,
      orderRef: order.orderRef ?? previous?.orderRef ?? '',
      symbol:
        (cash && contract.symbol && contract.currency ? `${contract.symbol}.${contract.currency}` : contract.symbol) ??
        previous?.symbol ??
        '',
      action: sideOfAction(order.action) ?? previous?.action ?? 'BUY',
      quantity: order.totalQuantity ?? previous?.quantity ?? 0,
      limitPrice: order.lmtPrice ?? previous?.limitPrice ?? 0,
      status,
      filledQuantity: previous?.filledQuantity ?? 0,
      avgFillPrice: previous?.avgFillPrice ?? 0,
      ...(previous?.message === undefined ? {} : { message: previous.message }),
    };
    if (toOrderStatus(state.status) === undefined && state.status !== undefined) entry.message = `IB status ${String(state.status)}`;
    const early = this.early.get(key);
    if (early) Object.assign(entry, early);
    this.early.delete(key);
    this.store(entry);
  }

  private onOrderStatus(update: OrderStatusUpdate): void {
    const permId = positive(update.permId);
    const key = this.findKey(permId) ?? keyOf(update.clientId ?? this.ownClientId, update.orderId, permId);
    const status = toOrderStatus(update.status);
    const part: StatusPart = {
      status: status ?? this.byKey.get(key)?.status ?? 'Submitted',
      filledQuantity: update.filled ?? 0,
      avgFillPrice: update.avgFillPrice ?? 0,
      ...(permId === undefined ? {} : { permId }),
    };
    const entry = this.byKey.get(key);
    if (entry === undefined) {
      this.early.set(key, part);
      return;
    }
    Object.assign(entry, part);
    this.store(entry);
  }

  private findKey(permId: number | undefined): string | undefined {
    return permId === undefined ? undefined : this.byPermId.get(permId);
  }

  private store(entry: BookEntry): void {
    this.byKey.set(entry.key, entry);
    if (entry.permId !== undefined) this.byPermId.set(entry.permId, entry.key);
    this.publish(entry);
  }

  private publish(entry: BookEntry): void {
    for (const listener of [...this.listeners]) listener(entry);
  }
}

/** API orders by client and order id; manual TWS orders (order id 0 or below) by permId. */
function keyOf(clientId: number, orderId: number, permId: number | undefined): string {
  if (orderId > 0) return `${clientId}:${orderId}`;
  return `perm:${permId ?? `${clientId}:${orderId}`}`;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}
