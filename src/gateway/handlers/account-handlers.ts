import type { AccountSummary } from '../../core/types.js';
import {
  accountSummary,
  accountSummaryEnd,
  currentTime,
  managedAccounts,
  nextValidId,
  position,
  positionEnd,
} from '../encode/encode-basic.js';
import { money, num } from '../encode/values.js';
import { parseAccountSummary, parseBare, parseMarketDataType, parseReqIds } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';

/** Requests about the session and the account: time, accounts, ids, account summary, positions. */

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

/** The tags the gateway can answer, as IB spells their values; others are left out, as IB does. */
const TAGS: Record<string, (s: AccountSummary) => [value: string, currency: 'account' | '']> = {
  NetLiquidation: (s) => [money(s.netLiquidation), 'account'],
  TotalCashValue: (s) => [money(s.totalCash), 'account'],
  SettledCash: (s) => [money(s.totalCash), 'account'],
  GrossPositionValue: (s) => [money(s.grossPositionValue), 'account'],
  MaintMarginReq: (s) => [money(s.maintMargin), 'account'],
  ExcessLiquidity: (s) => [money(s.excessLiquidity), 'account'],
  AvailableFunds: (s) => [money(s.excessLiquidity), 'account'],
  EquityWithLoanValue: (s) => [money(s.netLiquidation), 'account'],
  // Reg T margin: four times the excess liquidity (IB's day-trading buying power).
  BuyingPower: (s) => [money(s.excessLiquidity * 4), 'account'],
  Cushion: (s) => [num(s.cushion), ''],
  AccountType: () => ['INDIVIDUAL', ''],
};

/** REQ_ACCOUNT_SUMMARY: one message per requested tag, then the end marker (group is always "All" here). */
export function handleAccountSummary(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, tags } = parseAccountSummary(fields);
  const summary = ctx.account.summary();
  const frames = tags.flatMap((tag) => {
    const value = TAGS[tag]?.(summary);
    if (value === undefined) return [];
    return [accountSummary(reqId, summary.account, tag, value[0], value[1] === 'account' ? summary.currency : '')];
  });
  link.send(...frames, accountSummaryEnd(reqId));
}

/** REQ_POSITIONS: every non-zero position, then the end marker. */
export function handlePositions(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  parseBare(fields);
  const frames = ctx.account.positions().map((p) => {
    const contract = ctx.account.contract(p.symbol);
    return position({
      account: p.account,
      conId: contract.conId,
      symbol: p.symbol,
      currency: contract.currency,
      tradingClass: contract.tradingClass,
      quantity: p.quantity,
      avgCost: p.avgCost,
    });
  });
  link.send(...frames, positionEnd());
}
