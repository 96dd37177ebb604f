import { describe, expect, it } from 'vitest';
import { BREAKER_CHECKS, checkBreakers } from '../../src/core/breakers.js';
import { aContext, aForecast, aLine, anAccount, withInputs, withLimits } from './builders.js';

describe('checkBreakers', () => {
  it('finds nothing in a calm plan', () => {
    expect(checkBreakers(aContext())).toEqual([]);
  });

  it('runs sixteen checks from a frozen list', () => {
    expect(BREAKER_CHECKS).toHaveLength(16);
    expect(Object.isFrozen(BREAKER_CHECKS)).toBe(true);
  });

  it('reports every problem at once, input problems first', () => {
    const ctx = withInputs(
      { forecasts: [aForecast({ weights: { AAPL: 0.2, TSLA: -0.1 } })], lastNetLiquidation: 50_000 },
      { leverageAfter: 2.5, lines: [aLine({ limitPrice: 250 })] },
    );
    expect(checkBreakers(ctx).map((b) => b.code)).toEqual(['SHORT_NOT_ALLOWED', 'NAV_JUMP', 'LEVERAGE_LIMIT', 'PRICE_COLLAR']);
  });

  it('reports only the broker error, not ratios of garbage, when NLV is zero', () => {
    const ctx = withInputs(
      {
        account: anAccount({ netLiquidation: 0 }),
        lastNetLiquidation: 100_000,
        startOfDayNetLiquidation: 100_000,
        tradedValueToday: 1_000,
      },
      { leverageAfter: Number.POSITIVE_INFINITY, turnoverPct: Number.POSITIVE_INFINITY },
    );
    const breaches = checkBreakers(ctx);
    expect(breaches.map((b) => b.code)).toEqual(['BROKER_ERROR']);
  });

  it('keeps the checks that need no NLV when NLV is unusable', () => {
    const ctx = withLimits({ maxOrderValue: 1_000, maxOrdersPerRun: 0 }, { leverageAfter: Number.NaN, turnoverPct: Number.NaN });
    ctx.inputs.account = anAccount({ netLiquidation: Number.NaN });
    expect(checkBreakers(ctx).map((b) => b.code)).toEqual(['BROKER_ERROR', 'ORDER_VALUE_LIMIT', 'ORDER_COUNT_LIMIT']);
  });

  it('does not repeat the breaches that arrived from outside', () => {
    const ctx = withInputs({ priorBreaches: [{ code: 'KILL_SWITCH', detail: 'KILL_SWITCH: halted by a person' }] });
    expect(checkBreakers(ctx)).toEqual([]);
  });
});
