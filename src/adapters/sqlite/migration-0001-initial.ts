/**
 * The first schema: tables of DESIGN.md "Records", their indexes, and views for the common questions.
 * Shipped migrations are never edited; a change is a new migration after this one.
 *
 * Amounts are REAL: they are the exact IEEE doubles the planner computed (already rounded to cents or ticks),
 * so a value read back is the value that was sent. Instants are ISO 8601 text, as the run gives them (UTC).
 */
export const INITIAL_SCHEMA = `
CREATE TABLE runs (
  id            TEXT PRIMARY KEY,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'blocked', 'failed', 'skipped')),
  exit_code     INTEGER,
  error         TEXT,
  trading_day   TEXT NOT NULL,
  dry_run       INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  trading_state TEXT
);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_day ON runs (trading_day, started_at);

-- One account snapshot per run; taken_at is the run's start, so replays with --now stay consistent.
CREATE TABLE snapshots (
  id                   INTEGER PRIMARY KEY,
  run_id               TEXT NOT NULL UNIQUE REFERENCES runs (id),
  taken_at             TEXT NOT NULL,
  net_liquidation      REAL NOT NULL,
  cash                 REAL NOT NULL,
  gross_position_value REAL NOT NULL,
  leverage             REAL NOT NULL,
  maint_margin         REAL NOT NULL,
  excess_liquidity     REAL NOT NULL,
  cushion              REAL NOT NULL,
  currency             TEXT NOT NULL
);
CREATE INDEX snapshots_by_time ON snapshots (taken_at);

CREATE TABLE positions (
  run_id        TEXT NOT NULL REFERENCES runs (id),
  symbol        TEXT NOT NULL,
  quantity      REAL NOT NULL,
  avg_cost      REAL NOT NULL,
  market_price  REAL NOT NULL,
  market_value  REAL NOT NULL,
  weight        REAL NOT NULL,
  target_weight REAL NOT NULL,
  PRIMARY KEY (run_id, symbol)
);

-- status: 'Intent' until the broker has the order, then the broker's status, or 'SendFailed'.
CREATE TABLE orders (
  id              INTEGER PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id),
  order_ref       TEXT NOT NULL UNIQUE,
  symbol          TEXT NOT NULL,
  action          TEXT NOT NULL CHECK (action IN ('BUY', 'SELL')),
  quantity        REAL NOT NULL,
  limit_price     REAL NOT NULL,
  status          TEXT NOT NULL,
  broker_order_id INTEGER,
  perm_id         INTEGER,
  filled_quantity REAL NOT NULL DEFAULT 0,
  avg_fill_price  REAL NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  message         TEXT
);
CREATE INDEX orders_by_run ON orders (run_id);
CREATE INDEX orders_by_status ON orders (status);

-- No foreign key to orders: fills of orders placed by hand (or by another system) are recorded too.
CREATE TABLE fills (
  exec_id         TEXT PRIMARY KEY,
  run_id          TEXT NOT NULL REFERENCES runs (id),
  order_ref       TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  side            TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  quantity        REAL NOT NULL,
  price           REAL NOT NULL,
  commission      REAL NOT NULL,
  time            TEXT NOT NULL,
  broker_order_id INTEGER,
  perm_id         INTEGER,
  in_csv          INTEGER NOT NULL DEFAULT 0 CHECK (in_csv IN (0, 1))
);
CREATE INDEX fills_by_run ON fills (run_id);
CREATE INDEX fills_by_order_ref ON fills (order_ref);
CREATE INDEX fills_by_time ON fills (time);
CREATE INDEX fills_not_in_csv ON fills (time) WHERE in_csv = 0;

CREATE TABLE breaches (
  id     INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs (id),
  code   TEXT NOT NULL,
  symbol TEXT,
  detail TEXT NOT NULL
);
CREATE INDEX breaches_by_run ON breaches (run_id);
CREATE INDEX breaches_by_code ON breaches (code);

CREATE TABLE emails (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,
  trading_day TEXT NOT NULL,
  subject     TEXT NOT NULL,
  status      TEXT NOT NULL,
  at          TEXT NOT NULL,
  run_id      TEXT REFERENCES runs (id)
);
CREATE INDEX emails_by_day ON emails (trading_day, kind);

CREATE TABLE managed_symbols (
  symbol       TEXT PRIMARY KEY,
  first_run_id TEXT NOT NULL REFERENCES runs (id),
  last_run_id  TEXT NOT NULL REFERENCES runs (id)
);

CREATE TABLE halt_events (
  id     INTEGER PRIMARY KEY,
  action TEXT NOT NULL CHECK (action IN ('halt', 'resume')),
  reason TEXT NOT NULL,
  at     TEXT NOT NULL,
  source TEXT NOT NULL
);

-- v_run_summary: one row per run, newest first, with the NLV it saw and how many orders it recorded,
-- how many the broker accepted, and how many fills and breaches it recorded.
CREATE VIEW v_run_summary AS
SELECT r.id AS run_id, r.started_at, r.finished_at, r.trading_day, r.status, r.exit_code, r.dry_run,
       r.trading_state, r.error,
       s.net_liquidation,
       (SELECT count(*) FROM orders o WHERE o.run_id = r.id) AS orders,
       (SELECT count(*) FROM orders o WHERE o.run_id = r.id AND o.broker_order_id IS NOT NULL) AS orders_sent,
       (SELECT count(*) FROM fills f WHERE f.run_id = r.id) AS fills,
       (SELECT count(*) FROM breaches b WHERE b.run_id = r.id) AS breaches
FROM runs r
LEFT JOIN snapshots s ON s.run_id = r.id
ORDER BY r.started_at DESC, r.rowid DESC;

-- v_last_run: the most recent run (finished or still running), as in v_run_summary.
CREATE VIEW v_last_run AS
SELECT * FROM v_run_summary
WHERE run_id = (SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1);

-- v_latest_snapshot: the newest account snapshot with the run that took it.
CREATE VIEW v_latest_snapshot AS
SELECT s.run_id, s.taken_at, r.trading_day, r.status AS run_status,
       s.net_liquidation, s.cash, s.gross_position_value, s.leverage, s.maint_margin,
       s.excess_liquidity, s.cushion, s.currency
FROM snapshots s
JOIN runs r ON r.id = s.run_id
ORDER BY s.taken_at DESC, s.id DESC
LIMIT 1;

-- v_latest_positions: positions of the newest snapshot, target vs actual weight;
-- drift = weight - target_weight (positive: overweight); managed = the system trades this symbol.
CREATE VIEW v_latest_positions AS
SELECT p.run_id, p.symbol, p.quantity, p.avg_cost, p.market_price, p.market_value,
       p.weight, p.target_weight, p.weight - p.target_weight AS drift,
       EXISTS (SELECT 1 FROM managed_symbols m WHERE m.symbol = p.symbol) AS managed
FROM positions p
WHERE p.run_id = (SELECT run_id FROM v_latest_snapshot)
ORDER BY abs(p.weight - p.target_weight) DESC, p.symbol;

-- v_open_orders: orders not in a final state, oldest first. 'Intent' rows are here on purpose:
-- an intent with no broker_order_id after a crash may or may not have reached the broker.
CREATE VIEW v_open_orders AS
SELECT o.run_id, r.trading_day, o.order_ref, o.symbol, o.action, o.quantity, o.limit_price, o.status,
       o.broker_order_id, o.perm_id, o.filled_quantity, o.avg_fill_price, o.created_at, o.updated_at, o.message
FROM orders o
JOIN runs r ON r.id = o.run_id
WHERE o.status NOT IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected', 'SendFailed')
ORDER BY o.created_at, o.id;

-- v_daily_orders: per trading day, orders recorded and accepted by the broker, and the traded value
-- (quantity x limit price of accepted orders) that the daily turnover limit counts.
CREATE VIEW v_daily_orders AS
SELECT r.trading_day,
       count(*) AS orders,
       count(o.broker_order_id) AS orders_sent,
       coalesce(sum(CASE WHEN o.broker_order_id IS NOT NULL THEN o.quantity * o.limit_price END), 0) AS traded_value
FROM orders o
JOIN runs r ON r.id = o.run_id
GROUP BY r.trading_day
ORDER BY r.trading_day DESC;

-- v_daily_fills: per trading day, fills, shares bought/sold, notional and commissions. A fill belongs to
-- the trading day of the run that placed its order, else of the run that collected it.
CREATE VIEW v_daily_fills AS
SELECT coalesce(placed.trading_day, collected.trading_day) AS trading_day,
       count(*) AS fills,
       count(DISTINCT f.symbol) AS symbols,
       sum(CASE WHEN f.side = 'BUY' THEN f.quantity ELSE 0 END) AS shares_bought,
       sum(CASE WHEN f.side = 'SELL' THEN f.quantity ELSE 0 END) AS shares_sold,
       sum(f.quantity) AS shares,
       sum(f.quantity * f.price) AS notional,
       sum(f.commission) AS commissions
FROM fills f
JOIN runs collected ON collected.id = f.run_id
LEFT JOIN orders o ON o.order_ref = f.order_ref
LEFT JOIN runs placed ON placed.id = o.run_id
GROUP BY 1
ORDER BY 1 DESC;

-- v_run_breaches: every breach with its run's time and trading day, newest first.
CREATE VIEW v_run_breaches AS
SELECT b.run_id, r.started_at, r.trading_day, r.status AS run_status, b.code, b.symbol, b.detail
FROM breaches b
JOIN runs r ON r.id = b.run_id
ORDER BY r.started_at DESC, b.id;

-- v_halt_state: the last halt or resume the database recorded (one row, or none if never used).
-- The HALT file under DATA_DIR is what runs obey; this is its history's latest entry.
CREATE VIEW v_halt_state AS
SELECT action = 'halt' AS halted, action, reason, at, source
FROM halt_events
ORDER BY at DESC, id DESC
LIMIT 1;
`;
