/**
 * The nested Config is declared once, with the variable that sets each field: every variable sets exactly one
 * field, no two set the same one, and every field is set by one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { VARIABLES, type EnvVariable } from '../../src/config/schema.js';

const cwd = mkdtempSync(join(tmpdir(), 'rebalancer-config-shape-'));
writeFileSync(join(cwd, 'scenario.json'), '{}');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** A valid value other than the default for each variable, with what it needs beside it to be valid. */
const CHANGES: Record<EnvVariable, string | [string, Record<string, string>]> = {
  BROKER: ['ib', { IB_ACCOUNT: 'DU1234567' }],
  IB_HOST: 'gw.example.com',
  IB_PORT: '4001',
  IB_CLIENT_ID: '18',
  IB_ACCOUNT: 'DU7654321',
  TRADING_MODE: ['live', { LIVE_TRADING_CONFIRM: 'yes' }],
  LIVE_TRADING_CONFIRM: 'yes',
  CANCEL_SCOPE: 'all',
  ORDER_UPDATES: 'cancel',
  MARKET_DATA_TYPE: 'delayed',
  SIM_SCENARIO: 'scenario.json',
  SIM_SEED: '7',
  IB_TIMEOUT_MS: '10001',
  ORDER_STATUS_WINDOW_MS: '3001',
  CANCEL_TIMEOUT_MS: '15001',
  IB_CONNECT_RETRIES: '4',
  IB_RESTART_TIME: '23:45 Europe/Zurich',
  IB_RESTART_WINDOW_MINUTES: '11',
  IB_MESSAGES_PER_SECOND: '46',
  MARKET_DATA_LINES: '101',
  MARKET_DATA_TIMEOUT_MS: '15002',
  FORECAST_DIR: 'elsewhere/forecasts',
  DATA_DIR: 'elsewhere/data',
  LOG_DIR: 'elsewhere/logs',
  SMTP_URL: ['smtp://mail.example.com:587', { MAIL_TO: 'me@example.com' }],
  MAIL_FROM: 'bot@example.com',
  MAIL_TO: 'me@example.com',
  SMTP_TIMEOUT_MS: '15003',
  ALERT_REPEAT_MINUTES: '181',
  PUSH_WEBHOOK_URL: 'https://hooks.example.com/T0k3nAbcDef',
  NTFY_URL: 'https://ntfy.sh/rebal-Xy7q2Zk',
  NTFY_TOKEN: ['tk_abcdefghijklmnopqrstuvwxyz123', { NTFY_URL: 'https://ntfy.sh/rebal-Xy7q2Zk' }],
  PUSH_TIMEOUT_MS: '10003',
  CASH_BUFFER_PCT: '3',
  NO_TRADE_BAND_PCT: '0.6',
  MIN_ORDER_VALUE: '101',
  LIMIT_OFFSET_BPS: '11',
  ADAPTIVE_PRIORITY: 'urgent',
  COMMISSION_MODEL: 'tiered',
  ALLOW_SHORT: 'yes',
  FX_POLICY: 'convert',
  MIN_CONVERSION_VALUE: '999',
  MAX_FORECAST_AGE_SESSIONS: '2',
  MAX_FORECAST_AGE_HOURS: '27',
  MAX_TICKERS: '999',
  RETAIN_FULL_DAYS: '31',
  MAX_LEVERAGE: '2.5',
  MAX_POSITION_PCT: '41',
  MAX_ORDER_VALUE: '50001',
  MAX_ORDER_PCT: '51',
  MAX_TURNOVER_PCT: '151',
  MAX_DAILY_TURNOVER_PCT: '301',
  MAX_ORDERS_PER_RUN: '41',
  PRICE_COLLAR_PCT: '6',
  MAX_NAV_JUMP_PCT: '11',
  MAX_DAILY_LOSS_PCT: '6',
  MIN_CUSHION: '0.06',
  MAX_POSITION_BREAKS: '3',
  MAX_CURRENCY_LOAN_PCT: '80',
  NO_TRADE_FIRST_MINUTES: '1',
  NO_TRADE_LAST_MINUTES: '2',
  HEARTBEAT_URL: 'https://hc-ping.com/abc-123',
  HEARTBEAT_TIMEOUT_MS: '10002',
  RUN_DEADLINE_MINUTES: '40',
  MAX_PLAN_AGE_MINUTES: '15',
  MAX_CLOCK_SKEW_SECONDS: '240',
  // The two go together: each changes from a valid pair.
  FLEX_TOKEN: ['123456789012345678901234', { FLEX_TOKEN: '999999999999999999999999', FLEX_QUERY_ID: '654321' }],
  FLEX_QUERY_ID: ['654321', { FLEX_TOKEN: '123456789012345678901234', FLEX_QUERY_ID: '111111' }],
  FLEX_URL: 'http://127.0.0.1:8080/AccountManagement/FlexWebService',
  FLEX_TIMEOUT_MS: '120001',
  LOG_LEVEL: 'debug',
};

/** Every leaf of a Config, by dotted path. */
function leaves(value: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, item] of Object.entries(value)) for (const [path, leaf] of leaves(item, `${prefix}${key}.`)) out.set(path, leaf);
  } else {
    out.set(prefix.slice(0, -1), value);
  }
  return out;
}

function changedFields(name: EnvVariable): string[] {
  const change = CHANGES[name];
  const [value, beside] = typeof change === 'string' ? [change, {}] : change;
  const before = leaves(loadConfig({ cwd, env: beside }).config);
  const after = leaves(loadConfig({ cwd, env: { ...beside, [name]: value } }).config);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  return [...after.keys()].filter((path) => JSON.stringify(after.get(path)) !== JSON.stringify(before.get(path)));
}

describe('the configuration shape', () => {
  it('sets exactly one field of Config per variable, a different one for each, and every field', () => {
    const fieldOf = new Map<string, EnvVariable>();
    for (const name of VARIABLES) {
      const changed = changedFields(name);
      expect(changed, name).toHaveLength(1);
      const field = changed[0] ?? '';
      expect(fieldOf.get(field), `${name} sets ${field}`).toBeUndefined();
      fieldOf.set(field, name);
    }
    expect([...fieldOf.keys()].sort()).toEqual([...leaves(loadConfig({ cwd, env: {} }).config).keys()].sort());
  });

  it('puts the values in Config as the code uses them: paths absolute, the account upper-case, choices spelt as listed', () => {
    const { config } = loadConfig({ cwd, env: { BROKER: 'IB', IB_ACCOUNT: 'du42', SIM_SCENARIO: 'scenario.json', LOG_DIR: '../logs' } });
    expect(config.broker.kind).toBe('ib');
    expect(config.broker.ibAccount).toBe('DU42');
    expect(config.broker.simScenario).toBe(join(cwd, 'scenario.json'));
    expect(config.files.logDir).toBe(join(cwd, '..', 'logs'));
  });

  it('quotes the account as written in a message about it', () => {
    expect(() => loadConfig({ cwd, env: { IB_ACCOUNT: 'u1234567' } })).toThrow(/IB_ACCOUNT: u1234567 is not a paper account/);
  });
});
