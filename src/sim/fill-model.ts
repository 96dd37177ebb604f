import { DateTime } from 'luxon';
import {
  NYSE_RULES,
  parseInstant,
  sessionOn,
  sessionRangesOn,
  toIsoUtc,
  tradingDayOf,
  zoneOf,
  type SessionRules,
} from '../core/session.js';
import { simRulesOf } from './exchange-hours.js';
import type { ContractInfo, PriceIncrement, Quote, Side } from '../core/types.js';
import { conformsToContract, roundToGrid, tickOf } from './market-rules.js';
import { createRandom, type SimMarket } from './universe.js';

/**
 * How simulated limit orders fill, shared by the `sim` broker and the simulated IB Gateway so both behave
 * alike. Pure: the market advances in fixed steps of session time, and every draw comes from a random
 * source keyed by (seed, order id, step), so a replay gives the same fills.
 */

/** Minutes between two market steps. */
export const STEP_MINUTES = 5;

export interface FillParams {
  /** Chance, 0..1, that a step fills only part of what it could. */
  partialFillProbability: number;
  /** Most value one order fills in one step: large orders take several steps. */
  maxStepValue: number;
}

export const DEFAULT_FILL_PARAMS: FillParams = { partialFillProbability: 0.2, maxStepValue: 250_000 };

/** The part of an open order the fill model looks at. */
export interface WorkingOrder {
  side: Side;
  limitPrice: number;
  /** Shares still to fill (> 0). */
  remaining: number;
  minTick: number;
  /** The contract's market rule (see market-rules.ts): fill prices conform to it. Absent: minTick at every price. */
  priceIncrements?: readonly PriceIncrement[];
}

export interface Fill {
  quantity: number;
  price: number;
}

/** The touch the order trades against; a quote with only `last` trades at it on both sides. */
function touchOf(quote: Quote): { bid: number; ask: number } | undefined {
  const valid = (x: number | undefined): x is number => x !== undefined && Number.isFinite(x) && x > 0;
  const bid = valid(quote.bid) ? quote.bid : quote.last;
  const ask = valid(quote.ask) ? quote.ask : quote.last;
  return valid(bid) && valid(ask) && bid <= ask ? { bid, ask } : undefined;
}

/** True when the order can trade now: a BUY limit at or above the ask, a SELL limit at or below the bid. */
export function isMarketable(order: WorkingOrder, quote: Quote): boolean {
  const touch = touchOf(quote);
  if (touch === undefined) return false;
  return order.side === 'BUY' ? order.limitPrice >= touch.ask : order.limitPrice <= touch.bid;
}

/**
 * The fills of one order in one market step. Nothing while the session is closed or the order is not
 * marketable (it waits for the path to cross its limit). A marketable order fills between the midpoint and
 * the touch (Adaptive's price improvement), rounded to the contract's grid in the client's favour, so never worse than
 * its limit; its size is capped by `maxStepValue` and, with `partialFillProbability`, cut to a part.
 */
export function simulateFills(
  order: WorkingOrder,
  quote: Quote,
  sessionOpen: boolean,
  random: () => number,
  params: FillParams = DEFAULT_FILL_PARAMS,
): Fill[] {
  const touch = touchOf(quote);
  if (!sessionOpen || order.remaining <= 0 || touch === undefined || !isMarketable(order, quote)) return [];
  const mid = (touch.bid + touch.ask) / 2;
  const improvement = random();
  const price =
    order.side === 'BUY'
      ? Math.min(order.limitPrice, roundToGrid(order, mid + improvement * (Math.min(touch.ask, order.limitPrice) - mid), 'down'))
      : Math.max(order.limitPrice, roundToGrid(order, mid - improvement * (mid - Math.max(touch.bid, order.limitPrice)), 'up'));
  if (!(price > 0)) return [];
  const cap = Math.max(1, Math.floor(params.maxStepValue / price));
  let quantity = Math.min(order.remaining, cap);
  if (random() < params.partialFillProbability) quantity = Math.max(1, Math.floor(quantity * (0.2 + 0.6 * random())));
  return [{ quantity, price }];
}

/**
 * Why the venue refuses an order, as IB says it (error code and text), or undefined when it accepts it:
 * an unknown ticker (200), a ticker the scenario rejects or a quantity that is not a positive whole number
 * (201), a limit price that is not positive or off the contract's grid at that price (110: its market rule's
 * increment there, else its minTick).
 */
export function orderRejection(
  order: { symbol: string; quantity: number; limitPrice: number },
  contract: ContractInfo | undefined,
  rejectSymbols: ReadonlySet<string>,
): { code: number; message: string } | undefined {
  const { symbol, quantity, limitPrice } = order;
  if (contract === undefined) return { code: 200, message: `No security definition has been found for the request (${symbol})` };
  if (rejectSymbols.has(symbol)) return { code: 201, message: `Order rejected - reason: the scenario rejects orders for ${symbol}` };
  if (!Number.isInteger(quantity) || quantity <= 0) {
    return { code: 201, message: `Order rejected - reason: quantity must be a positive whole number, got ${quantity}` };
  }
  if (!(limitPrice > 0) || !conformsToContract(contract, limitPrice)) {
    return {
      code: 110,
      message: `The price does not conform to the minimum price variation for this contract: ${symbol} limit ${limitPrice}, tick ${tickOf(contract, limitPrice)}`,
    };
  }
  return undefined;
}

/** The random source of one order at one step: the same (seed, order, instant) always draws the same. */
export function fillRandom(seed: number, orderId: number, time: string): () => number {
  return createRandom(seed, 'fill', orderId, Math.floor(parseInstant(time).toMillis() / 60_000));
}

/** A market event: a fill step inside the session, or a session close (when DAY orders expire). */
export type MarketEvent = { kind: 'step'; time: string } | { kind: 'close'; time: string };

/**
 * The market events in (from, to], in time order: steps every {@link STEP_MINUTES} from each session's open
 * (before its close), then the close. Lazy, so a caller with nothing left to do stops early after a long gap.
 */
export function* marketEvents(from: string, to: string, rules: SessionRules = NYSE_RULES): Generator<MarketEvent> {
  const start = parseInstant(from).toMillis();
  const end = parseInstant(to).toMillis();
  const lastDay = tradingDayOf(to, rules);
  for (let day = tradingDayOf(from, rules); day <= lastDay; day = nextDay(day, rules)) {
    const session = sessionOn(day, rules);
    if (session === undefined) continue;
    // Steps in each part of the session (no steps in a midday break); DAY orders end at the day's last close.
    for (const range of sessionRangesOn(day, rules)) {
      const open = parseInstant(range.open).toMillis();
      const close = parseInstant(range.close).toMillis();
      for (let t = open; t < close && t <= end; t += STEP_MINUTES * 60_000) {
        if (t > start) yield { kind: 'step', time: toIsoUtc(DateTime.fromMillis(t)) };
      }
    }
    const close = parseInstant(session.close).toMillis();
    if (close > start && close <= end) yield { kind: 'close', time: session.close };
  }
}

/** A market event of one group of listings that share their hours (the NYSE calendar's, or one listing's own). */
interface GroupEvent {
  event: MarketEvent;
  /** The symbols the event is for; undefined: every symbol without hours of its own. */
  symbols?: ReadonlySet<string>;
}

/**
 * The market events of every listing in (from, to], in time order: the NYSE calendar's for the listings that follow
 * it, and each listing's own for those with hours of their own (a market abroad). A listing whose hours cannot be
 * read has no events: its orders never work.
 */
function* groupedEvents(from: string, to: string, market: SimMarket): Generator<GroupEvent> {
  const own = market.symbols().flatMap((symbol) => {
    const hours = market.hoursOf?.(symbol);
    return hours === undefined ? [] : [{ symbol, rules: simRulesOf(hours) }];
  });
  if (own.length === 0) {
    for (const event of marketEvents(from, to)) yield { event };
    return;
  }
  const sources: { next: IteratorResult<MarketEvent>; it: Generator<MarketEvent>; symbols?: ReadonlySet<string> }[] = [];
  const add = (it: Generator<MarketEvent>, symbols?: ReadonlySet<string>): void => {
    sources.push({ it, next: it.next(), ...(symbols === undefined ? {} : { symbols }) });
  };
  add(marketEvents(from, to));
  for (const o of own) if (o.rules !== undefined) add(marketEvents(from, to, o.rules), new Set([o.symbol]));
  for (;;) {
    let best: (typeof sources)[number] | undefined;
    for (const source of sources) {
      if (source.next.done === true) continue;
      if (
        best === undefined ||
        parseInstant(source.next.value.time).toMillis() <
          parseInstant((best.next as IteratorYieldResult<MarketEvent>).value.time).toMillis()
      )
        best = source;
    }
    if (best === undefined || best.next.done === true) return;
    const event = best.next.value;
    best.next = best.it.next();
    yield { event, ...(best.symbols === undefined ? {} : { symbols: best.symbols }) };
  }
}

/** What the market replay reads of an order (the sim broker's orders fit it). */
export interface ReplayOrder {
  orderId: number;
  symbol: string;
  action: Side;
  limitPrice: number;
  quantity: number;
  filled: number;
  minTick: number;
  submittedAt: string;
}

/** What happens to one order: it works at a step (`step`), fills, or expires at the close (DAY). */
export type ReplayEvent<O> =
  | { kind: 'step'; order: O; time: string }
  | { kind: 'fill'; order: O; fill: Fill; time: string }
  | { kind: 'expire'; order: O; time: string };

/** The fills of one working order at one instant inside the session, against the market's quote then. */
export function fillsAt(order: ReplayOrder, time: string, market: SimMarket, seed: number, params: FillParams): Fill[] {
  const quote = market.quoteAt(order.symbol, time);
  if (quote === undefined) return [];
  const contract = market.contract(order.symbol);
  const bands = contract?.priceIncrements;
  const working: WorkingOrder = {
    side: order.action,
    limitPrice: order.limitPrice,
    remaining: order.quantity - order.filled,
    minTick: order.minTick,
    ...(bands === undefined ? {} : { priceIncrements: bands }),
  };
  // maxStepValue is money in the currency; a pence line's prices are 1/priceMagnifier of it.
  const magnifier = contract?.priceMagnifier ?? 1;
  const scaled = magnifier === 1 ? params : { ...params, maxStepValue: params.maxStepValue * magnifier };
  return simulateFills(working, quote, true, fillRandom(seed, order.orderId, time), scaled);
}

/**
 * Replays the market over (from, to] for the orders `working()` returns (asked again at each event). Lazy:
 * the caller applies each event (books the fill, cancels the order) before the next one is computed, and the
 * replay stops as soon as no order is working. Only orders submitted by then take part.
 */
export function* replayMarket<O extends ReplayOrder>(
  working: () => O[],
  from: string,
  to: string,
  market: SimMarket,
  seed: number,
  params: FillParams,
): Generator<ReplayEvent<O>> {
  const own = new Set(market.symbols().filter((symbol) => market.hoursOf?.(symbol) !== undefined));
  const ownHours = (symbol: string): boolean => own.has(symbol);
  for (const { event, symbols } of groupedEvents(from, to, market)) {
    const all = working();
    if (all.length === 0) return;
    const orders = all.filter((o) => (symbols === undefined ? !ownHours(o.symbol) : symbols.has(o.symbol)));
    const at = parseInstant(event.time).toMillis();
    for (const order of orders) {
      const submitted = parseInstant(order.submittedAt).toMillis();
      if (event.kind === 'close' && submitted < at) yield { kind: 'expire', order, time: event.time };
      if (event.kind !== 'step' || submitted > at) continue;
      yield { kind: 'step', order, time: event.time };
      for (const fill of fillsAt(order, event.time, market, seed, params)) yield { kind: 'fill', order, fill, time: event.time };
    }
  }
}

function nextDay(day: string, rules: SessionRules): string {
  return DateTime.fromISO(day, { zone: zoneOf(rules) })
    .plus({ days: 1 })
    .toFormat('yyyy-MM-dd');
}
