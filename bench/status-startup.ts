/**
 * Benchmark: `rebalancer status` start-up (goal: under 0.2 s of wall time for the whole process).
 *
 * A home on the sim broker (four tickers) is prepared with one `rebalancer run`; then the built `status` is started
 * N times as a child process, and the median wall time, from spawning the process to its exit, is reported against
 * the goal, beside the time of `node -e 0` (Node's own start-up on this machine, which no change to the program can
 * remove). Each process also reports, at its exit, its CPU time (user + system) and peak resident memory: on a
 * machine shared with other work the wall time includes waiting for a core, the CPU time does not.
 *
 * With `--baseline <main.js>` (another build of the CLI, e.g. the commit before a change, built into /tmp), the same
 * is measured for it in the same run, the runs of the two builds interleaved so that a machine shared with other
 * work slows both alike; each build gets a home of its own (its database migrations may differ).
 *
 * Exits 1 when a `status` fails; the goal is reported, not enforced (a shared machine can miss it by itself).
 *
 * Usage: npm run bench:startup            (builds first)
 *        node dist/bench/status-startup.js [--runs N] [--baseline /tmp/before/dist/cli/rebalancer.js]
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
const CLI = resolve(fileURLToPath(import.meta.url), '../../cli/rebalancer.js');
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

/** One process: wall time from spawning it to its exit (s), its CPU time (s) and peak resident memory (MB). */
interface Sample {
  wall: number;
  cpu: number;
  mb: number;
}

/** Printed by the process at its exit: CPU time since it started, in µs, and peak memory, in kB. */
const REPORT = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => { const u = process.resourceUsage(); " +
    "process.stderr.write('usage=' + (u.userCPUTime + u.systemCPUTime) + ',' + u.maxRSS + '\\n'); });",
)}`;

function timed(argv: string[], home: Home): Sample {
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', REPORT, ...argv], { cwd: home.root, env: home.env, encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  const usage = /usage=(\d+),(\d+)/.exec(child.stderr);
  if (child.status !== 0 || usage === null) {
    process.stderr.write(`node ${argv.join(' ')} exited ${child.status}:\n${child.stdout}\n${child.stderr}\n`);
    process.exit(1);
  }
  return { wall, cpu: Number(usage[1]) / 1e6, mb: Number(usage[2]) / 1024 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
};

const builds: { label: string; cli: string; home: Home; times: Sample[] }[] = [
  { label: 'this build', cli: CLI, home: prepareHome(CLI), times: [] },
  ...(BASELINE === undefined ? [] : [{ label: 'baseline', cli: resolve(BASELINE), home: prepareHome(resolve(BASELINE)), times: [] }]),
];
const nodeAlone: Sample[] = [];
// One warm-up of each (file system caches), not counted.
for (const b of builds) timed([b.cli, 'status', '--now', STATUS_AT], b.home);
for (let i = 0; i < RUNS; i += 1) {
  const home = builds[0]?.home;
  if (home !== undefined) nodeAlone.push(timed(['-e', '0'], home));
  for (const b of builds) b.times.push(timed([b.cli, 'status', '--now', STATUS_AT], b.home));
}

const s = (x: number): string => `${x.toFixed(3)} s`;
const line = (label: string, xs: Sample[]): string => {
  const walls = xs.map((x) => x.wall);
  return (
    `  ${label.padEnd(22)} wall ${s(median(walls))} (${s(Math.min(...walls))}-${s(Math.max(...walls))}), ` +
    `CPU ${s(median(xs.map((x) => x.cpu)))}, peak ${median(xs.map((x) => x.mb)).toFixed(0)} MB`
  );
};
console.log(`status start-up, ${RUNS} runs each, interleaved: medians (wall min-max); goal: wall under ${GOAL_S} s`);
console.log(line('node -e 0 (Node alone)', nodeAlone));
for (const b of builds) {
  const m = median(b.times.map((x) => x.wall));
  const verdict = m < GOAL_S ? 'meets the goal' : `misses the goal by ${s(m - GOAL_S)}`;
  console.log(`${line(b.label, b.times)}: ${verdict}   [${b.cli}]`);
}
const [after, before] = builds;
if (after !== undefined && before !== undefined) {
  const ratio = (f: (x: Sample) => number): string => (median(after.times.map(f)) / median(before.times.map(f))).toFixed(2);
  console.log(`  this build / baseline:   wall ${ratio((x) => x.wall)}, CPU ${ratio((x) => x.cpu)}, peak ${ratio((x) => x.mb)}`);
}
