import { EXCHANGE_ZONE, parseInstant } from '../../core/session.js';
import type { AccountSummary, BrokerPosition, CommissionModel, OrderRequest, Quote } from '../../core/types.js';
import { ConfigError } from '../../errors.js';
import type { Decimal } from 'decimal.js';
import type { ForeignOrder, LedgerStyle } from '../../sim/scenario-gateway.js';
import { SimAccount, SimRejection, type SimModification, type SimPlacement } from '../../sim/sim-account.js';
import type { SimExecution, SimFx, SimOrder, SimState } from '../../sim/sim-state.js';
import type { SimMarket } from '../../sim/universe.js';
import type { ExecutionView } from '../encode/encode-executions.js';
import type { OrderView } from '../encode/encode-orders.js';
import { fxPairNamed } from '../../sim/fx-pairs.js';
import { cashContractView, contractViewOf, conIdOf, type ContractView } from './contracts.js';

/**
 * The simulated IB account behind the gateway: the simulated market of `src/sim` (state, fills, commissions,
 * persistence under the data directory), the same one the `sim` broker drives, here driven by IB messages.
 * Every change is returned as events (an order's status or fill moved, an execution happened) so the gateway
 * can push what TWS pushes.
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
  /** The scenario's `gateway.ledger`: the ledger keys' spelling and rate texts sent (default: as before 2026, every rate). */
  ledger?: LedgerStyle;
}

export class GatewayAccount {
  private constructor(
    private readonly sim: SimAccount,
    /** How the cash ledger is spelled on the wire (scenario `gateway.ledger`). */
    readonly ledgerStyle: LedgerStyle = { keyPrefix: 'none', exchangeRateText: {} },
  ) {}

  /** Loads (or seeds) the simulation and brings its market to `now`, as the `sim` broker's connect does. */
  static async open(options: GatewayAccountOptions): Promise<GatewayAccount> {
    const { foreignOrders, ledger, ...simOptions } = options;
    const sim = SimAccount.open({ ...simOptions, clientId: 0 });
    const account = new GatewayAccount(sim, ledger);
    if (sim.created) account.addForeignOrders(foreignOrders);
    return account;
  }

  get state(): Readonly<SimState> {
    return this.sim.state;
  }

  get market(): SimMarket {
    return this.sim.market;
  }

  get now(): string {
    return this.sim.now;
  }

  /** Moves the market on to `now`; the fills and expiries on the way. */
  advance(now: string): AccountEvent[] {
    return this.track(() => this.sim.advanceTo(now));
  }

  /** Places an order (throws a SimRejection, with IB's code, when the venue refuses it). */
  place(request: OrderRequest, placement: SimPlacement): { order: SimOrder; events: AccountEvent[] } {
    const events = this.track(() => this.sim.place(request, placement));
    const order = this.sim.order(placement.orderId);
    if (order === undefined) throw new Error(`invariant: order ${placement.orderId} was placed but is not in the simulated account`);
    return { order, events };
  }

  /**
   * Modifies order `orderId` of client `clientId` in place. Refused (a SimRejection with IB's code), the order stands
   * as it was, but fills booked on the way (the `fillFirst` fault: the order filled before the change arrived) are
   * still events. Accepted, the order keeps its id and permId; fills of the change worked at once are events.
   * `dropAfter` is the scenario's `modifyFaults.<TICKER>.dropAfter`: apply, then lose the connection unacknowledged.
   */
  modify(
    orderId: number,
    change: SimModification,
    clientId: number,
  ):
    | { ok: true; order: SimOrder; events: AccountEvent[]; dropAfter: boolean }
    | { ok: false; refusal: SimRejection; events: AccountEvent[] } {
    const before = this.fingerprint();
    try {
      const { order, dropAfter } = this.sim.modify(orderId, change, { clientId });
      return { ok: true, order, events: this.changesSince(before), dropAfter };
    } catch (err) {
      if (!(err instanceof SimRejection)) throw err;
      return { ok: false, refusal: err, events: this.changesSince(before) };
    }
  }

  /** Cancels an open order; its change comes back as an event. */
  cancel(order: SimOrder): AccountEvent[] {
    return this.track(() => this.sim.cancel(order.orderId));
  }

  openOrders(): SimOrder[] {
    return this.sim.openOrders();
  }

  summary(): AccountSummary {
    return this.sim.summary();
  }

  positions(): BrokerPosition[] {
    return this.sim.positions();
  }

  quote(symbol: string): Quote | undefined {
    return this.sim.quote(symbol);
  }

  /** A position's mark per share in its contract's currency itself (a pence quote divided by 100), see SimAccount. */
  markOf(symbol: string, avgCost: number): number {
    return this.sim.markOf(symbol, avgCost);
  }

  /** Base-currency units per one unit of `currency` now, unrounded (1 for the base); undefined without a rate. */
  exchangeRate(currency: string): Decimal | undefined {
    return this.sim.exchangeRate(currency);
  }

  /** How the account values other currencies now. */
  fx(): SimFx {
    return this.sim.fx();
  }

  /** The contract of a symbol, also for one the market no longer lists (an old order's). */
  contract(symbol: string): ContractView {
    return (
      contractViewOf(this.market, symbol) ?? {
        conId: conIdOf(symbol),
        symbol,
        primaryExchange: 'NYSE',
        currency: this.state.currency,
        minTick: 0.01,
        tradingClass: symbol,
      }
    );
  }

  /** The contract of an order's or an execution's record: its IDEALPRO pair for a conversion, else its stock. */
  contractOf(record: { symbol: string; secType?: 'CASH' }): ContractView {
    const pair = record.secType === 'CASH' ? fxPairNamed(record.symbol) : undefined;
    return pair === undefined ? this.contract(record.symbol) : cashContractView(pair);
  }

  orderView(o: SimOrder): OrderView {
    const last = this.state.executions.filter((e) => e.orderId === o.orderId).at(-1);
    return {
      orderId: o.orderId,
      permId: o.permId,
      clientId: o.clientId,
      account: this.state.account,
      contract: this.contractOf(o),
      action: o.action,
      quantity: o.quantity,
      lmtPrice: o.limitPrice,
      tif: o.tif,
      orderRef: o.orderRef,
      adaptivePriority: o.adaptivePriority,
      status: o.status,
      filled: o.filled,
      avgFillPrice: o.avgFillPrice,
      lastFillPrice: last?.price ?? 0,
    };
  }

  executionView(e: SimExecution): ExecutionView {
    const order = this.state.orders.find((o) => o.orderId === e.orderId);
    const upTo = this.state.executions.filter((x) => x.orderId === e.orderId);
    const through = upTo.slice(0, upTo.findIndex((x) => x.execId === e.execId) + 1);
    const cumQty = through.reduce((sum, x) => sum + x.quantity, 0);
    const value = through.reduce((sum, x) => sum + x.quantity * x.price, 0);
    return {
      execId: e.execId,
      orderId: e.orderId,
      permId: e.permId,
      clientId: order?.clientId ?? 0,
      account: this.state.account,
      contract: this.contractOf(e),
      side: e.side,
      shares: e.quantity,
      price: e.price,
      time: ibTime(e.time),
      cumQty,
      avgPrice: cumQty > 0 ? Math.round((value / cumQty) * 1e8) / 1e8 : 0,
      orderRef: e.orderRef,
      commission: e.commission,
      // The commission is charged in the currency whose cash the trade moved (the contract's, when the account has a rate
      // for it); a conversion's in the pair's second currency (the run books a commission in its execution's currency).
      currency: e.secType === 'CASH' ? this.contractOf(e).currency : this.sim.bookedIn(e.symbol),
    };
  }

  private addForeignOrders(orders: readonly ForeignOrder[]): void {
    for (const [i, f] of orders.entries()) {
      const contract = this.contract(f.symbol);
      const request: OrderRequest = {
        orderRef: f.orderRef,
        symbol: f.symbol,
        action: f.action,
        quantity: f.quantity,
        limitPrice: f.limitPrice,
        adaptivePriority: f.adaptivePriority ?? 'Normal',
        primaryExchange: contract.primaryExchange,
        currency: contract.currency,
      };
      const placement = { orderId: this.state.nextOrderId, clientId: f.clientId, adaptive: f.adaptivePriority !== undefined };
      try {
        this.sim.place(request, placement);
      } catch (err) {
        throw new ConfigError(
          `scenario gateway.foreignOrders.${i}: the simulated account refuses it: ${(err as Error).message}`,
          'SIM_SCENARIO',
        );
      }
    }
  }

  /** The events of one change. The account changes synchronously, so no other change can slip in between. */
  private track(change: () => unknown): AccountEvent[] {
    const before = this.fingerprint();
    change();
    return this.changesSince(before);
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

/** An instant as TWS prints execution times: New York wall time and the zone's IB name. */
function ibTime(iso: string): string {
  return `${parseInstant(iso).setZone(EXCHANGE_ZONE).toFormat('yyyyMMdd HH:mm:ss')} US/Eastern`;
}
