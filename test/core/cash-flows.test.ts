import { describe, expect, it } from 'vitest';
import { effectiveFlows, inferCashFlow, sumFlows, type CashEffect, type InferenceInput } from '../../src/core/cash-flows.js';

const LAST = '2026-11-23T15:35:00.000Z';
const NOW = '2026-11-23T16:35:00.000Z';

const input = (over: Partial<InferenceInput> = {}): InferenceInput => ({
  last: { at: LAST, cash: 50_000, currency: 'USD', positions: new Map([['AAPL', 100]]) },
  now: { at: NOW, cash: 50_000, currency: 'USD', positions: new Map([['AAPL', 100]]) },
  executions: [],
  unknownOutcomes: 0,
  quietMinutes: 5,
  minimum: 1,
  ...over,
});

const fill = (over: Partial<CashEffect> = {}): CashEffect => ({
  symbol: 'AAPL',
  side: 'BUY',
  quantity: 10,
  price: 190.5,
  commission: 1,
  time: '2026-11-23T15:50:00.000Z',
  ...over,
});

describe('inferCashFlow', () => {
  it('a withdrawal between two reads with nothing traded: the change in cash, out', () => {
    const r = inferCashFlow(input({ now: { ...input().now, cash: 42_000 } }));
    expect(r).toMatchObject({ kind: 'flow', amount: -8000, explained: 0 });
  });

  it('a deposit while the account also traded: only what the executions do not explain', () => {
    // Bought 10 AAPL at 190.50 + 1 commission (-1,906.00) and 5 sold at 191 - 1 (+954.00); 15,000 came in.
    const executions = [fill(), fill({ side: 'SELL', quantity: 5, price: 191, time: '2026-11-23T16:00:00.000Z' })];
    const r = inferCashFlow(
      input({ executions, now: { ...input().now, cash: 50_000 - 1906 + 954 + 15_000, positions: new Map([['AAPL', 105]]) } }),
    );
    expect(r).toMatchObject({ kind: 'flow', amount: 15_000, explained: -952 });
  });

  it('trades alone explain the change: no flow', () => {
    const r = inferCashFlow(input({ executions: [fill()], now: { ...input().now, cash: 48_094, positions: new Map([['AAPL', 110]]) } }));
    expect(r.kind).toBe('none');
  });

  it('a price move changes NLV, not cash: no flow, so a real loss still trips the breakers', () => {
    expect(inferCashFlow(input()).kind).toBe('none');
  });

  it('a position that moved without a recorded execution: unknown (a missed fill must not pass for a flow)', () => {
    const r = inferCashFlow(input({ now: { ...input().now, cash: 48_094, positions: new Map([['AAPL', 110]]) } }));
    expect(r).toMatchObject({ kind: 'unknown' });
    if (r.kind === 'unknown') expect(r.reason).toContain('AAPL: position 100 -> 110');
  });

  it('a position that appeared or went away counts too (a split, a transfer in)', () => {
    expect(inferCashFlow(input({ now: { ...input().now, positions: new Map([['AAPL', 400]]) } })).kind).toBe('unknown');
    expect(inferCashFlow(input({ now: { ...input().now, positions: new Map() } })).kind).toBe('unknown');
    expect(
      inferCashFlow(
        input({
          now: {
            ...input().now,
            positions: new Map([
              ['AAPL', 100],
              ['MSFT', 5],
            ]),
          },
        }),
      ).kind,
    ).toBe('unknown');
  });

  it('an execution within the quiet minutes of either read: unknown (IB may not have counted its cash yet)', () => {
    const justBeforeNow = fill({ time: '2026-11-23T16:33:00.000Z' });
    const r = inferCashFlow(
      input({ executions: [justBeforeNow], now: { ...input().now, cash: 60_000, positions: new Map([['AAPL', 110]]) } }),
    );
    expect(r.kind).toBe('unknown');
    const justBeforeLast = fill({ time: '2026-11-23T15:33:00.000Z' });
    expect(inferCashFlow(input({ executions: [justBeforeLast], now: { ...input().now, cash: 60_000 } })).kind).toBe('unknown');
  });

  it('orders of unknown outcome, another currency, or reads out of order: unknown', () => {
    expect(inferCashFlow(input({ unknownOutcomes: 1, now: { ...input().now, cash: 42_000 } })).kind).toBe('unknown');
    expect(inferCashFlow(input({ now: { ...input().now, currency: 'EUR', cash: 42_000 } })).kind).toBe('unknown');
    expect(inferCashFlow(input({ now: { ...input().now, at: LAST, cash: 42_000 } })).kind).toBe('unknown');
  });

  it('a change under the minimum is not a flow; an unknown commission counts as 0', () => {
    expect(inferCashFlow(input({ now: { ...input().now, cash: 50_000.5 } })).kind).toBe('none');
    const r = inferCashFlow(
      input({ executions: [fill({ commission: null })], now: { ...input().now, cash: 48_095, positions: new Map([['AAPL', 110]]) } }),
    );
    expect(r.kind).toBe('none');
  });

  it('exact in cents: no float residue makes a flow', () => {
    const executions = [
      fill({ quantity: 3, price: 0.1, commission: 0.2 }),
      fill({ quantity: 3, price: 0.2, commission: 0.1, time: '2026-11-23T15:55:00.000Z' }),
    ];
    const r = inferCashFlow(input({ executions, now: { ...input().now, cash: 50_000 - 1.2, positions: new Map([['AAPL', 106]]) } }));
    expect(r.kind).toBe('none');
  });
});

describe('effectiveFlows and sumFlows', () => {
  it("a person's declaration inside an inferred flow's interval wins: the same money is counted once", () => {
    const inferred = { at: NOW, windowFrom: LAST, amount: -8000, source: 'inferred' as const };
    const declared = { at: '2026-11-23T16:00:00.000Z', amount: -8000, source: 'declared' as const };
    expect(effectiveFlows([inferred, declared])).toEqual([declared]);
    expect(sumFlows(effectiveFlows([inferred, declared]))).toBe(-8000);
    const elsewhere = { ...declared, at: '2026-11-23T17:00:00.000Z' };
    expect(sumFlows(effectiveFlows([inferred, elsewhere]))).toBe(-16_000);
  });

  it('sums exactly to the cent', () => {
    expect(sumFlows([{ amount: 0.1 }, { amount: 0.2 }])).toBe(0.3);
  });
});

describe('inferCashFlow with dividends IB accrued in NLV', () => {
  const withAccrual = (cash: number, accrued: number | undefined, at = NOW) => ({
    at,
    cash,
    currency: 'USD',
    positions: new Map([['AAPL', 100]]),
    ...(accrued === undefined ? {} : { accruedDividend: accrued }),
  });

  it('the pay date moves the accrual into cash: no flow (NLV did not move)', () => {
    const r = inferCashFlow(input({ last: withAccrual(50_000, 26, LAST), now: withAccrual(50_026, 0) }));
    expect(r.kind).toBe('none');
    if (r.kind === 'none') expect(r.description).toContain('+26.00 by accrued dividends paid');
  });

  it('a short pays what it owed: no flow', () => {
    expect(inferCashFlow(input({ last: withAccrual(50_000, -26, LAST), now: withAccrual(49_974, 0) })).kind).toBe('none');
  });

  it('the ex-date accrues without moving cash: no flow; a deposit on the pay date is still a deposit', () => {
    expect(inferCashFlow(input({ last: withAccrual(50_000, 0, LAST), now: withAccrual(50_000, 26) })).kind).toBe('none');
    expect(inferCashFlow(input({ last: withAccrual(50_000, 26, LAST), now: withAccrual(60_026, 0) }))).toMatchObject({
      kind: 'flow',
      amount: 10_000,
    });
  });

  it('an accrual unknown at either reading explains nothing', () => {
    expect(inferCashFlow(input({ last: withAccrual(50_000, undefined, LAST), now: withAccrual(50_026, 0) }))).toMatchObject({
      kind: 'flow',
      amount: 26,
    });
  });
});
