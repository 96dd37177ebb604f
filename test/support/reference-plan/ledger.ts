// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
/**
 * The system's own ledger of every managed ticker, and its comparison with the broker's positions.
 *
 * ledger = baseline (the broker's position when the ticker first became managed, recorded once)
 *        + the fills of the system's own orders (orderRef prefix `rebal:`)
 *        + adjustments a person accepted (`rebalancer reconcile --accept`)
 *        + splits a run recorded (see splits.ts).
 *
 * When the ledger and the broker disagree (a manual trade, a lost fill, a broker-side liquidation) the ticker
 * is broken: planning on it would size from a position nobody can explain, so it is not traded until the two
 * agree again (pysystemtrade locks an instrument the same way). Pure: figures in, lines and breaches out.
 */
import { breach, isOrder } from './breakers-common.js';
import { Exact, toNumber, type Decimal } from './money.js';
import { blockLine } from './trading-state.js';
import type { Breach, BrokerPosition, PlanLine, PositionBreak } from '../../../src/core/types.js';

/** MAX_POSITION_BREAKS when the limits do not say: more breaks than this halt the run. */
export const DEFAULT_MAX_POSITION_BREAKS = 2;

/** One entry of the ledger that is not a fill: the baseline, a difference a person accepted, or a split. */
export interface LedgerAdjustment {
  symbol: string;
  kind: 'baseline' | 'accept' | 'split';
  /** Signed change of the ledger, in shares. */
  quantity: number;
}

/** Net signed quantity (BUY +, SELL -) of the recorded fills of the system's own orders in one ticker. */
export interface OwnFillTotal {
  symbol: string;
  quantity: number;
}

export interface LedgerInputs {
  /** The tickers to compare: the managed ones (and, for a baseline, those about to become managed). */
  symbols: string[];
  adjustments: LedgerAdjustment[];
  ownFills: OwnFillTotal[];
  /** The broker's positions of the account; a ticker with none holds 0. */
  positions: BrokerPosition[];
}

/** One ticker's ledger against the broker. */
export interface LedgerLine {
  symbol: string;
  ledgerQuantity: number;
  brokerQuantity: number;
  /** broker - ledger; 0 when they agree. */
  difference: number;
  /**
   * Set when the ticker has no baseline yet: the baseline to record so that the ledger starts equal to the
   * broker (broker - own fills - accepted adjustments). Such a line agrees by construction.
   */
  baselineToRecord?: number;
}

/**
 * The ledger of each ticker against the broker's position, sorted by symbol. A ticker without a baseline adopts
 * the broker's figure (its line carries the baseline to record), so only a ticker with a history can break.
 */
export function compareLedger(inputs: LedgerInputs): LedgerLine[] {
  const sum = (pairs: { symbol: string; quantity: number }[]): Map<string, Decimal> => {
    const totals = new Map<string, Decimal>();
    for (const p of pairs) {
      if (!Number.isFinite(p.quantity))
        throw new Error(`broken invariant: ledger quantity of ${p.symbol} is not finite (${String(p.quantity)})`);
      totals.set(p.symbol, (totals.get(p.symbol) ?? new Exact(0)).plus(p.quantity));
    }
    return totals;
  };
  const broker = sum(inputs.positions);
  const fills = sum(inputs.ownFills);
  const accepted = sum(inputs.adjustments.filter((a) => a.kind !== 'baseline'));
  const baselines = sum(inputs.adjustments.filter((a) => a.kind === 'baseline'));
  const zero = new Exact(0);
  return [...new Set(inputs.symbols)].sort(compareCodePoints).map((symbol): LedgerLine => {
    const held = broker.get(symbol) ?? zero;
    const own = (fills.get(symbol) ?? zero).plus(accepted.get(symbol) ?? zero);
    const baseline = baselines.get(symbol);
    if (baseline === undefined) {
      return {
        symbol,
        ledgerQuantity: toNumber(held),
        brokerQuantity: toNumber(held),
        difference: 0,
        baselineToRecord: toNumber(held.minus(own)),
      };
    }
    const ledger = baseline.plus(own);
    return { symbol, ledgerQuantity: toNumber(ledger), brokerQuantity: toNumber(held), difference: toNumber(held.minus(ledger)) };
  });
}

/** The lines whose ledger and broker position differ. */
export function positionBreaksOf(lines: LedgerLine[]): PositionBreak[] {
  return lines
    .filter((l) => l.difference !== 0)
    .map((l) => ({ symbol: l.symbol, ledgerQuantity: l.ledgerQuantity, brokerQuantity: l.brokerQuantity }));
}

/** "ledger 100 vs broker 110 (+10)": both figures, always in this order. */
export function describeBreak(b: PositionBreak): string {
  const diff = new Exact(b.brokerQuantity).minus(b.ledgerQuantity);
  return `ledger ${b.ledgerQuantity} vs broker ${b.brokerQuantity} (${diff.gt(0) ? '+' : ''}${diff.toString()})`;
}

/**
 * One POSITION_BREAK per broken ticker (it blocks that ticker only), and POSITION_BREAKS_LIMIT, which halts the
 * run, when there are more breaks than `maxBreaks`: that many disagreements at once say the records, not the
 * tickers, are wrong.
 */
export function checkPositionBreaks(breaks: PositionBreak[], maxBreaks: number): Breach[] {
  const perTicker = breaks.map((b) =>
    breach(
      'POSITION_BREAK',
      `${b.symbol}: ${describeBreak(b)} shares; ${b.likelyCause === undefined ? '' : `${b.likelyCause}; `}own ledger = baseline + own fills + accepted adjustments. ` +
        `${b.symbol} is not traded until they agree, or until a person runs 'rebalancer reconcile --accept ${b.symbol} --reason ...'`,
      b.symbol,
    ),
  );
  if (!(breaks.length > maxBreaks)) return perTicker;
  const symbols = breaks.map((b) => b.symbol).join(', ');
  return [
    ...perTicker,
    breach(
      'POSITION_BREAKS_LIMIT',
      `${breaks.length} position breaks (${symbols}) > max ${maxBreaks} (MAX_POSITION_BREAKS): the records cannot be trusted, no ticker is traded`,
    ),
  ];
}

/**
 * The plan lines with every broken ticker turned into NONE. The line keeps its target (the intent stays
 * visible) and its reason names both figures: `blocked (POSITION_BREAK: ledger 100 vs broker 110 (+10)): would
 * have BUY 5 @ 190.19; <original reason>`. Pure: new objects, the inputs are not mutated.
 */
export function blockBrokenSymbols(lines: PlanLine[], breaks: PositionBreak[]): PlanLine[] {
  const bySymbol = new Map(breaks.map((b) => [b.symbol, b]));
  return lines.map((line) => {
    const broken = bySymbol.get(line.symbol);
    if (broken === undefined) return { ...line };
    if (!isOrder(line))
      return { ...line, positionBreak: broken, reason: `blocked (POSITION_BREAK: ${describeBreak(broken)}): ${line.reason}` };
    return { ...blockLine(line, `POSITION_BREAK: ${describeBreak(broken)}`), positionBreak: broken };
  });
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
