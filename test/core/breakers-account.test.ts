import { describe, expect, it } from 'vitest';
import { checkDailyLoss, checkMarginCushion, checkNavJump, checkNetLiquidation, type BreakerContext } from '../../src/core/breakers.js';
import { anAccount, withInputs } from './builders.js';
import { expectBreaches, type BreakerRow } from './breakers-expect.js';

type Row = BreakerRow;

const nlv = (netLiquidation: number, more: Parameters<typeof withInputs>[0] = {}): BreakerContext =>
  withInputs({ account: anAccount({ netLiquidation }), ...more });

const rows: Row[] = [
  // --- NLV itself
  {
    name: 'reports a broker error when NLV is NaN',
    check: checkNetLiquidation,
    ctx: nlv(Number.NaN),
    expected: [{ code: 'BROKER_ERROR', contains: ['net liquidation NaN', 'not a finite positive number'] }],
  },
  {
    name: 'reports a broker error when NLV is zero',
    check: checkNetLiquidation,
    ctx: nlv(0),
    expected: [{ code: 'BROKER_ERROR', contains: ['net liquidation 0 '] }],
  },
  {
    name: 'reports a broker error when NLV is negative',
    check: checkNetLiquidation,
    ctx: nlv(-5),
    expected: [{ code: 'BROKER_ERROR', contains: ['net liquidation -5 '] }],
  },
  {
    name: 'reports a broker error when NLV is infinite',
    check: checkNetLiquidation,
    ctx: nlv(Number.POSITIVE_INFINITY),
    expected: [{ code: 'BROKER_ERROR', contains: ['Infinity'] }],
  },
  { name: 'accepts a positive NLV', check: checkNetLiquidation, ctx: nlv(100_000), expected: [] },

  // --- NAV_JUMP, max 10%
  // |100,000 - 90,000| / 90,000 = 11.1111% > 10%
  {
    name: 'halts when NLV jumped 11.11% above the last snapshot',
    check: checkNavJump,
    ctx: withInputs({ lastNetLiquidation: 90_000 }),
    expected: [{ code: 'NAV_JUMP', contains: ['NLV 100,000.00', 'last snapshot 90,000.00', 'change 11.1111%', 'max 10.00%'] }],
  },
  // |110,001 - 100,000| / 100,000 = 10.001% > 10%
  {
    name: 'halts when NLV is just over 10% above the last snapshot',
    check: checkNavJump,
    ctx: nlv(110_001, { lastNetLiquidation: 100_000 }),
    expected: [{ code: 'NAV_JUMP', contains: ['110,001.00', '100,000.00', '10.001%', '10.00%'] }],
  },
  // |89,999 - 100,000| / 100,000 = 10.001% > 10%: a drop trips too
  {
    name: 'halts when NLV fell just over 10% below the last snapshot',
    check: checkNavJump,
    ctx: nlv(89_999, { lastNetLiquidation: 100_000 }),
    expected: [{ code: 'NAV_JUMP', contains: ['89,999.00', '10.001%'] }],
  },
  // |110,000 - 100,000| / 100,000 = 10% = max: not over
  {
    name: 'does not halt when NLV moved exactly the allowed 10%',
    check: checkNavJump,
    ctx: nlv(110_000, { lastNetLiquidation: 100_000 }),
    expected: [],
  },
  // |100,000 - 110,000| / 110,000 = 9.09%
  {
    name: 'does not halt when NLV fell 9.09% from the last snapshot',
    check: checkNavJump,
    ctx: withInputs({ lastNetLiquidation: 110_000 }),
    expected: [],
  },
  { name: 'does not judge a jump when there is no last snapshot', check: checkNavJump, ctx: withInputs({}), expected: [] },
  // 100,000 / 0 = infinite change: a garbage snapshot fails closed
  {
    name: 'halts when the last snapshot NLV is zero',
    check: checkNavJump,
    ctx: withInputs({ lastNetLiquidation: 0 }),
    expected: [{ code: 'NAV_JUMP', contains: ['last snapshot 0.00'] }],
  },
  {
    name: 'leaves the NAV jump to the broker error when NLV is unusable',
    check: checkNavJump,
    ctx: nlv(Number.NaN, { lastNetLiquidation: 100_000 }),
    expected: [],
  },

  // --- DAILY_LOSS_LIMIT, max 5%
  // (100,000 - 94,999) / 100,000 = 5.001% > 5%
  {
    name: 'halts when the day lost just over 5%',
    check: checkDailyLoss,
    ctx: nlv(94_999, { startOfDayNetLiquidation: 100_000 }),
    expected: [{ code: 'DAILY_LOSS_LIMIT', contains: ['NLV 94,999.00', 'start of day 100,000.00', 'loss 5.001%', 'max 5.00%'] }],
  },
  // (100,000 - 95,000) / 100,000 = 5% = max
  {
    name: 'does not halt when the day lost exactly 5%',
    check: checkDailyLoss,
    ctx: nlv(95_000, { startOfDayNetLiquidation: 100_000 }),
    expected: [],
  },
  // (100,000 - 120,000) / 100,000 = -20%: a gain
  { name: 'does not halt on a daily gain', check: checkDailyLoss, ctx: nlv(120_000, { startOfDayNetLiquidation: 100_000 }), expected: [] },
  { name: 'does not judge the daily loss without a start-of-day NLV', check: checkDailyLoss, ctx: nlv(50_000), expected: [] },

  // --- MARGIN_CUSHION, min 0.05
  {
    name: 'reduces when the cushion is just under the minimum',
    check: checkMarginCushion,
    ctx: withInputs({ account: anAccount({ cushion: 0.0499 }) }),
    expected: [{ code: 'MARGIN_CUSHION', contains: ['cushion 0.0499 (4.99%)', 'min 0.0500 (5.00%)'] }],
  },
  {
    name: 'does not reduce when the cushion is exactly the minimum',
    check: checkMarginCushion,
    ctx: withInputs({ account: anAccount({ cushion: 0.05 }) }),
    expected: [],
  },
  {
    name: 'does not judge a cushion the broker did not report',
    check: checkMarginCushion,
    ctx: withInputs({ account: anAccount({ cushion: Number.NaN }) }),
    expected: [],
  },
  // --- money that moved in or out is not a jump nor a loss (core/cash-flows.ts)
  {
    name: 'a 15% deposit since the last snapshot is no NAV_JUMP',
    check: checkNavJump,
    ctx: nlv(115_000, { lastNetLiquidation: 100_000, cashFlows: { sinceLastSnapshot: 15_000, sinceStartOfDay: 15_000 } }),
    expected: [],
  },
  {
    name: 'an 8% withdrawal today is no DAILY_LOSS_LIMIT',
    check: checkDailyLoss,
    ctx: nlv(92_000, { startOfDayNetLiquidation: 100_000, cashFlows: { sinceLastSnapshot: -8000, sinceStartOfDay: -8000 } }),
    expected: [],
  },
  // (100,000 - (103,000 - 10,000)) / 100,000 = 7% > 5%: a 10% deposit does not hide a 7% loss
  {
    name: 'a real 7% loss still halts on a day with a 10% deposit, and the message names the flow',
    check: checkDailyLoss,
    ctx: nlv(103_000, { startOfDayNetLiquidation: 100_000, cashFlows: { sinceLastSnapshot: 10_000, sinceStartOfDay: 10_000 } }),
    expected: [{ code: 'DAILY_LOSS_LIMIT', contains: ['NLV 103,000.00 (+10,000.00 came in today: taken out)', 'loss 7.00%'] }],
  },
  // |(88,000 + 8,000) - 100,000| = 4%: the withdrawal is taken out, the 4% move stays under 10%; 12% would trip
  {
    name: 'a jump beyond the flows still trips NAV_JUMP, naming the flow',
    check: checkNavJump,
    ctx: nlv(80_000, { lastNetLiquidation: 100_000, cashFlows: { sinceLastSnapshot: -8000, sinceStartOfDay: -8000 } }),
    expected: [{ code: 'NAV_JUMP', contains: ['NLV 80,000.00 (-8,000.00 went out since: taken out)', 'change 12.00%'] }],
  },
];

describe('account breakers', () => {
  it.each(rows)('$name', ({ check, ctx, expected }) => {
    expectBreaches(check(ctx), expected);
  });

  it('names no symbol on account-level breaches', () => {
    const breaches = checkNavJump(withInputs({ lastNetLiquidation: 50_000 }));
    expect(breaches).toHaveLength(1);
    expect('symbol' in (breaches[0] ?? {})).toBe(false);
  });
});
