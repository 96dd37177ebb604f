/** Who holds the run lock (for messages; the lock itself belongs to the adapter). */
export interface LockHolder {
  pid: number;
  startedAt: string;
  runId: string;
}

/** A held run lock: at most one run at a time, released however the process ends. */
export interface RunLock {
  readonly path: string;
  /**
   * True when the lock's file did not exist and this run created it. Normally only the first run ever does; after
   * that, a missing file means someone removed it, possibly under a run that is still alive.
   */
  readonly fresh: boolean;
  /**
   * Why the lock is no longer this run's alone (its file removed or replaced, so another run may have taken a new
   * one beside it), or undefined while it holds. Checked before every order: a run that lost its lock sends no more.
   */
  lost(): string | undefined;
  /** Lets go of the lock; `forget` also removes a lock file this run created, leaving things as it found them. */
  release(options?: { forget?: boolean }): void;
}

/** Take the lock or throw LockHeldError at once (the next hourly run tries again). */
export type AcquireRunLock = (holder: LockHolder) => RunLock;
