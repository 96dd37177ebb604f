import type { Breach, OrderRequest, Plan, PlanInputs, PlanLine } from '../core/types.js';
import type { HaltState } from '../ports/kill-switch.js';
import { planRebalance } from '../core/plan-rebalance.js';
import { isSymbolScoped } from '../core/trading-state.js';
import type { MarketPhase } from '../core/phase.js';
import type { World } from './gather.js';
import type { RunSettings } from './run-types.js';
import { conversionRequestsOf, orderRequestsOf, withoutSweepsInPlace } from './order-requests.js';
import { checkMissingStrategies, strategyUpdatesOf, type StrategyUpdates } from '../core/strategies.js';
import { unknownOutcomeBreaches } from '../core/unknown-outcomes.js';
import { planOrderUpdates, type OrderUpdates, type WorkingOrder } from '../core/order-updates.js';
import { runSessionOf, type RunSession } from './run-session.js';

export type DecideSettings = Pick<RunSettings, 'sizing' | 'limits' | 'adaptivePriority' | 'noTradeFirstMinutes' | 'noTradeLastMinutes'>;

/** What a run would do with the world it gathered. */
export interface Decision {
  plan: Plan;
  /**
   * Whether orders may go out now, for the run as a whole: some ticker's market takes orders. One market: its own
   * phase, as before; several: a phase that names each (see run-session.ts).
   */
  phase: MarketPhase;
  /** Each ticker's market at `now`, and the tickers left for a later run with why (see run-session.ts). */
  markets: RunSession;
  /**
   * The plan's orders, in plan order, each with its orderRef (the order file's lines; what ORDER_UPDATES=cancel
   * sends): its conversions (FX_POLICY=convert) first, then the stock orders.
   */
  orders: OrderRequest[];
  /**
   * What becomes of the working orders earlier runs left (ORDER_UPDATES=modify) and which of the plan's orders go
   * out new: with no working orders, every order is new.
   */
  updates: OrderUpdates;
  /** Tickers that become managed by this plan (every forecast ticker, when all forecasts were read). */
  newlyManaged: string[];
  /** What the records must learn about the strategies (when all forecasts were read; else nothing). */
  strategies: StrategyUpdates;
  /** Set when the kill switch must be turned on (a daily loss beyond the limit, not already halted). */
  haltReason?: string;
}

/** The breach of a kill switch that is on: it blocks every order until a person resumes. */
export function killSwitchBreach(halt: HaltState): Breach {
  return {
    code: 'KILL_SWITCH',
    detail: `halted since ${halt.at} by ${halt.source}: ${halt.reason}; run 'rebalancer resume' to trade again`,
  };
}

/**
 * The decision, pure: the plan with every breaker, the trading state, the session phase under the gathered
 * rules, the orders to send, and what the records and the kill switch must learn. `plan`, `run --dry-run` and
 * `run` all decide here, so they agree line for line.
 *
 * `prior`: breaches known before planning (the kill switch, cancels not confirmed). `halted`: whether the kill
 * switch is already on. `runId` names the orders.
 */
export function decide(
  world: World,
  prior: Breach[],
  settings: DecideSettings,
  run: { runId: string; halted: boolean; working?: readonly WorkingOrder[] },
): Decision {
  const markets = runSessionOf(world.now, world, {
    noTradeFirstMinutes: settings.noTradeFirstMinutes,
    noTradeLastMinutes: settings.noTradeLastMinutes,
  });
  const inputs: PlanInputs = {
    now: world.now,
    account: world.summary,
    positions: world.positions,
    quotes: world.quotes,
    contracts: world.contracts,
    ...(Object.keys(world.exchangeRates.rates).length === 0 ? {} : { exchangeRates: world.exchangeRates.rates }),
    ...(Object.keys(world.exchangeRates.problems).length === 0 ? {} : { rateProblems: world.exchangeRates.problems }),
    ...(Object.keys(world.conversionsSettling).length === 0 ? {} : { conversionsSettling: world.conversionsSettling }),
    ...(world.priceProblems === undefined ? {} : { priceProblems: world.priceProblems }),
    forecasts: world.forecasts,
    managedSymbols: world.managedSymbols,
    sizing: settings.sizing,
    limits: settings.limits,
    priorBreaches: [
      ...prior,
      ...world.forecastBreaches,
      ...checkMissingStrategies(world.strategies, {
        forecasts: world.forecasts,
        files: world.forecastFiles,
        breaches: world.forecastBreaches,
      }),
      ...unknownOutcomeBreaches(world.unknownOutcomes),
    ],
    lastNetLiquidation: world.lastNetLiquidation,
    startOfDayNetLiquidation: world.startOfDayNetLiquidation,
    cashFlows: { sinceLastSnapshot: world.cashFlows.sinceLastSnapshot, sinceStartOfDay: world.cashFlows.sinceStartOfDay },
    tradedValueToday: world.tradedValueToday,
    positionBreaks: world.ledger.breaks,
    ...(Object.keys(markets.holds).length === 0 ? {} : { marketHolds: markets.holds }),
    ...workingOnClosedOf(run.working ?? [], markets),
  };
  const plan = planRebalance(inputs);
  const phase = markets.phase;
  const allRead = world.forecasts.length > 0 && !plan.breaches.some((b) => b.code === 'INVALID_FORECAST');
  const loss = plan.breaches.find((b) => b.code === 'DAILY_LOSS_LIMIT');
  // Conversions first: the stock orders after them spend what they bring.
  const orders = [
    ...conversionRequestsOf(run.runId, plan.conversions ?? [], settings.adaptivePriority),
    ...orderRequestsOf(run.runId, plan.lines, settings.adaptivePriority),
  ];
  return {
    plan,
    phase,
    orders,
    markets,
    updates: withoutSweepsInPlace(
      planOrderUpdates(run.working ?? [], orders, plan.lines, {
        ordersAllowed: phase.ordersAllowed,
        // REDUCING: an order left on a closed market could add exposure when it opens again; it is cancelled instead.
        closed: plan.tradingState === 'ACTIVE' ? closedFor(markets, plan.lines, inputs.priorBreaches) : new Map<string, string>(),
        held: new Map(Object.entries(markets.holds).filter(([symbol]) => !Object.hasOwn(markets.closed, symbol))),
        ...(plan.tradingState === 'HALTED'
          ? { halted: `trading HALTED (${[...new Set(plan.breaches.map((b) => b.code))].join(', ')}): no order goes` }
          : {}),
      }),
      plan.conversions ?? [],
    ),
    newlyManaged: allRead ? world.forecasts.flatMap((f) => Object.keys(f.weights)) : [],
    strategies: allRead ? strategyUpdatesOf(world.strategies, world.forecasts) : { sightings: [], retirements: [] },
    ...(loss !== undefined && !run.halted ? { haltReason: loss.detail } : {}),
  };
}

/**
 * The tickers whose working orders are left as they stand: their market is closed now, and nothing about the ticker
 * itself asks for a cancel (a position break, an order of unknown outcome: those are cancelled as before).
 */
function closedFor(markets: RunSession, lines: readonly PlanLine[], priorBreaches: readonly Breach[]): ReadonlyMap<string, string> {
  // What blocks a ticker of an ACTIVE plan: its position break, or a ticker-scoped breach known before planning
  // (the plan blocks those lines, planRebalance's blockHeldSymbols), read from the data rather than the lines' text.
  const held = new Set(priorBreaches.filter(isSymbolScoped).map((b) => b.symbol));
  const blocked = new Set(lines.filter((l) => l.positionBreak !== undefined || held.has(l.symbol)).map((l) => l.symbol));
  const closed = new Map<string, string>();
  for (const [symbol, why] of Object.entries(markets.closed)) if (!blocked.has(symbol)) closed.set(symbol, why);
  return closed;
}

/** What remains of the working orders on tickers whose market is closed now, by ticker: they may fill when it opens. */
function workingOnClosedOf(working: readonly WorkingOrder[], markets: RunSession): Pick<PlanInputs, 'workingOnClosed'> {
  const out = new Map<string, { action: 'BUY' | 'SELL'; quantity: number }>();
  for (const { order, recordedFilled } of working) {
    const remaining = order.quantity - recordedFilled;
    if (!Object.hasOwn(markets.closed, order.symbol) || !(remaining > 0)) continue;
    const known = out.get(order.symbol);
    if (known?.action === order.action) known.quantity += remaining;
    // Orders of both sides on one ticker are all cancelled; meanwhile the larger is judged.
    else if (known === undefined || remaining > known.quantity) out.set(order.symbol, { action: order.action, quantity: remaining });
  }
  return out.size === 0 ? {} : { workingOnClosed: Object.fromEntries(out) };
}
