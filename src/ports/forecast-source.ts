import type { Breach, Forecast } from '../core/types.js';

/** Forecasts as read: the valid ones, the problems as breaches, and the files considered. */
export interface ForecastRead {
  /** The forecasts with no problem at all. When `breaches` is not empty this set is incomplete: do not trade on it. */
  forecasts: Forecast[];
  breaches: Breach[];
  /** Every forecast file considered, sorted by name. */
  files: string[];
}

/** Where the strategies' target weights come from (FORECAST_DIR with the file adapter). Never throws. */
export interface ForecastSource {
  /** `now`: ISO 8601 with a zone; forecasts older than `maxAgeHours` are STALE_FORECAST breaches. */
  read(now: string, maxAgeHours: number): Promise<ForecastRead>;
}
