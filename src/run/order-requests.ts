import type { AdaptivePriority, ConversionLine, OrderRequest, PlanLine } from '../core/types.js';
import type { OrderUpdates } from '../core/order-updates.js';
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

/**
 * A working sweep of an earlier run is never changed in place nor left as it stands: its new total would count the
 * proceeds it already sold again (a sweep is planned from what the run's sales bring, not from what is left to sweep).
 * It is cancelled, and the plan's sweep waits for the next run, which sweeps what has come in by then.
 */
export function withoutSweepsInPlace(updates: OrderUpdates, conversions: readonly ConversionLine[]): OrderUpdates {
  const sweeps = new Set(conversions.filter((c) => c.purpose === 'sweep').map((c) => c.symbol));
  const working = (symbol: string, secType: 'CASH' | undefined) => secType === 'CASH' && sweeps.has(symbol);
  const modified = updates.modifications.filter((m) => working(m.order.symbol, m.order.secType));
  const kept = updates.unchanged.filter((u) => working(u.symbol, u.secType));
  if (modified.length === 0 && kept.length === 0) return updates;
  const reason = 'a sweep is not changed in place: the next run sweeps what has come in by then';
  const symbols = new Set([...modified.map((m) => m.order.symbol), ...kept.map((u) => u.symbol)]);
  return {
    ...updates,
    cancels: [...updates.cancels, ...modified.map((m) => ({ order: m.order, reason })), ...kept.map((order) => ({ order, reason }))],
    modifications: updates.modifications.filter((m) => !modified.includes(m)),
    unchanged: updates.unchanged.filter((u) => !kept.includes(u)),
    // What the plan wanted of them waits for the next run (its working order is cancelled now).
    deferred: [
      ...updates.deferred,
      ...modified.map((m) => ({ ...m.change, quantity: m.remainder })),
      ...updates.newOrders.filter((r) => r.secType === 'CASH' && symbols.has(r.symbol)),
    ],
    newOrders: updates.newOrders.filter((r) => !(r.secType === 'CASH' && symbols.has(r.symbol))),
  };
}
