/**
 * The `ib` broker: the Broker port over IB Gateway/TWS through @stoqey/ib (IBApi, not IBApiNext: the
 * adapter needs every notice with its code and id, which IBApiNext keeps to itself).
 *
 * One instance serves one run: `connect()` opens a session, `disconnect()` ends it, and a session that
 * failed (connection dropped, connectivity lost, undecodable message) stays failed: every later call
 * rejects with that BrokerError. Nothing is ever retried behind the caller's back but the connection.
 */
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
} from '../../core/types.js';
import { BrokerError, type Broker, type LeftOut, type SentOrder } from '../../ports/broker.js';
import type { ContractCache } from '../../ports/contract-cache.js';
import { readAccountSummary, readPositions } from './ib-account.js';
import { readCompletedOrders } from './ib-completed-orders.js';
import { connectSession } from './ib-connect.js';
import { readContractDetails } from './ib-contracts.js';
import { readExecutions } from './ib-executions.js';
import { readExchangeRates } from './ib-fx-rates.js';
import { silentLog, type IbLog } from './ib-log.js';
import { modifyAdaptiveOrder, modifyRefusal } from './ib-modify-order.js';
import { cancelAllOrders, cancelOwnOrder, readOpenOrders } from './ib-orders.js';
import { followOrderStatuses, placeAdaptiveOrder, sendAdaptiveOrder } from './ib-place-order.js';
import { readQuotes, setMarketDataType } from './ib-quotes.js';
import type { IbClientMessage, IbSession } from './ib-session.js';

export interface IbBrokerOptions {
  host: string;
  port: number;
  clientId: number;
  /** IB_ACCOUNT: the account orders are placed in and executions are read for. */
  account: string | undefined;
  /** IB_TIMEOUT_MS: each connection attempt and each request. */
  timeoutMs: number;
  /** IB_CONNECT_RETRIES: connection attempts after the first. */
  connectRetries: number;
  /** First wait between connection attempts, doubled each time (default 500 ms). */
  connectBackoffMs?: number;
  /** CANCEL_TIMEOUT_MS: how long a cancel waits for IB's confirmation. */
  cancelTimeoutMs: number;
  marketDataType: 'live' | 'delayed';
  /** MARKET_DATA_LINES: snapshots in flight at once. */
  marketDataLines: number;
  /** MARKET_DATA_TIMEOUT_MS: how long one snapshot may take. */
  marketDataTimeoutMs: number;
  /** IB_MESSAGES_PER_SECOND: the pacing bucket's rate (default IB_PACING's 47). */
  messagesPerSecond?: number;
  contractCache?: ContractCache;
  /** The run's clock (ISO 8601), for the contract cache. Default: the system clock. */
  now?: () => string;
  /** `rebalancer plan`: refuse to place or cancel anything. */
  readOnly?: boolean;
  log?: IbLog;
  /** Sees every error and notice the client reports (tests fail on decoding errors, code 505). */
  onClientError?: (message: IbClientMessage) => void;
}

export class IbBroker implements Broker {
  private session: IbSession | undefined;
  private readonly log: IbLog;
  /** Commission per execId, from every report this session heard (they come without a request id). */
  private readonly commissions = new Map<string, number>();
  /** The currency of each commission report, when IB named one: a conversion's is booked in its pair's second. */
  private readonly commissionCurrencies = new Map<string, string>();
  private readonly submittedAt = new Map<number, number>();
  private readonly contracts = new Map<string, ContractInfo>();
  private marketDataTypeSent = false;

  constructor(private readonly options: IbBrokerOptions) {
    this.log = options.log ?? silentLog;
  }

  async connect(): Promise<void> {
    if (this.session !== undefined) throw new BrokerError('the IB broker is already connected; a run uses one session', 'connect');
    const o = this.options;
    const session = await connectSession({
      host: o.host,
      port: o.port,
      clientId: o.clientId,
      timeoutMs: o.timeoutMs,
      retries: o.connectRetries,
      backoffMs: o.connectBackoffMs,
      log: this.log,
      onClientError: o.onClientError,
      ...(o.messagesPerSecond === undefined ? {} : { messagesPerSecond: o.messagesPerSecond }),
    });
    session.events.on('commissionReport', (report) => {
      if (report.execId && report.commission !== undefined && Number.isFinite(report.commission)) {
        this.commissions.set(report.execId, report.commission);
        if (report.currency) this.commissionCurrencies.set(report.execId, report.currency);
      }
    });
    this.session = session;
  }

  async disconnect(): Promise<void> {
    this.session?.close();
    try {
      this.options.contractCache?.close?.();
    } catch (error) {
      this.log.warn({ err: error }, 'could not close the contract cache');
    }
  }

  /** IB's clock: reqCurrentTime, answered with CURRENT_TIME in epoch seconds. */
  async currentTime(): Promise<string> {
    const session = this.connected();
    session.assertUsable();
    const seconds = await session.operation<number>({
      label: 'current time',
      timeoutMs: this.options.timeoutMs,
      listen: (ctx) => [session.events.on('currentTime', (time) => ctx.resolve(time))],
      send: (api) => api.reqCurrentTime(),
    });
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new BrokerError(`current time: IB answered "${String(seconds)}", not a time`, 'fatal');
    return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  }

  async managedAccounts(): Promise<string[]> {
    const session = this.connected();
    session.assertUsable();
    return [...session.accounts];
  }

  async accountSummary(account: string): Promise<AccountSummary> {
    return readAccountSummary(this.connected(), account, this.options.timeoutMs, { now: this.options.now, log: this.log });
  }

  async positions(account: string): Promise<BrokerPosition[]> {
    return readPositions(this.connected(), account, this.options.timeoutMs, this.log);
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return readOpenOrders(this.connected(), this.options.timeoutMs);
  }

  async completedOrders(): Promise<BrokerOrder[]> {
    return readCompletedOrders(this.connected(), { account: this.options.account, timeoutMs: this.options.timeoutMs, log: this.log });
  }

  async cancelOrder(order: BrokerOrder): Promise<CancelResult> {
    this.refuseWhenReadOnly(`cancel order ${order.brokerOrderId}`);
    return cancelOwnOrder(this.connected(), order, this.options.cancelTimeoutMs);
  }

  async cancelAllOrders(): Promise<CancelResult[]> {
    this.refuseWhenReadOnly('cancel all orders');
    return cancelAllOrders(this.connected(), this.options.timeoutMs, this.options.cancelTimeoutMs);
  }

  async executions(since: string): Promise<Execution[]> {
    const executions = await readExecutions(this.connected(), since, this.commissions, {
      account: this.options.account,
      timeoutMs: this.options.timeoutMs,
      log: this.log,
    });
    // A conversion's commission is booked in its pair's second currency (the run's cash per currency counts it
    // there): one IB charged in another is not known here, as when its report has not come (null).
    return executions.map((e) => {
      const charged = this.commissionCurrencies.get(e.execId);
      const second = e.symbol.split('.')[1];
      return e.secType === 'CASH' && charged !== undefined && charged !== second ? { ...e, commission: null } : e;
    });
  }

  async contractDetails(symbols: string[], hints: Record<string, ContractHint>, leftOut?: LeftOut): Promise<Record<string, ContractInfo>> {
    const options = {
      cache: this.options.contractCache,
      now: this.options.now ?? (() => new Date().toISOString()),
      timeoutMs: this.options.timeoutMs,
      log: this.log,
    };
    const found = await readContractDetails(this.connected(), symbols, hints, options, leftOut);
    for (const info of Object.values(found)) this.contracts.set(info.symbol, info);
    return found;
  }

  /** The session, with the market data type sent once (it applies to every later request of the session). */
  private async marketDataSession(): Promise<IbSession> {
    const session = this.connected();
    if (!this.marketDataTypeSent) {
      await setMarketDataType(session, this.options.marketDataType);
      this.marketDataTypeSent = true;
    }
    return session;
  }

  async quotes(symbols: string[], contracts: Record<string, ContractInfo>, leftOut?: LeftOut): Promise<Record<string, Quote>> {
    const session = await this.marketDataSession();
    const { marketDataType, marketDataLines: lines, marketDataTimeoutMs: timeoutMs } = this.options;
    return readQuotes(session, symbols, contracts, { marketDataType, lines, timeoutMs, log: this.log }, leftOut);
  }

  /**
   * Each currency's rate in `baseCurrency` from IB's FX market: the midpoint of a snapshot of its IDEALPRO pair (see
   * ib-fx-rates.ts), under the same market data type, lines and timeout as quotes.
   */
  async exchangeRates(baseCurrency: string, currencies: string[], leftOut?: LeftOut): Promise<Record<string, ExchangeRate>> {
    const session = await this.marketDataSession();
    const { marketDataLines: lines, marketDataTimeoutMs: timeoutMs } = this.options;
    const now = this.options.now ?? (() => new Date().toISOString());
    return readExchangeRates(session, baseCurrency, currencies, { lines, timeoutMs, now, log: this.log }, leftOut);
  }

  async placeOrder(order: OrderRequest): Promise<BrokerOrder> {
    this.refuseWhenReadOnly(`place ${order.orderRef}`);
    return placeAdaptiveOrder(this.connected(), order, {
      account: this.options.account,
      timeoutMs: this.options.timeoutMs,
      known: this.contracts.get(order.symbol),
      submittedAt: this.submittedAt,
    });
  }

  /** Resolves once the order is written to the socket (past the pacing bucket); its acknowledgement follows. */
  async sendOrder(order: OrderRequest, mayLeave?: () => boolean): Promise<SentOrder | undefined> {
    this.refuseWhenReadOnly(`place ${order.orderRef}`);
    return sendAdaptiveOrder(this.connected(), order, mayLeave, {
      account: this.options.account,
      timeoutMs: this.options.timeoutMs,
      known: this.contracts.get(order.symbol),
      submittedAt: this.submittedAt,
    });
  }

  /** Only an API order of this session's client id (IB lets only the client that placed an order modify it). */
  canModify(order: BrokerOrder): boolean {
    return modifyRefusal(order, this.options.clientId) === undefined;
  }

  async modifyOrder(order: BrokerOrder, change: OrderRequest): Promise<BrokerOrder> {
    this.refuseWhenReadOnly(`modify order ${order.brokerOrderId} (${order.orderRef})`);
    return modifyAdaptiveOrder(this.connected(), order, change, {
      account: this.options.account,
      timeoutMs: this.options.timeoutMs,
      known: this.contracts.get(change.symbol),
      submittedAt: this.submittedAt,
    });
  }

  async orderStatuses(brokerOrderIds: number[], windowMs: number): Promise<BrokerOrder[]> {
    return followOrderStatuses(this.connected(), brokerOrderIds, windowMs, this.submittedAt, this.options.timeoutMs);
  }

  private connected(): IbSession {
    if (this.session === undefined) throw new BrokerError('the IB broker is not connected', 'connect');
    return this.session;
  }

  private refuseWhenReadOnly(what: string): void {
    if (this.options.readOnly) throw new BrokerError(`read-only session (rebalancer plan): refused to ${what}`, 'fatal');
  }
}
