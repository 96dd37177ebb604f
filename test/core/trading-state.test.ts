import { describe, expect, it } from 'vitest';
import { applyTradingState, reducesExposure, severityOf, tradingStateFor } from '../../src/core/trading-state.js';
import type { Breach, BreachCode, PlanLine, TradingState } from '../../src/core/types.js';
import { aLine, aQuietLine } from './builders.js';

const breachOf = (code: BreachCode, symbol?: string): Breach => ({ code, detail: `${code}: test`, ...(symbol ? { symbol } : {}) });
const orders = (lines: PlanLine[]): PlanLine[] => lines.filter((l) => l.action !== 'NONE');

describe('severityOf', () => {
  const reducing: BreachCode[] = ['LEVERAGE_LIMIT', 'POSITION_LIMIT', 'MARGIN_CUSHION'];
  const halted: BreachCode[] = [
    'INVALID_FORECAST',
    'STALE_FORECAST',
    'SHORT_NOT_ALLOWED',
    'MISSING_PRICE',
    'ORDER_VALUE_LIMIT',
    'TURNOVER_LIMIT',
    'ORDER_COUNT_LIMIT',
    'DAILY_TURNOVER_LIMIT',
    'PRICE_COLLAR',
    'NAV_JUMP',
    'DAILY_LOSS_LIMIT',
    'ACCOUNT_MISMATCH',
    'CANCEL_UNCONFIRMED',
    'BROKER_ERROR',
    'KILL_SWITCH',
  ];
  it.each(reducing)('only lets exposure shrink on %s', (code) => expect(severityOf(code)).toBe('REDUCING'));
  it.each(halted)('halts on %s', (code) => expect(severityOf(code)).toBe('HALTED'));
});

describe('tradingStateFor', () => {
  const rows: { name: string; codes: BreachCode[]; state: TradingState }[] = [
    { name: 'is active with no breaches', codes: [], state: 'ACTIVE' },
    { name: 'reduces on a leverage breach alone', codes: ['LEVERAGE_LIMIT'], state: 'REDUCING' },
    { name: 'reduces on position and cushion breaches together', codes: ['POSITION_LIMIT', 'MARGIN_CUSHION'], state: 'REDUCING' },
    { name: 'halts when the kill switch joins a leverage breach', codes: ['LEVERAGE_LIMIT', 'KILL_SWITCH'], state: 'HALTED' },
    { name: 'halts on a price collar breach alone', codes: ['PRICE_COLLAR'], state: 'HALTED' },
  ];
  it.each(rows)('$name', ({ codes, state }) => expect(tradingStateFor(codes.map((c) => breachOf(c)))).toBe(state));
});

describe('applyTradingState', () => {
  const buyAapl = aLine({ quantity: 52, currentQuantity: 100, targetQuantity: 152, limitPrice: 190.19, reason: 'buy toward target 152' });
  const sellMsft = aLine({
    symbol: 'MSFT',
    action: 'SELL',
    quantity: 10,
    currentQuantity: 50,
    targetQuantity: 40,
    limitPrice: 420.5,
    reason: 'sell toward target 40',
  });
  const holdSpy = aQuietLine({ symbol: 'SPY', reason: 'within the no-trade band' });

  it('keeps every line when active', () => {
    const lines = [buyAapl, sellMsft, holdSpy];
    const out = applyTradingState(lines, 'ACTIVE', []);
    expect(out).toEqual(lines);
    expect(out[0]).not.toBe(lines[0]);
  });

  it('blocks every order when the kill switch is on', () => {
    const out = applyTradingState([buyAapl, sellMsft, holdSpy], 'HALTED', [breachOf('KILL_SWITCH')]);
    expect(orders(out)).toEqual([]);
    expect(out[0]).toEqual({
      ...buyAapl,
      action: 'NONE',
      quantity: 0,
      limitPrice: undefined,
      estimatedCommission: 0,
      estimatedSpreadCost: 0,
      reason: 'blocked (HALTED: KILL_SWITCH): would have BUY 52 @ 190.19; buy toward target 152',
    });
    expect(out[0]?.targetQuantity).toBe(152);
    expect(out[1]?.reason).toBe('blocked (HALTED: KILL_SWITCH): would have SELL 10 @ 420.5; sell toward target 40');
    expect(out[2]).toEqual(holdSpy);
  });

  it('blocks even reducing orders when halted, naming each code once', () => {
    const breaches = [breachOf('PRICE_COLLAR', 'AAPL'), breachOf('LEVERAGE_LIMIT'), breachOf('PRICE_COLLAR', 'MSFT')];
    const out = applyTradingState([buyAapl, sellMsft], 'HALTED', breaches);
    expect(orders(out)).toEqual([]);
    expect(out[1]?.reason).toMatch(/^blocked \(HALTED: PRICE_COLLAR, LEVERAGE_LIMIT\): would have SELL 10 @ 420.5; /);
  });

  describe('when reducing', () => {
    const rows: { name: string; line: PlanLine; kept: boolean }[] = [
      {
        name: 'keeps a sell that trims a long',
        line: aLine({ action: 'SELL', quantity: 40, currentQuantity: 100, targetQuantity: 60 }),
        kept: true,
      },
      {
        name: 'keeps a sell that closes a long to zero',
        line: aLine({ action: 'SELL', quantity: 100, currentQuantity: 100, targetQuantity: 0 }),
        kept: true,
      },
      {
        name: 'keeps a buy that covers a short',
        line: aLine({ action: 'BUY', quantity: 50, currentQuantity: -50, targetQuantity: 0 }),
        kept: true,
      },
      {
        name: 'blocks a buy that adds to a long',
        line: aLine({ action: 'BUY', quantity: 20, currentQuantity: 100, targetQuantity: 120 }),
        kept: false,
      },
      {
        name: 'blocks a sell that would flip a long to short',
        line: aLine({ action: 'SELL', quantity: 150, currentQuantity: 100, targetQuantity: -50 }),
        kept: false,
      },
      {
        name: 'blocks a buy that would flip a short to long',
        line: aLine({ action: 'BUY', quantity: 80, currentQuantity: -50, targetQuantity: 30 }),
        kept: false,
      },
      {
        name: 'blocks a sell that deepens a short',
        line: aLine({ action: 'SELL', quantity: 10, currentQuantity: -50, targetQuantity: -60 }),
        kept: false,
      },
      {
        name: 'blocks a buy that opens a new position',
        line: aLine({ action: 'BUY', quantity: 10, currentQuantity: 0, targetQuantity: 10 }),
        kept: false,
      },
      { name: 'blocks a sell of no shares', line: aLine({ action: 'SELL', quantity: 0, currentQuantity: 100 }), kept: false },
    ];
    it.each(rows)('$name', ({ line, kept }) => {
      expect(reducesExposure(line)).toBe(kept);
      const [out] = applyTradingState([line], 'REDUCING', [breachOf('LEVERAGE_LIMIT')]);
      if (kept) {
        expect(out).toEqual(line);
      } else {
        expect(out?.action).toBe('NONE');
        expect(out?.quantity).toBe(0);
        expect(out?.targetQuantity).toBe(line.targetQuantity);
        expect(out?.reason).toBe(
          `blocked (REDUCING: LEVERAGE_LIMIT): would have ${line.action} ${line.quantity} @ ${line.limitPrice}; ${line.reason}`,
        );
      }
    });
  });

  it('does not change the lines it was given', () => {
    const lines = [structuredClone(buyAapl), structuredClone(sellMsft)];
    const before = structuredClone(lines);
    applyTradingState(lines, 'HALTED', [breachOf('KILL_SWITCH')]);
    expect(lines).toEqual(before);
  });

  it('refuses to apply a state laxer than the breaches demand', () => {
    expect(() => applyTradingState([buyAapl], 'ACTIVE', [breachOf('POSITION_LIMIT')])).toThrow(/ACTIVE is laxer than REDUCING/);
    expect(() => applyTradingState([buyAapl], 'REDUCING', [breachOf('KILL_SWITCH')])).toThrow(/REDUCING is laxer than HALTED/);
  });

  it('applies a stricter state than the breaches demand', () => {
    const [out] = applyTradingState([buyAapl], 'HALTED', []);
    expect(out?.reason).toBe('blocked (HALTED): would have BUY 52 @ 190.19; buy toward target 152');
  });
});
