/**
 * A Broker whose every answer a test writes down: no market, no fill model, no mocking library. It answers from
 * `script` (the account, positions, contracts, quotes, open orders, executions), or from what a test set for a
 * method (`answer`, `answerNext`), and fails where a test says (`fail`, `hang`, `dropConnection`). It records
 * every call with its arguments, so a test can check what the run asked and in which order ("no order was
 * placed", "cancel before place").
 *
 * Like the IB adapter, it refuses every call but connect/disconnect while not connected. It never changes the
 * script by itself: a placed order does not appear in `openOrders()` and a cancelled one does not leave it; the
 * only thing it remembers is what `placeOrder` answered, which `orderStatuses` reports unless told otherwise.
 * Answers and recorded arguments are copies, so neither side can change the other's objects afterwards.
 */
import type {
  AccountSummary,
  BrokerOrder,
  BrokerPosition,
  CancelResult,
  ContractInfo,
  ExchangeRate,
  Execution,
  OrderStatusName,
  Quote,
} from '../../src/core/types.js';
import { BrokerError, type Broker, type SentOrder } from '../../src/ports/broker.js';

type Methods = Required<Broker>;
export type BrokerMethod = keyof Methods;
export type BrokerArgs<M extends BrokerMethod> = Parameters<Methods[M]>;
export type BrokerResult<M extends BrokerMethod> = Awaited<ReturnType<Methods[M]>>;
/** A fixed answer, or one computed from the call's arguments (it may throw, e.g. a BrokerError). */
export type BrokerAnswer<M extends BrokerMethod> = BrokerResult<M> | ((...args: BrokerArgs<M>) => BrokerResult<M>);

/** One call received, in order. */
export type BrokerCall = { [M in BrokerMethod]: { method: M; args: BrokerArgs<M> } }[BrokerMethod];

/** What the broker knows; tests may change it between calls. */
export interface BrokerScript {
  accounts: string[];
  summary: AccountSummary;
  positions: BrokerPosition[];
  /** By symbol: `contractDetails` answers the symbols asked that are here. */
  contracts: Record<string, ContractInfo>;
  /** By symbol: `quotes` answers the symbols asked that are here. */
  quotes: Record<string, Quote>;
  /** By currency: `exchangeRates` answers the currencies asked that are here (whatever the base currency). */
  exchangeRates: Record<string, ExchangeRate>;
  openOrders: BrokerOrder[];
  /** Answered whole, whatever `since` (which the call log keeps, for tests that check it). */
  executions: Execution[];
  /** The current day's finished orders, answered whole. */
  completedOrders: BrokerOrder[];
  /** Status of an order `placeOrder` accepts. */
  placedStatus: OrderStatusName;
  /** The broker's clock `currentTime` answers; unset: the run's clock (see followClock), else the machine's. */
  time?: string;
}

export interface ScriptedBrokerOptions {
  script?: Partial<BrokerScript>;
  /** Offer IB's global cancel (`cancelAllOrders`); without it the method is absent, as for the sim broker. */
  globalCancel?: boolean;
  /** The first order id `placeOrder` hands out (default 1); permIds are 900000 + the id. */
  firstOrderId?: number;
  /** The run's clock, which `currentTime` answers when no time is scripted (memoryRun sets it). */
  clock?: () => string;
}

export const SCRIPTED_ACCOUNT = 'DU1234567';

export function anAccountSummary(over: Partial<AccountSummary> = {}): AccountSummary {
  return {
    account: SCRIPTED_ACCOUNT,
    currency: 'USD',
    netLiquidation: 100_000,
    totalCash: 100_000,
    grossPositionValue: 0,
    maintMargin: 0,
    excessLiquidity: 100_000,
    cushion: 1,
    ...over,
  };
}

export function aContract(symbol: string, over: Partial<ContractInfo> = {}): ContractInfo {
  return { symbol, minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD', ...over };
}

/** A quote around `price`: bid and ask a cent either side, last and previous close at the price. */
export function aQuote(symbol: string, price: number, over: Partial<Quote> = {}): Quote {
  return { symbol, bid: price - 0.01, ask: price + 0.01, last: price, close: price, ...over };
}

export function aPosition(symbol: string, quantity: number, over: Partial<BrokerPosition> = {}): BrokerPosition {
  return { account: SCRIPTED_ACCOUNT, symbol, quantity, avgCost: 100, ...over };
}

const CONNECTION_LOST = 'connectivity between IB and TWS/IB Gateway was lost';

type Fault = { kind: 'error'; error: Error } | { kind: 'hang'; ms: number | undefined; error: Error | undefined } | { kind: 'drop' };

interface Hung {
  reject: (err: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

export class ScriptedBroker implements Broker {
  readonly script: BrokerScript;
  /** Every call received, in order, with copies of its arguments. */
  readonly calls: BrokerCall[] = [];
  /** Orders `placeOrder` accepted, by broker order id, as last answered. */
  readonly placed = new Map<number, BrokerOrder>();
  /** Orders `modifyOrder` changed, by broker order id, as last answered. */
  readonly modified = new Map<number, BrokerOrder>();
  declare readonly cancelAllOrders?: () => Promise<CancelResult[]>;
  private connected = false;
  private nextOrderId: number;
  private readonly answers = new Map<BrokerMethod, unknown>();
  private readonly queued = new Map<BrokerMethod, unknown[]>();
  private readonly faults: { method: BrokerMethod; call: number; fault: Fault }[] = [];
  private readonly hung = new Set<Hung>();
  private runClock: (() => string) | undefined;

  constructor(options: ScriptedBrokerOptions = {}) {
    this.script = {
      accounts: [SCRIPTED_ACCOUNT],
      summary: anAccountSummary(),
      positions: [],
      contracts: {},
      quotes: {},
      exchangeRates: {},
      openOrders: [],
      executions: [],
      completedOrders: [],
      placedStatus: 'Submitted',
      ...options.script,
    };
    this.nextOrderId = options.firstOrderId ?? 1;
    this.runClock = options.clock;
    if (options.globalCancel === true) {
      Object.defineProperty(this, 'cancelAllOrders', {
        value: (): Promise<CancelResult[]> => this.call('cancelAllOrders', [], () => this.script.openOrders.map((o) => cancelled(o))),
        enumerable: true,
      });
    }
  }

  // --- scripting ---------------------------------------------------------------------------------------------

  /** Every later call of `method` answers this (until set again). */
  answer<M extends BrokerMethod>(method: M, answer: BrokerAnswer<M>): this {
    this.answers.set(method, answer);
    return this;
  }

  /** The next calls of `method` answer these, one each, before the standing answer resumes. */
  answerNext<M extends BrokerMethod>(method: M, ...answers: BrokerAnswer<M>[]): this {
    this.queued.set(method, [...(this.queued.get(method) ?? []), ...answers]);
    return this;
  }

  /** The `call`-th call of `method` (1-based, over the broker's life; default: the next one) rejects with `error`. */
  fail(
    method: BrokerMethod,
    error: Error = new BrokerError(`${method} failed (scripted)`, 'rejected'),
    options: { call?: number } = {},
  ): this {
    return this.inject(method, options.call, { kind: 'error', error });
  }

  /**
   * The `call`-th call of `method` never answers, or, given `ms`, rejects after that long with `error` (default:
   * a BrokerError of kind 'timeout', as the IB adapter's own deadline). Disconnecting rejects it at once.
   */
  hang(method: BrokerMethod, options: { call?: number; ms?: number; error?: Error } = {}): this {
    return this.inject(method, options.call, { kind: 'hang', ms: options.ms, error: options.error });
  }

  /**
   * At the `call`-th call of `method` the connection is lost: that call, every call still hanging and every
   * later call but connect/disconnect reject (kind 'connectivity', IB code 1100, then 'connect') until connect().
   */
  dropConnection(method: BrokerMethod, options: { call?: number } = {}): this {
    return this.inject(method, options.call, { kind: 'drop' });
  }

  /** Without a scripted time, `currentTime` answers this clock (the run's), unless one was given already. */
  followClock(clock: () => string): this {
    this.runClock ??= clock;
    return this;
  }

  // --- what happened -----------------------------------------------------------------------------------------

  /** The arguments of every call of `method`, in order. */
  callsTo<M extends BrokerMethod>(method: M): BrokerArgs<M>[] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args as BrokerArgs<M>);
  }

  /** The methods called, in order. */
  methods(): BrokerMethod[] {
    return this.calls.map((c) => c.method);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Calls still hanging. */
  get hanging(): number {
    return this.hung.size;
  }

  // --- the Broker port ---------------------------------------------------------------------------------------

  connect(): Promise<void> {
    return this.call('connect', [], () => undefined);
  }

  disconnect(): Promise<void> {
    return this.call('disconnect', [], () => undefined);
  }

  currentTime(): Promise<string> {
    return this.call('currentTime', [], () => this.script.time ?? this.runClock?.() ?? new Date().toISOString());
  }

  managedAccounts(): Promise<string[]> {
    return this.call('managedAccounts', [], () => this.script.accounts);
  }

  accountSummary(account: string): Promise<AccountSummary> {
    return this.call('accountSummary', [account], () => this.script.summary);
  }

  positions(account: string): Promise<BrokerPosition[]> {
    return this.call('positions', [account], () => this.script.positions);
  }

  openOrders(): Promise<BrokerOrder[]> {
    return this.call('openOrders', [], () => this.script.openOrders);
  }

  cancelOrder(order: BrokerOrder): Promise<CancelResult> {
    return this.call('cancelOrder', [order], (o) => cancelled(o));
  }

  completedOrders(): Promise<BrokerOrder[]> {
    return this.call('completedOrders', [], () => this.script.completedOrders);
  }

  executions(since: string): Promise<Execution[]> {
    return this.call('executions', [since], () => this.script.executions);
  }

  contractDetails(symbols: string[], hints: Parameters<Broker['contractDetails']>[1]): Promise<Record<string, ContractInfo>> {
    return this.call('contractDetails', [symbols, hints], (asked) => pickSymbols(this.script.contracts, asked));
  }

  quotes(symbols: string[], contracts: Record<string, ContractInfo>): Promise<Record<string, Quote>> {
    return this.call('quotes', [symbols, contracts], (asked) => pickSymbols(this.script.quotes, asked));
  }

  exchangeRates(baseCurrency: string, currencies: string[]): Promise<Record<string, ExchangeRate>> {
    return this.call('exchangeRates', [baseCurrency, currencies], (_base, asked) => pickSymbols(this.script.exchangeRates, asked));
  }

  placeOrder(order: Parameters<Broker['placeOrder']>[0]): Promise<BrokerOrder> {
    return this.call('placeOrder', [order], (o) => {
      const id = this.nextOrderId++;
      return {
        brokerOrderId: id,
        permId: 900_000 + id,
        orderRef: o.orderRef,
        symbol: o.symbol,
        action: o.action,
        quantity: o.quantity,
        limitPrice: o.limitPrice,
        status: this.script.placedStatus,
        filledQuantity: 0,
        avgFillPrice: 0,
      };
    });
  }

  /**
   * Pipelined sending: the order waits its turn (one tick of the event loop, as behind the IB adapter's pacing
   * bucket), then leaves as a `placeOrder` call (recorded as such, with that method's scripted answers and faults),
   * and `acknowledged` settles as that call does. A broker not connected by then sends nothing: it rejects (kind
   * 'connect') and no call is recorded, as the IB adapter's session drops what waits once it failed. `mayLeave` is
   * asked once the turn has come; false: nothing is sent or recorded, and it resolves undefined.
   */
  async sendOrder(order: Parameters<Broker['sendOrder']>[0], mayLeave?: () => boolean): Promise<SentOrder | undefined> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!this.connected) throw new BrokerError(`the scripted broker is not connected: ${order.orderRef} not sent`, 'connect');
    if (mayLeave?.() === false) return undefined;
    const acknowledged = this.placeOrder(order);
    // Read by the caller; this only keeps an answer that comes before the caller looks from counting as unhandled.
    acknowledged.catch(() => undefined);
    return { acknowledged };
  }

  /** This session's orders (client id 0, or none given) are modifiable; another client's are not, as at IB. */
  canModify(order: BrokerOrder): boolean {
    return (order.clientId ?? 0) === 0 && order.brokerOrderId > 0;
  }

  /** Answers the order with the change's total quantity and limit, same id, permId and status; kept in `modified`. */
  modifyOrder(order: BrokerOrder, change: Parameters<Broker['modifyOrder']>[1]): Promise<BrokerOrder> {
    return this.call('modifyOrder', [order, change], (o, c) => ({ ...o, quantity: c.quantity, limitPrice: c.limitPrice }));
  }

  orderStatuses(brokerOrderIds: number[], windowMs: number): Promise<BrokerOrder[]> {
    return this.call('orderStatuses', [brokerOrderIds, windowMs], (ids) =>
      ids.flatMap((id) => {
        const order = this.placed.get(id) ?? this.modified.get(id);
        return order === undefined ? [] : [order];
      }),
    );
  }

  // --- machinery ---------------------------------------------------------------------------------------------

  private inject(method: BrokerMethod, call: number | undefined, fault: Fault): this {
    this.faults.push({ method, call: call ?? this.callsTo(method).length + 1, fault });
    return this;
  }

  /**
   * One call: recorded, then refused if not connected, then failed if a fault is set for it, else answered (a
   * queued answer, the standing one, or the script's). The answer comes on a later tick, as from a socket.
   */
  private async call<M extends BrokerMethod>(
    method: M,
    args: BrokerArgs<M>,
    fromScript: (...args: BrokerArgs<M>) => BrokerResult<M>,
  ): Promise<BrokerResult<M>> {
    this.calls.push({ method, args: structuredClone(args) } as BrokerCall);
    const n = this.callsTo(method).length;
    await Promise.resolve();
    if (method === 'disconnect') this.lose(new BrokerError('the session was closed', 'connectivity'));
    else if (method !== 'connect' && !this.connected) throw new BrokerError('the scripted broker is not connected', 'connect');
    const fault = this.faults.find((f) => f.method === method && f.call === n)?.fault;
    if (fault !== undefined) await this.strike(method, fault);
    const result = structuredClone(this.answerFor(method, fromScript)(...args));
    if (method === 'connect') this.connected = true;
    if (method === 'modifyOrder') {
      const order = result as BrokerOrder;
      this.modified.set(order.brokerOrderId, structuredClone(order));
    }
    if (method === 'placeOrder') {
      const order = result as BrokerOrder;
      this.placed.set(order.brokerOrderId, structuredClone(order));
    }
    return result;
  }

  private answerFor<M extends BrokerMethod>(
    method: M,
    fromScript: (...args: BrokerArgs<M>) => BrokerResult<M>,
  ): (...args: BrokerArgs<M>) => BrokerResult<M> {
    const queue = this.queued.get(method);
    const answer =
      queue !== undefined && queue.length > 0 ? queue.shift() : this.answers.has(method) ? this.answers.get(method) : fromScript;
    return typeof answer === 'function' ? (answer as (...args: BrokerArgs<M>) => BrokerResult<M>) : () => answer as BrokerResult<M>;
  }

  private async strike(method: BrokerMethod, fault: Fault): Promise<never> {
    if (fault.kind === 'error') throw fault.error;
    if (fault.kind === 'drop') {
      const lost = new BrokerError(CONNECTION_LOST, 'connectivity', 1100);
      this.lose(lost);
      throw lost;
    }
    return new Promise<never>((_resolve, reject) => {
      const hung: Hung = { reject, timer: undefined };
      if (fault.ms !== undefined) {
        hung.timer = setTimeout(() => {
          this.hung.delete(hung);
          reject(fault.error ?? new BrokerError(`${method} timed out after ${fault.ms} ms`, 'timeout'));
        }, fault.ms);
      }
      this.hung.add(hung);
    });
  }

  /** The session ends: every hanging call rejects with `error`, later calls are refused until connect(). */
  private lose(error: BrokerError): void {
    this.connected = false;
    for (const h of this.hung) {
      clearTimeout(h.timer);
      h.reject(error);
    }
    this.hung.clear();
  }
}

function cancelled(order: BrokerOrder): CancelResult {
  return { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef, confirmed: true, status: 'Cancelled' };
}

function pickSymbols<T>(bySymbol: Record<string, T>, symbols: string[]): Record<string, T> {
  return Object.fromEntries(symbols.flatMap((s) => (Object.hasOwn(bySymbol, s) ? [[s, bySymbol[s] as T]] : [])));
}
