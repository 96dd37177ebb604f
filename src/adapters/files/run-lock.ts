import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LockHeldError, StorageError } from '../../errors.js';
import type { LockHolder, RunLock } from '../../ports/run-lock.js';
import { writeFileAtomicSync } from '../../fs/atomic-write.js';

export type { LockHolder, RunLock };

/**
 * Take the run lock, or throw {@link LockHeldError} at once (the next hourly run will try again).
 *
 * The lock is a kernel lock: an exclusive SQLite transaction on `<path>.db`, held open for the life of the
 * run. The kernel releases it when the process ends, however it ends (kill -9, a crash, a reboot), so no
 * stale lock can ever block trading, and two processes can never both believe they hold it: there is no
 * window between checking and taking, and no process id to guess about. `<path>` itself is a small JSON
 * file naming the holder, written once the lock is held, only for messages and for people.
 * This complements `flock` in the crontab, and holds for `rebalancer schedule`, systemd and manual runs alike.
 */
export function acquireRunLock(path: string, holder: LockHolder): RunLock {
  const file = `${path}.db`;
  let db: Database.Database;
  let fresh: boolean;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fresh = !existsSync(file);
    db = new Database(file, { timeout: 0 });
  } catch (error) {
    throw new StorageError(`cannot create the run lock ${path}: ${describe(error)}`, path, { cause: error });
  }
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    db.close();
    if (isBusy(error)) {
      const current = readHolder(path);
      const who = current ? ` (pid ${current.pid}, run ${current.runId}, since ${current.startedAt})` : '';
      throw new LockHeldError(`another run holds the lock ${path}${who}`, current?.pid);
    }
    throw new StorageError(`cannot create the run lock ${path}: ${describe(error)}`, path, { cause: error });
  }
  try {
    writeFileAtomicSync(path, JSON.stringify(holder) + '\n');
  } catch (error) {
    release(db);
    throw new StorageError(`cannot create the run lock ${path}: ${describe((error as { cause?: unknown }).cause ?? error)}`, path, {
      cause: error,
    });
  }
  // A descriptor of our own on the locked file: the kernel's lock is on this inode, so if the name is removed or
  // replaced (a stray `rm`, a clean-up script), another run can lock a new file beside ours. We cannot stop that,
  // but we see it: the name no longer leads to our inode, or our inode has no name left.
  const identity = lockIdentity(file, db);
  return {
    path,
    fresh,
    lost: () => lostReason(file, identity),
    release: (options = {}) => {
      // The description first: once the kernel lock is gone another run may write its own.
      if (readHolder(path)?.runId === holder.runId) removeQuietly(path);
      // A file this run created, removed while still locked: no other run can have locked it in between.
      if (options.forget === true && fresh && lostReason(file, identity) === undefined) removeQuietly(file);
      closeQuietly(identity.fd);
      release(db);
    },
  };
}

interface LockIdentity {
  fd: number;
  dev: number;
  ino: number;
}

function lockIdentity(file: string, db: Database.Database): LockIdentity {
  try {
    const fd = openSync(file, 'r');
    const st = fstatSync(fd);
    return { fd, dev: st.dev, ino: st.ino };
  } catch (error) {
    release(db);
    throw new StorageError(`cannot create the run lock ${file}: ${describe(error)}`, file, { cause: error });
  }
}

function lostReason(file: string, held: LockIdentity): string | undefined {
  const gone = `the run lock ${file} was removed or replaced during the run: another run may have started beside this one`;
  try {
    if (fstatSync(held.fd).nlink === 0) return gone;
    const now = statSync(file);
    return now.dev === held.dev && now.ino === held.ino ? undefined : gone;
  } catch {
    return gone;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing holds on it.
  }
}

/** The holder named in the lock file, if the file exists and parses (a killed run leaves its file behind). */
export function readHolder(path: string): LockHolder | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'pid' in parsed && typeof parsed.pid === 'number') return parsed as LockHolder;
    return undefined;
  } catch {
    return undefined;
  }
}

function release(db: Database.Database): void {
  try {
    if (db.inTransaction) db.exec('ROLLBACK');
  } finally {
    db.close();
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove: the kernel lock is what counts.
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
