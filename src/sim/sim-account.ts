import { resolve } from 'node:path';
import { isFinal } from '../core/order-status.js';
import { isSessionOpen, parseInstant, toIsoUtc, tradingDayOf } from '../core/session.js';
import type {
  AccountSummary,
  AdaptivePriority,
  BrokerPosition,
  CommissionModel,
  ContractInfo,
  FxQuote,
  OrderRequest,
  Quote,
  Side,
} from '../core/types.js';
import { StorageError } from '../errors.js';
import { liquidHoursText, simRulesOf } from './exchange-hours.js';
import { DateTime } from 'luxon';
import { DEFAULT_FILL_PARAMS, fillsAt, orderRejection, replayMarket, STEP_MINUTES, type FillParams } from './fill-model.js';
import { bookFxFill, fxFillPrice, fxOrderCheck, isOddLot } from './fx-orders.js';
import { fxPairNamed, fxSessionOf, isConventional, isFxOpen, pairMid, pairQuote, resolveFxPair } from './fx-pairs.js';
import { loadScenario, MODIFY_REFUSAL_CODES, scenarioCash, scenarioMarket, type ModifyFault, type Scenario } from './scenario.js';
import {
  bookFill,
  createState,
  pruneState,
  summarizeAccount,
  type SimExecution,
  type SimFx,
  type SimOrder,
  type SimState,
} from './sim-state.js';
import { printedRate, rateAt, type ExchangeRateSpec } from './fx-rates.js';
import { Decimal } from 'decimal.js';
import { loadState, saveState, stateFile } from './state-file.js';
import { applyCashStage, cashEventStages, withDividends, type EventStage } from './scenario-events.js';
import { applySplitStage, isSplitStage, splitEventStages, withSplits, type SplitStage } from './scenario-splits.js';
import type { StatementCashTransaction } from '../ports/statements.js';
import { UNIVERSE_ACCOUNT, universeMarket, type SimMarket } from './universe.js';
import { conformsToContract, tickOf } from './market-rules.js';

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

/**
 * A change to a working order (IB: placeOrder again on its id, every field as before but size and price): the
 * order as it is to stand. `quantity` is the new TOTAL (what already filled plus the remainder now wanted);
 * `adaptive` whether the change still carries the Adaptive algo; `adaptivePriority`, when given, its priority.
 */
export interface SimModification {
  symbol: string;
  action: Side;
  /** The new total quantity: filled so far plus the remainder now wanted. */
  quantity: number;
  limitPrice: number;
  adaptive: boolean;
  adaptivePriority?: AdaptivePriority;
  orderRef: string;
}

/**
 * IB's texts for the modification refusals (TWS API message codes, interactivebrokers.github.io/tws-api/message_codes.html,
 * as mirrored in public clients' error tables, e.g. TWS C++ clients' FAIL_MODIFY_FILLED_ORDER 104 and
 * FAIL_MODIFIED_ORDER_DOES_NOT_MATCH_ORIGINAL 105): 103 "Duplicate order id" (the text ib_insync issues #80 and #644
 * log), 104 "Can't modify a filled order", 105 "Order being modified does not match original order", 135 "Can't
 * find order with ID =" (from IB's table as this project's ib-codes.ts lists it), 2102 "Unable to modify this order
 * as it is still being processed".
 */
export const MODIFY_REFUSAL_TEXT = {
  103: 'Duplicate order id',
  104: "Can't modify a filled order",
  105: 'Order being modified does not match original order',
  110: 'The price does not conform to the minimum price variation for this contract.',
  135: "Can't find order with ID =",
  201: 'Order rejected - reason: the modification was refused',
  2102: 'Unable to modify this order as it is still being processed',
} as const satisfies Readonly<Record<(typeof MODIFY_REFUSAL_CODES)[number], string>>;

/** The simulated venue refuses an order or a modification: IB's error code (103-105, 110, 135, 200, 201, 2102) and its text. */
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
    /** The scenario's `modifyFaults`: per ticker, the race a modification runs into. */
    private readonly modifyFaults: Readonly<Record<string, ModifyFault>> = {},
    /** The scenario's `exchangeRates`: per currency other than the base, its rate (fixed or along a path). */
    private readonly rates: Readonly<Record<string, ExchangeRateSpec>> = {},
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
      scenario?.modifyFaults ?? {},
      scenario?.exchangeRates ?? {},
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
    if (request.secType === 'CASH') return this.placeConversion(request, placement);
    const state = this.current;
    const { symbol, quantity, limitPrice } = request;
    const contract = this.market.contract(symbol);
    const rejection = orderRejection(request, contract, this.rejectSymbols);
    if (rejection !== undefined) throw new SimRejection(rejection.message, rejection.code);
    if (contract === undefined) throw new Error(`invariant: an order for ${symbol}, which has no contract, was accepted`);
    const now = this.instant;
    const open = this.sessionOpen(symbol, now);
    const order: SimOrder = {
      ...this.takeIds(placement),
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
        bookFill(state, order, fill, this.options.commissionModel, now, this.bookedIn(symbol), this.priceMagnifierOf(symbol));
    this.persist();
    return order;
  }

  /**
   * A new order's ids: the placement's order id (103 when the account used it already) or the next free one, a permId,
   * the client. IB order ids only ever grow: the next one offered is above every id used, whoever chose it.
   */
  private takeIds(placement: SimPlacement | undefined): Pick<SimOrder, 'orderId' | 'permId' | 'clientId'> {
    const state = this.current;
    if (placement !== undefined && state.orders.some((o) => o.orderId === placement.orderId)) {
      throw new SimRejection(`Duplicate order id ${placement.orderId}`, 103);
    }
    const orderId = placement?.orderId ?? state.nextOrderId;
    state.nextOrderId = Math.max(state.nextOrderId, orderId + 1);
    return { orderId, permId: state.nextPermId++, clientId: placement?.clientId ?? this.options.clientId ?? 0 };
  }

  /**
   * Places a currency conversion on IDEALPRO (see fx-orders.ts), or throws a {@link SimRejection}: 200 for a pair
   * not listed in that orientation or not priced by the scenario, 201 for a quantity that is not a positive whole
   * number, 110 for a limit off the pair's tick, 103 for a used id. No algo (IDEALPRO takes none: `adaptivePriority` is
   * ignored). Inside IDEALPRO's hours it is Submitted and fills at once when marketable; outside them it is held
   * (PreSubmitted) and fills once the market opens. Below IDEALPRO's minimum it is an odd lot (`oddLot`: IB warns 399).
   */
  private placeConversion(request: OrderRequest, placement?: SimPlacement): SimOrder {
    const state = this.current;
    const now = this.instant;
    const checked = fxOrderCheck(request, this.ratesAt(now));
    if ('code' in checked) throw new SimRejection(checked.message, checked.code);
    const { pair } = checked;
    const open = isFxOpen(now);
    const order: SimOrder = {
      ...this.takeIds(placement),
      orderRef: request.orderRef,
      secType: 'CASH',
      symbol: pair.localSymbol,
      action: request.action,
      quantity: request.quantity,
      limitPrice: request.limitPrice,
      minTick: pair.minTick,
      ...(isOddLot(pair, request.quantity, this.ratesAt(now)) ? { oddLot: true as const } : {}),
      tif: 'DAY',
      status: open ? 'Submitted' : 'PreSubmitted',
      filled: 0,
      avgFillPrice: 0,
      submittedAt: now,
    };
    state.orders.push(order);
    if (open) this.workConversion(order, now);
    this.persist();
    return order;
  }

  /** Fills a working conversion at `at` when its limit reaches the quote then (see fx-orders.ts). True when it filled. */
  private workConversion(order: SimOrder, at: string): boolean {
    const rates = this.ratesAt(at);
    const price = fxFillPrice(order, rates);
    if (price === undefined) return false;
    bookFxFill(this.current, order, price, at, rates);
    return true;
  }

  /** The account's rates at an instant (base units per one unit; 1 for the base), as {@link exchangeRate} reads them now. */
  private ratesAt(at: string): (currency: string) => Decimal | undefined {
    return (currency) => {
      const spec = currency === this.current.currency ? 1 : this.rates[currency];
      return spec === undefined ? undefined : rateAt(spec, this.current.seed, currency, at);
    };
  }

  /**
   * Replays the working conversions over (the state's clock, `to`]: every {@link STEP_MINUTES} while IDEALPRO trades
   * (a held order is Submitted at the open), filled when the quote reaches the limit; a DAY conversion not filled by
   * the close of the session it was placed in (or, placed while IDEALPRO was closed, the next one) expires then.
   * Returns how many events.
   */
  private replayConversions(to: string): number {
    const working = () => this.current.orders.filter((o) => o.secType === 'CASH' && !isFinal(o.status));
    if (working().length === 0) return 0;
    const end = instantMs(to);
    const step = STEP_MINUTES * 60_000;
    let events = 0;
    // Each order's close, and the session at the replay's instant, read once (the calendar is costly to read per step).
    const closes = new Map<number, string>();
    const closeOf = (order: SimOrder) => {
      const known = closes.get(order.orderId);
      if (known !== undefined) return known;
      const close = fxSessionOf(order.submittedAt).close;
      closes.set(order.orderId, close);
      return close;
    };
    const expire = (upTo: number) => {
      for (const order of working()) {
        const close = closeOf(order);
        if (instantMs(close) > upTo) continue;
        Object.assign(order, { status: 'Cancelled', message: 'expired at the close (DAY)', completedAt: close });
        events += 1;
      }
    };
    let t = (Math.floor(instantMs(this.current.clock) / step) + 1) * step;
    let session = { open: 0, close: 0 };
    while (t <= end && working().length > 0) {
      expire(t);
      const at = toIsoUtc(DateTime.fromMillis(t));
      if (t >= session.close) {
        const next = fxSessionOf(at);
        session = { open: instantMs(next.open), close: instantMs(next.close) };
      }
      if (t < session.open) {
        t = Math.max(t + step, session.open);
        continue;
      }
      for (const order of working()) {
        if (instantMs(order.submittedAt) > t) continue;
        if (order.status === 'PreSubmitted') {
          order.status = 'Submitted';
          events += 1;
        }
        if (this.workConversion(order, at)) events += 1;
      }
      t += step;
    }
    expire(end);
    return events;
  }

  /**
   * Modifies working order `orderId` of API client `by.clientId` in place, as IB does when a client sends
   * placeOrder again on the id of one of its own orders (interactivebrokers.github.io/tws-api/modifying_orders.html:
   * only the client that placed it, only size and price; "it is not generally recommended to try to change order
   * fields aside from order price, size, and tif"). Returns the order as it now stands: same id, permId, orderRef
   * and status, the new total quantity and limit, `modifications` and `modifiedAt` recorded, persisted at once.
   *
   * Refusals (a {@link SimRejection}; the order stands as it was):
   * - 135 "Can't find order with ID = N": no order of that id for that client (IB's message codes page: 135).
   * - 104 "Can't modify a filled order": it has filled (message codes page; QuantConnect/Lean PR #1053 logs
   *   "Error code 104: Can't modify a filled order." on exactly this race).
   * - 103 "Duplicate order id": it is cancelled, expired, inactive or rejected. IB documents no modification
   *   code for a finished order that did not fill; its message codes page gives 103 for an order placed "with an
   *   order ID that is less than or equal to the order ID of a previous order from this client", and ib_insync
   *   issue #80 shows 103 on reusing the id of a cancelled order, so a finished id is refused as a used one.
   * - 105 "Order being modified does not match original order": the symbol, side or algo (Adaptive on or off)
   *   differs (message codes page: "basic parameters differed (aside from quantity or price fields)"). Not
   *   documented, so the harder choice: a different Adaptive priority or orderRef is refused as well.
   * - 201 "Order rejected - reason: ...": the total quantity is not a positive whole number (as for a new order),
   *   or not above what has already filled. IB documents no code for the latter: 201, its generic refusal.
   * - 110: the limit is not positive or not on the order's tick (as for a new order).
   * - and the scenario's `modifyFaults` for the ticker (see scenario.ts): `fillFirst` books the fills before the
   *   checks (kept even when the change is then refused), `refuse` refuses with its code, `dropAfter` applies the
   *   change and returns `dropAfter: true` (the face then loses the connection).
   *
   * Queue position: a new limit or a larger quantity loses the order's place, as a new order has none: inside the
   * session it is worked at once against the current quote, exactly as {@link place} works a new order (it may
   * fill). A smaller quantity alone keeps its place and is not worked now (the next market step works it).
   */
  modify(orderId: number, change: SimModification, by: { clientId: number }): { order: SimOrder; dropAfter: boolean } {
    const order = this.current.orders.find((o) => o.orderId === orderId && o.clientId === by.clientId);
    if (order === undefined) throw refusal(135, `${MODIFY_REFUSAL_TEXT[135]} ${orderId}`);
    const fault = order.secType === 'CASH' ? undefined : this.modifyFaults[order.symbol];
    const now = this.instant;
    if (fault?.fillFirst !== undefined && !isFinal(order.status)) {
      const remaining = order.quantity - order.filled;
      const quantity = fault.fillFirst === 'all' ? remaining : Math.max(1, Math.floor(remaining / 2));
      if (order.status === 'PreSubmitted') order.status = 'Submitted';
      bookFill(
        this.current,
        order,
        { quantity, price: order.limitPrice },
        this.options.commissionModel,
        now,
        this.bookedIn(order.symbol),
        this.priceMagnifierOf(order.symbol),
      );
      // Booked before the change arrived: kept (and saved) whatever becomes of the change.
      this.persist();
    }
    if (order.status === 'Filled') throw refusal(104, MODIFY_REFUSAL_TEXT[104]);
    if (isFinal(order.status)) throw refusal(103, MODIFY_REFUSAL_TEXT[103]);
    if (fault?.refuse !== undefined) throw refusal(fault.refuse.code, fault.refuse.message ?? refusalText(fault.refuse.code));
    const mismatch = [
      change.symbol !== order.symbol && 'symbol',
      change.action !== order.action && 'side',
      change.adaptive !== (order.adaptivePriority !== undefined) && 'algo',
      change.adaptive && change.adaptivePriority !== undefined && change.adaptivePriority !== order.adaptivePriority && 'Adaptive priority',
      change.orderRef !== order.orderRef && 'orderRef',
    ].filter((x) => x !== false);
    if (mismatch.length > 0) throw refusal(105, MODIFY_REFUSAL_TEXT[105]);
    const { quantity, limitPrice } = change;
    if (!Number.isInteger(quantity) || quantity <= 0)
      throw refusal(201, `Order rejected - reason: quantity must be a positive whole number, got ${quantity}`);
    if (quantity <= order.filled)
      throw refusal(201, `Order rejected - reason: the total quantity ${quantity} must be above the ${order.filled} already filled`);
    const bands = this.market.contract(order.symbol)?.priceIncrements;
    const grid = { minTick: order.minTick, ...(bands === undefined ? {} : { priceIncrements: bands }) };
    if (!(limitPrice > 0) || !conformsToContract(grid, limitPrice))
      throw refusal(110, `${MODIFY_REFUSAL_TEXT[110]} ${order.symbol} limit ${limitPrice}, tick ${tickOf(grid, limitPrice)}`);
    const losesPlace = limitPrice !== order.limitPrice || quantity > order.quantity;
    order.quantity = quantity;
    order.limitPrice = limitPrice;
    order.modifications = (order.modifications ?? 0) + 1;
    order.modifiedAt = now;
    if (order.secType === 'CASH') {
      const pair = fxPairNamed(order.symbol);
      if (pair !== undefined && isOddLot(pair, quantity, this.ratesAt(now))) order.oddLot = true;
      else delete order.oddLot;
      if (losesPlace && isFxOpen(now)) this.workConversion(order, now);
      this.persist();
      return { order, dropAfter: false };
    }
    if (losesPlace && this.sessionOpen(order.symbol, now))
      for (const fill of fillsAt(order, now, this.market, this.current.seed, this.fillParams))
        bookFill(
          this.current,
          order,
          fill,
          this.options.commissionModel,
          now,
          this.bookedIn(order.symbol),
          this.priceMagnifierOf(order.symbol),
        );
    this.persist();
    return { order, dropAfter: fault?.dropAfter === true };
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

  /**
   * The account's figures, positions marked at the market now (see {@link markOf}). An account that holds or
   * prices other currencies also gives its cash per currency and the rates as IB prints them, read now; a
   * one-currency account's summary is as it always was.
   */
  summary(): AccountSummary {
    const mark = (symbol: string, avgCost: number) => this.markOf(symbol, avgCost);
    if (!this.isMultiCurrency()) return summarizeAccount(this.current, mark);
    const printed = (currency: string) => {
      const rate = this.exchangeRate(currency);
      return rate === undefined ? undefined : Number(printedRate(rate));
    };
    return summarizeAccount(this.current, mark, { fx: this.fx(), at: this.instant, printed });
  }

  /** True when the account holds cash in another currency than its base, or the scenario gives exchange rates. */
  isMultiCurrency(): boolean {
    return Object.keys(this.rates).length > 0 || Object.keys(this.current.foreignCash ?? {}).length > 0;
  }

  /** Base-currency units per one unit of `currency` now, unrounded (1 for the base); undefined without a rate. */
  exchangeRate(currency: string): Decimal | undefined {
    const spec = currency === this.current.currency ? 1 : this.rates[currency];
    return spec === undefined ? undefined : rateAt(spec, this.current.seed, currency, this.instant);
  }

  /**
   * The IDEALPRO pair of `currency` against the base currency as IB lists it (USD.SGD in an SGD account), quoted now
   * around the account's rates (the quote a conversion fills at); undefined for the base, a currency without a rate,
   * one IDEALPRO does not trade, and outside IDEALPRO's hours (IB quotes no bid and no ask then).
   */
  fxQuote(currency: string): FxQuote | undefined {
    const base = this.current.currency;
    if (!isFxOpen(this.instant)) return undefined;
    const [symbol, quoted] = isConventional(currency, base) ? [currency, base] : [base, currency];
    const rates = this.ratesAt(this.instant);
    const pair = currency === base ? undefined : resolveFxPair({ secType: 'CASH', exchange: 'IDEALPRO', symbol, currency: quoted }, rates);
    const mid = pair === undefined ? undefined : pairMid(pair, rates);
    if (pair === undefined || mid === undefined) return undefined;
    return { symbol: pair.symbol, currency: pair.currency, ...pairQuote(pair, mid) };
  }

  /** How the account values other currencies now (see {@link SimFx}). */
  fx(): SimFx {
    return { rate: (currency) => this.exchangeRate(currency), currencyOf: (symbol) => this.currencyOf(symbol) };
  }

  /**
   * The currency whose cash a trade of `symbol` moves: its contract's, when the account has a rate for it; else the
   * base currency, as before the simulated account knew other currencies.
   */
  bookedIn(symbol: string): string {
    const currency = this.currencyOf(symbol);
    return this.exchangeRate(currency) === undefined ? this.current.currency : currency;
  }

  /**
   * IB's priceMagnifier of a symbol's contract: its quotes, ticks, limits and execution prices are in 1/magnifier
   * of its currency (100: pence of GBP). 1 for a contract without one, or a symbol the market does not know.
   */
  priceMagnifierOf(symbol: string): number {
    return this.market.contract(symbol)?.priceMagnifier ?? 1;
  }

  /** The currency of a symbol's contract (the base currency for a symbol the market does not know). */
  currencyOf(symbol: string): string {
    return this.market.contract(symbol)?.currency ?? this.current.currency;
  }

  contract(symbol: string): ContractInfo | undefined {
    const contract = this.market.contract(symbol);
    const hours = this.market.hoursOf?.(symbol);
    if (contract === undefined || hours === undefined) return contract;
    // A listing with hours of its own carries them as IB's contract details do: its zone id and a week from today.
    const text = liquidHoursText(hours, this.instant);
    return { ...contract, timeZone: hours.timeZone, liquidHours: text, tradingHours: text };
  }

  /** Whether the listing's market holds its session at `now`: its own hours, or the NYSE calendar. */
  private sessionOpen(symbol: string, now: string): boolean {
    const rules = simRulesOf(this.market.hoursOf?.(symbol));
    return rules !== undefined && isSessionOpen(now, rules);
  }

  quote(symbol: string): Quote | undefined {
    return this.market.quoteAt(symbol, this.instant);
  }

  /**
   * A position's mark per share in its contract's currency itself: the last trade, else the midpoint, each divided
   * by the contract's priceMagnifier (a pence quote of 3514 marks at 35.14 GBP), else `fallback` (its average cost,
   * already in the currency) without a quote.
   */
  markOf(symbol: string, fallback: number): number {
    const q = this.quote(symbol);
    const magnifier = this.priceMagnifierOf(symbol);
    const unit = (price: number) => (magnifier === 1 ? price : new Decimal(price).div(magnifier).toNumber());
    if (q?.last !== undefined) return unit(q.last);
    if (q?.bid !== undefined && q.ask !== undefined) return unit((q.bid + q.ask) / 2);
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
    const working = () => state.orders.filter((o) => o.secType !== 'CASH' && !isFinal(o.status));
    let events = 0;
    for (const event of replayMarket(working, state.clock, to, this.market, state.seed, this.fillParams)) {
      events += 1;
      const { order } = event;
      if (event.kind === 'step' && order.status === 'PreSubmitted') order.status = 'Submitted';
      if (event.kind === 'fill')
        bookFill(
          state,
          order,
          event.fill,
          this.options.commissionModel,
          event.time,
          this.bookedIn(order.symbol),
          this.priceMagnifierOf(order.symbol),
        );
      if (event.kind === 'expire')
        Object.assign(order, { status: 'Cancelled', message: 'expired at the close (DAY)', completedAt: event.time });
    }
    const conversions = this.replayConversions(to);
    // The conversions' fills replay apart from the stocks': the executions are kept in time order all the same.
    if (conversions > 0) state.executions.sort((a, b) => instantMs(a.time) - instantMs(b.time));
    return events + conversions;
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
  const cash = scenarioCash(source);
  return createState({
    account: source.account,
    currency: source.currency,
    cash: cash.base,
    ...(cash.foreign === undefined ? {} : { foreignCash: cash.foreign }),
    positions: source.positions,
    seed: options.seed ?? scenario?.seed ?? 1,
    scenarioPath,
    now: options.now,
  });
}

function refusalText(code: number): string {
  const known: Readonly<Record<number, string>> = MODIFY_REFUSAL_TEXT;
  return known[code] ?? `Order rejected - reason: IB error ${code}`;
}

function refusal(code: number, message: string): SimRejection {
  return new SimRejection(message, code);
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
