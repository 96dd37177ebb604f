import type { Plan } from '../core/types.js';
import { buildSnapshot } from './snapshot.js';
import { formatMoney } from '../core/money.js';
import type { World } from './gather.js';
import type { RunOptions } from './run-types.js';

/**
 * The run's records once its orders are placed or skipped: a snapshot of the account and positions (read again
 * from the broker if orders were sent), and the new fills appended to the trades CSV. Returns the rows appended.
 */
export async function writeRecords(
  o: Pick<RunOptions, 'broker' | 'store' | 'records' | 'out' | 'runId'>,
  run: { account: string; world: World; plan: Plan; orderFile: string; ordersSent: boolean },
): Promise<number> {
  const { broker, store, records, out } = o;
  const { account, world, plan, orderFile } = run;
  out('\n== records');
  const after = run.ordersSent
    ? { summary: await broker.accountSummary(account), positions: await broker.positions(account) }
    : { summary: world.summary, positions: world.positions };
  const snap = buildSnapshot(after.summary, after.positions, world.quotes, plan.lines);
  store.recordSnapshot(o.runId, snap.snapshot, snap.positions);
  const appended = await records.syncTrades(store);
  out(
    `snapshot saved (NLV ${formatMoney(after.summary.netLiquidation)}); ${appended} new row(s) in ${records.tradesCsvPath}; order file ${orderFile}`,
  );
  return appended;
}
