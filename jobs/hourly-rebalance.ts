#!/usr/bin/env node
/**
 * The hourly job as a thin entry point, for a scheduler that starts a file rather than the `rebalancer`
 * command: `node dist/jobs/hourly-rebalance.js [--dry-run]` is `rebalancer run [--dry-run]`. The clock is
 * REBALANCER_NOW or the machine's. Everything else lives in src/app.
 */
import { ConfigError, ExitCode } from '../src/errors.js';
import { runHourlyRebalance } from '../src/app/hourly-job.js';
import { resolveNow } from '../src/cli/parse-now.js';

async function main(): Promise<ExitCode> {
  let now: string;
  try {
    now = resolveNow(undefined, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`configuration error: ${error.message}\n`);
    return ExitCode.usage;
  }
  return runHourlyRebalance({
    cwd: process.cwd(),
    env: process.env,
    now,
    dryRun: process.argv.includes('--dry-run'),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}

process.exitCode = await main();
