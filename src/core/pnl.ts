/**
 * Profit and loss, from the records a run already keeps (the snapshot's NLV and positions, the cash flows). Pure.
 *
 * Definitions (README, Records):
 * - A position's `avgCost` is IB's average cost per share, commissions included (as IB reports it; the simulator
 *   keeps it the same way).
 * - Cost basis = quantity x avgCost. Unrealized P&L = market value - cost basis. A short has a negative quantity, so
 *   the same formula holds: a short sold at 100 and now at 90 has cost basis -1,000, market value -900, +100.
 * - Every figure is in the account's currency. A position in another currency (its `fxRate`, migration 0017) has its
 *   market value in the account's currency already and its avgCost in the contract's (in its major units: pounds for
 *   a line quoted in pence, as IB reports it): its cost basis is quantity x avgCost x fxRate, the rate the snapshot
 *   valued the position with. So its unrealized P&L is the price move valued at that day's rate, not the move of the
 *   rate since the purchase (the records keep no rate of the purchase). The previous close's unrealized uses that
 *   snapshot's own rates. What a move of a rate does to NLV and is not a price move lands in the realized P&L of the
 *   day (below): the move on cash held in that currency, and on the cost basis of positions in it. A position bought
 *   with a loan in its currency (FX_POLICY borrow) nets to zero there: the loan moves by as much, the other way.
 * - Day P&L = the NLV change since the previous close with the day's cash flows (deposits, withdrawals, declared or
 *   inferred) taken out: the daily report's `sincePreviousClose`, reused, never recomputed here.
 * - Realized P&L of the day = day P&L - (unrealized at the latest snapshot - unrealized at the previous close's
 *   snapshot). With IB's average cost this is an identity: what left the unrealized column without being a change of
 *   price was realized (a sale at its price against the average cost, less its commission; a buy's commission, which
 *   IB puts into the average cost, is not). It holds as long as the positions' average costs are IB's. What else moves
 *   NLV lands in it too: dividends and interest (paid or accrued in NLV) not recorded as cash flows, fees, and the
 *   difference between IB's marks (in NLV) and the run's reference prices (in the positions' market values).
 * - When the previous close's snapshot or its positions are missing, realized is not computed: it is null with the
 *   reason given, never a guess. Likewise the day P&L without a previous close.
 */
import { Exact, round2, type Cents, type Decimal } from './money.js';

/** What a position needs for its P&L: a snapshot's position record. */
export interface PnlPositionInput {
  symbol: string;
  quantity: number;
  /** IB's average cost per share, commissions included. */
  avgCost: number;
  marketPrice: number;
  /** In the account's currency. */
  marketValue: number;
  /** For a position in another currency than the account's: base-currency units per one unit of it (absent: 1). */
  fxRate?: number;
}

export interface PositionPnl {
  symbol: string;
  quantity: number;
  avgCost: number;
  marketPrice: number;
  marketValue: Cents;
  /** quantity x avgCost, to the cent: negative for a short. */
  costBasis: Cents;
  /** marketValue - costBasis, to the cent. */
  unrealized: Cents;
  /** unrealized / |costBasis|; null when the cost basis is zero. */
  unrealizedFraction: number | null;
}

/** A figure, or null with the reason it is not known. */
export type Known = { value: Cents; reason?: undefined } | { value: null; reason: string };

export interface Pnl {
  /** Day P&L: NLV change since the previous close, cash flows out (null without a previous close). */
  day: Known;
  /** The previous close the day P&L and the realized P&L are measured against, when there is one. */
  previousClose?: { day: string; at: string; runId: string };
  /** The cash flows taken out of the day P&L (+ in, - out). */
  flows: Cents;
  /** The sum of the positions' cost bases (shorts negative). */
  costBasis: Cents;
  /** The sum of the positions' unrealized P&L at the latest snapshot. */
  unrealized: Cents;
  /** The unrealized P&L at the previous close's snapshot; null with the reason when its positions are missing. */
  unrealizedAtPreviousClose: Known;
  /** Day P&L - (unrealized now - unrealized at the previous close); null with the reason when either is unknown. */
  realizedToday: Known;
  perPosition: PositionPnl[];
}

/** quantity x avgCost, in the account's currency (x fxRate for a position in another currency), exact. */
function costBasisOf(p: PnlPositionInput): Decimal {
  const inOwn = new Exact(p.quantity).times(p.avgCost);
  return p.fxRate === undefined ? inOwn : inOwn.times(p.fxRate);
}

/** The P&L of one position. */
export function positionPnl(p: PnlPositionInput): PositionPnl {
  const costBasis = costBasisOf(p);
  const unrealized = new Exact(p.marketValue).minus(costBasis);
  return {
    symbol: p.symbol,
    quantity: p.quantity,
    avgCost: p.avgCost,
    marketPrice: p.marketPrice,
    marketValue: round2(p.marketValue),
    costBasis: round2(costBasis),
    unrealized: round2(unrealized),
    unrealizedFraction: costBasis.isZero() ? null : unrealized.div(costBasis.abs()).toNumber(),
  };
}

/** The sum of the positions' unrealized P&L, to the cent. */
export function unrealizedOf(positions: readonly PnlPositionInput[]): Cents {
  return round2(positions.reduce((s, p) => s.plus(new Exact(p.marketValue).minus(costBasisOf(p))), new Exact(0)));
}

export interface PnlInput {
  /** The positions of the latest snapshot. */
  positions: readonly PnlPositionInput[];
  /** The change since the previous close, cash flows out (the daily report's `sincePreviousClose`); undefined without one. */
  sincePreviousClose?: { amount: number; flows: number; day: string };
  /** The previous close's snapshot, when there is one, and its positions (undefined when they were not recorded). */
  previousClose?: { runId: string; at: string; grossPositionValue: number; positions: readonly PnlPositionInput[] | undefined };
}

/**
 * The P&L of the latest snapshot against the previous close. The previous close's positions count as missing when
 * none are recorded although its snapshot held some (a gross position value not zero): an account that held only
 * cash then has an unrealized P&L of zero, not an unknown one.
 */
export function pnlOf(input: PnlInput): Pnl {
  const perPosition = input.positions.map(positionPnl).sort((a, b) => a.symbol.localeCompare(b.symbol));
  const costBasis = round2(input.positions.reduce((s, p) => s.plus(costBasisOf(p)), new Exact(0)));
  const unrealized = unrealizedOf(input.positions);
  const change = input.sincePreviousClose;
  const close = input.previousClose;
  const day: Known =
    close === undefined
      ? { value: null, reason: 'no previous close recorded' }
      : change === undefined
        ? { value: null, reason: 'no snapshot since the previous close' }
        : { value: round2(change.amount) };
  const closePositions = close?.positions;
  const atClose: Known =
    close === undefined
      ? { value: null, reason: 'no previous close recorded' }
      : closePositions === undefined || (closePositions.length === 0 && close.grossPositionValue !== 0)
        ? { value: null, reason: `the positions of the previous close's snapshot (run ${close.runId}) are not recorded` }
        : { value: unrealizedOf(closePositions) };
  const realizedToday: Known =
    day.value === null
      ? { value: null, reason: day.reason }
      : atClose.value === null
        ? { value: null, reason: atClose.reason }
        : { value: round2(new Exact(day.value).minus(new Exact(unrealized).minus(atClose.value))) };
  return {
    day,
    ...(close === undefined || change === undefined ? {} : { previousClose: { day: change.day, at: close.at, runId: close.runId } }),
    flows: round2(change?.flows ?? 0),
    costBasis,
    unrealized,
    unrealizedAtPreviousClose: atClose,
    realizedToday,
    perPosition,
  };
}
