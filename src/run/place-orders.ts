import type { ContractInfo, Plan } from '../core/types.js';
import type { RunStatus } from '../ports/store.js';
import { phaseOf } from '../core/phase.js';
import { sessionRulesOf } from './exchange-hours.js';
import { readHalt } from './kill-switch.js';
import { submitOrders } from './submit-orders.js';
import { describeInstant, formatBreaches, formatOrders } from './console-report.js';
import type { RunOptions, RunResult } from './rebalance-run.js';

/**
 * The plan's orders, sent when the session allows orders and the run is not dry, and the run's status that
 * follows from the plan's trading state and from what the submission met. What was sent, the submission's
 * breaches, the market phase and any error go into `result`.
 */
export async function placeOrders(o: RunOptions, result: RunResult, plan: Plan, contracts: Record<string, ContractInfo>): Promise<RunStatus> {
  const { broker, store, settings, out, logger } = o;
  const rules = sessionRulesOf(contracts, logger, out);
  const phase = phaseOf(o.now, { noTradeFirstMinutes: settings.noTradeFirstMinutes, noTradeLastMinutes: settings.noTradeLastMinutes, rules });
  result.marketOpen = phase.ordersAllowed;
  const blocked = plan.tradingState !== 'ACTIVE';
  let status: RunStatus = blocked ? 'blocked' : 'ok';
  out('\n== orders');
  if (!result.marketOpen) {
    result.nextOpen = phase.nextOpen;
    out(`${phase.reason}: no orders sent. The plan above is what would be sent now; the first run of the next session (${describeInstant(phase.nextOpen)}) plans again with its prices.`);
    status = 'skipped';
  } else if (o.dryRun) {
    out('dry run: no orders sent');
  } else {
    const submitted = await submitOrders({
      broker, store, runId: o.runId, now: o.now, lines: plan.lines, adaptivePriority: settings.adaptivePriority,
      statusWindowMs: settings.orderStatusWindowMs, isHalted: () => readHalt(settings.dataDir) !== undefined, sent: result.sent,
    });
    result.sent = submitted.sent;
    out(...(submitted.sent.length > 0 ? formatOrders(submitted.sent) : ['no orders sent']));
    if (submitted.breaches.length > 0) {
      result.breaches.push(...submitted.breaches);
      store.recordBreaches(o.runId, submitted.breaches);
      out(...formatBreaches(submitted.breaches, 'HALTED'));
    }
    const haltedMidRun = submitted.breaches.some((b) => b.code === 'KILL_SWITCH') && !submitted.breaches.some((b) => b.code === 'BROKER_ERROR');
    if (haltedMidRun) {
      // A person turned the kill switch on: the run did what it should (stop sending), so it is blocked, not failed.
      result.error = `submission stopped: ${submitted.stoppedBecause ?? 'the kill switch'}`;
      status = 'blocked';
    } else if (submitted.stoppedBecause) {
      result.error = `submission stopped: ${submitted.stoppedBecause}`;
      status = 'failed';
    } else if (submitted.breaches.some((b) => b.code === 'BROKER_ERROR')) {
      status = 'failed';
      result.error = 'the broker rejected one or more orders';
    } else if (submitted.breaches.length > 0) {
      status = 'blocked';
    }
  }
  return status;
}
