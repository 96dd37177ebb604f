import type { BreakerContext } from './breakers-common.js';
import { breach } from './breakers-common.js';
import type { Breach } from './types.js';

/**
 * CURRENCY_MISMATCH when a ticker trades in another currency than the account's and the run has no rate for it
 * (neither the broker's cash ledger nor its FX market gave one). Sizing divides a value in the account's currency by
 * a price in the contract's: without the rate every share count, and every ratio the breakers check, would be off by
 * it. Such a ticker is never sized, and the run halts rather than guess.
 */
export function checkCurrency(ctx: BreakerContext): Breach[] {
  const account = ctx.inputs.account.currency;
  return ctx.lines
    .filter((l) => l.currency !== undefined && l.currency !== '' && l.currency !== account && l.fx === undefined)
    .map((l) => {
      const currency = l.currency ?? '';
      const problems = ctx.inputs.rateProblems;
      const why = problems !== undefined && Object.hasOwn(problems, currency) ? `: ${problems[currency] ?? ''}` : '';
      return breach(
        'CURRENCY_MISMATCH',
        `${l.symbol} trades in ${currency} but the account's currency is ${account}, and there is no ${currency} rate${why}`,
        l.symbol,
      );
    });
}
