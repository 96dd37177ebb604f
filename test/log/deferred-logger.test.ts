/**
 * The read-only commands' logger: nothing is created (directory, file) until something is logged; then it writes
 * the same lines as createLogger, secrets masked, and its children and level work as pino's.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deferredLogger, logFilePath } from '../../src/log/logger.js';

describe('deferredLogger', () => {
  it('creates nothing until the first line, then logs as createLogger does', () => {
    const logDir = join(mkdtempSync(join(tmpdir(), 'rebalancer-deferred-log-')), 'logs');
    const logger = deferredLogger({ logDir, level: 'info', secrets: ['hunter2-secret'], runId: 'run-1' });
    expect(existsSync(logDir)).toBe(false);
    logger.debug('below the level');
    expect(logger.level).toBe('info');
    logger.warn({ detail: 'the password is hunter2-secret' }, 'first');
    logger.child({ part: 'child' }).info('second');
    const lines = readFileSync(logFilePath(logDir), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.runId, l.part])).toEqual([
      ['first', 'run-1', undefined],
      ['second', 'run-1', 'child'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2-secret');
  });
});
