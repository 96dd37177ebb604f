/** Typed infrastructure failures, caught once per command, which sets the exit code. */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  blocked: 3,
  locked: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Bad configuration or usage: exit 2. The message names the variable or argument and the problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly variable?: string,
  ) {
    super(message);
  }
}

/** The database, CSV or order file could not be read or written: the run sends nothing more. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Another run holds the lock: exit 4, nothing done. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    message: string,
    readonly holderPid?: number,
  ) {
    super(message);
  }
}
