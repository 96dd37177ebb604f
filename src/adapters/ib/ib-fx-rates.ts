/**
 * Exchange rates from IB's FX market, for the currencies an account's ledger does not list (IB's `$LEDGER:ALL` rates
 * only the currencies the account holds, so an SGD account buying its first USD listing has no USD rate there).
 *
 * One market data snapshot per currency C (same machinery as ib-quotes.ts: reqMktData snapshot, the pacing bucket,
 * at most MARKET_DATA_LINES in flight, MARKET_DATA_TIMEOUT_MS each) of the IDEALPRO CASH pair between C and the base
 * currency B. IB lists each pair in one orientation only (USD.SGD, never SGD.USD), so the market's convention is
 * asked first and, when IB answers 200 (no such contract), the other orientation once. The contract is built by hand:
 * @stoqey/ib's `Forex` helper turns pairs such as USD.SGD round (docs/research/multi-currency.md, 1.2).
 *
 * FX has no trades: only a two-sided, positive, uncrossed bid/ask gives a rate, its midpoint (pair C.B) or one over it
 * (pair B.C). Anything else leaves the currency out with the reason; a rate is never guessed (no close, no last).
 * Each rate carries the quote it came from (`market`: the pair in IB's orientation, its bid and ask), on which
 * FX_POLICY=convert prices its conversions.
 */
import { Decimal } from 'decimal.js';
import { SecType, type Contract } from '@stoqey/ib';
import type { ExchangeRate } from '../../core/types.js';
import type { LeftOut } from '../../ports/broker.js';
import { runPool } from './concurrency.js';
import { explainIbMessage, isNotice } from './ib-codes.js';
import type { IbLog } from './ib-log.js';
import type { IbSession } from './ib-session.js';
import { PRICE_TICKS, isUsablePrice } from './ib-ticks.js';

/** Notice 10167: no live subscription, delayed data shown instead. */
const DELAYED_DATA_NOTICE = 10167;
/** Error 200: no security definition (here: IB does not list the pair in this orientation). */
const NO_SECURITY_DEFINITION = 200;
/** The widest bid/ask spread, as a fraction of the midpoint, whose midpoint is taken for a rate. */
const MAX_SPREAD = 0.01;

/** Significant digits a rate keeps (one over a midpoint has no end). */
const RATE_DIGITS = 10;

export interface FxRateOptions {
  /** MARKET_DATA_LINES: snapshots in flight at once. */
  lines: number;
  /** MARKET_DATA_TIMEOUT_MS: how long one snapshot may take. */
  timeoutMs: number;
  /** The adapter's clock (ISO 8601): each rate is stamped when its snapshot ends. */
  now: () => string;
  log: IbLog;
}

/** An IDEALPRO pair: `symbol` is its first currency, `currency` the one it is quoted in (USD.SGD: USD, SGD). */
export interface FxPair {
  symbol: string;
  currency: string;
}

/** The pair's name as IB writes it: `USD.SGD`. */
export const pairName = (p: FxPair): string => `${p.symbol}.${p.currency}`;

/**
 * The market's order of currencies in a pair name: the majors in this order (EUR.GBP, GBP.USD, AUD.NZD, USD.CAD,
 * CAD.CHF), then the rest by code, JPY always last (SGD.JPY). A first guess only: for pairs of two minor currencies IB's
 * listing has its own order (SGD.HKD, not HKD.SGD), which the retry on error 200 finds.
 */
const MAJORS = ['EUR', 'GBP', 'AUD', 'NZD', 'USD', 'CAD', 'CHF'];

function rank(currency: string): [number, string] {
  const i = MAJORS.indexOf(currency);
  if (i >= 0) return [i, ''];
  return [currency === 'JPY' ? MAJORS.length + 1 : MAJORS.length, currency];
}

/** The conventional pair of two currencies: the one the market names first is the symbol. */
export function conventionalPair(a: string, b: string): FxPair {
  const [ra, na] = rank(a);
  const [rb, nb] = rank(b);
  const aFirst = ra !== rb ? ra < rb : na < nb;
  return aFirst ? { symbol: a, currency: b } : { symbol: b, currency: a };
}

/** The IDEALPRO CASH contract of a pair, built field by field (never @stoqey/ib's `Forex`). */
export function cashContract(pair: FxPair): Contract {
  return { secType: SecType.CASH, exchange: 'IDEALPRO', symbol: pair.symbol, currency: pair.currency };
}

/** A side of a snapshot as IB sent it: undefined when no tick came for it. */
export interface FxSides {
  bid?: number;
  ask?: number;
}

/**
 * The rate of `currency` in base units from a snapshot of `pair`, or why there is none. Pure. The midpoint of a
 * two-sided, positive bid/ask with the bid not above the ask (a locked quote still has a midpoint); over pair B.C the
 * rate is one over it; either way rounded to 10 significant digits. The bid and ask it was taken from come with it.
 */
export function rateFromSides(
  pair: FxPair,
  currency: string,
  sides: FxSides,
): { rate: number; bid: number; ask: number } | { why: string } {
  const name = pairName(pair);
  const { bid, ask } = sides;
  if (!isUsablePrice(bid) || !isUsablePrice(ask)) {
    return { why: `the IDEALPRO ${name} quote is not two-sided (bid ${shown(bid)}, ask ${shown(ask)}): FX has no last price, so no rate` };
  }
  if (bid > ask) return { why: `the IDEALPRO ${name} quote is crossed (bid ${bid} above ask ${ask}): no rate` };
  const mid = new Decimal(bid).plus(ask).dividedBy(2);
  // IDEALPRO's spreads are a few basis points; one of a percent is a bad tick or a dead market: its midpoint is no rate.
  const spread = new Decimal(ask).minus(bid).dividedBy(mid);
  if (spread.gt(MAX_SPREAD)) {
    return {
      why: `the IDEALPRO ${name} quote is too wide to trust (bid ${bid}, ask ${ask}: ${spread.times(100).toDecimalPlaces(2).toString()}% of its midpoint, over ${MAX_SPREAD * 100}%): no rate`,
    };
  }
  const rate = (pair.symbol === currency ? mid : new Decimal(1).dividedBy(mid)).toSignificantDigits(RATE_DIGITS);
  return { rate: rate.toNumber(), bid, ask };
}

const shown = (value: number | undefined): string => (value === undefined ? 'none' : String(value));

/**
 * The rate of each currency in `baseCurrency` units from IDEALPRO; a currency without one is absent (and why in
 * `leftOut`). The base currency itself is 1.
 */
export async function readExchangeRates(
  session: IbSession,
  baseCurrency: string,
  currencies: readonly string[],
  options: FxRateOptions,
  leftOut: LeftOut = {},
): Promise<Record<string, ExchangeRate>> {
  session.assertUsable();
  const out: Record<string, ExchangeRate> = {};
  const asked: string[] = [];
  for (const currency of new Set(currencies)) {
    if (currency === baseCurrency) out[currency] = { rate: 1, at: options.now(), source: `${baseCurrency} is the base currency` };
    else if (!/^[A-Z]{3}$/.test(currency) || !/^[A-Z]{3}$/.test(baseCurrency))
      leftOut[currency] ??= `no rate asked: ${currency}.${baseCurrency} is not a pair of 3-letter currency codes`;
    else asked.push(currency);
  }
  const rates = await runPool(asked, options.lines, (currency) => rateOf(session, baseCurrency, currency, options, leftOut));
  asked.forEach((currency, i) => {
    const rate = rates[i];
    if (rate !== undefined) out[currency] = rate;
  });
  return out;
}

/** The conventional pair first; on error 200 the other orientation, once. */
async function rateOf(
  session: IbSession,
  base: string,
  currency: string,
  options: FxRateOptions,
  leftOut: LeftOut,
): Promise<ExchangeRate | undefined> {
  const leaveOut = (why: string): undefined => {
    options.log.warn({ currency, base }, `no ${currency} rate: ${why}`);
    leftOut[currency] ??= why;
    return undefined;
  };
  const first = conventionalPair(currency, base);
  const second = { symbol: first.currency, currency: first.symbol };
  let pair = first;
  let answer = await snapshot(session, pair, options);
  if (answer.kind === 'unknown') {
    pair = second;
    answer = await snapshot(session, pair, options);
  }
  if (answer.kind === 'unknown') {
    return leaveOut(
      `IB lists no IDEALPRO pair of ${currency} and ${base}: neither ${pairName(first)} nor ${pairName(second)} ` +
        `(IB ${NO_SECURITY_DEFINITION}: ${answer.text})`,
    );
  }
  if (answer.kind === 'failed') return leaveOut(answer.why);
  const judged = rateFromSides(pair, currency, answer.sides);
  if ('why' in judged) return leaveOut(judged.why);
  const inverted = pair.symbol === currency ? '' : ', inverted';
  const delayed = answer.delayed ? ', delayed' : '';
  return {
    rate: judged.rate,
    at: answer.at,
    source: `IDEALPRO ${pairName(pair)} midpoint${inverted}${delayed}`,
    // The pair as IB lists it and its two sides: a conversion is priced on them (rateFromSides vouched for them).
    market: { symbol: pair.symbol, currency: pair.currency, bid: judged.bid, ask: judged.ask },
  };
}

type Snapshot =
  { kind: 'quote'; sides: FxSides; delayed: boolean; at: string } | { kind: 'unknown'; text: string } | { kind: 'failed'; why: string };

/** One snapshot of a pair: its bid and ask (live ticks win over delayed ones), whether delayed, and when it ended. */
function snapshot(session: IbSession, pair: FxPair, options: FxRateOptions): Promise<Snapshot> {
  const name = pairName(pair);
  const live: FxSides = {};
  const late: FxSides = {};
  let delayedNotice = false;
  return session.operation<Snapshot>({
    label: `FX quote of ${name}`,
    timeoutMs: options.timeoutMs,
    listen: (ctx) => [
      session.events.on('tickPrice', (id, tickType, price) => {
        if (id !== ctx.id) return;
        const meaning = PRICE_TICKS.get(tickType);
        if (meaning === undefined || (meaning.field !== 'bid' && meaning.field !== 'ask')) return;
        (meaning.delayed ? late : live)[meaning.field] = price;
      }),
      session.events.on('marketDataType', (id, type) => {
        if (id === ctx.id && type >= 3) delayedNotice = true;
      }),
      session.events.on('tickSnapshotEnd', (id) => {
        if (id !== ctx.id) return;
        const pick = (side: 'bid' | 'ask'): { value: number | undefined; late: boolean } => {
          if (isUsablePrice(live[side])) return { value: live[side], late: false };
          if (isUsablePrice(late[side])) return { value: late[side], late: true };
          return { value: live[side] ?? late[side], late: false };
        };
        const bid = pick('bid');
        const ask = pick('ask');
        const sides: FxSides = {};
        if (bid.value !== undefined) sides.bid = bid.value;
        if (ask.value !== undefined) sides.ask = ask.value;
        ctx.resolve({ kind: 'quote', sides, delayed: delayedNotice || bid.late || ask.late, at: options.now() });
      }),
    ],
    onMessage: (ctx, code, text) => {
      if (code === DELAYED_DATA_NOTICE) delayedNotice = true;
      if (isNotice(code)) return;
      if (code === NO_SECURITY_DEFINITION) return ctx.resolve({ kind: 'unknown', text });
      ctx.resolve({ kind: 'failed', why: `IDEALPRO ${name}: ${explainIbMessage(code, text, name)}` });
    },
    send: (api, id) => api.reqMktData(id, cashContract(pair), '', true, false),
    onTimeout: (ctx) => {
      // Free the line: a snapshot that never ended may still hold it.
      void session.send((api) => api.cancelMktData(ctx.id)).catch(() => undefined);
      ctx.resolve({ kind: 'failed', why: `IDEALPRO ${name}: no snapshot end within ${options.timeoutMs} ms (MARKET_DATA_TIMEOUT_MS)` });
    },
  });
}
