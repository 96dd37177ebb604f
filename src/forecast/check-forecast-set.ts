/**
 * Checks that need the clock or more than one file: the age of each forecast, and the strategies and capitals
 * of all of them together. Pure: the time comes in as an argument.
 */
import type { Breach, Forecast } from '../core/types.js';
import { parseZonedTime } from './forecast-schema.js';

/** A strategy's clock may run this far ahead of ours before its asOf counts as "in the future". */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;
/** The capitals of all files may exceed 1 by this much (float sums of fractions). */
export const CAPITAL_SUM_TOLERANCE = 1e-9;

const HOUR_MS = 3_600_000;

/**
 * INVALID_FORECAST when `asOf` is more than five minutes after `nowMs`; nothing otherwise. How old a forecast may
 * be is judged later, under the run's session rules (core/forecast-age.ts).
 */
export function checkForecastTime(forecast: Forecast, nowMs: number): Breach | undefined {
  const asOf = parseZonedTime(forecast.asOf);
  if (!asOf.ok) return { code: 'INVALID_FORECAST', detail: `${forecast.file}: asOf: ${asOf.problem}` };
  const now = new Date(nowMs).toISOString();
  const ageMs = nowMs - asOf.millis;
  if (-ageMs > MAX_CLOCK_SKEW_MS) {
    return {
      code: 'INVALID_FORECAST',
      detail:
        `${forecast.file}: asOf: asOf is in the future: ${forecast.asOf} is ${formatDuration(-ageMs)} after now ` +
        `(${now}); at most 5 minutes ahead is allowed (is the strategy's clock right?)`,
    };
  }
  return undefined;
}

/** One INVALID_FORECAST per strategy name that more than one file uses, naming every such file. */
export function checkStrategyNames(forecasts: readonly Forecast[]): Breach[] {
  const filesByStrategy = new Map<string, string[]>();
  for (const { strategy, file } of forecasts) filesByStrategy.set(strategy, [...(filesByStrategy.get(strategy) ?? []), file]);
  return [...filesByStrategy]
    .filter(([, files]) => files.length > 1)
    .map(([strategy, files]) => ({
      code: 'INVALID_FORECAST',
      detail: `strategy "${strategy}" is named by more than one file: ${files.join(', ')} (one file per strategy)`,
    }));
}

/** INVALID_FORECAST when the capitals of all files sum to more than 1: together they would over-allocate NLV. */
export function checkCapitalSum(forecasts: readonly Forecast[]): Breach | undefined {
  const sum = forecasts.reduce((total, forecast) => total + forecast.capital, 0);
  if (sum <= 1 + CAPITAL_SUM_TOLERANCE) return undefined;
  const parts = forecasts.map((forecast) => `${forecast.file} ${forecast.capital}`).join(', ');
  return {
    code: 'INVALID_FORECAST',
    detail: `capital of all forecast files sums to ${round(sum)}, more than 1: ${parts}`,
  };
}

/**
 * INVALID_FORECAST when the files together name more than `maxTickers` distinct tickers (MAX_TICKERS): each
 * file may be within the cap while their union is not. The detail names the count, the cap and each file's count.
 */
export function checkUniverse(forecasts: readonly Forecast[], maxTickers: number): Breach | undefined {
  const tickers = new Set<string>();
  for (const forecast of forecasts) for (const ticker of Object.keys(forecast.weights)) tickers.add(ticker);
  if (tickers.size <= maxTickers) return undefined;
  const parts = forecasts.map((forecast) => `${forecast.file} ${Object.keys(forecast.weights).length}`).join(', ');
  return {
    code: 'INVALID_FORECAST',
    detail: `the forecast files together name ${tickers.size} tickers, more than MAX_TICKERS (${maxTickers}): ${parts}`,
  };
}

/** "25.5 hours (25h 30m 0s)": the decimal for reading, the clock form so that just over a limit shows. */
function formatDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const clock = `${Math.floor(seconds / 3600)}h ${Math.floor(seconds / 60) % 60}m ${seconds % 60}s`;
  const hours = Number((ms / HOUR_MS).toFixed(2));
  return `${hours} ${hours === 1 ? 'hour' : 'hours'} (${clock})`;
}

function round(value: number): number {
  return Number(value.toPrecision(12));
}
