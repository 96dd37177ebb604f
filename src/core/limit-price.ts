import type { Price, TickPrice } from './money.js';
import * as X from './scaled.js';
import type { ContractInfo, PriceIncrement, Side } from './types.js';

/**
 * Tick-exact limit prices.
 *
 * Binary floating point cannot hold 0.29 or 4.35 exactly: 0.29 / 0.01 is 28.999999999999996 in doubles, so a
 * float floor would move a price that is already on a tick down by a whole tick, and 2 x 1.005 would land on
 * 2.0099999999999998. Everything here is exact integers of the numbers' decimals (scaled.ts), which read a double
 * by its shortest decimal representation (the number the user or IB wrote), and rounds exactly once, to the tick:
 * the same arithmetic the Decimal of money.ts does, without its cost.
 *
 * Many exchanges vary the increment with the price (IB's market rules: SEHK's spread table is 0.001 below 0.25 HKD ...
 * 0.20 from 200 to 500 HKD; TSEJ's bands in yen). A contract's `priceIncrements` are those bands: a limit price must
 * be a multiple of the increment of the band it falls in, or IB refuses it (error 110). Without bands the contract's
 * `minTick` applies at every price.
 */

/** IB's default US stock increments: sub-dollar stocks quote in 0.0001, the rest in 0.01. */
const SUB_DOLLAR_TICK = 0.0001;
const DOLLAR_TICK = 0.01;

/** 1 + offsetBps / 10,000 for a BUY, 1 - offsetBps / 10,000 for a SELL, exactly; the last ones asked are kept. */
function factorOf(side: Side, offsetBps: number): X.Scaled {
  const cached = FACTORS.get(offsetBps);
  if (cached !== undefined) return side === 'BUY' ? cached.buy : cached.sell;
  const offset = X.shiftDown(X.scaledOf(offsetBps), 4);
  const one = X.scaledOf(1);
  const factors = { buy: X.plus(one, offset), sell: X.minus(one, offset) };
  if (FACTORS.size >= 64) FACTORS.clear();
  FACTORS.set(offsetBps, factors);
  return side === 'BUY' ? factors.buy : factors.sell;
}
const FACTORS = new Map<number, { buy: X.Scaled; sell: X.Scaled }>();

/** A tick as an exact decimal; the ticks met (a handful: 0.01, 0.0001, ...) are kept. */
function tickOf(minTick: number): X.Scaled {
  let tick = TICKS.get(minTick);
  if (tick === undefined) {
    if (TICKS.size >= 64) TICKS.clear();
    tick = X.scaledOf(minTick);
    TICKS.set(minTick, tick);
  }
  return tick;
}
const TICKS = new Map<number, X.Scaled>();

/**
 * Why a market rule's bands cannot be used, or undefined when they can: at least one band, the first from 0, lowEdges
 * strictly increasing and finite, every increment finite and positive. Bands that break this are not guessed at.
 */
export function incrementsProblem(bands: readonly PriceIncrement[]): string | undefined {
  if (bands.length === 0) return 'no price bands';
  let previous: number | undefined;
  for (const [i, band] of bands.entries()) {
    const { lowEdge, increment } = band;
    if (!Number.isFinite(lowEdge) || lowEdge < 0) return `band ${i + 1} starts at ${String(lowEdge)}, not a price`;
    if (i === 0 && lowEdge !== 0) return `the first band starts at ${lowEdge}, not 0`;
    if (previous !== undefined && !(lowEdge > previous)) return `band ${i + 1} starts at ${lowEdge}, not above ${previous}`;
    if (!Number.isFinite(increment) || !(increment > 0))
      return `band ${i + 1} has the increment ${String(increment)}, not a positive number`;
    previous = lowEdge;
  }
  return undefined;
}

interface Band {
  lo: X.Scaled;
  inc: X.Scaled;
}

/** Bands as exact decimals, or undefined when unusable; kept per bands array (contracts share theirs across runs). */
function bandsOf(bands: readonly PriceIncrement[]): readonly Band[] | undefined {
  const cached = BANDS.get(bands);
  if (cached !== undefined) return cached === 'unusable' ? undefined : cached;
  const usable = incrementsProblem(bands) === undefined;
  const scaled = usable ? bands.map((b) => ({ lo: X.scaledOf(b.lowEdge), inc: X.scaledOf(b.increment) })) : undefined;
  BANDS.set(bands, scaled ?? 'unusable');
  return scaled;
}
const BANDS = new WeakMap<readonly PriceIncrement[], readonly Band[] | 'unusable'>();

/** The index of the highest band whose lowEdge is at or below the price (the first band for a price below all). */
function bandIndex(bands: readonly Band[], price: X.Scaled): number {
  let k = 0;
  while (k + 1 < bands.length && X.compare((bands[k + 1] as Band).lo, price) <= 0) k++;
  return k;
}

/** The increment at a price under a market rule: the increment of the highest band whose lowEdge <= price. */
export function incrementAt(bands: readonly PriceIncrement[], price: Price): number | undefined {
  const scaled = bandsOf(bands);
  if (scaled === undefined || !Number.isFinite(price)) return undefined;
  return bands[bandIndex(scaled, X.scaledOf(price))]?.increment;
}

/**
 * The price increment at a price: the contract's market rule when it has usable bands, else its `minTick` when the
 * broker gave a usable one, else IB's default for a US stock at that price (0.0001 below $1, else 0.01).
 */
export function tickFor(contract: ContractInfo | undefined, price: Price): TickPrice {
  const bands = contract?.priceIncrements;
  const banded = bands === undefined ? undefined : incrementAt(bands, price);
  if (banded !== undefined) return banded;
  if (contract !== undefined && Number.isFinite(contract.minTick) && contract.minTick > 0) return contract.minTick;
  return price < 1 ? SUB_DOLLAR_TICK : DOLLAR_TICK;
}

/**
 * What limitPrice rounds a contract's prices to: its market rule's bands when it has any, else the tick at the price
 * (tickFor).
 */
export function priceGridFor(contract: ContractInfo | undefined, price: Price): TickPrice | readonly PriceIncrement[] {
  return contract?.priceIncrements ?? tickFor(contract, price);
}

/**
 * Whether a price conforms to the grid: a multiple of the tick, or of the increment of its own band. False for a
 * price that is not finite and positive, or unusable bands.
 */
export function conformsTo(grid: TickPrice | readonly PriceIncrement[], price: Price): boolean {
  if (!Number.isFinite(price) || !(price > 0)) return false;
  const p = X.scaledOf(price);
  let step: X.Scaled;
  if (typeof grid === 'number') {
    if (!Number.isFinite(grid) || !(grid > 0)) return false;
    step = tickOf(grid);
  } else {
    const bands = bandsOf(grid);
    if (bands === undefined) return false;
    step = (bands[bandIndex(bands, p)] as Band).inc;
  }
  return X.compare(X.toNearest(p, step, 'floor'), p) === 0;
}

/**
 * The limit price of an order: a BUY pays at most `reference x (1 + offsetBps/10000)`, rounded down to the grid; a
 * SELL takes at least `reference x (1 - offsetBps/10000)`, rounded up. Rounding always goes the side that keeps the
 * order inside the offset the user allowed.
 *
 * The grid is a tick (every price a multiple of it) or a market rule's bands. With bands the result conforms at
 * itself: a BUY is the highest price at or below the bound that is a multiple of its own band's increment (rounding
 * down past a band's lowEdge lands on the band below's grid), a SELL the lowest one at or above it (rounding up past
 * the next lowEdge lands on that band's grid).
 *
 * Returns undefined when any input is not a finite number, the reference or the tick is not positive, the bands are
 * unusable (see incrementsProblem), or no positive price conforms within the offset (a BUY below one tick, a SELL
 * offset of 100% or more): no order can be priced.
 */
export function limitPrice(
  side: Side,
  reference: Price,
  offsetBps: number,
  grid: TickPrice | readonly PriceIncrement[],
): TickPrice | undefined {
  if (!Number.isFinite(reference) || !(reference > 0) || !Number.isFinite(offsetBps)) return undefined;
  let bands: readonly Band[] | undefined;
  if (typeof grid === 'number') {
    if (!Number.isFinite(grid) || !(grid > 0)) return undefined;
    bands = [{ lo: X.ZERO, inc: tickOf(grid) }];
  } else {
    bands = bandsOf(grid);
    if (bands === undefined) return undefined;
  }
  const bound = X.times(X.scaledOf(reference), factorOf(side, offsetBps));
  if (X.sign(bound) <= 0) return undefined;
  const rounded = side === 'BUY' ? roundDown(bands, bound) : roundUp(bands, bound);
  if (rounded === undefined || X.sign(rounded) <= 0) return undefined;
  return X.toNumber(rounded);
}

/** The highest price at or below `bound` that is a multiple of its own band's increment (bands from 0). */
function roundDown(bands: readonly Band[], bound: X.Scaled): X.Scaled | undefined {
  let k = bandIndex(bands, bound);
  let cap = bound;
  let inclusive = true;
  for (;;) {
    const band = bands[k] as Band;
    let p = X.toNearest(cap, band.inc, 'floor');
    // Below a band's lowEdge the price must stay strictly under it: the edge itself belongs to the band above.
    if (!inclusive && X.compare(p, cap) === 0) p = X.minus(p, band.inc);
    if (X.compare(p, band.lo) >= 0) return p;
    if (k === 0) return undefined;
    cap = band.lo;
    inclusive = false;
    k--;
  }
}

/** The lowest price at or above `bound` that is a multiple of its own band's increment. */
function roundUp(bands: readonly Band[], bound: X.Scaled): X.Scaled {
  let k = bandIndex(bands, bound);
  let floor = bound;
  for (;;) {
    const band = bands[k] as Band;
    const p = X.toNearest(floor, band.inc, 'ceil');
    const next = bands[k + 1];
    if (next === undefined || X.compare(p, next.lo) < 0) return p;
    floor = next.lo;
    k++;
  }
}
