/**
 * IB execution ids and their corrections. IB corrects an execution by sending it again under the same id up to
 * its last period and a higher suffix (`0000e0d5.6577a1b8.01.01`, then `0000e0d5.6577a1b8.01.02`); the later
 * one REPLACES the earlier (its quantity and price may differ). An id without a period, or with nothing on
 * either side of its last one, has no revisions: it only ever equals itself.
 */

/** The execution an id belongs to (up to its last period) and its revision (after it). */
export function execIdParts(execId: string): { base: string; revision: string } | undefined {
  const dot = execId.lastIndexOf('.');
  if (dot <= 0 || dot === execId.length - 1) return undefined;
  return { base: execId.slice(0, dot), revision: execId.slice(dot + 1) };
}

/**
 * How revision `a` of an execution compares with revision `b` of the same one: > 0 when `a` is later (it
 * replaces `b`), 0 when they are the same revision, < 0 when `a` is an older copy. Undefined when the two ids are
 * not revisions of one execution. Suffixes are IB's hexadecimal counters (`01`, `02`, ... `0a`); other text is
 * compared by length, then character by character.
 */
export function compareExecRevisions(a: string, b: string): number | undefined {
  if (a === b) return 0;
  const pa = execIdParts(a);
  const pb = execIdParts(b);
  if (pa === undefined || pb === undefined || pa.base !== pb.base) return undefined;
  const hex = /^[0-9a-f]+$/i;
  if (hex.test(pa.revision) && hex.test(pb.revision)) {
    const na = BigInt(`0x${pa.revision}`);
    const nb = BigInt(`0x${pb.revision}`);
    if (na !== nb) return na > nb ? 1 : -1;
  }
  if (pa.revision.length !== pb.revision.length) return pa.revision.length - pb.revision.length;
  return pa.revision < pb.revision ? -1 : pa.revision > pb.revision ? 1 : 0;
}

/** What recording an execution does, given the ids of the recorded (current) revisions of it. */
export type FillVersion =
  /** Not recorded in any revision: a new fill. */
  | { kind: 'new' }
  /** This very id is recorded, or a later revision is (an old copy): nothing to add. */
  | { kind: 'known' }
  /** A later revision of the recorded `replaces`: the correction takes its place. */
  | { kind: 'correction'; replaces: string };

/**
 * How `execId` relates to what is recorded: `current` holds the recorded fills' ids that may be revisions of it
 * (others are skipped), `wasReplaced` whether this very id was recorded once and then replaced by a correction.
 */
export function fillVersion(execId: string, current: readonly string[], wasReplaced: boolean): FillVersion {
  if (wasReplaced) return { kind: 'known' };
  let replaces: string | undefined;
  for (const id of current) {
    const order = compareExecRevisions(execId, id);
    if (order === undefined) continue;
    if (order <= 0) return { kind: 'known' };
    replaces = id;
  }
  return replaces === undefined ? { kind: 'new' } : { kind: 'correction', replaces };
}

/** The range of ids `[from, to)` that holds every revision of the execution `execId` belongs to (for an index). */
export function revisionRange(execId: string): { from: string; to: string } {
  const base = execIdParts(execId)?.base ?? execId;
  return { from: `${base}.`, to: `${base}/` };
}
