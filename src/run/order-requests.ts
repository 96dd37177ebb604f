import type { AdaptivePriority, ConversionLine, OrderRequest, PlanLine } from '../core/types.js';
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

/**
 * The conversions of a plan (FX_POLICY=convert) as requests: a CASH order on IDEALPRO for each one that goes, its
 * orderRef naming run and pair (`rebal:<run>:USD.SGD`), its currency the pair's second. Sent before the stock orders.
 */
export function conversionRequestsOf(
  runId: string,
  conversions: readonly ConversionLine[],
  adaptivePriority: AdaptivePriority,
): OrderRequest[] {
  return conversions.flatMap((c) =>
    c.action === 'NONE' || c.limitPrice === undefined
      ? []
      : [
          {
            orderRef: orderRefFor(runId, c.symbol),
            secType: 'CASH' as const,
            symbol: c.symbol,
            action: c.action,
            quantity: c.quantity,
            limitPrice: c.limitPrice,
            adaptivePriority,
            primaryExchange: 'IDEALPRO',
            currency: c.pair.currency,
          },
        ],
  );
}
