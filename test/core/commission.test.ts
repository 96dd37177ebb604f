import { describe, expect, it } from 'vitest';
import { estimateCommission } from '../../src/core/commission.js';
import type { CommissionModel, Side } from '../../src/core/types.js';

describe('estimateCommission', () => {
  const cases: { name: string; model: CommissionModel; quantity: number; price: number; side: Side; expected: number }[] = [
    // Fixed: 0.005/share, min 1.00, max 1% of value.
    // 100 x 0.005 = 0.50 -> raised to the 1.00 minimum (cap 1% x 5,000 = 50)
    { name: 'fixed charges the 1.00 minimum on a small order', model: 'fixed', quantity: 100, price: 50, side: 'BUY', expected: 1 },
    // 1,000 x 0.005 = 5.00 (cap 1% x 50,000 = 500)
    { name: 'fixed charges 0.005 per share above the minimum', model: 'fixed', quantity: 1000, price: 50, side: 'BUY', expected: 5 },
    // 10 x 0.005 = 0.05 -> min 1.00 -> cap 1% x (10 x 5 = 50) = 0.50: the cap wins
    { name: 'fixed caps the minimum at 1% of a tiny trade value', model: 'fixed', quantity: 10, price: 5, side: 'BUY', expected: 0.5 },
    // 1 x 0.005 -> min 1.00 -> cap 1% x 0.50 = 0.005 -> rounded up to the cent: 0.01
    { name: 'fixed rounds a sub-cent fee up to one cent', model: 'fixed', quantity: 1, price: 0.5, side: 'BUY', expected: 0.01 },
    // 1,000 x 0.005 = 5.00; SEC 50,000 x 0.0000278 = 1.39; FINRA 1,000 x 0.000166 = 0.166
    // 5.00 + 1.39 + 0.166 = 6.556 -> up to 6.56
    { name: 'fixed adds SEC and FINRA fees on a sale', model: 'fixed', quantity: 1000, price: 50, side: 'SELL', expected: 6.56 },
    // Tiered: 0.0035/share, min 0.35, max 1%, + clearing 0.0002 + exchange 0.003 per share.
    // 1,000 x 0.0035 = 3.50; + 0.20 clearing + 3.00 exchange = 6.70
    { name: 'tiered adds clearing and exchange fees per share', model: 'tiered', quantity: 1000, price: 50, side: 'BUY', expected: 6.7 },
    // 10 x 0.0035 = 0.035 -> min 0.35 (cap 5.00); + 0.002 + 0.03 = 0.382 -> up to 0.39
    {
      name: 'tiered charges the 0.35 minimum plus pass-through fees',
      model: 'tiered',
      quantity: 10,
      price: 50,
      side: 'BUY',
      expected: 0.39,
    },
    // 100,000 x 0.0035 = 350 (cap 10,000); + 20 clearing + 300 exchange; SEC 1,000,000 x 0.0000278 = 27.80;
    // FINRA 100,000 x 0.000166 = 16.60 -> capped at 8.30. 350 + 20 + 300 + 27.80 + 8.30 = 706.10
    { name: 'tiered caps the FINRA fee on a large sale', model: 'tiered', quantity: 100_000, price: 10, side: 'SELL', expected: 706.1 },
    // 10 x 0.0035 -> min 0.35 -> cap 1% x (10 x 1 = 10) = 0.10; + 0.002 + 0.03 = 0.132 -> up to 0.14
    {
      name: 'tiered caps the commission at 1% but not the pass-through fees',
      model: 'tiered',
      quantity: 10,
      price: 1,
      side: 'BUY',
      expected: 0.14,
    },
    { name: 'costs nothing for zero shares', model: 'fixed', quantity: 0, price: 50, side: 'BUY', expected: 0 },
    { name: 'costs nothing at a zero price', model: 'tiered', quantity: 10, price: 0, side: 'SELL', expected: 0 },
  ];
  it.each(cases)('$name', ({ model, quantity, price, side, expected }) => {
    expect(estimateCommission(model, quantity, price, side)).toBe(expected);
  });
});
