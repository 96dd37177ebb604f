/**
 * Reads the configuration from `.env` and the environment (the environment wins), validates it in one pass and
 * returns a typed, nested Config. Never mutates process.env. Every problem is reported in one ConfigError.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import dotenv from 'dotenv';
import { ConfigError } from '../errors.js';
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
}

/** Prefixes of our variables; an unknown name with one of them that is close to a known name is a likely typo. */
const WATCHED_PREFIXES = ['MAX_', 'IB_', 'SIM_', 'SMTP_', 'MAIL_'];

export function loadConfig(options: LoadConfigOptions): LoadedConfig {
  const { fileVars, envFile } = readEnvFile(options);
  const merged: Record<string, string> = { ...fileVars };
  for (const [key, value] of Object.entries(options.env)) {
    // An empty value means unset, so it does not hide the file's value.
    if (value !== undefined && value.trim() !== '') merged[key] = value;
  }

  const problems: { variable: string; message: string }[] = [];
  const parsed = envSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      problems.push({ variable: String(issue.path[0] ?? 'configuration'), message: issue.message });
    }
  } else {
    problems.push(...checkFiles(parsed.data, options.cwd));
  }
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
  return { config: toConfig(parsed.data, options.cwd), warnings: [...new Set(warnings)], envFile };
}

/** Strings to mask in logs and emails: the SMTP URL and its password (raw and decoded). */
export function secretsOf(config: Config): string[] {
  const secrets = new Set<string>();
  if (config.schedule.heartbeatUrl !== undefined) secrets.add(config.schedule.heartbeatUrl);
  const url = config.email.smtpUrl;
  if (url !== undefined) {
    secrets.add(url);
    try {
      const parsed = new URL(url);
      if (parsed.password !== '') {
        secrets.add(parsed.password);
        secrets.add(decodeURIComponent(parsed.password));
      }
    } catch {
      // The schema accepted it as a URL, so this cannot happen; the whole URL is masked anyway.
    }
  }
  return [...secrets].filter((s) => s !== '');
}

function readEnvFile(options: LoadConfigOptions): { fileVars: Record<string, string>; envFile?: string } {
  const explicit = options.envFile !== undefined;
  const file = resolve(options.cwd, options.envFile ?? '.env');
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return { fileVars: {} };
    throw new ConfigError(`env file ${file}: cannot be read (${code ?? String(error)})`, 'envFile');
  }
  return { fileVars: dotenv.parse(content), envFile: file };
}

function checkFiles(values: EnvValues, cwd: string): { variable: string; message: string }[] {
  if (values.SIM_SCENARIO === undefined) return [];
  const file = resolve(cwd, values.SIM_SCENARIO);
  try {
    if (statSync(file).isFile()) return [];
  } catch {
    // reported below
  }
  return [{ variable: 'SIM_SCENARIO', message: `no such file ${file} ${showValue(values.SIM_SCENARIO, false)}` }];
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
