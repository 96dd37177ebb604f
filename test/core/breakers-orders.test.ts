import { describe, it } from 'vitest';
import { checkDailyTurnover, checkOrderCount, checkOrderValue, checkPriceCollar, checkTurnover } from '../../src/core/breakers.js';
import { aContext, aLine, anAccount, aQuietLine, someLimits, withInputs, withLimits } from './builders.js';
import { expectBreaches, type BreakerRow } from './breakers-expect.js';

type Row = BreakerRow;

/** BUY 25 @ 200.00 (reference 200.00): worth exactly 5,000.00 at either price. */
const fiveThousand = aLine({
  quantity: 25,
  currentQuantity: 0,
  targetQuantity: 25,
  referencePrice: 200,
  limitPrice: 200,
  tradeValue: 5_000,
  previousClose: 200,
});

const rows: Row[] = [
  // --- ORDER_VALUE_LIMIT. The default line is BUY 20 @ 190.19: 20 x 190.19 = 3,803.80 (its trade value is 3,800.00)
  {
    name: 'blocks an order worth more than the max order value',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 3_803.79 }),
    expected: [
      {
        code: 'ORDER_VALUE_LIMIT',
        symbol: 'AAPL',
        contains: ['BUY 20 @ 190.19', 'order value 3,803.80', 'max order value 3,803.79', 'MAX_ORDER_VALUE'],
      },
    ],
  },
  {
    name: 'allows an order worth exactly the max order value',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 3_803.8 }),
    expected: [],
  },
  {
    name: 'judges an order at its limit price when that is worth more than its trade value',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 3_800 }),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['3,803.80'] }],
  },
  {
    name: 'judges an order at its trade value when the planner says it is worth more',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 10_000, maxOrderPct: 100 }, { lines: [aLine({ tradeValue: 30_000 })] }),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['30,000.00'] }],
  },
  // 5,000 / 100,000 = 5% > 4.99%
  {
    name: 'blocks an order worth more than the max percent of NLV',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderPct: 4.99 }, { lines: [fiveThousand] }),
    expected: [
      {
        code: 'ORDER_VALUE_LIMIT',
        symbol: 'AAPL',
        contains: ['order value 5,000.00', 'is 5.00% of NLV 100,000.00', 'max 4.99%', 'MAX_ORDER_PCT'],
      },
    ],
  },
  {
    name: 'allows an order worth exactly the max percent of NLV',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderPct: 5 }, { lines: [fiveThousand] }),
    expected: [],
  },
  {
    name: 'names both limits when an order breaks both',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 4_000, maxOrderPct: 4 }, { lines: [fiveThousand] }),
    expected: [
      { code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['MAX_ORDER_VALUE'] },
      { code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['MAX_ORDER_PCT'] },
    ],
  },
  {
    name: 'still applies the absolute max order value when NLV is unusable',
    check: checkOrderValue,
    ctx: withInputs(
      { account: anAccount({ netLiquidation: Number.NaN }), limits: someLimits({ maxOrderValue: 4_000 }) },
      { lines: [fiveThousand] },
    ),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['MAX_ORDER_VALUE'] }],
  },
  {
    name: 'blocks an order for zero shares',
    check: checkOrderValue,
    ctx: aContext({ lines: [aLine({ quantity: 0 })] }),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['quantity 0 is not a positive whole number'] }],
  },
  {
    name: 'blocks an order for a fraction of a share',
    check: checkOrderValue,
    ctx: aContext({ lines: [aLine({ quantity: 2.5 })] }),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['quantity 2.5'] }],
  },
  {
    name: 'ignores the trade value of a line that sends no order',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 1_000 }, { lines: [aQuietLine({ tradeValue: 1_000_000 })] }),
    expected: [],
  },

  // --- TURNOVER_LIMIT, max 50%
  {
    name: 'halts when the run turns over 50.01% of NLV',
    check: checkTurnover,
    ctx: aContext({ turnoverPct: 50.01 }),
    expected: [{ code: 'TURNOVER_LIMIT', contains: ['run turnover 50.01%', 'NLV 100,000.00', 'max 50.00%'] }],
  },
  { name: 'does not halt at exactly the max turnover', check: checkTurnover, ctx: aContext({ turnoverPct: 50 }), expected: [] },

  // --- ORDER_COUNT_LIMIT
  {
    name: 'halts when the run would send 3 orders and the max is 2',
    check: checkOrderCount,
    ctx: withLimits({ maxOrdersPerRun: 2 }, { lines: [aLine(), aLine({ symbol: 'MSFT' }), aLine({ symbol: 'SPY' })] }),
    expected: [{ code: 'ORDER_COUNT_LIMIT', contains: ['3 orders', 'max 2 per run'] }],
  },
  {
    name: 'does not halt at exactly the max number of orders',
    check: checkOrderCount,
    ctx: withLimits({ maxOrdersPerRun: 2 }, { lines: [aLine(), aLine({ symbol: 'MSFT' })] }),
    expected: [],
  },
  {
    name: 'counts only lines that send an order',
    check: checkOrderCount,
    ctx: withLimits({ maxOrdersPerRun: 1 }, { lines: [aLine(), aQuietLine({ symbol: 'MSFT' }), aQuietLine({ symbol: 'SPY' })] }),
    expected: [],
  },

  // --- DAILY_TURNOVER_LIMIT, max 30%
  // 25,001 + 5,000 = 30,001 -> 30.001%
  {
    name: 'halts when today plus this run would turn over 30.001% of NLV',
    check: checkDailyTurnover,
    ctx: withInputs({ tradedValueToday: 25_001, limits: someLimits({ maxDailyTurnoverPct: 30 }) }, { lines: [fiveThousand] }),
    expected: [
      {
        code: 'DAILY_TURNOVER_LIMIT',
        contains: ['traded today 25,001.00', 'this run 5,000.00', '30,001.00', '30.001%', 'NLV 100,000.00', 'max 30.00%'],
      },
    ],
  },
  // 25,000 + 5,000 = 30,000 -> 30%
  {
    name: 'does not halt when today plus this run is exactly the daily max',
    check: checkDailyTurnover,
    ctx: withInputs({ tradedValueToday: 25_000, limits: someLimits({ maxDailyTurnoverPct: 30 }) }, { lines: [fiveThousand] }),
    expected: [],
  },
  {
    name: 'does not halt a run with no orders even if the day is already over the max',
    check: checkDailyTurnover,
    ctx: withInputs({ tradedValueToday: 40_000, limits: someLimits({ maxDailyTurnoverPct: 30 }) }, { lines: [aQuietLine()] }),
    expected: [],
  },

  // --- PRICE_COLLAR, 5%
  // |199.52 - 190| / 190 = 5.0105%
  {
    name: 'halts a buy whose limit is 5.01% above the reference',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ limitPrice: 199.52, previousClose: 190 })] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['limit 199.52', '5.0105%', 'reference 190', 'max 5.00%'] }],
  },
  // |199.50 - 190| / 190 = 9.5 / 190 = 5%
  {
    name: 'allows a buy whose limit is exactly 5% above the reference',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ limitPrice: 199.5, previousClose: 190 })] }),
    expected: [],
  },
  // |180.40 - 190| / 190 = 5.0526%
  {
    name: 'halts a sell whose limit is 5.05% below the reference',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ action: 'SELL', quantity: 10, limitPrice: 180.4, previousClose: 190 })] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['SELL 10 @ 180.4', '5.0526%'] }],
  },
  // |190 - 180| / 180 = 5.5556%
  {
    name: 'halts an order whose reference is 5.56% from the previous close',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ previousClose: 180 })] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['reference 190', 'previous close 180', '5.5556%', 'max 5.00%'] }],
  },
  // |190 - 200| / 200 = 5%
  {
    name: 'allows an order whose reference is exactly 5% from the previous close',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ previousClose: 200 })] }),
    expected: [],
  },
  {
    name: 'skips the previous-close collar when the close is unknown',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ previousClose: -1 })] }),
    expected: [],
  },
  {
    name: 'halts an order with no limit price',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aLine({ limitPrice: undefined })] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['limit price undefined'] }],
  },
  {
    name: 'ignores the prices of a line that sends no order',
    check: checkPriceCollar,
    ctx: aContext({ lines: [aQuietLine({ previousClose: 100 })] }),
    expected: [],
  },
];

describe('order breakers', () => {
  it.each(rows)('$name', ({ check, ctx, expected }) => {
    expectBreaches(check(ctx), expected);
  });
});
