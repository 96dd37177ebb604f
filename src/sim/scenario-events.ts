import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { EXCHANGE_ZONE, NYSE_RULES, parseInstant, previousSessionClose, toIsoUtc, tradingDayOf } from '../core/session.js';
import type { Quote } from '../core/types.js';
import type { StatementCashTransaction } from '../ports/statements.js';
import type { SimState } from './sim-state.js';
import { roundToTick, type SimMarket } from './universe.js';
import { quoteOnGrid, tickOf } from './market-rules.js';

/**
 * Scheduled cash-flow events of a scenario (`events`), applied by the simulated account as its clock passes
 * them, each exactly once (the state file lists the stages it applied):
 *
 * - `{ "type": "deposit" | "withdrawal", "at": ISO 8601, "amount": > 0, "currency"?: the account's }`: cash
 *   moves by the amount at `at`.
 * - `{ "type": "interest", "at", "amount": non-zero }`: broker interest, positive received, negative paid.
 * - `{ "type": "fee", "at", "amount": > 0 }`: a fee debited from cash.
 * - `{ "type": "dividend", "symbol", "amountPerShare": > 0, "exDate": "YYYY-MM-DD", "payDate": "YYYY-MM-DD" }`:
 *   at 09:30 New York on the ex-date the price drops by the amount (times the contract's priceMagnifier: the amount
 *   is in pounds, a pence line's quotes in pence), and the position held then (before any fill
 *   of that instant) is entitled: IB accrues quantity x amount (negative for a short), shown as AccruedDividend
 *   and included in NetLiquidation; at 09:30 New York on the pay date cash moves by the accrual and it goes.
 *
 * The stages of an event are keyed by its content, so editing one event of a scenario does not replay another.
 */

const POSITIVE = 'expected a finite number > 0';
const positive = z.number({ error: POSITIVE }).positive({ error: POSITIVE });
const instant = z
  .string({ error: 'expected an ISO 8601 instant with its offset, e.g. 2026-12-07T15:00:00Z' })
  .refine((text) => /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && DateTime.fromISO(text, { setZone: true }).isValid, {
    error: 'expected an ISO 8601 instant with its offset, e.g. 2026-12-07T15:00:00Z',
  });
const date = z
  .string({ error: 'expected a date YYYY-MM-DD' })
  .refine((text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && DateTime.fromISO(text).isValid, { error: 'expected a date YYYY-MM-DD' });
const currency = z.string().regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter currency code' });

const cashMove = <T extends 'deposit' | 'withdrawal'>(type: T) =>
  z.strictObject({ type: z.literal(type), at: instant, amount: positive, currency: currency.optional() });

/** The event schemas of the scenario's `events` union, cash flows first (a split's schema joins them in scenario.ts). */
export const cashEventSchemas = <S extends z.ZodType<string>>(symbol: S) =>
  [
    cashMove('deposit'),
    cashMove('withdrawal'),
    z.strictObject({
      type: z.literal('interest'),
      at: instant,
      amount: z
        .number({ error: 'expected a finite non-zero number' })
        .refine((n) => n !== 0, { error: 'expected a finite non-zero number' }),
    }),
    z.strictObject({ type: z.literal('fee'), at: instant, amount: positive }),
    z
      .strictObject({ type: z.literal('dividend'), symbol, amountPerShare: positive, exDate: date, payDate: date })
      .refine((d) => d.payDate >= d.exDate, { error: 'the pay date is before the ex-date', path: ['payDate'] }),
  ] as const;

/** A cash-flow event as validated. */
export type CashEvent =
  | { type: 'deposit' | 'withdrawal'; at: string; amount: number; currency?: string | undefined }
  | { type: 'interest' | 'fee'; at: string; amount: number }
  | { type: 'dividend'; symbol: string; amountPerShare: number; exDate: string; payDate: string };

/** The event types handled here (the scenario's union may hold others, e.g. splits). */
export const CASH_EVENT_TYPES: readonly string[] = ['deposit', 'withdrawal', 'interest', 'fee', 'dividend'];

export function isCashEvent(event: { type: string }): event is CashEvent {
  return CASH_EVENT_TYPES.includes(event.type);
}

/** One stage of an event, due at `at` (ISO UTC): a cash event has one; a dividend two, its ex-date then its pay date. */
export interface EventStage {
  /** Recorded in the state's `appliedEvents` once applied. */
  key: string;
  /** The event's own key (a dividend's two stages share it). */
  eventKey: string;
  at: string;
  stage: 'cash' | 'ex' | 'pay';
  event: CashEvent;
  /** The event's index in the scenario, to order stages due at the same instant. */
  index: number;
}

/** 09:30 New York on a date: when the ex-date's price drop and a pay date's cash take effect. */
export function openOf(day: string): string {
  return toIsoUtc(DateTime.fromISO(day, { zone: EXCHANGE_ZONE }).set({ hour: 9, minute: 30, second: 0, millisecond: 0 }));
}

/**
 * A stable key for every event of the list: its type, its date and a hash of its content, with a suffix for a
 * second identical event. Other event types may share the list: the key is computed for any object.
 */
export function eventKeys(events: readonly { type: string }[]): string[] {
  const seen = new Map<string, number>();
  return events.map((event) => {
    const canonical = JSON.stringify(event, Object.keys(event).sort());
    const hash = createHash('sha256').update(canonical).digest('hex').slice(0, 10);
    const when = 'at' in event ? String(event.at) : 'exDate' in event ? String(event.exDate) : 'date' in event ? String(event.date) : '';
    const base = `${event.type}@${when}#${hash}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}.${n}`;
  });
}

/** Every stage of the cash events, in the order they take effect (ex-date before pay date at the same instant). */
export function cashEventStages(events: readonly { type: string }[]): EventStage[] {
  const keys = eventKeys(events);
  const stages: EventStage[] = [];
  events.forEach((event, index) => {
    if (!isCashEvent(event)) return;
    const eventKey = keys[index] ?? '';
    if (event.type === 'dividend') {
      stages.push({ key: `${eventKey}/ex`, eventKey, at: openOf(event.exDate), stage: 'ex', event, index });
      stages.push({ key: `${eventKey}/pay`, eventKey, at: openOf(event.payDate), stage: 'pay', event, index });
    } else {
      stages.push({ key: eventKey, eventKey, at: toIsoUtc(parseInstant(event.at)), stage: 'cash', event, index });
    }
  });
  const rank = { cash: 0, ex: 0, pay: 1 } as const;
  const ms = (s: EventStage) => parseInstant(s.at).toMillis();
  return stages.sort((a, b) => ms(a) - ms(b) || rank[a.stage] - rank[b.stage] || a.index - b.index);
}

/**
 * Applies one stage to the state at `now` (the instant it is applied: its own, or later when the clock had
 * passed it before the scenario listed it) and records it in `appliedEvents`; cash it moves is also recorded
 * in `cashTransactions`, as IB's statements list it.
 */
export function applyCashStage(state: SimState, stage: EventStage, now: string): void {
  const applied = (state.appliedEvents ??= []);
  if (applied.includes(stage.key)) return;
  applied.push(stage.key);
  const { event } = stage;
  if (event.type === 'dividend') {
    if (stage.stage === 'ex') {
      const quantity = state.positions[event.symbol]?.quantity ?? 0;
      if (quantity === 0) return;
      const amount = new Decimal(quantity).times(event.amountPerShare).toDecimalPlaces(2).toNumber();
      (state.dividendAccruals ??= []).push({
        key: stage.eventKey,
        symbol: event.symbol,
        quantity,
        amountPerShare: event.amountPerShare,
        amount,
        exDate: event.exDate,
        payDate: event.payDate,
      });
      return;
    }
    const accruals = state.dividendAccruals ?? [];
    const accrual = accruals.find((a) => a.key === stage.eventKey);
    if (accrual === undefined) return;
    state.dividendAccruals = accruals.filter((a) => a !== accrual);
    const perShare = `${state.currency} ${accrual.amountPerShare} per Share`;
    book(state, stage, now, accrual.amount, {
      type: accrual.amount < 0 ? 'Payment In Lieu Of Dividends' : 'Dividends',
      symbol: accrual.symbol,
      assetCategory: 'STK',
      date: event.payDate,
      description:
        accrual.amount < 0
          ? `${accrual.symbol} Payment in Lieu of Dividend (short ${-accrual.quantity} shares, ${perShare})`
          : `${accrual.symbol} Cash Dividend ${perShare} (Ordinary Dividend)`,
    });
    return;
  }
  const signed = event.type === 'withdrawal' || event.type === 'fee' ? -event.amount : event.amount;
  const description = {
    deposit: 'Electronic Fund Transfer',
    withdrawal: 'Disbursement Initiated by the account holder',
    interest: signed > 0 ? `${state.currency} Credit Interest` : `${state.currency} Debit Interest`,
    fee: 'Other Fees',
  }[event.type];
  const type = {
    deposit: 'Deposits/Withdrawals',
    withdrawal: 'Deposits/Withdrawals',
    interest: signed > 0 ? 'Broker Interest Received' : 'Broker Interest Paid',
    fee: 'Other Fees',
  }[event.type];
  book(state, stage, now, signed, { type, symbol: '', assetCategory: '', date: tradingDayOf(now), description });
}

function book(
  state: SimState,
  stage: EventStage,
  now: string,
  amount: number,
  what: Pick<StatementCashTransaction, 'type' | 'symbol' | 'assetCategory' | 'date' | 'description'>,
): void {
  state.cash = new Decimal(state.cash).plus(amount).toNumber();
  (state.cashTransactions ??= []).push({
    transactionId: `${state.simId}.${stage.key}`,
    ...what,
    currency: state.currency,
    amount: new Decimal(amount).toFixed(2),
    time: now,
    reportDate: tradingDayOf(now),
  });
}

/**
 * The market with the scenario's dividends taken out of prices: from 09:30 New York on an ex-date, bid, ask and
 * last are lower by the amount per share (on the tick, at least one tick), and from the next session on, the
 * previous close too. A market with no dividends is returned as it is. (A field the quote lacks stays absent.)
 */
export function withDividends(market: SimMarket, events: readonly { type: string }[]): SimMarket {
  const dividends = events
    .filter(isCashEvent)
    .flatMap((e) => (e.type === 'dividend' ? [{ ...e, exMs: parseInstant(openOf(e.exDate)).toMillis() }] : []));
  if (dividends.length === 0) return market;
  const dropAt = (symbol: string, time: string): Decimal => {
    const t = parseInstant(time).toMillis();
    return dividends.filter((d) => d.symbol === symbol && d.exMs <= t).reduce((sum, d) => sum.plus(d.amountPerShare), new Decimal(0));
  };
  return {
    symbols: () => market.symbols(),
    contract: (symbol) => market.contract(symbol),
    // The listing's own hours pass through: a market abroad keeps them under dividends and splits.
    hoursOf: (symbol) => market.hoursOf?.(symbol),
    quoteAt: (symbol, time): Quote | undefined => {
      const q = market.quoteAt(symbol, time);
      if (q === undefined) return undefined;
      // The amount is per share in the currency itself; a pence line's prices are in 1/priceMagnifier of it.
      const magnifier = market.contract(symbol)?.priceMagnifier ?? 1;
      const now = dropAt(symbol, time).times(magnifier);
      const before = dropAt(symbol, previousSessionClose(time, NYSE_RULES)).times(magnifier);
      if (now.isZero() && before.isZero()) return q;
      const contract = market.contract(symbol);
      // On the listing's grid at the new price (its market rule's band, else its tick); bid and ask then onto it.
      const tickAt = (price: number) => (contract === undefined ? 0.01 : tickOf(contract, price));
      const less = (price: number | undefined, drop: Decimal) => {
        if (price === undefined || drop.isZero()) return price;
        const moved = new Decimal(price).minus(drop).toNumber();
        return Math.max(tickAt(moved), roundToTick(moved, tickAt(moved), 'nearest'));
      };
      return quoteOnGrid(
        { ...q, bid: less(q.bid, now), ask: less(q.ask, now), last: less(q.last, now), close: less(q.close, before) },
        contract,
      );
    },
  };
}
