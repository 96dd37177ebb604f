import { Decimal } from 'decimal.js';
import { lastMarketTime, NYSE_RULES, parseInstant, previousSessionClose } from '../core/session.js';
import type { ContractInfo, Quote } from '../core/types.js';
import type { SimHours } from './exchange-hours.js';

/**
 * The simulator's market when no scenario is given: a dozen well-known US tickers whose prices follow
 * deterministic paths. Pure: a quote is a function of (seed, symbol, minute), computed in O(1) without
 * replaying history, so any run (and the simulated gateway) sees the same market at the same instant.
 */

/** What the sim broker and the simulated gateway need from a market, scenario or universe alike. */
export interface SimMarket {
  /** Every symbol this market knows (has a contract for). */
  symbols(): string[];
  contract(symbol: string): ContractInfo | undefined;
  /** The quote at an instant; undefined when the symbol has no market data. */
  quoteAt(symbol: string, time: string): Quote | undefined;
  /**
   * The listing's own hours when it does not follow the NYSE calendar (a market abroad, hours a scenario gives);
   * undefined (or no method): the NYSE calendar.
   */
  hoursOf?(symbol: string): SimHours | undefined;
}

/** One invented ticker: its price level, volatility, spread and listing. */
export interface Ticker {
  symbol: string;
  basePrice: number;
  /** Typical daily move, as a fraction (0.012 = 1.2%). */
  dailyVol: number;
  /** Typical half of the bid/ask spread, in basis points of the price. */
  halfSpreadBps: number;
  primaryExchange: string;
  minTick: number;
}

const t = (symbol: string, basePrice: number, dailyVol: number, halfSpreadBps: number, primaryExchange: string): Ticker => ({
  symbol,
  basePrice,
  dailyVol,
  halfSpreadBps,
  primaryExchange,
  minTick: defaultMinTick(basePrice),
});

/** The invented universe; prices are plausible, not current. PENY exercises sub-dollar ticks. */
export const UNIVERSE: readonly Ticker[] = [
  t('SPY', 560, 0.01, 0.2, 'ARCA'),
  t('QQQ', 480, 0.013, 0.3, 'NASDAQ'),
  t('IWM', 210, 0.015, 0.5, 'ARCA'),
  t('TLT', 92, 0.009, 0.6, 'NASDAQ'),
  t('IEF', 95, 0.005, 0.6, 'NASDAQ'),
  t('GLD', 230, 0.009, 0.5, 'ARCA'),
  t('AAPL', 190, 0.016, 0.3, 'NASDAQ'),
  t('MSFT', 420, 0.015, 0.3, 'NASDAQ'),
  t('NVDA', 120, 0.02, 0.4, 'NASDAQ'),
  t('AMZN', 185, 0.017, 0.4, 'NASDAQ'),
  t('JPM', 200, 0.014, 0.4, 'NYSE'),
  t('XLE', 90, 0.014, 0.6, 'ARCA'),
  t('PENY', 0.42, 0.02, 6, 'NASDAQ'),
];

/** The account a universe simulation starts with. */
export const UNIVERSE_ACCOUNT = { account: 'DU0000001', currency: 'USD', cash: 100_000 } as const;

const BY_SYMBOL = new Map(UNIVERSE.map((k) => [k.symbol, k]));
const MINUTES_PER_DAY = 1440;
/** Slow to fast waves (period in days, amplitude in daily vols): trends over months, swings over days. */
const WAVES = [
  { days: 90, amplitude: 8 },
  { days: 17, amplitude: 2.5 },
  { days: 3.3, amplitude: 0.5 },
] as const;
/** Smoothed noise: knots every 30 minutes, interpolated, so consecutive 5-minute steps stay close. */
const KNOT_MINUTES = 30;
const KNOT_AMPLITUDE = 0.7;
const MINUTE_NOISE = 0.05;

/** IB's usual US stock increments: a cent, or a hundredth of a cent under one dollar. */
export function defaultMinTick(price: number): number {
  return price < 1 ? 0.0001 : 0.01;
}

/** Rounds a price to a multiple of the tick, exactly in decimal: down, up or to the nearest. */
export function roundToTick(price: number, tick: number, mode: 'down' | 'up' | 'nearest'): number {
  const rounding = mode === 'down' ? Decimal.ROUND_FLOOR : mode === 'up' ? Decimal.ROUND_CEIL : Decimal.ROUND_HALF_UP;
  return new Decimal(price).div(tick).toDecimalPlaces(0, rounding).times(tick).toNumber();
}

/** True when the price is an exact multiple of the tick. */
export function isOnTick(price: number, tick: number): boolean {
  return new Decimal(price).mod(tick).isZero();
}

/** A uniform number in [0, 1) hashed from the parts (FNV-1a, then a murmur3 finaliser to spread the bits). */
export function hashUnit(...parts: (string | number)[]): number {
  return hash32(parts.join('|')) / 2 ** 32;
}

/** A seeded random source (mulberry32) for a sequence of draws keyed by the parts. */
export function createRandom(...parts: (string | number)[]): () => number {
  let state = hash32(parts.join('|'));
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The unrounded midpoint of a universe ticker at an instant. */
export function midAt(seed: number, symbol: string, isoTime: string): number {
  const ticker = tickerOf(symbol);
  const minute = Math.floor(parseInstant(isoTime).toMillis() / 60_000);
  let deviation = 0;
  WAVES.forEach((wave, k) => {
    const phase = 2 * Math.PI * hashUnit(seed, symbol, 'wave', k);
    deviation += wave.amplitude * Math.sin((2 * Math.PI * minute) / (wave.days * MINUTES_PER_DAY) + phase);
  });
  const knot = Math.floor(minute / KNOT_MINUTES);
  const frac = (minute - knot * KNOT_MINUTES) / KNOT_MINUTES;
  const smooth = frac * frac * (3 - 2 * frac);
  const a = hashUnit(seed, symbol, 'knot', knot) * 2 - 1;
  const b = hashUnit(seed, symbol, 'knot', knot + 1) * 2 - 1;
  deviation += KNOT_AMPLITUDE * (a + (b - a) * smooth);
  deviation += MINUTE_NOISE * (hashUnit(seed, symbol, 'minute', minute) * 2 - 1);
  return ticker.basePrice * Math.exp(ticker.dailyVol * deviation);
}

/**
 * The quote of a universe ticker at exactly `isoTime`: bid and ask on the tick around the path, `last`
 * inside the spread, `close` the path at the previous session's close. Throws for a symbol not in the universe.
 */
export function quoteAt(seed: number, symbol: string, isoTime: string): Quote {
  const ticker = tickerOf(symbol);
  const tick = ticker.minTick;
  const mid = midAt(seed, symbol, isoTime);
  const minute = Math.floor(parseInstant(isoTime).toMillis() / 60_000);
  const half = Math.max(tick / 2, (mid * ticker.halfSpreadBps * (0.8 + 0.4 * hashUnit(seed, symbol, 'spread', minute))) / 10_000);
  const bid = Math.max(tick, roundToTick(mid - half, tick, 'down'));
  const ask = Math.max(roundToTick(mid + half, tick, 'up'), new Decimal(bid).plus(tick).toNumber());
  const last = roundToTick(bid + (ask - bid) * hashUnit(seed, symbol, 'last', minute), tick, 'nearest');
  const close = roundToTick(midAt(seed, symbol, previousSessionClose(isoTime, NYSE_RULES)), tick, 'nearest');
  return { symbol, bid, ask, last, close };
}

/** The universe as a {@link SimMarket}: outside the session, quotes stay at the last close, as a real feed does. */
export function universeMarket(seed: number): SimMarket {
  return {
    symbols: () => UNIVERSE.map((k) => k.symbol),
    contract: (symbol) => {
      const k = BY_SYMBOL.get(symbol);
      return k && { symbol, minTick: k.minTick, primaryExchange: k.primaryExchange, currency: UNIVERSE_ACCOUNT.currency };
    },
    quoteAt: (symbol, time) => (BY_SYMBOL.has(symbol) ? quoteAt(seed, symbol, lastMarketTime(time, NYSE_RULES)) : undefined),
  };
}

function tickerOf(symbol: string): Ticker {
  const ticker = BY_SYMBOL.get(symbol);
  if (ticker === undefined) throw new RangeError(`not a simulator universe ticker: ${symbol}`);
  return ticker;
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
