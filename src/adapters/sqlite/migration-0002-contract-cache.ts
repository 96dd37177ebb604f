/**
 * The contract cache of the IB adapter: one row per symbol, replaced when IB is asked again (after a day, or
 * when a forecast names another listing). A cache, not a record: deleting its rows only costs requests.
 */
export const CONTRACT_CACHE_SCHEMA = `
CREATE TABLE contract_cache (
  symbol           TEXT PRIMARY KEY,
  con_id           INTEGER,
  min_tick         REAL NOT NULL CHECK (min_tick > 0),
  primary_exchange TEXT NOT NULL,
  currency         TEXT NOT NULL,
  time_zone        TEXT,
  liquid_hours     TEXT,
  trading_hours    TEXT,
  cached_at        TEXT NOT NULL
);
`;
