import { REPLY } from '../wire/message-ids.js';
import { limitOrderHeadFields, stockContractFields } from './order-fields.js';
import type { OrderView } from './encode-orders.js';
import { num } from './values.js';

/**
 * COMPLETED_ORDER and COMPLETED_ORDERS_END at server version 193, the answer to reqCompletedOrders.
 *
 * COMPLETED_ORDER is not OPEN_ORDER: it has no version field, no order id and no client id (so a client can
 * match a completed order to its own only by permId or orderRef), no sharesAllocation, auctionStrategy,
 * basisPoints, parentId or whatIf/margin block, and it ends with the fields only a finished order has: the
 * filled quantity, the parent's permId, the completion time and IB's text for how it ended. It carries no
 * average fill price: that comes only with the executions. The sequence is IB's EDecoder.processCompletedOrderMsg
 * (and @stoqey/ib's decodeMsg_COMPLETED_ORDER, which reads it with the order version unset, i.e. every field).
 * 101 fields for an Adaptive order, 98 without an algo.
 */

/** One finished order as COMPLETED_ORDER describes it. */
export interface CompletedOrderView extends OrderView {
  /** When it reached its final state, as TWS prints it: `yyyyMMdd HH:mm:ss <IANA zone>` in the login's zone. */
  completedTime: string;
  /** IB's text for how it ended, e.g. "Filled" or "Cancelled by Trader". */
  completedStatus: string;
}

const EMPTY = (n: number): string[] => Array.from({ length: n }, () => '');

/** Java's Long.MAX_VALUE, which TWS sends as the parentPermId of an order without a parent. */
const NO_PARENT_PERM_ID = '9223372036854775807';

/** COMPLETED_ORDER: the finished order, its contract and how it ended. */
export function completedOrder(o: CompletedOrderView): string[] {
  const c = o.contract;
  const algo = o.adaptivePriority === undefined ? [''] : ['Adaptive', '1', 'adaptivePriority', o.adaptivePriority];
  return [
    String(REPLY.COMPLETED_ORDER),
    ...stockContractFields(c),
    ...limitOrderHeadFields(o),
    // permId (no client id), outsideRth, hidden, discretionaryAmt, goodAfterTime (no sharesAllocation)
    String(o.permId),
    '0',
    '0',
    '0',
    '',
    // faGroup, faMethod, faPercentage, modelCode, goodTillDate, rule80A, percentOffset, settlingFirm
    ...EMPTY(8),
    // shortSaleSlot, designatedLocation, exemptCode (no auctionStrategy), startingPrice, stockRefPrice, delta, stockRange x2, displaySize
    '0',
    '',
    '-1',
    ...EMPTY(6),
    // sweepToFill, allOrNone, minQty, ocaType, triggerMethod (no blockOrder, eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId)
    '0',
    '0',
    '',
    '3',
    '0',
    // volatility, volatilityType, deltaNeutralOrderType (empty: no DN fields), deltaNeutralAuxPrice, continuousUpdate, referencePriceType
    '',
    '0',
    '',
    '',
    '0',
    '0',
    // trailStopPrice, trailingPercent (no basisPoints), comboLegsDescription, comboLegsCount, orderComboLegsCount, smartComboRoutingParamsCount
    '',
    '',
    '',
    '0',
    '0',
    '0',
    // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no scale fields), hedgeType (empty: no param)
    ...EMPTY(4),
    // clearingAccount, clearingIntent, notHeld, deltaNeutralContract flag (no optOutSmartRouting)
    '',
    '',
    '0',
    '0',
    // algoStrategy [, algoParamsCount, tag, value]
    ...algo,
    // solicited, orderState.status (no whatIf, no margins or commission), randomizeSize, randomizePrice, conditionsCount
    '0',
    o.status,
    '0',
    '0',
    '0',
    // trailStopPrice, lmtPriceOffset, cashQty, dontUseAutoPriceForHedge, isOmsContainer, autoCancelDate
    '',
    '',
    '',
    '0',
    '0',
    '',
    // filledQuantity, refFuturesConId, autoCancelParent, shareholder, imbalanceOnly, routeMarketableToBbo, parentPermId
    num(o.filled),
    '0',
    '0',
    '',
    '0',
    '0',
    NO_PARENT_PERM_ID,
    // completedTime, completedStatus
    o.completedTime,
    o.completedStatus,
    // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf, customerAccount, professionalCustomer
    ...EMPTY(6),
    '0',
  ];
}

/** COMPLETED_ORDERS_END `102`: nothing but the id. */
export function completedOrdersEnd(): string[] {
  return [String(REPLY.COMPLETED_ORDERS_END)];
}
