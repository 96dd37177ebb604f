// Test-only reference copy of src/core at 3c340bb (see test/support/reference-plan.ts). Do not edit.
import type { BreakerContext } from './breakers-common.js';
import { breach } from './breakers-common.js';
import type { Breach } from '../../../src/core/types.js';

/**
 * CURRENCY_MISMATCH when a ticker trades in another currency than the account's. Sizing multiplies NLV (in the
 * account's currency) by weights and divides by the quote (in the contract's): with a EUR account and a USD
 * ETF every share count, and every ratio the breakers check, would be off by the exchange rate. Until the plan
 * converts currencies, such a ticker blocks the run rather than trade a wrong quantity.
 */
export function checkCurrency(ctx: BreakerContext): Breach[] {
  const account = ctx.inputs.account.currency;
  return ctx.lines
    .filter((l) => l.currency !== undefined && l.currency !== '' && l.currency !== account)
    .map((l) =>
      breach(
        'CURRENCY_MISMATCH',
        `${l.symbol} trades in ${l.currency ?? ''} but the account's currency is ${account}; converting between them is not supported`,
        l.symbol,
      ),
    );
}
