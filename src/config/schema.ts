/**
 * The configuration, declared once: every field of Config with the variable that sets it, the variable's rule
 * and its default (as the string a user would write in `.env`). The zod schema over the environment, the
 * list of variables and the Config type are all derived from this one tree. Every message starts with the
 * variable's name.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { RiskLimits, SizingConfig } from '../core/types.js';
import { LOG_LEVELS } from '../log/log-level.js';
import { accountId, boolean, choice, dailyRestart, filePath, host, mailbox, mailboxList, number, url, wholeNumber } from './values.js';
import { Variable, variable } from './variable.js';

export type { LogLevel } from '../log/log-level.js';

const resolvePath = (value: string, cwd: string): string => resolve(cwd, value);
const directory = <const N extends string>(name: N, envDefault: string) =>
  variable(name, filePath, { default: envDefault, finish: resolvePath });
const milliseconds = <const N extends string>(name: N, envDefault: string, min: number) =>
  variable(name, wholeNumber({ min, max: 600000 }), { default: envDefault });
const positive = <const N extends string>(name: N, envDefault: string, max?: number) =>
  variable(name, number({ gt: 0, max }), { default: envDefault });

const flexToken = z.string().regex(/^[A-Za-z0-9]{8,64}$/, {
  error: 'must be the Flex Web Service token shown in Client Portal (8 to 64 letters and digits)',
});
const flexQueryId = z
  .string()
  .regex(/^\d{1,12}$/, { error: "must be the Flex query's Query ID (digits), from Client Portal > Flex Queries" });

/** A URL fetch can request: credentials in it are refused (fetch will not send them), with where they go instead. */
const withoutCredentials = (text: string): boolean => {
  const parsed = new URL(text);
  return parsed.username === '' && parsed.password === '';
};
const pushUrl = url(['http', 'https'], 'https://hooks.example.com/<token>').refine(withoutCredentials, {
  error: 'must not carry a user or password (user:password@): put the token in the path or the query',
});
/** ntfy's topic is the URL's last path segment: letters, digits, - and _, at most 64 (ntfy's own rule). */
const ntfyUrl = url(['http', 'https'], 'https://ntfy.sh/<topic>')
  .refine(withoutCredentials, { error: 'must not carry a user or password (user:password@): set NTFY_TOKEN to an access token' })
  .refine((text) => /^[-_A-Za-z0-9]{1,64}$/.test(new URL(text).pathname.split('/').at(-1) ?? ''), {
    error: 'must end with the topic after the server address, as in ntfy.sh/<topic> (letters, digits, - and _, at most 64)',
  });
/** A Bearer token (RFC 6750's token68 letters); ntfy's access tokens are tk_ and 29 letters and digits. */
const ntfyToken = z.string().regex(/^[A-Za-z0-9._~+/=-]{8,256}$/, {
  error: "must be an ntfy access token (tk_..., from ntfy's Account page or `ntfy token add`)",
});

const configShape = {
  broker: {
    kind: variable('BROKER', choice(['sim', 'ib']), { default: 'sim' }),
    ibHost: variable('IB_HOST', host, { default: '127.0.0.1' }),
    ibPort: variable('IB_PORT', wholeNumber({ min: 1, max: 65535 }), { default: '4002' }),
    ibClientId: variable('IB_CLIENT_ID', wholeNumber({ min: 0, max: 2147483647 }), { default: '17' }),
    /** The account the rebalancer may trade, upper-cased. */
    ibAccount: variable('IB_ACCOUNT', accountId, { finish: (account) => account.toUpperCase() }),
    tradingMode: variable('TRADING_MODE', choice(['paper', 'live']), { default: 'paper' }),
    liveTradingConfirm: variable('LIVE_TRADING_CONFIRM', boolean, { default: 'no' }),
    cancelScope: variable('CANCEL_SCOPE', choice(['own', 'all']), { default: 'own' }),
    /** What a run does with the orders earlier runs left working: modify them in place, or cancel them before planning. */
    orderUpdates: variable('ORDER_UPDATES', choice(['modify', 'cancel']), { default: 'modify' }),
    marketDataType: variable('MARKET_DATA_TYPE', choice(['live', 'delayed']), { default: 'live' }),
    /** Absolute path of the scenario file, when set. */
    simScenario: variable('SIM_SCENARIO', filePath, { finish: resolvePath }),
    simSeed: variable('SIM_SEED', wholeNumber({ min: 0, max: 4294967295 }), { default: '42' }),
    /** Connect and one-shot request timeout. */
    timeoutMs: milliseconds('IB_TIMEOUT_MS', '10000', 100),
    /** How long to collect statuses after submitting. */
    orderStatusWindowMs: milliseconds('ORDER_STATUS_WINDOW_MS', '3000', 0),
    /** How long to wait for IB to confirm the cancels. */
    cancelTimeoutMs: milliseconds('CANCEL_TIMEOUT_MS', '15000', 100),
    /** Connection attempts after the first. */
    connectRetries: variable('IB_CONNECT_RETRIES', wholeNumber({ min: 0, max: 10 }), { default: '3' }),
    /** IB Gateway's daily restart (its Lock and Exit setting) on the gateway machine's zone; runs near it do not connect. */
    restartTime: variable('IB_RESTART_TIME', dailyRestart),
    /** Minutes before and after restartTime in which a run is skipped (at most 25: one hourly run at most). */
    restartWindowMinutes: variable('IB_RESTART_WINDOW_MINUTES', wholeNumber({ min: 1, max: 25 }), { default: '10' }),
    /**
     * The IB adapter's pacing: messages a second on average, evenly spaced (IB allows 50 a second, counted as they
     * arrive; the margin absorbs delays that bunch messages on the way: README, Interactive Brokers).
     */
    messagesPerSecond: variable('IB_MESSAGES_PER_SECOND', wholeNumber({ min: 1, max: 47 }), { default: '47' }),
    /** Quote snapshots in flight at once (the account's market data lines). */
    marketDataLines: variable('MARKET_DATA_LINES', wholeNumber({ min: 1, max: 10000 }), { default: '100' }),
    /** How long one quote snapshot may take. */
    marketDataTimeoutMs: milliseconds('MARKET_DATA_TIMEOUT_MS', '15000', 100),
  },
  /** Absolute paths (relative settings are resolved against the working directory). */
  files: {
    forecastDir: directory('FORECAST_DIR', './forecasts'),
    dataDir: directory('DATA_DIR', './data'),
    logDir: directory('LOG_DIR', './logs'),
  },
  email: {
    /** Secret: may carry a password. Unset means emails go to the outbox as .eml files. */
    smtpUrl: variable('SMTP_URL', url(['smtp', 'smtps'], 'smtps://user:password@smtp.example.com:465'), { secret: true }),
    mailFrom: variable('MAIL_FROM', mailbox('must be an email address (user@example.com or Name <user@example.com>)'), {
      default: 'rebalancer@localhost',
    }),
    /** Recipients; required when smtpUrl is set. */
    mailTo: variable('MAIL_TO', mailboxList('must be an email address or a comma-separated list of them (user@example.com)')),
    /** The most one email may take (a hard deadline; also the connection, greeting and socket timeout). */
    timeoutMs: milliseconds('SMTP_TIMEOUT_MS', '15000', 100),
    /** An identical alert is not sent again within this many minutes. */
    alertRepeatMinutes: variable('ALERT_REPEAT_MINUTES', wholeNumber({ min: 0, max: 10080 }), { default: '180' }),
  },
  /** Push notifications besides email: each alert and warning email that goes out (not a suppressed one) is pushed too. */
  push: {
    /** A URL that receives the alert as JSON (POST). Secret: such URLs carry a token. */
    webhookUrl: variable('PUSH_WEBHOOK_URL', pushUrl, { secret: true }),
    /** ntfy's server and topic; the topic works as a password. */
    ntfyUrl: variable('NTFY_URL', ntfyUrl, { secret: true }),
    /** An access token for a protected ntfy topic (Authorization: Bearer). */
    ntfyToken: variable('NTFY_TOKEN', ntfyToken, { secret: true }),
    /** One push request, answer included. */
    timeoutMs: milliseconds('PUSH_TIMEOUT_MS', '10000', 100),
  },
  sizing: {
    cashBufferPct: variable('CASH_BUFFER_PCT', number({ min: 0, lt: 100 }), { default: '2' }),
    noTradeBandPct: variable('NO_TRADE_BAND_PCT', number({ min: 0, max: 100 }), { default: '0.5' }),
    minOrderValue: variable('MIN_ORDER_VALUE', number({ min: 0 }), { default: '100' }),
    limitOffsetBps: variable('LIMIT_OFFSET_BPS', number({ min: 0, max: 1000 }), { default: '10' }),
    adaptivePriority: variable('ADAPTIVE_PRIORITY', choice(['Patient', 'Normal', 'Urgent']), { default: 'Normal' }),
    commissionModel: variable('COMMISSION_MODEL', choice(['fixed', 'tiered']), { default: 'fixed' }),
    allowShort: variable('ALLOW_SHORT', boolean, { default: 'false' }),
    /** How purchases in another currency are paid for: IB's loan (borrow) or IDEALPRO conversions (convert). */
    fxPolicy: variable('FX_POLICY', choice(['borrow', 'convert']), { default: 'borrow' }),
    /** A conversion worth less than this (account currency) is not placed: the loan stays. */
    minConversionValue: variable('MIN_CONVERSION_VALUE', number({ min: 0 }), { default: '1000' }),
  },
  /**
   * How old a forecast may be (core/forecast-age.ts): stale once this many whole trading sessions have closed since
   * its asOf, and/or once older than this many clock hours. Each one set applies; with neither set, 1 session.
   */
  maxForecastAgeSessions: variable('MAX_FORECAST_AGE_SESSIONS', wholeNumber({ min: 1, max: 260 })),
  maxForecastAgeHours: variable('MAX_FORECAST_AGE_HOURS', number({ gt: 0, max: 8760 })),
  /** The most tickers the forecast files may name, one file or all together; more is INVALID_FORECAST. */
  maxTickers: variable('MAX_TICKERS', wholeNumber({ min: 1, max: 100000 }), { default: '1000' }),
  /**
   * Retention (`rebalancer prune`, src/adapters/sqlite/sqlite-prune.ts): every row of the last this many trading days
   * with runs is kept; older days keep only their last run's position rows, ledger checks and forecasts.
   */
  retainFullDays: variable('RETAIN_FULL_DAYS', wholeNumber({ min: 1, max: 3650 }), { default: '30' }),
  limits: {
    maxLeverage: positive('MAX_LEVERAGE', '2', 10),
    maxPositionPct: positive('MAX_POSITION_PCT', '40', 1000),
    maxOrderValue: positive('MAX_ORDER_VALUE', '50000'),
    maxOrderPct: positive('MAX_ORDER_PCT', '50', 1000),
    maxTurnoverPct: positive('MAX_TURNOVER_PCT', '150', 10000),
    maxDailyTurnoverPct: positive('MAX_DAILY_TURNOVER_PCT', '300', 10000),
    maxOrdersPerRun: variable('MAX_ORDERS_PER_RUN', wholeNumber({ min: 1, max: 1000 }), { default: '40' }),
    priceCollarPct: positive('PRICE_COLLAR_PCT', '5', 100),
    maxNavJumpPct: positive('MAX_NAV_JUMP_PCT', '10', 1000),
    maxDailyLossPct: positive('MAX_DAILY_LOSS_PCT', '5', 100),
    minCushion: variable('MIN_CUSHION', number({ min: 0, lt: 1 }), { default: '0.05' }),
    maxPositionBreaks: variable('MAX_POSITION_BREAKS', wholeNumber({ min: 0, max: 1000 }), { default: '2' }),
    maxCurrencyLoanPct: variable('MAX_CURRENCY_LOAN_PCT', number({ min: 0, max: 10000 }), { default: '100' }),
  },
  /** The trading day: when orders may go out, and the dead-man's switch. */
  schedule: {
    /** No orders in the first / last minutes of the session. */
    noTradeFirstMinutes: variable('NO_TRADE_FIRST_MINUTES', wholeNumber({ min: 0, max: 180 }), { default: '0' }),
    noTradeLastMinutes: variable('NO_TRADE_LAST_MINUTES', wholeNumber({ min: 0, max: 180 }), { default: '0' }),
    /** Requested after every run (secret: such URLs carry a token). */
    heartbeatUrl: variable('HEARTBEAT_URL', url(['http', 'https'], 'https://hc-ping.com/<uuid>'), { secret: true }),
    heartbeatTimeoutMs: milliseconds('HEARTBEAT_TIMEOUT_MS', '10000', 100),
    /** The whole run's deadline, well under the cron interval: past it no order is sent, and the job ends. */
    runDeadlineMinutes: positive('RUN_DEADLINE_MINUTES', '45', 50),
    /** Before each order: a plan older than this is not sent further (a run suspended mid-submission). */
    maxPlanAgeMinutes: positive('MAX_PLAN_AGE_MINUTES', '10', 60),
    /** The broker's clock against the machine's: over a minute apart warns, over this many seconds blocks (CLOCK_SKEW). */
    maxClockSkewSeconds: variable('MAX_CLOCK_SKEW_SECONDS', wholeNumber({ min: 1, max: 86400 }), { default: '300' }),
  },
  /** IB's Flex Web Service: the broker's statements, for what the live API no longer shows. Unset: none. */
  flex: {
    /** Secret: it opens the account's statements, and travels in a URL's query string. */
    token: variable('FLEX_TOKEN', flexToken, { secret: true }),
    queryId: variable('FLEX_QUERY_ID', flexQueryId),
    url: variable('FLEX_URL', url(['https', 'http'], 'https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService'), {
      default: 'https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService',
    }),
    /** One whole statement: the request, IB's generation (polled) and the download. */
    timeoutMs: milliseconds('FLEX_TIMEOUT_MS', '120000', 1000),
  },
  logLevel: variable('LOG_LEVEL', choice(LOG_LEVELS), { default: 'info' }),
};

// ---------------------------------------------------------------------------------------------------------
// What is derived from the tree: the types, the variables, the schema.
// ---------------------------------------------------------------------------------------------------------

interface Tree {
  readonly [field: string]: Variable | Tree;
}

/** The variables of a tree, as a union. */
type VariablesOf<T> = T extends Variable ? T : { [K in keyof T]: VariablesOf<T[K]> }[keyof T];
type ValueOf<V> = V extends Variable<string, infer T> ? T : never;
/** Fields whose variable may be unset: optional in Config. */
type OptionalKeys<T> = { [K in keyof T]: T[K] extends Variable ? (undefined extends ValueOf<T[K]> ? K : never) : never }[keyof T];
type Flat<T> = { [K in keyof T]: T[K] };
type ConfigOf<T> = T extends Variable
  ? ValueOf<T>
  : Flat<{ -readonly [K in Exclude<keyof T, OptionalKeys<T>>]: ConfigOf<T[K]> } & { -readonly [K in OptionalKeys<T>]?: ConfigOf<T[K]> }>;

type ConfigVariable = VariablesOf<typeof configShape>;
export type EnvVariable = ConfigVariable['name'];
/** The valid values of the variables, by name (before they are put in Config). */
export type EnvValues = { [V in ConfigVariable as V['name']]: ValueOf<V> };

export type Config = ConfigOf<typeof configShape>;
export type BrokerConfig = Config['broker'];
export type FilesConfig = Config['files'];
export type EmailConfig = Config['email'];
export type ScheduleConfig = Config['schedule'];
export type PushConfig = Config['push'];
export type FlexSettingsConfig = Config['flex'];
export type BrokerKind = BrokerConfig['kind'];
export type TradingMode = BrokerConfig['tradingMode'];
export type CancelScope = BrokerConfig['cancelScope'];
export type OrderUpdatesSetting = BrokerConfig['orderUpdates'];
export type MarketDataType = BrokerConfig['marketDataType'];

// Config.sizing and Config.limits are what the core takes: a change on either side fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sizingIsTheCores: Same<Config['sizing'], Required<SizingConfig>> = true;
const limitsAreTheCores: Same<Config['limits'], Required<RiskLimits>> = true;
void [sizingIsTheCores, limitsAreTheCores];

function variablesOf(tree: Tree): Variable[] {
  return Object.values(tree).flatMap((node) => (node instanceof Variable ? [node] : variablesOf(node)));
}

const variables = variablesOf(configShape);
const byName = new Map(variables.map((v) => [v.name, v]));

export const VARIABLES = variables.map((v) => v.name) as EnvVariable[];

/** Metadata of a variable. */
export interface VariableMeta {
  /** The default as written in `.env`; undefined when the variable is optional. */
  envDefault?: string;
  secret: boolean;
}

/** The default and secrecy of a variable. */
export function variableMeta(name: EnvVariable): VariableMeta {
  const v = byName.get(name);
  return { envDefault: v?.envDefault, secret: v?.secret ?? false };
}

/** The defaults, as `.env` lines would set them; variables without a default are absent. */
export function defaultEnv(): Partial<Record<EnvVariable, string>> {
  return Object.fromEntries(variables.flatMap((v) => (v.envDefault === undefined ? [] : [[v.name, v.envDefault]])));
}

/**
 * Rules across variables. They run even when some fields failed, so that one message lists every problem; a
 * field that failed holds no value of its type (zod's NEVER), so no rule takes it for a valid one.
 */
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
  if (v.NTFY_TOKEN !== undefined && v.NTFY_URL === undefined) {
    problem('NTFY_URL', 'required when NTFY_TOKEN is set: the ntfy server and topic, https://ntfy.sh/<topic>');
  }
  if (v.FLEX_TOKEN !== undefined && v.FLEX_QUERY_ID === undefined) {
    problem('FLEX_QUERY_ID', 'required when FLEX_TOKEN is set: the id of the Flex query to ask IB for');
  }
  if (v.FLEX_QUERY_ID !== undefined && v.FLEX_TOKEN === undefined) {
    problem('FLEX_TOKEN', 'required when FLEX_QUERY_ID is set: the Flex Web Service token from Client Portal');
  }
}

const envShape = Object.fromEntries(variables.map((v) => [v.name, v.schema])) as {
  [V in ConfigVariable as V['name']]: V['schema'];
};

/** The variables, over an env-like record of strings; unknown names are ignored. */
export const envSchema = z.object(envShape).superRefine(checkRules, { when: () => true });

function nest(tree: Tree, values: Record<string, unknown>, cwd: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tree).map(([field, node]) => [
      field,
      node instanceof Variable ? node.inConfig(values[node.name], cwd) : nest(node, values, cwd),
    ]),
  );
}

/** The configuration from an env-like record: the variables validated, then nested as Config, paths resolved against cwd. */
export function configSchema(cwd: string) {
  return envSchema.transform((values) => nest(configShape, values, cwd) as Config);
}
