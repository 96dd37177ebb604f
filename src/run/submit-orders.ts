import { BrokerError, type Broker, type SentOrder } from '../ports/broker.js';
import type { OrderReconciliation, RunStore } from '../ports/store.js';
import type { Breach, BrokerOrder, ConversionLine, OrderRequest, PlanLine } from '../core/types.js';
import { isFinal } from '../core/order-status.js';
import type { MarketPhase } from '../core/phase.js';

export interface SubmitOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  orders: OrderRequest[];
  /** Orders changed in place just before (ORDER_UPDATES=modify): their statuses are gathered in the same window. */
  follow?: readonly BrokerOrder[];
  /** The plan's lines, for the reference price recorded with each order. */
  lines: PlanLine[];
  /** The plan's conversions (FX_POLICY=convert), for the same of each conversion (a CASH request). */
  conversions?: readonly ConversionLine[];
  statusWindowMs: number;
  /**
   * Checked before every order, in this order: each may give a reason to stop sending (the kill switch turned
   * on, the run past its deadline, a plan grown stale). Every gate that speaks is recorded; nothing more is sent.
   */
  gates: readonly SendGate[];
}

/** Why sending must stop before the next order, and how the run ends because of it. */
export interface SendStop {
  breach: Breach;
  /** 'blocked': stopping is the right outcome (a person halted, the plan is stale); 'failed': something went wrong. */
  status: 'blocked' | 'failed';
  /** For the run's error: "submission stopped: <reason>". */
  reason: string;
}

/**
 * A check made before every order: `next` is the order about to go, `unsent` it and every later one. Returns a
 * reason to stop, or undefined to send. Must not throw.
 */
export type SendGate = (next: OrderRequest, unsent: readonly OrderRequest[]) => SendStop | undefined;

/** The gate of the kill switch: a `halt` typed while the run is in flight stops what is not yet sent. */
export function haltGate(isHalted: () => boolean): SendGate {
  return (next) =>
    isHalted()
      ? {
          breach: { code: 'KILL_SWITCH', detail: `halted during the run: ${next.orderRef} and later orders not sent` },
          status: 'blocked',
          reason: 'the kill switch was turned on during the run',
        }
      : undefined;
}

export interface SubmitResult {
  /** Every order the broker accepted, even when a later step of the submission failed. */
  sent: BrokerOrder[];
  /** The `follow` orders as the status window left them (those it heard of). */
  followed: BrokerOrder[];
  breaches: Breach[];
  /** Set when submission stopped early; the orders after it were not sent. */
  stoppedBecause?: string;
  /** Set when a gate stopped the submission: the status it asks of the run. */
  gateStatus?: 'blocked' | 'failed';
  /** An error that is not the broker's (a record that could not be written): the run fails with it. */
  failure?: unknown;
}

/**
 * At most this many orders are out without an answer from the broker: about one second of IB's pacing. A broker that
 * stops answering (its acknowledgements late, not refused) gets no more than this before its first deadline stops
 * the sending.
 */
export const MAX_UNACKNOWLEDGED = 50;

/**
 * Intents whose turn is recorded together, in one commit, before the first of them is handed to the broker: a run
 * killed mid-batch leaves at most this many intents that may have left (looked up as before: Unknown on a later day
 * without a statement), and every later one provably never sent (NotSent). One commit per order would wait for the
 * disk once per order (synchronous writes), at IB's pace of one order every 21 ms.
 */
export const TURNS_PER_COMMIT = 16;

/**
 * Records every order of the batch as an intent (one transaction), then sends them one after the other without
 * waiting for each acknowledgement (pipelined: the broker's pacing sets the pace), and collects the
 * acknowledgements as they arrive, each within its own deadline. An order that cannot be recorded is never sent:
 * when the batch cannot be recorded, nothing is (the StorageError comes back as `failure`). The gates are read
 * before every order, as before. A rejected order is recorded as such and the others go on; a timeout or a lost
 * connection stops the sending at once, because the order may have reached the broker and must not be sent again:
 * the next run reconciles it by orderRef. Intents a stop left unsent are recorded as NotSent, with the reason.
 */
export async function submitOrders(options: SubmitOptions): Promise<SubmitResult> {
  const { broker, store } = options;
  const sent: BrokerOrder[] = [];
  const breaches: Breach[] = [];
  const follow = options.follow ?? [];
  try {
    const stopped = await sendPipelined(options, sent, breaches);
    if (stopped !== undefined && typeof stopped !== 'string') {
      return { sent, followed: [], breaches, stoppedBecause: stopped.reason, gateStatus: stopped.status };
    }
    const stoppedBecause = stopped;
    if ((sent.length === 0 && follow.length === 0) || stoppedBecause !== undefined) return { sent, followed: [], breaches, stoppedBecause };
    try {
      const statuses = await broker.orderStatuses(
        [...sent, ...follow].map((o) => o.brokerOrderId),
        options.statusWindowMs,
      );
      store.updateOrderStatuses(statuses);
      const merged = mergeStatuses(sent, statuses);
      const followed = mergeStatuses([...follow], statuses);
      breaches.push(...[...merged, ...followed].flatMap(killedAfterAcceptance));
      return { sent: merged, followed, breaches };
    } catch (error) {
      if (!(error instanceof BrokerError)) throw error;
      // Every order is already at the broker and recorded: the next run reads their states.
      breaches.push({ code: 'BROKER_ERROR', detail: `order statuses after submission: ${error.message}` });
      return { sent, followed: [], breaches, stoppedBecause: `${error.kind} while gathering order statuses` };
    }
  } catch (failure) {
    // What reached the broker is still listed, so the run that stops here tells what it sent.
    return { sent, followed: [], breaches, failure };
  }
}

/** How one order of the batch ended in this run. */
interface Outcome {
  accepted?: BrokerOrder;
  breach?: Breach;
}

/**
 * Sends the orders, pipelined, into `sent` and `breaches` (in the orders' order); returns why it stopped early, if it
 * did: the gates' verdict, or a broker failure's words. Throws an error that is not the broker's (a record that could
 * not be written) once every order that left has been answered or has timed out, with `sent` filled in.
 */
async function sendPipelined(
  options: SubmitOptions,
  sent: BrokerOrder[],
  breaches: Breach[],
): Promise<{ status: 'blocked' | 'failed'; reason: string } | string | undefined> {
  const { broker, store, orders } = options;
  const [first] = orders;
  if (first === undefined) return undefined;
  // A stop before the first order records nothing, as nothing was about to go.
  const before = gateStop(options.gates, first, orders);
  if (before !== undefined) {
    breaches.push(...before.breaches);
    return before.stop;
  }
  const lineOf = new Map(options.lines.map((l) => [l.symbol, l]));
  const conversionOf = new Map((options.conversions ?? []).map((c) => [c.symbol, c]));
  store.recordOrderIntents(
    options.runId,
    orders.map((request) => {
      const line: Pick<PlanLine, 'referencePrice' | 'fx' | 'priceMagnifier'> | undefined =
        request.secType === 'CASH' ? conversionOf.get(request.symbol) : lineOf.get(request.symbol);
      return {
        ...request,
        referencePrice: line?.referencePrice,
        ...(line?.fx === undefined ? {} : { fx: line.fx }),
        ...(line?.priceMagnifier === undefined ? {} : { priceMagnifier: line.priceMagnifier }),
      };
    }),
    options.now,
  );
  const outcomes: Outcome[] = orders.map(() => ({}));
  const answers = new Set<Promise<void>>();
  let brokerStop: string | undefined;
  let failure: { error: unknown } | undefined;
  let gate: { breaches: Breach[]; stop: { status: 'blocked' | 'failed'; reason: string } } | undefined;
  let unsentFrom = orders.length;
  let turnsTakenTo = 0;
  const stopped = (): boolean => brokerStop !== undefined || failure !== undefined;
  for (const [index, request] of orders.entries()) {
    while (answers.size >= MAX_UNACKNOWLEDGED && !stopped()) await Promise.race(answers);
    if (!stopped() && index > 0) gate = gateStop(options.gates, request, orders.slice(index));
    if (stopped() || gate !== undefined) {
      unsentFrom = index;
      break;
    }
    if (index >= turnsTakenTo) {
      const next = orders.slice(index, index + TURNS_PER_COMMIT);
      try {
        // Committed before any of them leaves: an intent whose turn was never recorded was never handed over.
        store.markTurnsTaken(next.map((r) => r.orderRef));
      } catch (error) {
        failure = { error };
        unsentFrom = index;
        break;
      }
      turnsTakenTo = index + next.length;
    }
    const outcome = outcomes[index] as Outcome;
    // Asked again once the order's turn has come, just before it leaves: a stop that lands while it waits its turn
    // (behind the broker's pacing) keeps it back.
    const mayLeave = (): boolean => {
      if (stopped()) return false;
      gate ??= gateStop(options.gates, request, orders.slice(index));
      return gate === undefined;
    };
    let pending: SentOrder | undefined;
    try {
      pending = await broker.sendOrder(request, mayLeave);
    } catch (error) {
      if (!(error instanceof BrokerError)) {
        // Not the broker's word: whether it left is not known, so its intent stays for the next run to look up.
        failure = { error };
        unsentFrom = index + 1;
        break;
      }
      // A session an earlier order's answer already reported lost: that order's breach says why.
      if (stopped()) {
        unsentFrom = index;
        break;
      }
      // It did not leave: nothing of it reached the broker.
      outcome.breach = orderBreach(request, error);
      try {
        store.recordReconciliation(request.orderRef, notSent(`not sent: ${error.kind}: ${error.message}`, options.now));
      } catch (recordError) {
        failure = { error: recordError };
      }
      if (error.kind === 'rejected') continue;
      brokerStop = `${error.kind} while sending ${request.orderRef}`;
      unsentFrom = index + 1;
      break;
    }
    if (pending === undefined) {
      unsentFrom = index;
      break;
    }
    const answer = pending.acknowledged
      .then(
        (accepted) => {
          outcome.accepted = accepted;
          store.markOrderSent(request.orderRef, accepted);
        },
        (error: unknown) => {
          if (!(error instanceof BrokerError)) throw error;
          outcome.breach = orderBreach(request, error);
          if (error.kind === 'rejected') {
            store.markOrderFailed(request.orderRef, `rejected: ${error.message}`);
            return;
          }
          brokerStop ??= `${error.kind} while sending ${request.orderRef}`;
          store.markOrderFailed(
            request.orderRef,
            `${error.kind}: ${error.message}; it may have reached the broker, the next run reconciles it by orderRef`,
          );
        },
      )
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => answers.delete(answer));
    answers.add(answer);
  }
  // Orders already sent are answered (or time out) before the run goes on.
  await Promise.all([...answers]);
  const reason = gate?.stop.reason ?? brokerStop ?? (failure === undefined ? undefined : 'a record could not be written');
  if (reason !== undefined) {
    for (const request of orders.slice(unsentFrom)) {
      try {
        store.recordReconciliation(request.orderRef, notSent(`not sent: submission stopped: ${reason}`, options.now));
      } catch (recordError) {
        failure ??= { error: recordError };
        break;
      }
    }
  }
  sent.push(...outcomes.flatMap((o) => (o.accepted === undefined ? [] : [o.accepted])));
  breaches.push(...outcomes.flatMap((o) => (o.breach === undefined ? [] : [o.breach])));
  if (failure !== undefined) throw failure.error;
  if (gate !== undefined) {
    breaches.push(...gate.breaches);
    return gate.stop;
  }
  return brokerStop;
}

/** The gates' verdict on the next order (a new one, or a change in place), joined: undefined when it may go. */
export function gateStop(
  gates: readonly SendGate[],
  next: OrderRequest,
  unsent: readonly OrderRequest[],
): { breaches: Breach[]; stop: { status: 'blocked' | 'failed'; reason: string } } | undefined {
  const stops = checkGates(gates, next, unsent);
  if (stops.length === 0) return undefined;
  return {
    breaches: stops.map((stop) => stop.breach),
    stop: {
      status: stops.some((stop) => stop.status === 'failed') ? 'failed' : 'blocked',
      reason: stops.map((stop) => stop.reason).join('; '),
    },
  };
}

function orderBreach(request: OrderRequest, error: BrokerError): Breach {
  const code = error.code === undefined ? '' : ` (IB code ${error.code})`;
  return {
    code: 'BROKER_ERROR',
    symbol: request.symbol,
    detail: `${request.action} ${request.quantity} ${request.symbol} @ ${request.limitPrice}: ${error.message}${code}`,
  };
}

/** An intent this run knows never left: settled at once, so the next run has nothing to look up. */
function notSent(message: string, at: string): OrderReconciliation {
  return { status: 'NotSent', filledQuantity: 0, avgFillPrice: 0, message, at };
}

/**
 * An order the broker accepted, then ended unfilled within the status window (IB: PreSubmitted, then error 201
 * and Inactive, or 202 and Cancelled): a rejection like any other, not an order sent.
 */
function killedAfterAcceptance(order: BrokerOrder): Breach[] {
  if (!isFinal(order.status) || order.status === 'Filled') return [];
  const filled = order.filledQuantity > 0 ? `, ${order.filledQuantity} of ${order.quantity} filled` : '';
  const why = order.message ? `: ${order.message}` : '';
  return [
    {
      code: 'BROKER_ERROR',
      symbol: order.symbol,
      detail: `${order.action} ${order.quantity} ${order.symbol} @ ${order.limitPrice}: ${order.status} after the broker accepted it${filled}${why}`,
    },
  ];
}

/** Every gate's verdict on the next order. A gate that throws fails the submission: nothing more is sent. */
function checkGates(gates: readonly SendGate[], next: OrderRequest, unsent: readonly OrderRequest[]): SendStop[] {
  return gates.flatMap((gate) => gate(next, unsent) ?? []);
}

function mergeStatuses(sent: BrokerOrder[], statuses: BrokerOrder[]): BrokerOrder[] {
  return sent.map((o) => statuses.find((s) => s.brokerOrderId === o.brokerOrderId) ?? o);
}

const MINUTE_MS = 60_000;

/** "BUY 71 MSFT, BUY 32 SPY": the orders a stop leaves unsent. */
function describeUnsent(unsent: readonly OrderRequest[]): string {
  return unsent.map((o) => `${o.action} ${o.quantity} ${o.symbol}`).join(', ');
}

/**
 * The gate of the run lock: a lock file removed or replaced during the run (a stray `rm`, a clean-up script)
 * lets a second run start beside this one, so this one sends nothing more; the run fails and says why.
 */
export function lockGate(lost: () => string | undefined): SendGate {
  return (_next, unsent) => {
    const why = lost();
    if (why === undefined) return undefined;
    return {
      breach: { code: 'LOCK_LOST', detail: `${why}: not sent: ${describeUnsent(unsent)}; check for another run, then run again` },
      status: 'failed',
      reason: 'the run lost its lock',
    };
  };
}

/**
 * The gate of the run's deadline (RUN_DEADLINE_MINUTES from `startedAt`, on the run's clock, read again before
 * each order): a run that took this long is stuck somewhere, and what it still holds is stale.
 */
export function deadlineGate(o: { startedAt: string; deadlineMinutes: number; now: () => string }): SendGate {
  return (_next, unsent) => {
    const now = o.now();
    const elapsedMs = Date.parse(now) - Date.parse(o.startedAt);
    if (!(elapsedMs > o.deadlineMinutes * MINUTE_MS)) return undefined;
    return {
      breach: {
        code: 'RUN_DEADLINE',
        detail:
          `the run started at ${o.startedAt} has run ${Math.floor(elapsedMs / MINUTE_MS)} minutes at ${now}, past its deadline of ` +
          `${o.deadlineMinutes} minutes (RUN_DEADLINE_MINUTES): not sent: ${describeUnsent(unsent)}; the next run plans again`,
      },
      status: 'failed',
      reason: `the run passed its deadline of ${o.deadlineMinutes} minutes`,
    };
  };
}

/**
 * The gate of the plan's freshness: before each order the clock is read again, and a plan older than
 * MAX_PLAN_AGE_MINUTES, or made for a session in which orders may no longer go (the close, the no-trade window,
 * another day), sends nothing more. A run suspended after its first order (a laptop lid, SIGSTOP) and resumed
 * hours later must not send the rest of an old plan at prices of another time; the next run plans again.
 * `phaseAt`: the session phase at an instant of the market of the order's ticker, under the rules the plan was made with.
 */
export function freshPlanGate(o: {
  plannedAt: string;
  maxAgeMinutes: number;
  now: () => string;
  phaseAt: (now: string, symbol: string) => MarketPhase;
  /**
   * The order whose market decides (default: `next` itself); undefined: none, only the plan's age counts. A
   * conversion has no market of its own here: the stock orders it pays for decide.
   */
  orderOf?: (next: OrderRequest, unsent: readonly OrderRequest[]) => OrderRequest | undefined;
}): SendGate {
  return (next, unsent) => {
    const now = o.now();
    const ageMs = Date.parse(now) - Date.parse(o.plannedAt);
    const tooOld = !(ageMs <= o.maxAgeMinutes * MINUTE_MS);
    const decides = o.orderOf === undefined ? next : o.orderOf(next, unsent);
    const phase: Pick<MarketPhase, 'ordersAllowed' | 'phase' | 'reason'> =
      decides === undefined ? { ordersAllowed: true, phase: 'in-session', reason: '' } : o.phaseAt(now, decides.symbol);
    if (!tooOld && phase.ordersAllowed) return undefined;
    const age = `${Math.floor(ageMs / MINUTE_MS)} minutes old`;
    const why = [
      ...(tooOld ? [`${age}, over the limit of ${o.maxAgeMinutes} (MAX_PLAN_AGE_MINUTES)`] : [age]),
      ...(phase.ordersAllowed ? [] : [`the market is ${phase.phase} now (${phase.reason})`]),
    ].join('; ');
    return {
      breach: {
        code: 'STALE_PLAN',
        detail: `the plan made at ${o.plannedAt} is ${why} at ${now}: not sent: ${describeUnsent(unsent)}; the next run plans again`,
      },
      status: 'blocked',
      reason: `the plan is stale (${tooOld ? age : `the market is ${phase.phase}`})`,
    };
  };
}
