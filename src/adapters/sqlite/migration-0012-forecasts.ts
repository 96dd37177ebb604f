/**
 * Migration 0012: the forecasts each run planned with (see src/core/forecast-changes.ts).
 *
 * - forecasts: one row per strategy per run that recorded it: the valid forecasts a run (not a dry run) read and
 *   planned with, whatever became of the plan. A forecast that was invalid or stale is not recorded. weights is the
 *   file's weights as a JSON object (ticker -> weight, keys sorted; 0 kept as written). The latest row of each
 *   strategy (by id: the order recorded) is what the next run and `rebalancer plan` compare with, to say what
 *   changed since the last run (leverage, capital, tickers added and removed, the largest weight changes).
 */
export const FORECASTS_SCHEMA = `
CREATE TABLE forecasts (
  id       INTEGER PRIMARY KEY,
  run_id   TEXT NOT NULL REFERENCES runs (id),
  strategy TEXT NOT NULL,
  file     TEXT NOT NULL,
  as_of    TEXT NOT NULL,
  leverage REAL NOT NULL,
  capital  REAL NOT NULL,
  weights  TEXT NOT NULL,
  UNIQUE (run_id, strategy)
);
CREATE INDEX forecasts_by_strategy ON forecasts (strategy, id, run_id);
`;
