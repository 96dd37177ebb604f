/**
 * Quote snapshots over an IB session.
 *
 * One snapshot request (reqMktData, snapshot=true) per symbol, many in flight but never more than the
 * account's market data lines (error 101 above). A snapshot that fails (354 no subscription, 200 unknown)
 * or never ends is left out of the result, so the run blocks that symbol with MISSING_PRICE; why (IB's text and
 * code, and the fix when known) goes into the caller's `leftOut`.
 */
import type { LeftOut } from '../../ports/broker.js';
import type { ContractInfo, Quote } from '../../core/types.js';
import { runPool } from './concurrency.js';
import { explainIbMessage, isNotice } from './ib-codes.js';
import type { IbLog } from './ib-log.js';
import { routeOf, stockContract } from './ib-order-build.js';
import type { IbSession } from './ib-session.js';
import { QuoteTicks } from './ib-ticks.js';

/** Notice 10167: no live subscription, delayed data shown instead. */
const DELAYED_DATA_NOTICE = 10167;
/** IB's market data types: 1 live, 3 delayed (live where subscribed); 4 is delayed-frozen. */
const MARKET_DATA_TYPE = { live: 1, delayed: 3 } as const;

export interface QuoteOptions {
  marketDataType: 'live' | 'delayed';
  /** MARKET_DATA_LINES: snapshots in flight at once. */
  lines: number;
  /** MARKET_DATA_TIMEOUT_MS: how long one snapshot may take (IB ends a snapshot within about 11 s). */
  timeoutMs: number;
  log: IbLog;
}

/** Asks for live or delayed data for the rest of the session (no reply comes; it applies to later requests). */
export function setMarketDataType(session: IbSession, type: 'live' | 'delayed'): Promise<void> {
  return session.send((api) => api.reqMarketDataType(MARKET_DATA_TYPE[type]));
}

/** One snapshot per symbol that has a contract; symbols without a usable snapshot are absent. */
export async function readQuotes(
  session: IbSession,
  symbols: string[],
  contracts: Record<string, ContractInfo>,
  options: QuoteOptions,
  leftOut: LeftOut = {},
): Promise<Record<string, Quote>> {
  session.assertUsable();
  const priced = symbols.filter((s) => contracts[s] !== undefined);
  for (const s of symbols.filter((x) => contracts[x] === undefined)) {
    options.log.warn({ symbol: s }, 'no quote asked: no contract details');
    leftOut[s] ??= 'no contract details';
  }
  const quotes = await runPool(priced, options.lines, (symbol) =>
    snapshot(session, symbol, contracts[symbol] as ContractInfo, options, leftOut),
  );
  const result: Record<string, Quote> = {};
  for (const quote of quotes) if (quote !== undefined) result[quote.symbol] = quote;
  return result;
}

function snapshot(
  session: IbSession,
  symbol: string,
  contract: ContractInfo,
  options: QuoteOptions,
  leftOut: LeftOut,
): Promise<Quote | undefined> {
  const ticks = new QuoteTicks(symbol);
  const leaveOut = (why: string): undefined => {
    options.log.warn({ symbol }, `no quote: ${why}`);
    leftOut[symbol] ??= why;
    return undefined;
  };
  return session.operation<Quote | undefined>({
    label: `quote of ${symbol}`,
    timeoutMs: options.timeoutMs,
    listen: (ctx) => [
      session.events.on('tickPrice', (id, tickType, price) => id === ctx.id && ticks.addPrice(tickType, price)),
      session.events.on('marketDataType', (id, type) => id === ctx.id && type >= 3 && ticks.markDelayed()),
      session.events.on('tickSnapshotEnd', (id) => {
        if (id !== ctx.id) return;
        const quote = ticks.toQuote();
        ctx.resolve(quote ?? leaveOut('the snapshot carried no usable price'));
      }),
    ],
    onMessage: (ctx, code, text) => {
      if (code === DELAYED_DATA_NOTICE) ticks.markDelayed();
      if (isNotice(code)) return;
      ctx.resolve(leaveOut(explainIbMessage(code, text, symbol)));
    },
    send: (api, id) =>
      api.reqMktData(
        id,
        stockContract(symbol, contract.currency, contract.primaryExchange, contract.conId, routeOf(contract)),
        '',
        true,
        false,
      ),
    onTimeout: (ctx) => {
      // Free the line: a snapshot that never ended may still hold it.
      void session.send((api) => api.cancelMktData(ctx.id)).catch(() => undefined);
      ctx.resolve(leaveOut(`no snapshot end within ${options.timeoutMs} ms (MARKET_DATA_TIMEOUT_MS)`));
    },
  });
}
