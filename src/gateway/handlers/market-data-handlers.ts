import type { Quote } from '../../core/types.js';
import { hashUnit } from '../../sim/universe.js';
import { NO_SECURITY_DEFINITION, resolveContract } from '../account/contracts.js';
import { hoursText } from '../account/trading-hours.js';
import { liquidHoursText } from '../../sim/exchange-hours.js';
import { isUsListing } from '../../core/session-rules.js';
import { contractDataEnd, errorMessage } from '../encode/encode-basic.js';
import { contractData } from '../encode/encode-contract-data.js';
import { TICK, marketDataType, tickPrice, tickReqParams, tickSize, tickSnapshotEnd } from '../encode/encode-market-data.js';
import { parseContractDetails, parseMktData } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';
import { isCashRequest } from '../../sim/fx-pairs.js';
import { handleFxContractDetails, handleFxMktData } from './fx-handlers.js';

/** Contract details and market data snapshots. */

const NOT_SUBSCRIBED =
  'Requested market data is not subscribed. Check API status by selecting the Account menu then under ' +
  'Management choose Market Data Subscription Manager and confirm the relevant market data subscriptions are active.';
const DELAYED_NOTICE = 'Requested market data is not subscribed. Displaying delayed market data.';

/** REQ_CONTRACT_DATA: the one listing of the ticker, or error 200, then the end marker (only after a listing). */
export function handleContractDetails(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, contract: ref } = parseContractDetails(fields);
  if (isCashRequest(ref)) return handleFxContractDetails(link, reqId, ref, ctx);
  const contract = resolveContract(ctx.account.market, ref, new Set(ctx.faults.unknownContracts));
  if (contract === undefined) return link.send(errorMessage(reqId, 200, NO_SECURITY_DEFINITION));
  const now = ctx.account.now;
  // A listing with hours of its own (a market abroad, hours the scenario gives) sends them in its own zone, as IB does.
  const own = ctx.account.market.hoursOf?.(contract.symbol);
  const hours =
    own === undefined
      ? { trading: hoursText(now, 'trading'), liquid: hoursText(now, 'liquid') }
      : { trading: liquidHoursText(own, now), liquid: liquidHoursText(own, now), timeZone: own.timeZone, abroad: !isUsListing(contract) };
  link.send(contractData(reqId, contract, hours), contractDataEnd(reqId));
}

/**
 * REQ_MKT_DATA. A snapshot sends the quote's ticks after `snapshotDelayMs`, then TICK_SNAPSHOT_END (unless the
 * scenario withholds it). Without a subscription (`noMarketDataPermission`, or `delayedData` for a client that
 * did not ask for delayed data) it is error 354; delayed data comes after notice 10167. A streaming request gets
 * the same ticks once and no end marker.
 */
export function handleMktData(link: ClientLink, fields: string[], ctx: GatewayContext): void {
  const { reqId, contract: ref, snapshot } = parseMktData(fields);
  if (isCashRequest(ref)) return handleFxMktData(link, reqId, ref, snapshot, ctx);
  const { faults } = ctx;
  const contract = resolveContract(ctx.account.market, ref, new Set(faults.unknownContracts));
  if (contract === undefined) return link.send(errorMessage(reqId, 200, NO_SECURITY_DEFINITION));
  const symbol = contract.symbol;
  const wantsDelayed = link.marketDataType === 3 || link.marketDataType === 4;
  if (faults.noMarketDataPermission.includes(symbol) || (faults.delayedData && !wantsDelayed)) {
    return link.send(errorMessage(reqId, 354, NOT_SUBSCRIBED));
  }
  const delayed = faults.delayedData;
  if (delayed) link.send(errorMessage(reqId, 10167, DELAYED_NOTICE), marketDataType(reqId, 3));
  const quote = ctx.account.quote(symbol);
  const minute = Math.floor(Date.parse(ctx.account.now) / 60_000);
  link.sendLater(faults.snapshotDelayMs, () => [
    tickReqParams(reqId, contract.minTick),
    ...(quote === undefined ? [] : ticksOf(reqId, quote, delayed, minute)),
    ...(snapshot && !faults.noSnapshotEnd.includes(symbol) ? [tickSnapshotEnd(reqId)] : []),
  ]);
}

/** Bid, ask and last each as a price and an explicit size, then the close; a missing price sends nothing. */
function ticksOf(reqId: number, q: Quote, delayed: boolean, minute: number): string[][] {
  const t = delayed ? TICK.delayed : TICK.live;
  const size = (side: string) => 100 * (1 + Math.floor(hashUnit(q.symbol, side, minute) * 9));
  const frames: string[][] = [];
  const sides = [
    [q.bid, t.bid, t.bidSize, 'bid'],
    [q.ask, t.ask, t.askSize, 'ask'],
    [q.last, t.last, t.lastSize, 'last'],
  ] as const;
  for (const [price, priceType, sizeType, side] of sides) {
    if (price === undefined) continue;
    frames.push(tickPrice(reqId, priceType, price, size(side)), tickSize(reqId, sizeType, size(side)));
  }
  if (q.close !== undefined) frames.push(tickPrice(reqId, t.close, q.close, 0));
  return frames;
}
