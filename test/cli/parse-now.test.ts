import { describe, expect, it } from 'vitest';
import { resolveNow } from '../../src/cli/parse-now.js';
import { ConfigError } from '../../src/errors.js';

describe('the run clock (--now, REBALANCER_NOW)', () => {
  it.each([
    ['2026-11-23T15:35:00Z', '2026-11-23T15:35:00.000Z'],
    ['2026-11-23T10:35:00-05:00', '2026-11-23T15:35:00.000Z'],
    ['2026-11-23T16:35+0100', '2026-11-23T15:35:00.000Z'],
  ])('accepts %s as %s', (value, instant) => {
    expect(resolveNow(value, {})).toBe(instant);
  });

  it.each(['2026-11-23', '2026-11-23T10:35', '2026-11-23 10:35', 'yesterday', '2026-13-01T10:00Z'])(
    'refuses %s, which names no instant',
    (value) => {
      expect(() => resolveNow(value, {})).toThrow(ConfigError);
      expect(() => resolveNow(value, {})).toThrow(/--now: not an ISO 8601 time with a zone/);
    },
  );

  it('uses REBALANCER_NOW when there is no flag, and names it in errors', () => {
    expect(resolveNow(undefined, { REBALANCER_NOW: '2026-11-23T15:35:00Z' })).toBe('2026-11-23T15:35:00.000Z');
    expect(() => resolveNow(undefined, { REBALANCER_NOW: '2026-11-23' })).toThrow(/REBALANCER_NOW/);
  });
});
