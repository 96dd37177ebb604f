import { describe, expect, it } from 'vitest';
import { inferCashFlow, type CashEffect, type InferenceInput } from '../../src/core/cash-flows.js';

/**
 * The run that took the last read sent its orders after it: their executions are not in that read's cash,
 * whatever their time says (the sim stamps them at the read's own instant, IB seconds later). So the quiet
 * minutes around the last read do not apply to them; those around this read still do.
 */
const LAST = '2026-11-23T14:35:00.000Z';
const NOW = '2026-11-23T15:35:00.000Z';

const input = (over: Partial<InferenceInput> = {}): InferenceInput => ({
  last: { at: LAST, cash: 100_000, currency: 'USD', positions: new Map([['AAPL', 100]]) },
  now: { at: NOW, cash: 100_000, currency: 'USD', positions: new Map([['AAPL', 100]]) },
  executions: [],
  unknownOutcomes: 0,
  quietMinutes: 5,
  minimum: 1,
  ...over,
});

/** BUY 84 AAPL at 190.01 + 1.00: -15,961.84. */
const ownFill = (over: Partial<CashEffect> = {}): CashEffect => ({
  symbol: 'AAPL',
  side: 'BUY',
  quantity: 84,
  price: 190.01,
  commission: 1,
  time: LAST,
  afterLastRead: true,
  ...over,
});

const afterTrade = { ...input().now, positions: new Map([['AAPL', 184]]) };

describe('inferCashFlow: the executions of the last read run', () => {
  it('at the last read instant: counted, and a withdrawal after them is inferred', () => {
    const r = inferCashFlow(input({ executions: [ownFill()], now: { ...afterTrade, cash: 100_000 - 15_961.84 - 9_520 } }));
    expect(r).toMatchObject({ kind: 'flow', amount: -9_520, explained: -15_961.84 });
  });

  it('seconds before the last read by the clocks (skew): still counted as after it', () => {
    const r = inferCashFlow(
      input({ executions: [ownFill({ time: '2026-11-23T14:34:58.000Z' })], now: { ...afterTrade, cash: 100_000 - 15_961.84 } }),
    );
    expect(r.kind).toBe('none');
  });

  it('the same execution not known to be ours (foreign, or an earlier run): unknown, as before', () => {
    const r = inferCashFlow(
      input({ executions: [ownFill({ afterLastRead: false })], now: { ...afterTrade, cash: 100_000 - 15_961.84 - 9_520 } }),
    );
    expect(r).toMatchObject({ kind: 'unknown', reason: expect.stringContaining('within 5 minutes of an account read') });
  });

  it('within the quiet minutes of this read: unknown, ours or not', () => {
    const r = inferCashFlow(
      input({
        executions: [ownFill()],
        now: { ...afterTrade, at: '2026-11-23T14:38:00.000Z', cash: 100_000 - 15_961.84 - 9_520 },
      }),
    );
    expect(r.kind).toBe('unknown');
  });
});
