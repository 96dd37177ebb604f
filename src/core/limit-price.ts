import type { Price, TickPrice } from './money.js';
import * as X from './scaled.js';
import type { ContractInfo, Side } from './types.js';

/**
 * Tick-exact limit prices.
 *
 * Binary floating point cannot hold 0.29 or 4.35 exactly: 0.29 / 0.01 is 28.999999999999996 in doubles, so a
 * float floor would move a price that is already on a tick down by a whole tick, and 2 x 1.005 would land on
 * 2.0099999999999998. Everything here is exact integers of the numbers' decimals (scaled.ts), which read a double
 * by its shortest decimal representation (the number the user or IB wrote), and rounds exactly once, to the tick:
 * the same arithmetic the Decimal of money.ts does, without its cost.
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
 * The price increment to round limit prices to: the contract's `minTick` when the broker gave a usable one,
 * else IB's default for a US stock at that price (0.0001 below $1, else 0.01).
 */
export function tickFor(contract: ContractInfo | undefined, price: Price): TickPrice {
  if (contract !== undefined && Number.isFinite(contract.minTick) && contract.minTick > 0) return contract.minTick;
  return price < 1 ? SUB_DOLLAR_TICK : DOLLAR_TICK;
}

/**
 * The limit price of an order: a BUY pays at most `reference x (1 + offsetBps/10000)`, rounded down to a
 * multiple of `minTick`; a SELL takes at least `reference x (1 - offsetBps/10000)`, rounded up. Rounding
 * always goes the side that keeps the order inside the offset the user allowed.
 *
 * Returns undefined when any input is not a finite number, the reference or the tick is not positive, or the
 * rounded price is not positive (a BUY below one tick, a SELL offset of 100% or more): no order can be priced.
 */
export function limitPrice(side: Side, reference: Price, offsetBps: number, minTick: TickPrice): TickPrice | undefined {
  if (!Number.isFinite(reference) || !(reference > 0)) return undefined;
  if (!Number.isFinite(minTick) || !(minTick > 0) || !Number.isFinite(offsetBps)) return undefined;
  const unrounded = X.times(X.scaledOf(reference), factorOf(side, offsetBps));
  const rounded = X.toNearest(unrounded, tickOf(minTick), side === 'BUY' ? 'floor' : 'ceil');
  if (X.sign(rounded) <= 0) return undefined;
  return X.toNumber(rounded);
}
