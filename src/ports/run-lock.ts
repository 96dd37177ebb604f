/** Who holds the run lock (for messages; the lock itself belongs to the adapter). */
export interface LockHolder {
  pid: number;
  startedAt: string;
  runId: string;
}

/** A held run lock: at most one run at a time, released however the process ends. */
export interface RunLock {
  readonly path: string;
  release(): void;
}

/** Take the lock or throw LockHeldError at once (the next hourly run tries again). */
export type AcquireRunLock = (holder: LockHolder) => RunLock;
