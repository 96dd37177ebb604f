/**
 * Migration 0013: the realized P&L of the day in the `daily` table.
 *
 * - daily.realized: the day's P&L (closing NLV minus the previous close, cash flows out) less the change of the
 *   positions' unrealized P&L since the previous close's snapshot (core/pnl.ts). NULL when it was not known (no
 *   previous close, or its positions not recorded) and for the rows written before this migration.
 */
export const DAILY_REALIZED_SCHEMA = `
ALTER TABLE daily ADD COLUMN realized REAL;
`;
