import type { Breach, BrokerOrder, OrderRequest } from '../core/types.js';
import type { RunStatus } from '../ports/store.js';
import { deadlineGate, freshPlanGate, haltGate, lockGate, submitOrders, type SendGate } from './submit-orders.js';
import { submitPhased } from './submit-phased.js';
import { cancelWorking, modifyWorking } from './modify-orders.js';
import { phaseOf } from '../core/phase.js';
import type { SessionRules } from '../core/session.js';
import type { ContractMarket } from '../core/session-rules.js';
import { describeInstant, formatBreaches, formatOrders } from './console-report.js';
import type { Decision } from './decide.js';
import type { RunOptions } from './run-types.js';

/** What the order step did. */
export interface OrdersApplied {
  status: RunStatus;
  sent: BrokerOrder[];
  /** Working orders of earlier runs changed in place (ORDER_UPDATES=modify), as the broker then showed them. */
  modified: BrokerOrder[];
  /** Working orders cancelled after the plan (confirmed). */
  cancelled: number;
  /** Breaches the submission met (broker errors, a halt during the run), recorded. */
  breaches: Breach[];
  error?: string;
  /** A failure that is not the broker's (a record that could not be written): the run fails with it. */
  failure?: unknown;
  /** What FX_POLICY=convert's submission held back or cut, with why (submit-phased.ts); absent: nothing. */
  notes?: string[];
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
  tally?: { modified: number; cancelled: number },
): Promise<OrdersApplied> {
  const { plan, phase, updates } = decision;
  const blocked = plan.tradingState !== 'ACTIVE';
  const none = { sent: [], modified: [], cancelled: 0, breaches: [] };
  o.out('\n== orders');
  if (!o.dryRun) o.out(...describeLeft(updates.left ?? []));
  if (o.dryRun) {
    if (!phase.ordersAllowed) o.out(`${phase.reason}: no orders would be sent now`);
    o.out(...describeUpdates(decision), 'dry run: no orders sent, changed or cancelled');
    return { status: !phase.ordersAllowed ? 'skipped' : blocked ? 'blocked' : 'ok', ...none };
  }
  const ports = { broker: o.broker, store: o.store, runId: o.runId, now, out: o.out, ...(tally === undefined ? {} : { tally }) };
  // Working orders the plan does not keep are cancelled first, each confirmed, whatever else the run may do.
  const cancelled = await cancelWorking(ports, updates.cancels);
  if (!phase.ordersAllowed) {
    o.out(
      `${phase.reason}: no orders sent. The plan above is what would be sent now; the first run of the next session (${phase.nextOpen === undefined ? 'when the broker hours name one' : describeInstant(phase.nextOpen)}) plans again with its prices.`,
    );
    const status = cancelled.breaches.length > 0 ? 'blocked' : 'skipped';
    return finish(o, { status, ...none, cancelled: cancelled.cancelled, breaches: cancelled.breaches });
  }
  const gates = sendGates(o, now, rules, decision.markets.rulesOf);
  // Orders the plan wants exactly as they stand stay working only if an order could go now: they pass the gates
  // first, and a later stop cancels them with the rest, so nothing of a halted or stale run keeps working.
  const unchanged = updates.unchanged.map((order) => ({ order, reason: 'the sending stopped' }));
  const firstStop = updates.unchanged.length === 0 ? undefined : stopOf(gates, updates.unchanged);
  const changed =
    firstStop === undefined
      ? await modifyWorking(ports, updates.modifications, gates)
      : { modified: [], cancelled: 0, held: new Set<string>(), ...firstStop, unsent: updates.modifications };
  if (changed.stop === undefined)
    for (const u of updates.unchanged)
      o.out(
        `left working as it is: ${u.orderRef} (order ${u.brokerOrderId}, ${u.action} ${u.quantity} ${u.symbol} @ ${u.limitPrice}): the plan wants exactly that`,
      );
  const held = new Set([...cancelled.held, ...changed.held]);
  let count = cancelled.cancelled + changed.cancelled;
  const breaches = [...cancelled.breaches, ...changed.breaches];
  if (changed.stop !== undefined) {
    // Orders the stop left unchanged are stale: cancelled, so nothing of an old plan keeps working. Over a lost
    // connection no cancel can go: the next run changes or cancels them, as it finds them.
    const stale = [...changed.unsent.map((m) => ({ order: m.order, reason: 'the sending stopped before its change' })), ...unchanged];
    if (changed.stop.lost === true && stale.length > 0)
      o.out(`the connection is lost: ${stale.length} working order(s) left for the next run to change or cancel`);
    else {
      const left = await cancelWorking(ports, stale);
      count += left.cancelled;
      breaches.push(...left.breaches);
    }
    const status = changed.stop.status;
    return finish(o, {
      status,
      sent: [],
      modified: changed.modified,
      cancelled: count,
      breaches,
      error: `submission stopped: ${changed.stop.reason}`,
    });
  }
  if (updates.deferred.length > 0)
    o.out(
      `waiting for the next run (their working order is cancelled now): ${updates.deferred.map((r) => `${r.action} ${r.quantity} ${r.symbol}`).join(', ')}`,
    );
  const submission = {
    broker: o.broker,
    store: o.store,
    runId: o.runId,
    now,
    orders: updates.newOrders.filter((r) => !held.has(r.symbol)),
    follow: changed.modified,
    lines: plan.lines,
    ...(plan.conversions === undefined ? {} : { conversions: plan.conversions }),
    statusWindowMs: o.settings.orderStatusWindowMs,
    gates,
  };
  // FX_POLICY=convert: conversions first, the purchases only once their currency came in, sweeps last (submit-phased.ts).
  const submitted =
    plan.conversions === undefined
      ? { ...(await submitOrders(submission)), notes: [] }
      : await submitPhased(submission, {
          conversions: plan.conversions,
          unchanged: updates.unchanged.filter((u) => u.secType === 'CASH'),
          minConversionValue: o.settings.sizing.minConversionValue,
        });
  if (submitted.notes.length > 0) o.out(...submitted.notes);
  const sent = submitted.sent;
  breaches.push(...submitted.breaches);
  if (unchanged.length > 0 && (submitted.gateStatus !== undefined || submitted.stoppedBecause !== undefined)) {
    const left = await cancelWorking(ports, unchanged);
    count += left.cancelled;
    breaches.push(...left.breaches);
  }
  const modified = mergeFollowed(changed.modified, submitted.followed);
  o.out(...(sent.length > 0 ? formatOrders(sent) : [modified.length > 0 ? 'no new orders sent' : 'no orders sent']));
  const applied = { sent, modified, cancelled: count, breaches, ...(submitted.notes.length > 0 ? { notes: submitted.notes } : {}) };
  if (submitted.failure !== undefined) return { status: 'failed', ...applied, failure: submitted.failure };
  const brokerError = breaches.some((b) => b.code === 'BROKER_ERROR');
  if (submitted.gateStatus !== undefined) {
    // A gate stopped the sending. A person's halt or a stale plan: the run did what it should, so it is blocked;
    // a run past its deadline, or one whose earlier order the broker refused, failed.
    const status = submitted.gateStatus === 'failed' || brokerError ? 'failed' : 'blocked';
    return finish(o, { status, ...applied, error: `submission stopped: ${submitted.stoppedBecause ?? 'a check before an order'}` });
  }
  if (submitted.stoppedBecause)
    return finish(o, { status: 'failed', ...applied, error: `submission stopped: ${submitted.stoppedBecause}` });
  if (brokerError) return finish(o, { status: 'failed', ...applied, error: 'the broker rejected one or more orders' });
  return finish(o, { status: breaches.length > 0 || blocked ? 'blocked' : 'ok', ...applied });
}

/** The gates' verdict on the orders left as they stand, as if each were sent again now; undefined: they may stay. */
function stopOf(
  gates: readonly SendGate[],
  unchanged: readonly BrokerOrder[],
): { breaches: Breach[]; stop: { status: 'blocked' | 'failed'; reason: string; lost?: boolean } } | undefined {
  const asRequests: OrderRequest[] = unchanged.map((u) => ({
    orderRef: u.orderRef,
    ...(u.secType === undefined ? {} : { secType: u.secType }),
    symbol: u.symbol,
    action: u.action,
    quantity: Math.max(0, u.quantity - u.filledQuantity),
    limitPrice: u.limitPrice,
    adaptivePriority: 'Normal',
    primaryExchange: '',
    currency: '',
  }));
  const [first] = asRequests;
  if (first === undefined) return undefined;
  const stops = gates.flatMap((gate) => gate(first, asRequests) ?? []);
  if (stops.length === 0) return undefined;
  return {
    breaches: stops.map((s) => s.breach),
    stop: { status: stops.some((s) => s.status === 'failed') ? 'failed' : 'blocked', reason: stops.map((s) => s.reason).join('; ') },
  };
}

/** Records and prints the breaches the order step met, and hands the outcome back. */
function finish(o: Pick<RunOptions, 'store' | 'out' | 'runId'>, applied: OrdersApplied): OrdersApplied {
  if (applied.breaches.length > 0) {
    o.store.recordBreaches(o.runId, applied.breaches);
    o.out(...formatBreaches(applied.breaches, 'HALTED'));
  }
  return applied;
}

/**
 * Checked before every order and every change, the clock read again each time: the kill switch, the run lock, the
 * run's deadline and the plan's freshness (its age, and the session under `rules`, the calendar of the plan).
 */
function sendGates(
  o: Pick<RunOptions, 'killSwitch' | 'settings' | 'clock' | 'lock'>,
  now: string,
  rules: SessionRules,
  markets: Readonly<Record<string, ContractMarket>>,
): SendGate[] {
  return [
    haltGate(() => o.killSwitch.read() !== undefined),
    ...(o.lock === undefined ? [] : [lockGate(() => o.lock?.lost())]),
    deadlineGate({ startedAt: now, deadlineMinutes: o.settings.runDeadlineMinutes, now: () => o.clock.now() }),
    freshPlanGate({
      plannedAt: now,
      maxAgeMinutes: o.settings.maxPlanAgeMinutes,
      now: () => o.clock.now(),
      // Each order against its own market's session (a London listing's close is not New York's).
      phaseAt: (at, symbol) =>
        phaseOf(at, {
          noTradeFirstMinutes: o.settings.noTradeFirstMinutes,
          noTradeLastMinutes: o.settings.noTradeLastMinutes,
          rules: (Object.hasOwn(markets, symbol) ? markets[symbol]?.rules : undefined) ?? rules,
        }),
      // A conversion goes while the stock orders it pays for may: the first of them decides (none after it: only the age).
      orderOf: (next, unsent) => (next.secType === 'CASH' ? unsent.find((r) => r.secType !== 'CASH') : next),
    }),
  ];
}

/** The changed orders with the statuses the window gathered. */
function mergeFollowed(modified: BrokerOrder[], followed: readonly BrokerOrder[]): BrokerOrder[] {
  return modified.map((m) => followed.find((f) => f.brokerOrderId === m.brokerOrderId && f.orderRef === m.orderRef) ?? m);
}

/** The working orders left as they stand because their market is closed: one line each. */
function describeLeft(left: readonly { order: BrokerOrder; reason: string }[], would = ''): string[] {
  return left.map(
    (l) =>
      `${would === '' ? 'left' : 'would leave'} working as it stands: ${l.order.orderRef} (order ${l.order.brokerOrderId}, ${l.order.action} ${l.order.quantity} ${l.order.symbol} @ ${l.order.limitPrice}): ${l.reason}; a run in its session changes or cancels it`,
  );
}

/** What a real run would do with the working orders and the plan's orders (dry runs and previews). */
export function describeUpdates(decision: Pick<Decision, 'updates'>): string[] {
  const { cancels, modifications, unchanged, deferred } = decision.updates;
  return [
    ...describeLeft(decision.updates.left ?? [], 'would'),
    ...cancels.map(
      (c) =>
        `would cancel ${c.order.orderRef} (order ${c.order.brokerOrderId}, ${c.order.action} ${c.order.quantity} ${c.order.symbol}): ${c.reason}`,
    ),
    ...modifications.map(
      (m) =>
        `would change ${m.order.orderRef} (order ${m.order.brokerOrderId}, ${m.order.action} ${m.order.symbol}) in place: ${m.order.quantity} @ ${m.order.limitPrice} -> ${m.change.quantity} @ ${m.change.limitPrice} (${m.filledBefore} filled, ${m.remainder} more)`,
    ),
    ...unchanged.map(
      (u) =>
        `would leave ${u.orderRef} (order ${u.brokerOrderId}, ${u.action} ${u.quantity} ${u.symbol} @ ${u.limitPrice}) working as it is`,
    ),
    ...deferred.map((r) => `would wait for the next run: ${r.action} ${r.quantity} ${r.symbol} (its working order is cancelled first)`),
  ];
}
