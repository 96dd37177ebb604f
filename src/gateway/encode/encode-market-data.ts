import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * Market data messages of a snapshot. TWS sends a TICK_PRICE and a TICK_SIZE for each side; the client derives
 * a size from TICK_PRICE too, except for the bid (its tick type 0 is falsy there), so the explicit TICK_SIZE
 * is what gives the client a bid size.
 */

/** IB tick types: live, and their delayed counterparts (market data type 3). */
export const TICK = {
  live: { bid: 1, ask: 2, last: 4, close: 9, bidSize: 0, askSize: 3, lastSize: 5 },
  delayed: { bid: 66, ask: 67, last: 68, close: 75, bidSize: 69, askSize: 70, lastSize: 71 },
} as const;

/** TICK_PRICE `1|6|tickerId|tickType|price|size|attrMask`. */
export function tickPrice(reqId: number, tickType: number, price: number, size: number): string[] {
  return [String(REPLY.TICK_PRICE), '6', String(reqId), String(tickType), num(price), num(size), '0'];
}

/** TICK_SIZE `2|6|tickerId|tickType|size`. */
export function tickSize(reqId: number, tickType: number, size: number): string[] {
  return [String(REPLY.TICK_SIZE), '6', String(reqId), String(tickType), num(size)];
}

/** TICK_SNAPSHOT_END `57|1|reqId`: what completes the client's snapshot. */
export function tickSnapshotEnd(reqId: number): string[] {
  return [String(REPLY.TICK_SNAPSHOT_END), '1', String(reqId)];
}

/** MARKET_DATA_TYPE `58|1|reqId|type`: which kind of data the ticks of a request are. */
export function marketDataType(reqId: number, type: number): string[] {
  return [String(REPLY.MARKET_DATA_TYPE), '1', String(reqId), String(type)];
}

/** TICK_REQ_PARAMS `81|tickerId|minTick|bboExchange|snapshotPermissions` (the client reads minTick as an int). */
export function tickReqParams(reqId: number, minTick: number): string[] {
  return [String(REPLY.TICK_REQ_PARAMS), String(reqId), num(minTick), '9c0001', '3'];
}

/** MARKET_RULE `93|marketRuleId|n|lowEdge|increment|...` (no version, no request id: the rule id is the key). */
export function marketRule(ruleId: number, increments: readonly { lowEdge: number; increment: number }[]): string[] {
  return [
    String(REPLY.MARKET_RULE),
    String(ruleId),
    String(increments.length),
    ...increments.flatMap((b) => [num(b.lowEdge), num(b.increment)]),
  ];
}
