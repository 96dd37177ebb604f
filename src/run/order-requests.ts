import type { AdaptivePriority, OrderRequest, PlanLine } from '../core/types.js';
import { orderRefFor } from './run-id.js';

/** The orders of a plan: its BUY and SELL lines as requests, each with an orderRef naming run and ticker. */
export function orderRequestsOf(runId: string, lines: PlanLine[], adaptivePriority: AdaptivePriority): OrderRequest[] {
  return lines.flatMap((line) =>
    line.action === 'NONE' || line.limitPrice === undefined
      ? []
      : [
          {
            orderRef: orderRefFor(runId, line.symbol),
            symbol: line.symbol,
            action: line.action,
            quantity: line.quantity,
            limitPrice: line.limitPrice,
            adaptivePriority,
            primaryExchange: line.primaryExchange ?? '',
            currency: line.currency ?? 'USD',
          },
        ],
  );
}
