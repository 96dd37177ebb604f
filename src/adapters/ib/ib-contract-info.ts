/**
 * IB contract details → our ContractInfo, and when a cached one may be reused. Pure.
 */
import type { ContractDetails } from '@stoqey/ib';
import type { ContractHint, ContractInfo } from '../../core/types.js';
import type { CachedContract } from '../../ports/contract-cache.js';

/** Cached contract details are asked for again after a day (hours and listings change). */
export const CONTRACT_CACHE_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/** The currency of a symbol: the forecast's hint, else US dollars. */
export function currencyOf(hint: ContractHint | undefined): string {
  return hint?.currency ?? 'USD';
}

/** Our facts of one contract, or a reason it cannot be used. */
export function toContractInfo(symbol: string, details: ContractDetails): ContractInfo | { problem: string } {
  const c = details.contract;
  const minTick = details.minTick;
  if (minTick === undefined || !Number.isFinite(minTick) || minTick <= 0)
    return { problem: `IB gave ${symbol} no usable minimum tick (${String(minTick)})` };
  if (!c.currency) return { problem: `IB gave ${symbol} no currency` };
  const magnifier = priceMagnifierOf(symbol, c.currency, details.priceMagnifier);
  if (typeof magnifier === 'object') return magnifier;
  return {
    symbol,
    conId: c.conId,
    minTick,
    primaryExchange: c.primaryExch ?? '',
    currency: c.currency,
    ...(magnifier === 1 ? {} : { priceMagnifier: magnifier }),
    ...(smartRoutable(details.validExchanges) ? {} : { smartRoutable: false as const }),
    ...(details.timeZoneId ? { timeZone: details.timeZoneId } : {}),
    ...(details.liquidHours ? { liquidHours: details.liquidHours } : {}),
    ...(details.tradingHours ? { tradingHours: details.tradingHours } : {}),
  };
}

/**
 * IB's priceMagnifier of a contract: 100 for an LSE line quoted in pence (currency GBP; quotes, ticks and order
 * prices in pence, avgCost and the cash ledger in pounds). Absent (IB sends 1 for most contracts; a frame without
 * the field decodes as undefined): 1. Anything but a positive whole number is a reason to leave the contract out:
 * guessing it would value the line 100 times too high or too low.
 */
function priceMagnifierOf(symbol: string, currency: string, raw: number | undefined): number | { problem: string } {
  if (raw === undefined) return 1;
  if (!Number.isSafeInteger(raw) || raw <= 0)
    return {
      problem: `IB gave ${symbol} a price magnifier of ${String(raw)}, not a positive whole number: its ${currency} prices cannot be read`,
    };
  return raw;
}

/**
 * Whether IB routes the listing through SMART: its validExchanges (comma-separated, e.g. `SMART,NYSE,ARCA`) name
 * SMART. A Hong Kong line comes with `SEHK` alone (docs/research/multi-currency.md 3.2, `2800`), and IB refuses an
 * order for it routed SMART. A frame without the list (an older or partial answer) leaves the listing SMART-routable,
 * as every order was before the list was read.
 */
function smartRoutable(validExchanges: string | undefined): boolean {
  const exchanges = (validExchanges ?? '')
    .split(',')
    .map((e) => e.trim().toUpperCase())
    .filter((e) => e !== '');
  return exchanges.length === 0 || exchanges.includes('SMART');
}

/**
 * The id of the market rule (price bands) that applies to the listing's orders: IB's `marketRuleIds` are aligned
 * with its `validExchanges`, and an order goes SMART when the listing is SMART-routable, else to its primary exchange
 * (ib-order-build.ts `routeOf`), so that exchange's rule is the one IB checks a limit price against (error 110).
 * undefined when IB lists no rules (an older gateway: the minTick applies at every price, as before). Lists that do
 * not line up, or no rule for the exchange the order goes to, are a reason to leave the contract out, not to guess.
 */
export function marketRuleIdOf(symbol: string, details: ContractDetails): number | undefined | { problem: string } {
  const ids = listOf(details.marketRuleIds);
  if (ids.length === 0) return undefined;
  const exchanges = listOf(details.validExchanges).map((e) => e.toUpperCase());
  if (exchanges.length !== ids.length) {
    return {
      problem: `IB gave ${symbol} ${ids.length} market rules (${details.marketRuleIds ?? ''}) for ${exchanges.length} exchanges (${details.validExchanges ?? ''}): which price increments apply cannot be told`,
    };
  }
  const routed = smartRoutable(details.validExchanges) ? 'SMART' : (details.contract.primaryExch ?? '').toUpperCase();
  const raw = ids[exchanges.indexOf(routed)];
  if (raw === undefined)
    return { problem: `IB gave ${symbol} no market rule for ${routed || 'its primary exchange'}, where its orders go` };
  const id = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(id))
    return { problem: `IB gave ${symbol} the market rule id "${raw}" for ${routed}, not a number` };
  return id;
}

function listOf(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

/**
 * The one listing of a symbol among IB's answers, or why there is none. Never guesses between listings:
 * a wrong one would price and route the order on another stock.
 */
export function pickListing(
  symbol: string,
  results: ContractDetails[],
  hint: ContractHint | undefined,
): ContractDetails | { problem: string } {
  const stocks = results.filter((d) => d.contract.secType === undefined || d.contract.secType === 'STK');
  const wanted = hint?.primaryExchange;
  const matching = wanted ? stocks.filter((d) => d.contract.primaryExch === wanted) : stocks;
  if (matching.length === 1 && matching[0]) return matching[0];
  if (matching.length === 0) {
    return { problem: wanted ? `IB lists ${symbol} but not on ${wanted}` : `IB returned no stock listing for ${symbol}` };
  }
  const where = matching.map((d) => `${d.contract.primaryExch ?? '?'} (conId ${d.contract.conId ?? '?'})`).join(', ');
  return { problem: `${symbol} is ambiguous at IB: ${where}; name the primary exchange in the forecast's "contracts"` };
}

/** True when a cached entry is younger than a day and agrees with the forecast's hint. */
export function isFreshFor(cached: CachedContract, hint: ContractHint | undefined, nowMs: number): boolean {
  const at = Date.parse(cached.cachedAt);
  if (!Number.isFinite(at) || nowMs - at >= CONTRACT_CACHE_MAX_AGE_MS || at > nowMs + 60_000) return false;
  if (hint?.primaryExchange && cached.primaryExchange !== hint.primaryExchange) return false;
  return cached.currency === currencyOf(hint);
}

/** A cached entry without its timestamp. */
export function fromCache(cached: CachedContract): ContractInfo {
  const { cachedAt: _cachedAt, ...info } = cached;
  return info;
}
