/**
 * The account's cash per currency and IB's exchange rates, from the `$LEDGER:ALL` rows of the account summary.
 *
 * Each ledger key comes once per currency the account holds (currency column = its code, amounts in it) and once
 * with currency `BASE` (everything together, in the base currency). `ExchangeRate` of a currency is base-currency
 * units per one unit of it (an EUR account: USD 0.8303924). Since May 2026 TWS can prepend `$LEDGER-` to
 * per-currency keys (`$LEDGER-CashBalance`; on by default for new users, documented for account updates, not
 * said for the summary): both spellings are read. A rate that is missing, zero, negative or not a number is no rate
 * (never guessed), with a warning. IB sends no time with a rate: the moment the rows arrived is recorded.
 */
import type { CashLedger, CurrencyCash } from '../../core/types.js';
import type { IbLog } from './ib-log.js';

/** The prefix TWS may put before per-currency keys (Global Configuration > API > Settings, May 2026). */
export const LEDGER_KEY_PREFIX = '$LEDGER-';

/** One summary row: tag, value and currency as IB sent them. */
export interface SummaryRow {
  tag: string;
  value: string;
  currency: string;
}

/**
 * A decimal as IB prints one ("1.3512345", "-1250.5", "100000.00"), or in Java's exponent form, which TWS uses for
 * values under 0.001 ("9.3E-4": a KRW or IDR rate to USD); nothing else is a number here.
 */
const DECIMAL = /^-?\d+(\.\d+)?(E[-+]?\d+)?$/i;

/** The ledger's key without the `$LEDGER-` prefix. */
export function ledgerKey(tag: string): string {
  return tag.startsWith(LEDGER_KEY_PREFIX) ? tag.slice(LEDGER_KEY_PREFIX.length) : tag;
}

/** The value of ledger `key` for `currency`, in either spelling of the key. */
export function ledgerValue(rows: readonly SummaryRow[], key: string, currency: string): string | undefined {
  return rows.find((r) => r.currency === currency && ledgerKey(r.tag) === key)?.value;
}

function decimalOf(raw: string | undefined): number | undefined {
  const text = raw?.trim();
  if (text === undefined || !DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Cash per currency and rates from the ledger rows; undefined when IB sent no ledger row for any currency (then the
 * account-level TotalCashValue is all the run knows). The base currency first (rate 1), then the others by code. A
 * currency whose cash is not a number is left out, with a warning.
 */
export function readCashLedger(
  rows: readonly SummaryRow[],
  baseCurrency: string,
  receivedAt: string,
  log: IbLog,
  account: string,
): CashLedger | undefined {
  const cashKeys = new Set(['TotalCashBalance', 'CashBalance', 'ExchangeRate']);
  const currencies = [
    ...new Set(rows.filter((r) => cashKeys.has(ledgerKey(r.tag)) && r.currency !== 'BASE' && r.currency !== '').map((r) => r.currency)),
  ];
  if (currencies.length === 0) return undefined;
  const balances: CurrencyCash[] = [];
  for (const currency of currencies) {
    // TotalCashBalance: CashBalance can leave out cash IB holds elsewhere (its bank deposit sweep).
    const rawCash = ledgerValue(rows, 'TotalCashBalance', currency) ?? ledgerValue(rows, 'CashBalance', currency);
    const cash = decimalOf(rawCash);
    if (cash === undefined) {
      log.warn({ account, currency, cash: rawCash ?? null }, `cash in ${currency} left out: IB gave no number for it`);
      continue;
    }
    if (currency === baseCurrency) {
      balances.push({ currency, cash, exchangeRate: 1 });
      continue;
    }
    const rawRate = ledgerValue(rows, 'ExchangeRate', currency);
    const rate = decimalOf(rawRate);
    if (rate === undefined || rate <= 0) {
      log.warn(
        { account, currency, exchangeRate: rawRate ?? null },
        `no usable exchange rate for ${currency} (IB sent ${rawRate === undefined ? 'none' : `"${rawRate}"`}): its cash is shown without a rate`,
      );
      balances.push({ currency, cash });
    } else balances.push({ currency, cash, exchangeRate: rate });
  }
  const order = (c: CurrencyCash) => (c.currency === baseCurrency ? '' : c.currency);
  balances.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  return { baseCurrency, balances, ratesReadAt: receivedAt };
}
