import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { acquireRunLock } from '../../src/adapters/files/run-lock.js';
import { LockHeldError } from '../../src/errors.js';

const BUILT = resolve(import.meta.dirname, '../../dist/src/adapters/files/run-lock.js');
const holder = (runId: string) => ({ pid: process.pid, startedAt: '2026-11-23T15:35:00Z', runId });

/** Another process that takes the lock and keeps it until killed; resolves once it holds it. */
function holdInChild(path: string): Promise<{ kill: () => Promise<void> }> {
  const script = `const { acquireRunLock } = await import(${JSON.stringify(BUILT)});
    acquireRunLock(${JSON.stringify(path)}, { pid: process.pid, startedAt: 'now', runId: 'child' });
    console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((done) => {
    child.stdout.on('data', () =>
      done({
        kill: () =>
          new Promise((gone) => {
            child.once('close', () => gone());
            child.kill('SIGKILL');
          }),
      }),
    );
  });
}

describe('the run lock', () => {
  it('refuses a second holder at once, naming the first, and is free again after release', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    const first = acquireRunLock(path, holder('first'));
    expect(() => acquireRunLock(path, holder('second'))).toThrow(LockHeldError);
    expect(() => acquireRunLock(path, holder('second'))).toThrow(/another run holds the lock .*run\.lock \(pid \d+, run first/);
    first.release();
    expect(existsSync(path)).toBe(false);
    acquireRunLock(path, holder('third')).release();
  });

  it('is held across processes, and freed by the kernel when its holder is killed with -9', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    const child = await holdInChild(path);
    expect(() => acquireRunLock(path, holder('mine'))).toThrow(/run child/);
    await child.kill();
    // The killed run left its description behind; it does not matter, the kernel lock is gone.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ runId: 'child' });
    const lock = acquireRunLock(path, holder('mine'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ runId: 'mine' });
    lock.release();
  });

  it('is not fooled by a lock file naming a live process that does not hold the lock', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    writeFileSync(path, JSON.stringify({ pid: process.pid, startedAt: 'earlier', runId: 'ghost' }));
    const lock = acquireRunLock(path, holder('real'));
    lock.release();
  });

  it('knows when a stray rm took its files away: a second run can then lock beside it, and the first says it lost the lock', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lock-'));
    const path = join(dir, 'run.lock');
    const first = acquireRunLock(path, holder('first'));
    expect(first.lost()).toBeUndefined();
    rmSync(`${path}.db`);
    rmSync(path);
    expect(first.lost()).toMatch(/run lock .*run\.lock\.db was removed or replaced during the run/);
    const second = acquireRunLock(path, holder('second'));
    expect(second.lost()).toBeUndefined();
    expect(first.lost()).toMatch(/removed or replaced/);
    second.release();
    first.release();
  });

  it('knows when its file was replaced by another of the same name', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lock-')), 'run.lock');
    const lock = acquireRunLock(path, holder('first'));
    renameSync(`${path}.db`, `${path}.old`);
    writeFileSync(`${path}.db`, '');
    expect(lock.lost()).toMatch(/removed or replaced/);
    lock.release();
  });
});
