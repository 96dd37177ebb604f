import type { ContractView } from '../account/contracts.js';
import { stockContractFields } from './order-fields.js';
import { REPLY } from '../wire/message-ids.js';
import { UNSET_DOUBLE, num } from './values.js';

/**
 * EXECUTION_DATA (32 fields, no version since 136) and COMMISSION_REPORT at server version 193. Executions
 * answer reqExecutions under its reqId, and are pushed with reqId -1 when an order fills while its client is
 * connected; a commission report follows each, before the request's end marker.
 */

export interface ExecutionView {
  execId: string;
  orderId: number;
  permId: number;
  clientId: number;
  account: string;
  contract: ContractView;
  side: 'BUY' | 'SELL';
  shares: number;
  price: number;
  /** `yyyyMMdd HH:mm:ss US/Eastern`, as TWS reports execution times. */
  time: string;
  /** Shares of the order filled up to and including this execution, and their average price. */
  cumQty: number;
  avgPrice: number;
  orderRef: string;
  commission: number;
  currency: string;
}

/** EXECUTION_DATA `11|reqId|orderId|contract(11)|execId|time|acctNumber|exchange|side|shares|price|permId|clientId|...`. */
export function executionData(reqId: number, e: ExecutionView): string[] {
  const c = e.contract;
  return [
    String(REPLY.EXECUTION_DATA),
    String(reqId),
    String(e.orderId),
    ...stockContractFields(c),
    e.execId,
    e.time,
    e.account,
    c.primaryExchange,
    e.side === 'BUY' ? 'BOT' : 'SLD',
    num(e.shares),
    num(e.price),
    String(e.permId),
    String(e.clientId),
    '0',
    num(e.cumQty),
    num(e.avgPrice),
    e.orderRef,
    // evRule, evMultiplier, modelCode, lastLiquidity (2: removed liquidity, as a marketable order does), pendingPriceRevision
    '',
    '',
    '',
    '2',
    '0',
  ];
}

/** COMMISSION_REPORT `59|1|execId|commission|currency|realizedPNL|yield|yieldRedemptionDate` (P&L and yield n/a). */
export function commissionReport(e: ExecutionView): string[] {
  return [String(REPLY.COMMISSION_REPORT), '1', e.execId, num(e.commission), e.currency, UNSET_DOUBLE, UNSET_DOUBLE, ''];
}
