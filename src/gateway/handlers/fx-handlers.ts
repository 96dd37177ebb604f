import { hashUnit } from '../../sim/universe.js';
import { NO_SECURITY_DEFINITION } from '../account/contracts.js';
import { fxHoursText, isFxOpen, pairMid, pairQuote, resolveFxPair, type FxPairView } from '../../sim/fx-pairs.js';
import { contractDataEnd, errorMessage } from '../encode/encode-basic.js';
import { cashContractData } from '../encode/encode-cash-contract-data.js';
import { TICK, marketDataType, tickPrice, tickReqParams, tickSize, tickSnapshotEnd } from '../encode/encode-market-data.js';
import type { ContractRef } from '../parse/parse-requests.js';
import type { ClientLink, GatewayContext } from '../session/context.js';

/**
 * Contract details and market data of IDEALPRO CASH pairs (see sim/fx-pairs.ts). FX has no trades: a snapshot
 * carries a bid and an ask with their sizes, never a last price; outside IDEALPRO's hours both are -1 (size 0), as
 * IB sends them at the weekend. Permissions, delayed data, the snapshot's delay and its end follow the stocks' faults.
 */

const NOT_SUBSCRIBED =
  'Requested market data is not subscribed. Check API status by selecting the Account menu then under ' +
  'Management choose Market Data Subscription Manager and confirm the relevant market data subscriptions are active.';
const DELAYED_NOTICE = 'Requested market data is not subscribed. Displaying delayed market data.';
/** IB's "no price" (and the size that goes with it). */
const NO_PRICE = -1;

/** REQ_CONTRACT_DATA for secType CASH: the pair, or error 200 (the other orientation, a currency IB has no pair for). */
export function handleFxContractDetails(link: ClientLink, reqId: number, ref: ContractRef, ctx: GatewayContext): void {
  const pair = resolveFxPair(ref, (c) => ctx.account.exchangeRate(c), true);
  if (pair === undefined) return link.send(errorMessage(reqId, 200, NO_SECURITY_DEFINITION));
  link.send(cashContractData(reqId, pair, fxHoursText(ctx.account.now)), contractDataEnd(reqId));
}

/** REQ_MKT_DATA for secType CASH: as a stock's snapshot, with the pair's two-sided quote at the gateway's instant. */
export function handleFxMktData(link: ClientLink, reqId: number, ref: ContractRef, snapshot: boolean, ctx: GatewayContext): void {
  const { faults } = ctx;
  const rateOf = (c: string) => ctx.account.exchangeRate(c);
  const pair = resolveFxPair(ref, rateOf);
  if (pair === undefined) return link.send(errorMessage(reqId, 200, NO_SECURITY_DEFINITION));
  const name = pair.localSymbol;
  const wantsDelayed = link.marketDataType === 3 || link.marketDataType === 4;
  if (faults.noMarketDataPermission.includes(name) || (faults.delayedData && !wantsDelayed)) {
    return link.send(errorMessage(reqId, 354, NOT_SUBSCRIBED));
  }
  const delayed = faults.delayedData;
  if (delayed) link.send(errorMessage(reqId, 10167, DELAYED_NOTICE), marketDataType(reqId, 3));
  const now = ctx.account.now;
  const sides = sidesOf(pair, ctx, now);
  const minute = Math.floor(Date.parse(now) / 60_000);
  link.sendLater(faults.snapshotDelayMs, () => [
    tickReqParams(reqId, pair.minTick),
    ...ticksOf(reqId, name, sides, delayed, minute),
    ...(snapshot && !faults.noSnapshotEnd.includes(name) ? [tickSnapshotEnd(reqId)] : []),
  ]);
}

type Sides = { bid: number | null; ask: number | null };

/** The scenario's own quote for the pair when it gives one; else the quote around the rate, or none while closed. */
function sidesOf(pair: FxPairView, ctx: GatewayContext, now: string): Sides {
  const given = ctx.faults.fxQuotes?.[pair.localSymbol];
  if (given !== undefined) return given;
  const mid = pairMid(pair, (c) => ctx.account.exchangeRate(c));
  if (mid === undefined || !isFxOpen(now)) return { bid: null, ask: null };
  return pairQuote(pair, mid);
}

/** A price and a size per side; a side without a price is -1 with size 0. No last, no close. */
function ticksOf(reqId: number, name: string, sides: Sides, delayed: boolean, minute: number): string[][] {
  const t = delayed ? TICK.delayed : TICK.live;
  const frames: string[][] = [];
  const both = [
    [sides.bid, t.bid, t.bidSize, 'bid'],
    [sides.ask, t.ask, t.askSize, 'ask'],
  ] as const;
  for (const [price, priceType, sizeType, side] of both) {
    // IDEALPRO shows sizes in units of the pair's first currency, in millions at the top of the book.
    const size = price === null ? 0 : 1_000_000 * (1 + Math.floor(hashUnit(name, side, minute) * 9));
    frames.push(tickPrice(reqId, priceType, price ?? NO_PRICE, size), tickSize(reqId, sizeType, size));
  }
  return frames;
}
