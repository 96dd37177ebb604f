/**
 * Splits over hourly runs on the sim broker: the scenario splits a held ticker at its ex-date's open (positions
 * multiplied, prices and average costs divided, cash in lieu of a fraction). The next run records a 'split'
 * adjustment of the ledger and a notice instead of a POSITION_BREAK, trades nothing because of it, and the run
 * after plans the ticker as usual. What only looks like a split (a trade by hand, a split with a trade) stays a
 * break, its likely cause named.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/run/rebalance-run.js';
import type { BrokerStatement, StatementSource } from '../../src/ports/statements.js';
import {
  outbox,
  records,
  runAt,
  simScenario,
  simState,
  simWorkspace,
  tradeByHand,
  writeWeights,
  type SimWorkspace,
} from '../support/sim-workspace.js';
import { hourlyRun, testPreviewPorts, testSettings } from '../support/run-harness.js';
import { previewPlan } from '../../src/run/preview-plan.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { simBrokerOf } from '../support/sim-workspace.js';

/** Monday 23 November 2026, in session; the split's ex-date is Tuesday 24 (09:30 New York = 14:30Z). */
const MON = ['2026-11-23T15:35:00Z', '2026-11-23T16:35:00Z'] as const;
const TUE = ['2026-11-24T14:35:00Z', '2026-11-24T15:35:00Z'] as const;
const WEIGHTS = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 };

function splitScenario(ratio: string, symbol = 'AAPL'): Record<string, unknown> {
  return simScenario({ events: [{ type: 'split', symbol, ratio, exDate: '2026-11-24' }] });
}

/** Monday's two runs: the first trades to the targets, the second finds the ledger in agreement. */
async function tradedMonday(ws: SimWorkspace): Promise<number> {
  for (const now of MON) {
    writeWeights(ws, now, WEIGHTS);
    const result = await runAt(ws, now);
    expect(result.exitCode).toBe(0);
    expect(result.ledger?.breaks).toEqual([]);
  }
  const aapl = simState(ws).positions.AAPL;
  if (aapl === undefined) throw new Error('no AAPL position');
  return aapl.quantity;
}

function splitRows(
  ws: SimWorkspace,
): { symbol: string; kind: string; quantity: number; ledger_before: number; broker_quantity: number; ratio: string; evidence: string }[] {
  const db = new Database(join(ws.data, 'rebalancer.sqlite'), { readonly: true });
  try {
    return db
      .prepare(
        "SELECT symbol, kind, quantity, ledger_before, broker_quantity, ratio, evidence FROM ledger_adjustments WHERE kind = 'split'",
      )
      .all() as never;
  } finally {
    db.close();
  }
}

function aaplOrders(ws: SimWorkspace, result: RunResult): string[] {
  return records(ws)
    .orders.filter((o) => o.run_id === result.runId && o.symbol === 'AAPL')
    .map((o) => o.order_ref);
}

describe('a split on the sim broker', () => {
  it('4:1: a split adjustment and a notice, no break, nothing traded because of it; the next run trades AAPL as usual', async () => {
    const ws = simWorkspace(splitScenario('4:1'));
    const before = await tradedMonday(ws);
    const cashBefore = simState(ws).cash;

    writeWeights(ws, TUE[0], WEIGHTS);
    const lines: string[] = [];
    const split = await runAt(ws, TUE[0], {}, (...l) => lines.push(...l));
    expect(simState(ws).positions.AAPL?.quantity).toBe(before * 4);
    expect(simState(ws).cash).toBe(cashBefore);
    expect(split.exitCode).toBe(0);
    expect(split.breaches.map((b) => b.code)).not.toContain('POSITION_BREAK');
    expect(split.ledger?.breaks).toEqual([]);
    expect(split.ledger?.splits?.map((s) => [s.symbol, s.ratio, s.ledgerBefore, s.brokerQuantity])).toEqual([
      ['AAPL', { to: 4, from: 1 }, before, before * 4],
    ]);
    expect(split.notices.join('\n')).toContain(`AAPL: 4:1 split recorded in the ledger (${before} -> ${before * 4} shares)`);
    expect(split.notices.join('\n')).toContain('inferred from quantity, price and average cost');
    expect(lines.join('\n')).toContain(`AAPL: 4:1 split (${before} -> ${before * 4})`);
    // Nothing sold or bought because of the split: the value held is the same, within the no-trade band.
    expect(aaplOrders(ws, split)).toEqual([]);
    expect(split.plan?.lines.find((l) => l.symbol === 'AAPL')).toMatchObject({ action: 'NONE', currentQuantity: before * 4 });
    expect(splitRows(ws)).toEqual([
      expect.objectContaining({
        symbol: 'AAPL',
        kind: 'split',
        quantity: before * 3,
        ledger_before: before,
        broker_quantity: before * 4,
        ratio: '4:1',
      }),
    ]);
    expect(splitRows(ws)[0]?.evidence).toContain('price 190 -> 47.5');
    expect(outbox(ws).join('\n')).toContain('4:1 split recorded');

    // The next run: the ledger agrees, and AAPL trades in the new shares when the strategy asks for more.
    writeWeights(ws, TUE[1], { ...WEIGHTS, AAPL: 0.4 });
    const next = await runAt(ws, TUE[1]);
    expect(next.exitCode).toBe(0);
    expect(next.ledger?.breaks).toEqual([]);
    expect(next.ledger?.splits ?? []).toEqual([]);
    const line = next.plan?.lines.find((l) => l.symbol === 'AAPL');
    expect(line?.action).toBe('BUY');
    expect(line?.limitPrice).toBeLessThan(50);
    expect(aaplOrders(ws, next)).toHaveLength(1);
    expect(splitRows(ws)).toHaveLength(1);
  });

  it('1:10 reverse: the fraction is paid in cash, the ledger follows, no break', async () => {
    const ws = simWorkspace(splitScenario('1:10'));
    const before = await tradedMonday(ws);
    expect(before % 10).not.toBe(0);
    const cashBefore = simState(ws).cash;

    writeWeights(ws, TUE[0], WEIGHTS);
    const split = await runAt(ws, TUE[0]);
    const after = Math.floor(before / 10);
    expect(simState(ws).positions.AAPL?.quantity).toBe(after);
    // Cash in lieu of the fraction, at the price after the split (1900).
    expect(simState(ws).cash).toBeCloseTo(cashBefore + ((before % 10) / 10) * 1900, 2);
    expect(split.exitCode).toBe(0);
    expect(split.ledger?.breaks).toEqual([]);
    expect(split.notices.join('\n')).toContain(
      `AAPL: 1:10 split recorded in the ledger (${before} -> ${after} shares; ${(before % 10) / 10} share paid in cash in lieu)`,
    );
    expect(splitRows(ws)).toEqual([
      expect.objectContaining({ kind: 'split', ratio: '1:10', ledger_before: before, broker_quantity: after }),
    ]);
    expect(split.plan?.lines.find((l) => l.symbol === 'AAPL')?.positionBreak).toBeUndefined();
  });

  it('rebalancer plan on the split day shows no break and records nothing; the run after it records the split', async () => {
    const ws = simWorkspace(splitScenario('4:1'));
    const before = await tradedMonday(ws);
    writeWeights(ws, TUE[0], WEIGHTS);
    const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
    try {
      const preview = await previewPlan(
        testPreviewPorts(ws.root, simBrokerOf(ws, true)(ws.data, TUE[0]), new SqliteStore(db)),
        testSettings(),
        TUE[0],
      );
      expect(preview.ledger?.breaks).toEqual([]);
      expect(preview.ledger?.splits?.map((s) => s.notice)).toEqual([
        expect.stringContaining(`AAPL: 4:1 split recorded in the ledger (${before} -> ${before * 4} shares)`),
      ]);
      expect(preview.plan?.lines.find((l) => l.symbol === 'AAPL')).toMatchObject({ action: 'NONE' });
    } finally {
      db.close();
    }
    expect(splitRows(ws)).toEqual([]);
    const run = await runAt(ws, TUE[0]);
    expect(run.ledger?.breaks).toEqual([]);
    expect(splitRows(ws)).toHaveLength(1);
  });

  it('confirmed by the broker statements when they list the split', async () => {
    const ws = simWorkspace(splitScenario('4:1'));
    await tradedMonday(ws);
    const asked: string[] = [];
    const statements: StatementSource = {
      name: 'IB Flex Web Service (query 42)',
      statement: (account, fromDate, toDate): Promise<BrokerStatement> => {
        asked.push(`${account} ${fromDate}..${toDate}`);
        return Promise.resolve({
          fromDate,
          toDate,
          generatedAt: '2026-11-24T14:00:00Z',
          executions: [],
          corporateActions: [
            {
              transactionId: '555',
              type: 'FS',
              symbol: 'AAPL',
              assetCategory: 'STK',
              currency: 'USD',
              quantity: '0',
              amount: '0',
              proceeds: '0',
              value: '0',
              date: '2026-11-24',
              description: 'AAPL(US0378331005) SPLIT 4 FOR 1 (AAPL, APPLE INC, US0378331005)',
            },
          ],
        });
      },
    };
    writeWeights(ws, TUE[0], WEIGHTS);
    const split = await hourlyRun(ws.root, TUE[0], { broker: simBrokerOf(ws), statements });
    expect(split.ledger?.breaks).toEqual([]);
    expect(asked).toEqual(['DU0000001 2026-11-23..2026-11-24']);
    expect(split.notices.join('\n')).toContain("confirmed by IB's corporate actions (FS 2026-11-24, transaction 555");
  });
});

describe('what only looks like a split stays a break', () => {
  it('a trade by hand that doubles the position at the same price', async () => {
    const ws = simWorkspace(simScenario());
    const before = await tradedMonday(ws);
    tradeByHand(ws, 'AAPL', before, 190);
    writeWeights(ws, TUE[0], WEIGHTS);
    const result = await runAt(ws, TUE[0]);
    expect(result.ledger?.splits ?? []).toEqual([]);
    const breach = result.breaches.find((b) => b.code === 'POSITION_BREAK');
    expect(breach?.detail).toContain('looks like a 2:1 split, but the price did not move by the inverse');
    expect(breach?.detail).toContain('a trade by hand or a lost fill looks like this');
    expect(aaplOrders(ws, result)).toEqual([]);
    expect(splitRows(ws)).toEqual([]);
  });

  it('a split and a trade by hand the same day', async () => {
    const ws = simWorkspace(splitScenario('2:1'));
    const before = await tradedMonday(ws);
    // Tuesday: the split at the open, then a hand trade that brings the position to exactly four times Monday's.
    const opened = simBrokerOf(ws)(ws.data, '2026-11-24T14:31:00Z');
    await opened.connect();
    await opened.disconnect();
    tradeByHand(ws, 'AAPL', before * 2, 95);
    writeWeights(ws, TUE[0], WEIGHTS);
    const result = await runAt(ws, TUE[0]);
    expect(result.ledger?.splits ?? []).toEqual([]);
    const breach = result.breaches.find((b) => b.code === 'POSITION_BREAK');
    expect(breach?.detail).toContain(`ledger ${before} vs broker ${before * 4}`);
    expect(breach?.detail).toContain('looks like a 4:1 split, but the price did not move by the inverse');
    expect(splitRows(ws)).toEqual([]);
  });
});
