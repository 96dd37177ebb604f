/**
 * Cash flows: money that moved in or out of the account (deposits, withdrawals, dividends, interest, fees)
 * without being a gain or a loss of the strategy. NAV_JUMP, DAILY_LOSS_LIMIT and the daily P&L take them out, so
 * a withdrawal does not halt trading and a deposit is not an alarm, while a real loss still trips exactly as
 * before. Pure.
 *
 * Where a flow comes from, best first: a person's declaration (`rebalancer cashflow`), which wins over anything
 * measured in the same interval; the broker's statement; else inferred by a run from the change in cash between
 * two account reads that no recorded execution explains, and only when nothing else could explain it (see
 * {@link inferCashFlow}): a flow inferred wrongly could hide a real loss, so when in doubt none is inferred and
 * the breakers judge NLV as it is.
 */
import { Exact, formatMoney, type Decimal } from './money.js';
import { isUsableRate } from './share-value.js';
import type { Side } from './types.js';

/** The account as one run read it. */
export interface CashReading {
  /** When the account was read (ISO 8601, the machine's clock). */
  at: string;
  cash: number;
  currency: string;
  /** Shares held then, per ticker (a ticker absent holds 0). */
  positions: ReadonlyMap<string, number>;
  /** Dividends accrued in NLV and not yet paid (IB's NetDividend; negative owed on a short); absent: not known. */
  accruedDividend?: number;
  /** Cash per currency (the broker's ledger), when it gave it; `cash` is their sum in the account's currency. */
  cashByCurrency?: ReadonlyMap<string, number>;
  /** The broker's rates at this read (base units per one unit, by currency), for the currencies it listed. */
  rates?: ReadonlyMap<string, number>;
}

/** A recorded execution: what it did to cash and to the position. `time` on the machine's clock. */
export interface CashEffect {
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** Unknown (IB's report had not come): counted as 0, which is off by a commission at most. */
  commission: number | null;
  time: string;
  /** The currency of the execution's contract; absent: not known (the account's, for an account of one currency). */
  currency?: string;
  /** The contract's price magnifier (IB's; 100 for a line quoted in pence): `price` is in 1/it of the currency. */
  priceMagnifier?: number;
  /**
   * A currency conversion of ours (FX_POLICY=convert; `symbol` is the pair, USD.SGD): no position moves; a BUY brings
   * `quantity` of the pair's first currency and takes quantity x price (and the commission) of its second, a SELL the
   * other way round. `currency` is then the second.
   */
  pair?: { symbol: string; currency: string };
  /**
   * Why what this execution did to cash is not known (its currency or price units could not be told): no flow is
   * inferred over an interval that holds it. Absent: `currency` and `priceMagnifier` say it.
   */
  unknownValue?: string;
  /**
   * Sent by the run that took the last read, after it: by causality not in that read's cash, whatever its time
   * says (the sim stamps fills at the read's own instant; IB within seconds of it). Only `now`'s quiet minutes apply.
   */
  afterLastRead?: boolean;
}

export interface InferenceInput {
  last: CashReading;
  now: CashReading;
  /** Every recorded execution (ours and anyone's in the account) with a time after `last.at - quietMinutes`. */
  executions: readonly CashEffect[];
  /** Orders whose outcome is not known: an execution may be missing. */
  unknownOutcomes: number;
  /** An execution this close to either read may not be in that read's cash yet: no inference then. */
  quietMinutes: number;
  /** Changes in cash smaller than this (in the account's currency) are not taken for flows. */
  minimum: number;
}

export type Inference =
  | { kind: 'flow'; amount: number; explained: number; description: string }
  | { kind: 'none'; description: string }
  | { kind: 'unknown'; reason: string };

/**
 * The flow in or out between two account reads, measured as the change in cash that no recorded execution
 * explains: cash(now) - cash(last) - the cash of the executions in between (a BUY takes quantity x price plus
 * commission, a SELL brings quantity x price less commission). Inferred only when the reads can be trusted to
 * be complete:
 * - the same currency at both reads;
 * - every position changed exactly by the recorded executions (an execution the records miss, a split, a
 *   transfer of shares would otherwise pass for a flow);
 * - no order of unknown outcome;
 * - no execution within `quietMinutes` of either read (IB's cash may not include it yet), except that the
 *   executions of the orders the last read's own run sent after it (`afterLastRead`) are judged only against `now`.
 * Anything else: `unknown`, and the breakers judge NLV as it is.
 */
export function inferCashFlow(input: InferenceInput): Inference {
  const { last, now } = input;
  if (last.currency !== now.currency)
    return { kind: 'unknown', reason: `the account's currency changed (${last.currency} -> ${now.currency})` };
  if (!(Date.parse(last.at) < Date.parse(now.at)))
    return { kind: 'unknown', reason: `the last account read (${last.at}) is not before this one (${now.at})` };
  if (input.unknownOutcomes > 0)
    return { kind: 'unknown', reason: `${input.unknownOutcomes} order(s) of unknown outcome: an execution may be missing` };
  const quietMs = input.quietMinutes * 60_000;
  const lastMs = Date.parse(last.at);
  const nowMs = Date.parse(now.at);
  const near = input.executions.find((e) => {
    const t = Date.parse(e.time);
    return (e.afterLastRead !== true && Math.abs(t - lastMs) < quietMs) || Math.abs(t - nowMs) < quietMs;
  });
  if (near !== undefined)
    return {
      kind: 'unknown',
      reason: `an execution (${near.side} ${near.quantity} ${near.symbol} at ${near.time}) within ${input.quietMinutes} minutes of an account read`,
    };
  const between = input.executions.filter((e) => (e.afterLastRead === true || Date.parse(e.time) > lastMs) && Date.parse(e.time) <= nowMs);
  // An execution read at the wrong rate or in the wrong units would pass its error off as a flow (and could hide a loss).
  const unvalued = between.find((e) => e.unknownValue !== undefined);
  if (unvalued !== undefined) return { kind: 'unknown', reason: unvalued.unknownValue ?? '' };
  const moved = new Map<string, Decimal>();
  let tradeCash = new Exact(0);
  for (const e of between) {
    const signed = e.side === 'BUY' ? new Exact(e.quantity) : new Exact(e.quantity).neg();
    // A conversion holds no position: it only moves cash between currencies (judged per currency below).
    if (e.pair === undefined) moved.set(e.symbol, (moved.get(e.symbol) ?? new Exact(0)).plus(signed));
    tradeCash = tradeCash.minus(signed.times(e.price).div(e.priceMagnifier ?? 1)).minus(e.commission ?? 0);
  }
  for (const symbol of new Set([...last.positions.keys(), ...now.positions.keys(), ...moved.keys()])) {
    const was = new Exact(last.positions.get(symbol) ?? 0);
    const is = new Exact(now.positions.get(symbol) ?? 0);
    const executed = moved.get(symbol) ?? new Exact(0);
    if (!is.minus(was).eq(executed))
      return {
        kind: 'unknown',
        reason: `${symbol}: position ${was.toString()} -> ${is.toString()}, but the recorded executions account for ${executed.toString()}`,
      };
  }
  // A dividend IB had accrued in NLV and now paid moved from the accrual into cash: not money from outside.
  const paid = settledAccrual(last.accruedDividend, now.accruedDividend);
  if (isForeign(input, between)) return inferPerCurrency(input, between, paid);
  const change = new Exact(now.cash).minus(last.cash);
  const unexplained = change.minus(tradeCash).minus(paid).toDecimalPlaces(2);
  const explained = tradeCash.toDecimalPlaces(2).toNumber();
  const dividends = paid.isZero() ? '' : ` and ${signedMoney(paid.toNumber())} by accrued dividends paid`;
  if (unexplained.abs().lt(input.minimum))
    return {
      kind: 'none',
      description: `cash ${signedMoney(change.toNumber())}, all of it explained by ${between.length} execution(s)${dividends}`,
    };
  const amount = unexplained.toNumber();
  return {
    kind: 'flow',
    amount,
    explained,
    description:
      `cash ${signedMoney(change.toNumber())} between ${last.at} and ${now.at}, of which ${signedMoney(explained)} by ${between.length} ` +
      `execution(s)${dividends}: ${signedMoney(amount)} ${amount > 0 ? 'came in' : 'went out'} (a deposit, withdrawal, dividend, interest or fee)`,
  };
}

/**
 * Whether money in another currency than the account's is involved: a balance in one at either read, or an execution
 * of a listing quoted in one. The account's total cash then also moves with the rates, and a purchase in a currency
 * the account borrows moves no cash of the account's own currency: the flows are measured per currency.
 */
function isForeign(input: InferenceInput, between: readonly CashEffect[]): boolean {
  const base = input.now.currency;
  const held = (r: CashReading): boolean => [...(r.cashByCurrency ?? new Map<string, number>())].some(([c, v]) => c !== base && v !== 0);
  return (
    held(input.last) || held(input.now) || between.some((e) => e.pair !== undefined || (e.currency !== undefined && e.currency !== base))
  );
}

/**
 * The flow measured per currency: in each, the change in its cash that no execution of a listing in it explains
 * (exact in that currency, whatever the rates did), valued in the account's currency at this read's rates. Unknown
 * when either read lacks the cash per currency, an execution's currency is not known, or a currency with money
 * unexplained has no rate.
 */
function inferPerCurrency(input: InferenceInput, between: readonly CashEffect[], paid: Decimal): Inference {
  const { last, now } = input;
  const base = now.currency;
  if (last.cashByCurrency === undefined || now.cashByCurrency === undefined)
    return {
      kind: 'unknown',
      reason: 'the account holds or trades other currencies, and the cash per currency is not known at both reads',
    };
  const unknownCurrency = between.find((e) => e.currency === undefined);
  if (unknownCurrency !== undefined)
    return { kind: 'unknown', reason: `the currency of an execution of ${unknownCurrency.symbol} is not known` };
  const trades = new Map<string, Decimal>();
  const book = (currency: string, by: Decimal) => trades.set(currency, (trades.get(currency) ?? new Exact(0)).plus(by));
  for (const e of between) {
    const signed = e.side === 'BUY' ? new Exact(e.quantity) : new Exact(e.quantity).neg();
    if (e.pair !== undefined) {
      // Both legs: BUY USD.SGD q at p brings q USD and takes q x p SGD (and the commission, in SGD).
      book(e.pair.symbol, signed);
      book(
        e.pair.currency,
        signed
          .times(e.price)
          .neg()
          .minus(e.commission ?? 0),
      );
      continue;
    }
    book(
      e.currency ?? base,
      signed
        .times(e.price)
        .div(e.priceMagnifier ?? 1)
        .neg()
        .minus(e.commission ?? 0),
    );
  }
  const currencies = [...new Set([base, ...last.cashByCurrency.keys(), ...now.cashByCurrency.keys(), ...trades.keys()])].sort();
  let unexplained = new Exact(0);
  let explained = new Exact(0);
  const parts: string[] = [];
  for (const currency of currencies) {
    const change = new Exact(now.cashByCurrency.get(currency) ?? 0).minus(last.cashByCurrency.get(currency) ?? 0);
    const traded = trades.get(currency) ?? new Exact(0);
    const left = change.minus(traded).minus(currency === base ? paid : 0);
    const rate = currency === base ? 1 : now.rates?.get(currency);
    if (!isUsableRate(rate)) {
      // A currency whose cash moved only by its executions needs no rate: nothing of it is unexplained.
      if (left.toDecimalPlaces(2).isZero()) continue;
      return { kind: 'unknown', reason: `${currency}: ${formatMoney(left.toNumber())} unexplained, and no ${currency} rate at this read` };
    }
    unexplained = unexplained.plus(left.times(rate));
    explained = explained.plus(traded.times(rate));
    if (!change.isZero() || !traded.isZero())
      parts.push(`${currency} ${signedMoney(change.toNumber())} (executions ${signedMoney(traded.toNumber())})`);
  }
  const amount = unexplained.toDecimalPlaces(2);
  const dividends = paid.isZero() ? '' : `, accrued dividends paid ${signedMoney(paid.toNumber())}`;
  const detail = `cash per currency between ${last.at} and ${now.at}: ${parts.join(', ') || 'unchanged'}${dividends}`;
  if (amount.abs().lt(input.minimum))
    return { kind: 'none', description: `${detail}; all of it explained by ${between.length} execution(s)` };
  const value = amount.toNumber();
  return {
    kind: 'flow',
    amount: value,
    explained: explained.toDecimalPlaces(2).toNumber(),
    description: `${detail}: ${signedMoney(value)} ${base} ${value > 0 ? 'came in' : 'went out'} at this read's rates (a deposit, withdrawal, dividend, interest or fee)`,
  };
}

/**
 * The part of the accrued dividends that was paid between two readings: the accrual moving toward zero (a long's
 * receivable paid in, a short's payable paid out) is cash that was already in NLV. An accrual that grew (an
 * ex-date) moved no cash. Unknown at either reading: none.
 */
function settledAccrual(last: number | undefined, now: number | undefined): Decimal {
  if (last === undefined || now === undefined) return new Exact(0);
  const was = new Exact(last);
  const is = new Exact(now);
  if (is.abs().gte(was.abs())) return new Exact(0);
  // Same side of zero, or gone: what left the accrual was paid.
  if (!is.isZero() && is.isNeg() !== was.isNeg()) return new Exact(0);
  return was.minus(is);
}

/** A recorded flow as the windows below need it. */
export interface FlowForWindow {
  at: string;
  amount: number;
  source: 'declared' | 'statement' | 'inferred';
  windowFrom?: string;
}

/**
 * The flows that count, each once: a declared flow wins over an inferred or a statement's one whose interval holds
 * it (the person named the same money the run measured or the broker booked).
 */
export function effectiveFlows<T extends FlowForWindow>(flows: readonly T[]): T[] {
  const declared = flows.filter((f) => f.source === 'declared');
  return flows.filter((f) => {
    if (f.source === 'declared' || f.windowFrom === undefined) return true;
    const from = f.windowFrom;
    return !declared.some((d) => d.at > from && d.at <= f.at);
  });
}

/** The sum of the flows, exact, rounded to cents. */
export function sumFlows(flows: readonly { amount: number }[]): number {
  return flows
    .reduce((sum, f) => sum.plus(f.amount), new Exact(0))
    .toDecimalPlaces(2)
    .toNumber();
}

/** "+15,000.00" / "-8,000.00". */
export function signedMoney(amount: number): string {
  return `${amount > 0 ? '+' : ''}${formatMoney(amount)}`;
}

/** A cash booking of the broker's statement, as far as flows need it (see ports/statements.ts). */
export interface StatementBooking {
  transactionId: string;
  type: string;
  currency: string;
  amount: string;
  /** YYYY-MM-DD, the exchange's date. */
  date: string;
  description: string;
}

/**
 * IB's cash transaction types that are money from or to outside the account's holdings. Dividends, payments in lieu
 * and their withholding tax are left out: IB accrues a dividend in NLV from the ex-date, so its payment moves no NLV.
 */
const FLOW_TYPES: ReadonlyMap<string, 'deposit-or-withdrawal' | 'interest' | 'fee'> = new Map([
  ['Deposits/Withdrawals', 'deposit-or-withdrawal'],
  ['Deposits & Withdrawals', 'deposit-or-withdrawal'],
  ['Broker Interest Received', 'interest'],
  ['Broker Interest Paid', 'interest'],
  ['Bond Interest Received', 'interest'],
  ['Bond Interest Paid', 'interest'],
  ['Other Fees', 'fee'],
]);

export interface StatementFlow {
  transactionId: string;
  /** The day it was booked (YYYY-MM-DD). */
  date: string;
  amount: number;
  kind: 'deposit' | 'withdrawal' | 'interest' | 'fee';
  description: string;
}

/**
 * The flows a statement books on the given days, in the account's currency: deposits and withdrawals, interest,
 * fees. Bookings in another currency are left out (their value in the account's currency is not stated).
 */
export function statementFlows(bookings: readonly StatementBooking[], o: { currency: string; days: ReadonlySet<string> }): StatementFlow[] {
  return bookings.flatMap((b) => {
    const type = FLOW_TYPES.get(b.type);
    const amount = new Exact(b.amount.trim() === '' ? Number.NaN : b.amount);
    if (type === undefined || b.currency !== o.currency || !o.days.has(b.date) || !amount.isFinite() || amount.isZero()) return [];
    const kind = type === 'deposit-or-withdrawal' ? (amount.isPos() ? 'deposit' : 'withdrawal') : type;
    return [
      {
        transactionId: b.transactionId,
        date: b.date,
        amount: amount.toDecimalPlaces(2).toNumber(),
        kind,
        description: `${b.type}: ${b.description}`,
      },
    ];
  });
}
