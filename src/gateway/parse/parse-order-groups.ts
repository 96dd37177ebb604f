import { DecodeError, type FieldCursor } from '../wire/field-cursor.js';

/**
 * The optional and repeated groups of a PLACE_ORDER message at server version 193. Each reader is called where
 * the client's encoder (and IB's Java EClient) writes the group, and reads exactly what the condition in front
 * of it implies, so a client that sends a group TWS would not read shows up as fields left over.
 */

/** Combo legs, per-leg prices and smart-combo routing parameters: sent only for a BAG contract. */
export function readComboGroups(c: FieldCursor): void {
  const legs = c.count('comboLegsCount');
  for (let i = 0; i < legs; i++) {
    c.skip(`comboLeg[${i}].conId`, 'ratio', 'action', 'exchange', 'openClose', 'shortSaleSlot', 'designatedLocation', 'exemptCode');
  }
  const prices = c.count('orderComboLegsCount');
  for (let i = 0; i < prices; i++) c.skip(`orderComboLeg[${i}].price`);
  const params = c.count('smartComboRoutingParamsCount');
  for (let i = 0; i < params; i++) c.skip(`smartComboRoutingParam[${i}].tag`, 'value');
}

/** Volatility-order fields: the delta-neutral leg's extra eight only when its order type is set. */
export function readDeltaNeutralOrder(c: FieldCursor): void {
  const type = c.str('deltaNeutralOrderType');
  c.skip('deltaNeutralAuxPrice');
  if (type !== '') {
    c.skip('deltaNeutralConId', 'deltaNeutralSettlingFirm', 'deltaNeutralClearingAccount', 'deltaNeutralClearingIntent');
    c.skip('deltaNeutralOpenClose', 'deltaNeutralShortSale', 'deltaNeutralShortSaleSlot', 'deltaNeutralDesignatedLocation');
  }
}

/** Scale-order fields. TWS reads the seven extras only for a price increment > 0 (as Java's EClient sends them). */
export function readScaleFields(c: FieldCursor): void {
  c.skip('scaleInitLevelSize', 'scaleSubsLevelSize');
  const increment = c.num('scalePriceIncrement');
  if (increment !== undefined && increment > 0) {
    c.skip('scalePriceAdjustValue', 'scalePriceAdjustInterval', 'scaleProfitOffset', 'scaleAutoReset');
    c.skip('scaleInitPosition', 'scaleInitFillQty', 'scaleRandomPercent');
  }
  c.skip('scaleTable', 'activeStartTime', 'activeStopTime');
}

/** The delta-neutral contract: a flag, then its conId, delta and price when set. */
export function readDeltaNeutralContract(c: FieldCursor): void {
  if (c.bool('deltaNeutralContract') === true) c.skip('deltaNeutralContract.conId', 'delta', 'price');
}

/** The algo and its parameters: the count and pairs follow only a non-empty strategy. */
export function readAlgo(c: FieldCursor): { algoStrategy: string; algoParams: { tag: string; value: string }[] } {
  const algoStrategy = c.str('algoStrategy');
  const algoParams: { tag: string; value: string }[] = [];
  if (algoStrategy !== '') {
    const count = c.count('algoParamsCount');
    for (let i = 0; i < count; i++) algoParams.push({ tag: c.str(`algoParams[${i}].tag`), value: c.str(`algoParams[${i}].value`) });
  }
  return { algoStrategy, algoParams };
}

/** Pegged-to-benchmark fields: only for PEG BENCH orders, before the conditions. */
export function readPegBenchFields(c: FieldCursor, orderType: string): void {
  if (orderType === 'PEG BENCH' || orderType === 'PEGBENCH') {
    c.skip('referenceContractId', 'isPeggedChangeAmountDecrease', 'peggedChangeAmount', 'referenceChangeAmount', 'referenceExchangeId');
  }
}

/** Fields after the condition type and conjunction, per IB condition type. */
const CONDITION_FIELDS: Record<number, readonly string[]> = {
  1: ['isMore', 'value', 'conId', 'exchange', 'triggerMethod'], // price
  3: ['isMore', 'value'], // time
  4: ['isMore', 'value'], // margin
  5: ['secType', 'exchange', 'symbol'], // execution
  6: ['isMore', 'value', 'conId', 'exchange'], // volume
  7: ['isMore', 'value', 'conId', 'exchange'], // percent change
};

/** Order conditions; with at least one, the ignore-RTH and cancel-order flags follow them. */
export function readConditions(c: FieldCursor): void {
  const count = c.count('conditionsCount');
  for (let i = 0; i < count; i++) {
    const type = c.int(`conditions[${i}].type`);
    const fields = type === undefined ? undefined : CONDITION_FIELDS[type];
    if (fields === undefined) throw new DecodeError(`PLACE_ORDER: condition ${i} has unknown type ${String(type)}`);
    c.skip('conjunctionConnection', ...fields);
  }
  if (count > 0) c.skip('conditionsIgnoreRth', 'conditionsCancelOrder');
}

/** PEG BEST / PEG MID offsets (and the IBKRATS minimum trade quantity) after the manual order time. */
export function readPegBestMidFields(c: FieldCursor, orderType: string, exchange: string): void {
  if (exchange === 'IBKRATS') c.skip('minTradeQty');
  let midOffsets = orderType === 'PEG MID' || orderType === 'PEGMID';
  if (orderType === 'PEG BEST' || orderType === 'PEGBEST') {
    c.skip('minCompeteSize');
    // "Up to mid" is sent as an infinite offset; only then do the mid offsets follow.
    midOffsets = c.str('competeAgainstBestOffset') === 'Infinity';
  }
  if (midOffsets) c.skip('midOffsetAtWhole', 'midOffsetAtHalf');
}
