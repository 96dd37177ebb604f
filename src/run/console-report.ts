import type { Breach, BrokerOrder, CancelResult, ConversionLine, Execution, Plan, PlanLine, TradingState } from '../core/types.js';

/** Readable console output for people watching a run (the JSON log file is for machines). */

import { DateTime } from 'luxon';

import { formatMoney } from '../core/money.js';
import { runLevelBreaches } from '../core/trading-state.js';

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

/** The widest a plan's WHY line gets in a terminal or cron.log before it wraps. */
const WHY_WIDTH = 110;
const WHY_INDENT = '    ';

/**
 * The plan table: every ticker with current and target shares, the order, its price, its cost; under each row,
 * indented, why (wrapped at WHY_WIDTH, so cron.log lines stay readable at about 110 characters). A plan HALTED or
 * REDUCING says so first (tradingBanner), and each line the state held back reads NONE, with
 * `HALTED: would have SELL 49 @ 189.81; <why>` under it: the codes said once in the banner.
 */
export function formatPlan(plan: Plan): string[] {
  const banner = tradingBanner(plan);
  // With tickers quoted in other currencies (or in pence), a column says each price's units; values are the account's.
  const priced = plan.lines.some((l) => l.fx !== undefined || l.priceMagnifier !== undefined);
  const header = ['SYMBOL', 'CURRENT', 'TARGET', 'ACTION', 'QTY', 'LIMIT', 'REF', ...(priced ? ['PRICED IN'] : []), 'VALUE', 'EST.COST'];
  const rows = plan.lines.map((l: PlanLine) => [
    l.symbol,
    String(l.currentQuantity),
    String(l.targetQuantity),
    l.action,
    l.action === 'NONE' ? '' : String(l.quantity),
    l.limitPrice === undefined ? '' : String(l.limitPrice),
    l.referencePrice === undefined ? 'n/a' : String(l.referencePrice),
    ...(priced ? [pricedIn(l)] : []),
    l.action === 'NONE' ? '' : formatMoney(l.tradeValue),
    l.action === 'NONE' ? '' : formatMoney(l.estimatedCommission + l.estimatedSpreadCost),
  ]);
  // The last column is left unpadded by formatTable; an empty one keeps EST.COST right-aligned.
  const table = formatTable(
    [...header, ''],
    rows.map((r) => [...r, '']),
    new Set(priced ? [1, 2, 4, 5, 6, 8, 9] : [1, 2, 4, 5, 6, 7, 8]),
  );
  const body = table.slice(2).flatMap((row, i) => {
    const line = plan.lines[i];
    return line === undefined ? [row] : [row, ...wrap(whyOf(line, plan.tradingState), WHY_WIDTH, WHY_INDENT)];
  });
  return [
    ...(banner === undefined ? [] : [banner]),
    `NLV ${formatMoney(plan.netLiquidation)}, sized on ${formatMoney(plan.sizingNetLiquidation)} (after the cash buffer); ` +
      `leverage ${plan.leverageBefore.toFixed(2)}x -> ${plan.leverageAfter.toFixed(2)}x; turnover ${plan.turnoverPct.toFixed(2)}% of NLV`,
    ...table.slice(0, 2),
    ...body,
    ...formatConversions(plan.conversions ?? []),
  ];
}

/**
 * FX_POLICY=convert: one line per currency considered, the order first (`BUY 12000 USD.SGD @ 1.35155`) or NONE, then
 * why, wrapped as the plan's. Sent before the stock orders.
 */
function formatConversions(conversions: readonly ConversionLine[]): string[] {
  if (conversions.length === 0) return [];
  return [
    'currency conversions (FX_POLICY=convert), sent before the stock orders:',
    ...conversions.flatMap((c) => [
      c.action === 'NONE' ? `  NONE ${c.symbol}` : `  ${c.action} ${c.quantity} ${c.symbol} @ ${String(c.limitPrice)}`,
      ...wrap(c.reason, WHY_WIDTH, WHY_INDENT),
    ]),
  ];
}

/** The units of a line's prices: its currency ("USD"), "GBP/100" for one quoted in pence; with its rate when converted. */
function pricedIn(line: PlanLine): string {
  const units = `${line.currency ?? ''}${line.priceMagnifier === undefined ? '' : `/${line.priceMagnifier}`}`;
  return line.fx === undefined ? units : `${units} @ ${line.fx.rate}`;
}

/** The why under a row, without the "BUY 55: " (or "NONE: ") plan-lines.ts starts it with, which the row says. */
function whyOf(line: PlanLine, state: TradingState): string {
  const why = heldBackReason(line, state);
  const said = line.action === 'NONE' ? 'NONE: ' : `${line.action} ${line.quantity}: `;
  return why.startsWith(said) ? why.slice(said.length) : why;
}

/** Words wrapped to lines of at most `width` characters, each starting with `indent` (a longer word stays whole). */
function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const word of text.split(' ')) {
    if (current !== '' && indent.length + current.length + 1 + word.length > width) {
      out.push(indent + current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '' || out.length === 0) out.push(indent + current);
  return out;
}

/**
 * The first line of a plan that is not ACTIVE; undefined when it is. HALTED: `TRADING HALTED: nothing would be
 * sent (KILL_SWITCH, STALE_FORECAST)`; REDUCING names the orders that would still go and counts those held back.
 * Also the reason `rebalancer plan` gives for exit 3 (a plan of no lines, with the account check's breaches, when
 * the account check failed).
 */
export function tradingBanner(plan: Pick<Plan, 'tradingState' | 'breaches' | 'lines'>): string | undefined {
  if (plan.tradingState === 'ACTIVE') return undefined;
  const codes = [...new Set(runLevelBreaches(plan.breaches).map((b) => b.code))];
  const because = codes.length === 0 ? '' : ` (${codes.join(', ')})`;
  if (plan.tradingState === 'HALTED') return `TRADING HALTED: nothing would be sent${because}`;
  const going = plan.lines.filter((l) => l.action !== 'NONE').map((l) => `${l.action} ${l.quantity} ${l.symbol}`);
  const held = plan.lines.filter((l) => heldBack(l, 'REDUCING') !== undefined).length;
  return (
    `TRADING REDUCING: only orders that shrink a position would be sent${because}: ` +
    `${going.length === 0 ? 'none does, nothing would be sent' : going.join(', ')}${held === 0 ? '' : `; ${held} held back`}`
  );
}

/**
 * A line whose order the trading state took away (trading-state.ts: `blocked (HALTED: KILL_SWITCH): would have
 * SELL 49 @ 189.81; SELL 49: <why>`): the order it would have been and its own why; undefined for any other line
 * (an order, a line without one, a ticker held by its own breach, which keeps its label).
 */
function heldBack(line: PlanLine, state: TradingState): { order: string; why: string } | undefined {
  if (state === 'ACTIVE' || line.action !== 'NONE' || !line.reason.startsWith(`blocked (${state}`)) return undefined;
  const marker = '): would have ';
  const at = line.reason.indexOf(marker);
  if (at < 0) return undefined;
  const rest = line.reason.slice(at + marker.length);
  const end = rest.indexOf('; ');
  if (end < 0) return undefined;
  const order = rest.slice(0, end);
  const why = rest.slice(end + 2);
  // plan-lines.ts starts an order's why with "SELL 49: ", which the order above already says.
  const [side, quantity] = order.split(' ');
  const repeated = `${side ?? ''} ${quantity ?? ''}: `;
  return { order, why: why.startsWith(repeated) ? why.slice(repeated.length) : why };
}

/** The WHY column: a held-back line as `HALTED: would have SELL 49 @ 189.81; <why>`, any other as it is. */
function heldBackReason(line: PlanLine, state: TradingState): string {
  const held = heldBack(line, state);
  return held === undefined ? line.reason : `${state}: would have ${held.order}; ${held.why}`;
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
