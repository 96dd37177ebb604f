import { isFinal } from '../../core/order-status.js';
import { parseInstant, toIsoUtc } from '../../core/session.js';
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
import { StorageError } from '../../errors.js';
import { BrokerError, type Broker, type LeftOut, type SentOrder } from '../../ports/broker.js';
import { SimAccount, SimRejection, SimStateError, type SimAccountOptions } from '../../sim/sim-account.js';
import type { SimOrder } from '../../sim/sim-state.js';
import { printedRate } from '../../sim/fx-rates.js';

/** The options of the simulated account the broker opens (the broker adds nothing of its own). */
export type SimBrokerOptions = SimAccountOptions;

/**
 * The `sim` broker: the Broker port in front of the simulated account of `src/sim`, persisted under DATA_DIR.
 * `connect()` opens the simulation (loads the state, or seeds it from the scenario or the universe, and
 * advances the market to `now`); every other call is answered by the account at that instant. The account's
 * refusals and storage failures come back as BrokerErrors, as the port promises.
 */
export class SimBroker implements Broker {
  private account: SimAccount | undefined;

  private options: SimBrokerOptions;

  constructor(options: SimBrokerOptions) {
    // One spelling of every instant (no milliseconds), so execution times read alike in the records.
    this.options = { ...options, now: toIsoUtc(parseInstant(options.now)) };
  }

  async connect(): Promise<void> {
    this.account = this.translated(() => SimAccount.open(this.options));
  }

  async disconnect(): Promise<void> {
    this.account = undefined;
  }

  /** The simulated broker's clock is the run's: the instant it was opened at. */
  async currentTime(): Promise<string> {
    this.connected();
    return this.options.now;
  }

  async managedAccounts(): Promise<string[]> {
    return [this.connected().state.account];
  }

  async accountSummary(account: string): Promise<AccountSummary> {
    const sim = this.connected();
    if (account !== sim.state.account)
      throw new BrokerError(`account ${account} is not managed by this login (${sim.state.account})`, 'rejected');
    return sim.summary();
  }

  async positions(account: string): Promise<BrokerPosition[]> {
    const sim = this.connected();
    if (account !== sim.state.account) return [];
    return sim.positions();
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return this.connected().openOrders().map(toBrokerOrder);
  }

  /** The orders that reached their final state during the simulated account's current New York day. */
  async completedOrders(): Promise<BrokerOrder[]> {
    return this.connected()
      .completedOn()
      .map(({ order, completedAt }) => ({ ...toBrokerOrder(order), completedAt }));
  }

  async cancelOrder(order: BrokerOrder): Promise<CancelResult> {
    const sim = this.connected();
    const found = sim.order(order.brokerOrderId);
    const result = { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef };
    if (found === undefined) return { ...result, confirmed: false, detail: `no order ${order.brokerOrderId} in the simulated account` };
    if (isFinal(found.status)) return { ...result, confirmed: false, status: found.status, detail: `already ${found.status}` };
    this.translated(() => sim.cancel(found.orderId));
    return { ...result, confirmed: true, status: found.status };
  }

  async executions(since: string): Promise<Execution[]> {
    return this.connected()
      .executionsSince(since)
      .map(({ orderId, secType, ...e }) => ({ ...e, ...(secType === undefined ? {} : { secType }), brokerOrderId: orderId }));
  }

  /** Contract facts from the scenario or the universe; hints are not needed, each ticker has one listing. */
  async contractDetails(symbols: string[], _hints: Record<string, ContractHint>, leftOut?: LeftOut): Promise<Record<string, ContractInfo>> {
    const sim = this.connected();
    return noteLeftOut(
      collect(symbols, (s) => sim.contract(s)),
      symbols,
      leftOut,
      'the simulated market does not list this ticker',
    );
  }

  async quotes(symbols: string[], _contracts: Record<string, ContractInfo>, leftOut?: LeftOut): Promise<Record<string, Quote>> {
    const sim = this.connected();
    return noteLeftOut(
      collect(symbols, (s) => sim.quote(s)),
      symbols,
      leftOut,
      'the simulated market has no quote for this ticker',
    );
  }

  /**
   * The simulated FX market's rates, for the scenario's `exchangeRates` currencies: the rate at this instant to 7
   * significant digits, as IB's ledger prints it. A currency the scenario gives no rate is left out, never guessed.
   * A currency with an IDEALPRO pair against the base (USD.SGD for USD in an SGD account) carries that pair's quote
   * at this instant as `market` (what a conversion fills at) while IDEALPRO trades; one without (INR), or any
   * outside IDEALPRO's hours (IB quotes no bid and no ask then), keeps its rate alone.
   */
  async exchangeRates(baseCurrency: string, currencies: string[], leftOut?: LeftOut): Promise<Record<string, ExchangeRate>> {
    const sim = this.connected();
    const out: Record<string, ExchangeRate> = {};
    for (const currency of currencies) {
      const rate = baseCurrency === sim.state.currency ? sim.exchangeRate(currency) : undefined;
      if (rate === undefined) {
        if (leftOut !== undefined) leftOut[currency] = `the simulated FX market has no ${currency}.${baseCurrency} rate`;
        continue;
      }
      const market = sim.fxQuote(currency);
      out[currency] = {
        rate: Number(printedRate(rate)),
        at: this.options.now,
        source: `simulated FX ${currency}.${baseCurrency}`,
        ...(market === undefined ? {} : { market }),
      };
    }
    return out;
  }

  async placeOrder(request: OrderRequest): Promise<BrokerOrder> {
    const sim = this.connected();
    return toBrokerOrder(this.translated(() => sim.place(request)));
  }

  /**
   * The order reaches the simulated account as it leaves (a session not connected sends nothing); its
   * acknowledgement is what `placeOrder` would answer, a refusal included.
   */
  async sendOrder(request: OrderRequest, mayLeave?: () => boolean): Promise<SentOrder | undefined> {
    const sim = this.connected();
    if (mayLeave?.() === false) return undefined;
    let acknowledged: Promise<BrokerOrder>;
    try {
      acknowledged = Promise.resolve(toBrokerOrder(this.translated(() => sim.place(request))));
    } catch (error) {
      acknowledged = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return { acknowledged };
  }

  /** IB lets only the API client that placed an order modify it: this session's client id (default 0), a real id. */
  canModify(order: BrokerOrder): boolean {
    return order.brokerOrderId > 0 && order.clientId === (this.options.clientId ?? 0);
  }

  /**
   * Modifies the order in place in the simulated account, as this session's client, keeping its algo (the sim
   * broker's orders are Adaptive). A refusal is a BrokerError 'rejected' with IB's code, the order unchanged. The
   * scenario's `modifyFaults.<TICKER>.dropAfter`: the change applies, then the connection is lost before it is
   * acknowledged (BrokerError 'connectivity', 1100) and the broker stays disconnected, as after any lost session.
   */
  async modifyOrder(order: BrokerOrder, change: OrderRequest): Promise<BrokerOrder> {
    const sim = this.connected();
    // The change keeps the order's algo: Adaptive stays Adaptive (every order this broker places is), a plain limit plain.
    const existing = sim.order(order.brokerOrderId);
    const adaptive = existing === undefined || existing.adaptivePriority !== undefined;
    const { dropAfter, order: modified } = this.translated(() =>
      sim.modify(
        order.brokerOrderId,
        {
          symbol: change.symbol,
          action: change.action,
          quantity: change.quantity,
          limitPrice: change.limitPrice,
          adaptive,
          adaptivePriority: change.adaptivePriority,
          orderRef: change.orderRef,
        },
        { clientId: this.options.clientId ?? 0 },
      ),
    );
    if (dropAfter) {
      this.account = undefined;
      throw new BrokerError(
        `order ${order.brokerOrderId} (${change.symbol}): connection lost after the modification was sent; ` +
          'it may or may not have taken effect',
        'connectivity',
        1100,
      );
    }
    return toBrokerOrder(modified);
  }

  async orderStatuses(brokerOrderIds: number[], _windowMs: number): Promise<BrokerOrder[]> {
    return this.connected()
      .state.orders.filter((o) => brokerOrderIds.includes(o.orderId))
      .map(toBrokerOrder);
  }

  /** The account's refusals, unusable states and storage failures as the port's errors; the messages name the file. */
  private translated<T>(action: () => T): T {
    try {
      return action();
    } catch (err) {
      if (err instanceof SimRejection) throw new BrokerError(err.message, 'rejected', err.code);
      if (err instanceof SimStateError || err instanceof StorageError) throw new BrokerError(err.message, 'fatal');
      throw err;
    }
  }

  private connected(): SimAccount {
    if (this.account === undefined) throw new BrokerError('the sim broker is not connected', 'connect');
    return this.account;
  }
}

function toBrokerOrder(o: Readonly<SimOrder>): BrokerOrder {
  return {
    brokerOrderId: o.orderId,
    ...(o.secType === undefined ? {} : { secType: o.secType }),
    permId: o.permId,
    clientId: o.clientId,
    orderRef: o.orderRef,
    symbol: o.symbol,
    action: o.action,
    quantity: o.quantity,
    limitPrice: o.limitPrice,
    status: o.status,
    filledQuantity: o.filled,
    avgFillPrice: o.avgFillPrice,
    ...(o.message === undefined ? {} : { message: o.message }),
  };
}

/** Writes `why` into `leftOut` for each symbol absent from `found` (a reason already there stays). */
function noteLeftOut<T>(found: Record<string, T>, symbols: string[], leftOut: LeftOut | undefined, why: string): Record<string, T> {
  if (leftOut !== undefined) for (const s of symbols) if (found[s] === undefined) leftOut[s] ??= why;
  return found;
}

function collect<T>(symbols: string[], get: (symbol: string) => T | undefined): Record<string, T> {
  return Object.fromEntries(
    symbols.flatMap((s) => {
      const value = get(s);
      return value === undefined ? [] : [[s, value] as const];
    }),
  );
}
