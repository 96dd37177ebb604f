import { resolve } from 'node:path';
import { isFinal } from '../core/order-status.js';
import { isSessionOpen, NYSE_RULES, parseInstant, toIsoUtc, tradingDayOf } from '../core/session.js';
import type { AccountSummary, BrokerPosition, CommissionModel, ContractInfo, OrderRequest, Quote } from '../core/types.js';
import { StorageError } from '../errors.js';
import { DEFAULT_FILL_PARAMS, fillsAt, orderRejection, replayMarket, type FillParams } from './fill-model.js';
import { loadScenario, scenarioMarket, type Scenario } from './scenario.js';
import { bookFill, createState, pruneState, summarizeAccount, type SimExecution, type SimOrder, type SimState } from './sim-state.js';
import { loadState, saveState, stateFile } from './state-file.js';
import { applyCashStage, cashEventStages, withDividends, type EventStage } from './scenario-events.js';
import { applySplitStage, isSplitStage, splitEventStages, withSplits, type SplitStage } from './scenario-splits.js';
import type { StatementCashTransaction } from '../ports/statements.js';
import { UNIVERSE_ACCOUNT, universeMarket, type SimMarket } from './universe.js';

/**
 * The simulated market and the IB account in it, as one object both faces drive: the in-process `sim` broker
 * (the `SimBroker`, through the Broker port) and the simulated IB Gateway (`src/gateway`, through
 * the TWS wire). It knows neither: it places, cancels, marks and advances, persists every change under
 * `<dataDir>/sim/state.json` at once (so a crash loses no fill), and throws {@link SimRejection} and
 * {@link SimStateError} for the faces to translate.
 */

export interface SimAccountOptions {
  /** DATA_DIR: the state lives in `<dataDir>/sim/state.json`. */
  dataDir: string;
  /** SIM_SCENARIO: seeds a new simulation, and its quotes are the market of every run. */
  scenarioFile?: string;
  /** Seed of a new simulation (else the scenario's, else 1); an existing simulation keeps its own. */
  seed?: number;
  /** The instant (ISO 8601) the market is brought to on opening: the simulation never reads the clock. */
  now: string;
  commissionModel: CommissionModel;
  /** Advance and answer in memory, never write the state (`rebalancer plan`). */
  readOnly?: boolean;
  /** API client id stamped on orders placed without a {@link SimPlacement} (default 0). */
  clientId?: number;
}

/**
 * How an API client of the simulated IB Gateway places an order: under the id it chose, for that client, and
 * with or without the Adaptive algo. Without one, the account numbers the order itself (the `sim` broker).
 */
export interface SimPlacement {
  orderId: number;
  clientId: number;
  adaptive: boolean;
}

/** The simulated venue refuses an order: IB's error code (103, 110, 200, 201) and its text. */
export class SimRejection extends Error {
  override readonly name = 'SimRejection';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * The simulation cannot be opened: its state file is unreadable or corrupt, was seeded from another scenario,
 * or is already past the instant asked for. The message names the file and what to do.
 */
export class SimStateError extends Error {
  override readonly name = 'SimStateError';
}

/** How far back executions and finished orders are kept: IB itself reports only the last days. */
const RETENTION_DAYS = 30;

export class SimAccount {
  private instant: string;

  private constructor(
    private readonly options: SimAccountOptions,
    private readonly current: SimState,
    readonly market: SimMarket,
    private readonly fillParams: FillParams,
    private readonly rejectSymbols: ReadonlySet<string>,
    /** True when this opening seeded the simulation: there was no state file before. */
    readonly created: boolean,
    /** The scenario's scheduled event stages, in the order they take effect. */
    private readonly stages: readonly (EventStage | SplitStage)[] = [],
  ) {
    this.instant = options.now;
  }

  /**
   * Loads the state (or seeds it from the scenario or the universe) and advances the market from the state's
   * clock to `now` in 5-minute steps of session time, filling open orders and expiring DAY orders at the close.
   * A bad scenario is a ConfigError; a state that cannot be used a {@link SimStateError}.
   */
  static open(options: SimAccountOptions): SimAccount {
    // One spelling of every instant (no milliseconds), so execution times read alike in the records.
    const opts = { ...options, now: toIsoUtc(parseInstant(options.now)) };
    const { dataDir, now } = opts;
    const scenario = opts.scenarioFile === undefined ? undefined : loadScenario(opts.scenarioFile);
    const scenarioPath = opts.scenarioFile === undefined ? null : resolve(opts.scenarioFile);
    const loaded = unusable(() => loadState(dataDir));
    const state = loaded ?? seed(opts, scenario, scenarioPath);
    const file = stateFile(dataDir);
    if (state.scenarioPath !== scenarioPath) {
      throw new SimStateError(
        `${file}: this simulation was seeded from ${state.scenarioPath ?? 'the built-in universe'}, ` +
          `not ${scenarioPath ?? 'the built-in universe'}; set SIM_SCENARIO back, or delete the file to start over`,
      );
    }
    if (parseInstant(now).toMillis() < parseInstant(state.clock).toMillis()) {
      throw new SimStateError(
        `${file}: the simulated market is already at ${state.clock}, after ${now}; ` +
          'it cannot go back: use a later time, or delete the file to start over',
      );
    }
    const market = scenario
      ? withDividends(withSplits(scenarioMarket(scenario), scenario.events), scenario.events)
      : universeMarket(state.seed);
    const stages = [...cashEventStages(scenario?.events ?? []), ...splitEventStages(scenario?.events ?? [])].sort(
      (a, b) => instantMs(a.at) - instantMs(b.at),
    );
    // The scenario's cash and positions are the account at its first instant: what was scheduled before is in them.
    if (loaded === undefined) state.appliedEvents = stages.filter((s) => instantMs(s.at) < instantMs(now)).map((s) => s.key);
    const account = new SimAccount(
      opts,
      state,
      market,
      { ...DEFAULT_FILL_PARAMS, ...scenario?.fills },
      new Set(scenario?.rejectSymbols ?? []),
      loaded === undefined,
      stages,
    );
    account.replay(now);
    unusable(() => account.persist());
    return account;
  }

  /** The account as persisted: read it, never change it (every change goes through a method, which saves it). */
  get state(): Readonly<SimState> {
    return this.current;
  }

  /** The instant the market is at. */
  get now(): string {
    return this.instant;
  }

  /**
   * Moves the market on to `now`: it replays from the last instant, filling and expiring orders, and quotes
   * and marks follow. An instant at or before the current one is a no-op.
   */
  advanceTo(now: string): void {
    const to = toIsoUtc(parseInstant(now));
    if (parseInstant(to).toMillis() <= parseInstant(this.instant).toMillis()) return;
    this.instant = to;
    // Saved only when an order moved: the replay is deterministic, so a quiet stretch replays to nothing after a restart.
    if (this.replay(to) > 0) this.persist();
  }

  /**
   * Places a DAY limit order, or throws a {@link SimRejection} when the venue refuses it (also a `placement`
   * id the account has already used: 103). Inside the session it is marketable at once: Adaptive works it
   * against the current quote, so it may come back (partly) filled.
   */
  place(request: OrderRequest, placement?: SimPlacement): SimOrder {
    const state = this.current;
    const { symbol, quantity, limitPrice } = request;
    const contract = this.market.contract(symbol);
    const rejection = orderRejection(request, contract, this.rejectSymbols);
    if (rejection !== undefined) throw new SimRejection(rejection.message, rejection.code);
    if (contract === undefined) throw new Error(`invariant: an order for ${symbol}, which has no contract, was accepted`);
    if (placement !== undefined && state.orders.some((o) => o.orderId === placement.orderId)) {
      throw new SimRejection(`Duplicate order id ${placement.orderId}`, 103);
    }
    const now = this.instant;
    const open = isSessionOpen(now, NYSE_RULES);
    const orderId = placement?.orderId ?? state.nextOrderId;
    // IB order ids only ever grow: the next one offered is above every id used, whoever chose it.
    state.nextOrderId = Math.max(state.nextOrderId, orderId + 1);
    const order: SimOrder = {
      orderId,
      permId: state.nextPermId++,
      clientId: placement?.clientId ?? this.options.clientId ?? 0,
      orderRef: request.orderRef,
      symbol,
      action: request.action,
      quantity,
      limitPrice,
      minTick: contract.minTick,
      adaptivePriority: placement?.adaptive === false ? undefined : request.adaptivePriority,
      tif: 'DAY',
      status: open ? 'Submitted' : 'PreSubmitted',
      filled: 0,
      avgFillPrice: 0,
      submittedAt: now,
    };
    state.orders.push(order);
    if (open)
      for (const fill of fillsAt(order, now, this.market, state.seed, this.fillParams))
        bookFill(state, order, fill, this.options.commissionModel, now);
    this.persist();
    return order;
  }

  /** Cancels an open order at the client's request. False, and nothing changes, for an unknown id or a final order. */
  cancel(orderId: number): boolean {
    const order = this.order(orderId);
    if (order === undefined || isFinal(order.status)) return false;
    order.status = 'Cancelled';
    order.message = 'cancelled by the client';
    order.completedAt = this.instant;
    this.persist();
    return true;
  }

  order(orderId: number): SimOrder | undefined {
    return this.current.orders.find((o) => o.orderId === orderId);
  }

  /** Orders that can still fill or be cancelled, in the order they were placed. */
  openOrders(): SimOrder[] {
    return this.current.orders.filter((o) => !isFinal(o.status));
  }

  /**
   * The orders that reached their final state during the New York trading day of `at` (default: the account's
   * instant), each with when it did, the earliest first: what IB's completed orders report.
   */
  completedOn(at: string = this.instant): { order: SimOrder; completedAt: string }[] {
    const day = tradingDayOf(at);
    return this.current.orders
      .filter((o) => isFinal(o.status))
      .map((order) => ({ order, completedAt: completionTime(this.current, order) }))
      .filter(({ completedAt }) => tradingDayOf(completedAt) === day)
      .sort((a, b) => parseInstant(a.completedAt).toMillis() - parseInstant(b.completedAt).toMillis());
  }

  /** Executions at or after `since` (ISO 8601), oldest first, within the retention. */
  executionsSince(since: string): SimExecution[] {
    const from = parseInstant(since).toMillis();
    return this.current.executions.filter((e) => parseInstant(e.time).toMillis() >= from);
  }

  /** Non-zero positions. */
  positions(): BrokerPosition[] {
    const { account } = this.current;
    return Object.entries(this.current.positions)
      .filter(([, p]) => p.quantity !== 0)
      .map(([symbol, p]) => ({ account, symbol, quantity: p.quantity, avgCost: p.avgCost }));
  }

  /** The account's figures, positions marked at the market now (see {@link markOf}). */
  summary(): AccountSummary {
    return summarizeAccount(this.current, (symbol, avgCost) => this.markOf(symbol, avgCost));
  }

  contract(symbol: string): ContractInfo | undefined {
    return this.market.contract(symbol);
  }

  quote(symbol: string): Quote | undefined {
    return this.market.quoteAt(symbol, this.instant);
  }

  /** A position's mark: the last trade, else the midpoint, else `fallback` (its average cost) without a quote. */
  markOf(symbol: string, fallback: number): number {
    const q = this.quote(symbol);
    if (q?.last !== undefined) return q.last;
    if (q?.bid !== undefined && q.ask !== undefined) return (q.bid + q.ask) / 2;
    return fallback;
  }

  /**
   * The cash the scenario's events moved (deposits, withdrawals, dividends paid, interest, fees), oldest first,
   * in the shape of IB's statement cash transactions; with `fromDate`/`toDate` (YYYY-MM-DD), those dated within.
   */
  cashTransactions(fromDate = '0000-00-00', toDate = '9999-99-99'): StatementCashTransaction[] {
    return (this.current.cashTransactions ?? []).filter((t) => t.date >= fromDate && t.date <= toDate).map((t) => ({ ...t }));
  }

  /**
   * Replays the market from the state's clock to `to`: the scenario's events due on the way (each just before
   * the fill step of its instant; one the clock had already passed, unapplied, at `to`), fill steps, and DAY
   * expiry at each close. Returns how many events.
   */
  private replay(to: string): number {
    const state = this.current;
    const end = instantMs(to);
    let events = 0;
    const applied = new Set(state.appliedEvents ?? []);
    const pending = this.stages.filter((s) => !applied.has(s.key) && instantMs(s.at) <= end);
    // Listed after the clock had passed them (the scenario was edited): applied at `to`, after the replay.
    const late = pending.filter((s) => instantMs(s.at) <= instantMs(state.clock));
    const apply = (stage: (typeof pending)[number], when: string) => {
      if (isSplitStage(stage)) applySplitStage(state, stage, when, this.market);
      else applyCashStage(state, stage, when);
      events += 1;
    };
    for (const stage of pending.filter((s) => !late.includes(s))) {
      const justBefore = toIsoUtc(parseInstant(stage.at).minus({ seconds: 1 }));
      if (instantMs(justBefore) > instantMs(state.clock)) {
        events += this.replayOrders(justBefore);
        state.clock = justBefore;
      }
      apply(stage, stage.at);
    }
    events += this.replayOrders(to);
    state.clock = to;
    for (const stage of late) apply(stage, to);
    pruneState(state, toIsoUtc(parseInstant(to).minus({ days: RETENTION_DAYS })));
    return events;
  }

  /** Replays the orders from the state's clock to `to` (the clock is left where it was). Returns how many events. */
  private replayOrders(to: string): number {
    const state = this.current;
    const working = () => state.orders.filter((o) => !isFinal(o.status));
    let events = 0;
    for (const event of replayMarket(working, state.clock, to, this.market, state.seed, this.fillParams)) {
      events += 1;
      const { order } = event;
      if (event.kind === 'step' && order.status === 'PreSubmitted') order.status = 'Submitted';
      if (event.kind === 'fill') bookFill(state, order, event.fill, this.options.commissionModel, event.time);
      if (event.kind === 'expire')
        Object.assign(order, { status: 'Cancelled', message: 'expired at the close (DAY)', completedAt: event.time });
    }
    return events;
  }

  /** Saves the state (not in read-only mode); a failure is a StorageError naming the file. */
  private persist(): void {
    if (this.options.readOnly) return;
    saveState(this.options.dataDir, this.current);
  }
}

/**
 * When a final order reached its final state; for one saved before the state kept that time, its last execution's
 * time when it filled, else the time it was placed.
 */
export function completionTime(state: Readonly<SimState>, order: Readonly<SimOrder>): string {
  if (order.completedAt !== undefined) return order.completedAt;
  const last = order.status === 'Filled' ? state.executions.filter((e) => e.orderId === order.orderId).at(-1) : undefined;
  return last?.time ?? order.submittedAt;
}

function seed(options: SimAccountOptions, scenario: Scenario | undefined, scenarioPath: string | null): SimState {
  const source = scenario ?? { ...UNIVERSE_ACCOUNT, positions: {} };
  return createState({
    account: source.account,
    currency: source.currency,
    cash: source.cash,
    positions: source.positions,
    seed: options.seed ?? scenario?.seed ?? 1,
    scenarioPath,
    now: options.now,
  });
}

function instantMs(iso: string): number {
  return parseInstant(iso).toMillis();
}

/** Opening fails as one kind of error, whatever stopped it: the state file could not be read, or not written. */
function unusable<T>(action: () => T): T {
  try {
    return action();
  } catch (err) {
    if (err instanceof StorageError) throw new SimStateError(err.message, { cause: err });
    throw err;
  }
}
