#!/usr/bin/env node
/**
 * The `rebalancer` command. Each subcommand returns an exit code; usage errors exit 2, as does any
 * configuration error. Unexpected errors exit 1 with a message, never a bare stack trace.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DateTime } from 'luxon';
import { ConfigError, ExitCode, StorageError } from '../errors.js';
import { redactSecrets } from '../log/redact.js';
import { resolveNow } from './parse-now.js';
import type { CommandIo } from './commands/command-io.js';
import { untilSignal } from './until-signal.js';
// Each command's modules are imported when it runs: a cron run should not load the simulated gateway,
// the chart renderer or the scheduler (memory, start-up time).

// A reader that stops early (`rebalancer plan | head`) must not turn into a crash with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

const io: CommandIo = {
  cwd: process.cwd(),
  env: process.env,
  out: (...lines) => process.stdout.write(lines.join('\n') + '\n'),
  err: (...lines) => process.stderr.write(lines.join('\n') + '\n'),
};

/** A calendar date, checked before anything is opened: a usage error exits 2. */
function parseDay(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !DateTime.fromISO(value).isValid)
    throw new InvalidArgumentError('expected a date like 2026-11-23');
  return value;
}

const nowOption = (): Option => new Option('--now <iso>', 'pin the clock (ISO 8601 with a zone); also REBALANCER_NOW');

function buildProgram(setExit: (code: ExitCode) => void): Command {
  const program = new Command()
    .name('rebalancer')
    .description('Rebalance an Interactive Brokers account from target-weight files, safely, every hour.')
    .showHelpAfterError()
    .exitOverride();
  program
    .command('run')
    .description('the hourly job: cancel, collect fills, plan, check, send, record, email')
    .option('--dry-run', 'everything but cancels and submissions', false)
    .addOption(nowOption())
    .action(async (o: { dryRun: boolean; now?: string }) => {
      const now = resolveNow(o.now, io.env);
      const { runHourlyRebalance } = await import('../app/hourly-job.js');
      setExit(await runHourlyRebalance({ cwd: io.cwd, env: io.env, now, dryRun: o.dryRun, out: (l) => io.out(l), err: (l) => io.err(l) }));
    });
  program
    .command('plan')
    .description('read-only: the plan the next run would make')
    .option('--json', 'print one JSON object', false)
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        '  0  a run now would trade as planned (or, the market closed, the plan is clean)',
        '  1  the plan could not be made (the broker, the records)',
        '  2  bad configuration or usage, or the records are of another account',
        '  3  a run now would be blocked: trading HALTED (nothing would be sent) or REDUCING (only orders that',
        '     shrink a position), or the account check failed; also when the market is closed',
      ].join('\n'),
    )
    .addOption(nowOption())
    .action(async (o: { json: boolean; now?: string }) => {
      const { planCommand } = await import('./commands/plan-command.js');
      setExit(await planCommand(io, { json: o.json, now: resolveNow(o.now, io.env) }));
    });
  program
    .command('status')
    .description('the latest snapshot, positions vs targets, last runs, breaches, halt state')
    .option('--json', 'print one JSON object', false)
    .addOption(nowOption())
    .action(async (o: { json: boolean; now?: string }) => {
      const { statusCommand } = await import('./commands/status-command.js');
      setExit(statusCommand(io, { json: o.json, now: resolveNow(o.now, io.env) }));
    });
  program
    .command('halt')
    .description("kill switch on: runs cancel the system's orders and place none")
    .requiredOption('--reason <text>', 'why (recorded and shown in every run)')
    .action(async (o: { reason: string }) => {
      const { haltCommand } = await import('./commands/halt-commands.js');
      setExit(haltCommand(io, { reason: o.reason, now: resolveNow(undefined, io.env) }));
    });
  program
    .command('resume')
    .description('kill switch off')
    .option('--reason <text>', 'why (recorded)', 'resumed by operator')
    .action(async (o: { reason: string }) => {
      const { resumeCommand } = await import('./commands/halt-commands.js');
      setExit(resumeCommand(io, { reason: o.reason, now: resolveNow(undefined, io.env) }));
    });
  program
    .command('reconcile')
    .description("ledger vs broker per managed ticker (latest run); --accept records the broker's figure as right")
    .option('--accept <symbol>', "accept the broker's position in this ticker: the ledger is adjusted to it")
    .option('--reason <text>', 'why (required with --accept; recorded)')
    .option('--json', 'print one JSON object', false)
    .action(async (o: { accept?: string; reason?: string; json: boolean }) => {
      const { reconcileCommand } = await import('./commands/reconcile-command.js');
      setExit(reconcileCommand(io, { ...o, now: resolveNow(undefined, io.env) }));
    });
  program
    .command('retire')
    .description('a strategy whose forecast file is gone on purpose: from the next run on its tickers are sold to zero')
    .argument('<strategy>', 'the strategy, as its forecast file named it ("strategy")')
    .requiredOption('--reason <text>', 'why (recorded, with who and when)')
    .action(async (strategy: string, o: { reason: string }) => {
      const { retireCommand } = await import('./commands/retire-command.js');
      setExit(await retireCommand(io, { strategy, reason: o.reason, now: resolveNow(undefined, io.env) }));
    });
  program
    .command('prune')
    .description(
      "retention: trading days older than the last RETAIN_FULL_DAYS keep only their last run's positions, ledger checks and forecasts",
    )
    .option('--dry-run', 'count what would be deleted, per table; delete nothing', false)
    .option('--vacuum', 'then VACUUM, so that the file shrinks', false)
    .option('--json', 'print one JSON object', false)
    .addHelpText(
      'after',
      [
        '',
        'Orders, fills, snapshots, runs, breaches, emails, cash flows and daily rows are never deleted.',
        'Exit codes: 0 done (or nothing to prune), 1 storage error, 2 bad configuration or no records yet,',
        '4 a run holds the lock (or the records show one running): nothing done.',
      ].join('\n'),
    )
    .addOption(nowOption())
    .action(async (o: { dryRun: boolean; vacuum: boolean; json: boolean; now?: string }) => {
      const { pruneCommand } = await import('./commands/prune-command.js');
      setExit(pruneCommand(io, { dryRun: o.dryRun, vacuum: o.vacuum, json: o.json, now: resolveNow(o.now, io.env) }));
    });
  program
    .command('cashflow')
    .description('declare money that moved in or out (taken out of NAV_JUMP, DAILY_LOSS_LIMIT, the P&L); alone: list the flows')
    .option('--amount <n>', 'positive in, negative out, at most 2 decimals (like -8000)')
    .option('--kind <kind>', 'deposit, withdrawal, dividend, interest, fee or other')
    .option('--reason <text>', 'why the money moved (recorded, with who and when)')
    .option('--at <iso>', 'when it moved (ISO 8601 with a zone; default now, or within the interval a run measured it)')
    .option('--currency <code>', "the account's currency (default: that of the latest run's account read)")
    .option('--again', 'the same amount was declared in the last day, and this is other money', false)
    .option('--json', 'print one JSON object', false)
    .addOption(nowOption())
    .action(
      async (o: {
        amount?: string;
        kind?: string;
        reason?: string;
        at?: string;
        currency?: string;
        again: boolean;
        json: boolean;
        now?: string;
      }) => {
        const { cashflowCommand } = await import('./commands/cashflow-command.js');
        const { now, ...rest } = o;
        setExit(cashflowCommand(io, { ...rest, now: resolveNow(now, io.env) }));
      },
    );
  program
    .command('gateway')
    .description('the simulated IB Gateway on 127.0.0.1 (TWS API, server version 193), until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port; 0 picks a free one', '4002')
    .option('--scenario <file>', 'simulator scenario (default SIM_SCENARIO), with its optional gateway section')
    .addOption(nowOption())
    .option('--data-dir <dir>', 'simulated account state, kept between runs (default <DATA_DIR>/gateway)')
    .option('--log-frames', 'print every frame, both directions, to stderr', false)
    .action(async (o: { port: string; scenario?: string; now?: string; dataDir?: string; logFrames: boolean }) => {
      const { gatewayCommand } = await import('./commands/gateway-command.js');
      setExit(await gatewayCommand(io, o, untilSignal()));
    });
  program
    .command('report')
    .description('render a daily summary (start, mid or end of day) from the records; --send mails it')
    .addOption(new Option('--kind <kind>', 'which summary').choices(['start', 'mid', 'end']).makeOptionMandatory())
    .option('--day <yyyy-mm-dd>', 'the trading day (default: the latest)', parseDay)
    .option('--send', 'send it by email too', false)
    .option('--html <file>', 'also write the summary as one self-contained HTML file (charts embedded, nothing fetched)')
    .addOption(nowOption())
    .action(async (o: { kind: 'start' | 'mid' | 'end'; day?: string; send: boolean; html?: string; now?: string }) => {
      const { reportCommand } = await import('./commands/report-command.js');
      setExit(await reportCommand(io, { kind: o.kind, day: o.day, send: o.send, html: o.html, now: resolveNow(o.now, io.env) }));
    });
  program
    .command('install')
    .description('put `rebalancer` on your PATH (~/.local/bin/rebalancer), working in this home from any directory')
    .option('--home <dir>', 'the home: its .env, data/, forecasts/ (default: the directory this program is installed in)')
    .option('--bin-dir <dir>', 'where to write the command (default: ~/.local/bin)')
    .option('--force', 'replace a rebalancer file there that this step did not write', false)
    .action(async (o: { home?: string; binDir?: string; force: boolean }) => {
      const { installCommand } = await import('./commands/install-command.js');
      const { installation } = await import('../app/installation.js');
      const { dir, program } = installation();
      setExit(installCommand(io, o, { mainJs: program, installDir: dir, node: process.execPath }));
    });
  program
    .command('schedule')
    .description('long-running alternative to cron: node-cron starts the hourly job in New York time')
    .action(async () => {
      const { startSchedule } = await import('../app/schedule.js');
      const { describeHome, findHome } = await import('../config/home.js');
      // Each job runs in the home (REBALANCER_HOME, else this directory, where the first run makes one).
      const home = findHome(io.cwd, io.env, { mayCreate: true });
      io.out(describeHome(home));
      const schedule = startSchedule({ cwd: home.dir, env: io.env, out: (l) => io.out(l) });
      const signal = await untilSignal();
      io.out(`${signal}: stopping the schedule (a job in flight finishes on its own)`);
      await schedule.stop();
      setExit(ExitCode.ok);
    });
  return program;
}

async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = ExitCode.ok;
  const program = buildProgram((c) => {
    code = c;
  });
  // The configuration (and so the list of secrets) may not be loaded yet: mask at least the password of any
  // scheme://user:password@host URL a message carries.
  const fail = (text: string): void => io.err(redactSecrets(text, []));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; every real usage error is 2.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof ConfigError) {
      fail(`configuration error: ${error.message}`);
      return ExitCode.usage;
    }
    const kind = error instanceof StorageError ? 'storage error' : 'error';
    fail(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
    return ExitCode.failed;
  }
}

process.exitCode = await main(process.argv);
