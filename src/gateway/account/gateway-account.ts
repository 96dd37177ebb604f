import { existsSync } from 'node:fs';
import type { ForeignOrder } from '../../adapters/sim/scenario-gateway.js';
import { SimBroker, type SimPlacement } from '../../adapters/sim/sim-broker.js';
import { isFinal, stateFile, type SimExecution, type SimOrder, type SimState } from '../../adapters/sim/sim-state.js';
import type { SimMarket } from '../../adapters/sim/universe.js';
import { EXCHANGE_ZONE, parseInstant } from '../../core/session.js';
import type { AccountSummary, BrokerOrder, BrokerPosition, CommissionModel, OrderRequest, Quote } from '../../core/types.js';
import { ConfigError } from '../../errors.js';
import type { ExecutionView } from '../encode/encode-executions.js';
import type { OrderView } from '../encode/encode-orders.js';
import { contractViewOf, conIdOf, type ContractView } from './contracts.js';

/**
 * The simulated IB account behind the gateway: the `sim` broker's own model (state, fills, commissions,
 * persistence under the data directory), driven by IB messages instead of port calls. Every change is returned
 * as events (an order's status or fill moved, an execution happened) so the gateway can push what TWS pushes.
 */

export type AccountEvent = { kind: 'order'; order: SimOrder } | { kind: 'execution'; execution: SimExecution };

export interface GatewayAccountOptions {
  dataDir: string;
  scenarioFile?: string;
  seed?: number;
  now: string;
  commissionModel: CommissionModel;
  /** Orders of other clients to add when the simulation is new. */
  foreignOrders: readonly ForeignOrder[];
}

export class GatewayAccount {
  /** Changes run one at a time, so each one's events are its own (two clients may place orders at once). */
  private queue: Promise<unknown> = Promise.resolve();
  private changing = false;

  private constructor(private readonly broker: SimBroker) {}

  /** Loads (or seeds) the simulation and brings its market to `now`, as the `sim` broker's connect does. */
  static async open(options: GatewayAccountOptions): Promise<GatewayAccount> {
    const fresh = !existsSync(stateFile(options.dataDir));
    const broker = new SimBroker({ ...options, clientId: 0 });
    await broker.connect();
    const account = new GatewayAccount(broker);
    if (fresh) await account.addForeignOrders(options.foreignOrders);
    return account;
  }

  get state(): Readonly<SimState> {
    return this.broker.view().state;
  }

  get market(): SimMarket {
    return this.broker.view().market;
  }

  get now(): string {
    return this.broker.view().now;
  }

  /** Moves the market on to `now`; the fills and expiries on the way. Nothing while another change runs (the next call catches up). */
  advance(now: string): AccountEvent[] {
    if (this.changing) return [];
    const before = this.fingerprint();
    this.broker.advanceTo(now);
    return this.changesSince(before);
  }

  /** Places an order (throws the sim broker's BrokerError, with IB's code, when the venue refuses it). */
  async place(request: OrderRequest, placement: SimPlacement): Promise<{ order: SimOrder; events: AccountEvent[] }> {
    const events = await this.trackAsync(() => this.broker.placeOrder(request, placement));
    const order = this.state.orders.find((o) => o.orderId === placement.orderId);
    if (order === undefined) throw new Error(`invariant: order ${placement.orderId} was placed but is not in the simulated account`);
    return { order, events };
  }

  /** Cancels an open order; its change comes back as an event. */
  async cancel(order: SimOrder): Promise<AccountEvent[]> {
    return this.trackAsync(() => this.broker.cancelOrder(toBrokerOrderRef(order)));
  }

  openOrders(): SimOrder[] {
    return this.state.orders.filter((o) => !isFinal(o));
  }

  summary(): Promise<AccountSummary> {
    return this.broker.accountSummary(this.state.account);
  }

  positions(): Promise<BrokerPosition[]> {
    return this.broker.positions(this.state.account);
  }

  quote(symbol: string): Quote | undefined {
    return this.market.quoteAt(symbol, this.now);
  }

  /** The contract of a symbol, also for one the market no longer lists (an old order's). */
  contract(symbol: string): ContractView {
    return contractViewOf(this.market, symbol) ?? {
      conId: conIdOf(symbol), symbol, primaryExchange: 'NYSE', currency: this.state.currency, minTick: 0.01, tradingClass: symbol,
    };
  }

  orderView(o: SimOrder): OrderView {
    const last = this.state.executions.filter((e) => e.orderId === o.orderId).at(-1);
    return {
      orderId: o.orderId, permId: o.permId, clientId: o.clientId, account: this.state.account, contract: this.contract(o.symbol),
      action: o.action, quantity: o.quantity, lmtPrice: o.limitPrice, tif: o.tif, orderRef: o.orderRef,
      adaptivePriority: o.adaptivePriority, status: o.status, filled: o.filled, avgFillPrice: o.avgFillPrice, lastFillPrice: last?.price ?? 0,
    };
  }

  executionView(e: SimExecution): ExecutionView {
    const order = this.state.orders.find((o) => o.orderId === e.orderId);
    const upTo = this.state.executions.filter((x) => x.orderId === e.orderId);
    const through = upTo.slice(0, upTo.findIndex((x) => x.execId === e.execId) + 1);
    const cumQty = through.reduce((sum, x) => sum + x.quantity, 0);
    const value = through.reduce((sum, x) => sum + x.quantity * x.price, 0);
    return {
      execId: e.execId, orderId: e.orderId, permId: e.permId, clientId: order?.clientId ?? 0, account: this.state.account,
      contract: this.contract(e.symbol), side: e.side, shares: e.quantity, price: e.price, time: ibTime(e.time),
      cumQty, avgPrice: cumQty > 0 ? Math.round((value / cumQty) * 1e8) / 1e8 : 0, orderRef: e.orderRef,
      commission: e.commission, currency: this.state.currency,
    };
  }

  private async addForeignOrders(orders: readonly ForeignOrder[]): Promise<void> {
    for (const [i, f] of orders.entries()) {
      const contract = this.contract(f.symbol);
      const request: OrderRequest = {
        orderRef: f.orderRef, symbol: f.symbol, action: f.action, quantity: f.quantity, limitPrice: f.limitPrice,
        adaptivePriority: f.adaptivePriority ?? 'Normal', primaryExchange: contract.primaryExchange, currency: contract.currency,
      };
      const placement = { orderId: this.state.nextOrderId, clientId: f.clientId, adaptive: f.adaptivePriority !== undefined };
      try {
        await this.broker.placeOrder(request, placement);
      } catch (err) {
        throw new ConfigError(`scenario gateway.foreignOrders.${i}: the simulated account refuses it: ${(err as Error).message}`, 'SIM_SCENARIO');
      }
    }
  }

  private trackAsync(change: () => Promise<unknown>): Promise<AccountEvent[]> {
    const run = async () => {
      this.changing = true;
      try {
        const before = this.fingerprint();
        await change();
        return this.changesSince(before);
      } finally {
        this.changing = false;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private fingerprint(): { orders: Map<number, string>; execIds: Set<string> } {
    return {
      orders: new Map(this.state.orders.map((o) => [o.orderId, `${o.status}|${o.filled}`])),
      execIds: new Set(this.state.executions.map((e) => e.execId)),
    };
  }

  private changesSince(before: { orders: Map<number, string>; execIds: Set<string> }): AccountEvent[] {
    const events: AccountEvent[] = [];
    for (const order of this.state.orders) {
      if (before.orders.get(order.orderId) !== `${order.status}|${order.filled}`) events.push({ kind: 'order', order });
    }
    for (const execution of this.state.executions) {
      if (!before.execIds.has(execution.execId)) events.push({ kind: 'execution', execution });
    }
    return events;
  }
}

/** The order as the broker port names it (the sim broker's cancel finds it by id). */
function toBrokerOrderRef(o: SimOrder): BrokerOrder {
  return {
    brokerOrderId: o.orderId, permId: o.permId, orderRef: o.orderRef, symbol: o.symbol, action: o.action, quantity: o.quantity,
    limitPrice: o.limitPrice, status: o.status, filledQuantity: o.filled, avgFillPrice: o.avgFillPrice,
  };
}

/** An instant as TWS prints execution times: New York wall time and the zone's IB name. */
function ibTime(iso: string): string {
  return `${parseInstant(iso).setZone(EXCHANGE_ZONE).toFormat('yyyyMMdd HH:mm:ss')} US/Eastern`;
}
