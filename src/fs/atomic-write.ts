import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorCode, guardStorage, guardStorageAsync } from './storage-errors.js';

/**
 * Flush a directory so that a file created or renamed in it survives a power loss. Some platforms
 * (Windows) cannot open a directory for fsync; there the rename itself is the best we can do.
 */
export async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!['EINVAL', 'EBADF', 'EPERM'].includes(errorCode(err) ?? '')) throw err;
  } finally {
    await handle.close();
  }
}

/**
 * Write a file so that a reader sees either the old content or the whole new content, never a part:
 * create the directory, write a temporary file beside the target (same file system, so rename is atomic),
 * fsync it, rename it over the target, and fsync the directory.
 *
 * @throws StorageError naming the target path and what failed.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  // A dot-name keeps a leftover from a crash out of globs like `orders/*/*.csv`.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await guardStorageAsync(path, 'write the file', async () => {
    await mkdir(dir, { recursive: true });
    const handle = await open(tmp, 'wx');
    try {
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => undefined); // the write already failed; a missing tmp is fine
      throw err;
    }
    await syncDirectory(dir);
  });
}

/**
 * Synchronous twin of {@link writeFileAtomic}, for state that must be durable before the caller goes on
 * (the simulator's account after a fill, the kill switch).
 *
 * @throws StorageError naming the target path and what failed.
 */
export function writeFileAtomicSync(path: string, data: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  guardStorage(path, 'write the file', () => {
    mkdirSync(dir, { recursive: true });
    try {
      const fd = openSync(tmp, 'wx');
      try {
        writeSync(fd, data);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    syncDirectorySync(dir);
  });
}

function syncDirectorySync(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes(errorCode(err) ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!['EINVAL', 'EBADF', 'EPERM'].includes(errorCode(err) ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}
