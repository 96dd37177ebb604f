import type { Breach, BrokerOrder } from '../core/types.js';
import type { RunStatus } from '../ports/store.js';
import { submitOrders } from './submit-orders.js';
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
 * follows from the plan's trading state and from what the submission met.
 */
export async function applyOrders(
  o: Pick<RunOptions, 'broker' | 'store' | 'killSwitch' | 'out' | 'runId' | 'dryRun' | 'settings'>,
  now: string,
  decision: Decision,
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
    isHalted: () => o.killSwitch.read() !== undefined,
  });
  const { sent, breaches } = submitted;
  o.out(...(sent.length > 0 ? formatOrders(sent) : ['no orders sent']));
  if (submitted.failure !== undefined) return { status: 'failed', sent, breaches, failure: submitted.failure };
  if (breaches.length > 0) {
    o.store.recordBreaches(o.runId, breaches);
    o.out(...formatBreaches(breaches, 'HALTED'));
  }
  const brokerError = breaches.some((b) => b.code === 'BROKER_ERROR');
  if (breaches.some((b) => b.code === 'KILL_SWITCH') && !brokerError) {
    // A person turned the kill switch on: the run did what it should (stop sending), so it is blocked, not failed.
    return { status: 'blocked', sent, breaches, error: `submission stopped: ${submitted.stoppedBecause ?? 'the kill switch'}` };
  }
  if (submitted.stoppedBecause) return { status: 'failed', sent, breaches, error: `submission stopped: ${submitted.stoppedBecause}` };
  if (brokerError) return { status: 'failed', sent, breaches, error: 'the broker rejected one or more orders' };
  return { status: breaches.length > 0 || blocked ? 'blocked' : 'ok', sent, breaches };
}
