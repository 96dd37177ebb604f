import { hashUnit, type SimMarket } from '../../sim/universe.js';
import { marketRuleOf } from '../../sim/market-rules.js';
import type { FxPairView } from '../../sim/fx-pairs.js';
import type { ContractRef } from '../parse/parse-requests.js';

/**
 * The simulated market's tickers as IB contracts: a stable conId per symbol, IB's SMART listing, and the
 * lookup by which a request's contract resolves to one ticker, or to none (error 200), as IB resolves it.
 */

/** A stock as the gateway reports it in contract details, positions, orders and executions. */
export interface ContractView {
  conId: number;
  symbol: string;
  primaryExchange: string;
  currency: string;
  minTick: number;
  /** IB's trading class: `NMS` for NASDAQ listings, the symbol otherwise. */
  tradingClass: string;
  /** IB's priceMagnifier (absent: 1): 100 for a line quoted in pence (its prices are in 1/100 of `currency`). */
  priceMagnifier?: number;
  /**
   * 'CASH' for an IDEALPRO pair (a currency conversion's contract): `symbol` its first currency, `currency` its second,
   * `primaryExchange` IDEALPRO, `localSymbol` and `tradingClass` the pair (`USD.SGD`). Absent: a stock.
   */
  secType?: 'CASH';
  /** IB's local symbol when it is not the symbol: the pair (`USD.SGD`) of a CASH contract. */
  localSymbol?: string;
  /** The listing's market rule id (sim/market-rules.ts), sent for each valid exchange in contract details. */
  marketRuleId?: number;
}

/** An IDEALPRO pair as the gateway reports it in orders and executions: IB's CASH contract (conId of the pair). */
export function cashContractView(pair: FxPairView): ContractView {
  return {
    conId: pair.conId,
    symbol: pair.symbol,
    primaryExchange: 'IDEALPRO',
    currency: pair.currency,
    minTick: pair.minTick,
    tradingClass: pair.localSymbol,
    secType: 'CASH',
    localSymbol: pair.localSymbol,
  };
}

/**
 * Markets abroad whose listings IB does not route through SMART: contract details name the exchange alone among the
 * validExchanges (a Hong Kong line, `2800`: validExchanges 'SEHK', docs/research/multi-currency.md 3.2).
 */
const NO_SMART: ReadonlySet<string> = new Set(['SEHK']);

/** Whether IB routes the listing through SMART (its validExchanges hold SMART). */
export function smartRoutable(c: ContractView): boolean {
  return !NO_SMART.has(c.primaryExchange);
}

/** The text of IB's error 200. */
export const NO_SECURITY_DEFINITION = 'No security definition has been found for the request';

/** A conId per symbol: stable across runs and gateways (hashed), so positions and orders keep theirs. */
export function conIdOf(symbol: string): number {
  return 100_000 + Math.floor(hashUnit('conId', symbol) * 899_000_000);
}

/** The contract of a symbol the market knows; undefined otherwise. */
export function contractViewOf(market: SimMarket, symbol: string): ContractView | undefined {
  const info = market.contract(symbol);
  if (info === undefined) return undefined;
  return {
    conId: conIdOf(symbol),
    symbol,
    primaryExchange: info.primaryExchange,
    currency: info.currency,
    minTick: info.minTick,
    tradingClass: info.primaryExchange === 'NASDAQ' ? 'NMS' : symbol,
    marketRuleId: marketRuleOf(info).id,
    ...(info.priceMagnifier === undefined ? {} : { priceMagnifier: info.priceMagnifier }),
  };
}

/**
 * Resolves a request's contract: by conId when it has one (a symbol sent with it must agree), else by symbol.
 * Any field the client sets must match the listing: secType STK, exchange SMART or the primary exchange, the
 * primary exchange and the currency. `unknown` holds tickers the scenario says IB does not know.
 */
export function resolveContract(market: SimMarket, ref: ContractRef, unknown: ReadonlySet<string>): ContractView | undefined {
  const symbol = ref.conId === undefined ? ref.symbol.toUpperCase() : market.symbols().find((s) => conIdOf(s) === ref.conId);
  if (symbol === undefined || unknown.has(symbol)) return undefined;
  if (ref.conId !== undefined && ref.symbol !== '' && ref.symbol.toUpperCase() !== symbol) return undefined;
  const view = contractViewOf(market, symbol);
  if (view === undefined) return undefined;
  const agrees = (sent: string, actual: string) => sent === '' || sent.toUpperCase() === actual.toUpperCase();
  const exchangeOk = ref.exchange === '' || ['SMART', view.primaryExchange].includes(ref.exchange.toUpperCase());
  return agrees(ref.secType, 'STK') && exchangeOk && agrees(ref.primaryExch, view.primaryExchange) && agrees(ref.currency, view.currency)
    ? view
    : undefined;
}
