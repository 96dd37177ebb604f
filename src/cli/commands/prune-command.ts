import { ExitCode, LockHeldError } from '../../errors.js';
import { existingDatabase, noRecordsYet, openApp, recordsLine } from '../../app/compose.js';
import { PRUNED_TABLES, pruneJob, type PruneJobResult } from '../../app/prune-records.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface PruneOptions {
  dryRun: boolean;
  vacuum: boolean;
  json: boolean;
  now: string;
}

/**
 * `rebalancer prune [--dry-run] [--vacuum] [--json]`: thin the per-run rows of trading days older than the last
 * RETAIN_FULL_DAYS (see src/adapters/sqlite/sqlite-prune.ts), in one transaction, under the run lock.
 * Exit 0 done (or nothing to prune), 1 storage error (nothing deleted; or VACUUM failed after the deletions it lists), 2 configuration or no
 * records, 4 a run (or another prune) holds the lock: nothing done.
 */
export function pruneCommand(io: CommandIo, options: PruneOptions): ExitCode {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  const database = existingDatabase(app.config);
  if (database === undefined) {
    io.err(noRecordsYet(app.config));
    return ExitCode.usage;
  }
  let result: PruneJobResult;
  try {
    result = pruneJob(app.config, database, options);
  } catch (error) {
    if (!(error instanceof LockHeldError)) throw error;
    io.err(`not pruned: ${error.message}; nothing deleted`);
    return ExitCode.locked;
  }
  app.logger.info({ prune: result }, options.dryRun ? 'prune dry run' : 'records pruned');
  if (options.json) {
    io.out(JSON.stringify({ ...result, retainFullDays: app.config.retainFullDays }, null, 2));
    return result.vacuumFailed === undefined ? ExitCode.ok : ExitCode.failed;
  }
  io.out(recordsLine(home, app.config), ...describe(result, app.config.retainFullDays));
  if (result.vacuumFailed === undefined) return ExitCode.ok;
  io.err(`VACUUM failed, the file did not shrink (the rows above are deleted): ${result.vacuumFailed}`);
  return ExitCode.failed;
}

function describe(r: PruneJobResult, retainFullDays: number): string[] {
  if (r.firstFullDay === undefined)
    return [`nothing to prune: the records hold at most ${count(retainFullDays, 'trading day')} (RETAIN_FULL_DAYS=${retainFullDays})`];
  const verb = r.dryRun ? 'would delete' : 'deleted';
  const total = PRUNED_TABLES.reduce((n, t) => n + r.rows[t], 0);
  const lines = [
    `${r.dryRun ? 'dry run, nothing deleted: ' : ''}every row of the last ${count(retainFullDays, 'trading day')} is kept ` +
      `(from ${r.firstFullDay}, RETAIN_FULL_DAYS=${retainFullDays}); the ${count(r.olderDays, 'day')} before keep only ` +
      "their last run's positions, ledger checks and forecasts",
    ...PRUNED_TABLES.map((t) => `  ${t}: ${verb} ${count(r.rows[t], 'row')}`),
    `  in all: ${verb} ${count(total, 'row')}; orders, fills, snapshots, runs, cash flows, emails and daily rows are kept`,
  ];
  if (r.bytesAfter !== undefined) lines.push(`VACUUM: ${mb(r.bytesBefore)} -> ${mb(r.bytesAfter)}`);
  else if (!r.dryRun && total > 0)
    lines.push(`the file keeps its size (${mb(r.bytesBefore)}; later runs reuse the space) until \`rebalancer prune --vacuum\``);
  return lines;
}

const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;
const count = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;
