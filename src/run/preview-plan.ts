import type { Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type { Breach, Plan } from '../core/types.js';
import { checkAccount } from '../core/account-check.js';
import { planRebalance } from '../core/plan-rebalance.js';
import { phaseOf } from '../core/phase.js';
import { readHalt } from './kill-switch.js';
import { gatherPlanInputs } from './gather-inputs.js';
import type { RunSettings } from './rebalance-run.js';

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
}

/**
 * `rebalancer plan`: the plan the next run would make, read-only. It cancels nothing, records nothing
 * and sends nothing; open orders of ours are left in place, so its quantities assume they will be
 * cancelled first, as a run does.
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
    const gathered = await gatherPlanInputs({
      broker, store, account: checked.account, now, forecastDir: settings.forecastDir,
      maxForecastAgeHours: settings.maxForecastAgeHours, sizing: settings.sizing, limits: settings.limits, priorBreaches: prior,
    });
    const plan = planRebalance(gathered.inputs);
    return { ...base, account: checked.account, plan, breaches: plan.breaches };
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
      reason: l.reason,
    })),
    breaches: preview.breaches.map((b) => ({ code: b.code, detail: b.detail, symbol: b.symbol ?? null })),
  };
}
