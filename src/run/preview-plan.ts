import { BrokerError, type Broker } from '../ports/broker.js';
import type { StatementSource } from '../ports/statements.js';
import type { ForecastSource } from '../ports/forecast-source.js';
import type { KillSwitch } from '../ports/kill-switch.js';
import type { RunStore } from '../ports/store.js';
import type { Breach, ConversionLine, Execution, Plan } from '../core/types.js';
import type { SessionRules } from '../core/session.js';
import { checkAccount } from '../core/account-check.js';
import { phaseOf } from '../core/phase.js';
import { gatherWorld } from './gather.js';
import { forecastAgeLimitOf } from '../core/forecast-age.js';
import { decide, killSwitchBreach } from './decide.js';
import type { RunSettings } from './run-types.js';
import { executionsSince } from './collect-fills.js';
import { readBrokerClock } from './broker-clock.js';
import type { LedgerState } from './check-ledger.js';
import { assertOwnRecords, identityOf } from './own-records.js';
import { describeUpdates } from './apply-orders.js';
import { workingOrdersOf } from './modify-orders.js';
import { ownerOfOrderRefs } from './reconcile-and-cancel.js';
import type { WorkingOrder } from '../core/order-updates.js';
import { forecastChanges } from '../core/forecast-changes.js';
import type { MarketNow } from './run-session.js';

export interface PlanPreview {
  now: string;
  account?: string;
  plan?: Plan;
  /** Breaches found before a plan could be made (account), or the plan's own. */
  breaches: Breach[];
  /** Whether a run now could send orders (in session, outside the no-trade windows). */
  marketOpen: boolean;
  /** Why not, when it could not. */
  phaseReason: string;
  nextOpen?: string;
  /** Ledger against broker per managed ticker (fills the broker reported since the last run included). */
  ledger?: LedgerState;
  /** Set when the executions could not be read: fills since the last run may then show as breaks. */
  ledgerNote?: string;
  /** Warnings about the session rules (IB's hours disagreeing with our calendar, or unreadable) and the clocks. */
  sessionWarnings: string[];
  /** What a run would do with the orders earlier runs left working (ORDER_UPDATES=modify): one line each. */
  orderUpdates?: string[];
  /** What changed in the strategies' forecasts since the last run that recorded them, one line per strategy. */
  forecastChanges?: string[];
  /** The markets of the tickers and where each is now (each ticker trades in its own market's hours). */
  markets?: MarketNow[];
  /** True when the markets are not all in one phase: the console lists them. */
  severalMarkets?: boolean;
}

/** What a preview reads: the broker (read-only), the records, the kill switch and the forecasts. */
export interface PreviewPorts {
  broker: Broker;
  store: RunStore;
  killSwitch: KillSwitch;
  forecasts: ForecastSource;
  /** The calendar when the account check fails before any contract is read: the composition root's choice. */
  fallbackRules: SessionRules;
  /** The database the store reads, named when the records belong to another account. */
  databasePath?: string;
  /** The broker's statements, when configured: read as a run reads them (flows, splits); never written from. */
  statements?: StatementSource;
}

/** The broker's recent executions; a preview without them still plans, and says what it could not count. */
async function unrecordedOrNone(broker: Broker, since: string): Promise<{ executions: Execution[]; note?: string }> {
  try {
    return { executions: await broker.executions(since) };
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    return {
      executions: [],
      note: `executions unavailable (${error.message}): fills since the last run are not counted, so they may show as breaks`,
    };
  }
}

/**
 * `rebalancer plan`: the plan the next run would make, read-only: the same gathering and the same decision as
 * a run, with nothing applied. It cancels nothing, changes nothing, records nothing and sends nothing; open orders
 * of ours are left in place, and it says what a run would do with each (change it in place, leave it, cancel it).
 * Its quantities are the remainders wanted beyond the position, as a run's are. The ledger counts the
 * executions the broker reports that are not recorded yet (a run would record them before comparing), so a
 * fill since the last run is no break.
 */
export async function previewPlan(ports: PreviewPorts, settings: RunSettings, now: string): Promise<PlanPreview> {
  const { broker, store } = ports;
  await broker.connect();
  try {
    const clock = await readBrokerClock(broker, () => now, settings.maxClockSkewSeconds);
    const clockWarnings = clock.warning === undefined ? [] : [clock.warning];
    const checked = checkAccount({
      managedAccounts: await broker.managedAccounts(),
      expectedAccount: settings.expectedAccount,
      tradingMode: settings.tradingMode,
    });
    if (checked.account === undefined) {
      const phase = phaseOf(now, {
        noTradeFirstMinutes: settings.noTradeFirstMinutes,
        noTradeLastMinutes: settings.noTradeLastMinutes,
        rules: ports.fallbackRules,
      });
      return {
        now,
        marketOpen: phase.ordersAllowed,
        phaseReason: phase.reason,
        nextOpen: phase.ordersAllowed ? undefined : phase.nextOpen,
        breaches: checked.breaches,
        sessionWarnings: clockWarnings,
      };
    }
    // Records of another account would plan that account's trades from this one's ledger: refused (exit 2).
    assertOwnRecords(store, identityOf(settings, checked.account), ports.databasePath ?? 'the records (DATA_DIR)', 'this plan');
    const halt = ports.killSwitch.read();
    const prior: Breach[] = halt ? [killSwitchBreach(halt)] : [];
    if (clock.breach !== undefined) prior.push(clock.breach);
    const unrecorded = await unrecordedOrNone(broker, clock.toBroker(executionsSince(store, '', now, clock.toMachine)));
    const world = await gatherWorld({
      broker,
      store,
      forecasts: ports.forecasts,
      account: checked.account,
      now,
      forecastAge: forecastAgeLimitOf(settings),
      fxQuotes: settings.sizing.fxPolicy === 'convert',
      unrecordedExecutions: unrecorded.executions,
      ...(ports.statements === undefined ? {} : { statements: ports.statements }),
    });
    const working = await workingForPreview(broker, store, settings, unrecorded.executions);
    const decision = decide(world, prior, settings, { runId: 'preview', halted: halt !== undefined, working });
    const marketOpen = decision.phase.ordersAllowed;
    return {
      now,
      marketOpen,
      phaseReason: decision.phase.reason,
      nextOpen: marketOpen ? undefined : decision.phase.nextOpen,
      account: checked.account,
      plan: decision.plan,
      breaches: decision.plan.breaches,
      ledger: world.ledger,
      sessionWarnings: [...clockWarnings, ...world.session.warnings],
      orderUpdates: describeUpdates(decision),
      forecastChanges: forecastChanges(store.latestForecasts(), world.forecasts),
      markets: decision.markets.markets,
      severalMarkets: decision.markets.several,
      ...(unrecorded.note ? { ledgerNote: unrecorded.note } : {}),
    };
  } finally {
    await broker.disconnect();
  }
}

/**
 * The open orders of ours a run would keep for its plan (ORDER_UPDATES=modify, CANCEL_SCOPE=own), each with its
 * fills: the recorded ones and those the broker reports that a run would record first.
 */
async function workingForPreview(
  broker: Broker,
  store: RunStore,
  settings: RunSettings,
  executions: readonly Execution[],
): Promise<WorkingOrder[]> {
  if ((settings.orderUpdates ?? 'modify') !== 'modify' || settings.cancelScope === 'all') return [];
  const ownerOf = ownerOfOrderRefs(store);
  const open = (await broker.openOrders()).filter(
    (order) =>
      ownerOf(order.orderRef) === 'ours' && (order.status === 'Submitted' || order.status === 'PreSubmitted') && broker.canModify(order),
  );
  return workingOrdersOf(open, store, broker).map((w) => ({
    ...w,
    recordedFilled:
      w.recordedFilled +
      executions.filter((e) => e.orderRef === w.order.orderRef && !store.hasFill(e.execId)).reduce((sum, e) => sum + e.quantity, 0),
  }));
}

/** The JSON of `rebalancer plan --json` (DESIGN.md: orders, breaches, tradingState, netLiquidation). */
export function planJson(preview: PlanPreview): Record<string, unknown> {
  const plan = preview.plan;
  return {
    now: preview.now,
    account: preview.account ?? null,
    marketOpen: preview.marketOpen,
    nextOpen: preview.nextOpen ?? null,
    phase: preview.phaseReason,
    tradingState: plan?.tradingState ?? 'HALTED',
    netLiquidation: plan?.netLiquidation ?? null,
    sizingNetLiquidation: plan?.sizingNetLiquidation ?? null,
    leverageBefore: plan?.leverageBefore ?? null,
    leverageAfter: plan?.leverageAfter ?? null,
    turnoverPct: plan?.turnoverPct ?? null,
    orders: (plan?.lines ?? []).map((l) => ({
      symbol: l.symbol,
      action: l.action,
      quantity: l.quantity,
      limitPrice: l.limitPrice ?? null,
      currentQuantity: l.currentQuantity,
      targetQuantity: l.targetQuantity,
      referencePrice: l.referencePrice ?? null,
      currency: l.currency ?? null,
      // Prices are in 1/priceMagnifier of the currency (100: pence); null: in the currency itself.
      priceMagnifier: l.priceMagnifier ?? null,
      fx: l.fx ?? null,
      tradeValue: l.tradeValue,
      targetValue: l.targetValue,
      targetWeight: l.targetWeight,
      currentWeight: l.currentWeight,
      estimatedCommission: l.estimatedCommission,
      estimatedSpreadCost: l.estimatedSpreadCost,
      managed: l.managed,
      positionBreak: l.positionBreak ?? null,
      reason: l.reason,
    })),
    // FX_POLICY=convert: each currency conversion considered (action NONE when none goes); absent under borrow.
    ...(plan?.conversions === undefined ? {} : { conversions: plan.conversions.map(conversionJson) }),
    breaches: preview.breaches.map((b) => ({ code: b.code, detail: b.detail, symbol: b.symbol ?? null })),
    ledgerNote: preview.ledgerNote ?? null,
    orderUpdates: preview.orderUpdates ?? [],
    forecastChanges: preview.forecastChanges ?? [],
    markets: (preview.markets ?? []).map((m) => ({
      market: m.market,
      symbols: m.symbols,
      ordersAllowed: m.ordersAllowed,
      reason: m.reason,
      nextOpen: m.nextOpen ?? null,
    })),
    ledger: (preview.ledger?.lines ?? []).map((l) => ({
      symbol: l.symbol,
      ledgerQuantity: l.ledgerQuantity,
      brokerQuantity: l.brokerQuantity,
      difference: l.difference,
      agrees: l.difference === 0,
      baselinePending: l.baselineToRecord !== undefined,
    })),
  };
}

function conversionJson(c: ConversionLine): Record<string, unknown> {
  return {
    pair: c.symbol,
    currency: c.currency,
    purpose: c.purpose,
    action: c.action,
    // Units of the pair's first currency; limit and reference in its second per one of the first.
    quantity: c.quantity,
    limitPrice: c.limitPrice ?? null,
    referencePrice: c.referencePrice ?? null,
    amount: c.amount,
    value: c.value,
    quotedAt: c.quotedAt ?? null,
    fx: c.fx ?? null,
    reason: c.reason,
  };
}
