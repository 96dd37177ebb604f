import { ExitCode } from '../../errors.js';
import { previewPlan, planJson } from '../../run/preview-plan.js';
import { describeInstant, formatBreaches, formatPlan } from '../../run/console-report.js';
import { formatLedger } from '../../run/check-ledger.js';
import { existingDatabase, openApp, openStore, previewPortsOf, recordsLine, runSettingsOf, scratchPreviewOf } from '../../app/compose.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

/** `rebalancer plan [--json]`: read-only; exit 0 when the plan could be made (breaches or not), 1 when not. */
export async function planCommand(io: CommandIo, options: { json: boolean; now: string }): Promise<ExitCode> {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  // No records yet (a home with its .env, before its first run): plan as the first run would, creating nothing.
  const scratch = existingDatabase(app.config) === undefined ? scratchPreviewOf(app.config, options.now) : undefined;
  const store = scratch?.store ?? openStore(app.config);
  try {
    const ports = scratch?.ports ?? previewPortsOf(app.config, options.now, store);
    const preview = await previewPlan(ports, runSettingsOf(app.config), options.now);
    if (options.json) {
      io.out(JSON.stringify(planJson(preview), null, 2));
      return ExitCode.ok;
    }
    io.out(recordsLine(home, app.config) + (scratch === undefined ? '' : ' (no records yet: planned as the first run would)'));
    for (const warning of preview.sessionWarnings) io.out(`warning: ${warning}`);
    io.out(`plan at ${preview.now} for account ${preview.account ?? 'unknown'} (read-only: nothing is cancelled, recorded or sent)`);
    if (preview.plan) io.out(...formatPlan(preview.plan));
    if (preview.orderUpdates !== undefined && preview.orderUpdates.length > 0)
      io.out('orders earlier runs left working (ORDER_UPDATES=modify):', ...preview.orderUpdates.map((l) => `  ${l}`));
    if (preview.ledger)
      io.out('ledger vs broker:', ...formatLedger(preview.ledger), ...(preview.ledgerNote ? [`note: ${preview.ledgerNote}`] : []));
    io.out(...formatBreaches(preview.breaches, preview.plan?.tradingState ?? 'HALTED'));
    if (!preview.marketOpen && preview.nextOpen) {
      io.out(`${preview.phaseReason}: a run now would send nothing; the next session opens ${describeInstant(preview.nextOpen)}`);
    }
    return ExitCode.ok;
  } finally {
    if (scratch === undefined) store.close();
    else scratch.close();
  }
}
