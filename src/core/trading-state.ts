/**
 * Trading states, nautilus_trader style: ACTIVE (every order goes), REDUCING (only orders that shrink a
 * position go), HALTED (no order goes; the run only cancels). Breaches decide the state; the state decides
 * which planned orders survive. Pure: blocked lines are new objects, the inputs are never mutated.
 */
import { describeOrder, isOrder } from './breakers-common.js';
import type { Breach, BreachCode, PlanLine, TradingState } from './types.js';

// Only over-exposure is answered by reducing: selling down cures it. Anything else (an erroneous-looking
// order, a bad input, the kill switch) means the plan itself cannot be trusted, so nothing is sent.
const REDUCING_CODES: ReadonlySet<BreachCode> = new Set<BreachCode>(['LEVERAGE_LIMIT', 'POSITION_LIMIT', 'MARGIN_CUSHION']);

const STRICTNESS: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/** The state a breach of this code forces: REDUCING for over-exposure codes, HALTED for every other (fail closed). */
export function severityOf(code: BreachCode): 'REDUCING' | 'HALTED' {
  return REDUCING_CODES.has(code) ? 'REDUCING' : 'HALTED';
}

/** ACTIVE with no breaches; HALTED if any breach is HALTED-severity; REDUCING otherwise. */
export function tradingStateFor(breaches: Breach[]): TradingState {
  if (breaches.length === 0) return 'ACTIVE';
  return breaches.some((b) => severityOf(b.code) === 'HALTED') ? 'HALTED' : 'REDUCING';
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
  if (STRICTNESS[state] < STRICTNESS[required]) {
    const codes = distinctCodes(breaches).join(', ');
    throw new Error(`applyTradingState: state ${state} is laxer than ${required}, which breaches ${codes} require`);
  }
  if (state === 'ACTIVE') return lines.map((line) => ({ ...line }));
  const label = breaches.length === 0 ? state : `${state}: ${distinctCodes(breaches).join(', ')}`;
  return lines.map((line) => {
    if (!isOrder(line)) return { ...line };
    if (state === 'REDUCING' && reducesExposure(line)) return { ...line };
    return blockLine(line, label);
  });
}

function blockLine(line: PlanLine, label: string): PlanLine {
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

/** Codes in first-seen order, each once: a run with five POSITION_LIMIT breaches says so once. */
function distinctCodes(breaches: Breach[]): BreachCode[] {
  return [...new Set(breaches.map((b) => b.code))];
}
