import { DateTime } from 'luxon';
import { EXCHANGE_ZONE, tradingDayOf } from '../core/session.js';
import type { Broker } from '../ports/broker.js';
import type { OrderRecord, RunStore } from '../ports/store.js';
import type { Execution } from '../core/types.js';
import { Exact } from '../core/money.js';
import { execIdParts } from '../core/exec-ids.js';
import { ROUTINE_BROKER_STATUSES } from '../core/order-status.js';
import { matchOpenOrders, resolveOrder, type BrokerView, type OrderResolution } from '../core/resolve-order.js';
import type { OrderRefOwner } from '../core/foreign-orders.js';
import type { StatementSource } from '../ports/statements.js';

/** How far back orders IB reported filled but whose executions were never collected are looked for. */
const MISSING_FILLS_DAYS = 7;

export interface ReconcileOrdersOptions {
  broker: Broker;
  store: RunStore;
  runId: string;
  now: string;
  /** Executions are read from here, or from an hour before the oldest order to reconcile if that is earlier. */
  since: string;
  /** Whose orderRef: executions of a run the records never made ('foreign') are not ours and are not recorded. */
  ownerOf: (orderRef: string) => OrderRefOwner;
  /**
   * `since` is on the broker's clock; the orders' times are on the machine's: this moves one of those onto the
   * broker's (see broker-clock.ts). Default: the clocks agree.
   */
  toBroker?: (machineIso: string) => string;
  /** The account the run trades, for the statements. */
  account?: string;
  /** The broker's statements, when configured: where orders of earlier days are looked up. */
  statements?: StatementSource;
}

export interface ReconcileOrdersResult {
  /** Executions recorded for the first time by this step. */
  newFills: Execution[];
  resolutions: OrderResolution[];
  /** What a person must be told: intents found at the broker or never sent, fills the broker reported but did not list. */
  notices: string[];
  /**
   * Executions a statement listed with our prefix but a run id the records never made (another installation
   * traded while this box was off): not recorded; the run halts on them as on the live API's (FOREIGN_ORDERS).
   */
  foreignExecutions: Execution[];
}

/**
 * The reconciliation step, before anything is cancelled or sent: every order an earlier run left unsettled (an
 * intent it may have sent before it died, a send that timed out, an order left working) is looked up among the
 * broker's open orders and executions by orderRef (permId when the broker's copy has no orderRef; never by
 * order id, which IB reuses after a gateway restart). Its ids, status and fills are recorded; an intent the
 * broker never had becomes NotSent. The cancel step that follows then cancels whatever is still open, so a run
 * killed between sending and recording never leads to a second order.
 */
export async function reconcileEarlierOrders(o: ReconcileOrdersOptions): Promise<ReconcileOrdersResult> {
  const toBroker = o.toBroker ?? sameClock;
  const pending = [...o.store.ordersToReconcile(o.runId), ...missingFillsOfEarlierDays(o, toBroker)];
  if (pending.length === 0) return { newFills: [], resolutions: [], notices: [], foreignExecutions: [] };
  const open = await o.broker.openOrders();
  const executions = await o.broker.executions(lookupSince(pending, o.since, toBroker));
  const newFills = o.store.recordFills(
    o.runId,
    executions.filter((e) => o.ownerOf(e.orderRef) !== 'foreign'),
  );
  // IB Gateway's executions (and completed orders) reach back to the start of the current day in New York.
  const today = dayOf(toBroker(o.now));
  const sentOn = new Map(pending.map((p) => [p.orderRef, dayOf(toBroker(p.createdAt))]));
  const dayOfOrder = (p: OrderRecord): string => sentOn.get(p.orderRef) ?? '';
  const earlier = pending.filter((p) => dayOfOrder(p) < today);
  // Today's executions are complete, so an order of today that is not open is settled by them, except when IB
  // reported more filled than they show: then IB's completed orders of the day say how it ended. Asked for only
  // then (a rare case; IB's completed-order frames are the ones client libraries have misread).
  const contradicted = pending.some(
    (p) => !earlier.includes(p) && matchOpenOrders(p, open).length === 0 && totalFilled(o.store, p.orderRef) < p.filledQuantity,
  );
  const completed = contradicted ? await o.broker.completedOrders() : [];
  const looked = earlier.length > 0 ? await lookUpStatements(o, earlier, earlier.map(dayOfOrder), today) : undefined;
  if (looked !== undefined) newFills.push(...looked.newFills);
  const resolutions = pending.map((order) => {
    const view = { ...viewOf(order.symbol, dayOfOrder(order), today, looked), completed };
    return resolveOrder(order, open, o.store.fillsOfOrder(order.orderRef), view);
  });
  // One commit for all of them (all or none): a commit per order waited for the disk 250 times at 500 tickers.
  o.store.recordReconciliations(resolutions.map((r) => ({ orderRef: r.orderRef, outcome: { ...r, at: o.now } })));
  // Told once: when the record changes status (an order looked up again run after run with the same answer is
  // not news), or when an intent turns out to have reached the broker. An order the broker had, still working or
  // since filled or cancelled (a DAY order's end), is the hourly routine: the reconcile section prints it, and it
  // is no reason for a warning email (at 500 tickers that would be one every hour).
  const notices = resolutions.flatMap((r, i) => {
    const was = pending[i]?.status;
    const news = r.recovered || r.status !== was;
    if (!news || (r.fillsMissing === 0 && isRoutine(was, r.status, r.recovered))) return [];
    return [`order ${r.orderRef} (${r.symbol}, recorded as ${was ?? '?'}): now ${r.status}: ${r.message}`];
  });
  if (looked?.note !== undefined) notices.push(looked.note);
  return { newFills, resolutions, notices, foreignExecutions: looked?.foreign ?? [] };
}

const ROUTINE_STATUSES: ReadonlySet<string> = new Set(ROUTINE_BROKER_STATUSES);

/**
 * A change of status that is the order's normal life: from one the broker had acknowledged to another of those.
 * Not routine: an intent or an Unknown resolved, an order found sent after a crash, a rejection or an Inactive order
 * (nor, whatever the statuses, fills the broker reports that no execution shows: the caller checks those).
 */
export function isRoutine(was: string | undefined, now: string, recovered: boolean): boolean {
  return !recovered && was !== undefined && ROUTINE_STATUSES.has(was) && ROUTINE_STATUSES.has(now);
}

/**
 * Orders of earlier days (up to MISSING_FILLS_DAYS back) that IB reported filled while the run that sent them was
 * watching, but whose executions no run collected (the box went off after that run): today's API no longer lists
 * them, so they are looked up like the unsettled ones.
 */
function missingFillsOfEarlierDays(o: ReconcileOrdersOptions, toBroker: (machineIso: string) => string): OrderRecord[] {
  const now = DateTime.fromISO(o.now);
  if (!now.isValid) return [];
  const today = dayOf(toBroker(o.now));
  const since = now.minus({ days: MISSING_FILLS_DAYS }).toUTC().toISO() ?? o.now;
  return o.store.ordersMissingFills(o.runId, since).filter((p) => dayOf(toBroker(p.createdAt)) < today);
}

/** What the broker's statements showed of earlier days: the days they cover, the fills new to the records. */
interface StatementLook {
  fromDate?: string;
  toDate?: string;
  newFills: Execution[];
  /** Executions with our prefix and a run id the records never made. */
  foreign: Execution[];
  /** When the broker generated the statement: a day it had not finished then is not covered. */
  generatedAt?: string;
  /**
   * `day|SYMBOL` of executions the statement lists without an orderReference (IB sometimes leaves it empty): such
   * a day cannot prove that an order of that ticker did not fill.
   */
  unreferenced: ReadonlySet<string>;
  /** Why the earlier days could not be seen (no statements configured, or what failed), for the message. */
  gap: string;
  /** A failure of the statements worth telling a person (not repeated when there are simply none). */
  note?: string;
}

/**
 * The executions of the days before `today` that the live API no longer shows, from the broker's statements:
 * every execution found is recorded (an execution already recorded is recognised by its id); the days the
 * statement covers are then complete. A statement that cannot be had leaves those orders Unknown, and the run goes on.
 */
async function lookUpStatements(
  o: ReconcileOrdersOptions,
  looking: readonly OrderRecord[],
  days: string[],
  today: string,
): Promise<StatementLook> {
  const apiOnly = `IB's API shows only the executions of the current day (${today}, New York)`;
  if (o.statements === undefined || o.account === undefined)
    return {
      newFills: [],
      foreign: [],
      unreferenced: new Set(),
      gap: `${apiOnly}; no statements to look in: FLEX_TOKEN and FLEX_QUERY_ID are not set`,
    };
  const readable = days.filter((d) => d !== '');
  if (readable.length === 0)
    return { newFills: [], unreferenced: new Set(), foreign: [], gap: `${apiOnly}; the orders' times cannot be read` };
  const fromDate = readable.reduce((min, d) => (d < min ? d : min));
  const toDate = DateTime.fromISO(today, { zone: EXCHANGE_ZONE }).minus({ days: 1 }).toISODate() ?? today;
  try {
    const statement = await o.statements.statement(o.account, fromDate, toDate);
    // Of our own orders, only the ones looked up: an order a person accepted as it was (its shares are in the
    // ledger's adjustment) or one already settled must not gain fills from a statement fetched for another. A
    // correction of a fill already recorded still replaces it (counted once either way).
    const sought = new Set(looking.map((p) => p.orderRef));
    const own = statement.executions.filter((e) => {
      const owner = o.ownerOf(e.orderRef);
      if (owner === 'other') return true;
      return owner === 'ours' && (sought.has(e.orderRef) || correctsRecordedFill(o.store, e));
    });
    const unreferenced = new Set(statement.executions.filter((e) => e.orderRef === '').map((e) => `${dayOf(e.time)}|${e.symbol}`));
    // Another installation's executions: after the latest `rebalancer resume` (what a person looked at), as live.
    const resumed = o.store.lastResumeAt();
    const foreign = statement.executions.filter(
      (e) =>
        o.ownerOf(e.orderRef) === 'foreign' &&
        (resumed === undefined || !(Date.parse(e.time) <= Date.parse((o.toBroker ?? sameClock)(resumed)))),
    );
    return {
      fromDate: statement.fromDate,
      toDate: statement.toDate,
      generatedAt: statement.generatedAt,
      foreign,
      unreferenced,
      newFills: o.store.recordFills(o.runId, own),
      gap: `${apiOnly}; ${o.statements.name} covers ${statement.fromDate} to ${statement.toDate}`,
    };
  } catch (error) {
    const why = `${o.statements.name}: ${error instanceof Error ? error.message : String(error)}`;
    return {
      newFills: [],
      foreign: [],
      unreferenced: new Set(),
      gap: `${apiOnly}; ${why}`,
      note: `statements of ${fromDate} to ${toDate} not read: ${why}`,
    };
  }
}

/**
 * What the broker can show of an order of `symbol` sent on `day`: all of it today, or the days a statement covers
 * (unless the statement lists an execution of that ticker that day without an orderReference: it may be this
 * order's).
 */
function viewOf(symbol: string, day: string, today: string, looked: StatementLook | undefined): BrokerView {
  if (day >= today) return { executionsComplete: true };
  const covered =
    looked?.fromDate !== undefined &&
    looked.toDate !== undefined &&
    looked.fromDate <= day &&
    day <= looked.toDate &&
    generatedAfter(looked.generatedAt, day);
  if (covered && looked.unreferenced.has(`${day}|${symbol}`))
    return {
      executionsComplete: false,
      gap: `sent on ${day}; the statement lists an execution of ${symbol} that day without an orderReference, which may be this order's`,
    };
  if (covered) return { executionsComplete: true, fromStatement: true };
  const stale = looked?.generatedAt !== undefined && !generatedAfter(looked.generatedAt, day);
  return {
    executionsComplete: false,
    gap: stale
      ? `sent on ${day}; the statement was generated at ${looked.generatedAt}, before that day ended in New York`
      : `sent on ${day}; ${looked?.gap ?? ''}`,
  };
}

/** True when the statement was generated after `day` ended in New York (a statement of an unfinished day proves nothing). */
function generatedAfter(generatedAt: string | undefined, day: string): boolean {
  if (generatedAt === undefined) return false;
  const end = DateTime.fromISO(day, { zone: EXCHANGE_ZONE }).plus({ days: 1 });
  const generated = DateTime.fromISO(generatedAt, { zone: 'utc' });
  return end.isValid && generated.isValid && generated >= end;
}

/** The clocks agree (no broker clock measured). */
function sameClock(iso: string): string {
  return iso;
}

/** Days already worked out, by instant: the orders of one batch share their instant (500 at a time). */
const daysOfInstants = new Map<string, string>();

/** The New York calendar day of an instant (YYYY-MM-DD); '' for a time that cannot be read. */
function dayOf(iso: string): string {
  const known = daysOfInstants.get(iso);
  if (known !== undefined) return known;
  let day = '';
  try {
    day = tradingDayOf(iso);
  } catch {
    // An instant that cannot be read has no day ('' sorts before every day).
  }
  if (daysOfInstants.size >= 10_000) daysOfInstants.clear();
  daysOfInstants.set(iso, day);
  return day;
}

/** One line per reconciled order, for the console. */
export function formatResolutions(resolutions: OrderResolution[]): string[] {
  if (resolutions.length === 0) return ['no unsettled orders of earlier runs'];
  return resolutions.map((r) => {
    const filled = r.filledQuantity > 0 ? `, filled ${r.filledQuantity} @ ${r.avgFillPrice}` : '';
    return `${r.orderRef}: ${r.status}${filled} (${r.message})`;
  });
}

function lookupSince(pending: OrderRecord[], since: string, toBroker: (machineIso: string) => string): string {
  // Each instant read once: the orders of one batch share theirs.
  const oldest = [...new Set(pending.map((p) => toBroker(p.createdAt)))]
    .map((iso) => DateTime.fromISO(iso))
    .filter((d) => d.isValid)
    .reduce<DateTime | undefined>((min, d) => (min === undefined || d < min ? d : min), undefined);
  const from = oldest?.minus({ hours: 1 });
  const given = DateTime.fromISO(since);
  if (from === undefined || !given.isValid || given <= from) return since;
  return from.toUTC().toISO() ?? since;
}

function totalFilled(store: RunStore, orderRef: string): number {
  return store
    .fillsOfOrder(orderRef)
    .reduce((sum, f) => sum.plus(f.quantity), new Exact(0))
    .toNumber();
}

/** True when the execution is a later version (same id up to its last period) of a fill already recorded. */
function correctsRecordedFill(store: RunStore, e: Execution): boolean {
  const parts = execIdParts(e.execId);
  if (parts === undefined) return false;
  return store.fillsOfOrder(e.orderRef).some((f) => execIdParts(f.execId)?.base === parts.base && f.execId !== e.execId);
}
