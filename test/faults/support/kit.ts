/**
 * The fault matrix's kit: a project directory per test, the built `rebalancer` run as cron runs it (a child
 * process), the simulated IB Gateway in this process (so a test can read what reached "IB", restart it without
 * its fault on the same account, and time a fault), and the invariants every fault is checked against:
 *
 * - no order sent twice: each orderRef reached the broker at most once, over every gateway the test started;
 * - no fill lost: every execution at the broker is in SQLite and in trades.csv exactly once, after a run that
 *   collected it;
 * - a person is told: the alert email (outbox .eml, or the SMTP sink) names the fault.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect } from 'vitest';
import { startGateway, type ParsedPlaceOrder, type RunningGateway } from '../../../src/gateway/gateway.js';
import { CLI, runCli, writeForecast, type CliResult } from '../../support/cli.js';
import { fourStocks } from '../../support/scenarios.js';

/** Monday 23 November 2026, 10:35 in New York: the session is open. */
export const OPEN = '2026-11-23T15:35:00Z';
export const ACCOUNT = 'DU1234567';
export const CLIENT_ID = 17;

/** Minutes after an instant, as ISO 8601 UTC. */
export function plus(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString().replace('.000Z', 'Z');
}

/** A small account (one position, four tickers) that fills deterministically. */
export function baseScenario(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fourStocks(ACCOUNT), fills: { partialFillProbability: 0 }, ...over };
}

/** The strategy's file: three buys from the base scenario (AAPL 84, MSFT 85, SPY 38 at 10:35). */
export function trendForecast(
  asOf = '2026-11-23T14:00:00Z',
  weights: Record<string, number> = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 },
): Record<string, unknown> {
  return { strategy: 'trend', asOf, leverage: 1, capital: 1, weights };
}

export interface Workspace {
  root: string;
  forecasts: string;
  data: string;
  logs: string;
  scenarioFile: string;
  /** The run's environment: files, and short broker timeouts. */
  env: Record<string, string>;
}

const dirs: string[] = [];
const gateways: FaultGateway[] = [];
const children: ChildProcess[] = [];

/** Registers the cleanup of everything the kit starts; call once per test file. */
export function useFaultKit(): void {
  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const gateway of gateways.splice(0)) await gateway.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
}

/** A fresh project directory with the strategy's forecast written (as of 14:00 UTC on the 23rd). */
export function workspace(forecast: Record<string, unknown> | null = trendForecast()): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'rebalancer-fault-'));
  dirs.push(root);
  const ws = {
    root,
    forecasts: join(root, 'forecasts'),
    data: join(root, 'data'),
    logs: join(root, 'logs'),
    scenarioFile: join(root, 'scenario.json'),
  };
  mkdirSync(ws.forecasts);
  if (forecast !== null) writeForecast(ws.forecasts, 'trend.json', forecast);
  return {
    ...ws,
    env: {
      FORECAST_DIR: ws.forecasts,
      DATA_DIR: ws.data,
      LOG_DIR: ws.logs,
      SIM_SCENARIO: ws.scenarioFile,
      IB_ACCOUNT: ACCOUNT,
      IB_CLIENT_ID: String(CLIENT_ID),
      IB_CONNECT_RETRIES: '0',
      IB_TIMEOUT_MS: '3000',
      CANCEL_TIMEOUT_MS: '2000',
      MARKET_DATA_TIMEOUT_MS: '1500',
      ORDER_STATUS_WINDOW_MS: '200',
      SMTP_TIMEOUT_MS: '1000',
    },
  };
}

export function writeScenario(ws: Workspace, scenario: Record<string, unknown>): void {
  writeFileSync(ws.scenarioFile, JSON.stringify(scenario, null, 2));
}

/**
 * The simulated IB Gateway over the workspace's scenario and its own account directory, on a clock the test
 * moves (`at`), so orders left working fill between runs as the market steps on. `restart` stops it and starts
 * it again on the same account, with the scenario rewritten (its fault removed): IB after an outage.
 */
export class FaultGateway {
  now: string;
  private running: RunningGateway | undefined;
  private readonly earlier: ParsedPlaceOrder[] = [];
  private earlierConnections = 0;
  private earlierPacing = 0;

  private constructor(
    private readonly ws: Workspace,
    now: string,
  ) {
    this.now = now;
  }

  static async start(ws: Workspace, scenario: Record<string, unknown>, now = OPEN): Promise<FaultGateway> {
    const gateway = new FaultGateway(ws, now);
    gateways.push(gateway);
    writeScenario(ws, scenario);
    await gateway.open();
    return gateway;
  }

  get port(): number {
    if (this.running === undefined) throw new Error('the gateway is not running');
    return this.running.port;
  }

  /** The run's environment for BROKER=ib against this gateway. */
  get env(): Record<string, string> {
    return { ...this.ws.env, BROKER: 'ib', IB_PORT: String(this.port) };
  }

  /** Every order that reached this gateway, over all its restarts, in arrival order. */
  placed(): ParsedPlaceOrder[] {
    return [...this.earlier, ...(this.running?.placedOrders() ?? [])];
  }

  /** TCP connections accepted, over all restarts. */
  connections(): number {
    return this.earlierConnections + (this.running?.stats().connections ?? 0);
  }

  /** Client messages over the pacing limit (each answered with error 100), over all restarts. */
  pacingViolations(): number {
    return this.earlierPacing + (this.running?.stats().pacingViolations ?? 0);
  }

  stats(): ReturnType<RunningGateway['stats']> {
    if (this.running === undefined) throw new Error('the gateway is not running');
    return this.running.stats();
  }

  /** Stops the gateway and starts it on the same account; `scenario` replaces the file first (faults removed). */
  async restart(scenario?: Record<string, unknown>): Promise<void> {
    await this.close();
    if (scenario !== undefined) writeScenario(this.ws, scenario);
    await this.open();
  }

  async close(): Promise<void> {
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    this.earlier.push(...running.placedOrders());
    this.earlierConnections += running.stats().connections;
    this.earlierPacing += running.stats().pacingViolations;
    expect(running.stats().decodeErrors, 'messages the gateway could not decode').toEqual([]);
    await running.close();
  }

  /** The simulated IB account as IB keeps it: orders and executions. */
  account(): BrokerAccount {
    return JSON.parse(readFileSync(join(this.ws.root, 'gateway', 'sim', 'state.json'), 'utf8')) as BrokerAccount;
  }

  private async open(): Promise<void> {
    this.running = await startGateway({
      port: 0,
      dataDir: join(this.ws.root, 'gateway'),
      scenarioFile: this.ws.scenarioFile,
      now: () => this.now,
    });
  }
}

export interface BrokerAccount {
  account: string;
  positions: Record<string, { quantity: number }>;
  orders: {
    orderId: number;
    permId: number;
    orderRef: string;
    symbol: string;
    action: string;
    quantity: number;
    status: string;
    filled: number;
  }[];
  executions: { execId: string; orderRef: string; symbol: string; quantity: number }[];
}

/** Reads the sim broker's account (BROKER=sim) under the workspace's data directory; undefined before any run. */
export function simAccount(ws: Workspace): BrokerAccount | undefined {
  const file = join(ws.data, 'sim', 'state.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BrokerAccount) : undefined;
}

/** `rebalancer run --now <now>` as cron starts it. */
export function runJob(ws: Workspace, now: string, env: Record<string, string> = ws.env, extraArgs: string[] = []): Promise<CliResult> {
  return runCli(['run', '--now', now, ...extraArgs], { cwd: ws.root, env, timeoutMs: 45_000 });
}

/** Any other command of the built CLI (halt, resume, status...). */
export function rebalancer(ws: Workspace, args: string[], env: Record<string, string> = ws.env): Promise<CliResult> {
  return runCli(args, { cwd: ws.root, env, timeoutMs: 20_000 });
}

/** A run started in the background, for faults that strike while it is in flight (kill -9, halt, a lock). */
export interface LiveRun {
  child: ChildProcess;
  done: Promise<CliResult & { signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** Run as this user and group (a test running as root makes file permissions bite this way). */
  uid?: number;
  gid?: number;
  /** A command that execs the rest, e.g. `prlimit --fsize=0`. */
  wrap?: string[];
  args?: string[];
}

export function startJob(ws: Workspace, now: string, env: Record<string, string>, options: StartOptions = {}): LiveRun {
  const argv = [...(options.wrap ?? []), process.execPath, CLI, 'run', '--now', now, ...(options.args ?? [])];
  const [command = process.execPath, ...rest] = argv;
  const child = spawn(command, rest, {
    cwd: ws.root,
    env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

/** A loopback port nothing listens on (a mail server that is down). */
export { freePort } from '../../support/free-port.js';

/** Whether a program is on the PATH (prlimit, for the disk-full faults). */
export function hasProgram(name: string): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir !== '' && existsSync(join(dir, name)));
}

/** Polls until `condition` holds (or fails the test after `timeoutMs`). */
export async function until(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// ---- records ----

export interface OrderRow {
  run_id: string;
  order_ref: string;
  symbol: string;
  action: string;
  quantity: number;
  status: string;
  broker_order_id: number | null;
  perm_id: number | null;
  filled_quantity: number;
  message: string | null;
}

export interface Records {
  runs: { id: string; status: string; exit_code: number | null; error: string | null; started_at: string }[];
  orders: OrderRow[];
  fills: { exec_id: string; order_ref: string; symbol: string; quantity: number }[];
  snapshots: { run_id: string; net_liquidation: number }[];
  breaches: { run_id: string; code: string; detail: string }[];
  haltEvents: { action: string; reason: string }[];
}

export function databaseFile(ws: Workspace): string {
  return join(ws.data, 'rebalancer.sqlite');
}

/** Everything the runs recorded, read with a separate read-only connection. */
export function records(ws: Workspace): Records {
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  try {
    return {
      runs: db.prepare('SELECT id, status, exit_code, error, started_at FROM runs ORDER BY started_at, rowid').all() as Records['runs'],
      orders: db
        .prepare(
          'SELECT run_id, order_ref, symbol, action, quantity, status, broker_order_id, perm_id, filled_quantity, message FROM orders ORDER BY id',
        )
        .all() as OrderRow[],
      fills: db.prepare('SELECT exec_id, order_ref, symbol, quantity FROM fills ORDER BY exec_id').all() as Records['fills'],
      snapshots: db.prepare('SELECT run_id, net_liquidation FROM snapshots ORDER BY id').all() as Records['snapshots'],
      breaches: db.prepare('SELECT run_id, code, detail FROM breaches ORDER BY id').all() as Records['breaches'],
      haltEvents: db.prepare('SELECT action, reason FROM halt_events ORDER BY id').all() as Records['haltEvents'],
    };
  } finally {
    db.close();
  }
}

/** exec_id of every row of trades.csv (the header excluded); [] when there is no file. */
export function tradesCsvExecIds(ws: Workspace): string[] {
  const file = join(ws.data, 'trades.csv');
  if (!existsSync(file) || !statSync(file).isFile()) return [];
  const [header, ...rows] = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  expect(header?.startsWith('exec_id,')).toBe(true);
  return rows.map((r) => r.split(',')[0] ?? '');
}

/** Subjects of the emails waiting in the outbox, and the whole messages. */
export function outbox(ws: Workspace): { subjects: string[]; messages: string[] } {
  const dir = join(ws.data, 'outbox');
  if (!existsSync(dir)) return { subjects: [], messages: [] };
  const messages = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  return { subjects: messages.map(subjectOf), messages };
}

/** The Subject header, unfolded and with RFC 2047 words decoded. */
export function subjectOf(eml: string): string {
  const head = eml.replace(/\r\n/g, '\n').split('\n\n')[0] ?? '';
  const line = /^Subject: (.*(?:\n[ \t].*)*)/im.exec(head)?.[1] ?? '';
  return line
    .replace(/\n[ \t]+/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_m, kind: string, data: string) =>
      kind.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
    );
}

// ---- invariants ----

/**
 * No orderRef reached the broker twice as a new order. A modification (placeOrder again on the same order id, which
 * the gateway marks `modification`) is the same order, not a second one; it must keep the orderRef the order was
 * sent with.
 */
export function expectNoOrderSentTwice(placed: ParsedPlaceOrder[]): void {
  const counts = new Map<string, number>();
  const refOf = new Map<string, string>();
  for (const o of placed) {
    if (o.modification) continue;
    counts.set(o.orderRef, (counts.get(o.orderRef) ?? 0) + 1);
    refOf.set(`${o.clientId}:${o.orderId}`, o.orderRef);
  }
  const twice = [...counts].filter(([, n]) => n > 1);
  expect(twice, 'orderRefs sent more than once').toEqual([]);
  // An order placed before this gateway's records began (none in these tests) has no entry and is not judged.
  const relabelled = placed.filter((o) => o.modification && (refOf.get(`${o.clientId}:${o.orderId}`) ?? o.orderRef) !== o.orderRef);
  expect(
    relabelled.map((o) => `order ${o.orderId}: ${refOf.get(`${o.clientId}:${o.orderId}`)} -> ${o.orderRef}`),
    'modifications that changed the orderRef',
  ).toEqual([]);
}

/** Same, read from the broker's own account (the sim broker keeps every order it was sent). */
export function expectNoOrderRefTwiceAt(account: BrokerAccount | undefined): void {
  const refs = (account?.orders ?? []).map((o) => o.orderRef).filter((r) => r.startsWith('rebal:'));
  expect(refs.length, `orderRefs at the broker: ${refs.join(', ')}`).toBe(new Set(refs).size);
}

/** Every execution at the broker is in the fills table and in trades.csv exactly once (and nothing else is). */
export function expectNoFillLost(ws: Workspace, account: BrokerAccount | undefined): void {
  const atBroker = (account?.executions ?? []).map((e) => e.execId).sort();
  const inDb = records(ws)
    .fills.map((f) => f.exec_id)
    .sort();
  const inCsv = tradesCsvExecIds(ws).sort();
  expect(inDb, 'executions in SQLite vs at the broker').toEqual(atBroker);
  expect(inCsv, 'rows of trades.csv vs executions at the broker').toEqual(atBroker);
}

/**
 * No fill lost when IB corrected executions (README, trades.csv, "Corrections and late commissions"):
 * `corrections` maps each execution the broker holds (its original exec id) to the exec id IB corrected it to.
 * SQLite's fills hold exactly one current version per execution at the broker (the correction where there is
 * one), `replaced_fills` exactly the replaced originals, and trades.csv every version once, each correction after
 * the row it replaces. With no corrections this is expectNoFillLost plus an empty `replaced_fills`.
 */
export function expectNoFillLostWithCorrections(
  ws: Workspace,
  account: BrokerAccount | undefined,
  corrections: Record<string, string>,
): void {
  const atBroker = (account?.executions ?? []).map((e) => e.execId);
  expect(
    Object.keys(corrections).filter((id) => !atBroker.includes(id)),
    'corrected executions the broker does not hold',
  ).toEqual([]);
  const current = atBroker.map((id) => corrections[id] ?? id).sort();
  const inDb = records(ws)
    .fills.map((f) => f.exec_id)
    .sort();
  expect(inDb, 'fills in SQLite (one current version per execution) vs at the broker').toEqual(current);
  const db = new Database(databaseFile(ws), { readonly: true, fileMustExist: true });
  let replaced: { exec_id: string; replaced_by: string }[];
  try {
    replaced = db.prepare('SELECT exec_id, replaced_by FROM replaced_fills ORDER BY exec_id').all() as typeof replaced;
  } finally {
    db.close();
  }
  const expectedReplaced = Object.entries(corrections)
    .map(([exec_id, replaced_by]) => ({ exec_id, replaced_by }))
    .sort((a, b) => a.exec_id.localeCompare(b.exec_id));
  expect(replaced, 'replaced versions kept in replaced_fills').toEqual(expectedReplaced);
  const csv = tradesCsvExecIds(ws);
  expect([...csv].sort(), 'rows of trades.csv vs every version of every execution at the broker').toEqual(
    [...atBroker, ...Object.values(corrections)].sort(),
  );
  for (const [original, correction] of Object.entries(corrections)) {
    expect(csv.indexOf(correction), `trades.csv: the correction ${correction} after the row it replaces`).toBeGreaterThan(
      csv.indexOf(original),
    );
  }
}

/** Positions never overshoot the targets: a resend would buy the same shares twice. */
export function expectPositionsAtMost(account: BrokerAccount | undefined, limits: Record<string, number>): void {
  for (const [symbol, max] of Object.entries(limits)) {
    expect(account?.positions[symbol]?.quantity ?? 0, `position in ${symbol}`).toBeLessThanOrEqual(max);
  }
}

/**
 * Reconciliation: every order IB holds under one of our orderRefs has exactly one row in SQLite, with IB's order
 * id, permId, status and filled quantity (what a run learns by orderRef/permId at its start).
 */
export function expectRecordsAgreeWithBroker(ws: Workspace, account: BrokerAccount): void {
  const rows = records(ws).orders;
  const ours = account.orders.filter((o) => o.orderRef.startsWith('rebal:'));
  const seen = ours.map((o) => {
    const row = rows.find((r) => r.order_ref === o.orderRef);
    return row === undefined
      ? { orderRef: o.orderRef, missing: true }
      : { orderRef: o.orderRef, brokerOrderId: row.broker_order_id, permId: row.perm_id, status: row.status, filled: row.filled_quantity };
  });
  const expected = ours.map((o) => ({
    orderRef: o.orderRef,
    brokerOrderId: o.orderId,
    permId: o.permId,
    status: o.status,
    filled: o.filled,
  }));
  expect(seen, 'orders in SQLite vs at the broker, by orderRef').toEqual(expected);
}

/** The last alert in the outbox whose subject matches, with its whole text. */
export function expectAlert(ws: Workspace, subject: RegExp, body?: RegExp): string {
  const { subjects, messages } = outbox(ws);
  const index = subjects.findLastIndex((s) => subject.test(s));
  expect(index, `an alert matching ${subject} in the outbox; found: ${subjects.join(' | ')}`).toBeGreaterThanOrEqual(0);
  const message = messages[index] ?? '';
  if (body !== undefined) expect(decodeQuotedPrintable(message)).toMatch(body);
  return message;
}

function decodeQuotedPrintable(text: string): string {
  return text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** The run's console output and errors, for assertion messages. */
export function transcript(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
