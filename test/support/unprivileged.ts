/**
 * Permission faults that bite as root too. Root writes a file whatever its mode, so a test that needs a file or
 * directory the code cannot write acts, as root, as an unprivileged user (uid and gid 65534, nobody) on files
 * that user can read but not write: the fault matrix starts its child run that way; in-process tests drop this
 * process's effective ids for the call under test. As any other user a test acts as itself, and a chmod does it.
 */
import { chownSync } from 'node:fs';

export const NOBODY = 65534;

export function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** As root, gives `dir` (not what is in it) to the unprivileged user, so it can enter it and create files there. */
export function lendToUnprivileged(dir: string): void {
  if (isRoot()) chownSync(dir, NOBODY, NOBODY);
}

/**
 * Runs `fn` as the unprivileged user: as root, with the effective uid and gid of this process set to nobody (and
 * its group only) until it settles, then put back; as another user, as that user. Load what `fn` needs
 * (modules, native addons) before: nobody may not be able to read the checkout.
 */
export async function asUnprivileged<T>(fn: () => T | Promise<T>): Promise<T> {
  if (!isRoot()) return await fn();
  const p = process as Required<Pick<NodeJS.Process, 'seteuid' | 'setegid' | 'setgroups' | 'getgroups' | 'geteuid' | 'getegid'>>;
  if (typeof process.seteuid !== 'function') throw new Error('asUnprivileged needs a process of its own (vitest pool "forks")');
  const [uid, gid, groups] = [p.geteuid(), p.getegid(), p.getgroups()];
  p.setgroups([NOBODY]);
  p.setegid(NOBODY);
  p.seteuid(NOBODY);
  try {
    return await fn();
  } finally {
    p.seteuid(uid);
    p.setegid(gid);
    p.setgroups(groups);
  }
}
