import type { RunStore } from '../ports/store.js';
import type { BrokerPosition, Execution, PositionBreak } from '../core/types.js';
import { compareLedger, describeBreak, positionBreaksOf, type LedgerLine } from '../core/ledger.js';
import { ORDER_REF_PREFIX, isOwnOrderRef } from './run-id.js';
import { formatTable } from './console-report.js';
import { runIdInOrderRef } from '../core/foreign-orders.js';
import { formatRatio, type SplitFinding } from '../core/splits.js';

/** The orderRef prefix of the system's own orders, as the store matches it. */
const OWN_PREFIX = `${ORDER_REF_PREFIX}:`;

export interface LedgerState {
  /** Every ticker compared, sorted by symbol. */
  lines: LedgerLine[];
  /** Managed tickers whose ledger and broker position disagree. */
  breaks: PositionBreak[];
  /**
   * Splits found among the disagreements (see run/find-splits.ts): their lines already agree; recordLedger
   * records each as a 'split' adjustment.
   */
  splits?: SplitFinding[];
}

/**
 * The ledger of each ticker (baseline + recorded fills of own orders + accepted adjustments) against the broker's
 * positions. `symbols`: the managed tickers, plus any about to become managed (they get their baseline).
 * `unrecorded`: executions the broker reported that are not recorded yet (`rebalancer plan` records nothing, but
 * its ledger must count them, as the broker's positions do); those of other orders and those already recorded
 * are ignored.
 */
export function checkLedger(store: RunStore, symbols: string[], positions: BrokerPosition[], unrecorded: Execution[] = []): LedgerState {
  const ownFills = store.ownFillTotals(OWN_PREFIX);
  // Executions of a run the records never made are another installation's (or lost records'): not counted.
  const extra = unrecorded.filter(
    (e) => isOwnOrderRef(e.orderRef) && store.hasRun(runIdInOrderRef(e.orderRef, ORDER_REF_PREFIX)) && !store.hasFill(e.execId),
  );
  const seen = new Set<string>();
  for (const e of extra) {
    if (seen.has(e.execId)) continue;
    seen.add(e.execId);
    ownFills.push({ symbol: e.symbol, quantity: e.side === 'BUY' ? e.quantity : -e.quantity });
  }
  const lines = compareLedger({ symbols, adjustments: store.ledgerAdjustments(), ownFills, positions });
  return { lines, breaks: positionBreaksOf(lines) };
}

/**
 * Record the baseline of every managed ticker that has none (a ticker that just became managed, or one managed
 * before the ledger existed), from the figures of the check (taken before this run's orders), and the check
 * itself. Returns the tickers whose baseline was recorded now.
 */
export function recordLedger(store: RunStore, state: LedgerState, runId: string, now: string): LedgerLine[] {
  const managed = new Set(store.managedSymbols());
  const started = state.lines.filter((l) => managed.has(l.symbol) && l.baselineToRecord !== undefined);
  for (const line of started) {
    const baseline = line.baselineToRecord ?? 0;
    store.recordLedgerAdjustment({
      symbol: line.symbol,
      kind: 'baseline',
      quantity: baseline,
      ledgerBefore: line.brokerQuantity - baseline,
      brokerQuantity: line.brokerQuantity,
      reason: "the broker's position when the ticker became managed, less the fills of own orders already recorded",
      runId,
      at: now,
      source: `run ${runId}`,
    });
  }
  for (const split of state.splits ?? []) {
    if (!managed.has(split.symbol)) continue;
    store.recordLedgerAdjustment({
      symbol: split.symbol,
      kind: 'split',
      quantity: split.quantity,
      ledgerBefore: split.ledgerBefore,
      brokerQuantity: split.brokerQuantity,
      reason: `${formatRatio(split.ratio)} split${split.confirmed ? " (confirmed by the broker's corporate actions)" : ' (inferred)'}`,
      runId,
      at: now,
      source: `run ${runId}`,
      ratio: formatRatio(split.ratio),
      evidence: split.evidence,
    });
  }
  store.recordLedgerCheck(
    runId,
    state.lines.filter((l) => managed.has(l.symbol)),
  );
  return started;
}

/** The console's view of the check: a summary, and a table of the breaks. */
export function formatLedger(state: LedgerState): string[] {
  const compared = state.lines.filter((l) => l.baselineToRecord === undefined);
  const started = state.lines.filter((l) => l.baselineToRecord !== undefined);
  const lines: string[] = [];
  if (compared.length === 0 && started.length === 0) return ['no managed tickers yet: nothing to compare'];
  const parts = [
    ...(compared.length > 0
      ? [`${compared.length - state.breaks.length} of ${compared.length} managed ticker(s) agree with the broker`]
      : []),
    ...(started.length > 0
      ? [`ledger started at the broker's position for ${started.map((l) => `${l.symbol} (${l.brokerQuantity})`).join(', ')}`]
      : []),
    ...(state.splits ?? []).map((s) => `${s.symbol}: ${formatRatio(s.ratio)} split (${s.ledgerBefore} -> ${s.brokerQuantity})`),
  ];
  lines.push(parts.join('; '));
  if (state.breaks.length > 0) {
    lines.push(
      ...formatTable(
        ['SYMBOL', 'LEDGER', 'BROKER', 'BREAK'],
        state.breaks.map((b) => [b.symbol, String(b.ledgerQuantity), String(b.brokerQuantity), describeBreak(b)]),
        new Set([1, 2]),
      ),
    );
    for (const b of state.breaks) if (b.likelyCause !== undefined) lines.push(`${b.symbol}: ${b.likelyCause}`);
  }
  return lines;
}
