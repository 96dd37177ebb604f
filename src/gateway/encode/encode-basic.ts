import { EXCHANGE_ZONE, parseInstant } from '../../core/session.js';
import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * The small gateway messages: connection set-up, ids, time, errors and end markers, field for field as the
 * client's Decoder reads them at server version 193 (see incoming-frames-v193.txt).
 */

const id = (n: number): string => String(n);

/** The answer to the handshake: the server version and the connection time, as TWS prints it (`20261118 12:00:00 EST`). */
export function serverVersion(version: number, isoNow: string): string[] {
  return [id(version), parseInstant(isoNow).setZone(EXCHANGE_ZONE).toFormat('yyyyMMdd HH:mm:ss ZZZZ')];
}

/** The notices TWS sends a new client (id -1: the client's `info` event): its data farms are connected. */
export function farmsOk(): string[][] {
  return [
    errorMessage(-1, 2104, 'Market data farm connection is OK:usfarm'),
    errorMessage(-1, 2106, 'HMDS data farm connection is OK:ushmds'),
    errorMessage(-1, 2158, 'Sec-def data farm connection is OK:secdefnj'),
  ];
}

/** NEXT_VALID_ID `9|1|orderId`: the client's command queue waits for it after connecting. */
export function nextValidId(orderId: number): string[] {
  return [id(REPLY.NEXT_VALID_ID), '1', id(orderId)];
}

/** MANAGED_ACCTS `15|1|DU1,DU2`. */
export function managedAccounts(accounts: readonly string[]): string[] {
  return [id(REPLY.MANAGED_ACCTS), '1', accounts.join(',')];
}

/** CURRENT_TIME `49|1|epochSeconds`. */
export function currentTime(epochSeconds: number): string[] {
  return [id(REPLY.CURRENT_TIME), '1', id(Math.floor(epochSeconds))];
}

/**
 * ERR_MSG `4|2|id|code|message|advancedOrderRejectJson`. Id -1 is a notice (the client's `info` event), any
 * other id names the request or order. The JSON field stays empty: the client JSON.parses anything else.
 */
export function errorMessage(requestId: number, code: number, message: string): string[] {
  return [id(REPLY.ERR_MSG), '2', id(requestId), id(code), message, ''];
}

/** ACCOUNT_SUMMARY `63|1|reqId|account|tag|value|currency`. */
export function accountSummary(reqId: number, account: string, tag: string, value: string, currency: string): string[] {
  return [id(REPLY.ACCOUNT_SUMMARY), '1', id(reqId), account, tag, value, currency];
}

/** ACCOUNT_SUMMARY_END `64|1|reqId`. */
export function accountSummaryEnd(reqId: number): string[] {
  return [id(REPLY.ACCOUNT_SUMMARY_END), '1', id(reqId)];
}

/** One stock position: the POSITION message's contract and amounts. */
export interface PositionView {
  account: string;
  conId: number;
  symbol: string;
  /** The listing exchange (NASDAQ, NYSE, ARCA...): TWS puts it in the position's exchange field, not SMART. */
  exchange: string;
  currency: string;
  tradingClass: string;
  quantity: number;
  avgCost: number;
}

/** POSITION `61|3|account|conId|symbol|STK|...|position|avgCost` (16 fields). */
export function position(p: PositionView): string[] {
  return [
    id(REPLY.POSITION),
    '3',
    p.account,
    id(p.conId),
    p.symbol,
    'STK',
    '',
    '0',
    '',
    '',
    p.exchange,
    p.currency,
    p.symbol,
    p.tradingClass,
    num(p.quantity),
    num(p.avgCost),
  ];
}

/** POSITION_END `62|1`. */
export function positionEnd(): string[] {
  return [id(REPLY.POSITION_END), '1'];
}

/** OPEN_ORDER_END `53|1`. */
export function openOrderEnd(): string[] {
  return [id(REPLY.OPEN_ORDER_END), '1'];
}

/** CONTRACT_DATA_END `52|1|reqId`. */
export function contractDataEnd(reqId: number): string[] {
  return [id(REPLY.CONTRACT_DATA_END), '1', id(reqId)];
}

/** EXECUTION_DATA_END `55|1|reqId`. */
export function executionDataEnd(reqId: number): string[] {
  return [id(REPLY.EXECUTION_DATA_END), '1', id(reqId)];
}
