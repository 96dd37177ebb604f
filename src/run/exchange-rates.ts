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
 * no rate. Nothing is guessed: a currency without a rate is absent, with the reason. With `fxQuotes` (FX_POLICY=convert)
 * the FX market is asked for every such currency, for the quote the conversions are priced on (`ExchangeRate.market`).
 */
export async function gatherExchangeRates(
  broker: Broker,
  summary: AccountSummary,
  contracts: Readonly<Record<string, ContractInfo>>,
  options: { fxQuotes?: boolean } = {},
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
  // FX_POLICY=convert prices its conversions on the FX market's quote of each currency, held or not; a currency the
  // ledger rates keeps the ledger's rate (the plan sizes with it) and gains the quote, or stays without one.
  const asked = options.fxQuotes === true ? needed : missing;
  if (asked.length === 0) return { rates, problems };
  const leftOut: Record<string, string> = {};
  const quoted = await broker.exchangeRates(base, asked, leftOut);
  for (const currency of asked) {
    if (!missing.includes(currency)) {
      const market = Object.hasOwn(quoted, currency) ? quoted[currency]?.market : undefined;
      const held = rates[currency];
      if (market !== undefined && held !== undefined) rates[currency] = { ...held, market };
      continue;
    }
    const fx = Object.hasOwn(quoted, currency) ? quoted[currency] : undefined;
    if (fx !== undefined && isUsableRate(fx.rate)) rates[currency] = fx;
    else problems[currency] = leftOut[currency] ?? `the broker gave no usable ${currency}.${base} rate`;
  }
  return { rates, problems };
}
