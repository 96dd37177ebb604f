import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StorageError } from '../errors.js';
import { stateSchema, type SimState } from './sim-state.js';

/**
 * Where and how the simulated account is kept between runs and gateway starts: `<dataDir>/sim/state.json`,
 * pretty-printed JSON, written atomically.
 */

/** Where the state of the simulation under `dataDir` lives. */
export function stateFile(dataDir: string): string {
  return join(dataDir, 'sim', 'state.json');
}

/**
 * Reads the state; undefined when there is none yet. A file that is unreadable, not JSON or not a state is a
 * StorageError naming it: resetting it silently would throw away the user's simulated history.
 */
export function loadState(dataDir: string): SimState | undefined {
  const file = stateFile(dataDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(`${file}: cannot read the simulator state: ${(err as Error).message}`, file, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new StorageError(`${file}: corrupt simulator state (not JSON: ${(err as Error).message}); fix or delete it to start over`, file);
  }
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.map(String).join('.') || '(root)';
    throw new StorageError(`${file}: corrupt simulator state (${where}: ${issue?.message}); fix or delete it to start over`, file);
  }
  return parsed.data;
}

/** Writes the state atomically: a synced temporary file renamed over the old one, so a crash leaves one or the other. */
export function saveState(dataDir: string, state: SimState): void {
  writeDurably(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Creates the directory, writes a temporary file beside the target (a dot-name, same file system), fsyncs it,
 * renames it over the target and fsyncs the directory. The same steps as the application's atomic file write,
 * kept here because `src/sim` depends on no adapter (the simulated gateway must not reach one through it).
 *
 * @throws StorageError naming the target and what failed.
 */
function writeDurably(path: string, data: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
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
    syncDirectory(dir);
  } catch (err) {
    throw new StorageError(`${path}: could not write the file: ${(err as Error).message}`, path, { cause: err });
  }
}

/** Flushes the directory entry of the rename; platforms that cannot open a directory for fsync skip it. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch (err) {
    if (['EISDIR', 'EPERM', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) return;
    throw err;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    if (!['EINVAL', 'EBADF', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    closeSync(fd);
  }
}
