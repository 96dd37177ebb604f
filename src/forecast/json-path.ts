/**
 * How messages about forecast files name a place in the file and the value found there.
 * Paths read like `weights.AAPL` or `contracts["BRK B"].currency`, so a user can find the field at a glance.
 */

/** Object keys and array indices from the top of a document down to one value. */
export type JsonPath = ReadonlyArray<string | number | symbol>;

// Keys outside this set are quoted, so a key containing ": " or spaces cannot blur the message.
const PLAIN_KEY = /^[A-Za-z0-9_.-]+$/;
const MAX_SHOWN = 40;

/** `weights.AAPL`, `weights["BRK B"]`, `list[2]`; the empty path (the whole document) is `""`. */
export function formatPath(path: JsonPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'symbol') out += `[${String(segment)}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * A short description of a value for "(got ...)": numbers as written in the file when `raw` is given
 * (`1e400`, not `Infinity`), strings quoted and cut to a readable length, containers by kind only.
 */
export function describeValue(value: unknown, raw?: string): string {
  if (raw !== undefined) return raw;
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value;
    return `the string ${JSON.stringify(shown)}`;
  }
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** The value at `path` inside `root`, or undefined when the path leads nowhere. */
export function valueAt(root: unknown, path: JsonPath): unknown {
  let current = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') return undefined;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}
