/**
 * The run's side of split detection (run/find-splits.ts) on the in-memory records: what it reads (the last
 * snapshot, the orders and fills since, the broker's statements only when a break looks like a split) and what
 * it makes of the ledger check.
 */
import { describe, expect, it } from 'vitest';
import { findSplits } from '../../src/run/find-splits.js';
import type { LedgerState } from '../../src/run/check-ledger.js';
import type { BrokerStatement, StatementSource } from '../../src/ports/statements.js';
import { StatementError } from '../../src/ports/statements.js';
import { memoryStores } from '../support/memory-store.js';
import { aBrokerOrder, anExecution, anOrder } from '../storage/fixtures.js';

const SNAP_RUN = 'run-mon';
const NOW = '2026-11-24T14:35:00.000Z';

function recordsWithSnapshot() {
  const { store } = memoryStores();
  store.startRun({ runId: SNAP_RUN, startedAt: '2026-11-23T20:34:00.000Z', tradingDay: '2026-11-23', dryRun: false });
  store.recordSnapshot(
    SNAP_RUN,
    {
      netLiquidation: 200_000,
      cash: 88_000,
      grossPositionValue: 112_000,
      leverage: 0.56,
      maintMargin: 0,
      excessLiquidity: 0,
      cushion: 1,
      currency: 'USD',
    },
    [{ symbol: 'AAPL', quantity: 147, avgCost: 600, marketPrice: 760, marketValue: 111_720, weight: 0.56, targetWeight: 0.56 }],
  );
  store.startRun({ runId: 'run-tue', startedAt: NOW, tradingDay: '2026-11-24', dryRun: false });
  return store;
}

const broken = (broker: number): LedgerState => ({
  lines: [{ symbol: 'AAPL', ledgerQuantity: 147, brokerQuantity: broker, difference: broker - 147 }],
  breaks: [{ symbol: 'AAPL', ledgerQuantity: 147, brokerQuantity: broker }],
});

const split4 = {
  positions: [{ account: 'DU1', symbol: 'AAPL', quantity: 588, avgCost: 150 }],
  quotes: { AAPL: { symbol: 'AAPL', bid: 189.9, ask: 190.1 } },
};

function statementsOf(answer: () => Promise<BrokerStatement>): StatementSource & { asked: number } {
  const source = {
    name: 'IB Flex Web Service (query 7)',
    asked: 0,
    statement: () => {
      source.asked += 1;
      return answer();
    },
  };
  return source;
}

describe('findSplits', () => {
  it('turns a split break into an agreeing line and a split to record', async () => {
    const store = recordsWithSnapshot();
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4 });
    expect(found.breaks).toEqual([]);
    expect(found.lines).toEqual([{ symbol: 'AAPL', ledgerQuantity: 588, brokerQuantity: 588, difference: 0 }]);
    expect(found.splits?.map((s) => [s.symbol, s.quantity, s.confirmed])).toEqual([['AAPL', 441, false]]);
  });

  it('a fill of an own order after the snapshot keeps the break, the order named', async () => {
    const store = recordsWithSnapshot();
    const ref = 'rebal:run-mon:AAPL';
    store.recordOrderIntent(SNAP_RUN, { ...anOrder({ orderRef: ref, quantity: 10, limitPrice: 760 }) }, '2026-11-23T20:34:30.000Z');
    store.markOrderSent(ref, aBrokerOrder({ orderRef: ref, quantity: 10, limitPrice: 760 }));
    store.recordFills(SNAP_RUN, [anExecution({ orderRef: ref, quantity: 10, price: 760, time: '2026-11-23T20:50:00.000Z' })]);
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4 });
    expect(found.splits ?? []).toEqual([]);
    expect(found.breaks[0]?.likelyCause).toMatch(
      /^looks like a 4:1 split, but AAPL also traded since the last snapshot: order rebal:run-mon:AAPL filled BUY 10 at 2026-11-23T20:50:00.000Z/,
    );
  });

  it('an own order still working in the ticker keeps the break', async () => {
    const store = recordsWithSnapshot();
    const ref = 'rebal:run-tue:AAPL';
    store.recordOrderIntent('run-tue', anOrder({ orderRef: ref }), NOW);
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4 });
    expect(found.breaks[0]?.likelyCause).toContain(`order ${ref} (BUY 10) is Intent`);
  });

  it('asks the statements only when a break looks like a split, and says why they could not confirm it', async () => {
    const store = recordsWithSnapshot();
    const failing = statementsOf(() => Promise.reject(new StatementError('Flex 1018: too many requests', true, 1018)));
    const plain = await findSplits(broken(150), { store, account: 'DU1', now: NOW, ...split4, statements: failing });
    expect(failing.asked).toBe(0);
    expect(plain.breaks).toEqual([{ symbol: 'AAPL', ledgerQuantity: 147, brokerQuantity: 150 }]);
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4, statements: failing });
    expect(failing.asked).toBe(1);
    expect(found.splits?.[0]?.notice).toContain('IB Flex Web Service (query 7) could not be read: Flex 1018: too many requests');
  });

  it('a statement without the Corporate Actions section is named as such', async () => {
    const store = recordsWithSnapshot();
    const source = statementsOf(() => Promise.resolve({ fromDate: '2026-11-23', toDate: '2026-11-24', generatedAt: NOW, executions: [] }));
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4, statements: source });
    expect(found.splits?.[0]?.notice).toContain('the statement has no Corporate Actions section');
  });

  it('no snapshot: stays a break, the cause named', async () => {
    const { store } = memoryStores();
    const found = await findSplits(broken(588), { store, account: 'DU1', now: NOW, ...split4 });
    expect(found.breaks[0]?.likelyCause).toBe(
      'looks like a 4:1 split, but there is no earlier snapshot of AAPL to compare the price and the average cost with',
    );
  });
});
