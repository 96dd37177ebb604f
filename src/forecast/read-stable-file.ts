/**
 * Reading a file that another program may be writing at the same moment, on a file system that may stop
 * answering. The file is opened once, without blocking (a FIFO or a device swapped in at the path cannot hang
 * the open), its type checked on the open descriptor, and the descriptor compared before and after the read:
 * a strategy that rewrites its file in place is caught half-way and read again after a pause, while one that
 * renames a new complete version over the path while we read is no problem at all (we read one whole version,
 * the one we opened). Every attempt has a deadline.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** What is compared before and after a read: the open file's fstat. */
export interface FileStamp {
  size: number;
  mtimeMs: number;
  ino: number;
  isFile: boolean;
  /** What the file is, in words: "a regular file", "a directory", "a FIFO (named pipe)", ... */
  kind: string;
}

/** One open file, as readStableFile uses it. */
export interface StableFile {
  /** The open descriptor's stat (fstat), not the path's. */
  stat(): Promise<FileStamp>;
  /** Reads at most `limit` bytes from the start of the file. */
  read(limit: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The file system as readStableFile uses it; tests replace parts of it. */
export interface StableReadIo {
  /** Opens for reading without blocking (O_NONBLOCK: a FIFO without a writer opens at once). */
  open(path: string): Promise<StableFile>;
  sleep(ms: number): Promise<void>;
}

export interface StableReadOptions {
  /** Reads attempted before giving up on a file that keeps changing. */
  tries: number;
  pauseMs: number;
  /** Larger files are refused without being read. */
  maxBytes: number;
  /** One attempt (open, stat, read, stat) that takes longer is abandoned: the file system stopped answering. */
  timeoutMs: number;
}

export type StableReadResult = { ok: true; bytes: Uint8Array } | { ok: false; problem: string };

/** 5 MB: a forecast is a few hundred bytes per ticker; anything this large is not one. */
export const MAX_FORECAST_BYTES = 5 * 1024 * 1024;
export const DEFAULT_STABLE_READ: StableReadOptions = { tries: 3, pauseMs: 100, maxBytes: MAX_FORECAST_BYTES, timeoutMs: 10_000 };

/** What a stat says a file is, in words for a message. */
function kindOf(s: {
  isFile(): boolean;
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (s.isFile()) return 'a regular file';
  if (s.isDirectory()) return 'a directory';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

export const nodeStableReadIo: StableReadIo = {
  async open(path) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever. No effect on a regular file.
    const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    return {
      async stat() {
        const s = await handle.stat();
        return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino, isFile: s.isFile(), kind: kindOf(s) };
      },
      async read(limit) {
        const buffer = new Uint8Array(limit);
        let filled = 0;
        while (filled < limit) {
          const { bytesRead } = await handle.read(buffer, filled, limit - filled, filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        return buffer.subarray(0, filled);
      },
      close: () => handle.close(),
    };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type Attempt = StableReadResult | { ok: false; changed: true };

/**
 * Reads the whole file at `path` once it holds still: open, fstat, read, fstat the same descriptor again; equal
 * stamps and a byte count equal to the size mean a settled file. Otherwise it pauses and tries again, up to
 * `options.tries` reads. Never throws: a file that cannot be read, is not a regular file, is too large, keeps
 * changing or does not answer within `options.timeoutMs` is a problem.
 */
export async function readStableFile(
  path: string,
  io: StableReadIo = nodeStableReadIo,
  options: StableReadOptions = DEFAULT_STABLE_READ,
): Promise<StableReadResult> {
  for (let attempt = 1; attempt <= options.tries; attempt += 1) {
    if (attempt > 1) await io.sleep(options.pauseMs);
    let result: Attempt | 'timeout';
    try {
      result = await withDeadline(readOnce(path, io, options), options.timeoutMs);
    } catch (error) {
      return { ok: false, problem: `cannot read file (${describeError(error)})` };
    }
    if (result === 'timeout') {
      return {
        ok: false,
        problem: `no answer from the file system within ${options.timeoutMs} ms (a network mount that stopped answering?); not read`,
      };
    }
    if (!('changed' in result)) return result;
  }
  return {
    ok: false,
    problem:
      `file changed while being read (${options.tries} tries); ` +
      'write the forecast to a temporary name such as name.json.tmp and rename it when complete',
  };
}

/** One attempt on one open descriptor, closed whatever happens (also after its deadline, whenever it returns). */
async function readOnce(path: string, io: StableReadIo, options: StableReadOptions): Promise<Attempt> {
  const file = await io.open(path);
  try {
    const before = await file.stat();
    if (!before.isFile) return { ok: false, problem: `${before.kind}, not a regular file; not read` };
    if (before.size > options.maxBytes) {
      const mb = options.maxBytes % 1048576 === 0 ? ` (${options.maxBytes / 1048576} MB)` : '';
      return { ok: false, problem: `file is ${before.size} bytes, over the limit of ${options.maxBytes} bytes${mb}; not read` };
    }
    // One byte more than the size: a file that grew since the stat shows it in the count.
    const bytes = await file.read(before.size + 1);
    const after = await file.stat();
    const settled =
      bytes.length === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs && after.ino === before.ino;
    return settled ? { ok: true, bytes } : { ok: false, changed: true };
  } finally {
    // A close that fails or hangs changes nothing about what was read.
    void file.close().catch(() => undefined);
  }
}

/** `promise`, or 'timeout' after `ms`; the timer never keeps the process alive. */
async function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
    // What is left of an abandoned attempt must not become an unhandled rejection.
    promise.catch(() => undefined);
  }
}

/** `ENOENT: no such file or directory, ...` from a Node error, or the thrown value as text. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
