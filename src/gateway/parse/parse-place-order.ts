import { FieldCursor } from '../wire/field-cursor.js';
import {
  readAlgo,
  readComboGroups,
  readConditions,
  readDeltaNeutralContract,
  readDeltaNeutralOrder,
  readPegBenchFields,
  readPegBestMidFields,
  readScaleFields,
} from './parse-order-groups.js';

/** An Adaptive (or other algo) parameter as sent: `adaptivePriority` = `Normal`. */
export interface AlgoParam {
  tag: string;
  value: string;
}

/** A PLACE_ORDER message read field by field: what the gateway acts on, and what tests assert. */
export interface ParsedPlaceOrder {
  orderId: number;
  /** The API client id of the connection that sent it (START_API). */
  clientId: number;
  conId?: number;
  symbol: string;
  secType: string;
  exchange: string;
  primaryExch: string;
  currency: string;
  action: string;
  totalQuantity?: number;
  orderType: string;
  lmtPrice?: number;
  auxPrice?: number;
  tif: string;
  account: string;
  orderRef: string;
  /** Undefined when the client sent "" (an unset boolean), which TWS reads as false: the order is not transmitted. */
  transmit?: boolean;
  parentId?: number;
  outsideRth?: boolean;
  algoStrategy: string;
  algoParams: AlgoParam[];
  whatIf?: boolean;
  /** Fields in the message, its id included (121 for a plain Adaptive STK LMT order). */
  fieldCount: number;
  /** Set by the gateway (not read from the wire): the message named an order this client already has, a modification. */
  modification?: true;
}

/**
 * Reads a PLACE_ORDER message (server version 193) in the order IB's EClient writes it, reading each optional
 * group only when the fields before it say it is there, and asserts that nothing is left: a DecodeError
 * otherwise. `clientId` is the sending connection's.
 */
export function parsePlaceOrder(fields: readonly string[], clientId: number): ParsedPlaceOrder {
  const c = new FieldCursor(fields, 'PLACE_ORDER');
  const orderId = c.id('orderId');
  const contract = {
    conId: c.int('conId'),
    symbol: c.str('symbol'),
    secType: c.str('secType'),
    ...skipped(c, 'lastTradeDateOrContractMonth', 'strike', 'right', 'multiplier'),
    exchange: c.str('exchange'),
    primaryExch: c.str('primaryExch'),
    currency: c.str('currency'),
    ...skipped(c, 'localSymbol', 'tradingClass', 'secIdType', 'secId'),
  };
  const main = {
    action: c.str('action'),
    totalQuantity: c.num('totalQuantity'),
    orderType: c.str('orderType'),
    lmtPrice: c.num('lmtPrice'),
    auxPrice: c.num('auxPrice'),
  };
  const tif = c.str('tif');
  c.skip('ocaGroup');
  const account = c.str('account');
  c.skip('openClose', 'origin');
  const orderRef = c.str('orderRef');
  const transmit = c.bool('transmit');
  const parentId = c.int('parentId');
  c.skip('blockOrder', 'sweepToFill', 'displaySize', 'triggerMethod');
  const outsideRth = c.bool('outsideRth');
  c.skip('hidden');
  if (contract.secType.toUpperCase() === 'BAG') readComboGroups(c);
  c.skip('sharesAllocation', 'discretionaryAmt', 'goodAfterTime', 'goodTillDate', 'faGroup', 'faMethod', 'faPercentage', 'modelCode');
  c.skip('shortSaleSlot', 'designatedLocation', 'exemptCode', 'ocaType', 'rule80A', 'settlingFirm', 'allOrNone', 'minQty');
  c.skip('percentOffset', 'eTradeOnly', 'firmQuoteOnly', 'nbboPriceCap', 'auctionStrategy', 'startingPrice', 'stockRefPrice', 'delta');
  c.skip('stockRangeLower', 'stockRangeUpper', 'overridePercentageConstraints', 'volatility', 'volatilityType');
  readDeltaNeutralOrder(c);
  c.skip('continuousUpdate', 'referencePriceType', 'trailStopPrice', 'trailingPercent');
  readScaleFields(c);
  if (c.str('hedgeType') !== '') c.skip('hedgeParam');
  c.skip('optOutSmartRouting', 'clearingAccount', 'clearingIntent', 'notHeld');
  readDeltaNeutralContract(c);
  const algo = readAlgo(c);
  c.skip('algoId');
  const whatIf = c.bool('whatIf');
  c.skip('orderMiscOptions', 'solicited', 'randomizeSize', 'randomizePrice');
  readPegBenchFields(c, main.orderType);
  readConditions(c);
  c.skip('adjustedOrderType', 'triggerPrice', 'lmtPriceOffset', 'adjustedStopPrice', 'adjustedStopLimitPrice', 'adjustedTrailingAmount');
  c.skip('adjustableTrailingUnit', 'extOperator', 'softDollarTier.name', 'softDollarTier.value', 'cashQty');
  c.skip('mifid2DecisionMaker', 'mifid2DecisionAlgo', 'mifid2ExecutionTrader', 'mifid2ExecutionAlgo', 'dontUseAutoPriceForHedge');
  c.skip('isOmsContainer', 'discretionaryUpToLimitPrice', 'usePriceMgmtAlgo', 'duration', 'postToAts', 'autoCancelParent');
  c.skip('advancedErrorOverride', 'manualOrderTime');
  readPegBestMidFields(c, main.orderType, contract.exchange);
  c.skip('customerAccount', 'professionalCustomer', 'includeOvernight', 'manualOrderIndicator');
  c.end();
  return {
    orderId,
    clientId,
    ...contract,
    ...main,
    tif,
    account,
    orderRef,
    transmit,
    parentId,
    outsideRth,
    ...algo,
    whatIf,
    fieldCount: fields.length,
  };
}

/** Reads fields the gateway ignores inside an object literal, keeping the reading order visible. */
function skipped(c: FieldCursor, ...names: string[]): Record<string, never> {
  c.skip(...names);
  return {};
}
