/**
 * Migration 0014: records that stay fast for years. Every query a run makes each hour reads through an index or a
 * running total, never every row of history (test/storage/hourly-query-plans.test.ts checks each plan).
 *
 * - orders_to_reconcile: a partial index holding only the orders a run still has to reconcile (not final, a send
 *   that failed and was never looked up, an Unknown outcome not accepted). The condition is the one of the
 *   ordersToReconcile statement, spelled the same way, so that SQLite uses the index; the final statuses are
 *   written out here (a migration never changes once shipped) and the plan test fails if the statement drifts.
 * - fill_totals: the net quantity (BUY +, SELL -) of the recorded fills per orderRef prefix (the orderRef up to
 *   and including its first ':', e.g. 'rebal:') and symbol, kept by triggers on `fills` in the same transaction as
 *   the fill itself, so the ledger check reads one row per symbol instead of summing every fill ever recorded. A
 *   correction (migration 0006: the replaced version deleted, the correction inserted) moves the total both ways.
 *   The total is kept in whole units of 1e-8 shares (an INTEGER, exact whatever the order of the additions, where
 *   a running REAL would drift: 0.1 + 0.2 + 0.3 is not 0.6 in floating point); the query divides by 1e8.
 * - trades_csv_mark: what trades.csv was (size in bytes, modification time in ms, inode and device, line ends)
 *   right after the last rows were appended to it, recorded in the same transaction as the fills' in_csv flags. A run that
 *   finds the file exactly so appends without reading it; any other file is read whole, once, as before.
 */
export const HOURLY_QUERY_BOUNDS_SCHEMA = `
CREATE INDEX orders_to_reconcile ON orders (id)
  WHERE status NOT IN ('Filled', 'Cancelled', 'ApiCancelled', 'Inactive', 'Rejected', 'SendFailed', 'NotSent', 'Unknown')
     OR (status = 'SendFailed' AND reconciled_at IS NULL)
     OR (status = 'Unknown' AND outcome_accepted_at IS NULL);

CREATE TABLE fill_totals (
  ref_prefix TEXT NOT NULL,
  symbol     TEXT NOT NULL,
  units      INTEGER NOT NULL,
  PRIMARY KEY (ref_prefix, symbol)
);
INSERT INTO fill_totals (ref_prefix, symbol, units)
  SELECT substr(order_ref, 1, instr(order_ref, ':')), symbol,
         sum(CASE WHEN side = 'BUY' THEN 1 ELSE -1 END * CAST(round(quantity * 100000000) AS INTEGER))
  FROM fills GROUP BY 1, 2;
CREATE TRIGGER fill_totals_after_insert AFTER INSERT ON fills BEGIN
  INSERT INTO fill_totals (ref_prefix, symbol, units)
    VALUES (substr(NEW.order_ref, 1, instr(NEW.order_ref, ':')), NEW.symbol,
            CASE WHEN NEW.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(NEW.quantity * 100000000) AS INTEGER))
    ON CONFLICT (ref_prefix, symbol) DO UPDATE SET units = units + excluded.units;
END;
CREATE TRIGGER fill_totals_after_delete AFTER DELETE ON fills BEGIN
  UPDATE fill_totals SET units = units - CASE WHEN OLD.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(OLD.quantity * 100000000) AS INTEGER)
    WHERE ref_prefix = substr(OLD.order_ref, 1, instr(OLD.order_ref, ':')) AND symbol = OLD.symbol;
END;
CREATE TRIGGER fill_totals_after_update AFTER UPDATE OF order_ref, symbol, side, quantity ON fills BEGIN
  UPDATE fill_totals SET units = units - CASE WHEN OLD.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(OLD.quantity * 100000000) AS INTEGER)
    WHERE ref_prefix = substr(OLD.order_ref, 1, instr(OLD.order_ref, ':')) AND symbol = OLD.symbol;
  INSERT INTO fill_totals (ref_prefix, symbol, units)
    VALUES (substr(NEW.order_ref, 1, instr(NEW.order_ref, ':')), NEW.symbol,
            CASE WHEN NEW.side = 'BUY' THEN 1 ELSE -1 END * CAST(round(NEW.quantity * 100000000) AS INTEGER))
    ON CONFLICT (ref_prefix, symbol) DO UPDATE SET units = units + excluded.units;
END;

CREATE TABLE trades_csv_mark (
  id       INTEGER PRIMARY KEY CHECK (id = 1),
  size     INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  ino      TEXT NOT NULL,
  dev      TEXT NOT NULL,
  eol      TEXT NOT NULL CHECK (eol IN ('lf', 'crlf'))
);
`;
