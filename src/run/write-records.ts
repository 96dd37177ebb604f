import { join } from 'node:path';
import type { Plan } from '../core/types.js';
import { buildSnapshot } from './snapshot.js';
import { formatMoney } from './console-report.js';
import { syncTradesCsv } from '../adapters/files/trades-csv.js';
import type { Gathered } from './gather-inputs.js';
import type { RunOptions, RunResult } from './rebalance-run.js';

/**
 * The run's records once its orders are placed or skipped: a snapshot of the account and positions (read again
 * from the broker if orders were sent), and the new fills appended to the trades CSV.
 */
export async function writeRecords(
  o: RunOptions,
  result: RunResult,
  run: { account: string; gathered: Gathered; plan: Plan; orderFile: string },
): Promise<void> {
  const { broker, store, settings, out } = o;
  const { account, gathered, plan, orderFile } = run;
  out('\n== records');
  const after = result.sent.length > 0
    ? { summary: await broker.accountSummary(account), positions: await broker.positions(account) }
    : { summary: gathered.summary, positions: gathered.positions };
  const snap = buildSnapshot(after.summary, after.positions, gathered.inputs.quotes, plan.lines);
  store.recordSnapshot(o.runId, snap.snapshot, snap.positions);
  const csv = join(settings.dataDir, 'trades.csv');
  const appended = await syncTradesCsv(store, csv);
  result.files.push({ label: 'trades CSV', path: csv });
  out(`snapshot saved (NLV ${formatMoney(after.summary.netLiquidation)}); ${appended} new row(s) in ${csv}; order file ${orderFile}`);
}
