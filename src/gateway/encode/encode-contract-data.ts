import { smartRoutable, type ContractView } from '../account/contracts.js';
import { IB_TIME_ZONE_ID } from '../account/trading-hours.js';
import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * CONTRACT_DATA for a US stock at server version 193: 42 fields with empty sec-id and ineligibility lists (no
 * version field since 164; the 17 fund fields only come for secType FUND).
 */

const ORDER_TYPES = 'ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AON,AVGCOST,BASKET,DAY,GAT,GTC,GTD,IOC,LIT,LMT,MIT,MKT,MOC,REL,STP,STPLMT,TRAIL';
/**
 * The listing's market rule (sim/market-rules.ts: its price bands); without one, IB's rule 26 (a cent at every price)
 * or 557 (a hundredth of a cent below $1, for a sub-dollar tick).
 */
const marketRuleOf = (c: ContractView) => (c.marketRuleId === undefined ? (c.minTick < 0.01 ? '557' : '26') : String(c.marketRuleId));

/**
 * The contract's details, with `tradingHours` and `liquidHours` in IB's `yyyyMMdd:HHmm-yyyyMMdd:HHmm;...` form in
 * the zone IB names by `timeZone` (default US/Eastern). A listing abroad (`abroad`) is valid on its own exchange (and
 * SMART, except SEHK), not on the US venues. `priceMagnifier` as IB sends it: 100 for a line quoted in pence.
 */
export function contractData(
  reqId: number,
  c: ContractView,
  hours: { trading: string; liquid: string; timeZone?: string; abroad?: boolean },
): string[] {
  const exchanges =
    hours.abroad === true
      ? smartRoutable(c)
        ? ['SMART', c.primaryExchange]
        : [c.primaryExchange]
      : [...new Set(['SMART', c.primaryExchange, 'NYSE', 'ARCA', 'ISLAND', 'IEX'])];
  return [
    String(REPLY.CONTRACT_DATA),
    String(reqId),
    c.symbol,
    'STK',
    '',
    '',
    '0',
    '',
    'SMART',
    c.currency,
    c.symbol,
    c.tradingClass,
    c.tradingClass,
    String(c.conId),
    num(c.minTick),
    '',
    ORDER_TYPES,
    exchanges.join(','),
    String(c.priceMagnifier ?? 1),
    '0',
    c.symbol,
    c.primaryExchange,
    '',
    '',
    '',
    '',
    hours.timeZone ?? IB_TIME_ZONE_ID,
    hours.trading,
    hours.liquid,
    '',
    '',
    '0',
    '1',
    '',
    '',
    exchanges.map(() => marketRuleOf(c)).join(','),
    '',
    'COMMON',
    '0.0001',
    '0.0001',
    '100',
    '0',
  ];
}
