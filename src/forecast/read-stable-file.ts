/**
 * Reading a file that another program may be writing at the same moment. A strategy that rewrites its forecast
 * in place can be caught half-way; comparing the file's size, modification time and inode before and after the
 * read tells a settled file from a moving one, and a moving one is read again after a pause.
 */
import { open, stat } from 'node:fs/promises';

/** What is compared before and after a read. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  isFile: boolean;
}

/** The file system as readStableFile uses it; tests replace parts of it. */
export interface StableReadIo {
  stat(path: string): Promise<FileStamp>;
  /** Reads at most `limit` bytes from the start of the file. */
  read(path: string, limit: number): Promise<Uint8Array>;
  sleep(ms: number): Promise<void>;
}

export interface StableReadOptions {
  /** Reads attempted before giving up on a file that keeps changing. */
  tries: number;
  pauseMs: number;
  /** Larger files are refused without being read. */
  maxBytes: number;
}

export type StableReadResult = { ok: true; bytes: Uint8Array } | { ok: false; problem: string };

/** 5 MB: a forecast is a few hundred bytes per ticker; anything this large is not one. */
export const MAX_FORECAST_BYTES = 5 * 1024 * 1024;
export const DEFAULT_STABLE_READ: StableReadOptions = { tries: 3, pauseMs: 100, maxBytes: MAX_FORECAST_BYTES };

export const nodeStableReadIo: StableReadIo = {
  async stat(path) {
    const s = await stat(path);
    return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, isFile: s.isFile() };
  },
  async read(path, limit) {
    const handle = await open(path, 'r');
    try {
      const buffer = new Uint8Array(limit);
      let filled = 0;
      while (filled < limit) {
        const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Reads the whole file at `path` once it holds still: stat, read, stat again; equal stamps and a byte count
 * equal to the size mean a settled file. Otherwise it pauses and tries again, up to `options.tries` reads.
 * Never throws: a file that cannot be read, is not a regular file, is too large or keeps changing is a problem.
 */
export async function readStableFile(
  path: string,
  io: StableReadIo = nodeStableReadIo,
  options: StableReadOptions = DEFAULT_STABLE_READ,
): Promise<StableReadResult> {
  for (let attempt = 1; attempt <= options.tries; attempt += 1) {
    if (attempt > 1) await io.sleep(options.pauseMs);
    try {
      const before = await io.stat(path);
      if (!before.isFile) return { ok: false, problem: 'not a regular file' };
      if (before.size > options.maxBytes) {
        const mb = options.maxBytes % 1048576 === 0 ? ` (${options.maxBytes / 1048576} MB)` : '';
        return { ok: false, problem: `file is ${before.size} bytes, over the limit of ${options.maxBytes} bytes${mb}; not read` };
      }
      // One byte more than the size: a file that grew since the stat shows it in the count.
      const bytes = await io.read(path, before.size + 1);
      const after = await io.stat(path);
      const settled =
        bytes.length === before.size &&
        after.size === before.size &&
        after.mtimeMs === before.mtimeMs &&
        after.ino === before.ino &&
        after.isFile;
      if (settled) return { ok: true, bytes };
    } catch (error) {
      return { ok: false, problem: `cannot read file (${describeError(error)})` };
    }
  }
  return {
    ok: false,
    problem:
      `file changed while being read (${options.tries} tries); ` +
      'write the forecast to a temporary name such as name.json.tmp and rename it when complete',
  };
}

/** `ENOENT: no such file or directory, ...` from a Node error, or the thrown value as text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
