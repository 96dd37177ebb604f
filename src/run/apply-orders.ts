import type { Breach, BrokerOrder } from '../core/types.js';
import type { RunStatus } from '../ports/store.js';
import { deadlineGate, freshPlanGate, haltGate, lockGate, submitOrders } from './submit-orders.js';
import { phaseOf } from '../core/phase.js';
import type { SessionRules } from '../core/session.js';
import { describeInstant, formatBreaches, formatOrders } from './console-report.js';
import type { Decision } from './decide.js';
import type { RunOptions } from './run-types.js';

/** What the order step did. */
export interface OrdersApplied {
  status: RunStatus;
  sent: BrokerOrder[];
  /** Breaches the submission met (broker errors, a halt during the run), recorded. */
  breaches: Breach[];
  error?: string;
  /** A failure that is not the broker's (a record that could not be written): the run fails with it. */
  failure?: unknown;
}

/**
 * The decision's orders, sent when the session allows orders and the run is not dry, and the run's status that
 * follows from the plan's trading state and from what the submission met. Before each order the clock is read
 * again: the kill switch, the run's deadline and the plan's freshness (its age, and the session under `rules`,
 * the calendar the plan was made with) may each stop what is not yet sent.
 */
export async function applyOrders(
  o: Pick<RunOptions, 'broker' | 'store' | 'killSwitch' | 'out' | 'runId' | 'dryRun' | 'settings' | 'clock' | 'lock'>,
  now: string,
  decision: Decision,
  rules: SessionRules,
): Promise<OrdersApplied> {
  const { plan, phase } = decision;
  const blocked = plan.tradingState !== 'ACTIVE';
  o.out('\n== orders');
  if (!phase.ordersAllowed) {
    o.out(
      `${phase.reason}: no orders sent. The plan above is what would be sent now; the first run of the next session (${describeInstant(phase.nextOpen)}) plans again with its prices.`,
    );
    return { status: 'skipped', sent: [], breaches: [] };
  }
  if (o.dryRun) {
    o.out('dry run: no orders sent');
    return { status: blocked ? 'blocked' : 'ok', sent: [], breaches: [] };
  }
  const submitted = await submitOrders({
    broker: o.broker,
    store: o.store,
    runId: o.runId,
    now,
    orders: decision.orders,
    lines: plan.lines,
    statusWindowMs: o.settings.orderStatusWindowMs,
    gates: [
      haltGate(() => o.killSwitch.read() !== undefined),
      ...(o.lock === undefined ? [] : [lockGate(() => o.lock?.lost())]),
      deadlineGate({ startedAt: now, deadlineMinutes: o.settings.runDeadlineMinutes, now: () => o.clock.now() }),
      freshPlanGate({
        plannedAt: now,
        maxAgeMinutes: o.settings.maxPlanAgeMinutes,
        now: () => o.clock.now(),
        phaseAt: (at) =>
          phaseOf(at, {
            noTradeFirstMinutes: o.settings.noTradeFirstMinutes,
            noTradeLastMinutes: o.settings.noTradeLastMinutes,
            rules,
          }),
      }),
    ],
  });
  const { sent, breaches } = submitted;
  o.out(...(sent.length > 0 ? formatOrders(sent) : ['no orders sent']));
  if (submitted.failure !== undefined) return { status: 'failed', sent, breaches, failure: submitted.failure };
  if (breaches.length > 0) {
    o.store.recordBreaches(o.runId, breaches);
    o.out(...formatBreaches(breaches, 'HALTED'));
  }
  const brokerError = breaches.some((b) => b.code === 'BROKER_ERROR');
  if (submitted.gateStatus !== undefined) {
    // A gate stopped the sending. A person's halt or a stale plan: the run did what it should, so it is blocked;
    // a run past its deadline, or one whose earlier order the broker refused, failed.
    const status = submitted.gateStatus === 'failed' || brokerError ? 'failed' : 'blocked';
    return { status, sent, breaches, error: `submission stopped: ${submitted.stoppedBecause ?? 'a check before an order'}` };
  }
  if (submitted.stoppedBecause) return { status: 'failed', sent, breaches, error: `submission stopped: ${submitted.stoppedBecause}` };
  if (brokerError) return { status: 'failed', sent, breaches, error: 'the broker rejected one or more orders' };
  return { status: breaches.length > 0 || blocked ? 'blocked' : 'ok', sent, breaches };
}
