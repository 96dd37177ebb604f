/**
 * Benchmark: a run on a year of records against the same run on empty records (issue 14: records that stay fast
 * for years).
 *
 * Two `rebalancer run` processes (the built CLI, BROKER=sim), each on a fresh simulated account (the same scenario:
 * cash only, 500 tickers quoted) with the same forecast, so both do the same work at the broker: one on an empty
 * DATA_DIR, one on a DATA_DIR holding a year of hourly 500-ticker records: 252 trading days of 7 runs, each with its
 * snapshot, 500 position rows, 500 ledger-check rows, an account read, a forecast of 500 weights, and 70 orders
 * each filled once (1,764 runs, 123,480 orders and fills), a daily row per day, and trades.csv holding every fill
 * (written by the program's own code, marked as written). The year's fills of each ticker net to zero, so its
 * ledger agrees with the fresh simulated account and the run trades as the empty one does.
 *
 * The rows are written directly with SQL into a database the program's own migrations made (fsync off, one
 * transaction a day): seconds, not the hours a year of real runs take.
 *
 * A first, unmeasured run on empty records warms the file cache; then each run twice, alternating, each on a fresh
 * copy of its records and a fresh simulated account. A copied trades.csv is another file (inode, modification time)
 * than the one its database marked, which a run reads whole once: the benchmark marks each copy first, as the run
 * before it would have. Reported: each run's wall time, CPU time (user + system, which a shared machine disturbs
 * less) and peak resident memory (the run's own 'run finished' log line), the ratio of
 * the year run's time to the empty run's (goal: 1.1 or less) and peak memory (goal: under 150 MB in both).
 *
 * Then, on each measured run's records, the run after the close (16:35 New York): the one that sends the day's
 * end-of-day summary, with its charts (the day's NLV, and on a year of records the closing NLV of the last 30 trading
 * days: Skia and Chart.js load in that run) and its CSV files; its peak memory too must stay under 150 MB.
 * Exits 1 when a run does not exit 0, the runs do not send the same orders, an end-of-day run sends no charted email,
 * or a run's peak memory is 150 MB or more.
 *
 * Usage: npm run bench:records      (builds first; about a minute)
 *        node dist/bench/records-year.js [--tickers N] [--days N] [--runs-per-day N] [--fills-per-run N]
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncTradesCsv } from '../src/adapters/files/trades-csv.js';
import { openDatabase } from '../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../src/adapters/sqlite/sqlite-store.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const TICKERS = option('--tickers', 500);
const DAYS = option('--days', 252);
const RUNS_PER_DAY = option('--runs-per-day', 7);
const FILLS_PER_RUN = Math.min(option('--fills-per-run', 70), TICKERS);
const ACCOUNT = 'DU0000001';
const CASH = 20_000 * TICKERS;
// Monday 23 Nov 2026, 10:35 New York: in session; the year of records ends the Friday before.
const NOW = process.env.BENCH_NOW ?? '2026-11-23T15:35:00Z';
/** The run after the close the same day (16:35 New York in winter, 17:35 in summer): it sends the end-of-day email. */
const AFTER_CLOSE = `${NOW.slice(0, 10)}T21:35:00Z`;
/** The goal for every run's peak resident memory, the charted email's included. */
const MEMORY_GOAL_MB = 150;
const CLI = resolve(fileURLToPath(import.meta.url), '../../cli/rebalancer.js');

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
const SYMBOLS = Array.from({ length: TICKERS }, (_, i) => symbolOf(i));
const midOf = (i: number): number => 20 + ((i * 37) % 480);
const WEIGHT = Math.floor((0.9 / TICKERS) * 1e6) / 1e6;

function writeInputs(dir: string): { scenario: string; forecasts: string } {
  const quotes: Record<string, unknown> = {};
  const contracts: Record<string, unknown> = {};
  SYMBOLS.forEach((s, i) => {
    const mid = midOf(i);
    quotes[s] = { bid: (mid * 100 - 1) / 100, ask: (mid * 100 + 1) / 100, last: mid, close: mid };
    contracts[s] = { minTick: 0.01, primaryExchange: 'NYSE', currency: 'USD' };
  });
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify({ account: ACCOUNT, cash: CASH, quotes, contracts, fills: { partialFillProbability: 0 } }));
  const forecasts = join(dir, 'forecasts');
  mkdirSync(forecasts);
  const weights = Object.fromEntries(SYMBOLS.map((s) => [s, WEIGHT]));
  writeFileSync(join(forecasts, 'wide.json'), JSON.stringify({ strategy: 'wide', asOf: '2026-11-23T15:00:00Z', leverage: 1, weights }));
  return { scenario, forecasts };
}

/** The weekdays of the year before NOW's day, oldest first. */
function tradingDays(): string[] {
  const days: string[] = [];
  const day = new Date(`${NOW.slice(0, 10)}T00:00:00Z`);
  while (days.length < DAYS) {
    day.setUTCDate(day.getUTCDate() - 1);
    if (day.getUTCDay() !== 0 && day.getUTCDay() !== 6) days.unshift(day.toISOString().slice(0, 10));
  }
  return days;
}

/** A year of records in `dataDir`, and trades.csv written from them. Returns the counts written. */
async function seedYear(dataDir: string): Promise<{ runs: number; fills: number; positions: number; ms: number }> {
  const started = Date.now();
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'rebalancer.sqlite');
  const db = openDatabase(file);
  db.pragma('synchronous = OFF');
  const ins = {
    run: db.prepare(
      `INSERT INTO runs (id, started_at, finished_at, status, exit_code, trading_day, dry_run, trading_state, orders_sent, orders_modified, orders_cancelled)
       VALUES (?, ?, ?, 'ok', 0, ?, 0, 'ACTIVE', ?, 0, 0)`,
    ),
    snapshot: db.prepare(
      `INSERT INTO snapshots (run_id, taken_at, net_liquidation, cash, gross_position_value, leverage, maint_margin, excess_liquidity, cushion, currency)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0.5, 'USD')`,
    ),
    position: db.prepare(
      `INSERT INTO positions (run_id, symbol, quantity, avg_cost, market_price, market_value, weight, target_weight)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    ledgerCheck: db.prepare('INSERT INTO ledger_checks (run_id, symbol, ledger_quantity, broker_quantity) VALUES (?, ?, ?, ?)'),
    accountRead: db.prepare(
      `INSERT INTO account_reads (run_id, read_at, trading_day, cash, net_liquidation, currency, positions) VALUES (?, ?, ?, ?, ?, 'USD', ?)`,
    ),
    forecast: db.prepare(
      `INSERT INTO forecasts (run_id, strategy, file, as_of, leverage, capital, weights) VALUES (?, 'wide', 'wide.json', ?, 1, 1, ?)`,
    ),
    order: db.prepare(
      `INSERT INTO orders (run_id, order_ref, symbol, action, quantity, limit_price, status, broker_order_id, perm_id,
         filled_quantity, avg_fill_price, created_at, updated_at, reference_price, reconciled_at)
       VALUES (?, ?, ?, ?, ?, ?, 'Filled', ?, ?, ?, ?, ?, ?, ?, NULL)`,
    ),
    fill: db.prepare(
      `INSERT INTO fills (exec_id, run_id, order_ref, symbol, side, quantity, price, commission, time, broker_order_id, perm_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)`,
    ),
    managed: db.prepare('INSERT OR IGNORE INTO managed_symbols (symbol, first_run_id, last_run_id) VALUES (?, ?, ?)'),
    baseline: db.prepare(
      `INSERT INTO ledger_adjustments (symbol, kind, quantity, ledger_before, broker_quantity, reason, run_id, at, source)
       VALUES (?, 'baseline', 0, 0, 0, 'the broker''s position when the ticker became managed', ?, ?, ?)`,
    ),
    daily: db.prepare(
      `INSERT INTO daily (trading_day, closing_nlv, change, turnover, commissions, fills, recorded_at) VALUES (?, ?, 0, ?, ?, ?, ?)`,
    ),
    email: db.prepare(`INSERT INTO emails (kind, trading_day, subject, status, at, run_id) VALUES (?, ?, ?, 'sent', ?, ?)`),
    owner: db.prepare(
      `INSERT INTO records_owner (id, broker, account, trading_mode, run_id, at, adopted) VALUES (1, 'sim', ?, 'paper', ?, ?, 0)`,
    ),
  };
  const weightsJson = JSON.stringify(Object.fromEntries(SYMBOLS.map((s) => [s, WEIGHT])));
  const held = new Map<string, number>(SYMBOLS.map((s) => [s, 0]));
  let seq = 0;
  let fills = 0;
  let positions = 0;
  const days = tradingDays();
  const runs = days.length * RUNS_PER_DAY;
  days.forEach((tradingDay, d) => {
    db.transaction(() => {
      let turnover = 0;
      for (let r = 0; r < RUNS_PER_DAY; r += 1) {
        const k = d * RUNS_PER_DAY + r;
        seq += 1;
        const startedAt = `${tradingDay}T${String(14 + r).padStart(2, '0')}:35:00Z`;
        const runId = `${tradingDay.replaceAll('-', '')}T${String(14 + r).padStart(2, '0')}3500Z-${String(seq).padStart(6, '0')}`;
        ins.run.run(runId, startedAt, startedAt, tradingDay, FILLS_PER_RUN);
        if (k === 0) {
          ins.owner.run(ACCOUNT, runId, startedAt);
          for (const s of SYMBOLS) {
            ins.managed.run(s, runId, runId);
            ins.baseline.run(s, runId, startedAt, `run ${runId}`);
          }
        }
        // Runs in pairs trade the same tickers, BUY then SELL: every ticker's fills net to zero over the year (a
        // last run without its pair trades nothing).
        const pair = Math.floor(k / 2);
        const side = k % 2 === 0 ? 'BUY' : 'SELL';
        const trades = k % 2 === 0 && k === runs - 1 ? 0 : FILLS_PER_RUN;
        for (let j = 0; j < trades; j += 1) {
          const i = (pair * FILLS_PER_RUN + j) % TICKERS;
          const symbol = SYMBOLS[i] ?? 'AAAA';
          const orderRef = `rebal:${runId}:${symbol}`;
          const price = midOf(i);
          const quantity = 1 + (j % 5);
          const orderId = seq * 1000 + j;
          ins.order.run(
            runId,
            orderRef,
            symbol,
            side,
            quantity,
            price,
            orderId,
            1e9 + orderId,
            quantity,
            price,
            startedAt,
            startedAt,
            price,
          );
          const execId = `0000e0d5.${orderId.toString(16).padStart(8, '0')}.01.01`;
          ins.fill.run(execId, runId, orderRef, symbol, side, quantity, price, startedAt, orderId, 1e9 + orderId);
          held.set(symbol, (held.get(symbol) ?? 0) + (side === 'BUY' ? quantity : -quantity));
          turnover += quantity * price;
          fills += 1;
        }
        let gross = 0;
        for (const [i, s] of SYMBOLS.entries()) {
          const quantity = held.get(s) ?? 0;
          const value = quantity * midOf(i);
          gross += value;
          ins.position.run(runId, s, quantity, midOf(i), midOf(i), value, value / CASH, WEIGHT);
          ins.ledgerCheck.run(runId, s, quantity, quantity);
          positions += 1;
        }
        const nlv = CASH;
        ins.snapshot.run(runId, startedAt, nlv, nlv - gross, gross, gross / nlv, gross * 0.25, nlv - gross * 0.25);
        const held0 = Object.fromEntries([...held].filter(([, q]) => q !== 0));
        ins.accountRead.run(runId, startedAt, tradingDay, nlv - gross, nlv, JSON.stringify(held0));
        ins.forecast.run(runId, startedAt, weightsJson);
        // The day's three summaries went out (the first, the middle and the last run's), as a year of runs leaves them.
        const kind = r === 0 ? 'start' : r === Math.floor(RUNS_PER_DAY / 2) ? 'mid' : r === RUNS_PER_DAY - 1 ? 'end' : undefined;
        if (kind !== undefined) ins.email.run(kind, tradingDay, `[rebalancer] ${ACCOUNT} ${kind} ${tradingDay}`, startedAt, runId);
      }
      ins.daily.run(tradingDay, CASH, turnover, RUNS_PER_DAY * FILLS_PER_RUN, RUNS_PER_DAY * FILLS_PER_RUN, `${tradingDay}T21:05:00Z`);
    })();
  });
  db.pragma('synchronous = FULL');
  db.close();
  // trades.csv as the program writes it (the file missing: written whole from the records, and marked).
  await markTradesCsv(dataDir);
  return { runs, fills, positions, ms: Date.now() - started };
}

/** Bring trades.csv up to date with the records, as a run does: a file not as marked is read whole once and marked. */
async function markTradesCsv(dataDir: string): Promise<void> {
  const store = new SqliteStore(join(dataDir, 'rebalancer.sqlite'));
  try {
    await syncTradesCsv(store, join(dataDir, 'trades.csv'));
  } finally {
    store.close();
  }
}

const CPU_LINE = 'bench-cpu-ms=';

function runRebalancer(
  dir: string,
  inputs: { scenario: string; forecasts: string },
  now: string,
): Promise<{ code: number | null; ms: number; cpuMs: number | undefined; output: string }> {
  return new Promise((done) => {
    const started = process.hrtime.bigint();
    // The run's own CPU time (user + system), printed by the process as it exits: on a shared machine the wall time
    // also measures the neighbours, the CPU time much less.
    const cpu = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('${CPU_LINE}'+((u.user+u.system)/1000)+'\\n')})`;
    const child = spawn(process.execPath, ['--import', cpu, CLI, 'run', '--now', now], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        BROKER: 'sim',
        SIM_SCENARIO: inputs.scenario,
        IB_ACCOUNT: ACCOUNT,
        DATA_DIR: join(dir, 'data'),
        FORECAST_DIR: inputs.forecasts,
        LOG_DIR: join(dir, 'logs'),
        MAX_ORDERS_PER_RUN: String(TICKERS * 2),
        NO_TRADE_BAND_PCT: '0.05',
        // No wait for fills after sending: the run's time is its own work, which the records could slow.
        ORDER_STATUS_WINDOW_MS: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => {
      const cpuMs = new RegExp(`${CPU_LINE}([\\d.]+)`).exec(output)?.[1];
      done({ code, ms: Number(process.hrtime.bigint() - started) / 1e6, cpuMs: cpuMs === undefined ? undefined : Number(cpuMs), output });
    });
  });
}

/** What the run's own log says it did: peak memory, and the orders it sent. */
function fromLog(logDir: string): { memory: number | undefined; sent: number | undefined } {
  const lines = readFileSync(join(logDir, 'rebalancer.log'), 'utf8').trim().split('\n');
  for (const line of lines.reverse()) {
    const entry = JSON.parse(line) as { msg?: string; maxRssMb?: number; ordersSent?: number; sent?: number };
    if (entry.msg === 'run finished') return { memory: entry.maxRssMb, sent: entry.ordersSent ?? entry.sent };
  }
  return { memory: undefined, sent: undefined };
}

/** Orders each run recorded (from its database, after it ended). */
function ordersOfLastRun(dataDir: string): number {
  const db = openDatabase(join(dataDir, 'rebalancer.sqlite'), { readonly: true });
  try {
    const row = db
      .prepare<[], { n: number }>(
        `SELECT count(*) AS n FROM orders WHERE run_id = (SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1)`,
      )
      .get();
    return row?.n ?? 0;
  } finally {
    db.close();
  }
}

interface Measured {
  label: string;
  ms: number;
  cpuMs: number | undefined;
  memory: number | undefined;
  orders: number;
  databaseMb: number;
  csvMb: number;
  /** The charts of the end-of-day email this run queued in the outbox (its .eml's inline images), if it sent one. */
  endOfDayCharts: string[] | undefined;
}

/** The inline images of the end-of-day email queued in `dataDir`'s outbox (no SMTP_URL: every email is queued). */
function endOfDayCharts(dataDir: string): string[] | undefined {
  const outbox = join(dataDir, 'outbox');
  const eml = existsSync(outbox) ? readdirSync(outbox).find((f) => f.includes('end-of-day') && f.endsWith('.eml')) : undefined;
  if (eml === undefined) return undefined;
  const text = readFileSync(join(outbox, eml), 'latin1');
  return [...text.matchAll(/Content-Disposition: inline; filename=(\S+\.png)/g)].map((m) => m[1] ?? '');
}

async function measure(dir: string, label: string, inputs: { scenario: string; forecasts: string }, now: string = NOW): Promise<Measured> {
  const run = await runRebalancer(dir, inputs, now);
  if (run.code !== 0) {
    console.error(run.output);
    throw new Error(`the ${label} run exited ${run.code}`);
  }
  const dataDir = join(dir, 'data');
  const size = (f: string): number => {
    try {
      return statSync(join(dataDir, f)).size / 1e6;
    } catch {
      return 0;
    }
  };
  return {
    label,
    ms: run.ms,
    cpuMs: run.cpuMs,
    memory: fromLog(join(dir, 'logs')).memory,
    orders: ordersOfLastRun(dataDir),
    databaseMb: size('rebalancer.sqlite') + size('rebalancer.sqlite-wal'),
    csvMb: size('trades.csv'),
    endOfDayCharts: endOfDayCharts(dataDir),
  };
}

const root = mkdtempSync(join(tmpdir(), 'rebalancer-bench-records-'));
const inputs = writeInputs(root);
const yearDir = join(root, 'year');
mkdirSync(yearDir);
const seeded = await seedYear(join(yearDir, 'data'));
console.log(
  `seeded a year: ${seeded.runs} runs, ${seeded.fills} orders and fills, ${seeded.positions} position and ledger-check rows each, in ${(seeded.ms / 1000).toFixed(1)} s`,
);
// A first, unmeasured run loads the program and the simulator from disk: neither measured run pays for a cold cache.
// Then each run twice, alternating, each on a fresh copy of its records and account: the faster of the two counts,
// as on a shared machine the slower one measures the neighbours.
const warmUp = join(root, 'warm-up');
mkdirSync(warmUp);
await measure(warmUp, 'warm-up', inputs);
const measured: { empty: Measured[]; year: Measured[] } = { empty: [], year: [] };
// The run after the close, on the records (and the simulated account) each measured run left.
const afterClose: { empty: Measured[]; year: Measured[] } = { empty: [], year: [] };
for (let round = 1; round <= 2; round += 1) {
  for (const kind of ['empty', 'year'] as const) {
    const dir = join(root, `${kind}-${round}`);
    if (kind === 'year') {
      cpSync(join(yearDir, 'data'), join(dir, 'data'), { recursive: true });
      await markTradesCsv(join(dir, 'data'));
    } else mkdirSync(dir);
    const label = kind === 'empty' ? 'empty records' : 'a year of records';
    measured[kind].push(await measure(dir, label, inputs));
    afterClose[kind].push(await measure(dir, label, inputs, AFTER_CLOSE));
  }
}
const fastest = (ms: Measured[]): Measured => ms.reduce((a, b) => (b.ms < a.ms ? b : a));
const empty = fastest(measured.empty);
const year = fastest(measured.year);
const ratio = year.ms / empty.ms;
const seconds = (ms: Measured[], of: (m: Measured) => number | undefined): string =>
  ms.map((m) => ((of(m) ?? NaN) / 1000).toFixed(2)).join(' / ');
const leastCpu = (ms: Measured[]): number => Math.min(...ms.map((m) => m.cpuMs ?? Infinity));
const cpuRatio = leastCpu(measured.year) / leastCpu(measured.empty);

console.log(
  `| records | database | trades.csv | orders sent | wall time (each run) | ratio (fastest) | CPU time (each run) | CPU ratio (least) | peak memory (RSS) |`,
);
console.log(`|---|---|---|---|---|---|---|---|---|`);
for (const [m, all] of [
  [empty, measured.empty],
  [year, measured.year],
] as const) {
  console.log(
    `| ${m.label} | ${m.databaseMb.toFixed(0)} MB | ${m.csvMb.toFixed(1)} MB | ${m.orders} | ${seconds(all, (a) => a.ms)} s | ` +
      `${(m.ms / empty.ms).toFixed(2)} | ${seconds(all, (a) => a.cpuMs)} s | ${(leastCpu(all) / leastCpu(measured.empty)).toFixed(2)} | ` +
      `${all.map((a) => `${a.memory ?? '?'}`).join(' / ')} MB |`,
  );
}
console.log('');
console.log(`The run after the close (${AFTER_CLOSE}), on each run's records: the end-of-day email, charted`);
console.log(`| records | charts in the email | wall time (each run) | CPU time (each run) | peak memory (RSS) |`);
console.log(`|---|---|---|---|---|`);
for (const all of [afterClose.empty, afterClose.year]) {
  const charts = [...new Set(all.map((a) => (a.endOfDayCharts ?? ['no email']).join(', ') || 'none'))].join(' / ');
  console.log(
    `| ${all[0]?.label ?? '?'} | ${charts} | ${seconds(all, (a) => a.ms)} s | ${seconds(all, (a) => a.cpuMs)} s | ` +
      `${all.map((a) => `${a.memory ?? '?'}`).join(' / ')} MB |`,
  );
}
const every = [...measured.empty, ...measured.year, ...afterClose.empty, ...afterClose.year];
const checks: [string, boolean, 'exit 1' | 'report'][] = [
  [
    'every run sends the same orders',
    [...measured.empty, ...measured.year].every((m) => m.orders === empty.orders) && empty.orders > 0,
    'exit 1',
  ],
  ['time within 1.1x of the empty run (wall)', ratio <= 1.1, 'report'],
  ['time within 1.1x of the empty run (CPU)', cpuRatio <= 1.1, 'report'],
  [
    'every run after the close sends the end-of-day email with the day chart (and on a year of records the 30-day one)',
    [...afterClose.empty, ...afterClose.year].every((m) => m.endOfDayCharts?.includes('nlv-today.png') === true) &&
      afterClose.year.every((m) => m.endOfDayCharts?.includes('nlv-30-days.png') === true),
    'exit 1',
  ],
  [`peak memory under ${MEMORY_GOAL_MB} MB in every run`, every.every((m) => (m.memory ?? Infinity) < MEMORY_GOAL_MB), 'exit 1'],
];
for (const [name, ok] of checks) console.log(`${ok ? 'met' : 'NOT met'}: ${name}`);
// Time is reported (a shared machine disturbs it); orders, emails and memory fail the benchmark.
if (checks.some(([, ok, failing]) => !ok && failing === 'exit 1')) process.exitCode = 1;
// A year of records is a few hundred MB per copy: gone unless asked to keep (BENCH_KEEP=1).
if (process.env.BENCH_KEEP === undefined) rmSync(root, { recursive: true, force: true });
else console.log(`records kept in ${root}`);
