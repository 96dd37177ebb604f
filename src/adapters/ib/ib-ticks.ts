/**
 * Market data tick types → quote fields. Pure.
 *
 * A snapshot arrives as tickPrice messages keyed by tick type: live types 1/2/4/9, or their delayed twins
 * 66/67/68/75 when the account has no subscription and market data type 3 was asked for.
 */
import type { Quote } from '../../core/types.js';

type PriceField = 'bid' | 'ask' | 'last' | 'close';

interface TickMeaning {
  field: PriceField;
  delayed: boolean;
}

/** The tick types a quote is built from; every other type (sizes, highs, lows, volume) is ignored. */
export const PRICE_TICKS: ReadonlyMap<number, TickMeaning> = new Map([
  [1, { field: 'bid', delayed: false }],
  [2, { field: 'ask', delayed: false }],
  [4, { field: 'last', delayed: false }],
  [9, { field: 'close', delayed: false }],
  [66, { field: 'bid', delayed: true }],
  [67, { field: 'ask', delayed: true }],
  [68, { field: 'last', delayed: true }],
  [75, { field: 'close', delayed: true }],
]);

/**
 * A usable price: IB sends -1 for "no price" (and 0 or an empty field when there is none); a stock never
 * trades at or below zero.
 */
export function isUsablePrice(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

/** Collects the ticks of one snapshot. Live ticks win over delayed ones for the same field. */
export class QuoteTicks {
  private readonly live: Partial<Record<PriceField, number>> = {};
  private readonly delayed: Partial<Record<PriceField, number>> = {};
  private delayedNotice = false;

  constructor(readonly symbol: string) {}

  /** Records one tickPrice; returns false when the tick type is not part of a quote. */
  addPrice(tickType: number, value: number | undefined): boolean {
    const meaning = PRICE_TICKS.get(tickType);
    if (meaning === undefined) return false;
    if (!isUsablePrice(value)) return true;
    (meaning.delayed ? this.delayed : this.live)[meaning.field] = value;
    return true;
  }

  /** IB said the data is delayed (notice 10167, or marketDataType 3/4). */
  markDelayed(): void {
    this.delayedNotice = true;
  }

  /** The quote, or undefined when no field carries a usable price. */
  toQuote(): Quote | undefined {
    const fields: PriceField[] = ['bid', 'ask', 'last', 'close'];
    const quote: Quote = { symbol: this.symbol };
    let usedDelayed = false;
    let any = false;
    for (const field of fields) {
      const value = this.live[field] ?? this.delayed[field];
      if (value === undefined) continue;
      quote[field] = value;
      any = true;
      if (this.live[field] === undefined) usedDelayed = true;
    }
    if (!any) return undefined;
    // Any sign of delay marks the whole quote: claiming live data that is 15 minutes old would be worse.
    if (usedDelayed || this.delayedNotice) quote.delayed = true;
    return quote;
  }
}
