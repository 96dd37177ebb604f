import { createServer, type Server } from 'node:net';
import { parseInstant } from '../core/session.js';
import type { CommissionModel } from '../core/types.js';
import { ConfigError } from '../errors.js';
import { defaultGatewaySection } from '../sim/scenario-gateway.js';
import { loadScenario } from '../sim/scenario.js';
import { GatewayAccount } from './account/gateway-account.js';
import type { ParsedPlaceOrder } from './parse/parse-place-order.js';
import { Connection } from './session/connection.js';
import { pushEvents, type GatewayContext, type GatewayStats } from './session/context.js';
import { ConnectivityOutage } from './session/outage.js';
import { GatewayRestart } from './session/restart.js';

export type { ParsedPlaceOrder } from './parse/parse-place-order.js';
export type { GatewayStats } from './session/context.js';

/**
 * The simulated IB Gateway: a TCP server on 127.0.0.1 that speaks the TWS API socket protocol at server
 * version 193 (what @stoqey/ib 1.6 speaks), in front of the simulated market of `src/sim`, so the `ib` adapter
 * runs end to end without IB's software. Faults come from the scenario's `gateway` section.
 */

export interface GatewayOptions {
  /** Only '127.0.0.1' is allowed (the default): the gateway is never reachable from another machine. */
  host?: string;
  /** TCP port; 0 picks a free one (see RunningGateway.port). Default 4002, IB Gateway's paper port. */
  port?: number;
  /** Simulator state directory (`<dataDir>/sim/state.json`), kept between gateway runs. */
  dataDir: string;
  /** Same format as SIM_SCENARIO, plus the optional `gateway` section (faults, foreign orders). */
  scenarioFile?: string;
  /** A pinned ISO 8601 instant, or a clock to read; default real time. */
  now?: string | (() => string);
  /** Seed of a new simulation (else the scenario's, else 1). */
  seed?: number;
  commissionModel?: CommissionModel;
  /** Receives one readable line per frame, both directions. */
  logFrames?: (line: string) => void;
  /** Receives each decode error and refused handshake as it happens (they are also in stats().decodeErrors). */
  onProblem?: (message: string) => void;
}

export interface RunningGateway {
  port: number;
  /** Closes the server and every socket. */
  close(): Promise<void>;
  /** Counters tests assert on. */
  stats(): GatewayStats;
  /** Every order placed, parsed field by field, in arrival order. */
  placedOrders(): ParsedPlaceOrder[];
}

const DEFAULT_PORT = 4002;
/** How often a gateway on a moving clock advances the market and pushes fills. */
const TICK_MS = 1000;

/** Starts the gateway; resolves once it listens. Rejects with a ConfigError for a bad option or scenario. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') throw new ConfigError(`gateway host ${host}: only 127.0.0.1 is allowed`, '--host');
  const clock = clockOf(options.now);
  const section = (options.scenarioFile === undefined ? undefined : loadScenario(options.scenarioFile).gateway) ?? defaultGatewaySection();
  const account = await GatewayAccount.open({
    dataDir: options.dataDir,
    scenarioFile: options.scenarioFile,
    seed: options.seed,
    now: clock(),
    commissionModel: options.commissionModel ?? 'fixed',
    foreignOrders: section.foreignOrders,
    ledger: section.ledger,
  });
  const connections = new Set<Connection>();
  const timers = new Set<NodeJS.Timeout>();
  const stats: GatewayStats = {
    connections: 0,
    messagesIn: 0,
    ordersPlaced: 0,
    ordersModified: 0,
    cancels: 0,
    pacingViolations: 0,
    decodeErrors: [],
  };
  const placed: ParsedPlaceOrder[] = [];
  const later = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };
  const ctx: GatewayContext = {
    account,
    faults: section.faults,
    stats,
    placed,
    clock,
    later,
    clients: () => [...connections].filter((c) => c.live),
    problem: (message) => {
      stats.decodeErrors.push(message);
      options.onProblem?.(message);
    },
  };
  const outage = new ConnectivityOutage(section.faults.connectivityLost, {
    broadcast: (frame) => ctx.clients().forEach((c) => c.send(frame)),
    later,
    restored: () => connections.forEach((c) => c.release()),
  });
  // Bound below, once the server exists: the restart closes and reopens its port.
  const ports = { stop: async (): Promise<void> => undefined, again: async (): Promise<void> => undefined };
  const restart = new GatewayRestart(section.faults.restart, {
    closeAll: () => connections.forEach((c) => c.close()),
    stopListening: () => ports.stop(),
    listenAgain: () => ports.again(),
    later,
    problem: (message) => ctx.problem(message),
  });
  let lastSync = Date.parse(account.now);
  const sync = (): void => {
    const now = clock();
    // Advancing is cheap but not free: at most once per simulated second, and never while IB is "unreachable".
    if (outage.active || Date.parse(now) - lastSync < 1000) return;
    lastSync = Date.parse(now);
    pushEvents(ctx, account.advance(now));
  };
  const server = createServer((socket) => {
    stats.connections += 1;
    const connection = new Connection(socket, {
      ctx,
      outage,
      restart,
      sync,
      log: options.logFrames,
      clientIdInUse: (id, self) => [...connections].some((c) => c !== self && c.live && c.clientId === id),
      closed: (self) => connections.delete(self),
    });
    connections.add(connection);
  });
  const port = await listen(server, options.port ?? DEFAULT_PORT, host);
  let closing = false;
  ports.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  ports.again = async () => {
    if (!closing) await listen(server, port, host);
  };
  const ticker = typeof options.now === 'string' ? undefined : setInterval(() => sync(), TICK_MS);
  return {
    port,
    stats: () => ({ ...stats, decodeErrors: [...stats.decodeErrors] }),
    placedOrders: () => placed.map((o) => ({ ...o, algoParams: o.algoParams.map((p) => ({ ...p })) })),
    close: async () => {
      closing = true;
      if (ticker !== undefined) clearInterval(ticker);
      timers.forEach((t) => clearTimeout(t));
      timers.clear();
      connections.forEach((c) => c.close());
      // During a restart the port is already closed: server.close() then calls back with an error, ignored.
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function clockOf(now: GatewayOptions['now']): () => string {
  if (typeof now === 'function') return now;
  if (now === undefined) return () => new Date().toISOString();
  parseInstant(now);
  return () => now;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('the gateway has no TCP address'));
      resolve(address.port);
    });
  });
}
