import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, secretsOf } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';

const cwd = mkdtempSync(join(tmpdir(), 'rebalancer-config-'));
const load = (env: Record<string, string>) => loadConfig({ cwd, env });

describe('the trading-day variables', () => {
  it('reads the no-trade windows, the alert interval and the heartbeat', () => {
    const { config } = load({
      NO_TRADE_FIRST_MINUTES: '10',
      NO_TRADE_LAST_MINUTES: '5',
      ALERT_REPEAT_MINUTES: '60',
      HEARTBEAT_URL: 'https://hc-ping.com/abc-123',
      HEARTBEAT_TIMEOUT_MS: '2000',
      RUN_DEADLINE_MINUTES: '30',
      MAX_PLAN_AGE_MINUTES: '5',
    });
    expect(config.schedule).toEqual({
      noTradeFirstMinutes: 10,
      noTradeLastMinutes: 5,
      heartbeatUrl: 'https://hc-ping.com/abc-123',
      heartbeatTimeoutMs: 2000,
      runDeadlineMinutes: 30,
      maxPlanAgeMinutes: 5,
      maxClockSkewSeconds: 300,
    });
    expect(config.email.alertRepeatMinutes).toBe(60);
  });

  it('treats the heartbeat URL as a secret, since such URLs carry a token', () => {
    const { config } = load({ HEARTBEAT_URL: 'https://hc-ping.com/abc-123' });
    expect(secretsOf(config)).toContain('https://hc-ping.com/abc-123');
  });

  it.each([
    ['RUN_DEADLINE_MINUTES', '0', /RUN_DEADLINE_MINUTES: /],
    ['RUN_DEADLINE_MINUTES', '60', /RUN_DEADLINE_MINUTES: /],
    ['MAX_PLAN_AGE_MINUTES', '0', /MAX_PLAN_AGE_MINUTES: /],
    ['HEARTBEAT_URL', 'ftp://example.com/x', /HEARTBEAT_URL: must start with http:\/\/ or https:\/\//],
    ['HEARTBEAT_URL', 'not a url', /HEARTBEAT_URL: must be a URL/],
    ['NO_TRADE_FIRST_MINUTES', '-1', /NO_TRADE_FIRST_MINUTES/],
    ['NO_TRADE_LAST_MINUTES', 'ten', /NO_TRADE_LAST_MINUTES/],
    ['ALERT_REPEAT_MINUTES', '1.5', /ALERT_REPEAT_MINUTES/],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(() => load({ [name]: value })).toThrow(ConfigError);
    expect(() => load({ [name]: value })).toThrow(message);
  });
});
