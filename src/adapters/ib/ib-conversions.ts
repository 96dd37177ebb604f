/**
 * Currency conversions (FX_POLICY=convert) in IB's terms. Pure.
 *
 * A conversion is an order on an IDEALPRO CASH pair (`USD.SGD`: quantity in USD, price in SGD per USD). The run sends
 * its own and must see their fills, or reconciliation would call a filled conversion "expired unfilled". Every other
 * CASH order or execution of the account (a person's conversion in TWS, another program's, IB's own) stays out of
 * what the adapter reports, as do IB's virtual FX positions (ib-account.ts): none is a position of a ticker.
 *
 * Which conversions are ours: the orderRef starts with this system's prefix (`rebal:`, src/run/run-id.ts, repeated
 * here because an adapter does not import the run; a test holds the two equal). A prefixed orderRef with a run id the
 * records never made still comes through: the run's FOREIGN_ORDERS check decides about it, as for stocks.
 */
import type { Contract } from '@stoqey/ib';
import type { OrderRequest } from '../../core/types.js';

/** The prefix of every orderRef this system writes (src/run/run-id.ts ORDER_REF_PREFIX). */
export const OWN_ORDER_REF_PREFIX = 'rebal';

/** The FX venue conversions are sent to. */
export const IDEALPRO = 'IDEALPRO';

/** True when this system wrote the orderRef. */
export function isOwnOrderRef(orderRef: string | undefined): boolean {
  return orderRef !== undefined && orderRef.startsWith(`${OWN_ORDER_REF_PREFIX}:`);
}

/** A pair's name as IB writes it (its localSymbol): `USD.SGD`. */
const PAIR = /^([A-Z]{3})\.([A-Z]{3})$/;

/** The two currencies of a conversion request's symbol (`USD.SGD`), or undefined when it is not a pair's name. */
export function pairOf(symbol: string): { symbol: string; currency: string } | undefined {
  const m = PAIR.exec(symbol);
  return m === null || m[1] === m[2] ? undefined : { symbol: m[1] as string, currency: m[2] as string };
}

/** What a contract traded is to the run: a stock, a conversion of ours, or something left out (and why). */
export type Traded = { symbol: string; secType?: 'CASH' } | { leftOut: string };

/**
 * How an order or execution on `contract` with `orderRef` is reported: a stock under its symbol; a conversion of ours
 * under its pair's name (`USD.SGD`) with secType CASH; anything else left out.
 */
export function tradedOf(contract: Contract, orderRef: string | undefined): Traded {
  const secType = contract.secType as string | undefined;
  if (secType === 'STK') return { symbol: contract.symbol ?? '' };
  if (secType !== 'CASH') return { leftOut: `not a stock (${String(secType)})` };
  const name = `${contract.symbol ?? '?'}.${contract.currency ?? '?'}`;
  if (!isOwnOrderRef(orderRef)) {
    return { leftOut: `a currency conversion (${name}) this system did not place (orderRef "${orderRef ?? ''}")` };
  }
  if (pairOf(name) === undefined) return { leftOut: `a currency conversion whose pair "${name}" is not two currency codes` };
  return { symbol: name, secType: 'CASH' };
}

/**
 * Problems that make a conversion request unsendable (the stock checks of ib-order-build.ts apply besides): its
 * symbol must name the pair as IB lists it, `XXX.YYY`, quoted in the request's currency YYY, on IDEALPRO, and its orderRef
 * must be ours (the adapter reports no other conversion back).
 */
export function conversionProblems(request: OrderRequest): string[] {
  const pair = pairOf(request.symbol);
  const problems: string[] = [];
  if (pair === undefined) {
    problems.push(`conversion symbol "${request.symbol}" is not a pair of two currency codes as IB names it (USD.SGD)`);
  } else if (pair.currency !== request.currency) {
    problems.push(`conversion ${request.symbol} is quoted in ${pair.currency}, not in the request's currency ${request.currency}`);
  }
  if (!isOwnOrderRef(request.orderRef)) {
    problems.push(
      `conversion orderRef "${request.orderRef}" lacks this system's prefix "${OWN_ORDER_REF_PREFIX}:": its fills would never be reported back`,
    );
  }
  if (request.primaryExchange !== '' && request.primaryExchange !== IDEALPRO) {
    problems.push(`a conversion goes to ${IDEALPRO}, not to "${request.primaryExchange}"`);
  }
  return problems;
}
