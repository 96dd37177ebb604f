import type { ForecastSource } from '../../ports/forecast-source.js';
import { readForecasts } from '../../forecast/read-forecasts.js';

/** The forecast source of FORECAST_DIR: one JSON file per strategy, read safely and checked strictly. */
export function forecastFiles(dir: string): ForecastSource {
  return { read: (now, maxAgeHours) => readForecasts(dir, now, maxAgeHours) };
}
