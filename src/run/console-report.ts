import type { Breach, BrokerOrder, CancelResult, Execution, Plan, PlanLine } from '../core/types.js';

/** Readable console output for people watching a run (the JSON log file is for machines). */

import { DateTime } from 'luxon';

import { formatMoney } from '../core/money.js';

/** A fixed-width text table; the last column is left unpadded so long reasons do not widen the rest. */
export function formatTable(header: string[], rows: string[][], rightAligned: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        if (i === cells.length - 1) return cell;
        const w = widths[i] ?? cell.length;
        return rightAligned.has(i) ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [render(header), render(header.map((_, i) => '-'.repeat(widths[i] ?? 0))), ...rows.map(render)];
}

/** The plan table: every ticker with current and target shares, the order, its price, its cost, and why. */
export function formatPlan(plan: Plan): string[] {
  const rows = plan.lines.map((l: PlanLine) => [
    l.symbol,
    String(l.currentQuantity),
    String(l.targetQuantity),
    l.action,
    l.action === 'NONE' ? '' : String(l.quantity),
    l.limitPrice === undefined ? '' : String(l.limitPrice),
    l.referencePrice === undefined ? 'n/a' : String(l.referencePrice),
    l.action === 'NONE' ? '' : formatMoney(l.tradeValue),
    l.action === 'NONE' ? '' : formatMoney(l.estimatedCommission + l.estimatedSpreadCost),
    l.reason,
  ]);
  const header = ['SYMBOL', 'CURRENT', 'TARGET', 'ACTION', 'QTY', 'LIMIT', 'REF', 'VALUE', 'EST.COST', 'WHY'];
  return [
    `NLV ${formatMoney(plan.netLiquidation)}, sized on ${formatMoney(plan.sizingNetLiquidation)} (after the cash buffer); ` +
      `leverage ${plan.leverageBefore.toFixed(2)}x -> ${plan.leverageAfter.toFixed(2)}x; turnover ${plan.turnoverPct.toFixed(2)}% of NLV`,
    ...formatTable(header, rows, new Set([1, 2, 4, 5, 6, 7, 8])),
  ];
}

export function formatBreaches(breaches: Breach[], state: string): string[] {
  if (breaches.length === 0) return [`all circuit breakers passed: trading state ${state}`];
  return [
    `trading state ${state}; ${breaches.length} breach(es):`,
    ...breaches.map((b) => `  ${b.code}${b.symbol ? ` [${b.symbol}]` : ''}: ${b.detail}`),
  ];
}

export function formatCancels(results: CancelResult[]): string[] {
  if (results.length === 0) return ['no open orders of ours to cancel'];
  return results.map(
    (r) =>
      `cancel ${r.orderRef} (order ${r.brokerOrderId}): ${r.confirmed ? 'confirmed' : `NOT confirmed${r.detail ? ` (${r.detail})` : ''}`}`,
  );
}

export function formatFills(fills: Execution[]): string[] {
  if (fills.length === 0) return ['no new executions since the last run'];
  return fills.map(
    (f) =>
      `${f.time} ${f.side} ${f.quantity} ${f.symbol} @ ${f.price} commission ${f.commission === null ? 'not reported yet' : formatMoney(f.commission)} (${f.orderRef}, exec ${f.execId})`,
  );
}

export function formatOrders(orders: BrokerOrder[]): string[] {
  return orders.map(
    (o) =>
      `${o.action} ${o.quantity} ${o.symbol} LMT ${o.limitPrice}: ${o.status}${o.filledQuantity > 0 ? `, filled ${o.filledQuantity} @ ${o.avgFillPrice}` : ''} (order ${o.brokerOrderId}, ${o.orderRef})`,
  );
}

/** An instant as a person in any time zone reads it: New York wall time first, then the UTC instant. */
export function describeInstant(iso: string): string {
  const ny = DateTime.fromISO(iso).setZone('America/New_York').toFormat("ccc yyyy-MM-dd HH:mm 'New York'");
  return `${ny}, ${iso}`;
}
