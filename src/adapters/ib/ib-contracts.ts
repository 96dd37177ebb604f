/**
 * Contract details over an IB session, through the contract cache.
 */
import type { ContractDetails } from '@stoqey/ib';
import type { ContractHint, ContractInfo } from '../../core/types.js';
import { BrokerError, type LeftOut } from '../../ports/broker.js';
import type { CachedContract, ContractCache } from '../../ports/contract-cache.js';
import { runPool } from './concurrency.js';
import { explainIbMessage, isNotice, meaningOf } from './ib-codes.js';
import { currencyOf, fromCache, isFreshFor, marketRuleIdOf, pickListing, toContractInfo } from './ib-contract-info.js';
import { readMarketRule } from './ib-market-rules.js';
import type { IbLog } from './ib-log.js';
import { stockContract } from './ib-order-build.js';
import type { IbSession } from './ib-session.js';

/** IB answers contract requests slowly; a few at once overlap the waits without crowding the line. */
const CONTRACT_REQUESTS_IN_FLIGHT = 8;
/** Error 200: no security definition for the request. */
const NO_SECURITY_DEFINITION = 200;

export interface ContractOptions {
  cache: ContractCache | undefined;
  /** The run's clock (ISO 8601): cache entries are judged and stamped with it. */
  now: () => string;
  timeoutMs: number;
  log: IbLog;
}

/**
 * Contract facts per symbol: fresh cache entries as they are, the rest from IB (then cached, except a line with a
 * price magnifier or one IB does not route SMART, see below). A symbol IB does not know (error 200), or lists ambiguously, or gives an unusable
 * price magnifier, or whose market rule (price bands, see ib-market-rules.ts) does not come in time or is malformed,
 * is absent from the result, logged, and its reason (IB's text and code, and the fix when known) is written into
 * `leftOut`.
 */
export async function readContractDetails(
  session: IbSession,
  symbols: string[],
  hints: Record<string, ContractHint>,
  options: ContractOptions,
  leftOut: LeftOut = {},
): Promise<Record<string, ContractInfo>> {
  session.assertUsable();
  const now = options.now();
  const nowMs = Date.parse(now);
  const cached = cacheCall(() => options.cache?.get(symbols) ?? {}, 'read');
  const result: Record<string, ContractInfo> = {};
  const missing: string[] = [];
  for (const symbol of symbols) {
    const entry: CachedContract | undefined = cached[symbol];
    if (entry !== undefined && isFreshFor(entry, hints[symbol], nowMs)) result[symbol] = fromCache(entry);
    else missing.push(symbol);
  }
  const leave = (symbol: string, problem: string): undefined => {
    options.log.warn({ symbol }, `contract left out: ${problem}`);
    leftOut[symbol] ??= problem;
    return undefined;
  };
  const fetched = await runPool(missing, CONTRACT_REQUESTS_IN_FLIGHT, async (symbol) => {
    const answer = await requestDetails(session, symbol, hints[symbol], options.timeoutMs);
    const listing = 'refused' in answer ? { problem: answer.refused } : pickListing(symbol, answer.listings, hints[symbol]);
    const info = 'problem' in listing ? listing : toContractInfo(symbol, listing);
    if ('problem' in info) return leave(symbol, info.problem);
    const ruleId = 'problem' in listing ? undefined : marketRuleIdOf(symbol, listing);
    if (typeof ruleId === 'object') return leave(symbol, ruleId.problem);
    return { info, ruleId };
  });
  const found = fetched.filter((f): f is { info: ContractInfo; ruleId: number | undefined } => f !== undefined);
  // Each listing's price bands: its market rule, asked once per rule (most contracts share a few).
  const ruleIds = [...new Set(found.flatMap((f) => (f.ruleId === undefined ? [] : [f.ruleId])))];
  const answers = await runPool(ruleIds, CONTRACT_REQUESTS_IN_FLIGHT, (id) => readMarketRule(session, id, options.timeoutMs));
  const rules = new Map(ruleIds.map((id, i) => [id, answers[i]]));
  const fresh: ContractInfo[] = [];
  for (const { info, ruleId } of found) {
    const rule = ruleId === undefined ? undefined : rules.get(ruleId);
    if (rule !== undefined && 'problem' in rule) {
      leave(info.symbol, `${info.symbol} has no usable price increments (market rule ${ruleId}): ${rule.problem}`);
      continue;
    }
    fresh.push(rule === undefined ? info : { ...info, priceIncrements: rule.increments });
  }
  for (const info of fresh) result[info.symbol] = info;
  // The cache's table has no column for a price magnifier: a line quoted in pence (priceMagnifier 100) read back from
  // it would be valued at a hundred times its worth. Nor for routing: a line IB does not route SMART (SEHK) read back
  // would be routed SMART and refused. Such lines are asked for afresh on every run, never cached. The price bands
  // are cached with the contract (migration 0019).
  const cacheable = fresh.filter((info) => info.priceMagnifier === undefined && info.smartRoutable !== false);
  if (cacheable.length > 0) cacheCall(() => options.cache?.put(cacheable, now), 'write');
  return result;
}

/** Every listing IB returns for the stock, or IB's answer when it has no definition for it (200), explained. */
function requestDetails(
  session: IbSession,
  symbol: string,
  hint: ContractHint | undefined,
  timeoutMs: number,
): Promise<{ listings: ContractDetails[] } | { refused: string }> {
  const answers: ContractDetails[] = [];
  return session.operation<{ listings: ContractDetails[] } | { refused: string }>({
    label: `contract details of ${symbol}`,
    timeoutMs,
    listen: (ctx) => [
      session.events.on('contractDetails', (id, details) => id === ctx.id && answers.push(details)),
      session.events.on('contractDetailsEnd', (id) => id === ctx.id && ctx.resolve({ listings: answers })),
    ],
    onMessage: (ctx, code, text) => {
      if (code === NO_SECURITY_DEFINITION) ctx.resolve({ refused: explainIbMessage(code, text, symbol) });
      else if (!isNotice(code))
        ctx.reject(new BrokerError(`contract details of ${symbol}: ${meaningOf(code)} (IB ${code}: ${text})`, 'fatal', code, ctx.id));
    },
    send: (api, id) => api.reqContractDetails(id, stockContract(symbol, currencyOf(hint), hint?.primaryExchange)),
  });
}

/** The cache lives in the run's database: its failures are the run's failures, reported as the port asks. */
function cacheCall<T>(action: () => T, what: string): T {
  try {
    return action();
  } catch (error) {
    throw new BrokerError(`contract cache: could not ${what} it: ${error instanceof Error ? error.message : String(error)}`, 'fatal');
  }
}
