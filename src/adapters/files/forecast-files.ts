import type { ForecastSource } from '../../ports/forecast-source.js';
import { readForecasts } from '../../forecast/read-forecasts.js';

/**
 * The forecast source of FORECAST_DIR: one JSON file per strategy, read safely and checked strictly; `maxTickers`
 * is MAX_TICKERS (default 1000).
 */
export function forecastFiles(dir: string, limits: { maxTickers?: number } = {}): ForecastSource {
  return { read: (now) => readForecasts(dir, now, undefined, undefined, limits) };
}
