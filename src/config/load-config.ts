/**
 * Reads the configuration from `.env` and the environment (the environment wins), validates it in one pass and
 * returns a typed, nested Config. Never mutates process.env. Every problem is reported in one ConfigError.
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import dotenv from 'dotenv';
import { ConfigError } from '../errors.js';
import { redactSecrets, secretForms } from '../log/redact.js';
import {
  envSchema,
  showValue,
  variableMeta,
  VARIABLES,
  type Config,
  type EnvValues,
  type EnvVariable,
} from './schema.js';

export type { Config } from './schema.js';

export interface LoadConfigOptions {
  /** Directory of `.env` and the base of relative paths. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Env file to read instead of `<cwd>/.env`; then it must exist. */
  envFile?: string;
}

export interface LoadedConfig {
  config: Config;
  /** Things worth telling the user that do not stop the run, such as a misspelt variable name. */
  warnings: string[];
  /** Absolute path of the env file that was read, if any. */
  envFile?: string;
  /**
   * Set when the env file is open to other users (any group or other permission bit): it may hold the SMTP
   * password. Names the file and the fix. Kept apart from `warnings`, which are about names and values.
   */
  permissionWarning?: string;
}

/** Prefixes of our variables; an unknown name with one of them that is close to a known name is a likely typo. */
const WATCHED_PREFIXES = ['MAX_', 'IB_', 'SIM_', 'SMTP_', 'MAIL_'];

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { fileVars, envFile, lineProblems, permissionWarning } = readEnvFile(options);
  const merged: Record<string, string> = { ...fileVars };
  for (const [key, value] of Object.entries(options.env)) {
    // An empty value means unset, so it does not hide the file's value.
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }

  const problems: Problem[] = [...lineProblems];
  const parsed = envSchema.safeParse(merged);
  const failed = new Set<string>();
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? 'configuration');
      failed.add(variable);
      problems.push({ variable, message: issue.message });
    }
  }
  // The files are checked even when other values are wrong, so that one message names every problem.
  problems.push(...checkFiles(merged, options.cwd, failed));
  if (problems.length > 0 || !parsed.success) {
    const lines = problems.map((p) => `${p.variable}: ${p.message}`);
    const where = envFile ? `${envFile} and the environment` : 'the environment';
    const message =
      lines.length === 1
        ? `Invalid configuration (from ${where}): ${lines[0]}`
        : `Invalid configuration (from ${where}), ${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}`;
    throw new ConfigError(message, problems[0]?.variable);
  }

  const warnings = [
    ...nearMisses(Object.keys(options.env), { prefixed: true }),
    ...nearMisses(Object.keys(fileVars), { prefixed: false }),
  ];
  return {
    config: toConfig(parsed.data, options.cwd),
    warnings: [...new Set(warnings)],
    envFile,
    ...(permissionWarning === undefined ? {} : { permissionWarning }),
  };
}

interface Problem {
  variable: string;
  message: string;
}

/**
 * Strings to mask in logs, emails and console output, in every form they may be written in (see secretForms):
 * the SMTP URL and its password (as written and decoded), and the heartbeat URL with its tokens (path segments
 * and query values of 10 characters or more that contain a digit, such as a healthchecks.io UUID or ping key),
 * so that the token stays hidden however the URL is spelt in a message.
 */
export function secretsOf(config: Config): string[] {
  const secrets = new Set<string>();
  const heartbeat = config.schedule.heartbeatUrl;
  if (heartbeat !== undefined) {
    secrets.add(heartbeat);
    const url = parseUrl(heartbeat);
    if (url !== undefined) {
      secrets.add(url.href);
      addPassword(secrets, url);
      const parts = [...url.pathname.split('/'), ...[...url.searchParams.values()]];
      for (const part of parts) {
        const decoded = decodeSafely(part);
        if (decoded.length >= 10 && /\d/.test(decoded)) secrets.add(part).add(decoded);
      }
    }
  }
  const smtp = config.email.smtpUrl;
  if (smtp !== undefined) {
    secrets.add(smtp);
    const url = parseUrl(smtp);
    if (url !== undefined) {
      secrets.add(url.href);
      addPassword(secrets, url);
    }
  }
  return secretForms([...secrets].filter((s) => s !== ''));
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined; // the schema accepted it as a URL, so this cannot happen; the whole URL is masked anyway
  }
}

function addPassword(secrets: Set<string>, url: URL): void {
  if (url.password === '') return;
  secrets.add(url.password);
  secrets.add(decodeSafely(url.password));
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

interface EnvFileRead {
  fileVars: Record<string, string>;
  envFile?: string;
  /** Lines dotenv would skip without a word: each one a problem, since a setting on it would be lost. */
  lineProblems: Problem[];
  permissionWarning?: string;
}

function readEnvFile(options: LoadConfigOptions): EnvFileRead {
  const explicit = options.envFile !== undefined;
  const file = resolve(options.cwd, options.envFile ?? '.env');
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { fileVars: {}, lineProblems: [] };
    throw new ConfigError(`env file ${file}: cannot be read (${code ?? String(error)})`, 'envFile');
  }
  const permissionWarning = permissionWarningOf(file, options.cwd);
  return {
    fileVars: dotenv.parse(content),
    envFile: file,
    lineProblems: unreadLines(content, file),
    ...(permissionWarning === undefined ? {} : { permissionWarning }),
  };
}

/** The warning for an env file that users other than its owner may read or write (mode & 0o077), else undefined. */
function permissionWarningOf(file: string, cwd: string): string | undefined {
  let mode: number;
  try {
    mode = statSync(file).mode & 0o777;
  } catch {
    return undefined;
  }
  if ((mode & 0o077) === 0) return undefined;
  const inCwd = relative(cwd, file);
  const name = inCwd !== '' && !inCwd.startsWith('..') && !isAbsolute(inCwd) ? inCwd : file;
  return `${file} is readable or writable by other users (mode ${mode.toString(8).padStart(4, '0')}); it holds the settings and may hold ` +
    `the SMTP password. Fix: chmod 600 ${/^[\w./-]+$/.test(name) ? name : `'${name.replace(/'/g, "'\\''")}'`}`;
}

/**
 * dotenv 17's own line pattern (LINE in dotenv/lib/main.js). dotenv.parse skips, silently, any line it does not
 * match: a limit written as `MAX_LEVERAGE 1` or `- MAX_LEVERAGE=1` would leave the default in force unnoticed.
 */
const DOTENV_LINE = /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** Lines listed at most, so that a binary file pasted as .env does not make a message of thousands of lines. */
const MAX_LINES_LISTED = 10;

/** Every line that is neither blank, a comment, nor part of a setting dotenv reads (a quoted value may span lines). */
function unreadLines(content: string, file: string): Problem[] {
  const text = content.replace(/\r\n?/g, '\n');
  const covered: [number, number][] = [];
  for (const match of text.matchAll(DOTENV_LINE)) covered.push([match.index, match.index + match[0].length]);
  const lines = text.split('\n');
  const bad: number[] = [];
  let start = 0;
  lines.forEach((line, i) => {
    const end = start + line.length;
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#') && !covered.some(([from, to]) => from <= start && end <= to)) bad.push(i + 1);
    start = end + 1;
  });
  const listed = bad.slice(0, MAX_LINES_LISTED).map((n): Problem => {
    // Only the name a line starts with is shown: the rest may be a value, and a value may be a password.
    const name = /^\s*(?:export\s+)?([A-Za-z_][\w.-]{0,39})/.exec(lines[n - 1] ?? '')?.[1];
    return {
      variable: `${file} line ${n}`,
      message: `not a NAME=value line, so it would be ignored${name === undefined ? '' : ` (it starts with ${name})`}; comments start with #`,
    };
  });
  if (bad.length > listed.length) listed.push({ variable: file, message: `and ${bad.length - listed.length} more lines that are not NAME=value lines` });
  return listed;
}

const CHECKED_DIRECTORIES = ['DATA_DIR', 'LOG_DIR'] as const;

/**
 * What the schema cannot see: SIM_SCENARIO must be a file, and DATA_DIR and LOG_DIR, when they exist, must be
 * directories (they are created when missing). Variables that already failed are not checked again.
 */
function checkFiles(raw: Record<string, string>, cwd: string, failed: ReadonlySet<string>): Problem[] {
  const problems: Problem[] = [];
  const valueOf = (name: EnvVariable): string | undefined => {
    const given = raw[name]?.trim();
    return given === undefined || given === '' ? variableMeta(name).envDefault : given;
  };
  const scenario = valueOf('SIM_SCENARIO');
  if (scenario !== undefined && !failed.has('SIM_SCENARIO')) {
    const file = resolve(cwd, scenario);
    const stat = statOf(file);
    if (stat === undefined || stat === 'ENOTDIR' || !stat.isFile()) {
      problems.push({ variable: 'SIM_SCENARIO', message: `no such file${shownPath(file, scenario)} ${showValue(scenario, false)}` });
    }
  }
  for (const name of CHECKED_DIRECTORIES) {
    const value = valueOf(name);
    if (value === undefined || failed.has(name)) continue;
    const dir = resolve(cwd, value);
    const stat = statOf(dir);
    if (stat === 'ENOTDIR' || (stat !== undefined && !stat.isDirectory())) {
      problems.push({ variable: name, message: `not a directory${shownPath(dir, value)} ${showValue(value, false)}` });
    }
  }
  return problems;
}

/**
 * The absolute path a value resolved to, for a message (with a leading space), unless the value holds URL
 * credentials: resolving `smtp://user:pw@host` as a path gives `smtp:/user:pw@host`, which no mask recognises.
 */
function shownPath(absolute: string, value: string): string {
  return redactSecrets(value, []) === value ? ` ${absolute}` : '';
}

/** The file's stat; undefined when it does not exist (or cannot be looked at); ENOTDIR when a parent is a file. */
function statOf(path: string): ReturnType<typeof statSync> | 'ENOTDIR' | undefined {
  try {
    return statSync(path);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'ENOTDIR' : undefined;
  }
}

function toConfig(v: EnvValues, cwd: string): Config {
  return {
    broker: {
      kind: v.BROKER,
      ibHost: v.IB_HOST,
      ibPort: v.IB_PORT,
      ibClientId: v.IB_CLIENT_ID,
      ibAccount: v.IB_ACCOUNT?.toUpperCase(),
      tradingMode: v.TRADING_MODE,
      liveTradingConfirm: v.LIVE_TRADING_CONFIRM,
      cancelScope: v.CANCEL_SCOPE,
      marketDataType: v.MARKET_DATA_TYPE,
      simScenario: v.SIM_SCENARIO === undefined ? undefined : resolve(cwd, v.SIM_SCENARIO),
      simSeed: v.SIM_SEED,
      timeoutMs: v.IB_TIMEOUT_MS,
      orderStatusWindowMs: v.ORDER_STATUS_WINDOW_MS,
      cancelTimeoutMs: v.CANCEL_TIMEOUT_MS,
      connectRetries: v.IB_CONNECT_RETRIES,
      marketDataLines: v.MARKET_DATA_LINES,
      marketDataTimeoutMs: v.MARKET_DATA_TIMEOUT_MS,
    },
    files: {
      forecastDir: resolve(cwd, v.FORECAST_DIR),
      dataDir: resolve(cwd, v.DATA_DIR),
      logDir: resolve(cwd, v.LOG_DIR),
    },
    email: { smtpUrl: v.SMTP_URL, mailFrom: v.MAIL_FROM, mailTo: v.MAIL_TO, timeoutMs: v.SMTP_TIMEOUT_MS, alertRepeatMinutes: v.ALERT_REPEAT_MINUTES },
    sizing: {
      cashBufferPct: v.CASH_BUFFER_PCT,
      noTradeBandPct: v.NO_TRADE_BAND_PCT,
      minOrderValue: v.MIN_ORDER_VALUE,
      limitOffsetBps: v.LIMIT_OFFSET_BPS,
      adaptivePriority: v.ADAPTIVE_PRIORITY,
      commissionModel: v.COMMISSION_MODEL,
      allowShort: v.ALLOW_SHORT,
    },
    limits: {
      maxLeverage: v.MAX_LEVERAGE,
      maxPositionPct: v.MAX_POSITION_PCT,
      maxOrderValue: v.MAX_ORDER_VALUE,
      maxOrderPct: v.MAX_ORDER_PCT,
      maxTurnoverPct: v.MAX_TURNOVER_PCT,
      maxDailyTurnoverPct: v.MAX_DAILY_TURNOVER_PCT,
      maxOrdersPerRun: v.MAX_ORDERS_PER_RUN,
      priceCollarPct: v.PRICE_COLLAR_PCT,
      maxNavJumpPct: v.MAX_NAV_JUMP_PCT,
      maxDailyLossPct: v.MAX_DAILY_LOSS_PCT,
      minCushion: v.MIN_CUSHION,
      maxPositionBreaks: v.MAX_POSITION_BREAKS,
    },
    schedule: {
      noTradeFirstMinutes: v.NO_TRADE_FIRST_MINUTES,
      noTradeLastMinutes: v.NO_TRADE_LAST_MINUTES,
      heartbeatUrl: v.HEARTBEAT_URL,
      heartbeatTimeoutMs: v.HEARTBEAT_TIMEOUT_MS,
    },
    maxForecastAgeHours: v.MAX_FORECAST_AGE_HOURS,
    logLevel: v.LOG_LEVEL,
  };
}

/**
 * Names that are probably misspellings of ours. The environment holds many unrelated variables, so there only
 * names with one of our prefixes are checked; every name in the env file is, since that file is ours.
 */
function nearMisses(names: string[], o: { prefixed: boolean }): string[] {
  const known = new Set<string>(VARIABLES);
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name)) continue;
    const upper = name.toUpperCase();
    if (o.prefixed && !WATCHED_PREFIXES.some((p) => upper.startsWith(p))) continue;
    const match = closestVariable(upper);
    if (match === undefined) continue;
    const hint = match === upper ? 'names are case-sensitive' : 'it is ignored';
    warnings.push(`${name} is not a known variable; did you mean ${match}? (${hint})`);
  }
  return warnings;
}

function closestVariable(upper: string): EnvVariable | undefined {
  let best: { name: EnvVariable; distance: number } | undefined;
  for (const name of VARIABLES) {
    const distance = editDistance(upper, name);
    const allowed = Math.min(2, Math.floor(name.length / 4));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      const row = rows[i];
      if (row) row[j] = d;
    }
  }
  return at(a.length, b.length);
}

/** The defaults, as `.env` lines would set them; variables without a default are absent. */
export function defaultEnv(): Partial<Record<EnvVariable, string>> {
  const out: Partial<Record<EnvVariable, string>> = {};
  for (const name of VARIABLES) {
    const d = variableMeta(name).envDefault;
    if (d !== undefined) out[name] = d;
  }
  return out;
}
