import { formatMarkets } from '../../run/run-session.js';
import { ExitCode } from '../../errors.js';
import { previewPlan, planJson, type PlanPreview } from '../../run/preview-plan.js';
import { describeInstant, formatBreaches, formatPlan, tradingBanner } from '../../run/console-report.js';
import { formatLedger } from '../../run/check-ledger.js';
import { formatForecastChanges } from '../../core/forecast-changes.js';
import { existingDatabase, openApp, openStore, previewPortsOf, recordsLine, runSettingsOf, scratchPreviewOf } from '../../app/compose.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

/**
 * Why a run now would be blocked, as the plan's first line says it; undefined when it would trade as planned. The
 * run's rule (apply-orders.ts, rebalance-run.ts): blocked when the account check fails, or when the plan is not
 * ACTIVE (HALTED: nothing goes; REDUCING: only orders that shrink a position). A ticker held by its own breach
 * (POSITION_BREAK, ORDER_OUTCOME_UNKNOWN) does not block the run. Unlike the run, a closed market does not hide
 * it: the session's first run would be blocked the same way, unless something changes before.
 */
export function blockedReasonOf(preview: Pick<PlanPreview, 'plan' | 'breaches'>): string | undefined {
  return tradingBanner(preview.plan ?? { tradingState: 'HALTED', breaches: preview.breaches, lines: [] });
}

/**
 * `rebalancer plan [--json]`: read-only. Exit 3 when a run now would be blocked (blockedReasonOf), 0 when it would
 * trade as planned (or, the market closed, when the plan is clean); errors as any command (1, 2).
 */
export async function planCommand(io: CommandIo, options: { json: boolean; now: string }): Promise<ExitCode> {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd, deferLog: true });
  // No records yet (a home with its .env, before its first run): plan as the first run would, creating nothing.
  const scratch = existingDatabase(app.config) === undefined ? await scratchPreviewOf(app.config, options.now) : undefined;
  const store = scratch?.store ?? openStore(app.config);
  try {
    const ports = scratch?.ports ?? (await previewPortsOf(app.config, options.now, store));
    const preview = await previewPlan(ports, runSettingsOf(app.config), options.now);
    const blocked = blockedReasonOf(preview);
    const exit = blocked === undefined ? ExitCode.ok : ExitCode.blocked;
    if (options.json) {
      io.out(JSON.stringify({ ...planJson(preview), wouldBeBlocked: blocked !== undefined, blockedReason: blocked ?? null }, null, 2));
      return exit;
    }
    io.out(recordsLine(home, app.config) + (scratch === undefined ? '' : ' (no records yet: planned as the first run would)'));
    for (const warning of preview.sessionWarnings) io.out(`warning: ${warning}`);
    // Why, at the level of the strategy, before the plan (whose first line after its header is a blocked plan's banner).
    if (preview.forecastChanges !== undefined)
      io.out('== what changed since the last run', ...formatForecastChanges(preview.forecastChanges));
    io.out(`plan at ${preview.now} for account ${preview.account ?? 'unknown'} (read-only: nothing is cancelled, recorded or sent)`);
    if (preview.severalMarkets === true && preview.markets !== undefined)
      io.out('markets (each ticker trades in its own market hours):', ...formatMarkets(preview.markets).map((l) => `  ${l}`));
    // The plan's table starts with the banner; without a plan (the account check failed) it stands alone.
    if (preview.plan) io.out(...formatPlan(preview.plan));
    else if (blocked !== undefined) io.out(blocked);
    if (preview.orderUpdates !== undefined && preview.orderUpdates.length > 0)
      io.out('orders earlier runs left working (ORDER_UPDATES=modify):', ...preview.orderUpdates.map((l) => `  ${l}`));
    if (preview.ledger)
      io.out('ledger vs broker:', ...formatLedger(preview.ledger), ...(preview.ledgerNote ? [`note: ${preview.ledgerNote}`] : []));
    io.out(...formatBreaches(preview.breaches, preview.plan?.tradingState ?? 'HALTED'));
    if (!preview.marketOpen && preview.nextOpen) {
      io.out(`${preview.phaseReason}: a run now would send nothing; the next session opens ${describeInstant(preview.nextOpen)}`);
    }
    return exit;
  } finally {
    if (scratch === undefined) store.close();
    else scratch.close();
  }
}
