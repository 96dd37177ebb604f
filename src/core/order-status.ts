/**
 * The one order-status vocabulary: IB's order statuses as the TWS API reports them, plus the four the records
 * add for orders the broker may never have had. Every other list of statuses (SQL views, the sim, the gateway,
 * the IB adapter, the reports) derives from these arrays.
 */

/** Statuses IB reports for an order (TWS API orderStatus), in the order an order usually goes through them. */
export const BROKER_ORDER_STATUSES = [
  'PendingSubmit',
  'PreSubmitted',
  'Submitted',
  'Filled',
  'Cancelled',
  'ApiCancelled',
  'Inactive',
  'Rejected',
] as const;
export type OrderStatusName = (typeof BROKER_ORDER_STATUSES)[number];

/**
 * Statuses only the records know: `Intent` (recorded before sending), `SendFailed` (the send threw before the
 * broker acknowledged it), `NotSent` (reconciliation found the broker never had it) and `Unknown` (the order left
 * the broker's view before its outcome was recorded: IB's API shows only the current day's orders and executions;
 * each run looks again, in the broker's statements when they are configured, until it is known or a person
 * accepts the position).
 */
export const RECORD_ONLY_STATUSES = ['Intent', 'SendFailed', 'NotSent', 'Unknown'] as const;
export type RecordOnlyStatus = (typeof RECORD_ONLY_STATUSES)[number];

/** Every status an order row can carry. */
export const RECORDED_ORDER_STATUSES = [...RECORD_ONLY_STATUSES, ...BROKER_ORDER_STATUSES] as const;
export type RecordedOrderStatus = (typeof RECORDED_ORDER_STATUSES)[number];

/** Broker statuses after which the order can no longer fill or change. */
export const FINAL_BROKER_STATUSES = [
  'Filled',
  'Cancelled',
  'ApiCancelled',
  'Inactive',
  'Rejected',
] as const satisfies readonly OrderStatusName[];

/**
 * Recorded statuses that are settled: nothing more can happen to the order. `Unknown` is among them (the order is
 * over at the broker, only its outcome is not known), though reconciliation keeps looking for its executions.
 */
export const FINAL_ORDER_STATUSES = [
  ...FINAL_BROKER_STATUSES,
  'SendFailed',
  'NotSent',
  'Unknown',
] as const satisfies readonly RecordedOrderStatus[];

const FINAL: ReadonlySet<string> = new Set(FINAL_ORDER_STATUSES);
const BROKER: ReadonlySet<string> = new Set(BROKER_ORDER_STATUSES);

/** True for a status after which the order can no longer fill or change (a record-only final status included). */
export function isFinal(status: string): boolean {
  return FINAL.has(status);
}

/**
 * Statuses an order the broker accepted moves through on its own: waiting, working, filled, cancelled at its day's
 * end. A change between two of them is the hourly routine, not news (PendingSubmit, Inactive and Rejected are not
 * among them: an order stuck before the broker took it, or refused, is worth a warning).
 */
export const ROUTINE_BROKER_STATUSES = [
  'PreSubmitted',
  'Submitted',
  'Filled',
  'Cancelled',
  'ApiCancelled',
] as const satisfies readonly OrderStatusName[];

/** True when the text is one of IB's order statuses. */
export function isBrokerStatus(status: string): status is OrderStatusName {
  return BROKER.has(status);
}

/** The final statuses as a SQL list literal, for views and queries: `('Filled', 'Cancelled', ...)`. */
export function sqlStatusList(statuses: readonly string[] = FINAL_ORDER_STATUSES): string {
  return `(${statuses.map((s) => `'${s}'`).join(', ')})`;
}
