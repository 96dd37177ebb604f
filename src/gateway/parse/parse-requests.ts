import { DecodeError, FieldCursor } from '../wire/field-cursor.js';
import { requestName } from '../wire/message-ids.js';

/**
 * Readers of every request but PLACE_ORDER, at server version 193. Each checks the message's version field
 * where it has one (a new version means a new layout) and that no field is left over.
 */

/** The contract fields the gateway resolves a request by. */
export interface ContractRef {
  conId?: number;
  symbol: string;
  secType: string;
  exchange: string;
  primaryExch: string;
  currency: string;
}

export interface ExecutionFilterRef {
  clientId?: number;
  acctCode: string;
  time: string;
  symbol: string;
  secType: string;
  exchange: string;
  side: string;
}

/** A cursor past the message id and, when `version` is given, past a version field that must be one of them. */
function open(fields: readonly string[], version?: string | readonly string[]): FieldCursor {
  const c = new FieldCursor(fields, requestName(fields[0]));
  if (version !== undefined) {
    const accepted = typeof version === 'string' ? [version] : version;
    const sent = c.str('version');
    if (!accepted.includes(sent)) {
      throw new DecodeError(`${requestName(fields[0])}: version ${JSON.stringify(sent)}, expected ${accepted.join(' or ')}`);
    }
  }
  return c;
}

function done<T>(c: FieldCursor, value: T): T {
  c.end();
  return value;
}

/** Requests that are only an id and a version (current time, managed accounts, positions, open orders...). */
export function parseBare(fields: readonly string[]): void {
  open(fields, '1').end();
}

/** Requests that are an id, version 1 and a request id (cancel account summary). */
export function parseReqIdOnly(fields: readonly string[]): number {
  const c = open(fields, '1');
  return done(c, c.id('reqId'));
}

/**
 * CANCEL_MKT_DATA: `2|version|reqId`, the same layout in both versions clients send: 1 (@stoqey/ib's encoder)
 * and 2 (IB's own EClient, Python `client.py` and Java `EClient.java`: `VERSION = 2`).
 */
export function parseCancelMktData(fields: readonly string[]): number {
  const c = open(fields, ['1', '2']);
  return done(c, c.id('reqId'));
}

/** START_API: `71|2|clientId|optionalCapabilities`. */
export function parseStartApi(fields: readonly string[]): { clientId: number; optionalCapabilities: string } {
  const c = open(fields, '2');
  return done(c, { clientId: c.id('clientId'), optionalCapabilities: c.str('optionalCapabilities') });
}

/** REQ_IDS: `8|1|numIds`. */
export function parseReqIds(fields: readonly string[]): void {
  const c = open(fields, '1');
  c.skip('numIds');
  c.end();
}

/** REQ_AUTO_OPEN_ORDERS: `15|1|autoBind`. */
export function parseAutoOpenOrders(fields: readonly string[]): boolean {
  const c = open(fields, '1');
  return done(c, c.bool('autoBind') === true);
}

/**
 * REQ_COMPLETED_ORDERS: `99|apiOnly`, with no version field (IB's EClient and @stoqey/ib's encoder alike); apiOnly
 * 1 leaves out the orders typed in TWS (empty reads as 0, as TWS reads an empty number).
 */
export function parseCompletedOrders(fields: readonly string[]): boolean {
  const c = open(fields);
  return done(c, c.bool('apiOnly') === true);
}

/** REQ_MARKET_DATA_TYPE: `59|1|type` (1 live, 2 frozen, 3 delayed, 4 delayed frozen). */
export function parseMarketDataType(fields: readonly string[]): number {
  const c = open(fields, '1');
  const type = c.id('marketDataType');
  if (type < 1 || type > 4) throw new DecodeError(`REQ_MARKET_DATA_TYPE: type ${type}, expected 1..4`);
  return done(c, type);
}

/** REQ_ACCOUNT_SUMMARY: `62|1|reqId|group|tags`. */
export function parseAccountSummary(fields: readonly string[]): { reqId: number; group: string; tags: string[] } {
  const c = open(fields, '1');
  const value = {
    reqId: c.id('reqId'),
    group: c.str('group'),
    tags: c
      .str('tags')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
  return done(c, value);
}

function readContract(c: FieldCursor): ContractRef {
  const conId = c.int('conId');
  const symbol = c.str('symbol');
  const secType = c.str('secType');
  c.skip('lastTradeDateOrContractMonth', 'strike', 'right', 'multiplier');
  const exchange = c.str('exchange');
  const primaryExch = c.str('primaryExch');
  const currency = c.str('currency');
  c.skip('localSymbol', 'tradingClass');
  // conId 0 is the client's "not set".
  return { conId: conId === 0 ? undefined : conId, symbol, secType, exchange, primaryExch, currency };
}

/** REQ_MARKET_RULE: `91|marketRuleId` (no version, no request id). */
export function parseMarketRule(fields: readonly string[]): number {
  const c = open(fields);
  return done(c, c.id('marketRuleId'));
}

/** REQ_CONTRACT_DATA: `9|8|reqId|` 15 contract fields `|includeExpired|secIdType|secId|issuerId`. */
export function parseContractDetails(fields: readonly string[]): { reqId: number; contract: ContractRef } {
  const c = open(fields, '8');
  const reqId = c.id('reqId');
  const contract = readContract(c);
  c.skip('includeExpired', 'secIdType', 'secId', 'issuerId');
  return done(c, { reqId, contract });
}

/** REQ_MKT_DATA: `1|11|reqId|` contract `|`[BAG legs]`|dnFlag[+3]|genericTickList|snapshot|regulatory|options`. */
export function parseMktData(fields: readonly string[]): {
  reqId: number;
  contract: ContractRef;
  genericTickList: string;
  snapshot: boolean;
} {
  const c = open(fields, '11');
  const reqId = c.id('reqId');
  const contract = readContract(c);
  if (contract.secType.toUpperCase() === 'BAG') {
    const legs = c.count('comboLegsCount');
    for (let i = 0; i < legs; i++) c.skip(`comboLeg[${i}].conId`, 'ratio', 'action', 'exchange');
  }
  if (c.bool('deltaNeutralContract') === true) c.skip('deltaNeutralContract.conId', 'delta', 'price');
  const genericTickList = c.str('genericTickList');
  const snapshot = c.bool('snapshot') === true;
  c.skip('regulatorySnapshot', 'mktDataOptions');
  return done(c, { reqId, contract, genericTickList, snapshot });
}

/** REQ_EXECUTIONS: `7|3|reqId|clientId|acctCode|time|symbol|secType|exchange|side`. */
export function parseExecutions(fields: readonly string[]): { reqId: number; filter: ExecutionFilterRef } {
  const c = open(fields, '3');
  const reqId = c.id('reqId');
  const filter = {
    clientId: c.int('clientId'),
    acctCode: c.str('acctCode'),
    time: c.str('time'),
    symbol: c.str('symbol'),
    secType: c.str('secType'),
    exchange: c.str('exchange'),
    side: c.str('side'),
  };
  return done(c, { reqId, filter });
}

/** CANCEL_ORDER: `4|orderId|manualOrderCancelTime|extOperator|manualOrderIndicator` (no version at 193). */
export function parseCancelOrder(fields: readonly string[]): number {
  const c = open(fields);
  const orderId = c.id('orderId');
  c.skip('manualOrderCancelTime', 'extOperator', 'manualOrderIndicator');
  return done(c, orderId);
}

/** REQ_GLOBAL_CANCEL: `58|extOperator|manualOrderIndicator` (no version at 193). */
export function parseGlobalCancel(fields: readonly string[]): void {
  const c = open(fields);
  c.skip('extOperator', 'manualOrderIndicator');
  c.end();
}

/** REQ_ACCOUNT_DATA (reqAccountUpdates): `6|2|subscribe|acctCode`. */
export function parseAccountUpdates(fields: readonly string[]): { subscribe: boolean; account: string } {
  const c = open(fields, '2');
  return done(c, { subscribe: c.bool('subscribe') === true, account: c.str('acctCode') });
}

/**
 * REQ_ACCOUNT_UPDATES_MULTI: `76|version|reqId|account|modelCode|ledgerAndNLV`, version 1 (IB's EClient) or 2
 * (@stoqey/ib's encoder), the same layout.
 */
export function parseAccountUpdatesMulti(fields: readonly string[]): {
  reqId: number;
  account: string;
  modelCode: string;
  ledgerAndNlv: boolean;
} {
  const c = open(fields, ['1', '2']);
  const value = {
    reqId: c.id('reqId'),
    account: c.str('account'),
    modelCode: c.str('modelCode'),
    ledgerAndNlv: c.bool('ledgerAndNLV') === true,
  };
  return done(c, value);
}

/** CANCEL_ACCOUNT_UPDATES_MULTI: `77|version|reqId`, version 1 (IB's EClient) or 2 (@stoqey/ib). */
export function parseCancelAccountUpdatesMulti(fields: readonly string[]): number {
  const c = open(fields, ['1', '2']);
  return done(c, c.id('reqId'));
}

/** REQ_PNL: `92|reqId|account|modelCode` (no version field). */
export function parsePnl(fields: readonly string[]): { reqId: number; account: string; modelCode: string } {
  const c = open(fields);
  return done(c, { reqId: c.id('reqId'), account: c.str('account'), modelCode: c.str('modelCode') });
}

/** REQ_PNL_SINGLE: `94|reqId|account|modelCode|conId` (no version field). */
export function parsePnlSingle(fields: readonly string[]): { reqId: number; account: string; modelCode: string; conId: number } {
  const c = open(fields);
  return done(c, { reqId: c.id('reqId'), account: c.str('account'), modelCode: c.str('modelCode'), conId: c.id('conId') });
}

/** CANCEL_PNL and CANCEL_PNL_SINGLE: `93|reqId`, `95|reqId` (no version field). */
export function parseCancelPnl(fields: readonly string[]): number {
  const c = open(fields);
  return done(c, c.id('reqId'));
}
