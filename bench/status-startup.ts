/**
 * Benchmark: `rebalancer status` start-up (goal: under 0.2 s of wall time for the whole process).
 *
 * A home on the sim broker (four tickers) is prepared with one `rebalancer run`; then the built `status` is started
 * N times as a child process, and the median wall time, from spawning the process to its exit, is reported against
 * the goal, beside the time of `node -e 0` (Node's own start-up on this machine, which no change to the program can
 * remove). A second pass, not timed, reads each process's peak resident memory.
 *
 * With `--baseline <main.js>` (another build of the CLI, e.g. the commit before a change, built into /tmp), the same
 * is measured for it in the same run, the runs of the two builds interleaved so that a machine shared with other
 * work slows both alike; each build gets a home of its own (its database migrations may differ).
 *
 * Exits 1 when a `status` fails; the goal is reported, not enforced (a shared machine can miss it by itself).
 *
 * Usage: npm run bench:startup            (builds first)
 *        node dist/bench/status-startup.js [--runs N] [--baseline /tmp/before/dist/src/cli/main.js]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const valueOf = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(valueOf('--runs') ?? 15);
const BASELINE = valueOf('--baseline');
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: expected a whole number of at least 1, got ${valueOf('--runs')}`);
const GOAL_S = 0.2;
const CLI = resolve(fileURLToPath(import.meta.url), '../../src/cli/main.js');
// Monday 23 Nov 2026, 10:35 New York (in session); status a quarter of an hour later.
const RUN_AT = '2026-11-23T15:35:00Z';
const STATUS_AT = '2026-11-23T15:50:00Z';

interface Home {
  root: string;
  env: Record<string, string>;
}

/** A home on the sim broker with one run's records. */
function prepareHome(cli: string): Home {
  const root = mkdtempSync(join(tmpdir(), 'rebalancer-bench-startup-'));
  const forecasts = join(root, 'forecasts');
  mkdirSync(forecasts);
  const quote = (mid: number, close: number) => ({ bid: mid - 0.02, ask: mid + 0.02, last: mid, close });
  const scenario = {
    account: 'DU0000001',
    cash: 100_000,
    positions: { AAPL: { quantity: 100, avgCost: 150 } },
    quotes: { AAPL: quote(190, 188.5), MSFT: quote(410, 405), SPY: quote(600, 598), KO: quote(62.5, 62) },
    contracts: Object.fromEntries(['AAPL', 'MSFT', 'SPY', 'KO'].map((s) => [s, { minTick: 0.01, primaryExchange: 'NASDAQ' }])),
  };
  writeFileSync(join(root, 'scenario.json'), JSON.stringify(scenario));
  const weights = { AAPL: 0.19, MSFT: 0.2, SPY: 0.2, KO: 0.1 };
  writeFileSync(join(forecasts, 'trend.json'), JSON.stringify({ strategy: 'trend', asOf: RUN_AT, leverage: 1, weights }));
  writeFileSync(join(root, '.env'), '', { mode: 0o600 });
  const env = {
    PATH: process.env.PATH ?? '',
    TZ: 'UTC',
    FORECAST_DIR: forecasts,
    DATA_DIR: join(root, 'data'),
    LOG_DIR: join(root, 'logs'),
    SIM_SCENARIO: join(root, 'scenario.json'),
  };
  const run = spawnSync(process.execPath, [cli, 'run', '--now', RUN_AT], { cwd: root, env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`rebalancer run (${cli}) exited ${run.status}:\n${run.stdout}\n${run.stderr}`);
  return { root, env };
}

/** Wall time of one process, from spawning it to its exit, in seconds. */
function timed(argv: string[], home: Home): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, argv, { cwd: home.root, env: home.env, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) {
    process.stderr.write(`node ${argv.join(' ')} exited ${child.status}:\n${child.stdout}\n${child.stderr}\n`);
    process.exit(1);
  }
  return seconds;
}

/** Peak resident memory of one `status`, in MB (its own report at exit). */
function peakMb(cli: string, home: Home): number {
  const report = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss='+process.resourceUsage().maxRSS+'\\n'))`;
  const child = spawnSync(process.execPath, ['--import', report, cli, 'status', '--now', STATUS_AT], {
    cwd: home.root,
    env: home.env,
    encoding: 'utf8',
  });
  const kb = Number(/maxrss=(\d+)/.exec(child.stderr)?.[1] ?? NaN);
  return kb / 1024;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

const builds: { label: string; cli: string; home: Home; times: number[] }[] = [
  { label: 'this build', cli: CLI, home: prepareHome(CLI), times: [] },
  ...(BASELINE === undefined ? [] : [{ label: 'baseline', cli: resolve(BASELINE), home: prepareHome(resolve(BASELINE)), times: [] }]),
];
const nodeAlone: number[] = [];
// One warm-up of each (file system caches), not counted.
for (const b of builds) timed([b.cli, 'status', '--now', STATUS_AT], b.home);
for (let i = 0; i < RUNS; i += 1) {
  const home = builds[0]?.home;
  if (home !== undefined) nodeAlone.push(timed(['-e', '0'], home));
  for (const b of builds) b.times.push(timed([b.cli, 'status', '--now', STATUS_AT], b.home));
}

const s = (x: number): string => `${x.toFixed(3)} s`;
console.log(`status start-up, ${RUNS} runs each, interleaved (median; min-max); goal: under ${GOAL_S} s`);
console.log(`  node -e 0 (Node alone):  ${s(median(nodeAlone))} (${s(Math.min(...nodeAlone))}-${s(Math.max(...nodeAlone))})`);
for (const b of builds) {
  const m = median(b.times);
  const verdict = m < GOAL_S ? 'meets the goal' : `misses the goal by ${s(m - GOAL_S)}`;
  console.log(
    `  ${b.label.padEnd(23)} ${s(m)} (${s(Math.min(...b.times))}-${s(Math.max(...b.times))}), ` +
      `${s(m - median(nodeAlone))} above Node alone, peak ${peakMb(b.cli, b.home).toFixed(0)} MB: ${verdict}   [${b.cli}]`,
  );
}
const [after, before] = builds;
if (after !== undefined && before !== undefined) {
  const ratio = median(after.times) / median(before.times);
  console.log(`  this build / baseline:   ${ratio.toFixed(2)} (median ${s(median(after.times))} vs ${s(median(before.times))})`);
}
