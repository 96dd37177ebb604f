import { join, resolve } from 'node:path';
import { loadConfig } from '../../config/load-config.js';
import { ConfigError, ExitCode } from '../../errors.js';
import { startGateway } from '../../gateway/gateway.js';
import { resolveNow } from '../parse-now.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';

export interface GatewayCommandOptions {
  port?: string;
  scenario?: string;
  now?: string;
  dataDir?: string;
  logFrames: boolean;
}

/**
 * `rebalancer gateway`: the simulated IB Gateway on 127.0.0.1 until `stop` settles (SIGINT/SIGTERM in the
 * CLI). Prints exactly one line to stdout, `gateway listening on 127.0.0.1:<port>`, which scripts and tests
 * parse; frames (with --log-frames) and decode errors go to stderr. The scenario is --scenario, else
 * SIM_SCENARIO; the state lives in --data-dir, else `<DATA_DIR>/gateway`; the clock is pinned by --now or
 * REBALANCER_NOW, else real time.
 */
export async function gatewayCommand(io: CommandIo, options: GatewayCommandOptions, stop: Promise<unknown>): Promise<ExitCode> {
  const { config } = loadConfig({ cwd: findHome(io.cwd, io.env, { mayCreate: true }).dir, env: io.env });
  const pinned = options.now !== undefined || Boolean(io.env.REBALANCER_NOW);
  const gateway = await startGateway({
    port: parsePort(options.port),
    dataDir: options.dataDir === undefined ? join(config.files.dataDir, 'gateway') : resolve(io.cwd, options.dataDir),
    scenarioFile: options.scenario === undefined ? config.broker.simScenario : resolve(io.cwd, options.scenario),
    now: pinned ? resolveNow(options.now, io.env) : undefined,
    seed: config.broker.simSeed,
    commissionModel: config.sizing.commissionModel,
    logFrames: options.logFrames ? (line) => io.err(line) : undefined,
    onProblem: (message) => io.err(`gateway: ${message}`),
  });
  io.out(`gateway listening on 127.0.0.1:${gateway.port}`);
  await stop;
  await gateway.close();
  const { connections, messagesIn, ordersPlaced, ordersModified, decodeErrors } = gateway.stats();
  io.err(
    `gateway stopped: ${connections} connection(s), ${messagesIn} message(s), ${ordersPlaced} order(s), ${ordersModified} modification(s), ${decodeErrors.length} decode error(s)`,
  );
  return decodeErrors.length === 0 ? ExitCode.ok : ExitCode.failed;
}

/** The port flag: a whole number 0..65535 (0 picks a free port); IB Gateway's paper port by default. */
function parsePort(value: string | undefined): number {
  if (value === undefined) return 4002;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new ConfigError(`--port: expected a port number 0..65535, got "${value}"`, '--port');
  return port;
}
