import { ExitCode } from '../../errors.js';
import { previewPlan, planJson } from '../../run/preview-plan.js';
import { describeInstant, formatBreaches, formatPlan } from '../../run/console-report.js';
import { formatLedger } from '../../run/check-ledger.js';
import { openApp, openStore, previewPortsOf, runSettingsOf } from '../../app/compose.js';
import type { CommandIo } from './command-io.js';

/** `rebalancer plan [--json]`: read-only; exit 0 when the plan could be made (breaches or not), 1 when not. */
export async function planCommand(io: CommandIo, options: { json: boolean; now: string }): Promise<ExitCode> {
  const app = openApp(io.cwd, io.env);
  const store = openStore(app.config);
  try {
    const preview = await previewPlan(previewPortsOf(app.config, options.now, store), runSettingsOf(app.config), options.now);
    if (options.json) {
      io.out(JSON.stringify(planJson(preview), null, 2));
      return ExitCode.ok;
    }
    for (const warning of preview.sessionWarnings) io.out(`warning: ${warning}`);
    io.out(`plan at ${preview.now} for account ${preview.account ?? 'unknown'} (read-only: nothing is cancelled, recorded or sent)`);
    if (preview.plan) io.out(...formatPlan(preview.plan));
    if (preview.ledger)
      io.out('ledger vs broker:', ...formatLedger(preview.ledger), ...(preview.ledgerNote ? [`note: ${preview.ledgerNote}`] : []));
    io.out(...formatBreaches(preview.breaches, preview.plan?.tradingState ?? 'HALTED'));
    if (!preview.marketOpen && preview.nextOpen) {
      io.out(`${preview.phaseReason}: a run now would send nothing; the next session opens ${describeInstant(preview.nextOpen)}`);
    }
    return ExitCode.ok;
  } finally {
    store.close();
  }
}
