import { resolve } from 'node:path';
import { isSessionOpen, parseInstant, toIsoUtc } from '../../core/session.js';
import type {
  AccountSummary, BrokerOrder, BrokerPosition, CancelResult, CommissionModel, ContractHint, ContractInfo, Execution,
  OrderRequest, Quote,
} from '../../core/types.js';
import { StorageError } from '../../errors.js';
import { BrokerError, type Broker } from '../../ports/broker.js';
import { DEFAULT_FILL_PARAMS, fillsAt, orderRejection, replayMarket, type FillParams } from './fill-model.js';
import { loadScenario, scenarioMarket, type Scenario } from './scenario.js';
import {
  bookFill, createState, isFinal, loadState, pruneState, saveState, stateFile, summarizeAccount, type SimOrder, type SimState,
} from './sim-state.js';
import { UNIVERSE_ACCOUNT, universeMarket, type SimMarket } from './universe.js';

export interface SimBrokerOptions {
  /** DATA_DIR: the state lives in `<dataDir>/sim/state.json`. */
  dataDir: string;
  /** SIM_SCENARIO: seeds a new simulation, and its quotes are the market of every run. */
  scenarioFile?: string;
  /** Seed of a new simulation (else the scenario's, else 1); an existing simulation keeps its own. */
  seed?: number;
  /** The run's instant (ISO 8601): the broker never reads the clock. */
  now: string;
  commissionModel: CommissionModel;
  /** Advance and answer in memory, never write the state (`rebalancer plan`). */
  readOnly?: boolean;
  /** API client id stamped on orders placed through this session (default 0). */
  clientId?: number;
}

/**
 * How the simulated IB Gateway places an order: under the id its API client chose, for that client, and with or
 * without the Adaptive algo. The `sim` broker itself never passes one: it numbers its own orders.
 */
export interface SimPlacement {
  orderId: number;
  clientId: number;
  adaptive: boolean;
}

/** How far back executions and finished orders are kept: IB itself reports only the last days. */
const RETENTION_DAYS = 30;

/**
 * The `sim` broker: a simulated IB account persisted under DATA_DIR. `connect()` loads the state (or seeds it
 * from the scenario or the universe) and advances the market from the state's clock to `now` in 5-minute
 * steps of session time, filling open orders and expiring DAY orders at the close. Every change is saved at
 * once, so a crash loses no fill.
 */
export class SimBroker implements Broker {
  private state: SimState | undefined;
  private market: SimMarket = universeMarket(1);
  private fillParams: FillParams = DEFAULT_FILL_PARAMS;
  private rejectSymbols = new Set<string>();

  private options: SimBrokerOptions;

  constructor(options: SimBrokerOptions) {
    // One spelling of every instant (no milliseconds), so execution times read alike in the records.
    this.options = { ...options, now: toIsoUtc(parseInstant(options.now)) };
  }

  async connect(): Promise<void> {
    const { dataDir, now } = this.options;
    const scenario = this.options.scenarioFile === undefined ? undefined : loadScenario(this.options.scenarioFile);
    const scenarioPath = this.options.scenarioFile === undefined ? null : resolve(this.options.scenarioFile);
    const state = this.storage(() => loadState(dataDir)) ?? this.seed(scenario, scenarioPath);
    const file = stateFile(dataDir);
    if (state.scenarioPath !== scenarioPath) {
      throw new BrokerError(`${file}: this simulation was seeded from ${state.scenarioPath ?? 'the built-in universe'}, `
        + `not ${scenarioPath ?? 'the built-in universe'}; set SIM_SCENARIO back, or delete the file to start over`, 'fatal');
    }
    if (parseInstant(now).toMillis() < parseInstant(state.clock).toMillis()) {
      throw new BrokerError(`${file}: the simulated market is already at ${state.clock}, after ${now}; `
        + 'it cannot go back: use a later time, or delete the file to start over', 'fatal');
    }
    this.state = state;
    this.market = scenario ? scenarioMarket(scenario) : universeMarket(state.seed);
    this.fillParams = { ...DEFAULT_FILL_PARAMS, ...scenario?.fills };
    this.rejectSymbols = new Set(scenario?.rejectSymbols ?? []);
    this.advance(now);
    this.persist();
  }

  async disconnect(): Promise<void> {
    this.state = undefined;
  }

  async managedAccounts(): Promise<string[]> {
    return [this.connected().account];
  }

  async accountSummary(account: string): Promise<AccountSummary> {
    const state = this.connected();
    if (account !== state.account) throw new BrokerError(`account ${account} is not managed by this login (${state.account})`, 'rejected');
    return summarizeAccount(state, (symbol, avgCost) => this.markOf(symbol, avgCost));
  }

  async positions(account: string): Promise<BrokerPosition[]> {
    const state = this.connected();
    if (account !== state.account) return [];
    return Object.entries(state.positions)
      .filter(([, p]) => p.quantity !== 0)
      .map(([symbol, p]) => ({ account, symbol, quantity: p.quantity, avgCost: p.avgCost }));
  }

  async openOrders(): Promise<BrokerOrder[]> {
    return this.connected().orders.filter((o) => !isFinal(o)).map(toBrokerOrder);
  }

  async cancelOrder(order: BrokerOrder): Promise<CancelResult> {
    const found = this.connected().orders.find((o) => o.orderId === order.brokerOrderId);
    const result = { brokerOrderId: order.brokerOrderId, orderRef: order.orderRef };
    if (found === undefined) return { ...result, confirmed: false, detail: `no order ${order.brokerOrderId} in the simulated account` };
    if (isFinal(found)) return { ...result, confirmed: false, status: found.status, detail: `already ${found.status}` };
    found.status = 'Cancelled';
    found.message = 'cancelled by the client';
    this.persist();
    return { ...result, confirmed: true, status: found.status };
  }

  async executions(since: string): Promise<Execution[]> {
    const from = parseInstant(since).toMillis();
    return this.connected().executions
      .filter((e) => parseInstant(e.time).toMillis() >= from)
      .map(({ orderId, ...e }) => ({ ...e, brokerOrderId: orderId }));
  }

  /** Contract facts from the scenario or the universe; hints are not needed, each ticker has one listing. */
  async contractDetails(symbols: string[], _hints: Record<string, ContractHint>): Promise<Record<string, ContractInfo>> {
    this.connected();
    return collect(symbols, (s) => this.market.contract(s));
  }

  async quotes(symbols: string[], _contracts: Record<string, ContractInfo>): Promise<Record<string, Quote>> {
    this.connected();
    return collect(symbols, (s) => this.market.quoteAt(s, this.options.now));
  }

  async placeOrder(request: OrderRequest, placement?: SimPlacement): Promise<BrokerOrder> {
    const state = this.connected();
    const { symbol, quantity, limitPrice } = request;
    const contract = this.market.contract(symbol);
    const rejection = orderRejection(request, contract, this.rejectSymbols);
    if (rejection !== undefined) throw new BrokerError(rejection.message, 'rejected', rejection.code);
    if (contract === undefined) throw new Error(`invariant: an order for ${symbol}, which has no contract, was accepted`);
    if (placement !== undefined && state.orders.some((o) => o.orderId === placement.orderId)) {
      throw new BrokerError(`Duplicate order id ${placement.orderId}`, 'rejected', 103);
    }
    const now = this.options.now;
    const open = isSessionOpen(now);
    const orderId = placement?.orderId ?? state.nextOrderId;
    // IB order ids only ever grow: the next one offered is above every id used, whoever chose it.
    state.nextOrderId = Math.max(state.nextOrderId, orderId + 1);
    const order: SimOrder = {
      orderId, permId: state.nextPermId++, clientId: placement?.clientId ?? this.options.clientId ?? 0, orderRef: request.orderRef,
      symbol, action: request.action, quantity, limitPrice, minTick: contract.minTick,
      adaptivePriority: placement?.adaptive === false ? undefined : request.adaptivePriority,
      tif: 'DAY', status: open ? 'Submitted' : 'PreSubmitted', filled: 0, avgFillPrice: 0, submittedAt: now,
    };
    state.orders.push(order);
    // Marketable at once while the session is open: Adaptive works it against the current quote.
    if (open) for (const fill of fillsAt(order, now, this.market, state.seed, this.fillParams)) bookFill(state, order, fill, this.options.commissionModel, now);
    this.persist();
    return toBrokerOrder(order);
  }

  async orderStatuses(brokerOrderIds: number[], _windowMs: number): Promise<BrokerOrder[]> {
    return this.connected().orders.filter((o) => brokerOrderIds.includes(o.orderId)).map(toBrokerOrder);
  }

  /**
   * Moves a long-lived session (the simulated gateway) on to `now`: the market replays from the last instant,
   * filling and expiring orders, and quotes and marks follow. An instant at or before the current one is a no-op.
   */
  advanceTo(now: string): void {
    const to = toIsoUtc(parseInstant(now));
    if (parseInstant(to).toMillis() <= parseInstant(this.options.now).toMillis()) return;
    this.options = { ...this.options, now: to };
    // Saved only when an order moved: the replay is deterministic, so a quiet stretch replays to nothing after a restart.
    if (this.advance(to) > 0) this.persist();
  }

  /** The simulated account, its market and instant, for the simulated gateway, which reports them in IB's messages. */
  view(): { state: Readonly<SimState>; market: SimMarket; now: string } {
    return { state: this.connected(), market: this.market, now: this.options.now };
  }

  /** Replays the market from the state's clock to `to`: fill steps, and DAY expiry at each close. Returns how many events. */
  private advance(to: string): number {
    const state = this.connected();
    const working = () => state.orders.filter((o) => !isFinal(o));
    let events = 0;
    for (const event of replayMarket(working, state.clock, to, this.market, state.seed, this.fillParams)) {
      events += 1;
      const { order } = event;
      if (event.kind === 'step' && order.status === 'PreSubmitted') order.status = 'Submitted';
      if (event.kind === 'fill') bookFill(state, order, event.fill, this.options.commissionModel, event.time);
      if (event.kind === 'expire') Object.assign(order, { status: 'Cancelled', message: 'expired at the close (DAY)' });
    }
    state.clock = to;
    pruneState(state, toIsoUtc(parseInstant(to).minus({ days: RETENTION_DAYS })));
    return events;
  }

  private markOf(symbol: string, fallback: number): number {
    const q = this.market.quoteAt(symbol, this.options.now);
    if (q?.last !== undefined) return q.last;
    if (q?.bid !== undefined && q.ask !== undefined) return (q.bid + q.ask) / 2;
    return fallback;
  }

  private seed(scenario: Scenario | undefined, scenarioPath: string | null): SimState {
    const source = scenario ?? { ...UNIVERSE_ACCOUNT, positions: {} };
    return createState({
      account: source.account, currency: source.currency, cash: source.cash, positions: source.positions,
      seed: this.options.seed ?? scenario?.seed ?? 1, scenarioPath, now: this.options.now,
    });
  }

  private persist(): void {
    if (this.options.readOnly) return;
    const state = this.connected();
    this.storage(() => saveState(this.options.dataDir, state));
  }

  /** Storage failures surface as BrokerErrors, as the port promises; the message names the file. */
  private storage<T>(action: () => T): T {
    try {
      return action();
    } catch (err) {
      if (err instanceof StorageError) throw new BrokerError(err.message, 'fatal');
      throw err;
    }
  }

  private connected(): SimState {
    if (this.state === undefined) throw new BrokerError('the sim broker is not connected', 'connect');
    return this.state;
  }
}

function toBrokerOrder(o: SimOrder): BrokerOrder {
  return {
    brokerOrderId: o.orderId, permId: o.permId, clientId: o.clientId, orderRef: o.orderRef, symbol: o.symbol, action: o.action,
    quantity: o.quantity, limitPrice: o.limitPrice, status: o.status, filledQuantity: o.filled, avgFillPrice: o.avgFillPrice,
    ...(o.message === undefined ? {} : { message: o.message }),
  };
}

function collect<T>(symbols: string[], get: (symbol: string) => T | undefined): Record<string, T> {
  return Object.fromEntries(symbols.flatMap((s) => {
    const value = get(s);
    return value === undefined ? [] : [[s, value] as const];
  }));
}
