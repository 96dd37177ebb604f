import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { parseInstant } from '../core/session.js';
import { hashUnit } from './universe.js';

/**
 * The simulated account's exchange rates, from the scenario's `exchangeRates`: per currency, base-currency units per
 * one unit of it (IB's ExchangeRate), fixed or moving along a deterministic path (a function of the seed, the
 * currency and the minute, as the universe's prices are), so every run and the simulated gateway see the same rate
 * at the same instant.
 *
 * ```json
 * "exchangeRates": { "USD": 1.3502, "GBP": { "rate": 1.7215, "dailyVol": 0.004 } }
 * ```
 *
 * A rate IB prints carries about 7 significant digits: {@link printedRate}. The account's own valuation (the BASE
 * ledger, NetLiquidation) uses the rate before that rounding, so BASE is not exactly the sum of each currency times
 * its printed rate, as at IB.
 */

const RATE = 'expected a finite number > 0';
const rate = z.number({ error: RATE }).positive({ error: RATE });
const VOL = 'expected a number in 0..0.2';

/** One currency's rate: a number (fixed), or `{ rate, dailyVol }` (moving around `rate`). */
export const exchangeRateSchema = z.union([
  rate,
  z.strictObject({
    rate,
    dailyVol: z.number({ error: VOL }).min(0, { error: VOL }).max(0.2, { error: VOL }).default(0),
  }),
]);

export type ExchangeRateSpec = z.infer<typeof exchangeRateSchema>;

/** Slow to fast waves, as the universe's prices move (period in days, amplitude in daily vols). */
const WAVES = [
  { days: 60, amplitude: 6 },
  { days: 11, amplitude: 2 },
  { days: 2.1, amplitude: 0.5 },
] as const;
const MINUTES_PER_DAY = 1440;

/** The rate of `currency` at an instant, unrounded: the account values its cash and positions with it. */
export function rateAt(spec: ExchangeRateSpec, seed: number, currency: string, iso: string): Decimal {
  if (typeof spec === 'number') return new Decimal(spec);
  if (spec.dailyVol === 0) return new Decimal(spec.rate);
  const minute = Math.floor(parseInstant(iso).toMillis() / 60_000);
  let deviation = 0;
  WAVES.forEach((wave, k) => {
    const phase = 2 * Math.PI * hashUnit(seed, 'fx', currency, 'wave', k);
    deviation += wave.amplitude * Math.sin((2 * Math.PI * minute) / (wave.days * MINUTES_PER_DAY) + phase);
  });
  return new Decimal(spec.rate).times(Math.exp(spec.dailyVol * deviation));
}

/** A rate as IB prints it: 7 significant digits ("0.8303924", "7.786325"); a whole 1 as "1.00". */
export function printedRate(value: Decimal): string {
  const seven = value.toSignificantDigits(7);
  return seven.decimalPlaces() < 2 ? seven.toFixed(2) : seven.toFixed();
}
