import type { ContractView } from '../account/contracts.js';
import { num } from './values.js';

/**
 * The 11 contract fields of OPEN_ORDER, COMPLETED_ORDER and EXECUTION_DATA (a stock routed SMART; an IDEALPRO pair
 * as IB sends a CASH contract: `conId|USD|CASH||0|||IDEALPRO|SGD|USD.SGD|USD.SGD`): conId, symbol, secType,
 * lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol, tradingClass.
 */
export function stockContractFields(c: ContractView): string[] {
  if (c.secType === 'CASH') {
    const local = c.localSymbol ?? `${c.symbol}.${c.currency}`;
    return [String(c.conId), c.symbol, 'CASH', '', '0', '', '', 'IDEALPRO', c.currency, local, c.tradingClass];
  }
  return [String(c.conId), c.symbol, 'STK', '', '0', '', '', 'SMART', c.currency, c.symbol, c.tradingClass];
}

/** What an order's frame says of it after the contract, in OPEN_ORDER and COMPLETED_ORDER alike. */
export interface OrderHead {
  action: string;
  quantity: number;
  lmtPrice: number;
  tif: string;
  account: string;
  orderRef: string;
}

/** action, totalQuantity, orderType, lmtPrice, auxPrice, tif, ocaGroup, account, openClose, origin, orderRef. */
export function limitOrderHeadFields(o: OrderHead): string[] {
  return [o.action, num(o.quantity), 'LMT', num(o.lmtPrice), '', o.tif, '', o.account, '', '0', o.orderRef];
}
