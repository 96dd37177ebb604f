import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * The account subscription messages, field for field as the client's Decoder reads them at server version
 * 193: reqAccountUpdates (account values, portfolio, account time, download end), reqAccountUpdatesMulti, and
 * reqPnL / reqPnLSingle (which carry no version field).
 */

const id = (n: number): string => String(n);

/** UPDATE_ACCOUNT_VALUE `6|2|key|value|currency|account`. */
export function accountValue(key: string, value: string, currency: string, account: string): string[] {
  return [id(REPLY.ACCT_VALUE), '2', key, value, currency, account];
}

/** One position as the portfolio reports it: the contract (primary exchange, no routing exchange) and values. */
export interface PortfolioView {
  conId: number;
  symbol: string;
  primaryExchange: string;
  currency: string;
  tradingClass: string;
  position: number;
  marketPrice: number;
  marketValue: number;
  averageCost: number;
  unrealizedPnl: number;
  realizedPnl: number;
  account: string;
}

/**
 * UPDATE_PORTFOLIO_VALUE `7|8|conId|symbol|secType|lastTradeDate|strike|right|multiplier|primaryExch|currency|
 * localSymbol|tradingClass|position|marketPrice|marketValue|averageCost|unrealizedPNL|realizedPNL|account`
 * (20 fields). The contract has no exchange field here, only the listing exchange; TWS sends a stock's right
 * as "0".
 */
export function portfolioValue(p: PortfolioView): string[] {
  return [
    id(REPLY.PORTFOLIO_VALUE),
    '8',
    id(p.conId),
    p.symbol,
    'STK',
    '',
    '0',
    '0',
    '',
    p.primaryExchange,
    p.currency,
    p.symbol,
    p.tradingClass,
    num(p.position),
    num(p.marketPrice),
    num(p.marketValue),
    num(p.averageCost),
    num(p.unrealizedPnl),
    num(p.realizedPnl),
    p.account,
  ];
}

/** UPDATE_ACCOUNT_TIME `8|1|HH:mm`: the time of the last update, TWS's own clock. */
export function accountTime(hhmm: string): string[] {
  return [id(REPLY.ACCT_UPDATE_TIME), '1', hhmm];
}

/** ACCOUNT_DOWNLOAD_END `54|1|account`. */
export function accountDownloadEnd(account: string): string[] {
  return [id(REPLY.ACCT_DOWNLOAD_END), '1', account];
}

/** ACCOUNT_UPDATE_MULTI `73|1|reqId|account|modelCode|key|value|currency`. */
export function accountUpdateMulti(
  reqId: number,
  account: string,
  modelCode: string,
  key: string,
  value: string,
  currency: string,
): string[] {
  return [id(REPLY.ACCOUNT_UPDATE_MULTI), '1', id(reqId), account, modelCode, key, value, currency];
}

/** ACCOUNT_UPDATE_MULTI_END `74|1|reqId`. */
export function accountUpdateMultiEnd(reqId: number): string[] {
  return [id(REPLY.ACCOUNT_UPDATE_MULTI_END), '1', id(reqId)];
}

/** PNL `94|reqId|dailyPnL|unrealizedPnL|realizedPnL` (no version field). */
export function pnl(reqId: number, daily: number, unrealized: number, realized: number): string[] {
  return [id(REPLY.PNL), id(reqId), num(daily), num(unrealized), num(realized)];
}

/**
 * PNL_SINGLE `95|reqId|pos|dailyPnL|unrealizedPnL|realizedPnL|value` (no version field). `realized` is a
 * number or IB's unset double (a position not traded today has no realised P&L).
 */
export function pnlSingle(reqId: number, pos: number, daily: number, unrealized: number, realized: string, value: number): string[] {
  return [id(REPLY.PNL_SINGLE), id(reqId), num(pos), num(daily), num(unrealized), realized, num(value)];
}
