/**
 * Cash by currency as `rebalancer status` and the daily summaries show it: each currency's balance (negative when
 * the broker lends it), the broker's rate to the base currency, the balance in the base currency at that rate, and
 * when the rate was read. Shown only for an account that holds more than its base currency: a one-currency account
 * reads as it always did.
 */
import { Exact, formatMoney, round2 } from '../core/money.js';
import type { CashBalanceRecord } from '../ports/store.js';

/** One currency's line. */
export interface CashByCurrency {
  currency: string;
  cash: number;
  /** Base-currency units per one unit; null when the broker gave no usable rate. */
  exchangeRate: number | null;
  /** The cash in the base currency at that rate, to the cent; null without a rate. */
  inBase: number | null;
  rateReadAt: string;
  /** Whole minutes from the read to `now`; null when no `now` is given. */
  rateAgeMinutes: number | null;
}

/** The lines of the recorded balances, in their recorded order (the base currency first). */
export function cashByCurrency(balances: readonly CashBalanceRecord[], now?: string): CashByCurrency[] {
  return balances.map((b) => ({
    currency: b.currency,
    cash: b.cash,
    exchangeRate: b.exchangeRate ?? null,
    inBase: b.exchangeRate === undefined ? null : round2(new Exact(b.cash).times(b.exchangeRate)),
    rateReadAt: b.rateReadAt,
    rateAgeMinutes: now === undefined ? null : Math.max(0, Math.floor((Date.parse(now) - Date.parse(b.rateReadAt)) / 60_000)),
  }));
}

/** True when the account holds cash in a currency other than its base: the section is worth showing. */
export function showsCashByCurrency(balances: readonly CashBalanceRecord[], baseCurrency: string): boolean {
  return balances.some((b) => b.currency !== baseCurrency);
}

/** The table's header: currency, cash, rate, the amount in the base currency ("IN SGD"). */
export function cashHeader(baseCurrency: string): string[] {
  return ['CURRENCY', 'CASH', 'RATE', `IN ${baseCurrency}`];
}

/** A line's cells: currency, cash, rate ("no rate" without one), the amount in the base currency ("-" without a rate). */
export function cashCells(line: CashByCurrency): string[] {
  return [
    line.currency,
    formatMoney(line.cash),
    line.exchangeRate === null ? 'no rate' : String(line.exchangeRate),
    line.inBase === null ? '-' : formatMoney(line.inBase),
  ];
}

/** "read 2026-11-20T15:30:02Z (35 min ago)": when the rates were read, and how long ago when known. */
export function rateTimeText(line: Pick<CashByCurrency, 'rateReadAt' | 'rateAgeMinutes'>): string {
  return `read ${line.rateReadAt}${line.rateAgeMinutes === null ? '' : ` (${ageText(line.rateAgeMinutes)})`}`;
}

function ageText(minutes: number): string {
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)} h ${minutes % 60} min ago`;
  return `${Math.floor(minutes / 1440)} days ago`;
}
