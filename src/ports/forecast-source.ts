import type { Breach, Forecast } from '../core/types.js';

/** Forecasts as read: the valid ones, the problems as breaches, and the files considered. */
export interface ForecastRead {
  /**
   * The forecasts with no problem at all but, perhaps, their age: the run judges that under its session rules
   * (core/forecast-age.ts). When `breaches` is not empty this set is incomplete: do not trade on it.
   */
  forecasts: Forecast[];
  breaches: Breach[];
  /** Every forecast file considered, sorted by name. */
  files: string[];
}

/** Where the strategies' target weights come from (FORECAST_DIR with the file adapter). Never throws. */
export interface ForecastSource {
  /** `now`: ISO 8601 with a zone; an asOf more than 5 minutes after it is an INVALID_FORECAST breach. */
  read(now: string): Promise<ForecastRead>;
}
