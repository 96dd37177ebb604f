import type Database from 'better-sqlite3';
import type { RecordsOwner } from '../../core/records-owner.js';

/** A row of records_owner (migration 0008). */
interface RecordsOwnerRow {
  broker: string;
  account: string;
  trading_mode: string;
  run_id: string;
  at: string;
  adopted: number;
}

/** The statements of records_owner, prepared once per store at first use. */
export function prepareRecordsOwnerStatements(db: Database.Database) {
  return {
    owner: db.prepare<[], RecordsOwnerRow>('SELECT broker, account, trading_mode, run_id, at, adopted FROM records_owner WHERE id = 1'),
    // OR IGNORE on the primary key only: a second claim changes nothing; a NULL, a bad value or an unknown run still fail.
    claim: db.prepare<RecordsOwnerRow>(
      `INSERT INTO records_owner (id, broker, account, trading_mode, run_id, at, adopted)
       VALUES (1, @broker, @account, @trading_mode, @run_id, @at, @adopted)
       ON CONFLICT (id) DO NOTHING`,
    ),
  };
}

export type RecordsOwnerStatements = ReturnType<typeof prepareRecordsOwnerStatements>;

export function ownerParams(owner: RecordsOwner): RecordsOwnerRow {
  return {
    broker: owner.broker,
    account: owner.account,
    trading_mode: owner.tradingMode,
    run_id: owner.runId,
    at: owner.at,
    adopted: owner.adopted ? 1 : 0,
  };
}

export function toRecordsOwner(row: RecordsOwnerRow): RecordsOwner {
  return {
    broker: row.broker,
    account: row.account,
    // The CHECK constraint allows only these two.
    tradingMode: row.trading_mode === 'live' ? 'live' : 'paper',
    runId: row.run_id,
    at: row.at,
    adopted: row.adopted === 1,
  };
}
