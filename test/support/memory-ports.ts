/**
 * In-memory fakes of the run's remaining ports (kill switch, record files, forecast source, heartbeat, clock,
 * mailer), and {@link memoryRun}, which wires them with the in-memory stores and the scripted broker into the
 * RunOptions of one run: no file, no socket, no process, so the run's orchestration is tested in milliseconds.
 *
 * Each fake does what its port promises and no more; it records what it was asked, and fails where a test says.
 * Where a port says "never throws" (the forecast source, the heartbeat, the mailer), a fake may still be told to
 * throw, to show that the run survives a port that breaks its promise.
 */
import { pino } from 'pino';
import { toStorageError } from '../../src/fs/storage-errors.js';
import { NYSE_RULES, tradingDayOf, type SessionRules } from '../../src/core/session.js';
import type { Breach, BrokerOrder, Execution, Forecast, PlanLine } from '../../src/core/types.js';
import type { Clock } from '../../src/ports/clock.js';
import type { ForecastRead, ForecastSource } from '../../src/ports/forecast-source.js';
import type { Heartbeat } from '../../src/ports/heartbeat.js';
import type { HaltState, KillSwitch } from '../../src/ports/kill-switch.js';
import type { MailMessage, Mailer, MailOutcome } from '../../src/ports/mailer.js';
import type { RecordFiles } from '../../src/ports/record-files.js';
import type { RunStore } from '../../src/ports/store.js';
import { orderRefFor } from '../../src/run/run-id.js';
import type { RunOptions, RunResult, RunSettings } from '../../src/run/run-types.js';
import { memoryStores, type MemoryDatabase, type MemoryReportStore, type MemoryStore } from './memory-store.js';
import { testSettings } from './run-harness.js';
import {
  aContract,
  anAccountSummary,
  aPosition,
  aQuote,
  ScriptedBroker,
  type BrokerScript,
  type ScriptedBrokerOptions,
} from './scripted-broker.js';

// --- clock ---------------------------------------------------------------------------------------------------

/** A clock that reads `at` until a test sets another instant. */
export class FixedClock implements Clock {
  constructor(public at: string) {}

  now(): string {
    return this.at;
  }
}

// --- kill switch -----------------------------------------------------------------------------------------------

/** The state a person's `rebalancer halt` writes, for tests that do not care about its words. */
export function aHalt(over: Partial<HaltState> = {}): HaltState {
  return { reason: 'halted by hand', at: '2026-11-23T15:29:00Z', source: 'operator test', ...over };
}

/**
 * The kill switch in memory. `turnOnWhen` plays "another process": the switch is found on at the first read at
 * which its condition holds (the run reads it before planning and before every order), e.g. once the broker has
 * had two orders.
 */
export class MemoryKillSwitch implements KillSwitch {
  readonly location = 'memory:HALT';
  /** Reads so far. */
  reads = 0;
  /** Every state turned on through the port (by the run), in order. */
  readonly turnedOn: HaltState[] = [];
  private state: HaltState | undefined;
  private readonly pending: { when: (read: number) => boolean; state: HaltState }[] = [];

  constructor(state?: HaltState) {
    this.state = state === undefined ? undefined : { ...state };
  }

  /** Another process turns the switch on at the first read (1-based count of all reads) for which `when` holds. */
  turnOnWhen(when: (read: number) => boolean, state: HaltState = aHalt()): this {
    this.pending.push({ when, state: { ...state } });
    return this;
  }

  /** Whether it is on now, without counting as a read. */
  get isOn(): boolean {
    return this.state !== undefined;
  }

  read(): HaltState | undefined {
    this.reads += 1;
    const due = this.pending.findIndex((p) => p.when(this.reads));
    if (due !== -1) {
      const [fired] = this.pending.splice(due, 1);
      this.state ??= fired?.state;
    }
    return this.state === undefined ? undefined : { ...this.state };
  }

  turnOn(state: HaltState): void {
    this.turnedOn.push({ ...state });
    this.state = { ...state };
  }

  turnOff(): HaltState | undefined {
    const was = this.state;
    this.state = undefined;
    return was;
  }
}

// --- record files ----------------------------------------------------------------------------------------------

export type RecordFilesMethod = 'writeOrderFile' | 'syncTrades' | 'assertTradesWritable';

/** An order file as written: its plan lines. */
export interface MemoryOrderFile {
  tradingDay: string;
  runId: string;
  lines: PlanLine[];
}

/**
 * The order files and the trades CSV in memory. `syncTrades` does what the file adapter does: read the store's
 * fills not yet in the CSV, append those whose execId the CSV lacks (once each), then flag them all in the store;
 * a failure of the append leaves the CSV and the flags as they were. `failOn` makes a call throw a StorageError
 * naming the file, worded as the file adapter words it.
 */
export class MemoryRecordFiles implements RecordFiles {
  readonly databasePath: string;
  readonly tradesCsvPath: string;
  /** By path, in the order written. */
  readonly orderFiles = new Map<string, MemoryOrderFile>();
  /** The rows of the trades CSV, in order. */
  readonly trades: Execution[] = [];
  readonly callCounts = new Map<RecordFilesMethod, number>();
  private readonly failures: { method: RecordFilesMethod; from: number; to: number; code: string; message: string }[] = [];

  constructor(readonly dataDir = 'memory:data') {
    this.databasePath = `${dataDir}/rebalancer.sqlite`;
    this.tradesCsvPath = `${dataDir}/trades.csv`;
  }

  /** The `call`-th call of `method` (1-based, default: the next) and `times - 1` after it throw a StorageError. */
  failOn(method: RecordFilesMethod, failure: { call?: number; times?: number; code?: string; message?: string } = {}): this {
    const from = failure.call ?? (this.callCounts.get(method) ?? 0) + 1;
    this.failures.push({
      method,
      from,
      to: from + (failure.times ?? 1) - 1,
      code: failure.code ?? 'ENOSPC',
      message: failure.message ?? 'no space left on device',
    });
    return this;
  }

  /** The plan lines of the order file of a run, if it was written. */
  orderFileOf(runId: string): PlanLine[] | undefined {
    return [...this.orderFiles.values()].find((f) => f.runId === runId)?.lines;
  }

  async writeOrderFile(tradingDay: string, runId: string, lines: PlanLine[]): Promise<string> {
    const path = `${this.dataDir}/orders/${tradingDay}/${runId}.csv`;
    this.strike('writeOrderFile', path, `write the order file of run ${runId}`);
    this.orderFiles.set(path, { tradingDay, runId, lines: structuredClone(lines) });
    return path;
  }

  async syncTrades(store: RunStore): Promise<number> {
    const n = this.count('syncTrades');
    const fills = store.fillsNotInCsv();
    this.strike('syncTrades', this.tradesCsvPath, 'append to the trades CSV', n);
    const inCsv = new Set(this.trades.map((t) => t.execId));
    const appended: string[] = [];
    const alreadyPresent: string[] = [];
    for (const fill of fills) {
      if (appended.includes(fill.execId) || alreadyPresent.includes(fill.execId)) continue;
      if (inCsv.has(fill.execId)) {
        alreadyPresent.push(fill.execId);
        continue;
      }
      appended.push(fill.execId);
      const { runId: _runId, ...row } = fill;
      this.trades.push(structuredClone(row));
    }
    store.markFillsInCsv([...appended, ...alreadyPresent]);
    return appended.length;
  }

  assertTradesWritable(): void {
    this.strike('assertTradesWritable', this.tradesCsvPath, 'open the trades CSV for appending');
  }

  /** Counts the call (unless already counted as `n`) and throws the failure injected for it, if any. */
  private strike(method: RecordFilesMethod, path: string, action: string, n = this.count(method)): void {
    const failure = this.failures.find((f) => f.method === method && n >= f.from && n <= f.to);
    if (failure !== undefined) throw toStorageError(Object.assign(new Error(failure.message), { code: failure.code }), path, action);
  }

  private count(method: RecordFilesMethod): number {
    const n = (this.callCounts.get(method) ?? 0) + 1;
    this.callCounts.set(method, n);
    return n;
  }
}

// --- forecast source -------------------------------------------------------------------------------------------

/** A forecast as the file reader returns it: one strategy, leverage 1, all the capital, these weights. */
export function aForecastOf(weights: Record<string, number>, over: Partial<Forecast> = {}): Forecast {
  return {
    file: 'forecasts/trend.json',
    strategy: 'trend',
    asOf: '2026-11-23T14:00:00Z',
    leverage: 1,
    capital: 1,
    weights,
    contracts: {},
    ...over,
  };
}

/** What the reader returns for these forecasts, with these problems: the files are those of the forecasts, sorted. */
export function forecastReadOf(forecasts: Forecast[], breaches: Breach[] = []): ForecastRead {
  return {
    forecasts: structuredClone(forecasts),
    breaches: structuredClone(breaches),
    files: [...new Set(forecasts.map((f) => f.file))].sort(),
  };
}

/**
 * The forecast source, scripted: answers a ForecastRead (or one built from forecasts) to every read, and records
 * each read's arguments. It does not judge contents: a test that wants an INVALID_FORECAST says so with
 * `withBreaches`. Ages are judged by the run (gatherWorld), as with the file source: a forecast's asOf counts.
 */
export class MemoryForecastSource implements ForecastSource {
  readonly calls: { now: string }[] = [];
  private answered: ForecastRead;
  private failure: Error | undefined;

  constructor(from: Forecast[] | ForecastRead = []) {
    this.answered = Array.isArray(from) ? forecastReadOf(from) : structuredClone(from);
  }

  /** Every later read answers this. */
  answer(from: Forecast[] | ForecastRead): this {
    this.answered = Array.isArray(from) ? forecastReadOf(from) : structuredClone(from);
    return this;
  }

  /** Later reads also report these problems (the forecasts read stay, as the reader keeps the valid ones). */
  withBreaches(...breaches: Breach[]): this {
    this.answered = { ...this.answered, breaches: [...this.answered.breaches, ...structuredClone(breaches)] };
    return this;
  }

  /** Later reads throw `error` (which the port promises never happens). */
  fail(error: Error = new Error('forecast source failed (scripted)')): this {
    this.failure = error;
    return this;
  }

  async read(now: string): Promise<ForecastRead> {
    this.calls.push({ now });
    if (this.failure !== undefined) throw this.failure;
    return structuredClone(this.answered);
  }
}

// --- heartbeat -------------------------------------------------------------------------------------------------

/** The heartbeat, recorded: the exit code of every ping; `failWith` makes the pings report a failure. */
export class HeartbeatRecorder implements Heartbeat {
  readonly pings: number[] = [];
  private failure: string | undefined;

  failWith(reason: string): this {
    this.failure = reason;
    return this;
  }

  async ping(exitCode: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    this.pings.push(exitCode);
    return this.failure === undefined ? { ok: true } : { ok: false, reason: this.failure };
  }
}

// --- mailer ----------------------------------------------------------------------------------------------------

/** An alert's subject: `[rebalancer] <account> FAILED: ...` or `BLOCKED: ...`. */
const ALERT_SUBJECT = / (FAILED|BLOCKED): /;

/**
 * The mailer, recorded. `sending` (default): every message is sent, and the outbox is flushed when asked.
 * `queueing`: every message is queued, as the real mailer does when SMTP is down. `failing`: `send` rejects,
 * which the port promises never happens, to show that no email failure changes a run.
 */
export class MailerRecorder implements Mailer {
  /** Every message given to `send`, whatever became of it. */
  readonly attempts: MailMessage[] = [];
  /** Messages delivered, in order (flushed ones included). */
  readonly sent: MailMessage[] = [];
  /** Messages waiting in the outbox. */
  readonly outbox: MailMessage[] = [];
  private mode: 'send' | 'queue' | 'fail' = 'send';

  sending(): this {
    this.mode = 'send';
    return this;
  }

  queueing(): this {
    this.mode = 'queue';
    return this;
  }

  failing(): this {
    this.mode = 'fail';
    return this;
  }

  async send(message: MailMessage): Promise<MailOutcome> {
    const copy = structuredClone(message);
    this.attempts.push(copy);
    if (this.mode === 'fail') throw new Error('mailer failed (scripted)');
    if (this.mode === 'queue') {
      this.outbox.push(copy);
      return { status: 'queued', file: `memory:outbox/${this.outbox.length}.eml`, reason: 'SMTP server unreachable (scripted)' };
    }
    this.sent.push(copy);
    return { status: 'sent', messageId: `<${this.sent.length}@memory>` };
  }

  async flushOutbox(): Promise<{ sent: number; waiting: number }> {
    if (this.mode !== 'send') return { sent: 0, waiting: this.outbox.length };
    const flushed = this.outbox.splice(0);
    this.sent.push(...flushed);
    return { sent: flushed.length, waiting: 0 };
  }

  /** Subjects of every message given to `send`. */
  subjects(): string[] {
    return this.attempts.map((m) => m.subject);
  }

  /** The alerts (FAILED or BLOCKED) given to `send`. */
  alerts(): MailMessage[] {
    return this.attempts.filter((m) => ALERT_SUBJECT.test(m.subject));
  }
}

// --- a market to trade in --------------------------------------------------------------------------------------

/** The instant most tests run at: Monday 2026-11-23, 10:30 in New York, in session. */
export const IN_SESSION = '2026-11-23T15:30:00Z';

/**
 * A small account with something to do: NLV 100,000, 100 AAPL held (19% of NLV), and a forecast that wants
 * 10% AAPL (a SELL that reduces exposure), 30% MSFT and 20% SPY (two BUYs).
 */
export function aMarket(): { script: Partial<BrokerScript>; forecasts: Forecast[] } {
  return {
    script: {
      summary: anAccountSummary({ totalCash: 81_000, grossPositionValue: 19_000, excessLiquidity: 80_000, cushion: 0.8 }),
      positions: [aPosition('AAPL', 100, { avgCost: 150 })],
      contracts: { AAPL: aContract('AAPL'), MSFT: aContract('MSFT'), SPY: aContract('SPY', { primaryExchange: 'ARCA' }) },
      quotes: { AAPL: aQuote('AAPL', 190), MSFT: aQuote('MSFT', 410), SPY: aQuote('SPY', 600) },
    },
    forecasts: [aForecastOf({ AAPL: 0.1, MSFT: 0.3, SPY: 0.2 })],
  };
}

// --- the run ---------------------------------------------------------------------------------------------------

export interface MemoryRunOverrides {
  /** Default: IN_SESSION. */
  now?: string;
  /** Default: derived from `now` (`<yyyyMMddTHHmmssZ>-test`). */
  runId?: string;
  dryRun?: boolean;
  /** Over testSettings(). */
  settings?: Partial<RunSettings>;
  /** A broker, or the options of a ScriptedBroker; default: one scripted with aMarket(). */
  broker?: ScriptedBroker | ScriptedBrokerOptions;
  /** Default: aMarket()'s forecasts. */
  forecasts?: MemoryForecastSource | Forecast[] | ForecastRead;
  /** Records shared with other runs (later runs on the same database); default: new, empty ones. */
  stores?: ReturnType<typeof memoryStores>;
  killSwitch?: MemoryKillSwitch;
  records?: MemoryRecordFiles;
  mailer?: MailerRecorder;
  heartbeat?: HeartbeatRecorder;
  fallbackRules?: SessionRules;
}

/** The RunOptions of one run on in-memory ports, with each fake under its concrete type, and the console's lines. */
export interface MemoryRun extends RunOptions {
  broker: ScriptedBroker;
  store: MemoryStore;
  reports: MemoryReportStore;
  db: MemoryDatabase;
  stores: ReturnType<typeof memoryStores>;
  mailer: MailerRecorder;
  killSwitch: MemoryKillSwitch;
  records: MemoryRecordFiles;
  forecasts: MemoryForecastSource;
  heartbeat: HeartbeatRecorder;
  clock: FixedClock;
  /** What the run printed, one entry per line given to `out`. */
  lines: string[];
}

/** A run id for `now` that sorts by time, as newRunId's, without the random part. */
export function runIdAt(now: string, suffix = 'test'): string {
  return `${now.replace(/[-:]/g, '').replace(/\.\d+/, '')}-${suffix}`;
}

/**
 * One run's options on in-memory ports: the scripted broker (aMarket() unless told otherwise), memoryStores(),
 * the fakes above, testSettings(), a silent logger, and an `out` that collects lines. Pass it to runRebalance.
 */
export function memoryRun(overrides: MemoryRunOverrides = {}): MemoryRun {
  const now = overrides.now ?? IN_SESSION;
  const market = aMarket();
  const clock = new FixedClock(now);
  const stores = overrides.stores ?? memoryStores({ now: () => clock.now() });
  const broker =
    overrides.broker instanceof ScriptedBroker ? overrides.broker : new ScriptedBroker(overrides.broker ?? { script: market.script });
  // The broker's clock is the run's unless a test scripts another.
  broker.followClock(() => clock.now());
  const forecasts =
    overrides.forecasts instanceof MemoryForecastSource
      ? overrides.forecasts
      : new MemoryForecastSource(overrides.forecasts ?? market.forecasts);
  const lines: string[] = [];
  return {
    runId: overrides.runId ?? runIdAt(now),
    dryRun: overrides.dryRun ?? false,
    settings: testSettings(overrides.settings),
    broker,
    store: stores.store,
    reports: stores.reports,
    db: stores.db,
    stores,
    mailer: overrides.mailer ?? new MailerRecorder(),
    killSwitch: overrides.killSwitch ?? new MemoryKillSwitch(),
    records: overrides.records ?? new MemoryRecordFiles(),
    forecasts,
    heartbeat: overrides.heartbeat ?? new HeartbeatRecorder(),
    clock,
    fallbackRules: overrides.fallbackRules ?? NYSE_RULES,
    logger: pino({ level: 'silent' }),
    out: (...printed: string[]) => {
      lines.push(...printed);
    },
    lines,
  };
}

// --- earlier runs and what every run must do -------------------------------------------------------------------

/**
 * Records a finished run of `at` in the run's store, as an earlier process would have: with a snapshot of NLV
 * `nlv` if given, and with `order` sent and still working (also put among the broker's open orders). Returns
 * its run id. Seed before injecting store failures: these calls count.
 */
export function seedEarlierRun(run: MemoryRun, at: string, options: { nlv?: number; order?: Omit<BrokerOrder, 'orderRef'> } = {}): string {
  const runId = runIdAt(at, 'earlier');
  run.store.startRun({ runId, startedAt: at, tradingDay: tradingDayOf(at), dryRun: false });
  if (options.nlv !== undefined) {
    const nlv = options.nlv;
    run.store.recordSnapshot(
      runId,
      {
        netLiquidation: nlv,
        cash: nlv,
        grossPositionValue: 0,
        leverage: 0,
        maintMargin: 0,
        excessLiquidity: nlv,
        cushion: 1,
        currency: 'USD',
      },
      [],
    );
  }
  if (options.order !== undefined) {
    const order: BrokerOrder = { ...options.order, orderRef: orderRefFor(runId, options.order.symbol) };
    run.store.recordOrderIntent(
      runId,
      {
        orderRef: order.orderRef,
        symbol: order.symbol,
        action: order.action,
        quantity: order.quantity,
        limitPrice: order.limitPrice,
        adaptivePriority: 'Normal',
        primaryExchange: 'NASDAQ',
        currency: 'USD',
      },
      at,
    );
    run.store.markOrderSent(order.orderRef, order);
    run.broker.script.openOrders.push(order);
  }
  run.store.finishRun(runId, { finishedAt: at, status: 'ok', exitCode: 0 });
  return runId;
}

const EXIT_OF_STATUS: Record<string, number> = { ok: 0, skipped: 0, failed: 1, blocked: 3 };

/**
 * What must hold after every run, whatever happened in it; one sentence per violation (none: all hold).
 * - no orderRef went to the broker twice, and the result lists exactly the orders the broker accepted;
 * - a dry run, or a run outside the session, sent no order;
 * - the exit code is the status's (0 ok/skipped, 1 failed, 3 blocked);
 * - the broker is disconnected, and disconnect was its last call once connect had succeeded;
 * - the run is recorded as finished with its status and exit code (unless `recorded: false`: finishRun failed);
 * - a failed or blocked run (or a skipped one with breaches) gave the mailer one alert; any other none;
 * - the heartbeat was pinged once, with the exit code.
 */
export function runInvariantViolations(run: MemoryRun, result: RunResult, options: { recorded?: boolean } = {}): string[] {
  const problems: string[] = [];
  const refs = run.broker.callsTo('placeOrder').map(([o]) => o.orderRef);
  const twice = refs.filter((ref, i) => refs.indexOf(ref) !== i);
  if (twice.length > 0) problems.push(`sent twice: ${twice.join(', ')}`);
  const accepted = [...run.broker.placed.values()].map((o) => o.orderRef).sort();
  const listed = result.sent.map((o) => o.orderRef).sort();
  if (JSON.stringify(accepted) !== JSON.stringify(listed))
    problems.push(`the broker accepted [${accepted.join(', ')}] but the result lists [${listed.join(', ')}]`);
  if ((run.dryRun || result.status === 'skipped') && refs.length > 0)
    problems.push(`a ${run.dryRun ? 'dry run' : 'skipped run'} sent ${refs.join(', ')}`);
  if (EXIT_OF_STATUS[result.status] !== result.exitCode) problems.push(`status ${result.status} with exit code ${result.exitCode}`);
  if (run.broker.isConnected) problems.push('the broker is still connected');
  const methods = run.broker.methods();
  const connected = methods.filter((m) => m !== 'connect').length > 0;
  if (connected && methods.at(-1) !== 'disconnect') problems.push(`the broker's last call was ${methods.at(-1)}, not disconnect`);
  const row = run.db.runs.find((r) => r.runId === run.runId);
  if (options.recorded !== false && (row?.status !== result.status || row.exitCode !== result.exitCode || row.finishedAt === undefined)) {
    problems.push(`recorded as ${row?.status}/${row?.exitCode}, not ${result.status}/${result.exitCode}`);
  }
  const alerts = run.mailer.alerts().length;
  // A run outside the session that found breaches (a stale forecast before the open) exits 0 but is alerted.
  const alerted = result.status === 'failed' || result.status === 'blocked' || (result.status === 'skipped' && result.breaches.length > 0);
  if (alerted && alerts !== 1)
    problems.push(`a ${result.status} run${result.status === 'skipped' ? ' with breaches' : ''} gave ${alerts} alert(s), not 1`);
  if (!alerted && alerts !== 0) problems.push(`a ${result.status} run gave ${alerts} alert(s)`);
  if (JSON.stringify(run.heartbeat.pings) !== JSON.stringify([result.exitCode]))
    problems.push(`heartbeat pings ${JSON.stringify(run.heartbeat.pings)}`);
  return problems;
}

/** An earlier run of today, 09:30 New York, that left a BUY of 10 MSFT working at the broker. */
export const EARLIER = '2026-11-23T14:30:00Z';
export const WORKING = {
  brokerOrderId: 41,
  permId: 4100,
  symbol: 'MSFT',
  action: 'BUY' as const,
  quantity: 10,
  limitPrice: 405,
  status: 'Submitted' as const,
  filledQuantity: 0,
  avgFillPrice: 0,
};
