/**
 * Benchmark: one hourly run with 500 tickers, BROKER=ib, against the simulated IB Gateway with its pacing
 * rule on (error 100 above 50 messages a second) and a realistic snapshot delay.
 *
 * The floor for such a run is the number of messages the client sends divided by 50 per second: IB will not
 * take them faster. The benchmark reports the measured wall time of the whole `rebalancer run` process as a
 * ratio to that floor (target: 1.2 or less) and the process's peak resident memory (target: under 150 MB).
 *
 * Usage: npm run bench            (builds first; takes about 40 seconds)
 *        node dist/bench/ib-500-tickers.js [--tickers N] [--snapshot-delay-ms MS]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../src/gateway/gateway.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TICKERS = option('--tickers', 500);
const SNAPSHOT_DELAY_MS = option('--snapshot-delay-ms', 250);
const PACING_LIMIT = 50;
// Monday 23 Nov 2026, 10:35 New York: in session.
const NOW = process.env.BENCH_NOW ?? '2026-11-23T15:35:00Z';
const CLI = resolve(fileURLToPath(import.meta.url), '../../src/cli/main.js');

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

function writeInputs(dir: string): { scenario: string; forecasts: string } {
  const symbols = Array.from({ length: TICKERS }, (_, i) => symbolOf(i));
  const quotes: Record<string, unknown> = {};
  const contracts: Record<string, unknown> = {};
  symbols.forEach((s, i) => {
    const mid = 20 + ((i * 37) % 480);
    quotes[s] = { bid: mid - 0.01, ask: mid + 0.01, last: mid, close: mid };
    contracts[s] = { minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD' };
  });
  const scenario = join(dir, 'scenario.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      account: 'DU0000001',
      cash: 10_000_000,
      quotes,
      contracts,
      fills: { partialFillProbability: 0 },
      gateway: { faults: { snapshotDelayMs: SNAPSHOT_DELAY_MS, pacingLimitPerSecond: PACING_LIMIT } },
    }),
  );
  const forecasts = join(dir, 'forecasts');
  mkdirSync(forecasts);
  const weight = Math.floor((0.9 / TICKERS) * 1e6) / 1e6;
  writeFileSync(
    join(forecasts, 'wide.json'),
    JSON.stringify({
      strategy: 'wide',
      asOf: '2026-11-23T15:00:00Z',
      leverage: 1,
      weights: Object.fromEntries(symbols.map((s) => [s, weight])),
    }),
  );
  return { scenario, forecasts };
}

function runRebalancer(dir: string, port: number, forecasts: string): Promise<{ code: number | null; ms: number; output: string }> {
  return new Promise((done) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, 'run', '--now', NOW], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        BROKER: 'ib',
        IB_PORT: String(port),
        IB_ACCOUNT: 'DU0000001',
        IB_CLIENT_ID: '17',
        DATA_DIR: join(dir, 'data'),
        FORECAST_DIR: forecasts,
        LOG_DIR: join(dir, 'logs'),
        MAX_ORDERS_PER_RUN: String(TICKERS * 2),
        NO_TRADE_BAND_PCT: '0.05',
        ORDER_STATUS_WINDOW_MS: '0',
        LOG_LEVEL: 'info',
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

const dir = mkdtempSync(join(tmpdir(), 'rebalancer-bench-'));
const inputs = writeInputs(dir);
const gateway = await startGateway({ port: 0, dataDir: join(dir, 'gateway'), scenarioFile: inputs.scenario, now: NOW });
try {
  const run = await runRebalancer(dir, gateway.port, inputs.forecasts);
  const stats = gateway.stats();
  if (process.env.BENCH_VERBOSE) console.log(run.output);
  if (run.code !== 0) {
    console.error(run.output);
    throw new Error(`the run exited ${run.code}`);
  }
  const floorMs = (stats.messagesIn / PACING_LIMIT) * 1000;
  const ratio = run.ms / floorMs;
  const memory = peakMemoryMb(join(dir, 'logs'));
  console.log(`| tickers | orders | client messages | floor (msgs / 50 per s) | measured | ratio | peak RSS | pacing violations |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  console.log(
    `| ${TICKERS} | ${stats.ordersPlaced} | ${stats.messagesIn} | ${(floorMs / 1000).toFixed(1)} s | ${(run.ms / 1000).toFixed(1)} s | ` +
      `${ratio.toFixed(3)} | ${memory ?? '?'} MB | ${stats.pacingViolations} |`,
  );
  console.log(`target: ratio <= 1.2 and peak RSS < 150 MB: ${ratio <= 1.2 && (memory ?? Infinity) < 150 ? 'met' : 'NOT met'}`);
} finally {
  await gateway.close();
}
