/**
 * The run lock is checked before every order (issue 9, item 9): a lock file removed or replaced during a slow
 * run lets a second run start beside it, so the first sends nothing more, fails and says why.
 */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { memoryRun, runInvariantViolations } from '../support/memory-ports.js';

describe('the lock gate before each order', () => {
  it('a lock lost after the first order stops the rest: LOCK_LOST, exit 1, alerted', async () => {
    let lostAfter = Number.POSITIVE_INFINITY;
    const run = {
      ...memoryRun(),
      lock: {
        lost: () =>
          run.broker.callsTo('placeOrder').length >= lostAfter
            ? 'the run lock /d/run.lock.db was removed or replaced during the run'
            : undefined,
      },
    };
    lostAfter = 1;
    const result = await runRebalance(run);
    expect(runInvariantViolations(run, result)).toEqual([]);
    expect(run.broker.callsTo('placeOrder')).toHaveLength(1);
    expect(result.sent).toHaveLength(1);
    const breach = result.breaches.find((b) => b.code === 'LOCK_LOST');
    expect(breach?.detail).toMatch(/removed or replaced during the run: not sent: /);
    expect(result).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(run.mailer.alerts()).toHaveLength(1);
    expect(run.mailer.alerts()[0]?.text).toContain('LOCK_LOST');
  });

  it('a lock that holds lets every order out', async () => {
    const run = { ...memoryRun(), lock: { lost: () => undefined } };
    const result = await runRebalance(run);
    expect(result.breaches.some((b) => b.code === 'LOCK_LOST')).toBe(false);
    expect(run.broker.callsTo('placeOrder').length).toBeGreaterThan(1);
    expect(result.exitCode).toBe(0);
  });
});
