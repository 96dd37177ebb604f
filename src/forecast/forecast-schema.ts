/**
 * The shape of a forecast file, field by field, and the translation of zod's issues into our messages
 * (`path: problem (got value)`). Maps keyed by ticker (`weights`, `contracts`) are checked in forecast-maps.ts:
 * zod's `z.record` silently drops a `__proto__` key without checking its value, which a forecast must not do.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { describeValue, formatPath, valueAt, type JsonPath } from './json-path.js';
import type { JsonObject, JsonProblem } from './strict-json.js';

export const MAX_LEVERAGE = 10;
export const MAX_STRATEGY_LENGTH = 64;

/** A JSON object, not an array or null: what `typeof` alone would let through. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Ends in Z or an offset after the time: without one the instant depends on the machine's time zone.
const ZONE_SUFFIX = /T[^T]*(?:Z|[+-](\d{2})(?::?(\d{2}))?)$/i;

/**
 * Parses an ISO 8601 time that carries its zone (`Z` or an offset such as `-05:00`).
 * Returns the instant in epoch milliseconds and as a UTC ISO string, or the problem.
 */
export function parseZonedTime(text: string): { ok: true; millis: number; utc: string } | { ok: false; problem: string } {
  const time = DateTime.fromISO(text, { setZone: true });
  if (!time.isValid) {
    return { ok: false, problem: `not a valid ISO 8601 time (${time.invalidExplanation ?? time.invalidReason ?? 'unreadable'})` };
  }
  const zone = ZONE_SUFFIX.exec(text);
  if (zone === null) return { ok: false, problem: 'has no time zone: it must end with Z or an offset such as +01:00' };
  // Luxon accepts any two-digit offset; a real one is within -12:00..+14:00.
  if (Number(zone[1] ?? 0) > 14 || Number(zone[2] ?? 0) > 59) return { ok: false, problem: 'has an impossible offset' };
  return { ok: true, millis: time.toMillis(), utc: time.toUTC().toISO({ suppressMilliseconds: true }) };
}

const finiteNumber = () => z.number({ error: 'not a finite number' });
const text = () => z.string({ error: 'not a string' });

/** A weight: a fraction of the strategy's exposure, negative for a short. */
export const weightSchema = finiteNumber().min(-1, 'must be between -1 and 1').max(1, 'must be between -1 and 1');

/** Hints for one ticker's contract; anything else in it is a mistake. */
export const contractHintSchema = z.strictObject(
  {
    primaryExchange: text()
      .regex(/^[A-Z.]{1,16}$/, 'must be 1-16 uppercase letters or dots, like NASDAQ or ARCA')
      .optional(),
    currency: text()
      .regex(/^[A-Z]{3}$/, 'must be a three-letter currency code in capitals, like USD')
      .optional(),
  },
  { error: 'must be an object with primaryExchange and/or currency' },
);

/** The top level of a forecast file. The maps are checked entry by entry elsewhere. */
export const forecastShape = z.strictObject({
  strategy: text()
    .min(1, 'must not be empty')
    .max(MAX_STRATEGY_LENGTH, `must be at most ${MAX_STRATEGY_LENGTH} characters`)
    .regex(/^[A-Za-z0-9_.-]*$/, 'may contain only letters, digits, "_", "." and "-"'),
  asOf: text().superRefine((value, ctx) => {
    const parsed = parseZonedTime(value);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
  }),
  leverage: finiteNumber().min(0, 'must be at least 0').max(MAX_LEVERAGE, `must be at most ${MAX_LEVERAGE}`),
  capital: finiteNumber().gt(0, 'must be greater than 0').max(1, 'must be at most 1').optional(),
  weights: z.custom<JsonObject>(isJsonObject, 'must be an object of ticker: weight'),
  contracts: z.custom<JsonObject>(isJsonObject, 'must be an object of ticker: contract hints').optional(),
});

const TOP_FIELDS = Object.keys(forecastShape.shape);
const HINT_FIELDS = Object.keys(contractHintSchema.shape);

/**
 * Turns zod issues about the value at `base` (inside `root`) into problems with a path and a message that
 * shows what the file holds there. `rawNumbers` gives non-finite numbers as written (`1e400`).
 */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  base: JsonPath,
  rawNumbers: ReadonlyMap<string, string>,
): JsonProblem[] {
  return issues.flatMap((issue): JsonProblem[] => {
    const path = [...base, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const known = path.length === 0 ? TOP_FIELDS : HINT_FIELDS;
      return issue.keys.map((key) => ({ path: [...path, key], problem: unknownField(key, known) }));
    }
    const value = valueAt(root, path);
    // JSON has no undefined: nothing at the path means the field is absent.
    if (value === undefined) return [{ path, problem: 'missing (required)' }];
    if (issue.code === 'invalid_type' && issue.expected === 'number' && typeof value === 'string') {
      return [{ path, problem: `not a number: write numbers without quotes (got ${describeValue(value)})` }];
    }
    return [{ path, problem: `${issue.message} (got ${describeValue(value, rawNumbers.get(formatPath(path)))})` }];
  });
}

function unknownField(key: string, known: readonly string[]): string {
  const near = known.find((known) => editDistance(known.toLowerCase(), key.toLowerCase()) <= 2);
  const hint = near === undefined ? `known fields: ${known.join(', ')}` : `did you mean "${near}"?`;
  return `unknown field (${hint})`;
}

/** Levenshtein distance; only for "did you mean", on short field names. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
