import { exchangeClock } from '../../core/session.js';
import type { AccountEvent, GatewayAccount } from '../account/gateway-account.js';
import {
  accountFigures,
  accountUpdateValues,
  type AccountFigures,
  ledger,
  ledgerCurrencies,
  portfolioLines,
  summaryValues,
  type AccountValue,
  type PortfolioLine,
} from '../account/account-values.js';
import {
  accountDownloadEnd,
  accountTime,
  accountUpdateMulti,
  accountUpdateMultiEnd,
  accountValue,
  pnl,
  pnlSingle,
  portfolioValue,
} from '../encode/encode-account.js';
import { accountSummary, position } from '../encode/encode-basic.js';
import { UNSET_DOUBLE } from '../encode/values.js';

/**
 * The account subscriptions of each connection, kept as TWS keeps them: reqPositions (a traded stock's new
 * position pushed until cancelPositions), reqAccountSummary (at most two at once
 * per client: a third is refused with error 322 until one is cancelled), reqAccountUpdates (one account per
 * client; a new subscription replaces the last), reqAccountUpdatesMulti, reqPnL and reqPnLSingle by request id.
 *
 * When TWS sends: the summary's values at once, then those that changed every three minutes. Account and
 * portfolio values as a full download on subscribing, then, as IB documents for the Account Window, every three
 * minutes the values that changed, and at once after a trade: the account values that changed and the traded
 * instrument's portfolio line (the three-minute interval runs on regardless); each batch ends with the account
 * time. P&L is sent on subscribing and whenever it changes (at most
 * once per gateway second, the pace the gateway advances its market at). Nothing is sent for an account the
 * login does not manage, nor for a conId the account neither holds nor traded today: IB leaves such a
 * subscription silent.
 */

/** IB's refresh interval of account values without a position change. */
export const ACCOUNT_REFRESH_MS = 3 * 60 * 1000;

/** Where pushes go: a connection past START_API (structurally, the session's ClientLink). */
export interface Subscriber {
  send(...frames: string[][]): void;
}

/** What the pushes read: the account and the gateway clock. */
export interface SubscriptionSource {
  readonly account: GatewayAccount;
  clock(): string;
}

interface UpdatesSub {
  account: string;
  values: Map<string, string>;
  portfolio: Map<string, string>;
  sentAt: number;
}

interface MultiSub {
  account: string;
  modelCode: string;
  ledgerAndNlv: boolean;
  values: Map<string, string>;
  sentAt: number;
}

interface SummarySub {
  tags: string[];
  values: Map<string, string>;
  sentAt: number;
}

interface Subs {
  /** reqPositions until cancelPositions: a traded stock's new position is pushed. */
  positions: boolean;
  summary: Map<number, SummarySub>;
  updates?: UpdatesSub;
  multi: Map<number, MultiSub>;
  pnl: Map<number, { last?: string }>;
  pnlSingle: Map<number, { conId: number; last?: string }>;
}

const registry = new WeakMap<Subscriber, Subs>();

function subsOf(link: Subscriber): Subs {
  let subs = registry.get(link);
  if (subs === undefined) {
    subs = { positions: false, summary: new Map(), multi: new Map(), pnl: new Map(), pnlSingle: new Map() };
    registry.set(link, subs);
  }
  return subs;
}

/** True when `requested` names the one managed account ("" means it too, for a single-account login). */
function isManaged(src: SubscriptionSource, requested: string): boolean {
  return requested === '' || requested === src.account.state.account;
}

/**
 * POSITION for one stock as TWS sends it: the listing exchange (NASDAQ, NYSE, ARCA...) in the contract's exchange
 * field, not SMART; quantity 0 for a position just closed.
 */
export function positionFrame(account: GatewayAccount, symbol: string): string[] {
  const contract = account.contract(symbol);
  const held = account.state.positions[symbol];
  return position({
    account: account.state.account,
    conId: contract.conId,
    symbol,
    exchange: contract.primaryExchange,
    currency: contract.currency,
    tradingClass: contract.tradingClass,
    quantity: held?.quantity ?? 0,
    avgCost: held?.avgCost ?? 0,
  });
}

/** reqPositions: every non-zero position now (the caller sends the end marker); a traded stock's position follows. */
export function subscribePositions(link: Subscriber, src: SubscriptionSource): string[][] {
  subsOf(link).positions = true;
  return src.account.positions().map((p) => positionFrame(src.account, p.symbol));
}

/** cancelPositions: TWS sends nothing back. */
export function cancelPositions(link: Subscriber): void {
  subsOf(link).positions = false;
}

/** IB's cap on a client's account summary subscriptions open at once. */
export const MAX_ACCOUNT_SUMMARIES = 2;

/** IB's text for error 322 when a client asks for a third account summary. */
export const TOO_MANY_SUMMARIES = 'Maximum number of account summary requests exceeded; desubscribe to previous request first';

/**
 * reqAccountSummary: the requested tags' values now (the caller sends the end marker), then the changes every
 * three minutes. Undefined when the client already has {@link MAX_ACCOUNT_SUMMARIES} open (error 322).
 */
export function subscribeAccountSummary(
  link: Subscriber,
  src: SubscriptionSource,
  reqId: number,
  tags: readonly string[],
): string[][] | undefined {
  const subs = subsOf(link);
  subs.summary.delete(reqId);
  if (subs.summary.size >= MAX_ACCOUNT_SUMMARIES) return undefined;
  const sub: SummarySub = { tags: [...tags], values: new Map(), sentAt: Date.parse(src.clock()) };
  subs.summary.set(reqId, sub);
  return summaryFrames(src, reqId, sub, true);
}

/** cancelAccountSummary: TWS sends nothing back. */
export function cancelAccountSummary(link: Subscriber, reqId: number): void {
  subsOf(link).summary.delete(reqId);
}

/**
 * The rows of the requested tags: the account-wide tags TWS knows (others are left out, as IB does) and the
 * `$LEDGER` groups: `$LEDGER` the base currency's ledger (currency column "BASE"), `$LEDGER:<CCY>` that
 * currency's (nothing for one the account does not hold), `$LEDGER:ALL` BASE's and every held currency's.
 */
export function summaryRows(figures: AccountFigures, tags: readonly string[]): AccountValue[] {
  const values = summaryValues(figures);
  return tags.flatMap((tag): AccountValue[] => {
    const ledgerOf = /^\$LEDGER(?::(.+))?$/i.exec(tag);
    if (ledgerOf !== null) {
      const which = ledgerOf[1]?.toUpperCase();
      const currencies = which === undefined ? ['BASE'] : which === 'ALL' ? ledgerCurrencies(figures) : [which];
      return currencies.flatMap((ccy) => ledger(figures, ccy, 'summary') ?? []);
    }
    const value = values[tag];
    return value === undefined ? [] : [[tag, value[0], value[1]]];
  });
}

/** reqAccountUpdates(true, account): the full download, then updates; replaces this client's earlier one. */
export function subscribeAccountUpdates(link: Subscriber, src: SubscriptionSource, requested: string): void {
  const subs = subsOf(link);
  delete subs.updates;
  if (!isManaged(src, requested)) return;
  const account = src.account.state.account;
  const sub: UpdatesSub = { account, values: new Map(), portfolio: new Map(), sentAt: Date.parse(src.clock()) };
  subs.updates = sub;
  link.send(...updatesFrames(src, sub, true), accountDownloadEnd(account));
}

/** reqAccountUpdates(false, ...): stops them (TWS sends nothing back). */
export function unsubscribeAccountUpdates(link: Subscriber): void {
  delete subsOf(link).updates;
}

/** reqAccountUpdatesMulti: the values, then the end marker; later only the changes. */
export function subscribeAccountUpdatesMulti(
  link: Subscriber,
  src: SubscriptionSource,
  reqId: number,
  requested: string,
  modelCode: string,
  ledgerAndNlv: boolean,
): void {
  const subs = subsOf(link);
  const sub: MultiSub = { account: src.account.state.account, modelCode, ledgerAndNlv, values: new Map(), sentAt: Date.parse(src.clock()) };
  // An account the login does not manage, or a model (advisor accounts only): no values, only the end.
  if (!isManaged(src, requested) && requested !== 'All') {
    link.send(accountUpdateMultiEnd(reqId));
    return;
  }
  subs.multi.set(reqId, sub);
  link.send(...multiFrames(src, reqId, sub, true), accountUpdateMultiEnd(reqId));
}

export function cancelAccountUpdatesMulti(link: Subscriber, reqId: number): void {
  subsOf(link).multi.delete(reqId);
}

/** reqPnL: the account's daily, unrealised and realised P&L now, then when it changes. */
export function subscribePnl(link: Subscriber, src: SubscriptionSource, reqId: number, requested: string): void {
  const subs = subsOf(link);
  if (requested !== src.account.state.account) return;
  const sub: { last?: string } = {};
  subs.pnl.set(reqId, sub);
  link.send(...pnlFrames(src, reqId, sub));
}

/** reqPnLSingle: one position's P&L now (once the account holds or traded it), then when it changes. */
export function subscribePnlSingle(link: Subscriber, src: SubscriptionSource, reqId: number, requested: string, conId: number): void {
  const subs = subsOf(link);
  if (requested !== src.account.state.account) return;
  const sub: { conId: number; last?: string } = { conId };
  subs.pnlSingle.set(reqId, sub);
  link.send(...pnlSingleFrames(src, reqId, sub));
}

export function cancelPnl(link: Subscriber, reqId: number): void {
  subsOf(link).pnl.delete(reqId);
}

export function cancelPnlSingle(link: Subscriber, reqId: number): void {
  subsOf(link).pnlSingle.delete(reqId);
}

/**
 * After the account changed (or the gateway advanced its clock): each subscriber gets what TWS would push now.
 * A fill among `events` sends the account updates at once; otherwise they wait for the three-minute refresh.
 */
export function refreshSubscriptions(src: SubscriptionSource, events: readonly AccountEvent[], links: readonly Subscriber[]): void {
  // A conversion's fill moves cash, never a position: it sends the account values, no position or portfolio line.
  const filled = events.some((e) => e.kind === 'execution');
  const traded = new Set(events.flatMap((e) => (e.kind === 'execution' && e.execution.secType !== 'CASH' ? [e.execution.symbol] : [])));
  const now = Date.parse(src.clock());
  for (const link of links) {
    const subs = registry.get(link);
    if (subs === undefined) continue;
    const frames: string[][] = [];
    /** True when the three-minute refresh is due (and restarts its interval). */
    const periodic = (sub: { sentAt: number }): boolean => {
      if (now - sub.sentAt < ACCOUNT_REFRESH_MS) return false;
      sub.sentAt = now;
      return true;
    };
    if (subs.positions) frames.push(...[...traded].map((symbol) => positionFrame(src.account, symbol)));
    for (const [reqId, sub] of subs.summary) if (periodic(sub)) frames.push(...summaryFrames(src, reqId, sub, false));
    if (subs.updates !== undefined) {
      const due = periodic(subs.updates);
      if (due || filled) {
        const changed = updatesFrames(src, subs.updates, false, due ? undefined : traded);
        if (changed.length > 0) frames.push(...changed, accountTime(exchangeClock(src.clock())));
      }
    }
    for (const [reqId, sub] of subs.multi) {
      if (periodic(sub) || filled) frames.push(...multiFrames(src, reqId, sub, false));
    }
    for (const [reqId, sub] of subs.pnl) frames.push(...pnlFrames(src, reqId, sub));
    for (const [reqId, sub] of subs.pnlSingle) frames.push(...pnlSingleFrames(src, reqId, sub));
    if (frames.length > 0) link.send(...frames);
  }
}

/**
 * Account values and portfolio lines that differ from what `sub` last sent (all of them when `full`); only the
 * lines of `only` (the traded symbols) when given.
 */
function updatesFrames(src: SubscriptionSource, sub: UpdatesSub, full: boolean, only?: ReadonlySet<string>): string[][] {
  const figures = accountFigures(src.account);
  const frames: string[][] = [];
  for (const [key, value, currency] of accountUpdateValues(figures)) {
    if (!changed(sub.values, `${key}|${currency}`, value, full)) continue;
    frames.push(accountValue(key, value, currency, sub.account));
  }
  for (const line of portfolioLines(src.account)) {
    if (only !== undefined && !only.has(line.symbol)) continue;
    const frame = portfolioFrame(src, line, sub.account);
    if (!changed(sub.portfolio, line.symbol, frame.join('|'), full)) continue;
    frames.push(frame);
  }
  if (full) frames.push(accountTime(exchangeClock(src.clock())));
  return frames;
}

function summaryFrames(src: SubscriptionSource, reqId: number, sub: SummarySub, full: boolean): string[][] {
  const figures = accountFigures(src.account);
  return summaryRows(figures, sub.tags)
    .filter(([key, value, currency]) => changed(sub.values, `${key}|${currency}`, value, full))
    .map(([key, value, currency]) => accountSummary(reqId, figures.account, key, value, currency));
}

function multiFrames(src: SubscriptionSource, reqId: number, sub: MultiSub, full: boolean): string[][] {
  const figures = accountFigures(src.account);
  const values: AccountValue[] = sub.ledgerAndNlv
    ? [
        ['NetLiquidation', ...(summaryValues(figures).NetLiquidation ?? ['', ''])],
        ...ledgerCurrencies(figures).flatMap((ccy) => ledger(figures, ccy, 'updates') ?? []),
      ]
    : accountUpdateValues(figures);
  return values
    .filter(([key, value, currency]) => changed(sub.values, `${key}|${currency}`, value, full))
    .map(([key, value, currency]) => accountUpdateMulti(reqId, sub.account, sub.modelCode, key, value, currency));
}

function pnlFrames(src: SubscriptionSource, reqId: number, sub: { last?: string }): string[][] {
  const f = accountFigures(src.account);
  const frame = pnl(reqId, round2(f.dailyPnl.toNumber()), round2(f.unrealizedPnl.toNumber()), round2(f.realizedPnl.toNumber()));
  const text = frame.join('|');
  if (sub.last === text) return [];
  sub.last = text;
  return [frame];
}

function pnlSingleFrames(src: SubscriptionSource, reqId: number, sub: { conId: number; last?: string }): string[][] {
  const line = portfolioLines(src.account).find((l) => src.account.contract(l.symbol).conId === sub.conId);
  if (line === undefined) return [];
  const frame = pnlSingle(
    reqId,
    line.position,
    round2(line.dailyPnl.toNumber()),
    round2(line.unrealizedPnl.toNumber()),
    line.tradedToday ? String(round2(line.realizedPnl.toNumber())) : UNSET_DOUBLE,
    round2(line.marketValue.toNumber()),
  );
  const text = frame.join('|');
  if (sub.last === text) return [];
  sub.last = text;
  return [frame];
}

function portfolioFrame(src: SubscriptionSource, line: PortfolioLine, account: string): string[] {
  const contract = src.account.contract(line.symbol);
  return portfolioValue({
    conId: contract.conId,
    symbol: line.symbol,
    primaryExchange: contract.primaryExchange,
    currency: contract.currency,
    tradingClass: contract.tradingClass,
    position: line.position,
    marketPrice: line.marketPrice,
    marketValue: round2(line.marketValue.toNumber()),
    averageCost: line.averageCost,
    unrealizedPnl: round2(line.unrealizedPnl.toNumber()),
    realizedPnl: round2(line.realizedPnl.toNumber()),
    account,
  });
}

/** Records `value` under `key`; true when it differs from the last one sent (or `full`). */
function changed(last: Map<string, string>, key: string, value: string, full: boolean): boolean {
  const differs = full || last.get(key) !== value;
  last.set(key, value);
  return differs;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
