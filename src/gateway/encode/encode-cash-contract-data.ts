import type { FxPairView } from '../../sim/fx-pairs.js';
import { IB_TIME_ZONE_ID } from '../account/trading-hours.js';
import { REPLY } from '../wire/message-ids.js';
import { num } from './values.js';

/**
 * CONTRACT_DATA for an IDEALPRO CASH pair at server version 193, the same 42 fields as a stock's, filled as IB's real
 * EUR.USD frame fills them: localSymbol, marketName and tradingClass `EUR.USD`, the half-pip tick, CASHQTY among the
 * order types, IDEALPRO the only exchange, aggGroup 4, market rule 3188, sizes in hundredths, no primary exchange,
 * no stock type, hours in US/Eastern.
 */

const ORDER_TYPES =
  'ACTIVETIM,AD,ADJUST,ALERT,ALGO,ALLOC,AVGCOST,BASKET,CASHQTY,COND,CONDORDER,DAY,DEACT,DEACTDIS,DEACTEOD,GAT,GTC,GTD,' +
  'GTT,HID,IOC,LIT,LMT,MIT,MKT,NONALGO,OCA,REL,RELPCTOFS,SCALE,SCALERST,STP,STPLMT,TRAIL,TRAILLIT,TRAILLMT,TRAILMIT,WHATIF';
/** EUR.USD's rule (half-pip increments); the yen pairs' rule id is the simulated gateway's own. */
const marketRuleOf = (p: FxPairView) => (p.minTick >= 0.001 ? '3189' : '3188');

/** `hours`: IDEALPRO's overnight sessions as IB prints them (see fxHoursText). */
export function cashContractData(reqId: number, p: FxPairView, hours: string): string[] {
  return [
    String(REPLY.CONTRACT_DATA),
    String(reqId),
    p.symbol,
    'CASH',
    '',
    '',
    '0',
    '',
    'IDEALPRO',
    p.currency,
    p.localSymbol,
    p.localSymbol,
    p.localSymbol,
    String(p.conId),
    num(p.minTick),
    '',
    ORDER_TYPES,
    'IDEALPRO',
    '1',
    '0',
    p.longName,
    '',
    '',
    '',
    '',
    '',
    IB_TIME_ZONE_ID,
    hours,
    hours,
    '',
    '',
    '0',
    '4',
    '',
    '',
    marketRuleOf(p),
    '',
    '',
    '0.01',
    '0.01',
    '0.01',
    '0',
  ];
}
