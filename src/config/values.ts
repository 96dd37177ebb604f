/**
 * The kinds of value a variable holds, as zod schemas over its trimmed text, each naming its problem the way
 * a message says it ("must be a whole number >= 1 and <= 65535"). Zod's parsers do the work; what is written
 * out here are the rules that are the project's own: decimal notation for numbers, host names with
 * underscores, IB account ids, addresses with display names or a local host.
 */
import { z } from 'zod';
import { describeDailyRestart, parseDailyRestart } from '../core/restart-window.js';

export interface Bounds {
  gt?: number;
  min?: number;
  lt?: number;
  max?: number;
}

/** Decimal notation: Number() alone would take "0x10", "0b1", "Infinity" and " " too. */
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function numberSchema(bounds: Bounds, whole: boolean) {
  const limits = [
    bounds.gt !== undefined ? `> ${bounds.gt}` : undefined,
    bounds.min !== undefined ? `>= ${bounds.min}` : undefined,
    bounds.lt !== undefined ? `< ${bounds.lt}` : undefined,
    bounds.max !== undefined ? `<= ${bounds.max}` : undefined,
  ].filter((b): b is string => b !== undefined);
  const error = `must be a ${whole ? 'whole number' : 'number'}${limits.length ? ` ${limits.join(' and ')}` : ''}`;
  // z.number() refuses NaN and Infinity ("1e400"); z.int() refuses fractions and unsafe integers. The checks are
  // added at once (.int().gt()... would build a new schema at each step: start-up time).
  const checks = [
    whole ? z.int({ error }) : undefined,
    bounds.gt !== undefined ? z.gt(bounds.gt, { error }) : undefined,
    bounds.min !== undefined ? z.gte(bounds.min, { error }) : undefined,
    bounds.lt !== undefined ? z.lt(bounds.lt, { error }) : undefined,
    bounds.max !== undefined ? z.lte(bounds.max, { error }) : undefined,
  ].filter((c) => c !== undefined);
  return z
    .string()
    .regex(NUMBER_TEXT, { error })
    .pipe(z.coerce.number<string>({ error }).check(...checks));
}

export const number = (bounds: Bounds) => numberSchema(bounds, false);
export const wholeNumber = (bounds: Bounds) => numberSchema(bounds, true);

/** One of `values`, in any case; the value is spelt as in `values`. */
export function choice<const T extends readonly [string, ...string[]]>(values: T) {
  const spelling = (text: string) => values.find((v) => v.toLowerCase() === text.toLowerCase()) ?? text;
  return z
    .string()
    .transform(spelling)
    .pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));
}

export const boolean = z.stringbool({
  truthy: ['true', 'yes', '1'],
  falsy: ['false', 'no', '0'],
  case: 'insensitive',
  error: 'must be one of true, false, yes, no, 1, 0',
});

/** Any text (the checks every variable shares still apply): a file system path. */
export const filePath = z.string();

export const accountId = z.string().regex(/^[A-Za-z0-9]{2,20}$/, { error: 'must be an IB account id such as DU1234567 or U1234567' });

/**
 * A host name as resolvers take it: dot-separated labels of letters, digits, hyphens and, unlike z.hostname,
 * underscores (container names such as ib_gateway), 253 characters at most. Digits and dots alone are no
 * host name: `999.1.1.1` is a wrong IPv4 address, not a name to look up.
 */
const HOST_NAME = /^(?=.{1,253}$)(?!-)[\w-]{1,63}(?<!-)(?:\.(?!-)[\w-]{1,63}(?<!-))*\.?$/;
const hostName = z.stringFormat('hostname', (text) => HOST_NAME.test(text) && !/^[\d.]+$/.test(text));

// z.lazy below: a rule is built when a value first needs it, not when the schema is (every command's start-up): an
// unset variable (no SMTP, no push, no Flex) or a host that is an IPv4 address never builds the rules it does not
// reach. The same rules, run the same way: the same issues.

/** node:net also takes an IPv6 address with a zone (fe80::1%eth0), which z.ipv6 does not. */
const ZONED = /^([^%]+)%[0-9A-Za-z.:-]+$/;
const ipv6 = z.lazy(() =>
  z.union([
    z.ipv6(),
    z
      .string()
      .regex(ZONED)
      .refine((text) => z.ipv6().safeParse(text.split('%')[0]).success),
  ]),
);

/**
 * A host name, an IPv4 address, or an IPv6 address (bare or in brackets, which are dropped). `127.0.0.1:4002`
 * and `http://host` are refused: the port is IB_PORT, and a value the socket library would resolve some other
 * way must not reach it.
 */
export const host = z.union(
  [
    z.ipv4(),
    ipv6,
    z
      .string()
      .regex(/^\[.*\]$/)
      .transform((text) => text.slice(1, -1))
      .pipe(ipv6),
    hostName,
  ],
  { error: 'must be a host name or IP address, without scheme or port' },
);

/** `user@host`: looser than z.email's default (a local host, non-ASCII letters), but no brackets, commas or quotes. */
const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;
/** `Display Name <user@host>`. */
const NAMED_ADDRESS = new RegExp(`^[^<>]*<${ADDRESS.source.slice(1, -1)}>$`);

/** One address, bare or with a display name. */
export const mailbox = (error: string) =>
  z.lazy(() => z.union([z.email({ pattern: ADDRESS }), z.string().regex(NAMED_ADDRESS)], { error }));

/** A comma-separated list of at least one address. */
export function mailboxList(error: string) {
  return z.lazy(() =>
    z
      .string()
      .transform((text) =>
        text
          .split(',')
          .map((a) => a.trim())
          .filter((a) => a !== ''),
      )
      .pipe(z.array(mailbox(error)).min(1, { error })),
  );
}

/** A URL with one of `schemes` and a host; `example` shows the expected form in messages. */
export function url(schemes: readonly string[], example: string) {
  const wrongScheme = `must start with ${schemes.map((s) => `${s}://`).join(' or ')}`;
  return z.lazy(() =>
    z
      .url({
        protocol: new RegExp(`^(?:${schemes.join('|')})$`),
        abort: true,
        error: (issue) => ('note' in issue && issue.note === 'Invalid protocol' ? wrongScheme : `must be a URL like ${example}`),
      })
      .refine((text) => new URL(text).hostname !== '', { error: `must name a host, e.g. ${example}` }),
  );
}

/**
 * A time of day with its IANA zone, `23:45 Europe/Zurich`: IB Gateway's daily restart. Checked here, kept as
 * the normalized text (core/restart-window.ts reads it).
 */
export const dailyRestart = z.string().transform((text, ctx): string => {
  const parsed = parseDailyRestart(text);
  if (!('problem' in parsed)) return describeDailyRestart(parsed);
  ctx.addIssue({ code: 'custom', message: parsed.problem });
  return z.NEVER;
});
