/**
 * Translation tables between IB's order vocabulary and ours. Pure.
 */
import { BROKER_ORDER_STATUSES, isFinal } from '../../core/order-status.js';
import type { OrderStatusName, Side } from '../../core/types.js';

/**
 * IB order status → ours: every name of the core's vocabulary is itself, plus two names IB sends that it does not
 * keep. PendingCancel is still a working order (the cancel is not confirmed yet), and ApiPending has not reached
 * IB yet; both map to the closest live state. Unknown names map to undefined.
 */
const STATUS: ReadonlyMap<string, OrderStatusName> = new Map<string, OrderStatusName>([
  ...BROKER_ORDER_STATUSES.map((s): [string, OrderStatusName] => [s, s]),
  ['ApiPending', 'PendingSubmit'],
  ['PendingCancel', 'Submitted'],
]);

/** Our status of an IB status name, or undefined when IB sent a name we do not know. */
export function toOrderStatus(ibStatus: string | undefined): OrderStatusName | undefined {
  return ibStatus === undefined ? undefined : STATUS.get(ibStatus);
}

/** True when the order can no longer fill or be cancelled (the core's isFinal, for a broker status). */
export function isFinalStatus(status: OrderStatusName): boolean {
  return isFinal(status);
}

/** True when the status confirms a cancel. */
export function isCancelledStatus(status: OrderStatusName): boolean {
  return status === 'Cancelled' || status === 'ApiCancelled';
}

/**
 * True when the status shows IB accepted the order for processing. Inactive, Cancelled and ApiCancelled right
 * after a placement mean IB refused it (the reason comes as an error message).
 */
export function isAcknowledgedStatus(status: OrderStatusName): boolean {
  return status === 'PreSubmitted' || status === 'Submitted' || status === 'Filled';
}

/** IB order action → side. SSHORT/SLONG are short-sale flavours of SELL/BUY. */
export function sideOfAction(action: string | undefined): Side | undefined {
  if (action === 'BUY' || action === 'SLONG') return 'BUY';
  if (action === 'SELL' || action === 'SSHORT') return 'SELL';
  return undefined;
}

/** IB execution side (BOT/SLD) → side. */
export function sideOfExecution(side: string | undefined): Side | undefined {
  if (side === 'BOT') return 'BUY';
  if (side === 'SLD') return 'SELL';
  return undefined;
}
