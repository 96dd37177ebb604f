/**
 * Stock splits, told apart from trades. A split multiplies a position overnight: the broker then holds the
 * ledger's quantity times the ratio, which the ledger (baseline + own fills + adjustments) cannot explain, so the
 * ticker would break. When the quantity, the price and the broker's average cost all moved as one split of a
 * plausible ratio would move them, and nothing else touched the ticker since the last snapshot, the difference is
 * a split: it is recorded as a 'split' adjustment of the ledger instead of a POSITION_BREAK. Anything that does
 * not fit stays a break, with the likely cause named.
 *
 * Ratio N:M: N new shares for M old (4:1 forward, 1:10 reverse, 3:2). The new quantity is floor(old x N / M) in
 * absolute value (the fraction is paid in cash in lieu), the price and the average cost divide by N / M.
 *
 * Pure: figures in, a finding out.
 */
import { Exact } from './money.js';

/** A split ratio N:M: `to` new shares for `from` old ones. */
export interface SplitRatio {
  to: number;
  from: number;
}

/** The ratios taken for a split without the broker's word: the forward and reverse splits US stocks make. */
export const PLAUSIBLE_SPLIT_RATIOS: readonly SplitRatio[] = [
  ...[2, 3, 4, 5, 6, 7, 8, 10, 15, 20].map((to) => ({ to, from: 1 })),
  { to: 3, from: 2 },
  { to: 5, from: 2 },
  { to: 4, from: 3 },
  { to: 5, from: 4 },
  ...[2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 100].map((from) => ({ to: 1, from })),
];

/**
 * How far the price may stray from the old price divided by the ratio (a fraction of it: 0.15 = 15%): the
 * market moves overnight too. Past it, the price did not move as a split moves it.
 */
export const SPLIT_PRICE_TOLERANCE = 0.15;
/** How far the broker's average cost may stray from the old one divided by the ratio (a fraction: 0.01 = 1%). */
export const SPLIT_AVG_COST_TOLERANCE = 0.01;

/** "4:1". */
export function formatRatio(r: SplitRatio): string {
  return `${r.to}:${r.from}`;
}

/** "4:1" -> {to: 4, from: 1}; undefined unless two whole numbers > 0. */
export function parseRatio(text: string): SplitRatio | undefined {
  const m = /^\s*(\d{1,6})\s*:\s*(\d{1,6})\s*$/.exec(text);
  if (m === null) return undefined;
  const to = Number(m[1]);
  const from = Number(m[2]);
  return to > 0 && from > 0 && to !== from ? { to, from } : undefined;
}

/** The quantity a split leaves of `quantity` shares (whole shares; the fraction is paid in cash), and the fraction. */
export function splitQuantity(quantity: number, r: SplitRatio): { quantity: number; fraction: number } {
  const exact = new Exact(quantity).abs().times(r.to).div(r.from);
  const whole = exact.floor();
  const sign = quantity < 0 ? -1 : 1;
  return { quantity: whole.times(sign).toNumber() || 0, fraction: exact.minus(whole).toNumber() };
}

/** A corporate action of the ticker from the broker's statements (see ports/statements.ts). */
export interface StatedCorporateAction {
  /** IB: FS forward split, RS reverse split, SD stock dividend, ... */
  type: string;
  description: string;
  date: string;
  transactionId: string;
}

/** What the detection of one broken ticker is made from. */
export interface SplitEvidence {
  symbol: string;
  ledgerQuantity: number;
  brokerQuantity: number;
  /** The ticker at the last snapshot: the broker's quantity, the price and the average cost then. */
  before?: { quantity: number; price: number; avgCost: number; at: string };
  /** Now: the reference price (undefined without a quote), and the broker's average cost. */
  after: { price?: number; avgCost: number };
  /** What else moved the ticker since the last snapshot (fills of own orders, orders still working), named. */
  otherActivity: string[];
  /**
   * The broker's statements: undefined when none are configured; else the name of the source, the ticker's
   * corporate actions they list, or why they could not be read.
   */
  statements?: { name: string; actions: StatedCorporateAction[] } | { name: string; error: string };
}

/** A split the figures show: what to record. */
export interface SplitFinding {
  kind: 'split';
  symbol: string;
  ratio: SplitRatio;
  ledgerBefore: number;
  brokerQuantity: number;
  /** The ledger's change: broker - ledger. */
  quantity: number;
  /** Shares of the old position's fraction paid in cash in lieu (in new shares), 0 for none. */
  cashInLieuShares: number;
  /** True when the broker's corporate actions list this split. */
  confirmed: boolean;
  /** The figures and the source that make it a split, for the record. */
  evidence: string;
  /** One line for the run's notices (and its email). */
  notice: string;
}

/** A break that looks like a split but is not taken for one: why. */
export interface SplitSuspect {
  kind: 'suspect';
  symbol: string;
  /** "looks like a 4:1 split, but the price did not move: ..." */
  cause: string;
}

const fmt = (n: number): string => new Exact(n).toDecimalPlaces(4).toString();

/** A statement's split ratio, from IB's description "AAPL(US0378331005) SPLIT 4 FOR 1 (...)". */
export function statedRatio(action: StatedCorporateAction): SplitRatio | undefined {
  if (!['FS', 'RS'].includes(action.type.toUpperCase())) return undefined;
  const m = /SPLIT\s+(\d+)\s+FOR\s+(\d+)/i.exec(action.description);
  return m === null ? undefined : parseRatio(`${m[1]}:${m[2]}`);
}

/**
 * Whether a broken ticker is a split. Undefined when nothing about it looks like one (an ordinary break);
 * a {@link SplitFinding} when the quantity, the price and the average cost all moved as one split moves them and
 * nothing else touched the ticker; a {@link SplitSuspect} naming what did not fit otherwise.
 */
export function detectSplit(e: SplitEvidence): SplitFinding | SplitSuspect | undefined {
  const { symbol, ledgerQuantity: ledger, brokerQuantity: broker } = e;
  if (ledger === 0 || broker === 0 || Math.sign(ledger) !== Math.sign(broker) || ledger === broker) return undefined;
  if (!Number.isInteger(ledger) || !Number.isInteger(broker)) return undefined;
  const stated = e.statements && 'actions' in e.statements ? e.statements.actions : [];
  const statedSplits = stated.flatMap((a) => {
    const r = statedRatio(a);
    return r === undefined ? [] : [{ action: a, ratio: r }];
  });
  const pool = [...PLAUSIBLE_SPLIT_RATIOS, ...statedSplits.map((s) => s.ratio)];
  const byQuantity = uniqueRatios(pool.filter((r) => splitQuantity(ledger, r).quantity === broker));
  if (byQuantity.length === 0) {
    const s = statedSplits[0];
    if (s === undefined) return undefined;
    const expected = splitQuantity(ledger, s.ratio).quantity;
    return suspect(
      symbol,
      `${e.statements?.name ?? 'the statements'} list a ${formatRatio(s.ratio)} split (${s.action.date}), but it would leave ${expected} shares, not ${broker}: something else changed the position too`,
    );
  }
  const looks = (r: SplitRatio): string => `looks like a ${formatRatio(r)} split`;
  // Which ratio: the quantity alone may fit several (a reverse split of a small position); the price tells them apart.
  const ranked = rankByPrice(byQuantity, e);
  const best = ranked[0] ?? byQuantity[0];
  if (best === undefined) return undefined;
  if (e.otherActivity.length > 0)
    return suspect(symbol, `${looks(best)}, but ${symbol} also traded since the last snapshot: ${e.otherActivity.join('; ')}`);
  const before = e.before;
  if (before === undefined)
    return suspect(symbol, `${looks(best)}, but there is no earlier snapshot of ${symbol} to compare the price and the average cost with`);
  if (before.quantity !== ledger)
    return suspect(
      symbol,
      `${looks(best)}, but the last snapshot (${before.at}) held ${before.quantity}, not the ledger's ${ledger}: the position moved before the split`,
    );
  const price = e.after.price;
  if (price === undefined) return suspect(symbol, `${looks(best)}, but ${symbol} has no price now to confirm it`);
  const passing = byQuantity.filter((r) => priceFits(r, before.price, price) && avgCostFits(r, before.avgCost, e.after.avgCost));
  if (passing.length > 1)
    return suspect(
      symbol,
      `the figures fit several splits (${passing.map(formatRatio).join(', ')}): not recorded without the broker's word`,
    );
  const ratio = passing[0];
  if (ratio === undefined) {
    if (!priceFits(best, before.price, price))
      return suspect(
        symbol,
        `${looks(best)}, but the price did not move by the inverse: ${fmt(before.price)} at the last snapshot, ${fmt(price)} now (a ${formatRatio(best)} split makes it about ${fmt(expectedPrice(best, before.price))})` +
          (deviation({ to: 1, from: 1 }, before.price, price) <= SPLIT_PRICE_TOLERANCE
            ? '; a trade by hand or a lost fill looks like this'
            : ''),
      );
    return suspect(
      symbol,
      `${looks(best)}, but the broker's average cost did not move by the inverse: ${fmt(before.avgCost)} at the last snapshot, ${fmt(e.after.avgCost)} now (a ${formatRatio(best)} split makes it ${fmt(expectedPrice(best, before.avgCost))})`,
    );
  }
  const statedHere = statedSplits.find((s) => s.ratio.to * ratio.from === s.ratio.from * ratio.to);
  const otherStated = statedSplits.find((s) => s !== statedHere);
  if (statedHere === undefined && otherStated !== undefined)
    return suspect(
      symbol,
      `${looks(ratio)}, but ${e.statements?.name ?? 'the statements'} list a ${formatRatio(otherStated.ratio)} split (${otherStated.action.date})`,
    );
  const { fraction } = splitQuantity(ledger, ratio);
  const figures =
    `quantity ${ledger} -> ${broker}, price ${fmt(before.price)} -> ${fmt(price)}, ` +
    `average cost ${fmt(before.avgCost)} -> ${fmt(e.after.avgCost)} (since the snapshot of ${before.at})`;
  const source =
    statedHere !== undefined
      ? `confirmed by IB's corporate actions (${statedHere.action.type} ${statedHere.action.date}, transaction ${statedHere.action.transactionId}: ${statedHere.action.description})`
      : e.statements === undefined
        ? 'inferred from quantity, price and average cost (no broker statements configured to confirm it)'
        : 'error' in e.statements
          ? `inferred from quantity, price and average cost (${e.statements.name} could not be read: ${e.statements.error})`
          : `inferred from quantity, price and average cost (not listed in ${e.statements.name} yet)`;
  const lieu = fraction > 0 ? `; ${fmt(fraction)} share paid in cash in lieu` : '';
  return {
    kind: 'split',
    symbol,
    ratio,
    ledgerBefore: ledger,
    brokerQuantity: broker,
    quantity: new Exact(broker).minus(ledger).toNumber(),
    cashInLieuShares: fraction,
    confirmed: statedHere !== undefined,
    evidence: `${figures}${lieu}; ${source}`,
    notice: `${symbol}: ${formatRatio(ratio)} split recorded in the ledger (${ledger} -> ${broker} shares${lieu}), ${source}; ${figures}`,
  };
}

function suspect(symbol: string, cause: string): SplitSuspect {
  return { kind: 'suspect', symbol, cause };
}

/** The price a split of ratio `r` makes of `old`. */
function expectedPrice(r: SplitRatio, old: number): number {
  return new Exact(old).times(r.from).div(r.to).toNumber();
}

/** |actual / expected - 1|. */
function deviation(r: SplitRatio, old: number, now: number): number {
  const expected = new Exact(old).times(r.from).div(r.to);
  return expected.lte(0) ? Infinity : new Exact(now).div(expected).minus(1).abs().toNumber();
}

function priceFits(r: SplitRatio, old: number, now: number): boolean {
  return deviation(r, old, now) <= SPLIT_PRICE_TOLERANCE;
}

function avgCostFits(r: SplitRatio, old: number, now: number): boolean {
  return deviation(r, old, now) <= SPLIT_AVG_COST_TOLERANCE;
}

function rankByPrice(ratios: SplitRatio[], e: SplitEvidence): SplitRatio[] {
  const before = e.before;
  const price = e.after.price;
  if (before === undefined || price === undefined) return ratios;
  return [...ratios].sort((a, b) => deviation(a, before.price, price) - deviation(b, before.price, price));
}

/** Equal ratios (6:4 and 3:2) once. */
function uniqueRatios(ratios: SplitRatio[]): SplitRatio[] {
  const seen = new Set<string>();
  return ratios.filter((r) => {
    const key = new Exact(r.to).div(r.from).toString();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
