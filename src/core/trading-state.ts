/**
 * Trading states, nautilus_trader style: ACTIVE (every order goes), REDUCING (only orders that shrink a
 * position go), HALTED (no order goes; the run only cancels). Breaches decide the state; the state decides
 * which planned orders survive. Pure: blocked lines are new objects, the inputs are never mutated.
 */
import { describeOrder, isOrder } from './breakers-common.js';
import type { Breach, BreachCode, PlanLine, TradingState } from './types.js';

// Only over-exposure is answered by reducing: selling down cures it. Anything else (an erroneous-looking
// order, a bad input, the kill switch) means the plan itself cannot be trusted, so nothing is sent.
const REDUCING_CODES: ReadonlySet<BreachCode> = new Set<BreachCode>([
  'LEVERAGE_LIMIT',
  'POSITION_LIMIT',
  'MARGIN_CUSHION',
  // A sale brings the borrowed currency back.
  'CURRENCY_LOAN_LIMIT',
]);

// A position break blocks its own ticker (ledger.ts turns its line into NONE), not the run: the other tickers'
// records are fine. Too many of them is POSITION_BREAKS_LIMIT, which halts like any other code. An order of
// unknown outcome blocks its ticker the same way (blockHeldSymbols), until its executions are found or accepted.
const SYMBOL_CODES: ReadonlySet<BreachCode> = new Set<BreachCode>(['POSITION_BREAK', 'ORDER_OUTCOME_UNKNOWN']);

const STRICTNESS: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * The state a breach of this code forces: SYMBOL for codes that block only their ticker, REDUCING for
 * over-exposure codes, HALTED for every other (fail closed).
 */
export function severityOf(code: BreachCode): 'SYMBOL' | 'REDUCING' | 'HALTED' {
  if (SYMBOL_CODES.has(code)) return 'SYMBOL';
  return REDUCING_CODES.has(code) ? 'REDUCING' : 'HALTED';
}

/** True when the breach blocks only its own ticker. One without a symbol cannot, so it counts for the run. */
export function isSymbolScoped(b: Breach): boolean {
  return severityOf(b.code) === 'SYMBOL' && b.symbol !== undefined;
}

/** The breaches that decide the run's state: all but the ticker-scoped ones. */
export function runLevelBreaches(breaches: Breach[]): Breach[] {
  return breaches.filter((b) => !isSymbolScoped(b));
}

/** ACTIVE with no run-level breach; HALTED if any is HALTED-severity (a SYMBOL code without a symbol is); REDUCING otherwise. */
export function tradingStateFor(breaches: Breach[]): TradingState {
  const run = runLevelBreaches(breaches);
  if (run.length === 0) return 'ACTIVE';
  return run.some((b) => severityOf(b.code) !== 'REDUCING') ? 'HALTED' : 'REDUCING';
}

/**
 * True when the line's order shrinks |position| without crossing zero: a SELL of at most a long position,
 * or a BUY of at most a short one. Anything else (including a NaN or zero quantity) is not reducing.
 */
export function reducesExposure(line: PlanLine): boolean {
  const { action, quantity, currentQuantity } = line;
  if (!(quantity > 0)) return false;
  if (action === 'SELL') return currentQuantity > 0 && quantity <= currentQuantity;
  if (action === 'BUY') return currentQuantity < 0 && quantity <= -currentQuantity;
  return false;
}

/**
 * Applies the trading state to the plan lines and returns new lines. ACTIVE keeps every line; HALTED turns
 * every BUY/SELL into NONE; REDUCING keeps only orders that reduce exposure (see reducesExposure). A blocked
 * line keeps its target quantity, so the user still sees the intent, and its reason says what was blocked
 * and why: `blocked (HALTED: KILL_SWITCH): would have BUY 52 @ 190.19; <original reason>`.
 *
 * Throws when `state` is laxer than the breaches demand (ACTIVE with a breach, REDUCING with a HALTED
 * breach): that is a caller bug, and crashing sends no order.
 */
export function applyTradingState(lines: PlanLine[], state: TradingState, breaches: Breach[]): PlanLine[] {
  const required = tradingStateFor(breaches);
  const run = runLevelBreaches(breaches);
  if (STRICTNESS[state] < STRICTNESS[required]) {
    const codes = distinctCodes(run).join(', ');
    throw new Error(`applyTradingState: state ${state} is laxer than ${required}, which breaches ${codes} require`);
  }
  if (state === 'ACTIVE') return lines.map((line) => ({ ...line }));
  const label = run.length === 0 ? state : `${state}: ${distinctCodes(run).join(', ')}`;
  return lines.map((line) => {
    if (!isOrder(line)) return { ...line };
    if (state === 'REDUCING' && reducesExposure(line)) return { ...line };
    return blockLine(line, label);
  });
}

/** The line with its order taken away; the reason keeps what would have been sent, and why not. */
export function blockLine(line: PlanLine, label: string): PlanLine {
  return {
    ...line,
    action: 'NONE',
    quantity: 0,
    limitPrice: undefined,
    estimatedCommission: 0,
    estimatedSpreadCost: 0,
    reason: `blocked (${label}): would have ${describeOrder(line)}; ${line.reason}`,
  };
}

/**
 * The plan lines with every ticker held by a ticker-scoped breach known before planning (ORDER_OUTCOME_UNKNOWN)
 * turned into NONE: `blocked (ORDER_OUTCOME_UNKNOWN): would have BUY 5 @ 190.19; <reason>`. A line without an
 * order keeps its action and gains the label. Pure: new objects.
 */
export function blockHeldSymbols(lines: PlanLine[], breaches: Breach[]): PlanLine[] {
  const held = new Map<string, BreachCode[]>();
  for (const b of breaches.filter(isSymbolScoped)) {
    const symbol = b.symbol ?? '';
    const codes = held.get(symbol) ?? [];
    if (!codes.includes(b.code)) held.set(symbol, [...codes, b.code]);
  }
  return lines.map((line) => {
    const codes = held.get(line.symbol);
    if (codes === undefined) return { ...line };
    const label = codes.join(', ');
    return isOrder(line) ? blockLine(line, label) : { ...line, reason: `blocked (${label}): ${line.reason}` };
  });
}

/**
 * The plan lines of tickers whose market takes no orders now (`holds`: ticker -> why, e.g. "market closed: LSE,
 * opens Mon 08:00 London (...)") turned into NONE: `left for a later run (market closed: ...): would have BUY 5 @
 * 80.12; <reason>`. A line without an order keeps its action and gains the note. Not a breach: the order waits for a
 * run in its market's session. Pure: new objects.
 */
export function holdClosedMarkets(lines: PlanLine[], holds: Readonly<Record<string, string>>): PlanLine[] {
  return lines.map((line) => {
    // Own keys only: a ticker named like an Object property ("constructor") is no hold.
    const why = Object.hasOwn(holds, line.symbol) ? holds[line.symbol] : undefined;
    if (why === undefined) return line;
    if (!isOrder(line)) return { ...line, reason: `${why}; ${line.reason}` };
    return { ...blockLine(line, ''), reason: `left for a later run (${why}): would have ${describeOrder(line)}; ${line.reason}` };
  });
}

/** Codes in first-seen order, each once: a run with five POSITION_LIMIT breaches says so once. */
function distinctCodes(breaches: Breach[]): BreachCode[] {
  return [...new Set(breaches.map((b) => b.code))];
}
