import type { Broker } from '../ports/broker.js';
import type { AccountSummary, ContractInfo, ExchangeRate } from '../core/types.js';
import { isUsableRate } from '../core/share-value.js';

/** The rates a run sizes with, by currency, and why a currency it needs has none. */
export interface RunRates {
  rates: Record<string, ExchangeRate>;
  /** Currency -> why no rate: the broker's words. CURRENCY_MISMATCH says it. */
  problems: Record<string, string>;
}

/**
 * The exchange rates of every currency the run's contracts are quoted in, other than the account's: the broker's
 * cash ledger first (IB: `$LEDGER:ALL`, the rate of each currency the account holds, read with the summary), then,
 * for a currency the ledger does not list, the broker's FX market. A rate that is not a finite positive number is
 * no rate. Nothing is guessed: a currency without a rate is absent, with the reason.
 */
export async function gatherExchangeRates(
  broker: Broker,
  summary: AccountSummary,
  contracts: Readonly<Record<string, ContractInfo>>,
): Promise<RunRates> {
  const base = summary.currency;
  const needed = [...new Set(Object.values(contracts).map((c) => c.currency))].filter((c) => c !== '' && c !== base).sort();
  const rates: Record<string, ExchangeRate> = {};
  const problems: Record<string, string> = {};
  if (needed.length === 0) return { rates, problems };
  const ledger = summary.cashLedger;
  if (ledger !== undefined && ledger.baseCurrency === base) {
    for (const b of ledger.balances) {
      if (!needed.includes(b.currency) || !isUsableRate(b.exchangeRate)) continue;
      rates[b.currency] = { rate: b.exchangeRate, at: ledger.ratesReadAt, source: 'the account ledger' };
    }
  }
  const missing = needed.filter((c) => !Object.hasOwn(rates, c));
  if (missing.length === 0) return { rates, problems };
  const leftOut: Record<string, string> = {};
  const quoted = await broker.exchangeRates(base, missing, leftOut);
  for (const currency of missing) {
    const fx = Object.hasOwn(quoted, currency) ? quoted[currency] : undefined;
    if (fx !== undefined && isUsableRate(fx.rate)) rates[currency] = fx;
    else problems[currency] = leftOut[currency] ?? `the broker gave no usable ${currency}.${base} rate`;
  }
  return { rates, problems };
}
