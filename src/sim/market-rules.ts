import { conformsTo, incrementAt, limitPrice } from '../core/limit-price.js';
import type { ContractInfo, PriceIncrement, Quote } from '../core/types.js';
import { hashUnit, type SimMarket } from './universe.js';

/**
 * IB's market rules in the simulators: the price bands a listing's limit prices must conform to (IB error 110 when
 * they do not). A scenario contract may give its own `priceIncrements`; a listing on SEHK or TSEJ without them
 * follows its exchange's table; any other listing has one increment, its minTick. The simulated gateway lists each
 * contract's rule by id in its contract details (marketRuleIds) and answers reqMarketRule with the bands.
 */

/** HKEX's spread table (part A, ordinary shares): 0.001 HKD below 0.25 ... 5 HKD from 5000. */
export const SEHK_INCREMENTS: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 0.001 },
  { lowEdge: 0.25, increment: 0.005 },
  { lowEdge: 0.5, increment: 0.01 },
  { lowEdge: 10, increment: 0.02 },
  { lowEdge: 20, increment: 0.05 },
  { lowEdge: 100, increment: 0.1 },
  { lowEdge: 200, increment: 0.2 },
  { lowEdge: 500, increment: 0.5 },
  { lowEdge: 1000, increment: 1 },
  { lowEdge: 2000, increment: 2 },
  { lowEdge: 5000, increment: 5 },
];

/** The Tokyo Stock Exchange's table for ordinary stocks (not TOPIX100 constituents), in yen. */
export const TSEJ_INCREMENTS: readonly PriceIncrement[] = [
  { lowEdge: 0, increment: 1 },
  { lowEdge: 3000, increment: 5 },
  { lowEdge: 5000, increment: 10 },
  { lowEdge: 30000, increment: 50 },
  { lowEdge: 50000, increment: 100 },
  { lowEdge: 300000, increment: 500 },
  { lowEdge: 500000, increment: 1000 },
  { lowEdge: 3000000, increment: 5000 },
  { lowEdge: 5000000, increment: 10000 },
  { lowEdge: 30000000, increment: 50000 },
  { lowEdge: 50000000, increment: 100000 },
];

const DEFAULTS: Readonly<Record<string, readonly PriceIncrement[]>> = { SEHK: SEHK_INCREMENTS, TSEJ: TSEJ_INCREMENTS };

/** The exchange's own table for a listing that gives none, or undefined (one increment: the minTick). */
export function defaultIncrements(primaryExchange: string): readonly PriceIncrement[] | undefined {
  return DEFAULTS[primaryExchange.toUpperCase()];
}

/** A market rule as the simulated gateway lists it. */
export interface SimMarketRule {
  id: number;
  increments: readonly PriceIncrement[];
}

/** IB's rule 26 (a cent at every price) and 557 (0.0001 below $1, a cent from $1), as US stocks carry them. */
const CENT: SimMarketRule = { id: 26, increments: [{ lowEdge: 0, increment: 0.01 }] };
const SUB_DOLLAR: SimMarketRule = {
  id: 557,
  increments: [
    { lowEdge: 0, increment: 0.0001 },
    { lowEdge: 1, increment: 0.01 },
  ],
};
/** Rule 791 carries TSE's bands at IB; the HKEX table gets an id of the simulator's own. */
const KNOWN: readonly SimMarketRule[] = [
  CENT,
  SUB_DOLLAR,
  { id: 791, increments: TSEJ_INCREMENTS },
  { id: 1704, increments: SEHK_INCREMENTS },
];

const sameBands = (a: readonly PriceIncrement[], b: readonly PriceIncrement[]): boolean =>
  a.length === b.length && a.every((band, i) => band.lowEdge === b[i]?.lowEdge && band.increment === b[i]?.increment);

/**
 * The rule of a contract: its bands under IB's id when IB has one for them (26, 557, 791), else an id hashed from the
 * bands (stable across gateways, so a rule id from one answer resolves in another). A contract without bands: rule 26
 * for a cent, 557 for a tick of 0.0001 (as the gateway listed them before rules were served), else its minTick alone.
 */
export function marketRuleOf(contract: ContractInfo): SimMarketRule {
  const bands = contract.priceIncrements;
  if (bands === undefined) {
    if (contract.minTick === 0.01) return CENT;
    if (contract.minTick === 0.0001) return SUB_DOLLAR;
    return ruleOf([{ lowEdge: 0, increment: contract.minTick }]);
  }
  return ruleOf(bands);
}

function ruleOf(bands: readonly PriceIncrement[]): SimMarketRule {
  const known = KNOWN.find((rule) => sameBands(rule.increments, bands));
  if (known !== undefined) return known;
  const text = bands.map((b) => `${b.lowEdge}:${b.increment}`).join(',');
  return { id: 10_000 + Math.floor(hashUnit('marketRule', text) * 90_000_000), increments: bands };
}

/** The rule with this id (IB's known ones, or one of the market's contracts'), or undefined when none has it. */
export function marketRuleById(market: SimMarket, id: number): SimMarketRule | undefined {
  const known = KNOWN.find((rule) => rule.id === id);
  if (known !== undefined) return known;
  for (const symbol of market.symbols()) {
    const contract = market.contract(symbol);
    if (contract === undefined) continue;
    const rule = marketRuleOf(contract);
    if (rule.id === id) return rule;
  }
  return undefined;
}

/** The grid a contract's prices are on: its bands, else its minTick. */
export function gridOf(contract: Pick<ContractInfo, 'minTick' | 'priceIncrements'>): number | readonly PriceIncrement[] {
  return contract.priceIncrements ?? contract.minTick;
}

/** The increment at a price: its band's under the contract's rule, else its minTick (for IB's 110 text). */
export function tickOf(contract: Pick<ContractInfo, 'minTick' | 'priceIncrements'>, price: number): number {
  return (contract.priceIncrements === undefined ? undefined : incrementAt(contract.priceIncrements, price)) ?? contract.minTick;
}

/** Whether a limit price conforms to the contract at that price (IB error 110 when not). */
export function conformsToContract(contract: Pick<ContractInfo, 'minTick' | 'priceIncrements'>, price: number): boolean {
  return conformsTo(gridOf(contract), price);
}

/** A price rounded down (a BUY's side) or up (a SELL's) to one that conforms at itself; the price itself when none. */
export function roundToGrid(contract: Pick<ContractInfo, 'minTick' | 'priceIncrements'>, price: number, mode: 'down' | 'up'): number {
  return limitPrice(mode === 'down' ? 'BUY' : 'SELL', price, 0, gridOf(contract)) ?? price;
}

/**
 * A quote on the contract's grid: the bid rounded down and the ask up to prices that conform at themselves (a quote the
 * scenario writes off the grid, e.g. 400.03 on SEHK, is not a price the exchange shows). Unchanged without bands.
 */
export function quoteOnGrid(quote: Quote, contract: ContractInfo | undefined): Quote {
  if (contract?.priceIncrements === undefined) return quote;
  const bid = quote.bid === undefined || !(quote.bid > 0) ? quote.bid : roundToGrid(contract, quote.bid, 'down');
  const ask = quote.ask === undefined || !(quote.ask > 0) ? quote.ask : roundToGrid(contract, quote.ask, 'up');
  return { ...quote, ...(bid === undefined ? {} : { bid }), ...(ask === undefined ? {} : { ask }) };
}
