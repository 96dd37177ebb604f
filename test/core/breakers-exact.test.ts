/**
 * The breakers compare in exact decimals, as sizing does: a value exactly at its limit is within it, and one
 * cent (or one tick) over is over. Each "exactly at" row below is one that double arithmetic got wrong.
 */
import { describe, expect, it } from 'vitest';
import {
  checkDailyLoss,
  checkDailyTurnover,
  checkMarginCushion,
  checkNavJump,
  checkOrderValue,
  checkPositionLimit,
  checkPriceCollar,
} from '../../src/core/breakers.js';
import { anAccount, aLine, aQuietLine, someLimits, withInputs, withLimits } from './builders.js';
import { expectBreaches, type BreakerRow } from './breakers-expect.js';

const account = (netLiquidation: number): ReturnType<typeof anAccount> => anAccount({ netLiquidation });

/** BUY 1 @ price (reference and close the same): worth exactly `price`. */
const oneShare = (price: number): ReturnType<typeof aLine> =>
  aLine({
    quantity: 1,
    currentQuantity: 0,
    targetQuantity: 1,
    referencePrice: price,
    limitPrice: price,
    previousClose: price,
    tradeValue: price,
  });

/** BUY 10 @ limit, reference 10.20 unless given, previous close = reference unless given. */
const collarLine = (limitPrice: number, referencePrice = 10.2, previousClose = referencePrice): ReturnType<typeof aLine> =>
  aLine({ quantity: 10, currentQuantity: 0, targetQuantity: 10, referencePrice, limitPrice, previousClose, tradeValue: 102 });

const rows: BreakerRow[] = [
  // --- ORDER_VALUE_LIMIT, max 2.5% of NLV 100,000.40: 2,500.01 is exactly 2.5% (2.5000000000000004 in doubles)
  {
    name: 'allows an order worth exactly the max percent of NLV',
    check: checkOrderValue,
    ctx: withInputs({ account: account(100_000.4), limits: someLimits({ maxOrderPct: 2.5 }) }, { lines: [oneShare(2_500.01)] }),
    expected: [],
  },
  {
    name: 'blocks an order one cent over the max percent of NLV',
    check: checkOrderValue,
    ctx: withInputs({ account: account(100_000.4), limits: someLimits({ maxOrderPct: 2.5 }) }, { lines: [oneShare(2_500.02)] }),
    expected: [
      { code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['order value 2,500.02', 'of NLV 100,000.40', 'max 2.50%', 'MAX_ORDER_PCT'] },
    ],
  },
  {
    name: 'blocks an order one cent over the max order value',
    check: checkOrderValue,
    ctx: withLimits({ maxOrderValue: 2_500.01 }, { lines: [oneShare(2_500.02)] }),
    expected: [{ code: 'ORDER_VALUE_LIMIT', symbol: 'AAPL', contains: ['order value 2,500.02 > max order value 2,500.01'] }],
  },

  // --- PRICE_COLLAR, max 5%: 10.71 is exactly 5% above 10.20 (5.000000000000016 in doubles)
  {
    name: 'allows a limit exactly at the collar',
    check: checkPriceCollar,
    ctx: withLimits({ priceCollarPct: 5 }, { lines: [collarLine(10.71)] }),
    expected: [],
  },
  {
    name: 'blocks a limit one cent outside the collar',
    check: checkPriceCollar,
    ctx: withLimits({ priceCollarPct: 5 }, { lines: [collarLine(10.72)] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['limit 10.72 is 5.098% from reference 10.2', 'max 5.00%'] }],
  },
  // 9.5095 is exactly 5% below the close of 10.01 (5.000000000000006 in doubles)
  {
    name: 'allows a reference exactly at the collar from the previous close',
    check: checkPriceCollar,
    ctx: withLimits({ priceCollarPct: 5 }, { lines: [collarLine(9.51, 9.5095, 10.01)] }),
    expected: [],
  },
  {
    name: 'blocks a reference one cent of close outside the collar',
    check: checkPriceCollar,
    ctx: withLimits({ priceCollarPct: 5 }, { lines: [collarLine(9.51, 9.5095, 10.02)] }),
    expected: [{ code: 'PRICE_COLLAR', symbol: 'AAPL', contains: ['reference 9.5095 is 5.0948% from previous close 10.02', 'max 5.00%'] }],
  },

  // --- NAV_JUMP, max 5%: 105,000.21 is exactly 5% above 100,000.20 (5.00000000000001 in doubles)
  {
    name: 'does not halt when NLV moved exactly the allowed percentage',
    check: checkNavJump,
    ctx: withInputs({ account: account(105_000.21), lastNetLiquidation: 100_000.2, limits: someLimits({ maxNavJumpPct: 5 }) }),
    expected: [],
  },
  {
    name: 'halts when NLV moved one cent more than the allowed percentage',
    check: checkNavJump,
    ctx: withInputs({ account: account(105_000.22), lastNetLiquidation: 100_000.2, limits: someLimits({ maxNavJumpPct: 5 }) }),
    expected: [{ code: 'NAV_JUMP', contains: ['NLV 105,000.22 vs last snapshot 100,000.20', 'max 5.00%'] }],
  },

  // --- DAILY_LOSS_LIMIT, max 3%: 97,006.79 is exactly 3% below 100,007.00 (3.000000000000006 in doubles)
  {
    name: 'does not halt at exactly the max daily loss',
    check: checkDailyLoss,
    ctx: withInputs({ account: account(97_006.79), startOfDayNetLiquidation: 100_007, limits: someLimits({ maxDailyLossPct: 3 }) }),
    expected: [],
  },
  {
    name: 'halts one cent past the max daily loss',
    check: checkDailyLoss,
    ctx: withInputs({ account: account(97_006.78), startOfDayNetLiquidation: 100_007, limits: someLimits({ maxDailyLossPct: 3 }) }),
    expected: [{ code: 'DAILY_LOSS_LIMIT', contains: ['NLV 97,006.78 vs start of day 100,007.00', 'max 3.00%'] }],
  },

  // --- POSITION_LIMIT, max 25% of NLV 100,000.40: one share at 25,000.10 is exactly 25%
  {
    name: 'allows a position worth exactly the max percent of NLV',
    check: checkPositionLimit,
    ctx: withInputs(
      { account: account(100_000.4) },
      { lines: [aQuietLine({ currentQuantity: 1, targetQuantity: 1, referencePrice: 25_000.1 })] },
    ),
    expected: [],
  },
  {
    name: 'blocks a position one cent over the max percent of NLV',
    check: checkPositionLimit,
    ctx: withInputs(
      { account: account(100_000.4) },
      { lines: [aQuietLine({ currentQuantity: 1, targetQuantity: 1, referencePrice: 25_000.11 })] },
    ),
    expected: [
      { code: 'POSITION_LIMIT', symbol: 'AAPL', contains: ['after trades 1 sh x 25000.11 = 25,000.11', 'of NLV 100,000.40', 'max 25.00%'] },
    ],
  },

  // --- DAILY_TURNOVER_LIMIT, max 50% of 100,000: the default line is worth 3,803.80 at its limit
  {
    name: 'allows a day that trades exactly the max turnover',
    check: checkDailyTurnover,
    ctx: withInputs({ tradedValueToday: 46_196.2, limits: someLimits({ maxDailyTurnoverPct: 50 }) }),
    expected: [],
  },
  {
    name: 'blocks a day that trades one cent over the max turnover',
    check: checkDailyTurnover,
    ctx: withInputs({ tradedValueToday: 46_196.21, limits: someLimits({ maxDailyTurnoverPct: 50 }) }),
    expected: [{ code: 'DAILY_TURNOVER_LIMIT', contains: ['traded today 46,196.21 + this run 3,803.80 = 50,000.01', 'max 50.00%'] }],
  },

  // --- MARGIN_CUSHION, min 0.05
  {
    name: 'accepts a cushion exactly at the minimum',
    check: checkMarginCushion,
    ctx: withInputs({ account: anAccount({ cushion: 0.05 }) }),
    expected: [],
  },
  {
    name: 'flags a cushion a hundredth of a percent under the minimum',
    check: checkMarginCushion,
    ctx: withInputs({ account: anAccount({ cushion: 0.0499 }) }),
    expected: [{ code: 'MARGIN_CUSHION', contains: ['cushion 0.0499 (4.99%) < min 0.0500 (5.00%)'] }],
  },
];

describe('breakers at their limits, compared exactly', () => {
  it.each(rows)('$name', ({ check, ctx, expected }) => {
    expectBreaches(check(ctx), expected);
  });

  it('are the cases double arithmetic gets wrong', () => {
    expect((2_500.01 * 100) / 100_000.4).toBeGreaterThan(2.5);
    expect((Math.abs(10.71 - 10.2) * 100) / 10.2).toBeGreaterThan(5);
    expect((Math.abs(9.5095 - 10.01) * 100) / 10.01).toBeGreaterThan(5);
    expect((Math.abs(105_000.21 - 100_000.2) * 100) / 100_000.2).toBeGreaterThan(5);
    expect(((100_007 - 97_006.79) * 100) / 100_007).toBeGreaterThan(3);
  });
});
