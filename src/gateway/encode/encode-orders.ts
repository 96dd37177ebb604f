import type { ContractView } from '../account/contracts.js';
import { limitOrderHeadFields, stockContractFields } from './order-fields.js';
import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * OPEN_ORDER and ORDER_STATUS at server version 193, for the simulator's orders (STK, DAY LMT, with or without
 * the Adaptive algo). OPEN_ORDER has no version field since 145 and carries 136 fields for an Adaptive order
 * (134 without an algo): the sequence of IB's EDecoder.processOpenOrderMsg, with every optional group empty.
 * The client (IBApiNext) matches orders by permId, so both messages carry the same non-zero one.
 */

/** One order as both messages describe it. */
export interface OrderView {
  orderId: number;
  permId: number;
  clientId: number;
  account: string;
  contract: ContractView;
  action: 'BUY' | 'SELL';
  quantity: number;
  lmtPrice: number;
  tif: string;
  orderRef: string;
  /** Set for an Adaptive order; absent for a plain limit order. */
  adaptivePriority?: string;
  status: string;
  filled: number;
  avgFillPrice: number;
  /** Price of the order's latest execution, 0 before the first. */
  lastFillPrice: number;
}

const EMPTY = (n: number): string[] => Array.from({ length: n }, () => '');

/** OPEN_ORDER: the order, its contract and its state. */
export function openOrder(o: OrderView): string[] {
  const c = o.contract;
  const algo = o.adaptivePriority === undefined ? [''] : ['Adaptive', '1', 'adaptivePriority', o.adaptivePriority];
  return [
    String(REPLY.OPEN_ORDER),
    String(o.orderId),
    ...stockContractFields(c),
    ...limitOrderHeadFields(o),
    // clientId, permId, outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation
    String(o.clientId),
    String(o.permId),
    '0',
    '0',
    '0',
    '',
    '',
    // faGroup, faMethod, faPercentage, modelCode, goodTillDate, rule80A, percentOffset, settlingFirm
    ...EMPTY(8),
    // shortSaleSlot, designatedLocation, exemptCode, auctionStrategy, startingPrice, stockRefPrice, delta, stockRange x2, displaySize
    '0',
    '',
    '-1',
    '0',
    ...EMPTY(6),
    // blockOrder, sweepToFill, allOrNone, minQty, ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap
    '0',
    '0',
    '0',
    '',
    '3',
    '0',
    '0',
    '',
    // parentId, triggerMethod, volatility, volatilityType, deltaNeutralOrderType (empty: no DN fields), deltaNeutralAuxPrice
    '0',
    '0',
    '',
    '0',
    '',
    '',
    // continuousUpdate, referencePriceType, trailStopPrice, trailingPercent, basisPoints, basisPointsType
    '0',
    '0',
    ...EMPTY(4),
    // comboLegsDescription, comboLegsCount, orderComboLegsCount, smartComboRoutingParamsCount
    '',
    '0',
    '0',
    '0',
    // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no scale fields), hedgeType (empty: no param)
    ...EMPTY(4),
    // optOutSmartRouting, clearingAccount, clearingIntent, notHeld, deltaNeutralContract flag
    '0',
    '',
    '',
    '0',
    '0',
    // algoStrategy [, algoParamsCount, tag, value]
    ...algo,
    // solicited, whatIf, orderState.status
    '0',
    '0',
    o.status,
    // margins before/change/after (9), commission, min, max, commissionCurrency, warningText
    ...EMPTY(14),
    // randomizeSize, randomizePrice, conditionsCount
    '0',
    '0',
    '0',
    // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice, adjustedTrailingAmount
    ...EMPTY(7),
    // adjustableTrailingUnit, softDollarTier name/value/displayName, cashQty
    '0',
    ...EMPTY(4),
    // dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo, duration, postToAts, autoCancelParent
    '0',
    '0',
    '0',
    '0',
    '',
    '',
    '0',
    // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf, customerAccount
    ...EMPTY(6),
    // professionalCustomer, bondAccruedInterest, includeOvernight, extOperator, manualOrderIndicator
    '0',
    '',
    '0',
    '',
    '',
  ];
}

/** ORDER_STATUS `3|orderId|status|filled|remaining|avgFillPrice|permId|parentId|lastFillPrice|clientId|whyHeld|mktCapPrice`. */
export function orderStatus(o: OrderView): string[] {
  return [
    String(REPLY.ORDER_STATUS),
    String(o.orderId),
    o.status,
    num(o.filled),
    num(o.quantity - o.filled),
    num(o.avgFillPrice),
    String(o.permId),
    '0',
    num(o.lastFillPrice),
    String(o.clientId),
    '',
    '0',
  ];
}

/** ORDER_STATUS of an order TWS refused: it never reached the book, so it has no permId (0) and nothing filled. */
export function refusedOrderStatus(orderId: number, status: string, clientId: number, quantity: number): string[] {
  return [String(REPLY.ORDER_STATUS), String(orderId), status, '0', num(quantity), '0', '0', '0', '0', String(clientId), '', '0'];
}
