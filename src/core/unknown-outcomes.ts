/**
 * Orders whose outcome left the broker's view (status Unknown, see resolve-order.ts): each blocks its own ticker
 * with ORDER_OUTCOME_UNKNOWN until its executions are found (in the broker's statements) or a person accepts the
 * broker's position. Trading the ticker meanwhile would size it on a ledger that may be missing fills. Pure.
 */
import type { Breach, Side } from './types.js';

/** An order of Unknown outcome, as the records have it. */
export interface UnknownOutcome {
  orderRef: string;
  symbol: string;
  action: Side;
  quantity: number;
  filledQuantity: number;
  /** When the run that sent it recorded it (ISO 8601). */
  createdAt: string;
}

/** How a person settles it, named in the breach and the alert. */
export const RECOVERY_HINT =
  "its executions are recovered from IB's Flex statements (set FLEX_TOKEN and FLEX_QUERY_ID: README 'Recovering executions: the Flex Web Service'), " +
  'or a person checks the position at IB and runs ';

/** One ORDER_OUTCOME_UNKNOWN per ticker, naming each of its orders, oldest first. */
export function unknownOutcomeBreaches(orders: readonly UnknownOutcome[]): Breach[] {
  const bySymbol = new Map<string, UnknownOutcome[]>();
  for (const o of orders) bySymbol.set(o.symbol, [...(bySymbol.get(o.symbol) ?? []), o]);
  return [...bySymbol.entries()].map(([symbol, list]) => ({
    code: 'ORDER_OUTCOME_UNKNOWN',
    symbol,
    detail:
      `${symbol}: ${list.map(describe).join('; ')}: no longer open at IB and its executions are out of the API's sight ` +
      `(IB shows only the current day's), so what it did is not known. ${symbol} is not traded until ${RECOVERY_HINT}` +
      `'rebalancer reconcile --accept ${symbol} --reason ...'`,
  }));
}

function describe(o: UnknownOutcome): string {
  const filled = o.filledQuantity > 0 ? `, ${o.filledQuantity} recorded filled` : '';
  return `order ${o.orderRef} (${o.action} ${o.quantity}, sent ${o.createdAt}${filled})`;
}
