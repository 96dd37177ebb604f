/** The statements and rows of the forecasts table (migration 0012), apart from the shared statement list. */
import type { ForecastFigures, RecordedForecast } from '../../core/forecast-changes.js';
import type { SqliteDatabase } from './open-database.js';

export interface ForecastRow {
  run_id: string;
  strategy: string;
  file: string;
  as_of: string;
  leverage: number;
  capital: number;
  weights: string;
}

type ForecastParams = ForecastRow;

export function prepareForecastStatements(db: SqliteDatabase) {
  return {
    insertForecast: db.prepare<ForecastParams>(
      `INSERT INTO forecasts (run_id, strategy, file, as_of, leverage, capital, weights)
       VALUES (@run_id, @strategy, @file, @as_of, @leverage, @capital, @weights)`,
    ),
    // Each strategy's row with the highest id among the other runs' (the index on (strategy, id, run_id) covers it).
    latestForecasts: db.prepare<{ except: string | null }, ForecastRow>(
      `SELECT f.run_id, f.strategy, f.file, f.as_of, f.leverage, f.capital, f.weights
       FROM forecasts f
       JOIN (SELECT strategy, max(id) AS id FROM forecasts WHERE @except IS NULL OR run_id <> @except GROUP BY strategy) l
         ON f.id = l.id
       ORDER BY f.id`,
    ),
  };
}

export type ForecastStatements = ReturnType<typeof prepareForecastStatements>;

export function forecastParams(runId: string, f: ForecastFigures): ForecastParams {
  const weights = Object.fromEntries(Object.entries(f.weights).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    run_id: runId,
    strategy: f.strategy,
    file: f.file,
    as_of: f.asOf,
    leverage: f.leverage,
    capital: f.capital,
    weights: JSON.stringify(weights),
  };
}

export function toRecordedForecast(r: ForecastRow): RecordedForecast {
  return {
    runId: r.run_id,
    strategy: r.strategy,
    file: r.file,
    asOf: r.as_of,
    leverage: r.leverage,
    capital: r.capital,
    weights: weightsOf(r),
  };
}

/** The weights as stored (a JSON object of numbers); anything else is a record the program never wrote: it fails loudly. */
function weightsOf(r: ForecastRow): Record<string, number> {
  const parsed: unknown = JSON.parse(r.weights);
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((w) => typeof w === 'number' && Number.isFinite(w))
  )
    throw new Error(`forecasts.weights of "${r.strategy}" (run ${r.run_id}) is not a JSON object of weights: ${r.weights}`);
  return parsed as Record<string, number>;
}
