import { describe, expect, it } from 'vitest';
import { checkLeverage, checkMissingPrice, checkPositionLimit, checkShortNotAllowed } from '../../src/core/breakers.js';
import { aContext, aForecast, aLine, anAccount, aQuietLine, someSizing, withInputs } from './builders.js';
import { expectBreaches, type BreakerRow } from './breakers-expect.js';

type Row = BreakerRow;

const shortTsla = aForecast({ weights: { AAPL: 0.5, TSLA: -0.2 } });

const rows: Row[] = [
  // --- SHORT_NOT_ALLOWED
  {
    name: 'refuses a negative forecast weight when shorting is off',
    check: checkShortNotAllowed,
    ctx: withInputs({ forecasts: [shortTsla] }),
    expected: [{ code: 'SHORT_NOT_ALLOWED', symbol: 'TSLA', contains: ['forecasts/trend.json', 'TSLA', '-0.2', 'ALLOW_SHORT is off'] }],
  },
  {
    name: 'accepts a negative forecast weight when shorting is on',
    check: checkShortNotAllowed,
    ctx: withInputs({ forecasts: [shortTsla], sizing: someSizing({ allowShort: true }) }),
    expected: [],
  },
  {
    name: 'refuses a line whose target is short',
    check: checkShortNotAllowed,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 110, targetQuantity: -10 })] }),
    expected: [{ code: 'SHORT_NOT_ALLOWED', symbol: 'AAPL', contains: ['target -10 shares'] }],
  },
  // 100 held - 150 sold = -50 even though the target says 0
  {
    name: 'refuses a sell that would leave the position short whatever its target',
    check: checkShortNotAllowed,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 150, targetQuantity: 0 })] }),
    expected: [{ code: 'SHORT_NOT_ALLOWED', symbol: 'AAPL', contains: ['SELL 150 from 100', 'leave -50 shares'] }],
  },
  {
    name: 'accepts a sell that closes the position to zero',
    check: checkShortNotAllowed,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 100, targetQuantity: 0 })] }),
    expected: [],
  },
  {
    name: 'accepts a zero forecast weight',
    check: checkShortNotAllowed,
    ctx: withInputs({ forecasts: [aForecast({ weights: { AAPL: 0 } })] }),
    expected: [],
  },

  // --- MISSING_PRICE
  {
    name: 'halts when a forecast ticker has no price',
    check: checkMissingPrice,
    ctx: aContext({ lines: [aLine({ referencePrice: undefined })] }),
    expected: [{ code: 'MISSING_PRICE', symbol: 'AAPL', contains: ['no reference price', 'forecasts/trend.json'] }],
  },
  {
    name: 'says what the broker answered for a ticker it left out, with the fix',
    check: checkMissingPrice,
    ctx: withInputs(
      { priceProblems: { AAPL: 'IB does not know this contract (IB 200: No security definition); write "AAPL B"' } },
      { lines: [aLine({ referencePrice: undefined })] },
    ),
    expected: [
      {
        code: 'MISSING_PRICE',
        symbol: 'AAPL',
        contains: ['no reference price', 'forecasts/trend.json', '; the broker: IB does not know this contract (IB 200', 'write "AAPL B"'],
      },
    ],
  },
  {
    name: 'halts when a held ticker outside every forecast has no price',
    check: checkMissingPrice,
    ctx: aContext({
      lines: [aQuietLine({ symbol: 'MSFT', currentQuantity: 50, targetQuantity: 50, referencePrice: undefined, managed: false })],
    }),
    expected: [{ code: 'MISSING_PRICE', symbol: 'MSFT', contains: ['holds 50 shares'] }],
  },
  {
    name: 'halts when the price is the broker\'s -1 for "no price"',
    check: checkMissingPrice,
    ctx: aContext({ lines: [aLine({ referencePrice: -1 })] }),
    expected: [{ code: 'MISSING_PRICE', symbol: 'AAPL', contains: ['reference price -1 unusable'] }],
  },
  {
    name: 'ignores a missing price for a ticker neither held nor forecast',
    check: checkMissingPrice,
    ctx: aContext({ lines: [aLine(), aQuietLine({ symbol: 'GME', currentQuantity: 0, targetQuantity: 0, referencePrice: undefined })] }),
    expected: [],
  },
  {
    name: 'ignores a missing price for a ticker forecast at weight zero and not held',
    check: checkMissingPrice,
    ctx: withInputs(
      { forecasts: [aForecast({ weights: { AAPL: 0.2, MSFT: 0 } })] },
      {
        lines: [aLine(), aQuietLine({ symbol: 'MSFT', currentQuantity: 0, targetQuantity: 0, referencePrice: undefined })],
      },
    ),
    expected: [],
  },

  // --- LEVERAGE_LIMIT, max 2.00x, NLV 100,000
  {
    name: 'reduces when gross leverage after trades is 2.31x',
    check: checkLeverage,
    ctx: aContext({ leverageAfter: 2.31 }),
    expected: [{ code: 'LEVERAGE_LIMIT', contains: ['gross after trades 2.31x', 'NLV 100,000.00', 'max 2.00x'] }],
  },
  {
    name: 'reduces when gross leverage is just over the max',
    check: checkLeverage,
    ctx: aContext({ leverageAfter: 2.0001 }),
    expected: [{ code: 'LEVERAGE_LIMIT', contains: ['2.0001x'] }],
  },
  { name: 'does not reduce at exactly the max leverage', check: checkLeverage, ctx: aContext({ leverageAfter: 2 }), expected: [] },
  {
    name: 'trips on a leverage that is not a number',
    check: checkLeverage,
    ctx: aContext({ leverageAfter: Number.NaN }),
    expected: [{ code: 'LEVERAGE_LIMIT', contains: ['NaN'] }],
  },
  {
    name: 'leaves leverage to the broker error when NLV is unusable',
    check: checkLeverage,
    ctx: withInputs({ account: anAccount({ netLiquidation: 0 }) }, { leverageAfter: Number.POSITIVE_INFINITY }),
    expected: [],
  },

  // --- POSITION_LIMIT, max 25%, NLV 100,000
  // (100 + 32) x 190 = 25,080 -> 25.08%
  {
    name: 'reduces when a buy takes one position to 25.08% of NLV',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aLine({ quantity: 32, targetQuantity: 132 })] }),
    expected: [
      {
        code: 'POSITION_LIMIT',
        symbol: 'AAPL',
        contains: ['after trades 132 sh x 190', '25,080.00', '25.08%', 'NLV 100,000.00', 'max 25.00%'],
      },
    ],
  },
  // (100 + 25) x 200 = 25,000 -> 25% = max
  {
    name: 'does not reduce when a position lands exactly on 25% of NLV',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aLine({ quantity: 25, targetQuantity: 125, referencePrice: 200, limitPrice: 200.2 })] }),
    expected: [],
  },
  // |-100 - 40| x 190 = 26,600 -> 26.6%
  {
    name: 'reduces when a sell deepens a short past the limit',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 40, currentQuantity: -100, targetQuantity: -140, limitPrice: 189.81 })] }),
    expected: [{ code: 'POSITION_LIMIT', symbol: 'AAPL', contains: ['after trades -140 sh', '26,600.00', '26.60%'] }],
  },
  // 150 x 190 = 28,500 -> 28.5%, no trade planned
  {
    name: 'reduces when a held position is already over the limit',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aQuietLine({ currentQuantity: 150, targetQuantity: 150 })] }),
    expected: [{ code: 'POSITION_LIMIT', symbol: 'AAPL', contains: ['28,500.00', '28.50%'] }],
  },
  // (150 - 50) x 190 = 19,000 -> 19%
  {
    name: 'does not reduce when a sell brings the position under the limit',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 50, currentQuantity: 150, targetQuantity: 100, limitPrice: 189.81 })] }),
    expected: [],
  },
  {
    name: 'leaves a position without a price to the missing-price check',
    check: checkPositionLimit,
    ctx: aContext({ lines: [aQuietLine({ currentQuantity: 10_000, referencePrice: undefined })] }),
    expected: [],
  },
];

describe('exposure breakers', () => {
  it.each(rows)('$name', ({ check, ctx, expected }) => {
    expectBreaches(check(ctx), expected);
  });
});

describe("MISSING_PRICE and the broker's reasons", () => {
  it("names only the reason given for the line's own ticker", () => {
    const [found] = checkMissingPrice(withInputs({ priceProblems: { MSFT: 'IB 354' } }, { lines: [aLine({ referencePrice: undefined })] }));
    expect(found?.detail).toMatch(/^AAPL no reference price \(bid\/ask midpoint or last\) but is in forecast forecasts\/trend\.json/);
    expect(found?.detail).not.toMatch(/the broker|IB 354/);
  });
});
