import { mkdirSync, openSync, closeSync, writeSync, readFileSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { LockHeldError, StorageError } from '../errors.js';

/** What the lock file says about its holder. */
export interface LockHolder {
  pid: number;
  startedAt: string;
  runId: string;
}

export interface RunLock {
  readonly path: string;
  release(): void;
}

/**
 * Take the run lock: a file created with O_EXCL holding the holder's pid. A lock whose process is gone
 * (a run killed with -9, a machine that rebooted) is stale and is taken over; a lock held by a live
 * process throws {@link LockHeldError} at once, without waiting: the next hourly run will try again.
 * This complements `flock` in the crontab, which does the same for overlapping cron starts.
 */
export function acquireRunLock(path: string, holder: LockHolder): RunLock {
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      try {
        writeSync(fd, JSON.stringify(holder) + '\n');
      } finally {
        closeSync(fd);
      }
      return { path, release: () => releaseIfOurs(path, holder.pid) };
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) {
        throw new StorageError(`cannot create the run lock ${path}: ${describe(error)}`, path, { cause: error });
      }
    }
    const current = readHolder(path);
    if (current && isProcessAlive(current.pid) && current.pid !== holder.pid) {
      throw new LockHeldError(
        `another run holds the lock ${path} (pid ${current.pid}, run ${current.runId}, since ${current.startedAt})`,
        current.pid,
      );
    }
    // Stale: its holder is gone (or the file is unreadable, which only a crash mid-write leaves).
    removeQuietly(path);
  }
  throw new LockHeldError(`could not take the run lock ${path}: another process keeps recreating it`);
}

/** The current holder of the lock, if the file exists and parses. */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && typeof parsed.pid === 'number') {
      return parsed as LockHolder;
    }
    return undefined;
  } catch {
    return undefined;
  }
}

function releaseIfOurs(path: string, pid: number): void {
  const current = readHolder(path);
  if (current === undefined || current.pid === pid) removeQuietly(path);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    return isErrno(error, 'EPERM');
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw new StorageError(`cannot remove the run lock ${path}: ${describe(error)}`, path);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && (error as NodeJS.ErrnoException).code === code;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
