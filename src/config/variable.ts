/**
 * One configuration variable: its name in the environment, its rule (a zod schema over the trimmed text) and
 * its default as written in `.env`. What every variable shares is here: an empty value means unset, and then
 * the default goes through the same rule as a user's value (so `.env.example` and the schema cannot
 * disagree); no value may be too long or hold control characters; a refusal is one message, the first
 * problem found, quoting the value unless it is secret.
 */
import { z } from 'zod';
import { showValue } from './secrets.js';

/** Longer than any path, URL or number a variable needs (PATH_MAX is 4096 on Linux). */
export const MAX_VALUE_LENGTH = 4096;

// Line breaks, tabs, NUL and the other C0/C1 controls: never part of a setting, and a line break in a mail
// header or a log line is an injection.
// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARACTER = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/** Problems every variable shares, checked before its own rule. */
const settingText = z
  .string()
  .max(MAX_VALUE_LENGTH, {
    error: (issue) => `is too long (${String(issue.input).length} characters; at most ${MAX_VALUE_LENGTH})`,
    abort: true,
  })
  .regex(NO_CONTROL_CHARACTER, { error: 'must not contain control characters (line breaks, tabs, NUL)' });

/** The text a variable holds: trimmed, or its default when unset or blank (undefined when it has none). */
export function effectiveText(raw: string | undefined, envDefault: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? envDefault : raw.trim();
}

export interface VariableOptions<V> {
  /** The default as written in `.env`; without one the variable is optional. */
  default?: string;
  /** A secret is never quoted in a message. */
  secret?: boolean;
  /** How a valid value goes into Config, e.g. a path resolved against the working directory. */
  finish?: (value: V, cwd: string) => V;
}

/** A variable named N whose value in Config is T (undefined included when it is optional). */
export class Variable<N extends string = string, T = unknown> {
  /** The zod schema of the variable: the raw environment string (or undefined) in, the value out. */
  readonly schema: z.ZodType<T, string | undefined>;
  readonly envDefault: string | undefined;
  readonly secret: boolean;
  // Typed loosely so that every Variable is a Variable<string, unknown>; `inConfig` gives it its type back.
  private readonly finish: ((value: never, cwd: string) => unknown) | undefined;

  constructor(
    readonly name: N,
    rule: z.ZodType<NonNullable<T>, string>,
    options: VariableOptions<NonNullable<T>>,
  ) {
    this.envDefault = options.default;
    this.secret = options.secret ?? false;
    this.finish = options.finish;
    const checked = settingText.pipe(rule);
    const { envDefault, secret } = this;
    this.schema = z
      .string()
      .optional()
      .transform((raw, ctx) => {
        const text = effectiveText(raw, envDefault);
        if (text === undefined) return undefined;
        const result = checked.safeParse(text);
        if (result.success) return result.data;
        const problem = result.error.issues[0]?.message ?? 'is not valid';
        ctx.issues.push({ code: 'custom', message: `${problem} ${showValue(text, secret)}`, input: raw });
        return z.NEVER;
      }) as z.ZodType<T, string | undefined>;
  }

  /** The value as it goes into Config. */
  inConfig(value: T, cwd: string): T {
    const finish = this.finish as ((value: NonNullable<T>, cwd: string) => NonNullable<T>) | undefined;
    return value === undefined || value === null || finish === undefined ? value : finish(value, cwd);
  }
}

/** A variable with a default: always has a value. */
export function variable<const N extends string, V>(
  name: N,
  rule: z.ZodType<V, string>,
  options: VariableOptions<NonNullable<V>> & { default: string },
): Variable<N, V>;
/** A variable without a default: undefined when unset. */
export function variable<const N extends string, V>(
  name: N,
  rule: z.ZodType<V, string>,
  options?: VariableOptions<NonNullable<V>>,
): Variable<N, V | undefined>;
export function variable<const N extends string, V>(
  name: N,
  rule: z.ZodType<V, string>,
  options: VariableOptions<NonNullable<V>> = {},
): Variable<N, V | undefined> {
  return new Variable<N, V | undefined>(name, rule as z.ZodType<NonNullable<V>, string>, options);
}
