/**
 * The configuration variables: one zod field per variable, each with its default (as the string a user would
 * write in `.env`), and the rules that tie variables together. Every message starts with the variable's name.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { redactSecrets } from '../log/redact.js';
import type { AdaptivePriority, CommissionModel, RiskLimits, SizingConfig } from '../core/types.js';

export type BrokerKind = 'sim' | 'ib';
export type TradingMode = 'paper' | 'live';
export type CancelScope = 'own' | 'all';
export type MarketDataType = 'live' | 'delayed';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface BrokerConfig {
  kind: BrokerKind;
  ibHost: string;
  ibPort: number;
  ibClientId: number;
  ibAccount?: string;
  tradingMode: TradingMode;
  liveTradingConfirm: boolean;
  cancelScope: CancelScope;
  marketDataType: MarketDataType;
  /** Absolute path of the scenario file, when set. */
  simScenario?: string;
  simSeed: number;
  /** IB_TIMEOUT_MS: connect and one-shot request timeout. */
  timeoutMs: number;
  /** ORDER_STATUS_WINDOW_MS: how long to collect statuses after submitting. */
  orderStatusWindowMs: number;
  /** CANCEL_TIMEOUT_MS: how long to wait for IB to confirm the cancels. */
  cancelTimeoutMs: number;
  /** IB_CONNECT_RETRIES: connection attempts after the first. */
  connectRetries: number;
  /** MARKET_DATA_LINES: quote snapshots in flight at once (the account's market data lines). */
  marketDataLines: number;
  /** MARKET_DATA_TIMEOUT_MS: how long one quote snapshot may take. */
  marketDataTimeoutMs: number;
}

/** Absolute paths (relative settings are resolved against the working directory). */
export interface FilesConfig {
  forecastDir: string;
  dataDir: string;
  logDir: string;
}

export interface EmailConfig {
  /** Secret: may carry a password. Unset means emails go to the outbox as .eml files. */
  smtpUrl?: string;
  mailFrom: string;
  /** Recipients; required when smtpUrl is set. */
  mailTo?: string[];
  /** SMTP_TIMEOUT_MS: connection, greeting and socket timeout. */
  timeoutMs: number;
  /** ALERT_REPEAT_MINUTES: an identical alert is not sent again within this many minutes. */
  alertRepeatMinutes: number;
}

/** The trading day: when orders may go out, and the dead-man's switch. */
export interface ScheduleConfig {
  /** NO_TRADE_FIRST_MINUTES / NO_TRADE_LAST_MINUTES: no orders in the first / last minutes of the session. */
  noTradeFirstMinutes: number;
  noTradeLastMinutes: number;
  /** HEARTBEAT_URL: requested after every run (secret: such URLs carry a token). */
  heartbeatUrl?: string;
  /** HEARTBEAT_TIMEOUT_MS. */
  heartbeatTimeoutMs: number;
}

export interface Config {
  broker: BrokerConfig;
  files: FilesConfig;
  email: EmailConfig;
  sizing: SizingConfig;
  limits: RiskLimits;
  schedule: ScheduleConfig;
  maxForecastAgeHours: number;
  logLevel: LogLevel;
}

/** Metadata attached to each field with zod's `.meta()`. */
export interface VariableMeta {
  /** The default as written in `.env`; undefined when the variable is optional. */
  envDefault?: string;
  secret: boolean;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const good = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

/**
 * How a bad value is quoted in a message: secrets never are, and neither is the password of a
 * `scheme://user:password@host` URL put in the wrong variable (masked before the value is shortened, so a
 * cut cannot leave half a password unmasked).
 */
export function showValue(raw: string, secret: boolean): string {
  if (secret) return '(value hidden)';
  const masked = redactSecrets(raw, []);
  const shown = masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
  return `(got ${JSON.stringify(shown)})`;
}

/** Longer than any path, URL or number a variable needs (PATH_MAX is 4096 on Linux). */
export const MAX_VALUE_LENGTH = 4096;

// Line breaks, tabs, NUL and the other C0/C1 controls: never part of a setting, and a line break in a mail
// header or a log line is an injection.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Problems every variable shares, before its own parser runs. */
function commonProblem(value: string): string | undefined {
  if (value.length > MAX_VALUE_LENGTH) return `is too long (${value.length} characters; at most ${MAX_VALUE_LENGTH})`;
  if (CONTROL_CHARACTER.test(value)) return 'must not contain control characters (line breaks, tabs, NUL)';
  return undefined;
}

function isUnset(raw: string | undefined): raw is undefined {
  return raw === undefined || raw.trim() === '';
}

/**
 * One variable: an optional string, trimmed; empty means unset, then the default (if any) applies. The default
 * goes through the same parser as a user's value, so `.env.example` and this file cannot disagree.
 */
function variable<T, D extends string | undefined>(
  envDefault: D,
  parse: (value: string) => Parsed<T>,
  secret = false,
): z.ZodType<D extends string ? T : T | undefined, string | undefined> {
  const meta: VariableMeta = { envDefault, secret };
  return z
    .string()
    .optional()
    .transform((raw, ctx): T | undefined => {
      const given = isUnset(raw) ? undefined : raw.trim();
      const value = given ?? envDefault;
      if (value === undefined) return undefined;
      const common = commonProblem(value);
      const result = common === undefined ? parse(value) : bad<T>(common);
      if (result.ok) return result.value;
      ctx.issues.push({ code: 'custom', message: `${result.problem} ${showValue(value, secret)}`, input: raw });
      return z.NEVER;
    })
    .meta({ ...meta }) as z.ZodType<D extends string ? T : T | undefined, string | undefined>;
}

interface NumberRule {
  int?: boolean;
  gt?: number;
  min?: number;
  lt?: number;
  max?: number;
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function numberParser(rule: NumberRule): (value: string) => Parsed<number> {
  const bounds = [
    rule.gt !== undefined ? `> ${rule.gt}` : undefined,
    rule.min !== undefined ? `>= ${rule.min}` : undefined,
    rule.lt !== undefined ? `< ${rule.lt}` : undefined,
    rule.max !== undefined ? `<= ${rule.max}` : undefined,
  ].filter((b): b is string => b !== undefined);
  const problem = `must be a ${rule.int ? 'whole number' : 'number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}`;
  return (value) => {
    // Number() alone would take "0x10", "Infinity" and " " too.
    if (!NUMBER_TEXT.test(value)) return bad(problem);
    const n = Number(value);
    if (!Number.isFinite(n)) return bad(problem);
    if (rule.int && !Number.isSafeInteger(n)) return bad(problem);
    if (rule.gt !== undefined && !(n > rule.gt)) return bad(problem);
    if (rule.min !== undefined && !(n >= rule.min)) return bad(problem);
    if (rule.lt !== undefined && !(n < rule.lt)) return bad(problem);
    if (rule.max !== undefined && !(n <= rule.max)) return bad(problem);
    return good(n);
  };
}

const num = (envDefault: string, rule: NumberRule) => variable(envDefault, numberParser(rule));
const int = (envDefault: string, rule: Omit<NumberRule, 'int'>) => variable(envDefault, numberParser({ ...rule, int: true }));

/** Exact values, case-insensitive; the result is the spelling given here. */
function oneOf<const T extends string>(envDefault: string, values: readonly T[]) {
  return variable(envDefault, (value): Parsed<T> => {
    const found = values.find((v) => v.toLowerCase() === value.toLowerCase());
    return found === undefined ? bad(`must be one of ${values.join(', ')}`) : good(found);
  });
}

const TRUE_WORDS = ['true', 'yes', '1'];
const FALSE_WORDS = ['false', 'no', '0'];

function parseBoolean(value: string): Parsed<boolean> {
  const v = value.toLowerCase();
  if (TRUE_WORDS.includes(v)) return good(true);
  if (FALSE_WORDS.includes(v)) return good(false);
  return bad('must be one of true, false, yes, no, 1, 0');
}

const bool = (envDefault: string) => variable(envDefault, parseBoolean);

const text = <D extends string | undefined>(envDefault: D, pattern: RegExp, problem: string) =>
  variable(envDefault, (value): Parsed<string> => (pattern.test(value) ? good(value) : bad(problem)));

const path = <D extends string | undefined>(envDefault: D) =>
  text(envDefault, /^[^\0\r\n]+$/, 'must be a file system path');

const HOST_PROBLEM = 'must be a host name or IP address, without scheme or port';
const HOST_LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/;

/**
 * A host name (letters, digits, hyphens and underscores in dot-separated labels), an IPv4 address, or an IPv6
 * address (bare or in brackets). `127.0.0.1:4002` and `http://host` are refused: the port is IB_PORT, and a
 * value the socket library would resolve some other way must not reach it.
 */
function parseHost(value: string): Parsed<string> {
  const bracketed = /^\[(.*)\]$/.exec(value);
  if (bracketed) return isIP(bracketed[1] ?? '') === 6 ? good(bracketed[1] ?? '') : bad(HOST_PROBLEM);
  if (isIP(value) !== 0) return good(value);
  if (value.length > 253 || /^[\d.]+$/.test(value)) return bad(HOST_PROBLEM);
  const labels = value.replace(/\.$/, '').split('.');
  return labels.every((label) => HOST_LABEL.test(label)) ? good(value) : bad(HOST_PROBLEM);
}

const ADDRESS = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

/** `user@host` or `Display Name <user@host>`. */
export function isMailAddress(value: string): boolean {
  const named = /^[^<>]*<([^<>]+)>$/.exec(value);
  return ADDRESS.test(named?.[1] ?? value);
}

function parseAddressList(value: string): Parsed<string[]> {
  const list = value.split(',').map((a) => a.trim()).filter((a) => a !== '');
  if (list.length === 0 || !list.every(isMailAddress)) {
    return bad('must be an email address or a comma-separated list of them (user@example.com)');
  }
  return good(list);
}

/** A URL with one of the given schemes and a host; `example` shows the expected form in messages. */
function urlParser(schemes: readonly string[], example: string): (value: string) => Parsed<string> {
  return (value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return bad(`must be a URL like ${example}`);
    }
    if (!schemes.includes(url.protocol.slice(0, -1))) return bad(`must start with ${schemes.map((s) => `${s}://`).join(' or ')}`);
    if (url.hostname === '') return bad(`must name a host, e.g. ${example}`);
    return good(value);
  };
}

const parseSmtpUrl = urlParser(['smtp', 'smtps'], 'smtps://user:password@smtp.example.com:465');
const parseHttpUrl = urlParser(['http', 'https'], 'https://hc-ping.com/<uuid>');

/** Every configuration variable, as zod fields over an env-like record of strings. */
export const envShape = {
  // broker
  BROKER: oneOf('sim', ['sim', 'ib'] as const),
  IB_HOST: variable('127.0.0.1', parseHost),
  IB_PORT: int('4002', { min: 1, max: 65535 }),
  IB_CLIENT_ID: int('17', { min: 0, max: 2147483647 }),
  IB_ACCOUNT: text(undefined, /^[A-Za-z0-9]{2,20}$/, 'must be an IB account id such as DU1234567 or U1234567'),
  TRADING_MODE: oneOf('paper', ['paper', 'live'] as const),
  LIVE_TRADING_CONFIRM: bool('no'),
  CANCEL_SCOPE: oneOf('own', ['own', 'all'] as const),
  MARKET_DATA_TYPE: oneOf('live', ['live', 'delayed'] as const),
  SIM_SCENARIO: path(undefined),
  SIM_SEED: int('42', { min: 0, max: 4294967295 }),
  IB_TIMEOUT_MS: int('10000', { min: 100, max: 600000 }),
  ORDER_STATUS_WINDOW_MS: int('3000', { min: 0, max: 600000 }),
  CANCEL_TIMEOUT_MS: int('15000', { min: 100, max: 600000 }),
  IB_CONNECT_RETRIES: int('3', { min: 0, max: 10 }),
  MARKET_DATA_LINES: int('100', { min: 1, max: 10000 }),
  MARKET_DATA_TIMEOUT_MS: int('15000', { min: 100, max: 600000 }),
  // files
  FORECAST_DIR: path('./forecasts'),
  DATA_DIR: path('./data'),
  LOG_DIR: path('./logs'),
  // email
  SMTP_URL: variable(undefined, parseSmtpUrl, true),
  MAIL_FROM: variable('rebalancer@localhost', (value) =>
    isMailAddress(value) ? good(value) : bad<string>('must be an email address (user@example.com or Name <user@example.com>)'),
  ),
  MAIL_TO: variable(undefined, parseAddressList),
  SMTP_TIMEOUT_MS: int('15000', { min: 100, max: 600000 }),
  ALERT_REPEAT_MINUTES: int('180', { min: 0, max: 10080 }),
  // sizing
  CASH_BUFFER_PCT: num('2', { min: 0, lt: 100 }),
  NO_TRADE_BAND_PCT: num('0.5', { min: 0, max: 100 }),
  MIN_ORDER_VALUE: num('100', { min: 0 }),
  LIMIT_OFFSET_BPS: num('10', { min: 0, max: 1000 }),
  ADAPTIVE_PRIORITY: oneOf<AdaptivePriority>('Normal', ['Patient', 'Normal', 'Urgent']),
  COMMISSION_MODEL: oneOf<CommissionModel>('fixed', ['fixed', 'tiered']),
  ALLOW_SHORT: bool('false'),
  MAX_FORECAST_AGE_HOURS: num('26', { gt: 0, max: 8760 }),
  // limits
  MAX_LEVERAGE: num('2', { gt: 0, max: 10 }),
  MAX_POSITION_PCT: num('40', { gt: 0, max: 1000 }),
  MAX_ORDER_VALUE: num('50000', { gt: 0 }),
  MAX_ORDER_PCT: num('50', { gt: 0, max: 1000 }),
  MAX_TURNOVER_PCT: num('150', { gt: 0, max: 10000 }),
  MAX_DAILY_TURNOVER_PCT: num('300', { gt: 0, max: 10000 }),
  MAX_ORDERS_PER_RUN: int('40', { min: 1, max: 1000 }),
  PRICE_COLLAR_PCT: num('5', { gt: 0, max: 100 }),
  MAX_NAV_JUMP_PCT: num('10', { gt: 0, max: 1000 }),
  MAX_DAILY_LOSS_PCT: num('5', { gt: 0, max: 100 }),
  MIN_CUSHION: num('0.05', { min: 0, lt: 1 }),
  MAX_POSITION_BREAKS: int('2', { min: 0, max: 1000 }),
  // schedule
  NO_TRADE_FIRST_MINUTES: int('0', { min: 0, max: 180 }),
  NO_TRADE_LAST_MINUTES: int('0', { min: 0, max: 180 }),
  HEARTBEAT_URL: variable(undefined, parseHttpUrl, true),
  HEARTBEAT_TIMEOUT_MS: int('10000', { min: 100, max: 600000 }),
  // logging
  LOG_LEVEL: oneOf<LogLevel>('info', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
};

export type EnvVariable = keyof typeof envShape;
export type EnvValues = z.output<z.ZodObject<typeof envShape>>;

export const VARIABLES = Object.keys(envShape) as EnvVariable[];

/** The default and secrecy of a variable, read back from the field's zod metadata. */
export function variableMeta(name: EnvVariable): VariableMeta {
  const meta = envShape[name].meta();
  return { envDefault: typeof meta?.envDefault === 'string' ? meta.envDefault : undefined, secret: meta?.secret === true };
}

/** Rules across variables. They run even when some fields failed, so that one message lists every problem. */
function checkRules(v: EnvValues, ctx: z.RefinementCtx<EnvValues>): void {
  const problem = (variable: EnvVariable, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
  const account = typeof v.IB_ACCOUNT === 'string' ? v.IB_ACCOUNT : undefined;
  if (v.BROKER === 'ib' && v.IB_ACCOUNT === undefined) {
    problem('IB_ACCOUNT', 'required when BROKER=ib: the account the rebalancer may trade, e.g. DU1234567');
  }
  if (v.TRADING_MODE === 'live' && v.LIVE_TRADING_CONFIRM === false) {
    problem('LIVE_TRADING_CONFIRM', 'must be yes when TRADING_MODE=live: live trading sends real orders');
  }
  // IB paper accounts start with DU: refuse a mismatch before anything connects.
  if (account !== undefined && v.TRADING_MODE === 'paper' && !/^DU/i.test(account)) {
    problem('IB_ACCOUNT', `${account} is not a paper account (those start with DU) but TRADING_MODE=paper`);
  }
  if (account !== undefined && v.TRADING_MODE === 'live' && /^DU/i.test(account)) {
    problem('IB_ACCOUNT', `${account} is a paper account but TRADING_MODE=live`);
  }
  if (v.SMTP_URL !== undefined && v.MAIL_TO === undefined) {
    problem('MAIL_TO', 'required when SMTP_URL is set: who receives the alerts and reports');
  }
}

export const envSchema = z.object(envShape).superRefine(checkRules, { when: () => true });
