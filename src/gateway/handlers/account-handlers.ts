import { accountSummaryEnd, currentTime, errorMessage, managedAccounts, nextValidId, positionEnd } from '../encode/encode-basic.js';
import {
  parseAccountSummary,
  parseAccountUpdates,
  parseAccountUpdatesMulti,
  parseBare,
  parseCancelAccountUpdatesMulti,
  parseCancelPnl,
  parseMarketDataType,
  parsePnl,
  parsePnlSingle,
  parseReqIdOnly,
  parseReqIds,
} from '../parse/parse-requests.js';
import {
  cancelAccountSummary,
  cancelAccountUpdatesMulti,
  cancelPositions,
  cancelPnl,
  cancelPnlSingle,
  subscribeAccountSummary,
  subscribeAccountUpdates,
  subscribeAccountUpdatesMulti,
  subscribePnl,
  subscribePnlSingle,
  subscribePositions,
  TOO_MANY_SUMMARIES,
  unsubscribeAccountUpdates,
} from '../session/account-subscriptions.js';
import type { ClientLink, GatewayContext } from '../session/context.js';

/**
 * Requests about the session and the account: time, accounts, ids, account summary, positions, and the account
 * subscriptions (account updates, account updates multi, P&L).
 */

/** REQ_CURRENT_TIME: the gateway clock in epoch seconds (also the client's watchdog ping). */
export function handleCurrentTime(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  link.send(currentTime(Date.parse(ctx.clock()) / 1000));
}

/** REQ_MANAGED_ACCTS: the one simulated account. */
export function handleManagedAccounts(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  link.send(managedAccounts([ctx.account.state.account]));
}

/** REQ_IDS: the next order id, above every id any client has used. */
export function handleReqIds(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseReqIds(fields);
  link.send(nextValidId(ctx.account.state.nextOrderId));
}

/** REQ_MARKET_DATA_TYPE: remembered for this connection's later market data requests; TWS sends no reply. */
export function handleMarketDataType(link: ClientLink, fields: string[]): void {
  link.marketDataType = parseMarketDataType(fields);
}

/**
 * REQ_ACCOUNT_SUMMARY: one message per requested tag TWS knows (and per `$LEDGER` row), then the end marker
 * (group is always "All" here); the changes follow every three minutes until cancelled. A client's third open
 * summary is refused with error 322, as IB refuses it.
 */
export function handleAccountSummary(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, tags } = parseAccountSummary(fields);
  const frames = subscribeAccountSummary(link, ctx, reqId, tags);
  if (frames === undefined) link.send(errorMessage(reqId, 322, TOO_MANY_SUMMARIES));
  else link.send(...frames, accountSummaryEnd(reqId));
}

/** CANCEL_ACCOUNT_SUMMARY: TWS sends nothing back. */
export function handleCancelAccountSummary(link: ClientLink, fields: string[]): void {
  cancelAccountSummary(link, parseReqIdOnly(fields));
}

/** REQ_ACCOUNT_DATA (reqAccountUpdates): subscribe or unsubscribe this client's account updates. */
export function handleAccountUpdates(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { subscribe, account } = parseAccountUpdates(fields);
  if (subscribe) subscribeAccountUpdates(link, ctx, account);
  else unsubscribeAccountUpdates(link);
}

/** REQ_ACCOUNT_UPDATES_MULTI. */
export function handleAccountUpdatesMulti(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, account, modelCode, ledgerAndNlv } = parseAccountUpdatesMulti(fields);
  subscribeAccountUpdatesMulti(link, ctx, reqId, account, modelCode, ledgerAndNlv);
}

/** CANCEL_ACCOUNT_UPDATES_MULTI: TWS sends nothing back. */
export function handleCancelAccountUpdatesMulti(link: ClientLink, fields: string[]): void {
  cancelAccountUpdatesMulti(link, parseCancelAccountUpdatesMulti(fields));
}

/** REQ_PNL. */
export function handlePnl(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, account } = parsePnl(fields);
  subscribePnl(link, ctx, reqId, account);
}

/** REQ_PNL_SINGLE. */
export function handlePnlSingle(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, account, conId } = parsePnlSingle(fields);
  subscribePnlSingle(link, ctx, reqId, account, conId);
}

/** CANCEL_PNL: TWS sends nothing back. */
export function handleCancelPnl(link: ClientLink, fields: string[]): void {
  cancelPnl(link, parseCancelPnl(fields));
}

/** CANCEL_PNL_SINGLE: TWS sends nothing back. */
export function handleCancelPnlSingle(link: ClientLink, fields: string[]): void {
  cancelPnlSingle(link, parseCancelPnl(fields));
}

/**
 * REQ_POSITIONS: every non-zero position (its exchange field the listing exchange, as TWS sends it), then the end
 * marker; until CANCEL_POSITIONS, a traded stock's new position follows (0 when closed).
 */
export function handlePositions(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  link.send(...subscribePositions(link, ctx), positionEnd());
}

/** CANCEL_POSITIONS: TWS sends nothing back. */
export function handleCancelPositions(link: ClientLink, fields: string[]): void {
  parseBare(fields);
  cancelPositions(link);
}
