/**
 * One home: every command finds the same records wherever it is started from (REBALANCER_HOME, which the installed
 * `rebalancer` sets, else the working directory when it is a home); commands other than `run` never create
 * records, and elsewhere name where they looked and exit 2; the kill switch never depends on the database.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, writeForecast, type CliResult } from '../support/cli.js';

// Monday 23 November 2026, 10:35 and 11:35 in New York: the market is open.
const IN_SESSION = '2026-11-23T15:35:00Z';
const AN_HOUR_LATER = '2026-11-23T16:35:00Z';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}

/** An install directory with the defaults (./forecasts, ./data, ./logs) and the strategy's file; no records yet. */
function install(): string {
  const home = tempDir('rebalancer-home-');
  mkdirSync(join(home, 'forecasts'));
  writeForecast(join(home, 'forecasts'), 'trend.json', {
    strategy: 'trend',
    asOf: '2026-11-23T14:00:00Z',
    leverage: 1,
    weights: { SPY: 0.4, TLT: 0.3 },
  });
  return home;
}

/** The home after its first run, as `npm start` (or cron, started in the install directory) leaves it. */
async function homeWithRecords(): Promise<string> {
  const home = install();
  const first = await runCli(['run', '--now', IN_SESSION], { cwd: home });
  expect(first.code, first.stdout + first.stderr).toBe(0);
  expect(existsSync(join(home, 'data', 'rebalancer.sqlite'))).toBe(true);
  return home;
}

/** Every entry under `dir`, recursively: what a command left behind. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const OPERATOR_COMMANDS: string[][] = [
  ['halt', '--reason', 'emergency'],
  ['resume', '--reason', 'checked'],
  ['status'],
  ['status', '--json'],
  ['reconcile'],
  ['reconcile', '--accept', 'SPY', '--reason', 'hand-bought'],
  ['plan', '--now', IN_SESSION],
  ['plan', '--json', '--now', IN_SESSION],
  ['report', '--kind', 'end', '--now', IN_SESSION],
  ['retire', 'trend', '--reason', 'gone'],
];

describe('one home', () => {
  it('halt from another directory reaches the home: it prints the HALT file and the database, and the next run in the home is halted', async () => {
    const home = await homeWithRecords();
    const elsewhere = tempDir('rebalancer-elsewhere-');
    const halt = await runCli(['halt', '--reason', 'emergency'], { cwd: elsewhere, env: { REBALANCER_HOME: home } });
    expect(halt.code, halt.stderr).toBe(0);
    expect(halt.stderr).toBe('');
    expect(halt.stdout).toContain('kill switch ON: emergency');
    expect(halt.stdout).toContain(`HALT file ${join(home, 'data', 'HALT')}; home ${home} (from REBALANCER_HOME)`);
    expect(halt.stdout).toContain(`recorded in ${join(home, 'data', 'rebalancer.sqlite')}`);
    expect(JSON.parse(readFileSync(join(home, 'data', 'HALT'), 'utf8'))).toMatchObject({ reason: 'emergency' });
    expect(tree(elsewhere)).toEqual([]);

    // cron's run, in the install directory
    const run = await runCli(['run', '--now', AN_HOUR_LATER], { cwd: home });
    expect(run.code, run.stdout).toBe(3);
    expect(run.stdout).toMatch(/KILL_SWITCH: halted since .*: emergency/);

    const status = await runCli(['status'], { cwd: elsewhere, env: { REBALANCER_HOME: home } });
    expect(status.code).toBe(0);
    expect(status.stdout.split('\n')[0]).toBe(`home ${home} (from REBALANCER_HOME), database ${join(home, 'data', 'rebalancer.sqlite')}`);
    expect(status.stdout).toMatch(/KILL SWITCH ON since .*: emergency/);

    const resume = await runCli(['resume', '--reason', 'checked'], { cwd: elsewhere, env: { REBALANCER_HOME: home } });
    expect(resume.code).toBe(0);
    expect(resume.stdout).toContain(`home ${home} (from REBALANCER_HOME), database ${join(home, 'data', 'rebalancer.sqlite')}`);
    expect(resume.stdout).toMatch(/kill switch OFF \(it was on since .*: emergency\)/);
    expect(existsSync(join(home, 'data', 'HALT'))).toBe(false);
    const db = new Database(join(home, 'data', 'rebalancer.sqlite'), { readonly: true });
    const events = db.prepare('SELECT action, reason FROM halt_events ORDER BY rowid').all();
    db.close();
    expect(events).toEqual([
      { action: 'halt', reason: 'emergency' },
      { action: 'resume', reason: 'checked' },
    ]);
    expect(tree(elsewhere)).toEqual([]);
  });

  it('every command but run, started where there is no home, names where it looked and exits 2, creating nothing', async () => {
    const elsewhere = tempDir('rebalancer-nohome-');
    for (const args of OPERATOR_COMMANDS) {
      const r = await runCli(args, { cwd: elsewhere });
      expect(r.code, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(
        `no rebalancer home here: ${elsewhere} has no .env and no database ${join(elsewhere, 'data', 'rebalancer.sqlite')}, and REBALANCER_HOME is not set; nothing was created`,
      );
      expect(r.stdout).toBe('');
      expect(tree(elsewhere), args.join(' ')).toEqual([]);
    }
  });

  it('a REBALANCER_HOME that does not exist: every command, run too, exits 2 and creates nothing', async () => {
    const parent = tempDir('rebalancer-missing-');
    const missing = join(parent, 'ib-rebalancer');
    for (const args of [...OPERATOR_COMMANDS, ['run', '--now', IN_SESSION]]) {
      const r = await runCli(args, { cwd: parent, env: { REBALANCER_HOME: missing } });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`REBALANCER_HOME=${missing}: no such directory (${missing}); nothing was created`);
    }
    expect(tree(parent)).toEqual([]);
  });

  it('a home with its .env but no run yet: status and plan say so and create no records; reconcile exits 2; halt writes only the HALT file', async () => {
    const home = install();
    writeFileSync(join(home, '.env'), 'MAX_LEVERAGE=1.5\n', { mode: 0o600 });
    const elsewhere = tempDir('rebalancer-elsewhere-');
    const env = { REBALANCER_HOME: home };
    const status = await runCli(['status'], { cwd: elsewhere, env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/no records yet: the database .*data\/rebalancer\.sqlite does not exist \(nothing was created\)/);
    const plan = await runCli(['plan', '--now', IN_SESSION], { cwd: elsewhere, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('(no records yet: planned as the first run would)');
    expect(plan.stdout).toMatch(/SPY .* BUY/);
    const reconcile = await runCli(['reconcile'], { cwd: elsewhere, env });
    expect(reconcile.code).toBe(2);
    expect(reconcile.stderr).toMatch(/no records yet: the database .* does not exist/);
    expect(existsSync(join(home, 'data'))).toBe(false);

    const halt = await runCli(['halt', '--reason', 'not yet'], { cwd: elsewhere, env });
    expect(halt.code).toBe(0);
    expect(halt.stdout).toContain('no database yet: the halt is in the HALT file only');
    expect(readdirSync(join(home, 'data'))).toEqual(['HALT']);
    expect(tree(elsewhere)).toEqual([]);
    // The first run (cron's, in the install directory) finds the kill switch on.
    const run = await runCli(['run', '--now', IN_SESSION], { cwd: home });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/KILL_SWITCH: halted since .*: not yet/);
  });

  it("relative paths in the home's .env are resolved against the home, not where the command starts", async () => {
    const home = install();
    writeFileSync(join(home, '.env'), 'DATA_DIR=./records\nLOG_DIR=./journal\n', { mode: 0o600 });
    const elsewhere = tempDir('rebalancer-elsewhere-');
    const run = await runCli(['run', '--now', IN_SESSION], { cwd: elsewhere, env: { REBALANCER_HOME: home } });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(existsSync(join(home, 'records', 'rebalancer.sqlite'))).toBe(true);
    expect(existsSync(join(home, 'journal', 'rebalancer.log'))).toBe(true);
    expect(tree(elsewhere)).toEqual([]);
    const halt = await runCli(['halt', '--reason', 'x'], { cwd: elsewhere, env: { REBALANCER_HOME: home } });
    expect(halt.stdout).toContain(`HALT file ${join(home, 'records', 'HALT')}`);
  });

  it('a symlinked home: commands through the link act on the directory it leads to, and say so', async () => {
    const real = await homeWithRecords();
    const link = join(tempDir('rebalancer-link-'), 'current');
    symlinkSync(real, link);
    const elsewhere = tempDir('rebalancer-elsewhere-');
    const halt = await runCli(['halt', '--reason', 'via the link'], { cwd: elsewhere, env: { REBALANCER_HOME: link } });
    expect(halt.code).toBe(0);
    expect(halt.stdout).toContain(`home ${link} -> ${real} (from REBALANCER_HOME)`);
    expect(existsSync(join(real, 'data', 'HALT'))).toBe(true);
    const run = await runCli(['run', '--now', AN_HOUR_LATER], { cwd: real });
    expect(run.code).toBe(3);
  });

  it('halt works when the database is locked by another process: the HALT file is written and the failure to record it is a warning', async () => {
    const home = await homeWithRecords();
    const holder = new Database(join(home, 'data', 'rebalancer.sqlite'));
    holder.exec('BEGIN EXCLUSIVE');
    let halt: CliResult;
    try {
      halt = await runCli(['halt', '--reason', 'while locked'], { cwd: tempDir('rebalancer-elsewhere-'), env: { REBALANCER_HOME: home } });
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    expect(halt.code, halt.stderr).toBe(0);
    expect(halt.stdout).toContain(`HALT file ${join(home, 'data', 'HALT')}`);
    expect(halt.stderr).toMatch(
      /warning: the halt is in effect \(runs read the HALT file\), but it could not be recorded: .*rebalancer\.sqlite/,
    );
    const run = await runCli(['run', '--now', AN_HOUR_LATER], { cwd: home });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/KILL_SWITCH: halted since .*: while locked/);
  });

  it('halt works when the database is corrupt', async () => {
    const home = await homeWithRecords();
    const file = join(home, 'data', 'rebalancer.sqlite');
    for (const side of ['-wal', '-shm']) rmSync(file + side, { force: true });
    writeFileSync(file, 'this is not a database'.repeat(400));
    const halt = await runCli(['halt', '--reason', 'corrupt'], { cwd: tempDir('rebalancer-elsewhere-'), env: { REBALANCER_HOME: home } });
    expect(halt.code, halt.stderr).toBe(0);
    expect(halt.stderr).toMatch(/could not be recorded: .*rebalancer\.sqlite/);
    expect(JSON.parse(readFileSync(join(home, 'data', 'HALT'), 'utf8'))).toMatchObject({ reason: 'corrupt' });
  });
});

describe('crontab.example, as written', () => {
  it('its line (cd into the install directory, then run) uses that home; a halt typed elsewhere stops it', async () => {
    // The install directory: the built program (linked in) and the defaults, as a clone after `npm ci && npm run build`.
    const home = install();
    symlinkSync(resolve(import.meta.dirname, '../../dist'), join(home, 'dist'));
    mkdirSync(join(home, 'logs'));
    const line = readFileSync(resolve(import.meta.dirname, '../../crontab.example'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('35 '));
    const command = (line ?? '').split(/\s+/).slice(5).join(' ').replaceAll('/path/to/ib-rebalancer', home);
    expect(command).toMatch(/^cd .* && flock .* node dist\/cli\/rebalancer\.js run >> logs\/cron\.log 2>&1$/);
    const cron = (now: string): Promise<CliResult> =>
      typed('/bin/sh', ['-c', command], { cwd: '/', env: { PATH: process.env.PATH ?? '', SHELL: '/bin/bash', REBALANCER_NOW: now } });
    expect((await cron(IN_SESSION)).code).toBe(0);
    expect(existsSync(join(home, 'data', 'rebalancer.sqlite'))).toBe(true);
    expect(readFileSync(join(home, 'logs', 'cron.log'), 'utf8')).toMatch(/== plan/);
    const halt = await runCli(['halt', '--reason', 'from my laptop'], {
      cwd: tempDir('rebalancer-elsewhere-'),
      env: { REBALANCER_HOME: home },
    });
    expect(halt.code).toBe(0);
    expect((await cron(AN_HOUR_LATER)).code).toBe(3);
    expect(readFileSync(join(home, 'logs', 'cron.log'), 'utf8')).toMatch(/KILL_SWITCH: halted since .*: from my laptop/);
  });
});

/** A command as a person types it: looked up on PATH. */
function typed(command: string, args: string[], o: { cwd: string; env: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

describe('the install step (npm run install-cli)', () => {
  it('puts a working `rebalancer` on PATH: the commands the emails name work as written, from any directory', async () => {
    const home = await homeWithRecords();
    const user = tempDir('rebalancer-user-');
    const bin = join(user, '.local', 'bin');
    const systemPath = process.env.PATH ?? '/usr/bin:/bin';
    const installed = await runCli(['install'], { cwd: home, env: { HOME: user, PATH: systemPath } });
    // `install` binds the directory the program is installed in by default; here the test names its home.
    expect(installed.code).toBe(0);
    const named = await runCli(['install', '--home', home], { cwd: home, env: { HOME: user, PATH: systemPath } });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toContain(`installed ${join(bin, 'rebalancer')}`);
    expect(named.stdout).toContain(`home ${home}`);
    expect(named.stdout).toContain(`note: ${bin} is not on your PATH`);
    expect(statSync(join(bin, 'rebalancer')).mode & 0o777).toBe(0o755);

    const shell = { HOME: user, PATH: `${bin}:${systemPath}`, TZ: 'UTC' };
    const elsewhere = tempDir('rebalancer-elsewhere-');
    const halt = await typed('rebalancer', ['halt', '--reason', 'typed from an email'], { cwd: elsewhere, env: shell });
    expect(halt.code, halt.stderr).toBe(0);
    expect(halt.stdout).toContain(`HALT file ${join(home, 'data', 'HALT')}`);
    // The kill switch is on: plan says a run would be blocked (exit 3), the others exit 0.
    for (const args of [['status'], ['plan', '--now', AN_HOUR_LATER], ['reconcile']]) {
      const r = await typed('rebalancer', args, { cwd: elsewhere, env: shell });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(args[0] === 'plan' ? 3 : 0);
      expect(r.stdout).toContain(`home ${home} (from REBALANCER_HOME)`);
    }
    expect((await typed('rebalancer', ['resume', '--reason', 'ok'], { cwd: elsewhere, env: shell })).code).toBe(0);
    expect(existsSync(join(home, 'data', 'HALT'))).toBe(false);
    expect(tree(elsewhere)).toEqual([]);

    // Installing again replaces its own file; a file it did not write is left alone unless --force.
    expect((await runCli(['install', '--home', home], { cwd: home, env: { HOME: user, PATH: shell.PATH } })).code).toBe(0);
    writeFileSync(join(bin, 'rebalancer'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
    const refused = await runCli(['install', '--home', home], { cwd: home, env: { HOME: user, PATH: shell.PATH } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${join(bin, 'rebalancer')} exists and was not written by this step`);
    expect(readFileSync(join(bin, 'rebalancer'), 'utf8')).toBe('#!/bin/sh\necho mine\n');
    expect((await runCli(['install', '--home', home, '--force'], { cwd: home, env: { HOME: user, PATH: shell.PATH } })).code).toBe(0);
  });

  it('a home path with spaces and quotes survives the wrapper', async () => {
    const parent = tempDir('rebalancer-odd-');
    const home = join(parent, "it's my rebalancer");
    mkdirSync(home);
    writeFileSync(join(home, '.env'), '', { mode: 0o600 });
    const user = tempDir('rebalancer-user-');
    const r = await runCli(['install', '--home', home, '--bin-dir', join(user, 'bin')], { cwd: parent, env: { HOME: user } });
    expect(r.code, r.stderr).toBe(0);
    const status = await typed(join(user, 'bin', 'rebalancer'), ['status'], { cwd: user, env: { PATH: process.env.PATH ?? '' } });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`home ${home} (from REBALANCER_HOME)`);
  });
});
