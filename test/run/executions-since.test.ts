/**
 * Where a run's executions window starts: the last run that collected, an hour before its start, placed on the
 * broker's clock with the offset that run measured. A machine clock set right after running ahead of IB's must not
 * move the window past the fills in between.
 */
import { describe, expect, it } from 'vitest';
import { executionsSince } from '../../src/run/collect-fills.js';
import { MemoryStore, memoryStores } from '../support/memory-store.js';

const HOUR = 3_600_000;

function storeWithRun(startedAt: string, offsetMs?: number): MemoryStore {
  const { store } = memoryStores({ now: () => startedAt });
  store.startRun({ runId: 'last', startedAt, tradingDay: startedAt.slice(0, 10), dryRun: false });
  if (offsetMs !== undefined) store.recordBrokerClock('last', offsetMs);
  store.finishRun('last', { finishedAt: startedAt, status: 'ok', exitCode: 0 });
  return store;
}

describe('executionsSince', () => {
  it('an hour before the last run, when the clocks agreed then and now', () => {
    const store = storeWithRun('2026-11-23T17:40:00.000Z', 0);
    expect(executionsSince(store, 'this', '2026-11-23T18:40:00.000Z')).toBe('2026-11-23T16:40:00.000Z');
  });

  it("the machine two hours ahead then, set right since: the window starts from the run on the broker's clock (15:40 - 1 h)", () => {
    // The last run started at 17:40 by the machine's clock, 15:40 by IB's; now both read 15:50.
    const store = storeWithRun('2026-11-23T17:40:00.000Z', -2 * HOUR);
    expect(store.recentRuns(1)[0]?.brokerClockOffsetMs).toBe(-2 * HOUR);
    expect(executionsSince(store, 'this', '2026-11-23T15:50:00.000Z', (iso) => iso)).toBe('2026-11-23T14:40:00.000Z');
  });

  it("still two hours ahead now: on the machine's clock, so the caller's move onto IB's lands an hour before the run", () => {
    const store = storeWithRun('2026-11-23T17:40:00.000Z', -2 * HOUR);
    const toMachine = (brokerIso: string): string => new Date(Date.parse(brokerIso) + 2 * HOUR).toISOString();
    expect(executionsSince(store, 'this', '2026-11-23T18:40:00.000Z', toMachine)).toBe('2026-11-23T16:40:00.000Z');
  });

  it('a run recorded before offsets were kept: its start as recorded', () => {
    const store = storeWithRun('2026-11-23T17:40:00.000Z');
    expect(executionsSince(store, 'this', '2026-11-23T18:40:00.000Z')).toBe('2026-11-23T16:40:00.000Z');
  });
});
