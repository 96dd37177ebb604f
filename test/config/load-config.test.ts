import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig, secretsOf } from '../../src/config/load-config.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'rebalancer-config-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

const load = (env: Record<string, string | undefined>, envFile?: string) => loadConfig({ cwd, env, envFile });

/** The ConfigError thrown for an env, or a failure when none is thrown. */
function errorFor(env: Record<string, string | undefined>): ConfigError {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('gives every default from an empty environment', () => {
    const { config, warnings, envFile } = load({});
    expect(warnings).toEqual([]);
    expect(envFile).toBeUndefined();
    expect(config).toEqual({
      broker: {
        kind: 'sim',
        ibHost: '127.0.0.1',
        ibPort: 4002,
        ibClientId: 17,
        ibAccount: undefined,
        tradingMode: 'paper',
        liveTradingConfirm: false,
        cancelScope: 'own',
        orderUpdates: 'modify',
        marketDataType: 'live',
        simScenario: undefined,
        simSeed: 42,
        timeoutMs: 10000,
        orderStatusWindowMs: 3000,
        cancelTimeoutMs: 15000,
        connectRetries: 3,
        restartWindowMinutes: 10,
        messagesPerSecond: 47,
        marketDataLines: 100,
        marketDataTimeoutMs: 15000,
      },
      files: { forecastDir: join(cwd, 'forecasts'), dataDir: join(cwd, 'data'), logDir: join(cwd, 'logs') },
      email: { smtpUrl: undefined, mailFrom: 'rebalancer@localhost', mailTo: undefined, timeoutMs: 15000, alertRepeatMinutes: 180 },
      push: { webhookUrl: undefined, ntfyUrl: undefined, ntfyToken: undefined, timeoutMs: 10000 },
      sizing: {
        cashBufferPct: 2,
        noTradeBandPct: 0.5,
        minOrderValue: 100,
        limitOffsetBps: 10,
        adaptivePriority: 'Normal',
        commissionModel: 'fixed',
        allowShort: false,
        fxPolicy: 'borrow',
        minConversionValue: 1000,
      },
      limits: {
        maxLeverage: 2,
        maxPositionPct: 40,
        maxOrderValue: 50000,
        maxOrderPct: 50,
        maxTurnoverPct: 150,
        maxDailyTurnoverPct: 300,
        maxOrdersPerRun: 40,
        priceCollarPct: 5,
        maxNavJumpPct: 10,
        maxDailyLossPct: 5,
        minCushion: 0.05,
        maxPositionBreaks: 2,
        maxCurrencyLoanPct: 100,
      },
      schedule: {
        noTradeFirstMinutes: 0,
        noTradeLastMinutes: 0,
        heartbeatUrl: undefined,
        heartbeatTimeoutMs: 10000,
        runDeadlineMinutes: 45,
        maxPlanAgeMinutes: 10,
        maxClockSkewSeconds: 300,
      },
      flex: {
        token: undefined,
        queryId: undefined,
        url: 'https://ndcdyn.interactivebrokers.com/AccountManagement/FlexWebService',
        timeoutMs: 120000,
      },
      maxForecastAgeSessions: undefined,
      maxForecastAgeHours: undefined,
      maxTickers: 1000,
      retainFullDays: 30,
      logLevel: 'info',
    });
  });

  it('treats an empty string as unset, so the default applies', () => {
    const { config } = load({ MAX_LEVERAGE: '', BROKER: '  ', IB_ACCOUNT: '' });
    expect(config.limits.maxLeverage).toBe(2);
    expect(config.broker.kind).toBe('sim');
    expect(config.broker.ibAccount).toBeUndefined();
  });

  it('parses numbers, booleans and case-insensitive choices', () => {
    const { config } = load({
      MAX_LEVERAGE: '1.5',
      MIN_CUSHION: '0.1',
      IB_PORT: ' 7497 ',
      ALLOW_SHORT: 'YES',
      ADAPTIVE_PRIORITY: 'urgent',
      COMMISSION_MODEL: 'Tiered',
      BROKER: 'IB',
      IB_ACCOUNT: 'du1234567',
      MARKET_DATA_TYPE: 'delayed',
      CANCEL_SCOPE: 'all',
      ORDER_UPDATES: 'cancel',
      LOG_LEVEL: 'debug',
      MIN_ORDER_VALUE: '0',
    });
    expect(config.limits.maxLeverage).toBe(1.5);
    expect(config.limits.minCushion).toBe(0.1);
    expect(config.broker.ibPort).toBe(7497);
    expect(config.sizing.allowShort).toBe(true);
    expect(config.sizing.adaptivePriority).toBe('Urgent');
    expect(config.sizing.commissionModel).toBe('tiered');
    expect(config.broker.kind).toBe('ib');
    expect(config.broker.ibAccount).toBe('DU1234567');
    expect(config.broker.marketDataType).toBe('delayed');
    expect(config.broker.cancelScope).toBe('all');
    expect(config.broker.orderUpdates).toBe('cancel');
    expect(config.logLevel).toBe('debug');
    expect(config.sizing.minOrderValue).toBe(0);
  });

  it('reads the IB connection retries, market data lines and snapshot timeout', () => {
    const { config } = load({ IB_CONNECT_RETRIES: '0', MARKET_DATA_LINES: '250', MARKET_DATA_TIMEOUT_MS: '20000' });
    expect(config.broker.connectRetries).toBe(0);
    expect(config.broker.marketDataLines).toBe(250);
    expect(config.broker.marketDataTimeoutMs).toBe(20000);
  });

  it.each(['true', 'false', 'yes', 'no', '1', '0', 'TRUE', 'No'])('accepts the boolean %s', (value) => {
    expect(load({ ALLOW_SHORT: value }).config.sizing.allowShort).toBe(['true', 'yes', '1'].includes(value.toLowerCase()));
  });

  it.each([
    ['MAX_LEVERAGE', 'two', /MAX_LEVERAGE: must be a number > 0.* \(got "two"\)/],
    ['MAX_LEVERAGE', '0', /MAX_LEVERAGE: must be a number > 0/],
    ['MAX_LEVERAGE', 'NaN', /MAX_LEVERAGE: must be a number/],
    ['MAX_LEVERAGE', 'Infinity', /MAX_LEVERAGE: must be a number/],
    ['MAX_LEVERAGE', '0x10', /MAX_LEVERAGE: must be a number/],
    ['MAX_LEVERAGE', '1e400', /MAX_LEVERAGE: must be a number/],
    ['CASH_BUFFER_PCT', '-1', /CASH_BUFFER_PCT: must be a number >= 0 and < 100 \(got "-1"\)/],
    ['CASH_BUFFER_PCT', '100', /CASH_BUFFER_PCT: must be a number >= 0 and < 100/],
    ['MAX_DAILY_LOSS_PCT', '101', /MAX_DAILY_LOSS_PCT: must be a number > 0 and <= 100/],
    ['MIN_CUSHION', '5', /MIN_CUSHION: must be a number >= 0 and < 1 \(got "5"\)/],
    ['MIN_ORDER_VALUE', '-5', /MIN_ORDER_VALUE: must be a number >= 0/],
    ['MAX_ORDER_VALUE', '0', /MAX_ORDER_VALUE: must be a number > 0/],
    ['MAX_ORDERS_PER_RUN', '2.5', /MAX_ORDERS_PER_RUN: must be a whole number >= 1/],
    ['MAX_ORDERS_PER_RUN', '0', /MAX_ORDERS_PER_RUN: must be a whole number >= 1/],
    ['IB_PORT', '0', /IB_PORT: must be a whole number >= 1 and <= 65535 \(got "0"\)/],
    ['IB_PORT', '70000', /IB_PORT: must be a whole number >= 1 and <= 65535/],
    ['IB_CLIENT_ID', '-1', /IB_CLIENT_ID: must be a whole number/],
    ['SIM_SEED', 'abc', /SIM_SEED: must be a whole number/],
    ['IB_TIMEOUT_MS', '10', /IB_TIMEOUT_MS: must be a whole number >= 100/],
    ['IB_CONNECT_RETRIES', '-1', /IB_CONNECT_RETRIES: must be a whole number >= 0 and <= 10/],
    ['IB_CONNECT_RETRIES', '11', /IB_CONNECT_RETRIES: must be a whole number >= 0 and <= 10/],
    ['IB_RESTART_TIME', '23:45', /IB_RESTART_TIME: must be HH:MM and a time zone, e.g. "23:45 America\/New_York"/],
    ['IB_RESTART_TIME', '11:45 PM', /IB_RESTART_TIME: must be on a 24-hour clock with a time zone/],
    ['IB_RESTART_TIME', '23:45 CET', /IB_RESTART_TIME: CET is not an IANA time zone name/],
    ['IB_RESTART_WINDOW_MINUTES', '26', /IB_RESTART_WINDOW_MINUTES: must be a whole number >= 1 and <= 25/],
    ['IB_MESSAGES_PER_SECOND', '50', /IB_MESSAGES_PER_SECOND: must be a whole number .*47/],
    ['IB_MESSAGES_PER_SECOND', '0', /IB_MESSAGES_PER_SECOND: must be a whole number >= 1/],
    ['MARKET_DATA_LINES', '0', /MARKET_DATA_LINES: must be a whole number >= 1/],
    ['MARKET_DATA_LINES', '2.5', /MARKET_DATA_LINES: must be a whole number/],
    ['MARKET_DATA_TIMEOUT_MS', '50', /MARKET_DATA_TIMEOUT_MS: must be a whole number >= 100/],
    ['ALLOW_SHORT', 'maybe', /ALLOW_SHORT: must be one of true, false, yes, no, 1, 0 \(got "maybe"\)/],
    ['ALLOW_SHORT', 'on', /ALLOW_SHORT: must be one of true, false/],
    ['BROKER', 'ibkr', /BROKER: must be one of sim, ib \(got "ibkr"\)/],
    ['TRADING_MODE', 'real', /TRADING_MODE: must be one of paper, live/],
    ['CANCEL_SCOPE', 'mine', /CANCEL_SCOPE: must be one of own, all/],
    ['ORDER_UPDATES', 'replace', /ORDER_UPDATES: must be one of modify, cancel/],
    ['MARKET_DATA_TYPE', 'frozen', /MARKET_DATA_TYPE: must be one of live, delayed/],
    ['ADAPTIVE_PRIORITY', 'Fast', /ADAPTIVE_PRIORITY: must be one of Patient, Normal, Urgent/],
    ['COMMISSION_MODEL', 'flat', /COMMISSION_MODEL: must be one of fixed, tiered/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL: must be one of trace, debug, info/],
    ['IB_HOST', 'http://gateway', /IB_HOST: must be a host name or IP address/],
    ['IB_ACCOUNT', 'DU 123', /IB_ACCOUNT: must be an IB account id/],
    ['MAIL_FROM', 'not an address', /MAIL_FROM: must be an email address .*\(got "not an address"\)/],
    ['MAX_FORECAST_AGE_HOURS', '-2', /MAX_FORECAST_AGE_HOURS: must be a number > 0/],
    ['MAX_FORECAST_AGE_SESSIONS', '0', /MAX_FORECAST_AGE_SESSIONS: must be a whole number/],
    ['MAX_FORECAST_AGE_SESSIONS', '1.5', /MAX_FORECAST_AGE_SESSIONS: must be a whole number/],
    ['LIMIT_OFFSET_BPS', '5000', /LIMIT_OFFSET_BPS: must be a number >= 0 and <= 1000/],
    ['SIM_SCENARIO', 'missing.json', /SIM_SCENARIO: no such file .*missing\.json/],
  ])('refuses %s=%s with a message naming the variable', (variable, value, pattern) => {
    const error = errorFor({ [variable]: value });
    expect(error.message).toMatch(pattern);
    expect(error.variable).toBe(variable);
  });

  it('reports every problem in one message', () => {
    const error = errorFor({ MAX_LEVERAGE: 'two', IB_PORT: 'x', ALLOW_SHORT: 'maybe', BROKER: 'ib', TRADING_MODE: 'live' });
    expect(error.message).toMatch(/5 problems/);
    for (const variable of ['MAX_LEVERAGE', 'IB_PORT', 'ALLOW_SHORT', 'IB_ACCOUNT', 'LIVE_TRADING_CONFIRM']) {
      expect(error.message).toContain(`${variable}: `);
    }
  });

  it('reads .env from cwd, and the real environment wins over it', () => {
    writeFileSync(join(cwd, '.env'), '# comment\nMAX_LEVERAGE=1.2\nMAX_ORDERS_PER_RUN=7\nDATA_DIR=state\nFORECAST_DIR="/abs/forecasts"\n');
    const env = { MAX_ORDERS_PER_RUN: '9' };
    const { config, envFile } = load(env);
    expect(envFile).toBe(join(cwd, '.env'));
    expect(config.limits.maxLeverage).toBe(1.2);
    expect(config.limits.maxOrdersPerRun).toBe(9);
    expect(config.files.dataDir).toBe(join(cwd, 'state'));
    expect(config.files.forecastDir).toBe('/abs/forecasts');
  });

  it('does not let an empty environment variable hide the value in .env', () => {
    writeFileSync(join(cwd, '.env'), 'MAX_LEVERAGE=1.2\n');
    expect(load({ MAX_LEVERAGE: '' }).config.limits.maxLeverage).toBe(1.2);
  });

  it('does not touch process.env', () => {
    writeFileSync(join(cwd, '.env'), 'REBALANCER_TEST_ONLY_VARIABLE=1\nMAX_LEVERAGE=1.1\n');
    loadConfig({ cwd, env: {} });
    expect(process.env.REBALANCER_TEST_ONLY_VARIABLE).toBeUndefined();
  });

  it('names the bad value of .env in the error', () => {
    writeFileSync(join(cwd, '.env'), 'MAX_POSITION_PCT=lots\n');
    expect(() => load({})).toThrow(/MAX_POSITION_PCT: must be a number > 0.*\(got "lots"\)/);
    expect(() => load({})).toThrow(/\.env and the environment/);
  });

  it('reads an explicit env file and refuses a missing one', () => {
    writeFileSync(join(cwd, 'custom.env'), 'MAX_LEVERAGE=1.3\n');
    expect(load({}, 'custom.env').config.limits.maxLeverage).toBe(1.3);
    expect(() => load({}, 'nope.env')).toThrow(ConfigError);
    expect(() => load({}, 'nope.env')).toThrow(/nope\.env/);
  });

  it('resolves relative paths against cwd, including SIM_SCENARIO', () => {
    writeFileSync(join(cwd, 'scenario.json'), '{}');
    const { config } = load({ SIM_SCENARIO: 'scenario.json', LOG_DIR: '../logs' });
    expect(config.broker.simScenario).toBe(join(cwd, 'scenario.json'));
    expect(config.files.logDir).toBe(join(cwd, '..', 'logs'));
  });

  describe('live trading', () => {
    it('refuses TRADING_MODE=live without LIVE_TRADING_CONFIRM=yes', () => {
      expect(() => load({ TRADING_MODE: 'live' })).toThrow(/LIVE_TRADING_CONFIRM: must be yes when TRADING_MODE=live/);
      expect(() => load({ TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: 'no' })).toThrow(/LIVE_TRADING_CONFIRM/);
    });

    it('accepts TRADING_MODE=live with LIVE_TRADING_CONFIRM=yes', () => {
      const { config } = load({ TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: 'yes', BROKER: 'ib', IB_ACCOUNT: 'U7654321' });
      expect(config.broker.tradingMode).toBe('live');
      expect(config.broker.liveTradingConfirm).toBe(true);
    });

    it('refuses a live account in paper mode and a paper account in live mode', () => {
      expect(() => load({ BROKER: 'ib', IB_ACCOUNT: 'U7654321' })).toThrow(/IB_ACCOUNT: U7654321 is not a paper account/);
      expect(() => load({ BROKER: 'ib', IB_ACCOUNT: 'DU1', TRADING_MODE: 'live', LIVE_TRADING_CONFIRM: '1' })).toThrow(
        /IB_ACCOUNT: DU1 is a paper account but TRADING_MODE=live/,
      );
    });
  });

  it('requires IB_ACCOUNT when BROKER=ib', () => {
    const error = errorFor({ BROKER: 'ib' });
    expect(error.message).toMatch(/IB_ACCOUNT: required when BROKER=ib/);
    expect(error.variable).toBe('IB_ACCOUNT');
    expect(load({ BROKER: 'ib', IB_ACCOUNT: 'DU1234567' }).config.broker.ibAccount).toBe('DU1234567');
  });

  describe('email', () => {
    it('requires MAIL_TO when SMTP_URL is set', () => {
      expect(() => load({ SMTP_URL: 'smtp://mail.example.com:587' })).toThrow(/MAIL_TO: required when SMTP_URL is set/);
    });

    it('refuses a URL that is not smtp:// or smtps://, without showing it', () => {
      const error = errorFor({ SMTP_URL: 'https://user:hunter2@mail.example.com', MAIL_TO: 'me@example.com' });
      expect(error.message).toMatch(/SMTP_URL: must start with smtp:\/\/ or smtps:\/\/ \(value hidden\)/);
      expect(error.message).not.toContain('hunter2');
      expect(errorFor({ SMTP_URL: 'not a url', MAIL_TO: 'me@example.com' }).message).toMatch(/SMTP_URL: must be a URL/);
    });

    it('accepts a list of recipients and a named sender', () => {
      const { config } = load({
        SMTP_URL: 'smtps://user:p%40ss@mail.example.com:465',
        MAIL_TO: 'a@example.com, Bob <b@example.com>',
        MAIL_FROM: 'Rebalancer <bot@example.com>',
      });
      expect(config.email.mailTo).toEqual(['a@example.com', 'Bob <b@example.com>']);
      expect(config.email.mailFrom).toBe('Rebalancer <bot@example.com>');
      expect(secretsOf(config)).toEqual(expect.arrayContaining(['smtps://user:p%40ss@mail.example.com:465', 'p%40ss', 'p@ss']));
    });

    it('refuses a bad address in MAIL_TO', () => {
      expect(() => load({ MAIL_TO: 'a@example.com, nobody' })).toThrow(/MAIL_TO: must be an email address or a comma-separated list/);
    });

    it('has no secrets without SMTP_URL', () => {
      expect(secretsOf(load({}).config)).toEqual([]);
    });
  });

  describe('push', () => {
    it('takes a webhook URL, ntfy server and topic, a token and a deadline, all secret but the deadline', () => {
      const env = {
        PUSH_WEBHOOK_URL: 'https://hooks.example.com/services/T0k3nWebhook9',
        NTFY_URL: 'https://ntfy.sh/rebal-Q7x2kP9z',
        NTFY_TOKEN: 'tk_abcdefghijklmnopqrstuvwxyz123',
        PUSH_TIMEOUT_MS: '2500',
      };
      const { config } = load(env);
      expect(config.push).toEqual({
        webhookUrl: env.PUSH_WEBHOOK_URL,
        ntfyUrl: env.NTFY_URL,
        ntfyToken: env.NTFY_TOKEN,
        timeoutMs: 2500,
      });
      expect(secretsOf(config)).toEqual(
        expect.arrayContaining([env.PUSH_WEBHOOK_URL, 'T0k3nWebhook9', env.NTFY_URL, 'rebal-Q7x2kP9z', env.NTFY_TOKEN]),
      );
    });

    it.each([
      [
        'PUSH_WEBHOOK_URL',
        'ftp://hooks.example.com/T0k3nWebhook9',
        /PUSH_WEBHOOK_URL: must start with http:\/\/ or https:\/\/ \(value hidden\)/,
      ],
      ['PUSH_WEBHOOK_URL', 'https://me:hunter2@hooks.example.com/x', /PUSH_WEBHOOK_URL: must not carry a user or password/],
      ['NTFY_URL', 'ntfy://ntfy.sh/rebal-Q7x2kP9z', /NTFY_URL: must start with http:\/\/ or https:\/\/ \(value hidden\)/],
      ['NTFY_URL', 'https://ntfy.sh/', /NTFY_URL: must end with the topic after the server address, as in ntfy.sh\/<topic>/],
      ['NTFY_URL', 'https://me:hunter2@ntfy.sh/rebal', /NTFY_URL: must not carry a user or password .*NTFY_TOKEN/],
      ['NTFY_TOKEN', 'tk_hunter2 x', /NTFY_TOKEN: must be an ntfy access token .*\(value hidden\)/],
      ['PUSH_TIMEOUT_MS', '50', /PUSH_TIMEOUT_MS: /],
    ])('refuses %s=%s, naming the variable and quoting no secret', (name, value, message) => {
      const error = errorFor({ NTFY_URL: 'https://ntfy.sh/rebal-Q7x2kP9z', [name]: value });
      expect(error.message).toMatch(message);
      expect(error.variable).toBe(name);
      expect(error.message).not.toContain('hunter2');
      expect(error.message).not.toContain('rebal-Q7x2kP9z');
    });

    it('requires NTFY_URL when NTFY_TOKEN is set', () => {
      const error = errorFor({ NTFY_TOKEN: 'tk_abcdefghijklmnopqrstuvwxyz123' });
      expect(error.message).toMatch(/NTFY_URL: required when NTFY_TOKEN is set/);
      expect(error.message).not.toContain('tk_abcdefghijklmnopqrstuvwxyz123');
    });
  });

  describe('warnings', () => {
    it('warns about near misses of our variable names in the environment', () => {
      const { warnings } = load({ MAX_LEVARAGE: '3', IB_PROT: '4001', MAIL_TOO: 'x', SMTP_ULR: 'y' });
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/MAX_LEVARAGE is not a known variable; did you mean MAX_LEVERAGE\?/),
          expect.stringMatching(/IB_PROT .*IB_PORT/),
          expect.stringMatching(/MAIL_TOO .*MAIL_TO/),
          expect.stringMatching(/SMTP_ULR .*SMTP_URL/),
        ]),
      );
    });

    it('ignores unrelated variables and far-off names with our prefixes', () => {
      const { warnings } = load({
        PATH: '/usr/bin',
        HOME: '/home/x',
        MAX_OPEN_FILES: '1024',
        IB_GATEWAY_DIR: '/opt/ibg',
        MAXLEVERAGE: '1',
      });
      expect(warnings).toEqual([]);
    });

    it('warns about a misspelt or lower-case name in .env whatever its prefix', () => {
      writeFileSync(join(cwd, '.env'), 'CASH_BUFER_PCT=3\nmax_leverage=1\nMY_OWN_THING=1\n');
      const { warnings } = load({});
      expect(warnings).toEqual([
        expect.stringMatching(/CASH_BUFER_PCT .*did you mean CASH_BUFFER_PCT\?/),
        expect.stringMatching(/max_leverage .*MAX_LEVERAGE\? \(names are case-sensitive\)/),
      ]);
    });
  });
});
