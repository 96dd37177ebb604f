import {
  handleAccountSummary,
  handleAccountUpdates,
  handleAccountUpdatesMulti,
  handleCancelAccountSummary,
  handleCancelAccountUpdatesMulti,
  handleCancelPnl,
  handleCancelPositions,
  handleCancelPnlSingle,
  handlePnl,
  handlePnlSingle,
  handleCurrentTime,
  handleManagedAccounts,
  handleMarketDataType,
  handlePositions,
  handleReqIds,
} from '../handlers/account-handlers.js';
import { handleCompletedOrders } from '../handlers/completed-order-handlers.js';
import { handleExecutions } from '../handlers/execution-handlers.js';
import { handleContractDetails, handleMktData } from '../handlers/market-data-handlers.js';
import { handleMarketRule } from '../handlers/market-rule-handlers.js';
import {
  handleAllOpenOrders,
  handleAutoOpenOrders,
  handleCancelOrder,
  handleGlobalCancel,
  handleOpenOrders,
} from '../handlers/order-handlers.js';
import { handlePlaceOrder } from '../handlers/place-order-handler.js';
import { parseCancelMktData } from '../parse/parse-requests.js';
import { DecodeError } from '../wire/field-cursor.js';
import { REQUEST, requestName } from '../wire/message-ids.js';
import type { ClientLink, GatewayContext } from './context.js';

/** Routes a client message (after START_API) to its handler by message id. */

type Handler = (link: ClientLink, fields: string[], ctx: GatewayContext) => void | Promise<void>;

/** Unsubscribes: TWS sends nothing back, but the message must still have its shape. */
const acknowledge =
  (read: (fields: string[]) => unknown): Handler =>
  (_link, fields) => {
    read(fields);
  };

const HANDLERS = new Map<number, Handler>([
  [REQUEST.REQ_CURRENT_TIME, handleCurrentTime],
  [REQUEST.REQ_MANAGED_ACCTS, handleManagedAccounts],
  [REQUEST.REQ_IDS, handleReqIds],
  [REQUEST.REQ_MARKET_DATA_TYPE, handleMarketDataType],
  [REQUEST.REQ_ACCOUNT_SUMMARY, handleAccountSummary],
  [REQUEST.CANCEL_ACCOUNT_SUMMARY, handleCancelAccountSummary],
  [REQUEST.REQ_POSITIONS, handlePositions],
  [REQUEST.CANCEL_POSITIONS, handleCancelPositions],
  [REQUEST.REQ_ACCOUNT_DATA, handleAccountUpdates],
  [REQUEST.REQ_ACCOUNT_UPDATES_MULTI, handleAccountUpdatesMulti],
  [REQUEST.CANCEL_ACCOUNT_UPDATES_MULTI, handleCancelAccountUpdatesMulti],
  [REQUEST.REQ_PNL, handlePnl],
  [REQUEST.CANCEL_PNL, handleCancelPnl],
  [REQUEST.REQ_PNL_SINGLE, handlePnlSingle],
  [REQUEST.CANCEL_PNL_SINGLE, handleCancelPnlSingle],
  [REQUEST.REQ_CONTRACT_DATA, handleContractDetails],
  [REQUEST.REQ_MKT_DATA, handleMktData],
  [REQUEST.REQ_MARKET_RULE, handleMarketRule],
  [REQUEST.CANCEL_MKT_DATA, acknowledge(parseCancelMktData)],
  [REQUEST.REQ_ALL_OPEN_ORDERS, handleAllOpenOrders],
  [REQUEST.REQ_OPEN_ORDERS, handleOpenOrders],
  [REQUEST.REQ_AUTO_OPEN_ORDERS, handleAutoOpenOrders],
  [REQUEST.PLACE_ORDER, handlePlaceOrder],
  [REQUEST.CANCEL_ORDER, handleCancelOrder],
  [REQUEST.REQ_GLOBAL_CANCEL, handleGlobalCancel],
  [REQUEST.REQ_EXECUTIONS, handleExecutions],
  [REQUEST.REQ_COMPLETED_ORDERS, handleCompletedOrders],
]);

/** Handles one message; a DecodeError for a malformed message or one the simulated gateway does not implement. */
export async function dispatch(link: ClientLink, fields: string[], ctx: GatewayContext): Promise<void> {
  const handler = HANDLERS.get(Number(fields[0]));
  if (handler === undefined) {
    throw new DecodeError(`${requestName(fields[0])}: a request the simulated gateway does not implement (${fields.length} fields)`);
  }
  await handler(link, fields, ctx);
}

/** The id an error about this message is sent under: the order id or request id when it has one, else -1. */
export function errorIdOf(fields: readonly string[]): number {
  const id = Number(fields[0]);
  const position =
    id === REQUEST.PLACE_ORDER || id === REQUEST.CANCEL_ORDER
      ? 1
      : id === REQUEST.REQ_MKT_DATA ||
          id === REQUEST.REQ_CONTRACT_DATA ||
          id === REQUEST.REQ_EXECUTIONS ||
          id === REQUEST.REQ_ACCOUNT_SUMMARY
        ? 2
        : undefined;
  const value = position === undefined ? undefined : fields[position];
  return value !== undefined && /^-?\d+$/.test(value) ? Number(value) : -1;
}
