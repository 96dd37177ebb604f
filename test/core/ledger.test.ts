import { describe, expect, it } from 'vitest';
import {
  blockBrokenSymbols,
  checkPositionBreaks,
  compareLedger,
  describeBreak,
  positionBreaksOf,
  type LedgerAdjustment,
  type LedgerInputs,
} from '../../src/core/ledger.js';
import { planRebalance } from '../../src/core/plan-rebalance.js';
import { tradingStateFor } from '../../src/core/trading-state.js';
import type { BrokerPosition, PlanInputs } from '../../src/core/types.js';
import { aForecast, aLine, aQuietLine, someInputs, someLimits } from './builders.js';

const held = (positions: Record<string, number>): BrokerPosition[] =>
  Object.entries(positions).map(([symbol, quantity]) => ({ account: 'DU0000001', symbol, quantity, avgCost: 100 }));
const baseline = (symbol: string, quantity: number): LedgerAdjustment => ({ symbol, kind: 'baseline', quantity });
const accepted = (symbol: string, quantity: number): LedgerAdjustment => ({ symbol, kind: 'accept', quantity });
const ledger = (overrides: Partial<LedgerInputs>): LedgerInputs => ({
  symbols: [],
  adjustments: [],
  ownFills: [],
  positions: [],
  ...overrides,
});

describe('compareLedger', () => {
  const rows: { name: string; input: LedgerInputs; expected: { symbol: string; ledger: number; broker: number; difference: number }[] }[] =
    [
      {
        name: 'agrees when baseline plus own fills equals the broker position',
        input: ledger({
          symbols: ['AAPL'],
          adjustments: [baseline('AAPL', 100)],
          ownFills: [{ symbol: 'AAPL', quantity: 20 }],
          positions: held({ AAPL: 120 }),
        }),
        expected: [{ symbol: 'AAPL', ledger: 120, broker: 120, difference: 0 }],
      },
      {
        name: 'breaks on a manual trade the ledger never saw',
        input: ledger({
          symbols: ['AAPL'],
          adjustments: [baseline('AAPL', 100)],
          ownFills: [{ symbol: 'AAPL', quantity: 20 }],
          positions: held({ AAPL: 125 }),
        }),
        expected: [{ symbol: 'AAPL', ledger: 120, broker: 125, difference: 5 }],
      },
      {
        name: 'breaks when the broker liquidated a position the ledger still holds (no position at the broker is 0)',
        input: ledger({
          symbols: ['MSFT'],
          adjustments: [baseline('MSFT', 0)],
          ownFills: [{ symbol: 'MSFT', quantity: 40 }],
          positions: [],
        }),
        expected: [{ symbol: 'MSFT', ledger: 40, broker: 0, difference: -40 }],
      },
      {
        name: 'counts partial fills, sells and accepted adjustments, each once',
        input: ledger({
          symbols: ['SPY'],
          adjustments: [baseline('SPY', 10), accepted('SPY', -3)],
          ownFills: [
            { symbol: 'SPY', quantity: 7 },
            { symbol: 'SPY', quantity: 5 },
            { symbol: 'SPY', quantity: -4 },
          ],
          positions: held({ SPY: 15 }),
        }),
        expected: [{ symbol: 'SPY', ledger: 15, broker: 15, difference: 0 }],
      },
      {
        name: 'sums the broker positions of a ticker and compares in decimal, so 0.1 + 0.2 shares is 0.3',
        input: ledger({
          symbols: ['KO'],
          adjustments: [baseline('KO', 0.1)],
          ownFills: [{ symbol: 'KO', quantity: 0.2 }],
          positions: held({ KO: 0.3 }),
        }),
        expected: [{ symbol: 'KO', ledger: 0.3, broker: 0.3, difference: 0 }],
      },
    ];
  it.each(rows)('$name', ({ input, expected }) => {
    expect(
      compareLedger(input).map((l) => ({ symbol: l.symbol, ledger: l.ledgerQuantity, broker: l.brokerQuantity, difference: l.difference })),
    ).toEqual(expected);
  });

  it('adopts the broker position of a ticker without a baseline, and says what baseline to record', () => {
    const [line] = compareLedger(
      ledger({ symbols: ['AAPL'], ownFills: [{ symbol: 'AAPL', quantity: 30 }], positions: held({ AAPL: 130 }) }),
    );
    expect(line).toEqual({ symbol: 'AAPL', ledgerQuantity: 130, brokerQuantity: 130, difference: 0, baselineToRecord: 100 });
  });

  it('lists each ticker once, sorted, and ignores positions in tickers it was not asked about', () => {
    const lines = compareLedger(
      ledger({
        symbols: ['SPY', 'AAPL', 'SPY'],
        adjustments: [baseline('AAPL', 1), baseline('SPY', 2)],
        positions: held({ AAPL: 1, SPY: 2, TSLA: 9 }),
      }),
    );
    expect(lines.map((l) => l.symbol)).toEqual(['AAPL', 'SPY']);
  });

  it('refuses a quantity that is not a finite number (a broken invariant, not a break)', () => {
    expect(() => compareLedger(ledger({ symbols: ['AAPL'], positions: held({ AAPL: Number.NaN }) }))).toThrow(/not finite/);
  });
});

describe('positionBreaksOf and checkPositionBreaks', () => {
  const lines = compareLedger(
    ledger({
      symbols: ['AAPL', 'MSFT', 'SPY'],
      adjustments: [baseline('AAPL', 100), baseline('MSFT', 50), baseline('SPY', 10)],
      positions: held({ AAPL: 105, MSFT: 50, SPY: 0 }),
    }),
  );

  it('turns disagreeing lines into breaks with both figures', () => {
    expect(positionBreaksOf(lines)).toEqual([
      { symbol: 'AAPL', ledgerQuantity: 100, brokerQuantity: 105 },
      { symbol: 'SPY', ledgerQuantity: 10, brokerQuantity: 0 },
    ]);
    expect(describeBreak({ symbol: 'SPY', ledgerQuantity: 10, brokerQuantity: 0 })).toBe('ledger 10 vs broker 0 (-10)');
  });

  it('raises one POSITION_BREAK per broken ticker, with the symbol and both quantities in the detail', () => {
    const breaches = checkPositionBreaks(positionBreaksOf(lines), 2);
    expect(breaches.map((b) => [b.code, b.symbol])).toEqual([
      ['POSITION_BREAK', 'AAPL'],
      ['POSITION_BREAK', 'SPY'],
    ]);
    expect(breaches[0]?.detail).toMatch(/^AAPL: ledger 100 vs broker 105 \(\+5\) shares/);
    expect(breaches[0]?.detail).toMatch(/rebalancer reconcile --accept AAPL/);
  });

  it('adds POSITION_BREAKS_LIMIT only when there are more breaks than the maximum', () => {
    const breaks = positionBreaksOf(lines);
    expect(checkPositionBreaks(breaks, 2).map((b) => b.code)).not.toContain('POSITION_BREAKS_LIMIT');
    const over = checkPositionBreaks(breaks, 1);
    expect(over.at(-1)).toEqual({
      code: 'POSITION_BREAKS_LIMIT',
      detail: expect.stringMatching(/^2 position breaks \(AAPL, SPY\) > max 1 \(MAX_POSITION_BREAKS\)/),
    });
    expect(checkPositionBreaks([], 0)).toEqual([]);
  });

  it('a POSITION_BREAK blocks only its ticker; POSITION_BREAKS_LIMIT and a POSITION_BREAK without a symbol halt the run', () => {
    const perTicker = checkPositionBreaks(positionBreaksOf(lines), 2);
    expect(tradingStateFor(perTicker)).toBe('ACTIVE');
    expect(tradingStateFor(checkPositionBreaks(positionBreaksOf(lines), 1))).toBe('HALTED');
    expect(tradingStateFor([{ code: 'POSITION_BREAK', detail: 'no symbol' }])).toBe('HALTED');
    expect(tradingStateFor([...perTicker, { code: 'LEVERAGE_LIMIT', detail: 'x' }])).toBe('REDUCING');
  });
});

describe('blockBrokenSymbols', () => {
  it("turns the broken ticker's order into NONE naming both figures and keeps the others as they are", () => {
    const lines = [aLine(), aLine({ symbol: 'MSFT', reason: 'buy MSFT' }), aQuietLine({ symbol: 'SPY' })];
    const out = blockBrokenSymbols(lines, [
      { symbol: 'AAPL', ledgerQuantity: 100, brokerQuantity: 110 },
      { symbol: 'SPY', ledgerQuantity: 5, brokerQuantity: 0 },
    ]);
    expect(out[0]).toMatchObject({
      symbol: 'AAPL',
      action: 'NONE',
      quantity: 0,
      limitPrice: undefined,
      targetQuantity: 120,
      estimatedCommission: 0,
      positionBreak: { symbol: 'AAPL', ledgerQuantity: 100, brokerQuantity: 110 },
      reason: 'blocked (POSITION_BREAK: ledger 100 vs broker 110 (+10)): would have BUY 20 @ 190.19; buy toward target 120',
    });
    expect(out[1]).toEqual(lines[1]);
    expect(out[2]).toMatchObject({ action: 'NONE', reason: 'blocked (POSITION_BREAK: ledger 5 vs broker 0 (-5)): on target' });
    expect(lines[0]?.action).toBe('BUY');
  });
});

describe('planRebalance with position breaks', () => {
  // AAPL and MSFT both need buying; MSFT's ledger disagrees with the broker.
  const inputs = (overrides: Partial<PlanInputs> = {}): PlanInputs =>
    someInputs({
      forecasts: [aForecast({ weights: { AAPL: 0.228, MSFT: 0.2 } })],
      managedSymbols: ['AAPL', 'MSFT'],
      positions: [
        { account: 'DU0000001', symbol: 'AAPL', quantity: 100, avgCost: 150 },
        { account: 'DU0000001', symbol: 'MSFT', quantity: 10, avgCost: 300 },
      ],
      quotes: {
        AAPL: { symbol: 'AAPL', bid: 189.98, ask: 190.02, last: 190, close: 188.5 },
        MSFT: { symbol: 'MSFT', bid: 409.9, ask: 410.1, last: 410, close: 405 },
      },
      contracts: {
        AAPL: { symbol: 'AAPL', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' },
        MSFT: { symbol: 'MSFT', minTick: 0.01, primaryExchange: 'NASDAQ', currency: 'USD' },
      },
      limits: someLimits({ maxOrderPct: 50 }),
      ...overrides,
    });

  it('trades every ticker when there is no break', () => {
    const plan = planRebalance(inputs());
    expect(plan.lines.map((l) => [l.symbol, l.action])).toEqual([
      ['AAPL', 'BUY'],
      ['MSFT', 'BUY'],
    ]);
    expect(plan.tradingState).toBe('ACTIVE');
  });

  it('blocks the broken ticker, raises its breach, and still trades the others (ACTIVE)', () => {
    const plan = planRebalance(inputs({ positionBreaks: [{ symbol: 'MSFT', ledgerQuantity: 8, brokerQuantity: 10 }] }));
    expect(plan.tradingState).toBe('ACTIVE');
    expect(plan.lines.map((l) => [l.symbol, l.action])).toEqual([
      ['AAPL', 'BUY'],
      ['MSFT', 'NONE'],
    ]);
    expect(plan.lines[1]?.reason).toMatch(/^blocked \(POSITION_BREAK: ledger 8 vs broker 10 \(\+2\)\): would have BUY \d+ @ /);
    expect(plan.breaches).toEqual([
      { code: 'POSITION_BREAK', symbol: 'MSFT', detail: expect.stringMatching(/^MSFT: ledger 8 vs broker 10/) },
    ]);
    // Turnover counts only what goes out.
    expect(plan.turnoverPct).toBeLessThan(planRebalance(inputs()).turnoverPct);
  });

  it('halts the run when there are more breaks than MAX_POSITION_BREAKS', () => {
    const breaks = [
      { symbol: 'AAPL', ledgerQuantity: 90, brokerQuantity: 100 },
      { symbol: 'MSFT', ledgerQuantity: 8, brokerQuantity: 10 },
    ];
    const plan = planRebalance(inputs({ positionBreaks: breaks, limits: someLimits({ maxOrderPct: 50, maxPositionBreaks: 1 }) }));
    expect(plan.tradingState).toBe('HALTED');
    expect(plan.breaches.map((b) => b.code)).toEqual(['POSITION_BREAK', 'POSITION_BREAK', 'POSITION_BREAKS_LIMIT']);
    expect(plan.lines.every((l) => l.action === 'NONE')).toBe(true);
  });

  it('uses a maximum of 2 breaks when the limits do not say', () => {
    const three = ['AAPL', 'MSFT', 'SPY'].map((symbol) => ({ symbol, ledgerQuantity: 1, brokerQuantity: 2 }));
    expect(planRebalance(inputs({ positionBreaks: three.slice(0, 2) })).tradingState).toBe('ACTIVE');
    expect(planRebalance(inputs({ positionBreaks: three })).tradingState).toBe('HALTED');
  });
});
