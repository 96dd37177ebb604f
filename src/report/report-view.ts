/**
 * The daily report as display strings: every figure is formatted here once, so the HTML part, the text
 * part and the subject say exactly the same thing. Pure.
 */
import { DateTime } from 'luxon';
import { isBrokerStatus, isFinal } from '../core/order-status.js';
import {
  fillCommission,
  fillValue,
  valueInBase,
  type DailyReportData,
  type NlvChange,
  type ReportFillLine,
  type ReportFlowLine,
  type ReportConversions,
  type ReportKind,
  type Valuation,
} from './daily-report-data.js';
import type { CashBalanceRecord, OrderActivity, RunStatus } from '../ports/store.js';
import { cashByCurrency } from './cash-by-currency.js';
import type { Known, Pnl } from '../core/pnl.js';
import { formatMoney, signOfCents } from '../core/money.js';
import {
  formatBps,
  formatClock,
  formatFxPrice,
  formatPct,
  formatPp,
  formatPrice,
  formatShares,
  formatSignedMoney,
  formatSignedPct,
  formatWhen,
} from './format.js';

/** -1 down, 0 flat, 1 up: drives colour in HTML; the text always carries the sign too. */
export type Sign = -1 | 0 | 1;

export interface ReportView {
  /**
   * While trading is not ACTIVE (as the latest run found it): TRADING HALTED (the kill switch, with since, by whom,
   * the reason and how to resume; or the breaches that stopped the run) or REDUCING, shown first.
   */
  banner?: { title: 'TRADING HALTED' | 'REDUCING'; text: string };
  /**
   * The line first under the title, also the inbox preview: "7 orders, $48.2K traded, all filled, $14.51 costs
   * (commissions + slippage), day +0.40%".
   */
  summary: string;
  kindLabel: string;
  /** "Mon Nov 23, 2026". */
  dayLabel: string;
  account: string;
  nlv?: string;
  /** The NLV and its main change, for the subject and the inbox preview: "NLV 100,234.50 (+0.23%)". */
  headline: string;
  changes: { value: string; label: string; sign: Sign }[];
  /** Money that moved in or out, taken out of the changes above: "+15,000.00", "deposited (declared: bonus)". */
  flows: { value: string; label: string; sign: Sign }[];
  figures: [label: string, value: string][];
  /**
   * Cash by currency when the account holds more than its base currency: the title (the rates' base and when they
   * were read), then one line per currency: its code, its cash (signed: a borrowed balance is negative) and the rest
   * ("at 1.351234 = 54,050.04 SGD", "no rate").
   */
  cashByCurrency?: { title: string; lines: { currency: string; cash: string; sign: Sign; rest: string }[] };
  breachSummary: { ok: boolean; text: string };
  runsLine: string;
  /** DailyReportData.forecastChanges, as they are: one line per strategy. */
  forecastChanges?: readonly string[];
  /**
   * The P&L lines every kind shows (core/pnl.ts): day P&L (cash flows out), unrealized with the cost basis, realized
   * today; a figure that is not known reads "n/a (the reason)".
   */
  pnl: { label: string; value: string; sign: Sign }[];
  positions: {
    symbol: string;
    detail: string;
    weight: string;
    target: string;
    drift: string;
    sign: Sign;
    /** Cost basis (quantity x IB's average cost) and unrealized P&L: "cost 35,952.00", "+3,948.00 (+10.98%)". */
    cost: string;
    unrealized: string;
    unrealizedSign: Sign;
  }[];
  /**
   * The rows the body leaves out, one line each, when a table has more rows than BODY_LIMITS allows: "and 475 more:
   * see the attached positions.csv". The titles say which rows are shown.
   */
  more: { positions?: string; orders?: string; fills?: string; breaches?: string };
  /** Under the positions: "Total: cost basis 58,529.50 · market value 62,231.10 · unrealized +3,701.60", when any. */
  positionsTotal?: string;
  /**
   * Each order with its fills. `status`: a plain state (filled, partly filled, working, cancelled, rejected, not sent,
   * unknown) with the filled quantity and price; `details`: the second, smaller line (reference price, changed in
   * place, IB's order id and permId, IB's status, the records' message); `fills`: one line per fill.
   */
  orders: { time: string; what: string; status: string; settled: boolean; details: string; fills: string[] }[];
  /** How many rows each table has in all (the body may show fewer: see `more`). */
  counts: { positions: number; orders: number; fills: number; breaches: number };
  /** "9 requests to the broker (5 new, 3 changed in place, 1 cancelled) for 5 executed orders: ratio 1.8", when any. */
  orderActivity?: string;
  /** Fills of the day whose order is not among the orders shown (the orders' own fills are under each order). */
  fills: { time: string; what: string; commission: string; slippage: string; sign: Sign }[];
  /** The totals of every fill shown (the orders' and the others'), under the orders. */
  fillTotals?: string;
  /**
   * The day's currency conversions (FX_POLICY=convert), when there are any: cash moved between currencies, not a
   * trade of a ticker (not in the orders, the fills or their totals). One row per fill: "BUY 20,000 USD.SGD @ 1.3501",
   * its value in the account's currency and its commission; a conversion order without a fill says what became of it.
   */
  conversions?: { time: string; what: string; value: string; commission: string }[];
  breaches: { time: string; code: string; symbol?: string; detail: string }[];
  footer: string[];
  /** The one line an inbox shows under the subject. */
  preheader: string;
  /** What this kind of summary shows (KIND_CONTENT), and the titles of its sections. */
  content: KindContent;
  titles: { positions: string; orders: string; fills: string; breaches: string; conversions: string };
  /** End of day: the row written to the `daily` table (closing NLV, P&L, turnover, commissions, fills). */
  dayRow?: [label: string, value: string][];
}

export const KIND_LABELS: Record<ReportKind, string> = { start: 'Start of day', mid: 'Mid-day', end: 'End of day' };

/** What a kind of summary shows besides the NLV, its change since the previous close, the breaches and the runs. */
export interface KindContent {
  /** The change since the day's first snapshot. */
  sinceOpen: boolean;
  /** Positions with target weight, actual weight and drift. */
  positions: boolean;
  /** The charts: NLV over the day, closing NLV of the last 30 trading days. */
  dayChart: boolean;
  monthChart: boolean;
  /** The day's totals: the `daily` row and the order efficiency ratio. */
  dayTotals: boolean;
  /** Orders, fills and breaches "so far" or "today". */
  scope: 'so far' | 'today';
}

/**
 * Each summary's content (README, Email), the same function of the kind for the scheduled email and
 * `rebalancer report`. Start of day, overnight: the change since the previous close, where the positions stand
 * and how far they drift, what the day's first run did. Mid-day, the day so far: the change since the open too,
 * the orders and fills so far, the intraday chart. End of day, the full day: every order and fill with their
 * costs, the daily row, the intraday and the 30-day charts.
 */
export const KIND_CONTENT: Record<ReportKind, KindContent> = {
  start: { sinceOpen: false, positions: true, dayChart: false, monthChart: false, dayTotals: false, scope: 'so far' },
  mid: { sinceOpen: true, positions: false, dayChart: true, monthChart: false, dayTotals: false, scope: 'so far' },
  end: { sinceOpen: true, positions: true, dayChart: true, monthChart: true, dayTotals: true, scope: 'today' },
};

/**
 * How many rows of each table the email's body shows; the rest are in the attached CSV files (report-csv.ts). At 500
 * tickers on a busy day (500 orders, 1,500 fills) the full tables are 3.5 MB of HTML, and Gmail clips a body past
 * about 102 KB; these keep it under 100 KB. Positions: the largest drifts. Orders: every one that did not fill
 * (rejected, not sent, cancelled, unknown, partly filled) up to `problemOrders`, and the largest by value up to
 * `orders`, in the order they were made, each with at most `fillsPerOrder` fills under it. Other fills: the
 * largest by value. Breaches: the first ones.
 */
export const BODY_LIMITS = { positions: 25, orders: 25, problemOrders: 40, fillsPerOrder: 3, fills: 25, breaches: 25 } as const;

/** `body`: the email's body, within BODY_LIMITS; `all`: every row (a file that stands alone, `report --html`). */
export type ReportDetail = 'body' | 'all';

/** The `n` largest of `items` by `size`, kept in their order when `inOrder`. */
function largest<T>(items: readonly T[], n: number, size: (item: T) => number, inOrder: boolean): T[] {
  const ranked = items
    .map((item, i) => ({ item, i, size: size(item) }))
    .sort((a, b) => b.size - a.size || a.i - b.i)
    .slice(0, n);
  if (inOrder) ranked.sort((a, b) => a.i - b.i);
  return ranked.map((r) => r.item);
}

/** "and 475 more: see the attached positions.csv". */
const moreLine = (left: number, file: string, what = 'more'): string => `and ${left} ${what}: see the attached ${file}`;

/** The `daily` row of an end-of-day summary, as figures. */
function dayRowOf(d: DailyReportData): [label: string, value: string][] | undefined {
  if (d.latest === undefined) return undefined;
  return [
    ['Closing NLV', formatMoney(d.latest.nlv)],
    [
      'P&L (cash flows out)',
      d.sincePreviousClose === undefined ? 'n/a (no previous close)' : formatSignedMoney(d.sincePreviousClose.amount),
    ],
    ['Turnover', formatMoney(d.totals.notional)],
    ['Commissions', formatMoney(d.totals.commissions)],
    ['Fills', String(d.totals.fills)],
    ['Realized P&L', knownMoney(d.pnl.realizedToday)],
  ];
}

/** "+12.50", or "n/a (no previous close recorded)". */
const knownMoney = (k: Known): string => (k.value === null ? `n/a (${k.reason})` : formatSignedMoney(k.value));

/** Day P&L, unrealized on its cost basis, realized today: the same three lines in every kind of summary. */
function pnlLines(p: Pnl): ReportView['pnl'] {
  const flows = p.flows === 0 ? '' : ` (cash flows of ${formatSignedMoney(p.flows)} taken out)`;
  return [
    {
      label: 'Day P&L',
      value: p.day.value === null ? knownMoney(p.day) : `${formatSignedMoney(p.day.value)}${flows}`,
      sign: p.day.value === null ? 0 : signOf(p.day.value),
    },
    {
      label: 'Unrealized P&L',
      value: `${formatSignedMoney(p.unrealized)} on a cost basis of ${formatMoney(p.costBasis)}`,
      sign: signOf(p.unrealized),
    },
    {
      label: 'Realized today',
      value: knownMoney(p.realizedToday),
      sign: p.realizedToday.value === null ? 0 : signOf(p.realizedToday.value),
    },
  ];
}

const signOf = (x: number, digits = 2): Sign => {
  const r = Number(x.toFixed(digits));
  return r > 0 ? 1 : r < 0 ? -1 : 0;
};

/** "+234.50 (+0.23%)". */
export function formatChange(c: NlvChange): string {
  return `${formatSignedMoney(c.amount)} (${formatSignedPct(c.fraction)})`;
}

const FLOW_WORDS: Record<ReportFlowLine['kind'], [inWord: string, outWord: string]> = {
  deposit: ['deposited', 'deposited'],
  withdrawal: ['withdrawn', 'withdrawn'],
  dividend: ['dividend', 'dividend'],
  interest: ['interest received', 'interest paid'],
  fee: ['fee', 'fee'],
  other: ['came in', 'went out'],
};

/** "+15,000.00" and "deposited (declared: bonus)" / "came in (inferred)", with the time it was first seen. */
function flowLine(f: ReportFlowLine): ReportView['flows'][number] {
  const [inWord, outWord] = FLOW_WORDS[f.kind];
  const source = f.source === 'declared' ? `declared: ${f.description}` : f.source === 'statement' ? "broker's statement" : 'inferred';
  return {
    value: formatSignedMoney(f.amount),
    label: `${f.amount >= 0 ? inWord : outWord} (${source}), not a gain or loss`,
    sign: signOf(f.amount),
  };
}

/** The title of the forecasts' changes in both parts. */
export const FORECAST_CHANGES_TITLE = 'What changed in the forecasts since the previous trading day';

/** The change's label, saying when cash flows were taken out of it. */
const netLabel = (c: NlvChange, label: string): string => (c.flows === 0 ? label : `${label}, cash flows taken out`);

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

function breachSummary(d: DailyReportData): ReportView['breachSummary'] {
  if (d.breaches.length === 0) return { ok: true, text: 'No breaches today' };
  const codes = [...new Set(d.breaches.map((b) => (b.symbol === undefined ? b.code : `${b.code} ${b.symbol}`)))];
  const shown = codes.slice(0, 4).join(', ') + (codes.length > 4 ? `, +${codes.length - 4} more` : '');
  return { ok: false, text: `${plural(d.breaches.length, 'breach', 'breaches')} today: ${shown}` };
}

function runsLine(d: DailyReportData): string {
  // A skipped run is one the hour did not let trade (market closed, IB's restart window): the night's runs of a
  // trading day are all skipped, which is how it should be, so they are not called "skipped" as if something failed.
  const label: Record<RunStatus, string> = {
    ok: 'ok',
    blocked: 'blocked',
    failed: 'failed',
    skipped: 'outside trading hours',
    running: 'running',
  };
  const parts = (['ok', 'blocked', 'failed', 'skipped', 'running'] as const)
    .filter((s) => d.runs[s] > 0)
    .map((s) => `${d.runs[s]} ${label[s]}`);
  // The run making this summary is still running: not one of the day's runs so far.
  if (d.thisRun !== undefined)
    return d.runs.total === 0 ? 'This is the first run today' : `${plural(d.runs.total, 'run')} today before this one: ${parts.join(', ')}`;
  return d.runs.total === 0 ? 'No runs recorded today' : `${plural(d.runs.total, 'run')} today: ${parts.join(', ')}`;
}

const RESUME = "Runs cancel the system's orders and send none; 'rebalancer resume' to trade again.";
/** decide.ts's killSwitchBreach: "halted since <at> by <source>: <reason>; run 'rebalancer resume' to trade again". */
const KILL_SWITCH_DETAIL = /^halted since (\S+) by (.+?): ([\s\S]*); run 'rebalancer resume' to trade again$/;

/** The banner of a state that is not ACTIVE: the kill switch first, then what else stopped or reduced the run. */
function bannerOf(d: DailyReportData): ReportView['banner'] {
  const s = d.tradingState;
  if (s === undefined) return undefined;
  const codes = s.codes.join(', ');
  if (s.state === 'REDUCING')
    return {
      title: 'REDUCING',
      text: `As of the run of ${formatWhen(s.since)}: only orders that shrink a position are sent (${codes}). The next run checks again.`,
    };
  const kill = s.breaches.find((b) => b.code === 'KILL_SWITCH');
  if (kill !== undefined) {
    const m = KILL_SWITCH_DETAIL.exec(kill.detail);
    const on =
      m === null ? `Kill switch on: ${kill.detail}.` : `Kill switch on since ${formatWhen(m[1] ?? '')}, by ${m[2] ?? ''}: ${m[3] ?? ''}.`;
    return { title: 'TRADING HALTED', text: `${on} ${RESUME}` };
  }
  // These turn the kill switch on (README, circuit breakers): it holds until a person resumes.
  const turnedOn = s.breaches.find((b) => b.code === 'DAILY_LOSS_LIMIT' || b.code === 'FOREIGN_ORDERS');
  if (turnedOn !== undefined)
    return {
      title: 'TRADING HALTED',
      text: `The run of ${formatWhen(s.since)} turned the kill switch on: ${turnedOn.code}: ${turnedOn.detail}. ${RESUME}`,
    };
  const first = s.breaches[0];
  return {
    title: 'TRADING HALTED',
    text: `The run of ${formatWhen(s.since)} sent nothing: ${codes}${first === undefined ? '' : ` (${first.detail})`}. The next run checks again.`,
  };
}

type PlainState = 'filled' | 'partly filled' | 'working' | 'not filled' | 'unknown';

/**
 * A price as a person reads it: as it is for a line in the account's currency, else with its currency and magnifier
 * (the plan's notation): "USD 600.12", "GBP 3514.00 / 100" (pence). Prices are never summed across orders.
 */
export function priceText(price: number, v: Valuation): string {
  if (v.fxRate === undefined && v.priceMagnifier === undefined) return formatPrice(price);
  return `${v.currency === undefined ? '' : `${v.currency} `}${formatPrice(price)}${v.priceMagnifier === undefined ? '' : ` / ${v.priceMagnifier}`}`;
}

/**
 * The filled quantity and average price: the order's record, else its fills. A price, in the order's own units (its
 * fills share them): not money in the account's currency, so not converted.
 */
function filledOf(o: DailyReportData['orders'][number]): { quantity: number; price: number } {
  const fromFills = o.fills.reduce((s, f) => s + f.quantity, 0);
  const value = o.fills.reduce((s, f) => s + f.quantity * f.price, 0);
  if (o.filledQuantity >= fromFills) return { quantity: o.filledQuantity, price: o.avgFillPrice };
  return { quantity: fromFills, price: fromFills === 0 ? 0 : value / fromFills };
}

const ENDED: Record<string, string> = {
  Cancelled: 'cancelled',
  ApiCancelled: 'cancelled',
  Inactive: 'cancelled',
  Rejected: 'rejected',
  NotSent: 'not sent',
  SendFailed: 'not sent',
  Unknown: 'unknown',
};

/** "filled 55 @ 175.65", "partly filled 20 of 55 @ 175.60, working", "cancelled", "not sent", "unknown"... */
function plainState(o: DailyReportData['orders'][number]): { text: string; state: PlainState } {
  const filled = filledOf(o);
  const at = `${formatShares(filled.quantity)} @ ${priceText(filled.price, o)}`;
  if (filled.quantity > 0 && (o.status === 'Filled' || filled.quantity >= o.quantity)) return { text: `filled ${at}`, state: 'filled' };
  const ended = ENDED[o.status];
  if (filled.quantity > 0) {
    const partly = `partly filled ${formatShares(filled.quantity)} of ${formatShares(o.quantity)} @ ${priceText(filled.price, o)}`;
    return isFinal(o.status)
      ? { text: `${partly}, rest ${ended ?? o.status}`, state: 'partly filled' }
      : { text: `${partly}, working`, state: 'working' };
  }
  if (o.status === 'Intent') return { text: 'not confirmed by IB yet', state: 'unknown' };
  if (o.status === 'Unknown') return { text: 'unknown', state: 'unknown' };
  if (ended !== undefined) return { text: ended, state: 'not filled' };
  if (o.status === 'Filled') return { text: 'filled', state: 'filled' };
  return { text: 'working', state: 'working' };
}

/** The second line of an order: reference, changes in place, IB's ids and status, the records' message. */
function orderDetails(o: DailyReportData['orders'][number]): string {
  const ids = [
    ...(o.brokerOrderId === undefined ? [] : [`order ${o.brokerOrderId}`]),
    ...(o.permId === undefined ? [] : [`permId ${o.permId}`]),
  ].join(', ');
  return [
    ...(o.referencePrice === undefined ? [] : [`ref ${priceText(o.referencePrice, o)}`]),
    ...(o.fxRate === undefined ? [] : [`rate ${o.fxRate}`]),
    ...(o.modified === undefined ? [] : [`changed in place ${o.modified === 1 ? 'once' : `${o.modified} times`}`]),
    ...(ids === '' ? [] : [ids]),
    isBrokerStatus(o.status) ? `IB: ${o.status}` : `records: ${o.status}`,
    ...(o.message === undefined ? [] : [o.message]),
  ].join(' · ');
}

/** Money with its currency's sign, compact for large sums: "$2.70", "$48.2K". */
function moneyOf(x: number, currency: string, compact = false): string {
  const value = Number(x.toFixed(2)) === 0 ? 0 : x;
  const compactShape = { notation: 'compact', maximumSignificantDigits: 3 } as const;
  // Intl takes any well-formed ISO 4217 code (with that currency's own decimals); a records' currency that is not
  // one (a hand-edited file) is written after the number rather than failing the whole email.
  if (/^[A-Za-z]{3}$/.test(currency))
    return new Intl.NumberFormat('en-US', { style: 'currency', currency, ...(compact ? compactShape : {}) }).format(value);
  const plain = compact ? compactShape : { maximumFractionDigits: 2, minimumFractionDigits: 2 };
  return `${new Intl.NumberFormat('en-US', plain).format(value)}${currency === '' ? '' : ` ${currency}`}`;
}

/** "7 orders, $48.2K traded, all filled, $14.51 costs (commissions + slippage), day +0.40%". */
function summaryOf(d: DailyReportData, states: PlainState[]): string {
  const currency = d.latest?.currency ?? 'USD';
  const t = d.totals;
  const parts: string[] = [d.orders.length === 0 ? 'no orders' : plural(d.orders.length, 'order')];
  parts.push(t.fills === 0 ? 'nothing traded' : `${moneyOf(t.notional, currency, true)} traded`);
  if (states.length > 0) {
    const count = (s: PlainState): number => states.filter((x) => x === s).length;
    if (count('filled') === states.length) parts.push('all filled');
    else
      for (const s of ['filled', 'partly filled', 'working', 'not filled', 'unknown'] as const)
        if (count(s) > 0) parts.push(`${count(s)} ${s}`);
  }
  if (t.fills > 0)
    parts.push(
      t.fillsWithReference > 0
        ? `${moneyOf(t.commissions + t.slippageCost, currency)} costs (commissions + slippage)`
        : `${moneyOf(t.commissions, currency)} commissions (no slippage measured)`,
    );
  const conversions = d.conversions?.orders.length ?? 0;
  if (conversions > 0) parts.push(plural(conversions, 'currency conversion'));
  parts.push(d.sincePreviousClose === undefined ? 'day n/a' : `day ${formatSignedPct(d.sincePreviousClose.fraction)}`);
  return parts.join(', ');
}

/**
 * IB's order efficiency ratio of the day: orders submitted, modified and cancelled per executed order. IB looks at
 * it over time and warns accounts whose ratio stays high; changing orders in place (ORDER_UPDATES=modify) keeps it
 * lower than cancelling and sending again. Undefined when the day's runs asked nothing of the broker.
 */
export function orderActivityLine(a: OrderActivity): string | undefined {
  const requests = a.sent + a.modified + a.cancelled;
  if (requests === 0) return undefined;
  const parts = `${a.sent} new, ${a.modified} changed in place, ${a.cancelled} cancelled`;
  const executed = `${plural(a.executedOrders, 'executed order')}`;
  const ratio = a.executedOrders === 0 ? 'no order executed yet' : `ratio ${(requests / a.executedOrders).toFixed(1)}`;
  const perOrder = a.executedOrders === 0 ? '' : `, ${(a.fills / a.executedOrders).toFixed(1)} fills per executed order`;
  return `Order efficiency: ${plural(requests, 'request')} to the broker (${parts}) for ${executed}: ${ratio}${perOrder}`;
}

/**
 * "55 @ 175.65, commission 1.50, slippage +2.75 (+2.8 bp)". A fill in another currency: its price labelled, its
 * commission and slippage in the account's currency (`base`), the commission in its own too: "10 @ USD 600.30,
 * commission 1.35 SGD (1.00 USD), slippage +2.43 SGD (+3.0 bp)".
 */
function fillText(f: ReportFillLine, base: string | undefined): string {
  const inBase = base === undefined || f.fxRate === undefined ? '' : ` ${base}`;
  const own =
    f.fxRate === undefined || f.commission === null
      ? ''
      : ` (${formatMoney(f.commission)}${f.currency === undefined ? '' : ` ${f.currency}`})`;
  const commissionValue = fillCommission(f);
  const commission = commissionValue === null ? 'commission not reported yet' : `commission ${formatMoney(commissionValue)}${inBase}${own}`;
  const slippage =
    f.slippage === undefined ? '' : `, slippage ${formatSignedMoney(f.slippage.cost)}${inBase} (${formatBps(f.slippage.bps)})`;
  return `${formatShares(f.quantity)} @ ${priceText(f.price, f)}, ${commission}${slippage}`;
}

/** The commission cell of a fill in the other fills' table: "1.50", or "1.35 SGD (1.00 USD)" for another currency. */
function otherFillCommission(f: ReportFillLine, base: string | undefined): string {
  const value = fillCommission(f);
  if (f.commission === null || value === null) return 'not reported yet';
  if (f.fxRate === undefined) return formatMoney(value);
  return `${formatMoney(value)}${base === undefined ? '' : ` ${base}`} (${formatMoney(f.commission)}${f.currency === undefined ? '' : ` ${f.currency}`})`;
}

/** A conversion's commission: in the pair's second currency, and in the account's when that is another. */
function conversionCommission(f: ReportFillLine, base: string | undefined): string {
  const value = fillCommission(f);
  if (f.commission === null || value === null) return 'not reported yet';
  const own = f.currency ?? base;
  const ownText = `${formatMoney(f.commission)}${own === undefined ? '' : ` ${own}`}`;
  return f.fxRate === undefined ? ownText : `${formatMoney(value)}${base === undefined ? '' : ` ${base}`} (${ownText})`;
}

/**
 * The rows of the currency conversions' section: each fill (the pair, side, quantity and rate; its value in the
 * account's currency; its commission), oldest first, and each conversion order without a fill with what became of it.
 */
function conversionRows(c: ReportConversions, base: string | undefined): NonNullable<ReportView['conversions']> {
  const label = (f: ReportFillLine): string => {
    const currency = f.fxRate === undefined ? (base ?? f.currency) : base;
    return currency === undefined ? '' : ` ${currency}`;
  };
  const rows = c.fills.map((f) => ({
    at: f.time,
    row: {
      time: formatClock(f.time),
      what: `${f.side} ${formatShares(f.quantity)} ${f.symbol} @ ${formatFxPrice(f.price)}`,
      value: `${formatMoney(fillValue(f))}${label(f)}`,
      commission: conversionCommission(f, base),
    },
  }));
  for (const o of c.orders) {
    if (o.fills.length > 0) continue;
    rows.push({
      at: o.createdAt,
      row: {
        time: formatClock(o.createdAt),
        what: `${o.action} ${formatShares(o.quantity)} ${o.symbol} @ ${formatFxPrice(o.limitPrice)} limit`,
        value: `${plainState(o).text}${o.message === undefined ? '' : ` (${o.message})`}`,
        commission: '',
      },
    });
  }
  return rows.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).map((r) => r.row);
}

/** Turns the report's data into the strings both parts show. */
export function buildReportView(d: DailyReportData, detail: ReportDetail = 'body'): ReportView {
  const latest = d.latest;
  const all = detail === 'all';
  const states = new Map(d.orders.map((o) => [o, plainState(o)]));
  const stateOf = (o: DailyReportData['orders'][number]): { text: string; state: PlainState } => states.get(o) ?? plainState(o);
  // Positions: the largest drifts, largest first.
  const positionsShown =
    all || d.positions.length <= BODY_LIMITS.positions
      ? d.positions
      : largest(d.positions, BODY_LIMITS.positions, (p) => Math.abs(p.drift), false);
  // Orders: those that did not fill, then the largest by value, in the order they were made.
  let ordersShown = d.orders;
  if (!all && d.orders.length > BODY_LIMITS.orders) {
    const problem = (o: DailyReportData['orders'][number]): boolean => {
      const s = stateOf(o).state;
      return s === 'not filled' || s === 'unknown' || s === 'partly filled';
    };
    const problems = new Set(d.orders.filter(problem).slice(0, BODY_LIMITS.problemOrders));
    const valueOf = (o: DailyReportData['orders'][number]): number => {
      const f = filledOf(o);
      // In the account's currency: orders in several currencies are ranked on one scale.
      return f.quantity > 0 ? valueInBase(f.quantity, f.price, o) : valueInBase(o.quantity, o.limitPrice, o);
    };
    const big = new Set(
      largest(
        d.orders.filter((o) => !problems.has(o)),
        BODY_LIMITS.orders,
        valueOf,
        true,
      ),
    );
    ordersShown = d.orders.filter((o) => problems.has(o) || big.has(o));
  }
  const orderRefs = new Set(d.orders.map((o) => o.orderRef));
  const otherFills = d.fills.filter((f) => !orderRefs.has(f.orderRef));
  const otherFillsShown =
    all || otherFills.length <= BODY_LIMITS.fills ? otherFills : largest(otherFills, BODY_LIMITS.fills, fillValue, true);
  const breachesShown = all ? d.breaches : d.breaches.slice(0, BODY_LIMITS.breaches);
  const more: ReportView['more'] = {};
  if (positionsShown.length < d.positions.length) more.positions = moreLine(d.positions.length - positionsShown.length, 'positions.csv');
  if (ordersShown.length < d.orders.length)
    more.orders = `${moreLine(d.orders.length - ordersShown.length, 'orders.csv')} (their fills: fills.csv)`;
  if (otherFillsShown.length < otherFills.length) more.fills = moreLine(otherFills.length - otherFillsShown.length, 'fills.csv');
  if (breachesShown.length < d.breaches.length) more.breaches = moreLine(d.breaches.length - breachesShown.length, 'breaches.csv');
  const fillsLimit = all ? Infinity : BODY_LIMITS.fillsPerOrder;
  const changes: ReportView['changes'] = [];
  if (d.sincePreviousClose !== undefined) {
    const c = d.sincePreviousClose;
    changes.push({
      value: formatChange(c),
      label: netLabel(c, `since the close of ${DateTime.fromISO(c.day).toFormat('ccc LLL d')}`),
      sign: signOf(c.amount),
    });
  }
  const content = KIND_CONTENT[d.kind];
  if (d.sinceOpen !== undefined && content.sinceOpen) {
    changes.push({
      value: formatChange(d.sinceOpen),
      label: netLabel(d.sinceOpen, `since the open (first snapshot, ${formatClock(d.sinceOpen.at)} ET)`),
      sign: signOf(d.sinceOpen.amount),
    });
  }
  const figures: ReportView['figures'] =
    latest === undefined
      ? []
      : [
          ['Leverage', `${latest.leverage.toFixed(2)}x`],
          ['Margin cushion', formatPct(latest.cushion)],
          ['Cash', formatMoney(latest.cash)],
          ['Excess liquidity', formatMoney(latest.excessLiquidity)],
        ];
  const t = d.totals;
  const slippageText = (cost: number, bps?: number, currency?: string): string =>
    `${formatSignedMoney(cost)}${currency === undefined ? '' : ` ${currency}`}${bps === undefined ? '' : ` (${formatBps(bps)})`}`;
  const footer = [
    d.nextRun === undefined ? 'Next run: not scheduled' : `Next run: ${formatWhen(d.nextRun)}`,
    `Made ${formatWhen(d.now)}${latest === undefined ? '' : `, from the snapshot of ${formatClock(latest.at)} ET`}.`,
    'Slippage is measured against the reference price (mid, else last) when the order was planned; positive is a cost.',
    'More: rebalancer status, rebalancer plan.',
  ];
  const nlv = latest === undefined ? undefined : `${formatMoney(latest.nlv)} ${latest.currency}`;
  const main = d.sincePreviousClose ?? d.sinceOpen;
  const headline = main === undefined ? '' : ` (${formatSignedPct(main.fraction)})`;
  const banner = bannerOf(d);
  const summary = summaryOf(
    d,
    d.orders.map((o) => stateOf(o).state),
  );
  return {
    ...(banner === undefined ? {} : { banner }),
    summary,
    kindLabel: KIND_LABELS[d.kind],
    dayLabel: DateTime.fromISO(d.tradingDay).toFormat('ccc LLL d, yyyy'),
    account: d.account,
    ...(nlv === undefined ? {} : { nlv }),
    headline: latest === undefined ? 'no snapshot yet' : `NLV ${formatMoney(latest.nlv)}${headline}`,
    changes,
    flows: d.flows.map(flowLine),
    figures,
    ...(latest?.cashBalances === undefined ? {} : { cashByCurrency: cashByCurrencyView(latest.cashBalances, latest.currency) }),
    breachSummary: breachSummary(d),
    runsLine: runsLine(d),
    ...(d.forecastChanges === undefined ? {} : { forecastChanges: d.forecastChanges }),
    pnl: pnlLines(d.pnl),
    positions: positionsShown.map((p) => ({
      symbol: p.symbol,
      detail: `${formatShares(p.quantity)} sh · ${formatMoney(p.marketValue)}`,
      weight: formatPct(p.weight),
      target: formatPct(p.targetWeight),
      drift: formatPp(p.drift),
      sign: signOf(p.drift * 100, 1),
      cost: `cost ${formatMoney(p.costBasis)}`,
      unrealized:
        formatSignedMoney(p.unrealized) + (p.costBasis === 0 ? '' : ` (${formatSignedPct(p.unrealized / Math.abs(p.costBasis))})`),
      unrealizedSign: signOf(p.unrealized),
    })),
    ...(d.positions.length === 0
      ? {}
      : {
          positionsTotal: `Total: cost basis ${formatMoney(d.pnl.costBasis)} · market value ${formatMoney(
            d.positions.reduce((s, p) => s + p.marketValue, 0),
          )} · unrealized ${formatSignedMoney(d.pnl.unrealized)}`,
        }),
    ...(orderActivityLine(d.activity) === undefined || !content.dayTotals ? {} : { orderActivity: orderActivityLine(d.activity) }),
    more,
    counts: { positions: d.positions.length, orders: d.orders.length, fills: otherFills.length, breaches: d.breaches.length },
    orders: ordersShown.map((o) => ({
      time: formatClock(o.createdAt),
      details: orderDetails(o),
      fills: [
        ...o.fills.slice(0, fillsLimit).map((f) => `fill ${formatClock(f.time)} ${fillText(f, latest?.currency)}`),
        ...(o.fills.length > fillsLimit ? [`and ${plural(o.fills.length - fillsLimit, 'more fill')}: see the attached fills.csv`] : []),
      ],
      what: `${o.action} ${formatShares(o.quantity)} ${o.symbol} @ ${priceText(o.limitPrice, o)}`,
      status: stateOf(o).text,
      // Settled: nothing more can happen to it (a final status of the core's vocabulary, NotSent included).
      settled: isFinal(o.status),
    })),
    fills: otherFillsShown.map((f) => ({
      time: formatClock(f.time),
      // A fill of an order of an earlier day carries that order's rate: its money in the account's currency, labelled.
      what: `${f.side} ${formatShares(f.quantity)} ${f.symbol} @ ${priceText(f.price, f)}`,
      commission: otherFillCommission(f, latest?.currency),
      slippage:
        f.slippage === undefined
          ? 'n/a'
          : slippageText(f.slippage.cost, f.slippage.bps, f.fxRate === undefined ? undefined : latest?.currency),
      // A cost is bad news: shown like a loss.
      sign: f.slippage === undefined ? 0 : (-signOf(f.slippage.cost) as Sign),
    })),
    ...(d.conversions === undefined ? {} : { conversions: conversionRows(d.conversions, latest?.currency) }),
    ...(t.fills === 0
      ? {}
      : {
          fillTotals:
            `Notional ${formatMoney(t.notional)} · commissions ${formatMoney(t.commissions)} · slippage ${slippageText(t.slippageCost)}` +
            (t.fillsWithReference < t.fills ? ` (${t.fillsWithReference} of ${t.fills} fills have a reference price)` : ''),
        }),
    breaches: breachesShown.map((b) => ({
      time: formatClock(b.at),
      code: b.code,
      ...(b.symbol === undefined ? {} : { symbol: b.symbol }),
      detail: b.detail,
    })),
    footer,
    content,
    titles: {
      positions: more.positions === undefined ? 'Positions' : `Positions: the ${positionsShown.length} largest drifts`,
      orders:
        more.orders === undefined
          ? `Orders ${content.scope}`
          : `Orders ${content.scope}: ${ordersShown.length} shown, the largest and every one not filled`,
      fills:
        more.fills === undefined ? `Other fills ${content.scope}` : `Other fills ${content.scope}: the ${otherFillsShown.length} largest`,
      breaches: more.breaches === undefined ? `Breaches ${content.scope}` : `Breaches ${content.scope}: the first ${breachesShown.length}`,
      conversions: `Currency conversions ${content.scope}`,
    },
    ...(content.dayTotals && dayRowOf(d) !== undefined ? { dayRow: dayRowOf(d) } : {}),
    // The inbox preview: the state first while trading is not active, then the summary line.
    preheader: [...(banner === undefined ? [] : [banner.title]), summary].join(' · '),
  };
}

/** The account's cash by currency, each at the broker's rate, as the summary shows it. */
function cashByCurrencyView(balances: CashBalanceRecord[], base: string): NonNullable<ReportView['cashByCurrency']> {
  const lines = cashByCurrency(balances);
  const readAt = lines.find((l) => l.currency !== base)?.rateReadAt;
  return {
    title: `Cash by currency (the broker's rates, ${base} per unit${readAt === undefined ? '' : `, read ${formatClock(readAt)} ET`})`,
    lines: lines.map((l) => ({
      currency: l.currency,
      cash: formatMoney(l.cash),
      sign: signOfCents(l.cash),
      rest:
        l.currency === base
          ? base
          : l.exchangeRate === null || l.inBase === null
            ? `${l.currency}, no rate`
            : `${l.currency} at ${l.exchangeRate} = ${formatMoney(l.inBase)} ${base}`,
    })),
  };
}
