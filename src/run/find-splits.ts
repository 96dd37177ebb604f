import type { RunStore } from '../ports/store.js';
import type { StatementSource } from '../ports/statements.js';
import type { BrokerPosition, PositionBreak, Quote } from '../core/types.js';
import { isFinal } from '../core/order-status.js';
import { referencePrice } from '../core/reference-price.js';
import { tradingDayOf } from '../core/session.js';
import { detectSplit, PLAUSIBLE_SPLIT_RATIOS, splitQuantity, type SplitEvidence, type SplitFinding } from '../core/splits.js';
import type { LedgerState } from './check-ledger.js';

export interface FindSplitsOptions {
  store: RunStore;
  account: string;
  now: string;
  positions: BrokerPosition[];
  quotes: Record<string, Quote>;
  /** The broker's statements, when configured: asked for the corporate actions only when a break looks like a split. */
  statements?: StatementSource;
}

/**
 * The ledger check with its splits told apart (see core/splits.ts): a broken ticker whose quantity, price and
 * average cost moved as one split moves them, with nothing else in it since the last snapshot, agrees again and
 * its split is in `splits`, to be recorded; one that only looks like a split stays broken, with the likely cause.
 * Reads the records and, when a break looks like a split and statements are configured, the broker's corporate
 * actions; writes nothing. A ledger without breaks is returned as it is, without reading anything.
 */
export async function findSplits(ledger: LedgerState, o: FindSplitsOptions): Promise<LedgerState> {
  const candidates = ledger.breaks.filter((b) => fitsSomeRatio(b));
  if (candidates.length === 0) return ledger;
  const snapshot = o.store.latestSnapshot();
  const before = new Map((snapshot === undefined ? [] : o.store.positionsOf(snapshot.runId)).map((p) => [p.symbol, p]));
  const statements = await corporateActions(o, snapshot?.takenAt);
  const splits: SplitFinding[] = [];
  const causes = new Map<string, string>();
  for (const b of candidates) {
    const held = o.positions.find((p) => p.symbol === b.symbol);
    const then = before.get(b.symbol);
    const evidence: SplitEvidence = {
      symbol: b.symbol,
      ledgerQuantity: b.ledgerQuantity,
      brokerQuantity: b.brokerQuantity,
      ...(snapshot !== undefined && then !== undefined
        ? { before: { quantity: then.quantity, price: then.marketPrice, avgCost: then.avgCost, at: snapshot.takenAt } }
        : {}),
      after: { price: referencePrice(o.quotes[b.symbol]), avgCost: held?.avgCost ?? 0 },
      otherActivity: snapshot === undefined ? [] : activitySince(o.store, b.symbol, snapshot.takenAt),
      ...(statements === undefined
        ? {}
        : {
            statements:
              'error' in statements
                ? statements
                : {
                    name: statements.name,
                    actions: statements.actions.filter((a) => a.symbol === b.symbol),
                  },
          }),
    };
    const found = detectSplit(evidence);
    if (found?.kind === 'split') splits.push(found);
    else if (found?.kind === 'suspect') causes.set(b.symbol, found.cause);
  }
  const split = new Map(splits.map((s) => [s.symbol, s]));
  return {
    lines: ledger.lines.map((l) => {
      const s = split.get(l.symbol);
      return s === undefined ? l : { ...l, ledgerQuantity: s.brokerQuantity, difference: 0 };
    }),
    breaks: ledger.breaks
      .filter((b) => !split.has(b.symbol))
      .map((b): PositionBreak => {
        const cause = causes.get(b.symbol);
        return cause === undefined ? b : { ...b, likelyCause: cause };
      }),
    splits: [...(ledger.splits ?? []), ...splits],
  };
}

/** Whether the broker's figure is the ledger's times some plausible split ratio: only then is anything read. */
function fitsSomeRatio(b: PositionBreak): boolean {
  if (b.ledgerQuantity === 0 || b.brokerQuantity === 0 || Math.sign(b.ledgerQuantity) !== Math.sign(b.brokerQuantity)) return false;
  // Only then are the broker's statements asked: a ratio outside the set stays a break (accepted by a person).
  return PLAUSIBLE_SPLIT_RATIOS.some((r) => splitQuantity(b.ledgerQuantity, r).quantity === b.brokerQuantity);
}

/** How many recent runs' orders are looked at: a day of hourly runs and more. */
const RECENT_RUNS = 50;

/**
 * What else touched the ticker since the snapshot, as the records know it: fills of own orders after it, and own
 * orders of runs since then that are not settled (they may fill at any moment).
 */
function activitySince(store: RunStore, symbol: string, since: string): string[] {
  const from = Date.parse(since);
  const seen: string[] = [];
  for (const { runId } of store.recentRuns(RECENT_RUNS)) {
    for (const order of store.ordersOf(runId)) {
      if (order.symbol !== symbol) continue;
      for (const fill of store.fillsOfOrder(order.orderRef))
        if (Date.parse(fill.time) > from)
          seen.push(`order ${order.orderRef} filled ${fill.side} ${fill.quantity} at ${fill.time}, after the snapshot of ${since}`);
      if (!isFinal(order.status)) seen.push(`order ${order.orderRef} (${order.action} ${order.quantity}) is ${order.status}`);
    }
  }
  return [...new Set(seen)];
}

/** The broker's corporate actions since the snapshot's trading day, when statements are configured; or why not. */
async function corporateActions(
  o: FindSplitsOptions,
  since: string | undefined,
): Promise<
  | { name: string; actions: { symbol: string; type: string; description: string; date: string; transactionId: string }[] }
  | { name: string; error: string }
  | undefined
> {
  if (o.statements === undefined) return undefined;
  const name = o.statements.name;
  const fromDate = tradingDayOf(since ?? o.now);
  const toDate = tradingDayOf(o.now);
  try {
    const statement = await o.statements.statement(o.account, fromDate, toDate);
    if (statement.corporateActions === undefined)
      return { name, error: 'the statement has no Corporate Actions section (add it to the Flex query)' };
    return { name, actions: statement.corporateActions };
  } catch (error) {
    return { name, error: error instanceof Error ? error.message : String(error) };
  }
}
