/**
 * Migration 0009: money that moved in or out of the account without being a gain or loss of the strategy.
 *
 * - cash_flows: deposits, withdrawals, dividends, interest and fees, each once (id: its source's key: a person's
 *   declaration, the run that inferred it from a change in cash no execution explains, or the broker's statement).
 *   amount: positive in, negative out, in `currency`. window_from..at: the interval an inferred flow was measured
 *   over (a declared flow inside it wins over the inferred one). NAV_JUMP, DAILY_LOSS_LIMIT and the daily P&L take
 *   the flows out.
 * - account_reads: what each run read of the account before deciding (cash, NLV, the shares per ticker) and when:
 *   the next run measures the change in cash from there. The snapshot is taken after the run's orders; this is
 *   the reading before them, so that the executions of those orders fall inside the next run's interval.
 *   accrued_dividend: dividends IB counted in NLV and had not paid yet (NULL: the broker did not say).
 */
export const CASH_FLOWS_SCHEMA = `
CREATE TABLE cash_flows (
  id            TEXT PRIMARY KEY,
  at            TEXT NOT NULL,
  window_from   TEXT,
  amount        REAL NOT NULL,
  currency      TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('deposit', 'withdrawal', 'dividend', 'interest', 'fee', 'other')),
  source        TEXT NOT NULL CHECK (source IN ('declared', 'statement', 'inferred')),
  description   TEXT NOT NULL,
  run_id        TEXT REFERENCES runs (id),
  recorded_at   TEXT NOT NULL,
  recorded_by   TEXT NOT NULL
);
CREATE INDEX cash_flows_by_at ON cash_flows (at);

CREATE TABLE account_reads (
  run_id          TEXT PRIMARY KEY REFERENCES runs (id),
  read_at         TEXT NOT NULL,
  trading_day     TEXT NOT NULL,
  cash            REAL NOT NULL,
  net_liquidation REAL NOT NULL,
  currency        TEXT NOT NULL,
  positions       TEXT NOT NULL,
  accrued_dividend REAL
);
CREATE INDEX account_reads_by_time ON account_reads (read_at);
CREATE INDEX account_reads_by_day ON account_reads (trading_day, read_at);
`;
