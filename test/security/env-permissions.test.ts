/**
 * The `.env` file may hold the SMTP password: when users other than its owner may read or write it (any of
 * mode & 0o077), every command says so on stderr and in the log, naming the file and the fix. A 0600 file
 * gets no warning. The mode is checked, not an attempt to read the file, so this holds when tests run as root.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import { expectNoStackTrace, transcriptOf } from '../properties/support/checks.js';

const WEEKEND = '2026-11-21T15:35:00Z';
const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('the .env permission check', () => {
  it('warns for every mode that lets group or others in, and never for owner-only modes', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rebalancer-env-mode-'));
    roots.push(cwd);
    const file = join(cwd, '.env');
    writeFileSync(file, 'SMTP_URL=smtps://bot:hunter2@mail.example.com:465\nMAIL_TO=me@example.com\n');
    // The owner keeps read and write (so the file can be read when not root); every group/other bit is tried.
    for (let others = 0; others <= 0o077; others += 1) {
      for (const owner of [0o600, 0o400, 0o700]) {
        const mode = owner | others;
        chmodSync(file, mode);
        const { permissionWarning } = loadConfig({ cwd, env: {} });
        if (others === 0) {
          expect(permissionWarning, mode.toString(8)).toBeUndefined();
        } else {
          expect(permissionWarning, mode.toString(8)).toBe(
            `${file} is readable or writable by other users (mode 0${mode.toString(8)}); it holds the settings and may hold the SMTP password. Fix: chmod 600 .env`,
          );
        }
      }
    }
  });

  it('names the file by its full path in the fix when it is not in the working directory', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'rebalancer-env-mode-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'rebalancer-env-elsewhere-'));
    roots.push(cwd, elsewhere);
    const file = join(elsewhere, 'prod.env');
    writeFileSync(file, 'MAX_LEVERAGE=1\n', { mode: 0o640 });
    chmodSync(file, 0o640);
    expect(loadConfig({ cwd, env: {}, envFile: file }).permissionWarning).toMatch(
      new RegExp(`\\(mode 0640\\).* Fix: chmod 600 ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
    );
  });
});

describe('the built command, with a .env file other users can read', () => {
  function workspaceWithEnv(mode: number): ReturnType<typeof makeWorkspace> & { env: Record<string, string>; file: string } {
    const ws = makeWorkspace('rebalancer-env-mode-cli-');
    roots.push(ws.root);
    const file = join(ws.root, '.env');
    writeFileSync(file, `FORECAST_DIR=${ws.forecasts}\nDATA_DIR=${ws.data}\nLOG_DIR=${ws.logs}\n`);
    chmodSync(file, mode);
    return { ...ws, env: {}, file };
  }

  it('prints the warning on stderr and logs it, for the hourly run and for the other commands', async () => {
    const ws = workspaceWithEnv(0o644);
    const run = await runCli(['run', '--now', WEEKEND], { cwd: ws.root, env: ws.env });
    const status = await runCli(['status'], { cwd: ws.root, env: ws.env });
    for (const r of [run, status]) {
      expect(r.code, transcriptOf(r)).not.toBe(2);
      expectNoStackTrace(r);
      expect(r.stderr, transcriptOf(r)).toContain(`warning: ${ws.file} is readable or writable by other users (mode 0644)`);
      expect(r.stderr).toContain('Fix: chmod 600 .env');
      expect(r.stdout).not.toContain('chmod');
    }
    const log = readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    const warnings = log.filter((l) => l.msg.includes('readable or writable by other users'));
    expect(warnings.length).toBe(2);
    expect(warnings.every((l) => l.level === 40 && l.msg.includes(ws.file) && l.msg.endsWith('chmod 600 .env'))).toBe(true);
  });

  it('says nothing about a 0600 file', async () => {
    const ws = workspaceWithEnv(0o600);
    const r = await runCli(['run', '--now', WEEKEND], { cwd: ws.root, env: ws.env });
    expect(r.code, transcriptOf(r)).toBe(0);
    expect(r.stderr).toBe('');
    expect(readFileSync(join(ws.logs, 'rebalancer.log'), 'utf8')).not.toContain('other users');
  });
});
