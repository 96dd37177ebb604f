/**
 * An order of an earlier run that filled after that run ended is the hourly routine at any size (at 500 tickers,
 * hundreds every hour): the run says so in its reconcile section, and sends no warning email for it. A change that
 * is news (an order rejected or killed by the broker, an intent found sent after a crash) still warns.
 */
import { describe, expect, it } from 'vitest';
import { runRebalance } from '../../src/run/rebalance-run.js';
import { isRoutine } from '../../src/run/reconcile-orders.js';
import { aRunWithWorkingOrder, MSFT_REF } from '../support/working-orders.js';
import { aPosition } from '../support/scripted-broker.js';
import type { MemoryRun } from '../support/memory-ports.js';

/** The earlier run's MSFT order (10 @ 405) filled after that run: no longer open, its execution reported. */
function filledSinceTheLastRun(run: MemoryRun): void {
  run.broker.script.openOrders = [];
  run.broker.script.positions = [...run.broker.script.positions, aPosition('MSFT', 10, { avgCost: 405 })];
  run.broker.script.executions = [
    {
      execId: 'e-msft-1',
      orderRef: MSFT_REF,
      brokerOrderId: 41,
      symbol: 'MSFT',
      side: 'BUY',
      quantity: 10,
      price: 404,
      time: '2026-11-23T14:40:00Z',
      commission: 1,
    },
  ];
}

describe('routine reconciliation is no reason for a warning email', () => {
  it('an order filled since the last run: printed in the reconcile section, not a notice, no warning email', async () => {
    const run = aRunWithWorkingOrder();
    filledSinceTheLastRun(run);
    const result = await runRebalance(run);
    expect(result.exitCode, run.lines.join('\n')).toBe(0);
    expect(run.lines.join('\n')).toMatch(new RegExp(`${MSFT_REF.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Filled`));
    expect(result.notices.filter((n) => n.includes(MSFT_REF))).toEqual([]);
    expect(run.mailer.alerts()).toEqual([]);
  });

  it('tells routine changes from news', () => {
    expect(isRoutine('Submitted', 'Filled', false)).toBe(true);
    expect(isRoutine('Submitted', 'Cancelled', false)).toBe(true);
    expect(isRoutine('PreSubmitted', 'ApiCancelled', false)).toBe(true);
    // Not a status IB reports nor the records hold: never taken for the routine.
    expect(isRoutine('PartiallyFilled', 'Cancelled', false)).toBe(false);
    expect(isRoutine('PendingSubmit', 'Submitted', false)).toBe(false);
    // News: an intent or an Unknown resolved, a crash recovered, a rejection or a killed order.
    expect(isRoutine('Intent', 'Filled', true)).toBe(false);
    expect(isRoutine('Unknown', 'Filled', false)).toBe(false);
    expect(isRoutine('SendFailed', 'Submitted', true)).toBe(false);
    expect(isRoutine('Submitted', 'Inactive', false)).toBe(false);
    expect(isRoutine('Submitted', 'Rejected', false)).toBe(false);
    expect(isRoutine('Submitted', 'Unknown', false)).toBe(false);
  });
});
