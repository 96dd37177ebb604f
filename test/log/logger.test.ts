import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, logFilePath } from '../../src/log/logger.js';

const PASSWORD = 'hunter2"q\\z';
const SMTP_URL = `smtps://bot:${encodeURIComponent(PASSWORD)}@mail.example.com:465`;
const SECRETS = [SMTP_URL, PASSWORD, encodeURIComponent(PASSWORD)];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'rebalancer-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function readLines(logDir: string): Record<string, unknown>[] {
  return readFileSync(logFilePath(logDir), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('creates the directory and writes JSON lines synchronously, with the run id on each', () => {
    const logDir = join(dir, 'nested', 'logs');
    const logger = createLogger({ logDir, level: 'info', secrets: [], runId: '20261121T1530Z-ab12' });
    logger.info({ orders: 3 }, 'planned');
    logger.debug('not at info level');
    // No flush, no wait: the line is on disk as soon as the call returns.
    const lines = readLines(logDir);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'planned', orders: 3, runId: '20261121T1530Z-ab12', level: 30 });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('never writes a secret to the file, wherever it appears', () => {
    const logger = createLogger({ logDir: dir, level: 'trace', secrets: SECRETS });
    logger.info(`connecting to ${SMTP_URL}`);
    logger.info('password is %s', PASSWORD);
    logger.warn({ smtpUrl: SMTP_URL, detail: `the password ${PASSWORD} was refused` }, 'smtp problem');
    logger.error({ err: new Error(`auth failed for ${PASSWORD}`, { cause: new Error(`cause ${PASSWORD}`) }) }, 'send failed');
    logger.error(new Error(`bare error ${SMTP_URL}`));
    logger.child({ config: { email: { smtpUrl: SMTP_URL } }, note: PASSWORD }).info('child line');
    logger.info({ auth: { user: 'bot', pass: 'unlisted-pass' }, password: 'unlisted-password' }, 'known keys');
    logger.info(`an unlisted url https://alice:unlisted-url-pw@example.com/x`);
    logger.info({ list: [PASSWORD, { deep: { deeper: `x${PASSWORD}x` } }] }, 'nested');

    const text = readFileSync(logFilePath(dir), 'utf8');
    for (const secret of [
      ...SECRETS,
      JSON.stringify(PASSWORD).slice(1, -1),
      'hunter2',
      'unlisted-pass',
      'unlisted-password',
      'unlisted-url-pw',
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).toContain('***');
    const lines = readLines(dir);
    expect(lines).toHaveLength(9);
    expect(lines[0]?.msg).toBe('connecting to ***');
    expect(lines[1]?.msg).toBe('password is ***');
    expect(lines[2]).toMatchObject({ smtpUrl: '***', detail: 'the password *** was refused' });
    expect(lines[3]).toMatchObject({ err: { type: 'Error', message: expect.stringContaining('auth failed for ***') } });
    expect(lines[4]).toMatchObject({ err: { message: 'bare error ***' } });
    expect(lines[6]).toMatchObject({ auth: { user: 'bot', pass: '***' }, password: '***' });
    expect(lines[7]?.msg).toBe('an unlisted url https://alice:***@example.com/x');
  });

  it('appends to an existing log file', () => {
    createLogger({ logDir: dir, level: 'info', secrets: [] }).info('first');
    createLogger({ logDir: dir, level: 'info', secrets: [] }).info('second');
    expect(existsSync(logFilePath(dir))).toBe(true);
    expect(readLines(dir).map((l) => l.msg)).toEqual(['first', 'second']);
  });
});
