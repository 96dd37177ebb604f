import { ExitCode } from '../../errors.js';
import { formatMoney } from '../../core/money.js';
import { formatTable } from '../../run/console-report.js';
import { existingDatabase, killSwitchOf, noRecordsYet, openApp, openStores, recordsLine } from '../../app/compose.js';
import { orderActivityLine } from '../../report/report-view.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';
import type { HaltState } from '../../ports/kill-switch.js';
import { DateTime } from 'luxon';
import { effectiveFlows, signedMoney } from '../../core/cash-flows.js';
import { EXCHANGE_ZONE, tradingDayOf } from '../../core/session.js';
import type { CashFlowRecord, RunStore } from '../../ports/store.js';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** `rebalancer status [--json]`: the latest snapshot, positions vs targets, last runs, breaches, halt state. */
export function statusCommand(io: CommandIo, options: { json: boolean; now?: string }): ExitCode {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  const halt = killSwitchOf(app.config).read() ?? null;
  if (existingDatabase(app.config) === undefined) {
    // A home with its settings but no run yet: say so, and create nothing.
    if (options.json) io.out(JSON.stringify({ halt, snapshot: null, positions: [], runs: [], lastRunBreaches: [] }, null, 2));
    else io.out(recordsLine(home, app.config), haltLine(halt), noRecordsYet(app.config));
    return ExitCode.ok;
  }
  const stores = openStores(app.config);
  const store = stores.store;
  try {
    const snapshot = store.latestSnapshot() ?? null;
    const positions = snapshot ? store.positionsOf(snapshot.runId) : [];
    const runs = store.recentRuns(10);
    const lastRun = runs[0];
    const breaches = lastRun ? store.breachesOf(lastRun.runId) : [];
    const now = options.now ?? new Date().toISOString();
    const flows = flowsToday(store, now);
    // The New York day of `now`: what IB's order efficiency ratio counts.
    const today = tradingDayOf(now);
    const activity = stores.reports.orderActivityOn(today, now);
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            halt,
            snapshot,
            positions: positions.map((p) => ({ ...p, drift: p.weight - p.targetWeight })),
            runs,
            lastRunBreaches: breaches,
            cashFlowsToday: flows,
            ordersToday: {
              tradingDay: today,
              ...activity,
              efficiencyRatio:
                activity.executedOrders === 0 ? null : (activity.sent + activity.modified + activity.cancelled) / activity.executedOrders,
            },
          },
          null,
          2,
        ),
      );
      return ExitCode.ok;
    }
    io.out(recordsLine(home, app.config), haltLine(halt));
    if (!snapshot) {
      io.out('no snapshot recorded yet: run `rebalancer run` first');
    } else {
      io.out(
        `latest snapshot (run ${snapshot.runId}, ${snapshot.takenAt}): NLV ${formatMoney(snapshot.netLiquidation)} ${snapshot.currency}, ` +
          `cash ${formatMoney(snapshot.cash)}, leverage ${snapshot.leverage.toFixed(2)}x, cushion ${pct(snapshot.cushion)}`,
      );
      const rows = positions.map((p) => [
        p.symbol,
        String(p.quantity),
        String(p.marketPrice),
        formatMoney(p.marketValue),
        pct(p.weight),
        pct(p.targetWeight),
        pct(p.weight - p.targetWeight),
      ]);
      io.out(...formatTable(['SYMBOL', 'QTY', 'PRICE', 'VALUE', 'WEIGHT', 'TARGET', 'DRIFT'], rows, new Set([1, 2, 3, 4, 5, 6])));
    }
    if (flows.length > 0) {
      io.out(
        '',
        'cash flows today (New York date; not gains or losses, taken out of NAV_JUMP, DAILY_LOSS_LIMIT and the P&L):',
        ...flows.map(
          (f) =>
            `  ${f.at} ${signedMoney(f.amount)} ${f.currency} ${f.kind} (${f.source}, ${f.recordedBy}): ${f.description}` +
            (f.counted ? '' : ' [replaced by a declaration: not counted]'),
        ),
      );
    }
    const activityLine = orderActivityLine(activity);
    if (activityLine !== undefined) io.out('', `${activityLine} (${today}, New York)`);
    io.out('', 'last runs:');
    io.out(
      ...formatTable(
        ['RUN', 'STARTED', 'STATUS', 'EXIT', 'STATE', 'ERROR'],
        runs.map((r) => [r.runId, r.startedAt, r.status, String(r.exitCode ?? ''), r.tradingState ?? '', r.error ?? '']),
      ),
    );
    if (breaches.length > 0)
      io.out('', `breaches of the last run:`, ...breaches.map((b) => `  ${b.code}${b.symbol ? ` [${b.symbol}]` : ''}: ${b.detail}`));
    return ExitCode.ok;
  } finally {
    stores.close();
  }
}

/** The cash flows of today (New York date), each marked counted or replaced by a declaration. */
function flowsToday(store: RunStore, now: string): (CashFlowRecord & { counted: boolean })[] {
  const midnight = DateTime.fromISO(now).setZone(EXCHANGE_ZONE).startOf('day').toUTC().toISO() ?? now;
  // An inferred flow's interval may start before midnight: read a day more, so a declaration that replaces it is seen.
  const flows = store.cashFlowsSince(DateTime.fromISO(midnight).minus({ days: 1 }).toUTC().toISO() ?? midnight);
  const counted = new Set(effectiveFlows(flows).map((f) => f.id));
  return flows.filter((f) => f.at >= midnight && f.at <= now).map((f) => ({ ...f, counted: counted.has(f.id) }));
}

function haltLine(halt: HaltState | null): string {
  return halt ? `KILL SWITCH ON since ${halt.at} (${halt.source}): ${halt.reason}` : 'kill switch off';
}
