/**
 * Wrong values for every configuration variable, by kind. The table is the test's own statement of each
 * variable's rule (bounds included), written apart from src/config/schema.ts: a property that took its wrong
 * values from the schema under test could not catch the schema accepting one.
 */
import fc from 'fast-check';
import type { EnvVariable } from '../../../src/config/schema.js';

export type Bounds = { min?: number; gt?: number; max?: number; lt?: number };

export type Kind =
  | { kind: 'number'; bounds: Bounds }
  | { kind: 'int'; bounds: Bounds }
  | { kind: 'choice'; values: readonly string[] }
  | { kind: 'bool' }
  | { kind: 'host' }
  | { kind: 'account' }
  | { kind: 'path' }
  | { kind: 'file' }
  | { kind: 'directory' }
  | { kind: 'smtp-url' }
  | { kind: 'http-url' }
  | { kind: 'address' }
  | { kind: 'address-list' }
  | { kind: 'flex-token' }
  | { kind: 'ntfy-url' }
  | { kind: 'ntfy-token' }
  | { kind: 'flex-query-id' }
  | { kind: 'restart-time' };

const ms = (min: number): Kind => ({ kind: 'int', bounds: { min, max: 600_000 } });
const pct = (max: number): Kind => ({ kind: 'number', bounds: { gt: 0, max } });

/** Every variable of the schema with its rule; the test checks this table covers VARIABLES exactly. */
export const KINDS: Record<EnvVariable, Kind> = {
  BROKER: { kind: 'choice', values: ['sim', 'ib'] },
  IB_HOST: { kind: 'host' },
  IB_PORT: { kind: 'int', bounds: { min: 1, max: 65535 } },
  IB_CLIENT_ID: { kind: 'int', bounds: { min: 0, max: 2147483647 } },
  IB_ACCOUNT: { kind: 'account' },
  TRADING_MODE: { kind: 'choice', values: ['paper', 'live'] },
  LIVE_TRADING_CONFIRM: { kind: 'bool' },
  CANCEL_SCOPE: { kind: 'choice', values: ['own', 'all'] },
  ORDER_UPDATES: { kind: 'choice', values: ['modify', 'cancel'] },
  MARKET_DATA_TYPE: { kind: 'choice', values: ['live', 'delayed'] },
  SIM_SCENARIO: { kind: 'file' },
  SIM_SEED: { kind: 'int', bounds: { min: 0, max: 4294967295 } },
  IB_TIMEOUT_MS: ms(100),
  ORDER_STATUS_WINDOW_MS: ms(0),
  CANCEL_TIMEOUT_MS: ms(100),
  IB_CONNECT_RETRIES: { kind: 'int', bounds: { min: 0, max: 10 } },
  IB_RESTART_TIME: { kind: 'restart-time' },
  IB_RESTART_WINDOW_MINUTES: { kind: 'int', bounds: { min: 1, max: 25 } },
  IB_MESSAGES_PER_SECOND: { kind: 'int', bounds: { min: 1, max: 47 } },
  MARKET_DATA_LINES: { kind: 'int', bounds: { min: 1, max: 10000 } },
  MARKET_DATA_TIMEOUT_MS: ms(100),
  FORECAST_DIR: { kind: 'path' },
  DATA_DIR: { kind: 'directory' },
  LOG_DIR: { kind: 'directory' },
  SMTP_URL: { kind: 'smtp-url' },
  MAIL_FROM: { kind: 'address' },
  MAIL_TO: { kind: 'address-list' },
  SMTP_TIMEOUT_MS: ms(100),
  ALERT_REPEAT_MINUTES: { kind: 'int', bounds: { min: 0, max: 10080 } },
  PUSH_WEBHOOK_URL: { kind: 'http-url' },
  NTFY_URL: { kind: 'ntfy-url' },
  NTFY_TOKEN: { kind: 'ntfy-token' },
  PUSH_TIMEOUT_MS: ms(100),
  CASH_BUFFER_PCT: { kind: 'number', bounds: { min: 0, lt: 100 } },
  NO_TRADE_BAND_PCT: { kind: 'number', bounds: { min: 0, max: 100 } },
  MIN_ORDER_VALUE: { kind: 'number', bounds: { min: 0 } },
  LIMIT_OFFSET_BPS: { kind: 'number', bounds: { min: 0, max: 1000 } },
  ADAPTIVE_PRIORITY: { kind: 'choice', values: ['Patient', 'Normal', 'Urgent'] },
  COMMISSION_MODEL: { kind: 'choice', values: ['fixed', 'tiered'] },
  ALLOW_SHORT: { kind: 'bool' },
  FX_POLICY: { kind: 'choice', values: ['borrow', 'convert'] },
  MIN_CONVERSION_VALUE: { kind: 'number', bounds: { min: 0 } },
  MAX_FORECAST_AGE_SESSIONS: { kind: 'int', bounds: { min: 1, max: 260 } },
  MAX_FORECAST_AGE_HOURS: pct(8760),
  MAX_TICKERS: { kind: 'int', bounds: { min: 1, max: 100000 } },
  RETAIN_FULL_DAYS: { kind: 'int', bounds: { min: 1, max: 3650 } },
  MAX_LEVERAGE: pct(10),
  MAX_POSITION_PCT: pct(1000),
  MAX_ORDER_VALUE: { kind: 'number', bounds: { gt: 0 } },
  MAX_ORDER_PCT: pct(1000),
  MAX_TURNOVER_PCT: pct(10000),
  MAX_DAILY_TURNOVER_PCT: pct(10000),
  MAX_ORDERS_PER_RUN: { kind: 'int', bounds: { min: 1, max: 1000 } },
  PRICE_COLLAR_PCT: pct(100),
  MAX_NAV_JUMP_PCT: pct(1000),
  MAX_DAILY_LOSS_PCT: pct(100),
  MIN_CUSHION: { kind: 'number', bounds: { min: 0, lt: 1 } },
  MAX_POSITION_BREAKS: { kind: 'int', bounds: { min: 0, max: 1000 } },
  MAX_CURRENCY_LOAN_PCT: { kind: 'number', bounds: { min: 0, max: 10000 } },
  NO_TRADE_FIRST_MINUTES: { kind: 'int', bounds: { min: 0, max: 180 } },
  NO_TRADE_LAST_MINUTES: { kind: 'int', bounds: { min: 0, max: 180 } },
  HEARTBEAT_URL: { kind: 'http-url' },
  HEARTBEAT_TIMEOUT_MS: ms(100),
  RUN_DEADLINE_MINUTES: pct(50),
  MAX_PLAN_AGE_MINUTES: pct(60),
  MAX_CLOCK_SKEW_SECONDS: { kind: 'int', bounds: { min: 1, max: 86400 } },
  FLEX_TOKEN: { kind: 'flex-token' },
  FLEX_QUERY_ID: { kind: 'flex-query-id' },
  FLEX_URL: { kind: 'http-url' },
  FLEX_TIMEOUT_MS: ms(1000),
  LOG_LEVEL: { kind: 'choice', values: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] },
};

/** Variables whose values are secret: a refusal must never quote them. */
export const SECRET_VARIABLES: ReadonlySet<EnvVariable> = new Set([
  'SMTP_URL',
  'HEARTBEAT_URL',
  'FLEX_TOKEN',
  'PUSH_WEBHOOK_URL',
  'NTFY_URL',
  'NTFY_TOKEN',
]);

/** Where a workspace keeps a regular file that DATA_DIR or LOG_DIR may wrongly point at. */
export const A_REGULAR_FILE = 'not-a-directory.txt';

/** A value that is not unset: the schema treats blank values as unset, which is never wrong. */
const notBlank = (s: string): boolean => s.trim() !== '';

/** A few control characters inside a value (leading and trailing ones would be trimmed away). */
const withControl = fc
  .tuple(fc.constantFrom('\t', '\n', '\r', '\u0001', '\u001b', '\u007f', '\u0085'), fc.constantFrom('a', '1', 'x/y'))
  .map(([c, s]) => `${s}${c}${s}`);
/** Longer than any value may be. */
const tooLong = fc.integer({ min: 4097, max: 6000 }).chain((n) => fc.constantFrom('1'.repeat(n), 'a'.repeat(n), `/tmp/${'d'.repeat(n)}`));
/** Digits and signs from outside ASCII, and other letters that look like ours. */
const nonAsciiNumber = fc.constantFrom('１', '٣', '1٫5', '½', '²', '1e٣', '−1', '１０', '5％');
const notANumber = fc.oneof(
  fc.constantFrom(
    'NaN',
    'nan',
    'Infinity',
    '-Infinity',
    '+Infinity',
    '1e400',
    '-1e400',
    '0x10',
    '0b1',
    '1,5',
    '1_000',
    '--1',
    '1.2.3',
    '1e',
    '.',
    '+',
    '1 000',
    'ten',
    'true',
    '[1]',
    '{}',
    'null',
  ),
  fc.stringMatching(/^[A-Za-z][A-Za-z ]{0,10}$/),
  nonAsciiNumber,
);

/** Text of a number (never "-0", which a bound of 0 rightly accepts). */
const show = (n: number): string => (Object.is(n, -0) ? '0' : String(n));

/** Numbers on the wrong side of each bound. */
function outOfRange(b: Bounds, int: boolean): fc.Arbitrary<string>[] {
  const out: fc.Arbitrary<string>[] = [];
  const small = (x: number) => fc.double({ min: Math.max(x - 1e6, -1e12), max: x, noNaN: true, minExcluded: false, maxExcluded: true });
  const large = (x: number) => fc.double({ min: x, max: Math.min(x * 2 + 1e6, 1e15), noNaN: true, minExcluded: true });
  if (b.min !== undefined)
    out.push(
      small(b.min)
        .map(show)
        .filter((t) => Number(t) < (b.min ?? 0)),
    );
  if (b.gt !== undefined)
    out.push(
      fc.constant(show(b.gt)),
      small(b.gt)
        .map(show)
        .filter((t) => Number(t) <= (b.gt ?? 0)),
    );
  if (b.max !== undefined)
    out.push(
      large(b.max)
        .map(show)
        .filter((t) => Number(t) > (b.max ?? 0)),
    );
  if (b.lt !== undefined)
    out.push(
      fc.constant(show(b.lt)),
      large(b.lt)
        .map(show)
        .filter((t) => Number(t) >= (b.lt ?? 0)),
    );
  if (int) {
    const lo = b.min ?? b.gt ?? 0;
    out.push(
      fc.integer({ min: 0, max: 1000 }).map((n) => `${lo + n + 1}.5`),
      fc.constant(`${lo + 1}e-1`),
    );
  }
  return out;
}

/** Letters that are not one of `values`, whatever the case (choices are case-insensitive). */
const notOneOf = (values: readonly string[]) =>
  fc
    .oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.constantFrom(
        ...values.map((v) => `${v}x`),
        ...values.map((v) => `${v[0]} ${v.slice(1)}`),
        'ѕim',
        'lіve',
        'yeѕ',
        'İNFO',
        'none',
        'both',
      ),
    )
    .filter((s) => notBlank(s) && !values.some((v) => v.toLowerCase() === s.trim().toLowerCase()));

const BOOLEAN_WORDS = ['true', 'false', 'yes', 'no', '1', '0'];

/** Wrong values of one kind. */
export function wrongValue(kind: Kind): fc.Arbitrary<string> {
  const common = [withControl, tooLong];
  switch (kind.kind) {
    case 'number':
    case 'int':
      return fc.oneof(notANumber, ...outOfRange(kind.bounds, kind.kind === 'int'), ...common);
    case 'choice':
      return fc.oneof(notOneOf(kind.values), ...common);
    case 'bool':
      return fc.oneof(notOneOf(BOOLEAN_WORDS), fc.constantFrom('on', 'off', 'y', 'n', '2', '-1', 'ｙｅｓ'), ...common);
    case 'host':
      return fc.oneof(
        fc.constantFrom(
          '127.0.0.1:4002',
          'localhost:4001',
          'http://127.0.0.1',
          'tcp://gw',
          'ib gateway',
          '-gw',
          'gw-',
          'a..b',
          'höst',
          '[::1',
          '[127.0.0.1]',
          '999.1.1.1',
          '1.2.3',
          'user@host',
          `${'a'.repeat(64)}.com`,
          'gw/4002',
          'smtp://bot:hunter2@mail.example.com',
        ),
        ...common,
      );
    case 'account':
      return fc.oneof(fc.constantFrom('D', 'DU-123', 'DU 123', 'DÜ123', 'A'.repeat(21), 'DU_1', 'U1234567'), ...common);
    case 'path':
      return fc.oneof(...common);
    case 'file':
      return fc.oneof(fc.constantFrom('no-such-scenario.json', 'missing/dir/scenario.json', '.'), ...common);
    case 'directory':
      return fc.oneof(fc.constantFrom(A_REGULAR_FILE, `${A_REGULAR_FILE}/below`), ...common);
    case 'smtp-url':
      return fc.oneof(
        fc.constantFrom(
          'http://bot:hunter2@mail.example.com',
          'not a url',
          'smtp://',
          'mail.example.com:587',
          'mailto:bot@example.com',
          'smtp:/mail',
        ),
        ...common,
      );
    case 'http-url':
      return fc.oneof(
        fc.constantFrom(
          'ftp://hc-ping.com/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b',
          'hc-ping.com/1f2e3d4c-5b6a',
          'not a url',
          'https://',
          'smtp://x.example.com/t0k3n1234567',
        ),
        ...common,
      );
    case 'address':
      return fc.oneof(fc.constantFrom('nobody', 'a@', '@b', 'a@b@c', 'a b@c', '<a@b>x', 'Name <>', 'a@b, c@d', '"q"@x'), ...common);
    case 'address-list':
      return fc.oneof(fc.constantFrom('a@example.com, nobody', ',,,', 'a@', 'x <y>', 'a@b;c@d'), ...common);
    case 'flex-token':
      return fc.oneof(
        fc.constantFrom('1234567', 't=1234567890', '1234-5678-9012', 'x'.repeat(65), 'ab cd ef gh', 'tökén123456'),
        ...common,
      );
    case 'ntfy-url':
      return fc.oneof(
        fc.constantFrom(
          'ftp://ntfy.sh/rebalancer-Xy7q2',
          'ntfy.sh/rebalancer-Xy7q2',
          'https://ntfy.sh/',
          'https://ntfy.sh',
          'https://ntfy.sh/a.b',
          `https://ntfy.sh/${'t'.repeat(65)}`,
          'https://me:hunter2@ntfy.sh/rebalancer-Xy7q2',
          'not a url',
        ),
        ...common,
      );
    case 'ntfy-token':
      return fc.oneof(fc.constantFrom('tk_abc', 'tk_abc defghijk', 'tk_abcdéfghijk', `tk_${'x'.repeat(254)}`, 'tk_abc;defghij'), ...common);
    case 'flex-query-id':
      return fc.oneof(fc.constantFrom('q123', '12 34', '-5', '1234567890123', '12.5', 'abc'), ...common);
    case 'restart-time':
      // A time without a zone, on a 12-hour clock, past 23:59, an abbreviation or offset for a zone, an unknown zone.
      return fc.oneof(
        fc.constantFrom(
          '23:45',
          '11:45 PM',
          '24:00 Europe/Zurich',
          '23:60 Europe/Zurich',
          '7:05 Europe/Zurich',
          '23:45 CET',
          '23:45 +01:00',
          '23:45 Mars/Olympus',
          'Europe/Zurich 23:45',
        ),
        ...common,
      );
  }
}

/** A number inside the bounds (integers for `int`), as a user would write it. */
function inRange(b: Bounds, int: boolean): fc.Arbitrary<string> {
  const lo = b.min ?? b.gt ?? 0;
  const hi = b.max ?? b.lt ?? lo + 1e6;
  if (int)
    return fc
      .integer({ min: Math.ceil(lo + (b.gt === undefined ? 0 : 1)), max: Math.floor(hi - (b.lt === undefined ? 0 : 1)) })
      .map(String);
  return fc
    .double({ min: lo, max: hi, noNaN: true, minExcluded: b.gt !== undefined, maxExcluded: b.lt !== undefined })
    .map(show)
    .filter((t) => {
      const n = Number(t);
      return (
        (b.gt === undefined || n > b.gt) &&
        (b.lt === undefined || n < b.lt) &&
        (b.min === undefined || n >= b.min) &&
        (b.max === undefined || n <= b.max)
      );
    });
}

/** Any case of a word: choices and booleans are case-insensitive. */
const anyCase = (words: readonly string[]) =>
  fc
    .tuple(fc.constantFrom(...words), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }))
    .map(([w, upper]) => [...w].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));

/**
 * Right values of one kind, with spaces around some (they are trimmed). Files and directories are relative to
 * a directory holding A_REGULAR_FILE. Choices that other variables depend on are limited by the caller.
 */
export function rightValue(kind: Kind): fc.Arbitrary<string> {
  const padded = (a: fc.Arbitrary<string>) => fc.tuple(a, fc.constantFrom('', ' ', '  ')).map(([v, pad]) => `${pad}${v}${pad}`);
  switch (kind.kind) {
    case 'number':
    case 'int':
      return padded(inRange(kind.bounds, kind.kind === 'int'));
    case 'choice':
      return padded(anyCase(kind.values));
    case 'bool':
      return padded(anyCase(BOOLEAN_WORDS));
    case 'host':
      return fc.oneof(
        fc.constantFrom(
          '127.0.0.1',
          'localhost',
          '::1',
          '[::1]',
          'fe80::1',
          '10.0.0.7',
          'ib-gateway',
          'ib_gateway',
          'gw.internal.example.com',
          'gw.example.com.',
        ),
        fc.ipV4(),
        fc.domain(),
      );
    case 'account':
      return fc.stringMatching(/^DU[0-9]{1,10}$/);
    case 'path':
      return fc.constantFrom('./forecasts', 'strategies/out', '/tmp/rebalancer forecasts', 'prévisions', '../shared/forecasts');
    case 'file':
      return fc.constant(A_REGULAR_FILE);
    case 'directory':
      return fc.constantFrom('./state', 'new dir/below', '.', 'données');
    case 'smtp-url':
      return fc.constantFrom(
        'smtp://mail.example.com:587',
        'smtps://user:p%40ss@mail.example.com:465',
        'smtp://127.0.0.1:2525',
        'SMTPS://u:pw@Mail.Example.com',
      );
    case 'http-url':
      return fc.constantFrom(
        'https://hc-ping.com/1f2e3d4c-5b6a-4789-8a9b-0c1d2e3f4a5b',
        'http://127.0.0.1:8080/ping',
        'https://cronitor.link/p/abc123def456/hourly?state=run',
      );
    case 'address':
      return fc.constantFrom('bot@example.com', 'Rebalancer <bot@example.com>', 'rebalancer@localhost', 'jöhn@exämple.com');
    case 'address-list':
      return fc.constantFrom('me@example.com', 'a@example.com, Bob <b@example.com>', ' a@example.com ,b@example.com ');
    case 'flex-token':
      return padded(fc.stringMatching(/^[A-Za-z0-9]{8,64}$/));
    case 'ntfy-url':
      return fc.constantFrom('https://ntfy.sh/rebalancer-Xy7q2', 'http://127.0.0.1:8080/alerts', 'https://push.example.com/ntfy/my_topic');
    case 'ntfy-token':
      return padded(fc.stringMatching(/^tk_[a-z0-9]{29}$/));
    case 'flex-query-id':
      return padded(fc.stringMatching(/^[0-9]{1,12}$/));
    case 'restart-time':
      return padded(
        fc
          .tuple(
            fc.integer({ min: 0, max: 23 }),
            fc.integer({ min: 0, max: 59 }),
            fc.constantFrom('Europe/Zurich', 'America/New_York', 'Asia/Hong_Kong', 'Australia/Lord_Howe', 'Etc/UTC'),
          )
          .map(([h, m, zone]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')} ${zone}`),
      );
  }
}
