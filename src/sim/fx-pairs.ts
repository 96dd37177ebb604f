import { Decimal } from 'decimal.js';
import { EXCHANGE_ZONE, parseInstant, toIsoUtc } from '../core/session.js';
import { hashUnit } from './universe.js';

/**
 * The simulated gateway's FX market: IDEALPRO CASH pairs between the account's base currency and every currency the
 * scenario gives a rate (`exchangeRates`), and between any two of those. As at IB, a pair exists in one orientation
 * only, the market's convention (USD.SGD, GBP.USD, EUR.GBP, SGD.HKD, USD.JPY): a request for the other (SGD.USD)
 * finds no contract (error 200). The pair X.Y trades around rate(X) / rate(Y), each rate in base-currency units per
 * one unit (the rates the account values its cash with, at the gateway's instant).
 */

/**
 * Which currency of a pair comes first, as IB lists its pairs: the majors in their order, then the currencies whose
 * IB pairs are known to put them first (SGD.CNH, SGD.HKD, DKK.NOK, NOK.SEK, CNH.HKD), then the rest by code, and JPY
 * last (every X.JPY). A model of IB's listing, not a copy of it: a client cannot know the orientation without asking.
 */
const FIRST = ['EUR', 'GBP', 'AUD', 'NZD', 'USD', 'CAD', 'CHF', 'SGD', 'DKK', 'NOK', 'SEK', 'CNH', 'HKD'];
const LAST = 'JPY';

/**
 * The currencies IDEALPRO trades. A currency outside it (INR, TWD, BRL...) has no pair at all, whatever rate the
 * scenario gives it: the account can value it, but IB's FX market does not quote it.
 */
export const IDEALPRO_CURRENCIES: ReadonlySet<string> = new Set(
  'AED AUD CAD CHF CNH CZK DKK EUR GBP HKD HUF ILS JPY KRW MXN NOK NZD PLN SAR SEK SGD TRY USD ZAR'.split(' '),
);

/** IDEALPRO's price increments: a half pip, and half a yen-pip for pairs quoted in or against yen. */
const MIN_TICK = new Decimal('0.00005');
const MIN_TICK_JPY = new Decimal('0.005');

/** The names IB gives a pair (its first currency's), as in contract details' longName. */
const LONG_NAMES: Readonly<Record<string, string>> = {
  EUR: 'European Monetary Union Euro',
  GBP: 'British pound',
  AUD: 'Australian dollar',
  NZD: 'New Zealand dollar',
  USD: 'US dollar',
  CAD: 'Canadian dollar',
  CHF: 'Swiss franc',
  SGD: 'Singapore dollar',
  HKD: 'Hong Kong dollar',
  CNH: 'Chinese renminbi (offshore)',
  JPY: 'Japanese yen',
};

/** The part of a contract request that names a CASH pair (the gateway's parsed contract fits it). */
export interface FxContractRef {
  conId?: number;
  symbol: string;
  secType: string;
  exchange: string;
  currency: string;
}

/** A pair's conId: stable across runs and gateways (hashed as the gateway hashes a stock's, on `CASH USD.SGD`). */
function pairConId(localSymbol: string): number {
  return 100_000 + Math.floor(hashUnit('conId', `CASH ${localSymbol}`) * 899_000_000);
}

/** One IDEALPRO pair: `symbol` is its first currency, `currency` the one it is quoted in. */
export interface FxPairView {
  conId: number;
  symbol: string;
  currency: string;
  /** IB's local symbol, market name and trading class alike: `USD.SGD`. */
  localSymbol: string;
  minTick: number;
  longName: string;
}

/** The account's rate of a currency (base units per one unit; 1 for the base), undefined without one. */
export type RateOf = (currency: string) => Decimal | undefined;

function rank(currency: string): [number, string] {
  const i = FIRST.indexOf(currency);
  if (i >= 0) return [i, ''];
  return [currency === LAST ? FIRST.length + 1 : FIRST.length, currency];
}

/** True when IB lists the pair of `a` and `b` as `a.b`. */
export function isConventional(a: string, b: string): boolean {
  const [ra, na] = rank(a);
  const [rb, nb] = rank(b);
  return ra !== rb ? ra < rb : na < nb;
}

function pairView(symbol: string, currency: string): FxPairView {
  const localSymbol = `${symbol}.${currency}`;
  const jpy = symbol === LAST || currency === LAST;
  return {
    conId: pairConId(localSymbol),
    symbol,
    currency,
    localSymbol,
    minTick: (jpy ? MIN_TICK_JPY : MIN_TICK).toNumber(),
    longName: LONG_NAMES[symbol] ?? symbol,
  };
}

/** True when the request names a CASH contract (the FX market answers it, not the stock market). */
export function isCashRequest(ref: FxContractRef): boolean {
  return ref.secType.toUpperCase() === 'CASH';
}

/**
 * The pair a CASH request names, or undefined (error 200): by conId, or by symbol and currency, in the listed
 * orientation only, both currencies priced by the account. The exchange must be IDEALPRO; contract details may leave
 * it empty (`qualify`), as IB finds a contract from part of it.
 */
export function resolveFxPair(ref: FxContractRef, rateOf: RateOf, qualify = false): FxPairView | undefined {
  if (!isCashRequest(ref)) return undefined;
  const exchange = ref.exchange.toUpperCase();
  if (exchange !== 'IDEALPRO' && !(qualify && exchange === '')) return undefined;
  if (ref.conId !== undefined) {
    const found = listPairs(rateOf).find((p) => p.conId === ref.conId);
    const agrees = (sent: string, actual: string) => sent === '' || sent.toUpperCase() === actual;
    return found !== undefined && agrees(ref.symbol, found.symbol) && agrees(ref.currency, found.currency) ? found : undefined;
  }
  const symbol = ref.symbol.toUpperCase();
  const currency = ref.currency.toUpperCase();
  return isListed(symbol, currency, rateOf) ? pairView(symbol, currency) : undefined;
}

/** IB lists `a.b`: two IDEALPRO currencies, in the market's orientation, both priced by the account. */
function isListed(a: string, b: string, rateOf: RateOf): boolean {
  return (
    a !== b &&
    IDEALPRO_CURRENCIES.has(a) &&
    IDEALPRO_CURRENCIES.has(b) &&
    isConventional(a, b) &&
    rateOf(a) !== undefined &&
    rateOf(b) !== undefined
  );
}

/** Every pair the account prices, each in its listed orientation. */
function listPairs(rateOf: RateOf): FxPairView[] {
  const out: FxPairView[] = [];
  for (const a of IDEALPRO_CURRENCIES) for (const b of IDEALPRO_CURRENCIES) if (isListed(a, b, rateOf)) out.push(pairView(a, b));
  return out;
}

/** The pair's price now: rate(symbol) / rate(currency), unrounded. */
export function pairMid(pair: FxPairView, rateOf: RateOf): Decimal | undefined {
  const first = rateOf(pair.symbol);
  const second = rateOf(pair.currency);
  if (first === undefined || second === undefined || second.isZero()) return undefined;
  return first.dividedBy(second);
}

/**
 * The pair's bid and ask around `mid` on its tick grid: a tick outside the grid points that enclose the mid, so the
 * quote's midpoint is within half a tick of it (exactly it when the mid is on the grid).
 */
export function pairQuote(pair: FxPairView, mid: Decimal): { bid: number; ask: number } {
  const tick = new Decimal(pair.minTick);
  const steps = mid.dividedBy(tick);
  const bid = steps.floor().minus(1).times(tick);
  const ask = steps.ceil().plus(1).times(tick);
  return { bid: Decimal.max(tick, bid).toNumber(), ask: ask.toNumber() };
}

/** IDEALPRO's week in New York: Sunday 17:15 to Friday 17:00, with a break from 17:00 to 17:15 each day. */
const OPENS = { hour: 17, minute: 15 };
const CLOSES = { hour: 17, minute: 0 };
/** Luxon weekdays (Monday 1 ... Sunday 7) on which a session opens at 17:15: Sunday to Thursday. */
const OPENING_DAYS: ReadonlySet<number> = new Set([7, 1, 2, 3, 4]);

/** The sessions (open, close) that end after `now`, over about a week, in New York time. */
function sessionsFrom(now: string): { open: ReturnType<typeof parseInstant>; close: ReturnType<typeof parseInstant> }[] {
  const at = parseInstant(now).setZone(EXCHANGE_ZONE);
  const first = at.startOf('day').minus({ days: 1 });
  const sessions = [];
  for (let i = 0; i < 8; i++) {
    const day = first.plus({ days: i });
    if (!OPENING_DAYS.has(day.weekday)) continue;
    const open = day.set(OPENS);
    const close = day.plus({ days: 1 }).set(CLOSES);
    if (close > at) sessions.push({ open, close });
  }
  return sessions;
}

/** True while IDEALPRO trades (outside it IB quotes no bid and no ask). */
export function isFxOpen(now: string): boolean {
  const at = parseInstant(now).setZone(EXCHANGE_ZONE);
  return sessionsFrom(now).some((s) => s.open <= at && at < s.close);
}

/**
 * The pair's trading (and liquid) hours as IB sends them for IDEALPRO, US/Eastern: overnight sessions from 17:15 to
 * 17:00 the next day, Sunday to Thursday's, after a leading empty entry (`;20231203:1715-20231204:1700;...`, IB's
 * real EUR.USD frame).
 */
export function fxHoursText(now: string): string {
  const stamp = (t: ReturnType<typeof parseInstant>) => t.toFormat("yyyyMMdd':'HHmm");
  return sessionsFrom(now)
    .slice(0, 5)
    .map((s) => `;${stamp(s.open)}-${stamp(s.close)}`)
    .join('');
}

/**
 * The IDEALPRO session in progress at `now`, or the next one when it is closed (the daily break, the weekend): its
 * open and close as ISO instants. A DAY order on IDEALPRO lives until that close.
 */
export function fxSessionOf(now: string): { open: string; close: string } {
  const session = sessionsFrom(now)[0];
  if (session === undefined) throw new Error(`invariant: no IDEALPRO session after ${now}`);
  return { open: toIsoUtc(session.open), close: toIsoUtc(session.close) };
}

/**
 * The pair a conversion's symbol names (`USD.SGD`), in the listed orientation, whatever the account prices now (an
 * order's or an execution's record keeps its pair after its rates are gone); undefined for anything else.
 */
export function fxPairNamed(localSymbol: string): FxPairView | undefined {
  const parts = localSymbol.toUpperCase().split('.');
  const [a, b] = parts;
  if (parts.length !== 2 || a === undefined || b === undefined || a === b) return undefined;
  if (!IDEALPRO_CURRENCIES.has(a) || !IDEALPRO_CURRENCIES.has(b) || !isConventional(a, b)) return undefined;
  return pairView(a, b);
}

/**
 * IDEALPRO's minimum order size per currency (IB's "IDEALPRO Minimum/Maximum Order Size" table, docs/research/
 * multi-currency.md 2.2), in units of the pair's first currency (the one the quantity counts). A currency outside
 * the table: USD 25,000 or its equivalent.
 */
const IDEALPRO_MINIMUM: Readonly<Record<string, number>> = {
  USD: 25_000,
  EUR: 20_000,
  GBP: 17_000,
  AUD: 30_000,
  CAD: 30_000,
  CHF: 30_000,
  HKD: 200_000,
  JPY: 2_500_000,
  SGD: 35_000,
  NZD: 40_000,
  SEK: 200_000,
  NOK: 160_000,
  MXN: 325_000,
};

/**
 * IDEALPRO's minimum in units of `currency`: the table's, else USD 25,000 at the account's rates (whole units, up);
 * undefined when neither is known (no USD rate): the order is then taken as an IDEALPRO order.
 */
export function idealproMinimum(currency: string, rateOf: RateOf): number | undefined {
  const listed = IDEALPRO_MINIMUM[currency];
  if (listed !== undefined) return listed;
  const usd = rateOf('USD');
  const own = rateOf(currency);
  if (usd === undefined || own === undefined || own.isZero()) return undefined;
  return new Decimal(25_000).times(usd).dividedBy(own).ceil().toNumber();
}

/** IB's warning 399 for an FX order below IDEALPRO's minimum (the text of IB's API message, with its currency and size). */
export function oddLotWarning(currency: string, minimum: number): string {
  return (
    `Order Message:\nWarning: Your order size is below the ${currency} ${minimum} IdealPro minimum ` +
    'and will be routed as an odd lot order.'
  );
}
