/**
 * Fault matrix, storage faults: the database busy, read-only, corrupt, the disk full (before and during a run),
 * the trades CSV not writable. The rule under test: the run sends no order it cannot record, says why, exits 1,
 * and the last good records survive.
 *
 * How the faults are made, without root-only mounts:
 * - busy: this process holds a write transaction (BEGIN IMMEDIATE) longer than the run's 5 s busy timeout;
 * - read-only: the database file belongs to another user and the run cannot write it (as root, where modes do
 *   not bite, the run is started as uid 65534 on a workspace it owns, but for the database file);
 * - disk full: RLIMIT_FSIZE (`prlimit --fsize=0`): every write that would grow a file fails (EFBIG), which is
 *   what SQLite, the log and the CSV meet on a full disk (they see ENOSPC there; both are short or failed
 *   writes). `PRAGMA max_page_count` was rejected: it is per connection (the run opens its own) and lets writes
 *   that fit in free pages through; a tiny tmpfs needs root. `prlimit --pid` strikes a run already in flight;
 * - corrupt: the database's pages overwritten with garbage, its header kept;
 * - trades CSV not writable: a directory where trades.csv should be.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, writeForecast } from '../support/cli.js';
import { startSmtpSink, type SmtpSink } from '../email/smtp-sink.js';
import {
  FaultGateway,
  OPEN,
  baseScenario,
  databaseFile,
  expectAlert,
  expectNoFillLost,
  expectNoOrderSentTwice,
  expectPositionsAtMost,
  expectRecordsAgreeWithBroker,
  hasProgram,
  plus,
  rebalancer,
  records,
  runJob,
  startJob,
  subjectOf,
  tradesCsvExecIds,
  transcript,
  trendForecast,
  until,
  useFaultKit,
  workspace,
  type Workspace,
} from './support/kit.js';

useFaultKit();

const sinks: SmtpSink[] = [];
afterEach(async () => {
  for (const sink of sinks.splice(0)) await sink.close();
});

const TARGETS = { AAPL: 184, MSFT: 85, SPY: 38 };
const SLOW_FILLS = { fills: { partialFillProbability: 0, maxStepValue: 5000 } };
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

/** One good hourly run at the open, then the next hour's fills collected: the "last good records". */
async function goodHistory(ws: Workspace, gw: FaultGateway): Promise<{ snapshots: number; fills: string[]; csv: string }> {
  expect((await runJob(ws, OPEN, gw.env)).code).toBe(0);
  gw.now = plus(OPEN, 60);
  const second = await runJob(ws, plus(OPEN, 60), gw.env);
  expect(second.code, transcript(second)).toBe(0);
  const r = records(ws);
  expect(r.fills).toHaveLength(3);
  return { snapshots: r.snapshots.length, fills: r.fills.map((f) => f.exec_id), csv: readFileSync(join(ws.data, 'trades.csv'), 'utf8') };
}

/** The last good records are all still there, unchanged. */
function expectHistoryKept(ws: Workspace, history: { snapshots: number; fills: string[]; csv: string }): void {
  const r = records(ws);
  expect(r.snapshots.length).toBeGreaterThanOrEqual(history.snapshots);
  expect(r.fills.map((f) => f.exec_id)).toEqual(expect.arrayContaining(history.fills));
  expect(readFileSync(join(ws.data, 'trades.csv'), 'utf8').startsWith(history.csv)).toBe(true);
}

/** What keeps a user other than the owner from running `file` (a directory above it not o+x, or the file not o+r). */
function closedToOthers(file: string): string | undefined {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir))
    if ((statSync(dir).mode & 0o001) === 0) return `${dir} is not o+x`;
  return (statSync(file).mode & 0o004) === 0 ? `${file} is not o+r` : undefined;
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

describe('fault matrix: storage', () => {
  it('database busy: another connection holds the write lock past the busy timeout; exit 1 before reaching the broker, alert says locked, records kept', async () => {
    // Fault: a person's sqlite3 shell (or a backup tool) holds a write transaction open during the hourly run.
    // Expected: the run waits out its busy timeout (5 s), then exits 1 without connecting to IB, and says the
    // database is locked by another process. Not lost: the earlier records; the next run works once released.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const history = await goodHistory(ws, gw);
    const connections = gw.connections();

    const holder = new Database(databaseFile(ws));
    holder.exec('BEGIN IMMEDIATE');
    let busy;
    try {
      gw.now = plus(OPEN, 120);
      busy = await runJob(ws, plus(OPEN, 120), gw.env);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(busy.code, transcript(busy)).toBe(1);
    expect(busy.stderr).toMatch(
      /run failed, no orders sent: storage error: .*rebalancer\.sqlite: could not record the start of run .*: the database is locked by another process/,
    );
    expect(gw.connections(), 'no connection to the broker').toBe(connections);
    expectAlert(ws, /FAILED: storage error: .*rebalancer\.sqlite/, /database is locked by another process/);
    expectHistoryKept(ws, history);

    const next = await runJob(ws, plus(OPEN, 121), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expectNoFillLost(ws, gw.account());
  });

  it('database read-only: the run cannot write the file; exit 1 before reaching the broker, alert says read-only, records kept', async () => {
    // Fault: the database belongs to another user (someone ran `sudo rebalancer run` once) or was made read-only.
    // Expected: exit 1 at the first write, before connecting to IB; the message says read-only and what to fix.
    // Not lost: the database as it was (not replaced, not emptied); the earlier fills.
    // As root the run is started as uid 65534, which must reach node and the built command. Not a skip where it
    // cannot: CI would then pass without this fault.
    if (isRoot)
      for (const needed of [process.execPath, CLI]) expect(closedToOthers(needed), `uid ${NOBODY} must run ${needed}`).toBeUndefined();
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const history = await goodHistory(ws, gw);
    const connections = gw.connections();
    const file = databaseFile(ws);
    const before = readFileSync(file);
    let user: { uid?: number; gid?: number } = {};
    if (isRoot) {
      chmodSync(ws.root, 0o755);
      chownTree(ws.root, NOBODY);
      chownSync(file, 0, 0);
      chmodSync(file, 0o644);
      user = { uid: NOBODY, gid: NOBODY };
    } else {
      chmodSync(file, 0o444);
    }
    gw.now = plus(OPEN, 120);
    const ro = await startJob(ws, plus(OPEN, 120), gw.env, user).done;
    chmodSync(file, 0o644);
    expect(ro.code, transcript(ro)).toBe(1);
    expect(ro.stderr).toMatch(
      /run failed, no orders sent: storage error: .*rebalancer\.sqlite: could not .*: (the database is read-only|the database file cannot be opened)/,
    );
    expect(gw.connections(), 'no connection to the broker').toBe(connections);
    expectAlert(ws, /FAILED: storage error: .*rebalancer\.sqlite/, /read-only|cannot be opened/);
    expect(readFileSync(file).equals(before), 'the database file is unchanged').toBe(true);
    expectHistoryKept(ws, history);
  });

  it.skipIf(!hasProgram('prlimit'))(
    'disk full before the run: no write succeeds; exit 1 before reaching the broker, the alert still reaches a person by SMTP, records kept',
    async () => {
      // Fault: the disk is full when cron starts the run (logs filled it overnight).
      // Expected: the run cannot even take its lock; it exits 1 without connecting to IB, says why on stderr (cron
      // mails it), and the alert goes out by SMTP, which needs no disk. Not lost: the database and trades.csv.
      const ws = workspace();
      const gw = await FaultGateway.start(ws, baseScenario());
      const history = await goodHistory(ws, gw);
      const connections = gw.connections();
      const dbBefore = readFileSync(databaseFile(ws));
      const sink = await startSmtpSink();
      sinks.push(sink);
      const env = { ...gw.env, SMTP_URL: sink.url(), MAIL_TO: 'trader@example.com' };

      gw.now = plus(OPEN, 120);
      const full = await startJob(ws, plus(OPEN, 120), env, { wrap: ['prlimit', '--fsize=0'] }).done;
      expect(full.code, transcript(full)).toBe(1);
      expect(full.stderr).toMatch(
        /run failed, no orders sent: storage error: cannot create the run lock .*run\.lock: .*(EFBIG|ENOSPC|SQLITE_IOERR|SQLITE_FULL)/,
      );
      expect(gw.connections(), 'no connection to the broker').toBe(connections);
      // (The start-of-day email that waited in the outbox goes out first: reading the outbox needs no space.)
      const alerts = sink.received.map((m) => subjectOf(m.raw)).filter((s) => / FAILED: /.test(s));
      expect(alerts).toEqual([
        expect.stringMatching(/FAILED: storage error: cannot create the run lock .*run\.lock: (EFBIG|SQLITE_IOERR|SQLITE_FULL)/),
      ]);
      expect(readFileSync(databaseFile(ws)).equals(dbBefore), 'the database file is unchanged').toBe(true);
      expectHistoryKept(ws, history);

      // Space freed: the empty lock the failed write left is taken over, and the next run trades.
      const next = await runJob(ws, plus(OPEN, 121), gw.env);
      expect(next.code, transcript(next)).toBe(0);
      expectNoFillLost(ws, gw.account());
    },
  );

  it.skipIf(!hasProgram('prlimit'))(
    'disk full in the middle of submitting: the order that cannot be recorded as sent stops the run, no later order goes out, the alert reaches a person; the next run reconciles it and loses no fill',
    async () => {
      // Fault: the disk fills up after the first order reached IB, before the run could record it as sent.
      // Expected: that write fails, the run stops at once (no second order), exits 1, and the alert goes out by
      // SMTP; the log's lost lines do not crash the run. The next run (space freed) finds the order by its orderRef,
      // collects its fills, keeps it for the plan (ORDER_UPDATES=modify: left working as it is), and buys only what
      // is missing.
      // Not lost: the order's intent (written before it was sent), its fills, the earlier records.
      const ws = workspace();
      const scenario = baseScenario(SLOW_FILLS);
      const gw = await FaultGateway.start(ws, { ...scenario, gateway: { faults: { answerDelayMs: 150 } } });
      const sink = await startSmtpSink();
      sinks.push(sink);
      const env = { ...gw.env, SMTP_URL: sink.url(), MAIL_TO: 'trader@example.com' };

      // Orders go out pipelined, at the pacing's pace: at 2 a second the next order's turn comes 250 ms after the first
      // (the bucket holds 1.5), after the first one's answer (150 ms), whose record fails on the full disk.
      const run = startJob(ws, OPEN, { ...env, IB_MESSAGES_PER_SECOND: '2' });
      await until(() => gw.placed().length >= 1, 'the first order to reach the gateway');
      execFileSync('prlimit', ['--pid', String(run.child.pid), '--fsize=0']);
      const full = await run.done;
      expect(full.code, transcript(full)).toBe(1);
      expect(full.stdout).toMatch(/RUN FAILED: storage: .*rebalancer\.sqlite: could not record order rebal:\S+:AAPL as sent: /);
      expect(full.stderr).toMatch(/warning: cannot write the log file .*rebalancer\.log \(EFBIG/);
      expect(
        gw.placed().map((o) => o.symbol),
        'no order after the one that could not be recorded',
      ).toEqual(['AAPL']);
      const alerts = sink.received.filter((m) => / FAILED: /.test(subjectOf(m.raw)));
      // The subject is cut at 120 characters; the body names the order in full.
      expect(alerts.map((m) => subjectOf(m.raw))).toEqual([expect.stringMatching(/FAILED: storage: .*could not record order rebal:/)]);
      expect(alerts[0]?.raw.replace(/=\r?\n/g, '')).toMatch(/could not record order rebal:\S+:AAPL/);
      const ref = gw.placed()[0]?.orderRef ?? '';
      // The batch's intents were recorded before the first order left; the full disk kept every later write out.
      expect(records(ws).orders.map((o) => [o.symbol, o.status])).toEqual([
        ['AAPL', 'Intent'],
        ['MSFT', 'Intent'],
        ['SPY', 'Intent'],
      ]);
      expect(records(ws).orders[0]?.order_ref).toBe(ref);

      gw.now = plus(OPEN, 5);
      await gw.restart(scenario);
      const next = await runJob(ws, plus(OPEN, 5), gw.env);
      expect(next.code, transcript(next)).toBe(0);
      expect(next.stdout).toContain(`left working as it is: ${ref} (order 1, `);
      expect((await runJob(ws, plus(OPEN, 5), gw.env, ['--dry-run'])).code).toBe(0);
      expectNoOrderSentTwice(gw.placed());
      expectPositionsAtMost(gw.account(), TARGETS);
      expectNoFillLost(ws, gw.account());
      expectRecordsAgreeWithBroker(ws, gw.account());
    },
  );

  it('corrupt database: exit 1 before reaching the broker, alert says corrupt, the file is left for inspection; moved aside, the new database does not know the old runs (FOREIGN_ORDERS, halted until resumed), then trades again without a duplicate row in trades.csv', async () => {
    // Fault: the database's pages are garbage (a failing disk, a bad restore).
    // Expected: exit 1 without connecting to IB; the message names the file and says to restore or move it aside.
    // After the person moves the file aside, the new database knows none of the runs whose fills IB reports: they
    // are FOREIGN_ORDERS (exit 3, kill switch on, nothing recorded as ours); once the person resumes, runs trade.
    // Not lost: the corrupt file itself (never overwritten), trades.csv (every fill once), the fills named in the
    // alert and the breaches table.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const history = await goodHistory(ws, gw);
    const connections = gw.connections();
    const file = databaseFile(ws);
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);
    const corrupt = readFileSync(file);

    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), gw.env);
    expect(r.code, transcript(r)).toBe(1);
    expect(r.stderr).toMatch(
      /run failed, no orders sent: storage error: .*rebalancer\.sqlite: could not .*: the (database file is corrupt|file is not a SQLite database)/,
    );
    expect(gw.connections(), 'no connection to the broker').toBe(connections);
    expectAlert(ws, /FAILED: storage error: .*rebalancer\.sqlite/, /restore it from a backup, or move it aside/);
    expect(readFileSync(file).equals(corrupt), 'the corrupt file is left as it was').toBe(true);
    expect(readFileSync(join(ws.data, 'trades.csv'), 'utf8')).toBe(history.csv);

    renameSync(file, `${file}.corrupt`);
    const rebuilt = await runJob(ws, plus(OPEN, 121), gw.env);
    expect(rebuilt.code, transcript(rebuilt)).toBe(3);
    expect(rebuilt.stdout).toMatch(/FOREIGN_ORDERS/);
    expect(records(ws).fills, 'fills of runs the new database never made are not taken as its own').toEqual([]);
    expect(records(ws).breaches.filter((b) => b.code === 'FOREIGN_ORDERS')).toHaveLength(3);
    expectAlert(ws, /BLOCKED: FOREIGN_ORDERS/, /restored from an old copy/);
    expect(gw.placed()).toHaveLength(3);

    const resumed = await rebalancer(ws, ['resume', '--reason', 'database rebuilt'], { ...gw.env, REBALANCER_NOW: plus(OPEN, 125) });
    expect(resumed.code, transcript(resumed)).toBe(0);
    gw.now = plus(OPEN, 180);
    const after = await runJob(ws, plus(OPEN, 180), gw.env);
    expect(after.code, transcript(after)).toBe(0);
    expect(after.stdout).toMatch(/0 new row\(s\) in .*trades\.csv/);
    expectNoOrderSentTwice(gw.placed());
    expect(gw.placed(), 'the positions were already at target: nothing bought again').toHaveLength(3);
    // Every fill at the broker is in trades.csv once; the old runs' records stay in the file set aside.
    expect(tradesCsvExecIds(ws).sort()).toEqual((gw.account()?.executions ?? []).map((e) => e.execId).sort());
  });

  it('trades CSV not writable (a directory in its place): no order is sent, exit 1 and the alert says why; fixed, the next run trades and every fill is in trades.csv once', async () => {
    // Fault: trades.csv cannot be appended to (here a directory stands where the file was).
    // Expected: the run checks that it can record before it trades: exit 1, no connection to IB, no order.
    // Not lost: the file (set aside by whoever made the directory), the fills in SQLite, and, once the file is
    // back, every execution in trades.csv exactly once.
    const ws = workspace();
    const gw = await FaultGateway.start(ws, baseScenario());
    const history = await goodHistory(ws, gw);
    const connections = gw.connections();
    const csv = join(ws.data, 'trades.csv');
    renameSync(csv, `${csv}.saved`);
    mkdirSync(csv);

    // The strategy changes its mind (KO instead of SPY), so the run has orders to send.
    writeForecast(ws.forecasts, 'trend.json', trendForecast(plus(OPEN, 110), { AAPL: 0.3, MSFT: 0.3, KO: 0.2 }));
    gw.now = plus(OPEN, 120);
    const r = await runJob(ws, plus(OPEN, 120), gw.env);
    expect(r.code, transcript(r)).toBe(1);
    expect(r.stderr).toMatch(
      /run failed, no orders sent: storage error: .*trades\.csv: could not open the trades CSV for appending: the path is a directory, not a file/,
    );
    expect(gw.connections(), 'no connection to the broker').toBe(connections);
    expect(gw.placed()).toHaveLength(3);
    expectAlert(ws, /FAILED: storage error: .*trades\.csv/);

    rmdirSync(csv);
    renameSync(`${csv}.saved`, csv);
    expectHistoryKept(ws, history);
    const next = await runJob(ws, plus(OPEN, 121), gw.env);
    expect(next.code, transcript(next)).toBe(0);
    expect(gw.placed().length, 'the new weights are traded once the CSV is back').toBeGreaterThan(3);
    gw.now = plus(OPEN, 180);
    expect((await runJob(ws, plus(OPEN, 180), gw.env, ['--dry-run'])).code).toBe(0);
    expectNoOrderSentTwice(gw.placed());
    expectNoFillLost(ws, gw.account());
    expect(tradesCsvExecIds(ws).length).toBe(new Set(tradesCsvExecIds(ws)).size);
  });
});
