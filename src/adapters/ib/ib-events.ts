/**
 * The @stoqey/ib events the adapter uses, as one typed hub. The only place that subscribes to IBApi.
 *
 * `error` and `info` are merged into one `message(code, text, id)` event: TWS sends notices, warnings and
 * errors through the same callback, and the library only splits them by id (-1 → info). The adapter sorts
 * them by code and id instead (ib-codes.ts, ib-ids.ts).
 */
import {
  EventName,
  type CommissionReport,
  type Contract,
  type ContractDetails,
  type Execution,
  type IBApi,
  type Order,
  type OrderState,
} from '@stoqey/ib';

/** One message from the client: TWS's error/notice callback, or an error the library raised itself. */
export interface IbClientMessage {
  code: number;
  text: string;
  id: number;
}

export interface IbEventMap {
  message: [code: number, text: string, id: number];
  disconnected: [];
  nextValidId: [orderId: number];
  managedAccounts: [accounts: string];
  accountSummary: [reqId: number, account: string, tag: string, value: string, currency: string];
  accountSummaryEnd: [reqId: number];
  position: [account: string, contract: Contract, quantity: number | undefined, avgCost: number | undefined];
  positionEnd: [];
  openOrder: [orderId: number, contract: Contract, order: Order, state: OrderState];
  openOrderEnd: [];
  completedOrder: [contract: Contract, order: Order, state: OrderState];
  completedOrdersEnd: [];
  orderStatus: [update: OrderStatusUpdate];
  contractDetails: [reqId: number, details: ContractDetails];
  contractDetailsEnd: [reqId: number];
  tickPrice: [reqId: number, tickType: number, price: number | undefined];
  tickSnapshotEnd: [reqId: number];
  marketDataType: [reqId: number, type: number];
  execDetails: [reqId: number, contract: Contract, execution: Execution];
  execDetailsEnd: [reqId: number];
  commissionReport: [report: CommissionReport];
  currentTime: [epochSeconds: number];
  /** A market rule's price bands, as decoded (each `{ lowEdge, increment }`, unchecked). */
  marketRule: [ruleId: number, increments: unknown[]];
}

/** One ORDER_STATUS message. */
export interface OrderStatusUpdate {
  orderId: number;
  status: string;
  filled: number | undefined;
  remaining: number | undefined;
  avgFillPrice: number | undefined;
  permId: number | undefined;
  clientId: number | undefined;
}

type Listener<K extends keyof IbEventMap> = (...args: IbEventMap[K]) => void;

/**
 * A typed event hub. A listener that throws must not unwind into the library's socket handler (that would
 * crash the process mid-message): the exception goes to `onListenerError`, which fails the session.
 */
export class IbEvents {
  private readonly listeners = new Map<keyof IbEventMap, Set<Listener<never>>>();

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof IbEventMap>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    const stored = listener as unknown as Listener<never>;
    set.add(stored);
    return () => {
      set.delete(stored);
    };
  }

  emit<K extends keyof IbEventMap>(name: K, ...args: IbEventMap[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as unknown as Listener<K>)(...args);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** Forwards the IBApi events the adapter needs into the hub. */
export function wireEvents(api: IBApi, hub: IbEvents): void {
  api.on(EventName.error, (error: Error, code: number, reqId: number) => hub.emit('message', code, error.message, reqId));
  api.on(EventName.info, (message: string, code: number) => hub.emit('message', code, message, -1));
  api.on(EventName.disconnected, () => hub.emit('disconnected'));
  api.on(EventName.nextValidId, (id: number) => hub.emit('nextValidId', id));
  api.on(EventName.managedAccounts, (accounts: string) => hub.emit('managedAccounts', accounts));
  api.on(EventName.accountSummary, (reqId, account, tag, value, currency) =>
    hub.emit('accountSummary', reqId, account, tag, value, currency),
  );
  api.on(EventName.accountSummaryEnd, (reqId) => hub.emit('accountSummaryEnd', reqId));
  api.on(EventName.position, (account, contract, pos, avgCost) => hub.emit('position', account, contract, pos, avgCost));
  api.on(EventName.positionEnd, () => hub.emit('positionEnd'));
  api.on(EventName.openOrder, (orderId, contract, order, state) => hub.emit('openOrder', orderId, contract, order, state));
  api.on(EventName.openOrderEnd, () => hub.emit('openOrderEnd'));
  api.on(EventName.completedOrder, (contract, order, state) => hub.emit('completedOrder', contract, order, state));
  api.on(EventName.completedOrdersEnd, () => hub.emit('completedOrdersEnd'));
  api.on(EventName.orderStatus, (orderId, status, filled, remaining, avgFillPrice, permId, _parentId, _lastFillPrice, clientId) =>
    hub.emit('orderStatus', { orderId, status, filled, remaining, avgFillPrice, permId, clientId }),
  );
  api.on(EventName.contractDetails, (reqId, details) => hub.emit('contractDetails', reqId, details));
  api.on(EventName.contractDetailsEnd, (reqId) => hub.emit('contractDetailsEnd', reqId));
  api.on(EventName.tickPrice, (reqId, tickType, price) => hub.emit('tickPrice', reqId, Number(tickType), price));
  api.on(EventName.tickSnapshotEnd, (reqId) => hub.emit('tickSnapshotEnd', reqId));
  api.on(EventName.marketDataType, (reqId, type) => hub.emit('marketDataType', reqId, type));
  api.on(EventName.execDetails, (reqId, contract, execution) => hub.emit('execDetails', reqId, contract, execution));
  api.on(EventName.execDetailsEnd, (reqId) => hub.emit('execDetailsEnd', reqId));
  api.on(EventName.commissionReport, (report) => hub.emit('commissionReport', report));
  api.on(EventName.currentTime, (time: number) => hub.emit('currentTime', time));
  api.on(EventName.marketRule, (ruleId: number, increments: unknown[]) => hub.emit('marketRule', ruleId, increments));
}
