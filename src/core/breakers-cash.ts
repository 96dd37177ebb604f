import type { BreakerContext } from './breakers-common.js';
import { breach, exceeds, formatPct, percentOf, usableNetLiquidation } from './breakers-common.js';
import { cashAfter, projectCash } from './cash-projection.js';
import { planConversions } from './conversions.js';
import { formatMoney } from './money.js';
import type { Breach, ConversionLine } from './types.js';

/** MAX_CURRENCY_LOAN_PCT when the limits do not say: a loan of up to the whole NLV in any one currency. */
export const DEFAULT_MAX_CURRENCY_LOAN_PCT = 100;

/**
 * CURRENCY_LOAN_LIMIT when the cash of a currency, after this run's orders, is negative by more than
 * maxCurrencyLoanPct of NLV (valued in the account's currency at the broker's rate). IB lends a currency an account
 * spends without holding it (FX_POLICY=borrow) and charges interest on it; a loan beyond the limit is not deepened:
 * the run only reduces (a sale brings the currency back). Judged from the broker's cash per currency (IB's ledger):
 * each order moves its contract's currency by quantity x limit price (/ the price magnifier), a BUY down, a SELL up;
 * under FX_POLICY=convert each conversion the plan would place moves both its currencies (core/cash-projection.ts).
 * Without a cash ledger (a broker of one currency) there is nothing per currency to judge: leverage and the margin
 * cushion govern the loan. A currency without a rate cannot be valued: if a line trades it, CURRENCY_MISMATCH halts
 * the run; a balance in it that nothing trades is not judged.
 */
export function checkCurrencyLoans(ctx: BreakerContext): Breach[] {
  // FX_POLICY=convert: the conversions the plan would place move the loans (a shortfall bought with the base currency).
  return loansOver(ctx, planConversions(ctx.inputs, ctx.lines)).map((l) => l.breach);
}

/** The currencies whose cash after the lines' orders and `conversions` is a loan past the limit (or not a number). */
export function loansOver(ctx: BreakerContext, conversions: readonly ConversionLine[]): { currency: string; breach: Breach }[] {
  const nlv = usableNetLiquidation(ctx);
  const projection = projectCash(ctx.inputs, ctx.lines, conversions);
  if (nlv === undefined || projection === undefined) return [];
  const { base, cash, moved, rates } = projection;
  const max = ctx.inputs.limits.maxCurrencyLoanPct ?? DEFAULT_MAX_CURRENCY_LOAN_PCT;
  const out: { currency: string; breach: Breach }[] = [];
  for (const currency of [...new Set([...cash.keys(), ...moved.keys()])].sort()) {
    const after = cashAfter(projection, currency);
    const orders = moved.has(currency) ? " after this run's orders" : '';
    if (after.isNaN()) {
      // A number that cannot be compared always trips (Decimal's NaN is not negative).
      out.push({
        currency,
        breach: breach('CURRENCY_LOAN_LIMIT', `${currency} cash${orders} is not a number (NaN): the loan in it cannot be judged`),
      });
      continue;
    }
    const rate = rates.get(currency);
    if (!after.isNeg() || rate === undefined) continue;
    const loan = after.neg().times(rate);
    const pct = percentOf(loan, nlv);
    if (!exceeds(pct, max)) continue;
    const inBase = currency === base ? '' : ` (${formatMoney(loan.neg())} ${base} at ${rate})`;
    out.push({
      currency,
      breach: breach(
        'CURRENCY_LOAN_LIMIT',
        `${currency} cash${orders} ${formatMoney(after)} ${currency}${inBase} is a loan of ${formatPct(pct)} of NLV ${formatMoney(nlv)} ` +
          `> max ${formatPct(max)} (MAX_CURRENCY_LOAN_PCT); IB lends it and charges interest`,
      ),
    });
  }
  return out;
}
