import { StorageError } from '../errors.js';

/**
 * Plain explanations of the SQLite and file-system error codes a user can meet, so that the message of a
 * StorageError says what to do, not only what SQLite said.
 */
const EXPLANATIONS: ReadonlyArray<readonly [prefix: string, text: string]> = [
  [
    'SQLITE_BUSY',
    'the database is locked by another process (another run, or a tool holding a write transaction open) and stayed locked past the busy timeout',
  ],
  ['SQLITE_LOCKED', 'the database is locked by another statement of this process'],
  [
    'SQLITE_READONLY',
    'the database is read-only: the rebalancer needs write access to the file, its -wal and -shm files, and the directory that holds them',
  ],
  ['SQLITE_FULL', 'the disk is full'],
  [
    'SQLITE_CORRUPT',
    'the database file is corrupt: restore it from a backup, or move it aside (keep it for inspection) so that a new one is created',
  ],
  [
    'SQLITE_NOTADB',
    'the file is not a SQLite database (or is corrupt): restore it from a backup, or move it aside so that a new one is created',
  ],
  ['SQLITE_CANTOPEN', 'the database file cannot be opened: check that the directory exists and is writable'],
  ['SQLITE_IOERR', 'the operating system reported an I/O error (disk failure, or a full or vanished file system)'],
  ['SQLITE_PERM', 'permission denied'],
  ['SQLITE_CONSTRAINT', 'a record broke a database constraint'],
  ['EACCES', 'permission denied: the rebalancer needs write access to the file and its directory'],
  ['EPERM', 'operation not permitted on the file or its directory'],
  ['EROFS', 'the file system is read-only'],
  ['ENOSPC', 'the disk is full'],
  ['ENOTDIR', 'a part of the path is a file, not a directory'],
  // mkdir -p reports EEXIST when a component of the path is a regular file.
  ['EEXIST', 'something already exists where a directory is needed: a part of the path is a file, not a directory'],
  ['EISDIR', 'the path is a directory, not a file'],
  ['ENOENT', 'a directory in the path does not exist'],
];

/** The `code` of a SqliteError or a Node system error, if the value has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** A plain-language explanation of an error code, or undefined when we have none. */
export function explainErrorCode(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  return EXPLANATIONS.find(([prefix]) => code === prefix || code.startsWith(`${prefix}_`))?.[1];
}

/**
 * Wrap any failure of a storage operation in a StorageError naming the file and what failed.
 * A StorageError passes through unchanged, so nested helpers do not wrap twice.
 */
export function toStorageError(err: unknown, path: string, action: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = errorCode(err);
  const original = err instanceof Error ? err.message : String(err);
  const explanation = explainErrorCode(code);
  const because = explanation === undefined ? original : `${explanation} (${code}: ${original})`;
  return new StorageError(`${path}: could not ${action}: ${because}`, path, { cause: err });
}

/** Run `fn`, turning whatever it throws into a StorageError (see {@link toStorageError}). */
export function guardStorage<T>(path: string, action: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw toStorageError(err, path, action);
  }
}

/** Async variant of {@link guardStorage}. */
export async function guardStorageAsync<T>(path: string, action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toStorageError(err, path, action);
  }
}
