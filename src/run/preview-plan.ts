import { BrokerError, type Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { Breach, Execution, Plan } from '../core/types.js';
import { checkAccount } from '../core/account-check.js';
import { planRebalance } from '../core/plan-rebalance.js';
import { phaseOf } from '../core/phase.js';
import { readHalt } from './kill-switch.js';
import { gatherPlanInputs } from './gather-inputs.js';
import type { RunSettings } from './rebalance-run.js';
import { executionsSince } from './collect-fills.js';
import type { LedgerState } from './check-ledger.js';

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
}

/** The broker's recent executions; a preview without them still plans, and says what it could not count. */
async function unrecordedOrNone(broker: Broker, since: string): Promise<{ executions: Execution[]; note?: string }> {
  try {
    return { executions: await broker.executions(since) };
  } catch (error) {
    if (!(error instanceof BrokerError)) throw error;
    return { executions: [], note: `executions unavailable (${error.message}): fills since the last run are not counted, so they may show as breaks` };
  }
}

/**
 * `rebalancer plan`: the plan the next run would make, read-only. It cancels nothing, records nothing
 * and sends nothing; open orders of ours are left in place, so its quantities assume they will be
 * cancelled first, as a run does. The ledger counts the executions the broker reports that are not
 * recorded yet (a run would record them before comparing), so a fill since the last run is no break.
 */
export async function previewPlan(broker: Broker, store: RunStore, settings: RunSettings, now: string): Promise<PlanPreview> {
  const phase = phaseOf(now, { noTradeFirstMinutes: settings.noTradeFirstMinutes, noTradeLastMinutes: settings.noTradeLastMinutes });
  const marketOpen = phase.ordersAllowed;
  const base = { now, marketOpen, phaseReason: phase.reason, nextOpen: marketOpen ? undefined : phase.nextOpen };
  await broker.connect();
  try {
    const checked = checkAccount({ managedAccounts: await broker.managedAccounts(), expectedAccount: settings.expectedAccount, tradingMode: settings.tradingMode });
    if (checked.account === undefined) return { ...base, breaches: checked.breaches };
    const halt = readHalt(settings.dataDir);
    const prior: Breach[] = halt ? [{ code: 'KILL_SWITCH', detail: `halted since ${halt.at} by ${halt.source}: ${halt.reason}` }] : [];
    const unrecordedExecutions = await unrecordedOrNone(broker, executionsSince(store, '', now));
    const gathered = await gatherPlanInputs({
      broker, store, account: checked.account, now, forecastDir: settings.forecastDir,
      maxForecastAgeHours: settings.maxForecastAgeHours, sizing: settings.sizing, limits: settings.limits, priorBreaches: prior,
      unrecordedExecutions: unrecordedExecutions.executions,
    });
    const plan = planRebalance(gathered.inputs);
    return { ...base, account: checked.account, plan, breaches: plan.breaches, ledger: gathered.ledger, ...(unrecordedExecutions.note ? { ledgerNote: unrecordedExecutions.note } : {}) };
  } finally {
    await broker.disconnect();
  }
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
      tradeValue: l.tradeValue,
      targetWeight: l.targetWeight,
      currentWeight: l.currentWeight,
      estimatedCommission: l.estimatedCommission,
      estimatedSpreadCost: l.estimatedSpreadCost,
      managed: l.managed,
      positionBreak: l.positionBreak ?? null,
      reason: l.reason,
    })),
    breaches: preview.breaches.map((b) => ({ code: b.code, detail: b.detail, symbol: b.symbol ?? null })),
    ledgerNote: preview.ledgerNote ?? null,
    ledger: (preview.ledger?.lines ?? []).map((l) => ({
      symbol: l.symbol, ledgerQuantity: l.ledgerQuantity, brokerQuantity: l.brokerQuantity, difference: l.difference,
      agrees: l.difference === 0, baselinePending: l.baselineToRecord !== undefined,
    })),
  };
}
