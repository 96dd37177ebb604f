import { Decimal } from 'decimal.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { parseRatio, type SplitRatio } from '../core/splits.js';
import { parseInstant } from '../core/session.js';
import { isFinal } from '../core/order-status.js';
import type { Quote } from '../core/types.js';
import { eventKeys, openOf } from './scenario-events.js';
import type { SimState } from './sim-state.js';
import { roundToTick, type SimMarket } from './universe.js';
import { quoteOnGrid, tickOf } from './market-rules.js';

/**
 * Scheduled splits of a scenario (`events`): `{ "type": "split", "symbol": "AAPL", "ratio": "4:1", "exDate":
 * "2026-11-24" }`, N new shares for M old (`"1:10"` a reverse split). At 09:30 New York on the ex-date, applied
 * once (the state file lists it among `appliedEvents`): the position becomes floor(|quantity| x N / M) shares
 * (sign kept), its average cost is multiplied by M / N, the fraction left over is paid in cash at the new price
 * (cash in lieu), and the ticker's open orders are cancelled, as IB cancels them on a split. From that instant the
 * ticker's quotes (bid, ask, last and the previous close) are the scenario's times M / N, on the tick.
 */

const RATIO = 'expected a split ratio "N:M" (N new shares for M old, whole numbers > 0, N != M), e.g. "4:1" or "1:10"';

export const splitEventSchema = <S extends z.ZodType<string>>(symbol: S) =>
  z.strictObject({
    type: z.literal('split'),
    symbol,
    ratio: z.string({ error: RATIO }).refine((text) => parseRatio(text) !== undefined, { error: RATIO }),
    exDate: z
      .string({ error: 'expected a date YYYY-MM-DD' })
      .refine((text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text).isValid, { error: 'expected a date YYYY-MM-DD' }),
  });

export interface SplitEvent {
  type: 'split';
  symbol: string;
  ratio: string;
  exDate: string;
}

export function isSplitEvent(event: { type: string }): event is SplitEvent {
  return event.type === 'split';
}

/** A split due at its ex-date's open, keyed like the other events' stages (its key goes in `appliedEvents`). */
export interface SplitStage {
  key: string;
  at: string;
  stage: 'split';
  event: SplitEvent;
  ratio: SplitRatio;
  index: number;
}

export function splitEventStages(events: readonly { type: string }[]): SplitStage[] {
  const keys = eventKeys(events);
  return events.flatMap((event, index): SplitStage[] => {
    if (!isSplitEvent(event)) return [];
    const ratio = parseRatio(event.ratio);
    if (ratio === undefined) return [];
    return [{ key: keys[index] ?? '', at: openOf(event.exDate), stage: 'split', event, ratio, index }];
  });
}

export function isSplitStage(stage: { stage: string }): stage is SplitStage {
  return stage.stage === 'split';
}

/**
 * Applies a split to the state: the position, its average cost, cash in lieu of the fraction at the price after
 * the split (`market`'s at the stage's instant, its split already in it), and the ticker's open orders cancelled
 * at `now`. Once per key.
 */
export function applySplitStage(state: SimState, stage: SplitStage, now: string, market: SimMarket): void {
  const applied = (state.appliedEvents ??= []);
  if (applied.includes(stage.key)) return;
  applied.push(stage.key);
  const { symbol } = stage.event;
  const { to, from } = stage.ratio;
  for (const order of state.orders) {
    if (order.symbol !== symbol || isFinal(order.status)) continue;
    Object.assign(order, { status: 'Cancelled', message: `cancelled: ${stage.event.ratio} split of ${symbol}`, completedAt: now });
  }
  const pos = state.positions[symbol];
  if (pos === undefined || pos.quantity === 0) return;
  const exact = new Decimal(Math.abs(pos.quantity)).times(to).div(from);
  const whole = exact.floor();
  const fraction = exact.minus(whole);
  const sign = pos.quantity < 0 ? -1 : 1;
  const q = market.quoteAt(symbol, stage.at);
  // Per share in the currency itself: a quote in 1/priceMagnifier of it (pence) is divided, the average cost is not.
  const magnifier = market.contract(symbol)?.priceMagnifier ?? 1;
  const quoted = q?.last ?? (q?.bid !== undefined && q.ask !== undefined ? (q.bid + q.ask) / 2 : undefined);
  const markAfter =
    quoted === undefined ? new Decimal(pos.avgCost).times(from).div(to).toNumber() : new Decimal(quoted).div(magnifier).toNumber();
  // Cash in lieu: a long's fraction is sold, a short's bought back, at the price after the split.
  if (!fraction.isZero()) state.cash = new Decimal(state.cash).plus(fraction.times(markAfter).times(sign)).toDecimalPlaces(2).toNumber();
  pos.quantity = whole.times(sign).toNumber();
  pos.avgCost = pos.quantity === 0 ? 0 : new Decimal(pos.avgCost).times(from).div(to).toDecimalPlaces(8).toNumber();
}

/**
 * The market with the scenario's splits in its prices: from 09:30 New York on an ex-date, every price of the
 * ticker times M / N (on the tick). A market without splits is returned as it is.
 */
export function withSplits(market: SimMarket, events: readonly { type: string }[]): SimMarket {
  const splits = splitEventStages(events).map((s) => ({ symbol: s.event.symbol, ms: parseInstant(s.at).toMillis(), ratio: s.ratio }));
  if (splits.length === 0) return market;
  const factorAt = (symbol: string, time: string): Decimal => {
    const t = parseInstant(time).toMillis();
    return splits.filter((s) => s.symbol === symbol && s.ms <= t).reduce((f, s) => f.times(s.ratio.from).div(s.ratio.to), new Decimal(1));
  };
  return {
    symbols: () => market.symbols(),
    contract: (symbol) => market.contract(symbol),
    // The listing's own hours pass through: a market abroad keeps them under dividends and splits.
    hoursOf: (symbol) => market.hoursOf?.(symbol),
    quoteAt: (symbol, time): Quote | undefined => {
      const q = market.quoteAt(symbol, time);
      if (q === undefined) return undefined;
      const f = factorAt(symbol, time);
      if (f.eq(1)) return q;
      const contract = market.contract(symbol);
      // On the listing's grid at the new price (its market rule's band, else its tick); bid and ask then onto it.
      const tickAt = (price: number) => (contract === undefined ? 0.01 : tickOf(contract, price));
      const scale = (price: number | undefined) => {
        if (price === undefined) return undefined;
        const moved = f.times(price).toNumber();
        return Math.max(tickAt(moved), roundToTick(moved, tickAt(moved), 'nearest'));
      };
      return quoteOnGrid({ ...q, bid: scale(q.bid), ask: scale(q.ask), last: scale(q.last), close: scale(q.close) }, contract);
    },
  };
}
