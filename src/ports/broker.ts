import type {
  AccountSummary,
  BrokerOrder,
  BrokerPosition,
  CancelResult,
  ContractHint,
  ContractInfo,
  ExchangeRate,
  Execution,
  OrderRequest,
  Quote,
} from '../core/types.js';

/**
 * The broker port: what a run needs from a broker. Implemented by the `sim` broker (in-process,
 * state under DATA_DIR) and the `ib` adapter (IB Gateway/TWS over @stoqey/ib).
 *
 * Every method resolves or rejects within its own timeout; a rejection is a {@link BrokerError}.
 * No method is ever retried behind the caller's back.
 */
export interface Broker {
  /** Open the session. Rejects with BrokerError on failure. */
  connect(): Promise<void>;
  /** Close the session; never rejects. */
  disconnect(): Promise<void>;
  /**
   * The broker's clock (ISO 8601 UTC), read from the broker (IB: reqCurrentTime, whole seconds). Execution times
   * and the executions filter are on this clock, not the machine's: the run measures the difference once.
   */
  currentTime(): Promise<string>;
  /** Accounts this login can trade. */
  managedAccounts(): Promise<string[]>;
  accountSummary(account: string): Promise<AccountSummary>;
  positions(account: string): Promise<BrokerPosition[]>;
  /** Open orders of the account, of every client. */
  openOrders(): Promise<BrokerOrder[]>;
  /**
   * The broker's orders that reached a final state (Filled, Cancelled, Inactive...) during the current trading
   * day, of every client and typed by hand, each with its final status, filled quantity, orderRef, permId and
   * `completedAt`; nothing of an earlier day (IB: reqCompletedOrders, the current New York day only, so after a
   * night with the box off an order of yesterday is in neither this nor `executions`). IB does not say which order
   * id or client placed a completed order, nor its average fill price: `brokerOrderId` is 0 and `clientId` absent
   * unless this session saw the order itself, `avgFillPrice` 0 unless known from its executions; match by permId
   * (or orderRef). An order IB reports in a way that cannot be trusted (its filled quantity missing, a status that
   * is not final) is left out, never guessed.
   */
  completedOrders(): Promise<BrokerOrder[]>;
  /** Cancel one order and wait for the broker to confirm it (or time out: confirmed=false). */
  cancelOrder(order: BrokerOrder): Promise<CancelResult>;
  /**
   * Optional: cancel every open order of the login at once (IB's global cancel), including orders of other
   * API clients and orders typed in TWS, which `cancelOrder` cannot cancel; one result per order that was
   * open. For CANCEL_SCOPE=all. Brokers without it are served by `cancelOrder` on each order.
   */
  cancelAllOrders?(): Promise<CancelResult[]>;
  /** Executions (with commissions) at or after `since` (ISO 8601). */
  executions(since: string): Promise<Execution[]>;
  /**
   * Contract facts per symbol; a symbol the broker does not know is absent from the result. When the caller passes
   * `leftOut`, the broker writes into it why it left each symbol out, in its own words (see {@link LeftOut}).
   */
  contractDetails(symbols: string[], hints: Record<string, ContractHint>, leftOut?: LeftOut): Promise<Record<string, ContractInfo>>;
  /** One snapshot per symbol; a symbol without data is absent from the result (and, given `leftOut`, why in it). */
  quotes(symbols: string[], contracts: Record<string, ContractInfo>, leftOut?: LeftOut): Promise<Record<string, Quote>>;
  /**
   * The broker's rate of each currency to `baseCurrency` (base units per one unit) from its FX market, for currencies
   * the account's cash ledger does not list (IB lists only the currencies an account holds). A currency without a
   * usable quote is absent from the result (and, given `leftOut`, why in it); never guessed.
   */
  exchangeRates(baseCurrency: string, currencies: string[], leftOut?: LeftOut): Promise<Record<string, ExchangeRate>>;
  /** Send one order; resolves once the broker has accepted it for processing. */
  placeOrder(order: OrderRequest): Promise<BrokerOrder>;
  /**
   * Send one order without waiting for the broker's acknowledgement (pipelined submission): resolves once the order
   * has left (IB: past the pacing bucket and written to the socket), with `acknowledged`, which then settles as
   * `placeOrder` would (the accepted order, or a BrokerError: 'rejected' when the broker refused it; 'timeout',
   * 'connectivity' or 'fatal' when it may or may not have reached the broker), each order within its own timeout
   * counted from the moment it left. Rejects with a BrokerError only when the order did NOT leave (a session already
   * lost, a request the adapter refuses to build): nothing of it reached the broker. Never resent.
   * `mayLeave`, when given, is asked at the last moment, once the order's turn has come (IB: past the pacing bucket,
   * just before it is written): false keeps it back, and the promise resolves undefined, nothing sent.
   */
  sendOrder(order: OrderRequest, mayLeave?: () => boolean): Promise<SentOrder | undefined>;
  /**
   * Whether this session may change or cancel the order by its id: IB lets only the API client that placed an
   * order modify it (placeOrder on the same id from another client names that client's own order: a new one).
   */
  canModify(order: BrokerOrder): boolean;
  /**
   * Change one working order of this session in place (IB: placeOrder again on the same order id, every field as
   * before but `quantity` and `limitPrice`): `change` is the order as it is to stand, with the working order's
   * orderRef, symbol, side and algo, `quantity` the new TOTAL quantity (what already filled plus the remainder
   * now wanted) and the new limit. Resolves once the broker shows the order with the new quantity and limit
   * (same id and permId). Rejects with a BrokerError: kind 'rejected' when the broker refused the change and the
   * order stands as it was (IB codes 103, 104, 105, 110, 135, 201, 2102 with IB's text); 'timeout',
   * 'connectivity' or 'fatal' when the change may or may not have taken effect. Never resent.
   */
  modifyOrder(order: BrokerOrder, change: OrderRequest): Promise<BrokerOrder>;
  /** Latest known state of the given orders, gathered for up to `windowMs` after submission. */
  orderStatuses(brokerOrderIds: number[], windowMs: number): Promise<BrokerOrder[]>;
}

/** An order that has left for the broker (see {@link Broker.sendOrder}). */
export interface SentOrder {
  /** Settles once: the accepted order, or a BrokerError. */
  acknowledged: Promise<BrokerOrder>;
}

/**
 * Why a broker left symbols out of a contractDetails or quotes result, by symbol: the broker's own answer (IB's code
 * and text) and the fix when one is known. A broker that keeps no reasons leaves it as it is; the first reason
 * written for a symbol stays (a quote not asked for lacks its contract: the contract's reason is the one that counts).
 */
export type LeftOut = Record<string, string>;

export type BrokerErrorKind = 'connect' | 'timeout' | 'rejected' | 'connectivity' | 'fatal';

/** A failure talking to the broker: an IB code when there is one, and the request it belongs to. */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    message: string,
    readonly kind: BrokerErrorKind,
    readonly code?: number,
    readonly requestId?: number,
  ) {
    super(message);
  }
}
