/**
 * Benchmark: the peak memory of the daily summaries at 500 tickers on a busy day (issue 14: peak memory under 150 MB
 * in every case, charted email included).
 *
 * A real SQLite file holds a busy day (test/report/busy-day.ts: seven hourly runs of 500 positions, 500 orders,
 * about 1,550 fills, 40 breaches, the previous day's close); `rebalancer report --kind start|mid|end --send` (the
 * built CLI, a child process, no SMTP_URL: the email is queued in the outbox) renders and queues each summary: the
 * start of day without charts, mid-day with the day's NLV chart, the end of day with both charts (Skia and Chart.js
 * load in that process) and its CSV files. Each kind runs three times after an unmeasured warm-up (the file cache).
 * Reported per kind: the charts in the queued email, each run's CPU time (user + system) and peak resident memory
 * (maxRSS, printed by the process as it exits through an --import hook). The hourly run that sends the charted
 * end-of-day email is measured by bench/records-year.ts (on empty records and on a year of them).
 *
 * Exits 1 when a run does not exit 0, an email lacks its charts, or a run's peak memory is 150 MB or more.
 *
 * Usage: npm run bench:email      (builds first; about half a minute)
 *        node dist/bench/email-memory.js [--runs N]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/adapters/sqlite/open-database.js';
import { SqliteReportStore } from '../src/adapters/sqlite/sqlite-report-store.js';
import { SqliteStore } from '../src/adapters/sqlite/sqlite-store.js';
import { fillBusyDay } from '../test/report/busy-day.js';

const args = process.argv.slice(2);
const runsIndex = args.indexOf('--runs');
const RUNS = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3;
const CLI = resolve(fileURLToPath(import.meta.url), '../../cli/rebalancer.js');
const DAY = '2026-11-23';
/** 16:10 New York: after the close, as the end-of-day email is. */
const NOW = '2026-11-23T21:10:00Z';
const MEMORY_GOAL_MB = 150;

const KINDS = [
  { kind: 'start', charts: [] },
  { kind: 'mid', charts: ['nlv-today.png'] },
  { kind: 'end', charts: ['nlv-today.png', 'nlv-30-days.png'] },
] as const;

const LINE = 'bench-usage=';
/** The process's own peak memory (KB) and CPU time (ms) as it exits. */
const USAGE_HOOK =
  `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();` +
  `process.stderr.write('${LINE}'+process.resourceUsage().maxRSS+','+((u.user+u.system)/1000)+'\\n')})`;

interface Measured {
  maxRssMb: number;
  cpuMs: number;
  charts: string[];
}

function report(root: string, kind: string): Promise<Measured> {
  const outbox = join(root, 'data', 'outbox');
  rmSync(outbox, { recursive: true, force: true });
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', USAGE_HOOK, CLI, 'report', '--kind', kind, '--day', DAY, '--send', '--now', NOW], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        TZ: 'UTC',
        FORECAST_DIR: join(root, 'forecasts'),
        DATA_DIR: join(root, 'data'),
        LOG_DIR: join(root, 'logs'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => {
      const usage = new RegExp(`${LINE}(\\d+),([\\d.]+)`).exec(output);
      const eml = readdirSync(outbox, { withFileTypes: true }).find((f) => f.name.endsWith('.eml'));
      if (code !== 0 || usage === null || eml === undefined) {
        fail(new Error(`report --kind ${kind} --send exited ${code}${eml === undefined ? ', no email queued' : ''}\n${output}`));
        return;
      }
      const text = readFileSync(join(outbox, eml.name), 'latin1');
      done({
        maxRssMb: Number(usage[1]) / 1024,
        cpuMs: Number(usage[2]),
        charts: [...text.matchAll(/Content-Disposition: inline; filename=(\S+\.png)/g)].map((m) => m[1] ?? ''),
      });
    });
  });
}

const root = mkdtempSync(join(tmpdir(), 'rebalancer-bench-email-'));
try {
  for (const dir of ['data', 'forecasts', 'logs']) mkdirSync(join(root, dir));
  // A home whose settings are in the environment.
  writeFileSync(join(root, '.env'), '# benchmark home: the settings are in the environment\n', { mode: 0o600 });
  const db = openDatabase(join(root, 'data', 'rebalancer.sqlite'));
  let written;
  try {
    written = fillBusyDay(new SqliteStore(db), new SqliteReportStore(db));
  } finally {
    db.close();
  }
  console.log(`a busy day at 500 tickers: ${written.orders} orders, ${written.fills} fills, ${written.breaches} breaches`);
  await report(root, 'end');
  console.log('| summary | charts in the email | CPU time (each run) | peak memory (RSS, each run) | highest |');
  console.log('|---|---|---|---|---|');
  const failures: string[] = [];
  for (const { kind, charts } of KINDS) {
    const runs: Measured[] = [];
    for (let i = 0; i < RUNS; i += 1) runs.push(await report(root, kind));
    const highest = Math.max(...runs.map((r) => r.maxRssMb));
    const shown = [...new Set(runs.map((r) => r.charts.join(', ') || 'none'))].join(' / ');
    console.log(
      `| \`report --kind ${kind} --send\` | ${shown} | ${runs.map((r) => (r.cpuMs / 1000).toFixed(2)).join(' / ')} s | ` +
        `${runs.map((r) => r.maxRssMb.toFixed(0)).join(' / ')} MB | ${highest.toFixed(1)} MB |`,
    );
    if (highest >= MEMORY_GOAL_MB) failures.push(`${kind}: peak memory ${highest.toFixed(1)} MB`);
    if (runs.some((r) => charts.some((c) => !r.charts.includes(c)))) failures.push(`${kind}: the email lacks ${charts.join(' or ')}`);
  }
  console.log(failures.length === 0 ? `met: peak memory under ${MEMORY_GOAL_MB} MB in every run, each email with its charts` : '');
  for (const failure of failures) console.log(`NOT met: ${failure}`);
  if (failures.length > 0) process.exitCode = 1;
} finally {
  rmSync(root, { recursive: true, force: true });
}
