/**
 * Benchmark: hourly runs with 500 tickers, BROKER=ib, against the simulated IB Gateway with its pacing rule on
 * (error 100 above 50 messages a second) and a realistic snapshot delay.
 *
 * The floor for such a run is the number of messages the client sends divided by 50 per second: IB will not
 * take them faster. The benchmark reports the measured wall time of the whole `rebalancer run` process as a
 * ratio to that floor (target: 1.1 or less) and the process's peak resident memory (target: under 150 MB).
 * It also reports the seconds the run took beyond its messages at the adapter's own pace (47 a second, the
 * limiter's default): what start-up, round trips, IB's snapshot delay and the records cost on top of pacing.
 *
 * Each part runs at each gateway latency of `--latency-ms` (default 0 and 50): the gateway sends every answer that
 * much later (the scenario's gateway.faults.answerDelayMs), as a gateway across a network would; a fresh directory
 * for each latency.
 *
 * Two parts:
 * - cold: one run from cash. Every other ticker (odd index) is quoted wide (0.3% either side of its midpoint),
 *   so its limit (midpoint + LIMIT_OFFSET_BPS 10) is under the ask: that order stays working; the others fill.
 * - warm: one hour later (same DATA_DIR, the gateway's simulated account as the cold run left it), the forecast
 *   raises the weight of the tickers whose orders are still working, so the plan wants more of the same side for
 *   each. The warm run is made twice from copies of the same state, once with ORDER_UPDATES=modify and once with
 *   ORDER_UPDATES=cancel; the gateway is started again on each copy (its account is kept in its state file).
 *
 * The benchmark checks its own invariants and exits 1 when one fails: every run exits 0; no pacing violation and
 * no decode error; half the orders are working before the warm run; the modify run changes each of them in place
 * and cancels none, the cancel run cancels each and sends it again; no orderRef is sent twice as a new order and
 * no modification changes one; the modify run sends fewer messages than the cancel run.
 *
 * Usage: npm run bench            (builds first; takes about five minutes)
 *        node dist/bench/ib-500-tickers.js [--tickers N] [--snapshot-delay-ms MS] [--latency-ms 0,50]
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway, type GatewayStats, type ParsedPlaceOrder } from '../src/gateway/gateway.js';
import { loadState } from '../src/sim/state-file.js';
import { IB_PACING } from '../src/adapters/ib/token-bucket.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TICKERS = option('--tickers', 500);
const SNAPSHOT_DELAY_MS = option('--snapshot-delay-ms', 250);
const LATENCIES_MS = (() => {
  const i = args.indexOf('--latency-ms');
  const list = i >= 0 ? (args[i + 1] ?? '') : '0,50';
  const values = list.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`--latency-ms: expected whole milliseconds, comma-separated (e.g. 0,50), got '${list}'`);
  }
  return values;
})();
const TARGET_RATIO = 1.1;
const PACING_LIMIT = 50;
/** The adapter's own pace (IB_MESSAGES_PER_SECOND's default): the fastest a run can go without risking error 100. */
const LIMITER_RATE = IB_PACING.ratePerSecond;
/** Seconds a run took beyond sending its messages at the limiter's pace: start-up, round trips, waits, records. */
const beyondLimiter = (ms: number, messages: number): string => `${((ms - (messages / LIMITER_RATE) * 1000) / 1000).toFixed(1)} s`;
// Monday 23 Nov 2026, 10:35 New York: in session.
const NOW = process.env.BENCH_NOW ?? '2026-11-23T15:35:00Z';
/** The warm run: one hourly run later. */
const WARM_NOW = new Date(Date.parse(NOW) + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const CLI = resolve(fileURLToPath(import.meta.url), '../../cli/rebalancer.js');
const ORDER_UPDATES = ['modify', 'cancel'] as const;
type OrderUpdates = (typeof ORDER_UPDATES)[number];

function symbolOf(i: number): string {
  // Four upper-case letters, deterministic: AAAA, AAAB, ...
  let n = i;
  let s = '';
  for (let k = 0; k < 4; k += 1) {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

/** Tickers whose cold order stays working: quoted wider than the limit offset, so a BUY limit stays under the ask. */
const staysWorking = (i: number): boolean => i % 2 === 1;

function writeForecast(dir: string, asOf: string, weightOf: (i: number) => number): string {
  mkdirSync(dir);
  const weights = Object.fromEntries(Array.from({ length: TICKERS }, (_, i) => [symbolOf(i), weightOf(i)]));
  writeFileSync(join(dir, 'wide.json'), JSON.stringify({ strategy: 'wide', asOf, leverage: 1, weights }));
  return dir;
}

function writeInputs(dir: string, latencyMs: number): { scenario: string; forecasts: string; warmForecasts: string } {
  const quotes: Record<string, unknown> = {};
  const contracts: Record<string, unknown> = {};
  for (let i = 0; i < TICKERS; i += 1) {
    const s = symbolOf(i);
    const mid = 20 + ((i * 37) % 480);
    // Half-spread in cents: 1 cent, or 0.3% of the midpoint (at least 6 cents) for a ticker whose order stays working.
    const half = staysWorking(i) ? Math.round(mid * 0.3) : 1;
    quotes[s] = { bid: (mid * 100 - half) / 100, ask: (mid * 100 + half) / 100, last: mid, close: mid };
    contracts[s] = { minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD' };
  }
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      account: 'DU0000001',
      cash: 20_000 * TICKERS,
      quotes,
      contracts,
      fills: { partialFillProbability: 0 },
      gateway: { faults: { snapshotDelayMs: SNAPSHOT_DELAY_MS, pacingLimitPerSecond: PACING_LIMIT, answerDelayMs: latencyMs } },
    }),
  );
  const weight = Math.floor((0.9 / TICKERS) * 1e6) / 1e6;
  // The warm forecast: more of every ticker whose order is still working (0.0018 -> 0.002 at 500), the rest as before.
  const more = Math.floor((1 / TICKERS) * 1e6) / 1e6;
  return {
    scenario,
    forecasts: writeForecast(join(dir, 'forecasts'), '2026-11-23T15:00:00Z', () => weight),
    warmForecasts: writeForecast(join(dir, 'forecasts-warm'), '2026-11-23T16:00:00Z', (i) => (staysWorking(i) ? more : weight)),
  };
}

interface RunOptions {
  dir: string;
  port: number;
  forecasts: string;
  now: string;
  env?: Record<string, string>;
}

function runRebalancer(o: RunOptions): Promise<{ code: number | null; ms: number; output: string }> {
  return new Promise((done) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, 'run', '--now', o.now], {
      cwd: o.dir,
      env: {
        PATH: process.env.PATH ?? '',
        BROKER: 'ib',
        IB_PORT: String(o.port),
        IB_ACCOUNT: 'DU0000001',
        IB_CLIENT_ID: '17',
        DATA_DIR: join(o.dir, 'data'),
        FORECAST_DIR: o.forecasts,
        LOG_DIR: join(o.dir, 'logs'),
        MAX_ORDERS_PER_RUN: String(TICKERS * 2),
        NO_TRADE_BAND_PCT: '0.05',
        ORDER_STATUS_WINDOW_MS: '0',
        LOG_LEVEL: 'info',
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    // With BENCH_VERBOSE, each line of the run carries the seconds since the start: where the time goes.
    const stamp = (d: Buffer): string =>
      process.env.BENCH_VERBOSE
        ? d.toString().replace(/^(?=.)/gm, `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(2)}s `)
        : d.toString();
    child.stdout.on('data', (d: Buffer) => (output += stamp(d)));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => done({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, output }));
  });
}

function peakMemoryMb(logDir: string): number | undefined {
  const lines = readFileSync(join(logDir, 'rebalancer.log'), 'utf8').trim().split('\n');
  for (const line of lines.reverse()) {
    const entry = JSON.parse(line) as { msg?: string; maxRssMb?: number };
    if (entry.msg === 'run finished') return entry.maxRssMb;
  }
  return undefined;
}

/** One run against a gateway started on `dir`/gateway at `now`: the gateway's counters and what was placed. */
interface Measured {
  stats: GatewayStats;
  placed: ParsedPlaceOrder[];
  ms: number;
  memory: number | undefined;
}

async function measure(o: Omit<RunOptions, 'port'> & { scenario: string; label: string }): Promise<Measured> {
  const gateway = await startGateway({ port: 0, dataDir: join(o.dir, 'gateway'), scenarioFile: o.scenario, now: o.now });
  try {
    const run = await runRebalancer({ ...o, port: gateway.port });
    if (process.env.BENCH_VERBOSE) console.log(run.output);
    if (run.code !== 0) {
      console.error(run.output);
      throw new Error(`the ${o.label} run exited ${run.code}`);
    }
    return { stats: gateway.stats(), placed: gateway.placedOrders(), ms: run.ms, memory: peakMemoryMb(join(o.dir, 'logs')) };
  } finally {
    await gateway.close();
  }
}

/** Orders sent twice as new orders (by orderRef), and modifications that changed an order's orderRef. */
function sentTwice(placed: readonly ParsedPlaceOrder[]): string[] {
  const counts = new Map<string, number>();
  const refOf = new Map<string, string>();
  for (const o of placed.filter((p) => p.modification !== true)) {
    counts.set(o.orderRef, (counts.get(o.orderRef) ?? 0) + 1);
    refOf.set(`${o.clientId}:${o.orderId}`, o.orderRef);
  }
  const twice = [...counts].filter(([, n]) => n > 1).map(([ref, n]) => `${ref} sent ${n} times`);
  const relabelled = placed
    .filter((o) => o.modification === true && refOf.get(`${o.clientId}:${o.orderId}`) !== o.orderRef)
    .map((o) => `order ${o.orderId} modified from ${refOf.get(`${o.clientId}:${o.orderId}`) ?? 'an unknown order'} to ${o.orderRef}`);
  return [...twice, ...relabelled];
}

/** Cold, then warm (modify and cancel) at one gateway latency; prints its tables, returns its checks. */
async function benchAt(latencyMs: number): Promise<[string, boolean][]> {
  const dir = mkdtempSync(join(tmpdir(), `rebalancer-bench-${latencyMs}ms-`));
  const inputs = writeInputs(dir, latencyMs);
  console.log('');
  console.log(`== gateway latency ${latencyMs} ms (every answer sent ${latencyMs} ms late)`);
  const cold = await measure({ dir, scenario: inputs.scenario, forecasts: inputs.forecasts, now: NOW, label: 'cold' });
  const ratios: number[] = [];
  {
    const { stats, ms, memory } = cold;
    const floorMs = (stats.messagesIn / PACING_LIMIT) * 1000;
    const ratio = ms / floorMs;
    ratios.push(ratio);
    console.log(
      `| latency | tickers | orders | client messages | floor (msgs / 50 per s) | measured | ratio | beyond msgs / ${LIMITER_RATE} per s | peak RSS | pacing violations |`,
    );
    console.log(`|---|---|---|---|---|---|---|---|---|---|`);
    console.log(
      `| ${latencyMs} ms | ${TICKERS} | ${stats.ordersPlaced} | ${stats.messagesIn} | ${(floorMs / 1000).toFixed(1)} s | ${(ms / 1000).toFixed(1)} s | ` +
        `${ratio.toFixed(3)} | ${beyondLimiter(ms, stats.messagesIn)} | ${memory ?? '?'} MB | ${stats.pacingViolations} |`,
    );
  }

  // The warm runs start from copies of the state the cold run left: the records, the logs and the gateway's account.
  const working = (loadState(join(dir, 'gateway'))?.orders ?? []).filter(
    (o) => o.status === 'Submitted' || o.status === 'PreSubmitted',
  ).length;
  const warm = new Map<OrderUpdates, Measured>();
  for (const mode of ORDER_UPDATES) {
    const copy = join(dir, `warm-${mode}`);
    for (const part of ['data', 'logs', 'gateway']) cpSync(join(dir, part), join(copy, part), { recursive: true });
    const env = { ORDER_UPDATES: mode };
    warm.set(
      mode,
      await measure({ dir: copy, scenario: inputs.scenario, forecasts: inputs.warmForecasts, now: WARM_NOW, env, label: `warm ${mode}` }),
    );
  }

  console.log('');
  console.log(`warm run, one hour later: ${working} of ${cold.stats.ordersPlaced} orders still working, the forecast wants more of each`);
  console.log(
    `| latency | ORDER_UPDATES | client messages | new orders | modified | cancelled | floor (msgs / 50 per s) | measured | ratio | beyond msgs / ${LIMITER_RATE} per s | peak RSS | pacing violations |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|---|---|---|`);
  for (const [mode, { stats, ms, memory }] of warm) {
    const floorMs = (stats.messagesIn / PACING_LIMIT) * 1000;
    if (mode === 'modify') ratios.push(ms / floorMs);
    console.log(
      `| ${latencyMs} ms | ${mode} | ${stats.messagesIn} | ${stats.ordersPlaced} | ${stats.ordersModified} | ${stats.cancels} | ${(floorMs / 1000).toFixed(1)} s | ` +
        `${(ms / 1000).toFixed(1)} s | ${(ms / floorMs).toFixed(3)} | ${beyondLimiter(ms, stats.messagesIn)} | ${memory ?? '?'} MB | ${stats.pacingViolations} |`,
    );
  }
  console.log(
    `target at ${latencyMs} ms: ratio <= ${TARGET_RATIO} cold and warm (ORDER_UPDATES=modify, the default): ` +
      `${ratios.every((r) => r <= TARGET_RATIO) ? 'met' : 'NOT met'} (${ratios.map((r) => r.toFixed(3)).join(', ')})`,
  );

  const modify = warm.get('modify');
  const cancel = warm.get('cancel');
  if (modify === undefined || cancel === undefined) throw new Error('invariant: both warm runs were measured');
  const expectedWorking = Math.floor(TICKERS / 2);
  const checks: [string, boolean][] = [
    ['no pacing violation', [cold, modify, cancel].every((m) => m.stats.pacingViolations === 0)],
    ['no decode error', [cold, modify, cancel].every((m) => m.stats.decodeErrors.length === 0)],
    [`${expectedWorking} orders working before the warm run`, working === expectedWorking],
    ['modify: each working order changed in place, none cancelled', modify.stats.ordersModified === working && modify.stats.cancels === 0],
    [
      'cancel: each working order cancelled and sent again, none modified',
      cancel.stats.cancels === working &&
        cancel.stats.ordersModified === 0 &&
        cancel.stats.ordersPlaced === modify.stats.ordersPlaced + working,
    ],
    [
      'no order sent twice (cold + warm, by orderRef), no modification changes an orderRef',
      [modify, cancel].every((m) => sentTwice([...cold.placed, ...m.placed]).length === 0),
    ],
    ['modify sends fewer messages than cancel', modify.stats.messagesIn < cancel.stats.messagesIn],
  ];
  for (const m of [modify, cancel]) for (const problem of sentTwice([...cold.placed, ...m.placed])) console.log(`  ${problem}`);
  for (const m of [cold, modify, cancel]) for (const problem of m.stats.decodeErrors) console.log(`  decode error: ${problem}`);
  return checks.map(([name, ok]) => [`${latencyMs} ms: ${name}`, ok]);
}

const allChecks: [string, boolean][] = [];
for (const latencyMs of LATENCIES_MS) allChecks.push(...(await benchAt(latencyMs)));
console.log('');
for (const [name, ok] of allChecks) console.log(`${ok ? 'ok' : 'FAILED'}: ${name}`);
if (allChecks.some(([, ok]) => !ok)) process.exitCode = 1;
