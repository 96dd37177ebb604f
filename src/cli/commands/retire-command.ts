import { ExitCode } from '../../errors.js';
import { operatorName } from './operator.js';
import { forecastSourceOf, openApp, openExistingStore } from '../../app/compose.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface RetireOptions {
  strategy: string;
  reason: string;
  now: string;
}

/**
 * `rebalancer retire STRATEGY --reason TEXT`: a strategy whose forecast file is gone on purpose. Runs block with
 * STRATEGY_MISSING while a strategy that traded before has no file; once it is retired (who, when and why are
 * recorded), the next run treats its tickers as any ticker no forecast wants: sold to zero if managed. A file for
 * it with tickers makes it active again.
 */
export async function retireCommand(io: CommandIo, options: RetireOptions): Promise<ExitCode> {
  const name = options.strategy.trim();
  if (options.reason.trim() === '') {
    io.err('retire needs --reason TEXT: why the strategy is retired (it is recorded)');
    return ExitCode.usage;
  }
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd });
  // A strategy whose file is still there is not gone: the next run would make it active again and keep trading
  // it, so saying "the next run sells its tickers" would be false. Remove or zero its file first.
  // Any age (the source does not judge ages): a stale file is still a file the strategy writes.
  const read = await (await forecastSourceOf(app.config)).read(options.now);
  const present = read.forecasts.find((f) => f.strategy === name && Object.values(f.weights).some((w) => w !== 0));
  if (present !== undefined) {
    io.err(
      `strategy "${name}" still has a forecast file with weights (${present.file}): ` +
        'runs keep trading it; remove the file (or write every weight 0) to stop it, then retire it if the file is gone',
    );
    return ExitCode.usage;
  }
  const store = openExistingStore(app.config);
  try {
    const known = store.strategies();
    const strategy = known.find((s) => s.name === name);
    if (strategy === undefined) {
      const names = known.map((s) => s.name).join(', ') || 'none yet';
      io.err(`no strategy "${name}" in the records (strategies that runs have planned with: ${names})`);
      return ExitCode.usage;
    }
    if (strategy.retired !== undefined) {
      const r = strategy.retired;
      io.out(`strategy ${name} is already retired (since ${r.at} by ${r.source}: ${r.reason}); nothing to do`);
      return ExitCode.ok;
    }
    const source = `operator ${operatorName()}`;
    store.retireStrategy(name, { at: options.now, source, reason: options.reason });
    app.logger.warn(
      { strategy: name, lastFile: strategy.lastFile, tickers: strategy.lastSymbols, reason: options.reason },
      'strategy retired',
    );
    const tickers = strategy.lastSymbols.join(', ') || 'none';
    io.out(
      `retired: ${name} (last file ${strategy.lastFile}, last seen ${strategy.lastSeenAt}, wanting ${tickers})`,
      `reason: ${options.reason}; recorded by ${source}`,
      `the next run sells its tickers (${tickers}) to zero unless another forecast wants them; a forecast file for ${name} with weights makes it active again`,
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}
