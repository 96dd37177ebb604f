/**
 * The alert throttle keeps one alert per cause: "gateway down" and, an hour later, "connection dropped mid-run"
 * are both FAILED with BROKER_ERROR, yet they are different causes and each must reach a person. The same cause
 * repeating (with other order ids, times, ports or amounts in its text) is still throttled.
 */
import { describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/ports/broker.js';
import { alertKeyOf, causeOf } from '../../src/report/alert-throttle.js';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { memoryRun, type MemoryRun } from '../support/memory-ports.js';

const HOUR_1 = '2026-11-23T15:30:00Z';
const HOUR_2 = '2026-11-23T16:30:00Z';
const HOUR_3 = '2026-11-23T17:30:00Z';

const gatewayDown = (port: number): BrokerError =>
  new BrokerError(`could not connect to TWS/IB Gateway at 127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`, 'connect');

/** A run on the records of `first` (if given), an hour later, whose broker fails as `inject` says. */
function runAt(now: string, inject: (r: MemoryRun) => void, first?: MemoryRun): MemoryRun {
  const run = memoryRun({ now, ...(first ? { stores: first.stores } : {}) });
  inject(run);
  return run;
}

describe('the alert throttle tells causes apart', () => {
  it('a new cause within the interval is alerted: gateway down, then the connection dropped mid-run', async () => {
    const first = runAt(HOUR_1, (r) => r.broker.fail('connect', gatewayDown(4002)));
    expect((await runRebalance(first)).exitCode).toBe(1);
    expect(first.mailer.alerts()).toHaveLength(1);

    // An hour later (the interval is 180 min): connected, then the connection drops while reading the account.
    const second = runAt(HOUR_2, (r) => r.broker.dropConnection('accountSummary'), first);
    const result = await runRebalance(second);
    expect(result.status).toBe('failed');
    expect(result.breaches.map((b) => b.code)).toEqual(['BROKER_ERROR']);
    expect(second.lines.join('\n')).not.toMatch(/alert email suppressed/);
    expect(second.mailer.alerts()).toHaveLength(1);
    expect(second.mailer.alerts()[0]?.text).toContain('connectivity between IB and TWS/IB Gateway was lost');
  });

  it('the same cause repeating is still throttled, whatever numbers its text carries', async () => {
    const first = runAt(HOUR_1, (r) => r.broker.fail('connect', gatewayDown(4002)));
    await runRebalance(first);
    const second = runAt(HOUR_2, (r) => r.broker.fail('connect', gatewayDown(4001)), first);
    await runRebalance(second);
    expect(second.mailer.alerts()).toHaveLength(0);
    expect(second.lines.join('\n')).toMatch(/alert email suppressed: the same alert went out 60 min ago/);

    const third = runAt(
      HOUR_3,
      (r) => r.broker.fail('executions', new BrokerError('executions: no answer from IB within 10000 ms', 'timeout', undefined, 31)),
      first,
    );
    await runRebalance(third);
    expect(third.mailer.alerts()).toHaveLength(1);
  });
});

describe('causeOf', () => {
  it('keeps the words of a failure and drops what changes between runs: ids, times, amounts, order refs', () => {
    expect(causeOf('broker: order rebal:20261123T153000Z-ab12:MSFT (order 41) rejected at 410.41 on 2026-11-23T15:30:00Z')).toBe(
      causeOf('broker: order rebal:20261123T163000Z-c3d4:MSFT (order 97) rejected at 409.9 on 2026-11-23T16:30:00Z'),
    );
    expect(causeOf('broker: could not connect to TWS/IB Gateway at 127.0.0.1:4002')).not.toBe(
      causeOf('broker: connectivity between IB and TWS/IB Gateway was lost (IB code 1100)'),
    );
    // An IB error code names the cause: two codes are two causes.
    expect(causeOf('broker: quotes: refused (IB code 354)')).not.toBe(causeOf('broker: quotes: refused (IB code 10197)'));
    expect(causeOf(undefined)).toBeUndefined();
    expect(causeOf('  ')).toBeUndefined();
  });

  it('is part of the key, so two failures with the same breaches but different causes have different keys', () => {
    const breaches = [{ code: 'BROKER_ERROR' as const }];
    expect(alertKeyOf('FAILED', breaches, 'broker: connect refused')).not.toBe(alertKeyOf('FAILED', breaches, 'broker: session closed'));
    expect(alertKeyOf('FAILED', breaches)).toBe('FAILED|BROKER_ERROR');
  });
});
