/**
 * Runs on memory ports with an order an earlier run left working (MSFT, BUY 10 @ 405), under ORDER_UPDATES=modify,
 * and what the tests of working orders read back from the scripted broker.
 */
import { expect } from 'vitest';
import type { BrokerOrder } from '../../src/core/types.js';
import { runRebalance, type RunResult } from '../../src/run/rebalance-run.js';
import { orderRefFor } from '../../src/run/run-id.js';
import {
  EARLIER,
  memoryRun,
  runIdAt,
  runInvariantViolations,
  seedEarlierRun,
  WORKING,
  type MemoryRun,
  type MemoryRunOverrides,
} from './memory-ports.js';

export const EARLIER_RUN = runIdAt(EARLIER, 'earlier');
export const MSFT_REF = orderRefFor(EARLIER_RUN, 'MSFT');

/** The working order's fields a test may change (not its orderRef, which names the earlier run). */
export type WorkingOrderFields = Partial<Omit<BrokerOrder, 'orderRef' | 'action'>> & { action?: 'BUY' | 'SELL' };

/** A run (ORDER_UPDATES=modify unless the overrides say otherwise) with the earlier run's MSFT order working. */
export function aRunWithWorkingOrder(overrides: MemoryRunOverrides = {}, order: WorkingOrderFields = {}): MemoryRun {
  const run = memoryRun({ ...overrides, settings: { orderUpdates: 'modify', ...overrides.settings } });
  seedEarlierRun(run, EARLIER, { order: { ...WORKING, ...order } });
  return run;
}

/** The run, and every invariant a run must keep whatever happened in it. */
export async function go(run: MemoryRun): Promise<RunResult> {
  const result = await runRebalance(run);
  expect(runInvariantViolations(run, result)).toEqual([]);
  return result;
}

/** "ACTION QTY SYMBOL" of every new order given to the broker, in order. */
export const placed = (run: MemoryRun): string[] => run.broker.callsTo('placeOrder').map(([o]) => `${o.action} ${o.quantity} ${o.symbol}`);
/** The orderRef of every order the run asked the broker to cancel, in order. */
export const cancelled = (run: MemoryRun): string[] => run.broker.callsTo('cancelOrder').map(([o]) => o.orderRef);

/**
 * As a run killed between sending a change of the MSFT order and learning its fate leaves the records: the run
 * started and never finished, the change recorded as 'Intent'. Returns the killed run's id.
 */
export function seedKilledChange(run: MemoryRun, change: { quantity: number; limitPrice: number }): string {
  const killed = runIdAt('2026-11-23T15:00:00Z', 'killed');
  run.store.startRun({ runId: killed, startedAt: '2026-11-23T15:00:00Z', tradingDay: '2026-11-23', dryRun: false });
  run.store.recordModificationIntent(
    killed,
    { runId: killed, orderRef: MSFT_REF, brokerOrderId: 41, fromQuantity: 10, fromLimitPrice: 405, filledBefore: 0, ...change },
    '2026-11-23T15:00:05Z',
  );
  return killed;
}
