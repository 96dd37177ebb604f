/**
 * The system's own ledger per managed ticker (baseline + fills of its own orders + accepted adjustments) against
 * the sim broker's positions, over consecutive hourly runs: a trade made by hand at the broker breaks the ticker,
 * which is then not traded while the others are; too many breaks halt the run; the block lifts when the two agree
 * again, or when a person accepts the broker's figure with `rebalancer reconcile --accept`.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/errors.js';
import { reconcileCommand } from '../../src/cli/commands/reconcile-command.js';
import type { CommandIo } from '../../src/cli/commands/command-io.js';
import { previewPlan, planJson } from '../../src/run/preview-plan.js';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { testPreviewPorts, testSettings } from '../support/run-harness.js';
import {
  HOURS,
  outbox,
  records,
  runAt,
  simBrokerOf,
  simScenario,
  simState,
  simWorkspace,
  tradeByHand,
  writeWeights,
  type SimWorkspace,
} from '../support/sim-workspace.js';

const [T0 = '', T1 = '', T2 = '', T3 = ''] = HOURS;
const WEIGHTS = { AAPL: 0.3, MSFT: 0.3, SPY: 0.2 };

/** Two runs: the first trades to the targets, the second records the fills and finds the ledger in agreement. */
async function tradedWorkspace(scenario = simScenario()): Promise<SimWorkspace> {
  const ws = simWorkspace(scenario);
  for (const now of [T0, T1]) {
    writeWeights(ws, now, WEIGHTS);
    const result = await runAt(ws, now);
    expect(result.exitCode).toBe(0);
    expect(result.ledger?.breaks).toEqual([]);
  }
  return ws;
}

function commandIo(ws: SimWorkspace): CommandIo & { lines: string[] } {
  const lines: string[] = [];
  return {
    cwd: ws.root,
    env: { DATA_DIR: ws.data, LOG_DIR: join(ws.root, 'logs'), FORECAST_DIR: ws.forecasts, SIM_SCENARIO: ws.scenarioFile },
    out: (...l) => lines.push(...l),
    err: (...l) => lines.push(...l),
    lines,
  };
}

describe('the ledger against the broker over hourly runs', () => {
  it('agrees run after run, fills of earlier orders recorded late included, and records a check per run', async () => {
    const ws = await tradedWorkspace();
    writeWeights(ws, T2, WEIGHTS);
    const third = await runAt(ws, T2);
    expect(third.ledger?.lines.map((l) => [l.symbol, l.ledgerQuantity, l.brokerQuantity])).toEqual([
      ['AAPL', 184, 184],
      ['MSFT', 85, 85],
      ['SPY', 38, 38],
    ]);
    const r = records(ws);
    expect(r.adjustments.map((a) => [a.symbol, a.kind, a.quantity])).toEqual([
      ['AAPL', 'baseline', 100],
      ['MSFT', 'baseline', 0],
      ['SPY', 'baseline', 0],
    ]);
    expect(r.breaches).toEqual([]);
  });

  it('keeps agreeing with partial fills spread over runs: a partly filled order is recorded, cancelled, and its fills counted once', async () => {
    const ws = simWorkspace(simScenario({ fills: { partialFillProbability: 1, maxStepValue: 2_000 } }));
    let lastRunId = '';
    for (const now of [T0, T1, T2]) {
      writeWeights(ws, now, WEIGHTS);
      const result = await runAt(ws, now);
      expect(result.exitCode).toBe(0);
      expect(result.ledger?.breaks).toEqual([]);
      lastRunId = result.runId;
    }
    const r = records(ws);
    expect(r.orders.some((o) => o.status === 'Cancelled' && o.filled_quantity > 0)).toBe(true);
    // Every execution at the broker is recorded once, but those of the last run's own orders (the next run's to collect).
    const atBroker = simState(ws).executions.filter((e) => !e.orderRef.startsWith(`rebal:${lastRunId}:`));
    expect(atBroker.length).toBeGreaterThan(3);
    expect(new Set(r.fills.map((f) => f.exec_id))).toEqual(new Set(atBroker.map((e) => e.execId)));
    expect(r.fills).toHaveLength(atBroker.length);
  });

  it('a trade by hand breaks that ticker: it is not traded, its breach names both figures, the others trade, a person is warned; it clears once they agree', async () => {
    const ws = await tradedWorkspace();
    tradeByHand(ws, 'AAPL', 5, 190);
    // The strategy moves weight from AAPL to MSFT: AAPL would sell, MSFT buys.
    const moved = { AAPL: 0.2, MSFT: 0.4, SPY: 0.2 };
    writeWeights(ws, T2, moved);
    const broken = await runAt(ws, T2);
    expect(broken.exitCode).toBe(ExitCode.ok);
    expect(broken.status).toBe('ok');
    expect(broken.breaches).toEqual([
      { code: 'POSITION_BREAK', symbol: 'AAPL', detail: expect.stringMatching(/^AAPL: ledger 184 vs broker 189 \(\+5\) shares/) },
    ]);
    const aapl = broken.plan?.lines.find((l) => l.symbol === 'AAPL');
    expect(aapl).toMatchObject({
      action: 'NONE',
      currentQuantity: 189,
      positionBreak: { symbol: 'AAPL', ledgerQuantity: 184, brokerQuantity: 189 },
    });
    expect(aapl?.reason).toMatch(/^blocked \(POSITION_BREAK: ledger 184 vs broker 189 \(\+5\)\): would have SELL \d+ @ /);
    expect(broken.sent.map((o) => o.symbol)).toEqual(['MSFT']);
    expect(records(ws).breaches.map((b) => [b.code, b.symbol])).toEqual([['POSITION_BREAK', 'AAPL']]);
    expect(outbox(ws).find((m) => /Subject: \[rebalancer\] DU0000001 WARNING: POSITION_BREAK AAPL/.test(m))).toMatch(
      /ledger 184 vs broker 189/,
    );

    // The hand trade is undone at the broker: the ledger agrees again and AAPL trades.
    tradeByHand(ws, 'AAPL', -5, 190);
    writeWeights(ws, T3, moved);
    const cleared = await runAt(ws, T3);
    expect(cleared.exitCode).toBe(ExitCode.ok);
    expect(cleared.breaches).toEqual([]);
    expect(cleared.sent.map((o) => [o.symbol, o.action])).toEqual([['AAPL', 'SELL']]);
  });

  it('more breaks than MAX_POSITION_BREAKS halt the whole run: exit 3, POSITION_BREAKS_LIMIT, no order sent', async () => {
    const ws = await tradedWorkspace();
    tradeByHand(ws, 'AAPL', 1, 190);
    tradeByHand(ws, 'MSFT', -1, 410);
    tradeByHand(ws, 'SPY', 2, 600);
    writeWeights(ws, T2, { AAPL: 0.2, MSFT: 0.4, KO: 0.1 });
    const ordersBefore = simState(ws).orders.length;
    const halted = await runAt(ws, T2, { limits: { ...testSettings().limits, maxPositionBreaks: 2 } });
    expect(halted.exitCode).toBe(ExitCode.blocked);
    expect(halted.plan?.tradingState).toBe('HALTED');
    expect(halted.breaches.map((b) => [b.code, b.symbol])).toEqual([
      ['POSITION_BREAK', 'AAPL'],
      ['POSITION_BREAK', 'MSFT'],
      ['POSITION_BREAK', 'SPY'],
      ['POSITION_BREAKS_LIMIT', undefined],
    ]);
    expect(halted.sent).toEqual([]);
    expect(simState(ws).orders).toHaveLength(ordersBefore);
    expect(outbox(ws).some((m) => /Subject: \[rebalancer\] DU0000001 BLOCKED: POSITION_BREAK/.test(m))).toBe(true);
  });

  it("rebalancer reconcile shows both figures; --accept records the broker's figure, and the next run trades the ticker again", async () => {
    const ws = await tradedWorkspace();
    tradeByHand(ws, 'AAPL', 7, 190);
    writeWeights(ws, T2, WEIGHTS);
    expect((await runAt(ws, T2)).breaches.map((b) => b.code)).toEqual(['POSITION_BREAK']);

    const show = commandIo(ws);
    expect(reconcileCommand(show, { json: false, now: T2 })).toBe(ExitCode.ok);
    expect(show.lines.join('\n')).toMatch(/AAPL\s+184\s+191\s+\+7\s+BREAK: not traded/);
    expect(show.lines.join('\n')).toMatch(/MSFT\s+85\s+85\s+ok/);

    const noReason = commandIo(ws);
    expect(reconcileCommand(noReason, { accept: 'AAPL', json: false, now: T2 })).toBe(ExitCode.usage);
    expect(reconcileCommand(commandIo(ws), { accept: 'TSLA', reason: 'x', json: false, now: T2 })).toBe(ExitCode.usage);

    const accept = commandIo(ws);
    expect(reconcileCommand(accept, { accept: 'aapl', reason: 'bought 7 by hand in TWS', json: false, now: T2 })).toBe(ExitCode.ok);
    expect(accept.lines[0]).toMatch(/^accepted: AAPL ledger 184 -> 191 \(adjustment \+7\)/);
    expect(records(ws).adjustments.at(-1)).toMatchObject({
      symbol: 'AAPL',
      kind: 'accept',
      quantity: 7,
      reason: 'bought 7 by hand in TWS',
      source: expect.stringMatching(/^operator /),
    });
    // A second accept of the same check has nothing left to accept.
    const again = commandIo(ws);
    expect(reconcileCommand(again, { accept: 'AAPL', reason: 'twice', json: false, now: T2 })).toBe(ExitCode.ok);
    expect(again.lines[0]).toMatch(/nothing to accept/);
    expect(records(ws).adjustments.filter((a) => a.kind === 'accept')).toHaveLength(1);

    writeWeights(ws, T3, { AAPL: 0.25, MSFT: 0.3, SPY: 0.2 });
    const next = await runAt(ws, T3);
    expect(next.breaches).toEqual([]);
    expect(next.ledger?.lines.find((l) => l.symbol === 'AAPL')).toMatchObject({ ledgerQuantity: 191, brokerQuantity: 191 });
    expect(next.sent.map((o) => [o.symbol, o.action])).toEqual([['AAPL', 'SELL']]);

    const json = commandIo(ws);
    expect(reconcileCommand(json, { json: true, now: T3 })).toBe(ExitCode.ok);
    const parsed = JSON.parse(json.lines.join('\n')) as { tickers: { symbol: string; agrees: boolean }[] };
    expect(parsed.tickers.every((t) => t.agrees)).toBe(true);
  });

  it("rebalancer plan shows the block in the table's reason and in plan --json, and counts fills the broker reported but no run recorded yet", async () => {
    const ws = await tradedWorkspace();
    // A run sends orders that fill at once; their executions are recorded only by the next run.
    writeWeights(ws, T2, { AAPL: 0.2, MSFT: 0.4, SPY: 0.2 });
    expect((await runAt(ws, T2)).sent.length).toBeGreaterThan(0);
    tradeByHand(ws, 'SPY', -3, 600);
    const db = openDatabase(join(ws.data, 'rebalancer.sqlite'));
    try {
      const preview = await previewPlan(
        testPreviewPorts(ws.root, simBrokerOf(ws, true)(ws.data, T3), new SqliteStore(db)),
        testSettings(),
        T3,
      );
      const json = planJson(preview) as {
        orders: { symbol: string; action: string; positionBreak: unknown; reason: string }[];
        ledger: { symbol: string; agrees: boolean }[];
      };
      expect(json.ledger.map((l) => [l.symbol, l.agrees])).toEqual([
        ['AAPL', true],
        ['MSFT', true],
        ['SPY', false],
      ]);
      const spy = json.orders.find((o) => o.symbol === 'SPY');
      expect(spy).toMatchObject({ action: 'NONE', positionBreak: { symbol: 'SPY', ledgerQuantity: 38, brokerQuantity: 35 } });
      expect(spy?.reason).toMatch(/^blocked \(POSITION_BREAK: ledger 38 vs broker 35 \(-3\)\)/);
      expect(json.orders.find((o) => o.symbol === 'MSFT')?.positionBreak).toBeNull();
    } finally {
      db.close();
    }
  });
});
