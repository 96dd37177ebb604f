/**
 * ORDER_BOUNDS and the rounding disagree on a listing without a market rule whose minTick is not a power of ten
 * (0.05, 0.005, 0.25: IB's minTick for many listings abroad, and what a gateway without marketRuleIds leaves). The
 * rounding (limitPrice on the minTick) takes multiples of the tick only; ORDER_BOUNDS counts decimals only, so a limit
 * with the tick's decimals but off its grid passes, though IB refuses it (110). With a rule, conformsTo judges it.
 */
import { describe, expect, it } from 'vitest';
import { checkOrderBounds } from '../../src/core/breakers.js';
import { conformsTo, limitPrice } from '../../src/core/limit-price.js';
import type { ContractInfo } from '../../src/core/types.js';
import { aContext, aLine, someInputs } from './builders.js';

describe('ORDER_BOUNDS on a minTick that is not a power of ten', () => {
  const nickel: ContractInfo = { symbol: 'AAPL', minTick: 0.05, primaryExchange: 'SEHK', currency: 'HKD' };
  it('refuses a limit the rounding would never make (400.03 on a 0.05 tick)', () => {
    // The rounding's own view of 400.03: not a price on this contract.
    expect(conformsTo(0.05, 400.03)).toBe(false);
    expect(limitPrice('BUY', 400.03, 0, 0.05)).toBe(400);
    const inputs = someInputs({ contracts: { AAPL: nickel } });
    const refused = checkOrderBounds(aContext({ inputs, lines: [aLine({ limitPrice: 400.03, referencePrice: 400 })] }));
    expect(refused.map((b) => b.code)).toEqual(['ORDER_BOUNDS']);
  });
});
