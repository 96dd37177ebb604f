/**
 * Migration 0005: the strategies the records remember (see src/core/strategies.ts).
 *
 * - strategies: every strategy of a plan a run acted on, by name: the file it was last read from, its first and
 *   last sighting (instant and run), the tickers it wanted last (a JSON array, sorted), and, while retired, who
 *   retired it, when and why. A strategy that is neither retired nor in any forecast is STRATEGY_MISSING, which
 *   halts the run: a lost file must never read as "sell everything it held".
 * - strategy_retirements: every retirement ever recorded (`rebalancer retire`, or a file whose every weight is 0),
 *   append only, so a strategy retired, active again and retired again keeps both reasons.
 * - v_strategies: each strategy with its state (active or retired) one SELECT away.
 */
export const STRATEGIES_SCHEMA = `
CREATE TABLE strategies (
  name          TEXT PRIMARY KEY,
  last_file     TEXT NOT NULL,
  first_seen_at TEXT NOT NULL,
  first_run_id  TEXT NOT NULL REFERENCES runs (id),
  last_seen_at  TEXT NOT NULL,
  last_run_id   TEXT NOT NULL REFERENCES runs (id),
  last_symbols  TEXT NOT NULL,
  retired_at    TEXT,
  retired_by    TEXT,
  retire_reason TEXT
);

CREATE TABLE strategy_retirements (
  id       INTEGER PRIMARY KEY,
  strategy TEXT NOT NULL REFERENCES strategies (name),
  reason   TEXT NOT NULL,
  at       TEXT NOT NULL,
  source   TEXT NOT NULL
);

CREATE VIEW v_strategies AS
SELECT name, CASE WHEN retired_at IS NULL THEN 'active' ELSE 'retired' END AS state, last_file, last_symbols,
       first_seen_at, last_seen_at, last_run_id, retired_at, retired_by, retire_reason
FROM strategies
ORDER BY name;
`;
