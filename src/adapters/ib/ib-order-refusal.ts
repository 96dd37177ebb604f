/**
 * How IB refuses an order or a change of one: an error under the order's id (its code and text), sometimes after
 * a final status and sometimes before it. Shared by placing and modifying orders.
 */
import { BrokerError } from '../../ports/broker.js';
import { explainIbMessage, isNotice } from './ib-codes.js';
import type { OperationContext } from './ib-operation.js';

/** How long a final status waits for the error message that says why (IB sends them in either order). */
export const REASON_GRACE_MS = 300;

/**
 * An IB message under the order's id: a notice is ignored (399 too: an FX odd lot still stands); anything else is
 * IB's refusal, with its code. `pair` names a currency conversion's pair (`USD.SGD`): IB's 200 then means it does not
 * list the pair in that orientation, not a misspelt ticker.
 */
export function refusedUnderOrderId<T>(
  label: string,
  orderId: number,
  pair?: string,
): (ctx: OperationContext<T>, code: number, text: string) => void {
  return (ctx, code, text) => {
    if (isNotice(code)) return;
    const why =
      pair !== undefined && code === NO_SECURITY_DEFINITION
        ? `IB lists no IDEALPRO pair ${pair} (IB ${code}: ${text}); IB lists each pair in one orientation only: convert on the other`
        : explainIbMessage(code, text);
    ctx.reject(new BrokerError(`${label}: ${why}`, 'rejected', code, orderId));
  };
}

/** IB's error 200: no security definition. */
const NO_SECURITY_DEFINITION = 200;

/**
 * A final status with no error yet: the operation is rejected with `message` after REASON_GRACE_MS, unless IB's
 * error (with its code) settles it first. Returns the timer; the caller clears it when the operation settles.
 */
export function rejectAfterGrace<T>(ctx: OperationContext<T>, message: string, orderId: number): ReturnType<typeof setTimeout> {
  return setTimeout(() => ctx.reject(new BrokerError(message, 'rejected', undefined, orderId)), REASON_GRACE_MS);
}
