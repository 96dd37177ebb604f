/** Hand-made report data for the pure rendering tests: a plausible end of day on Mon 2026-11-23. */
import type { DailyReportData, ReportFillLine } from '../../src/report/daily-report-data.js';
import { pnlOf } from '../../src/core/pnl.js';

const AAPL = { symbol: 'AAPL', quantity: 210, marketPrice: 190, marketValue: 39_900, avgCost: 171.2 };
const MSFT = { symbol: 'MSFT', quantity: 55, marketPrice: 406.02, marketValue: 22_331.1, avgCost: 410.5 };

const AAPL_FILL: ReportFillLine = {
  orderRef: 'rb:m1:AAPL',
  time: '2026-11-23T14:36:00Z',
  symbol: 'AAPL',
  side: 'BUY',
  quantity: 10,
  price: 190.05,
  commission: 1,
  referencePrice: 190,
  slippage: { cost: 0.5, bps: 2.63 },
};
const MSFT_FILL: ReportFillLine = {
  orderRef: 'rb:m4:MSFT',
  time: '2026-11-23T16:40:00Z',
  symbol: 'MSFT',
  side: 'BUY',
  quantity: 2,
  price: 406.1,
  commission: 1,
  referencePrice: 406,
  slippage: { cost: 0.2, bps: 2.46 },
};

export function aReport(over: Partial<DailyReportData> = {}): DailyReportData {
  return {
    kind: 'end',
    tradingDay: '2026-11-23',
    now: '2026-11-23T21:05:00Z',
    account: 'DU0000001',
    latest: {
      at: '2026-11-23T21:05:00Z',
      nlv: 100_234.5,
      cash: 38_123.45,
      leverage: 0.62,
      cushion: 0.412,
      excessLiquidity: 41_300,
      maintMargin: 9_800,
      grossPositionValue: 62_111.05,
      currency: 'USD',
    },
    sincePreviousClose: { amount: 230.5, fraction: 230.5 / 100_004, base: 100_004, flows: 0, day: '2026-11-20' },
    sinceOpen: { amount: -65.5, fraction: -65.5 / 100_300, base: 100_300, flows: 0, at: '2026-11-23T14:35:00Z' },
    flows: [],
    positions: [
      // AAPL: cost basis 210 x 171.2 = 35,952.00, unrealized +3,948.00; MSFT: 55 x 410.5 = 22,577.50, unrealized -246.40.
      { ...AAPL, costBasis: 35_952, unrealized: 3_948, weight: 0.398, targetWeight: 0.38, drift: 0.018 },
      { ...MSFT, costBasis: 22_577.5, unrealized: -246.4, weight: 0.2228, targetWeight: 0.23, drift: -0.0072 },
    ],
    // Day +230.50; unrealized 3,701.60 now, 3,600.00 at the previous close: realized +128.90.
    pnl: pnlOf({
      positions: [AAPL, MSFT],
      sincePreviousClose: { amount: 230.5, flows: 0, day: '2026-11-20' },
      previousClose: {
        runId: 'r-close',
        at: '2026-11-20T21:05:00Z',
        grossPositionValue: 61_000,
        positions: [{ ...AAPL, marketValue: 39_552, marketPrice: 188.34 }],
      },
    }),
    orders: [
      {
        createdAt: '2026-11-23T14:35:05Z',
        orderRef: 'rb:m1:AAPL',
        symbol: 'AAPL',
        action: 'BUY',
        quantity: 10,
        limitPrice: 190.09,
        referencePrice: 190,
        status: 'Filled',
        filledQuantity: 10,
        avgFillPrice: 190.05,
        fills: [AAPL_FILL],
      },
      {
        createdAt: '2026-11-23T16:35:05Z',
        orderRef: 'rb:m4:MSFT',
        symbol: 'MSFT',
        action: 'BUY',
        quantity: 5,
        limitPrice: 406.2,
        referencePrice: 406,
        status: 'Submitted',
        filledQuantity: 2,
        avgFillPrice: 406.1,
        fills: [MSFT_FILL],
      },
    ],
    fills: [AAPL_FILL, MSFT_FILL],
    totals: { fills: 2, notional: 2_712.7, commissions: 2, slippageCost: 0.7, fillsWithReference: 2 },
    breaches: [],
    runs: { total: 7, ok: 7, blocked: 0, failed: 0, skipped: 0, running: 0 },
    activity: { sent: 2, modified: 1, cancelled: 0, executedOrders: 2, fills: 2 },
    daySeries: [
      { t: '2026-11-23T14:35:00Z', nlv: 100_300 },
      { t: '2026-11-23T17:35:00Z', nlv: 100_150 },
      { t: '2026-11-23T21:05:00Z', nlv: 100_234.5 },
    ],
    history: [
      { t: '2026-11-19', nlv: 99_500 },
      { t: '2026-11-20', nlv: 100_004 },
      { t: '2026-11-23', nlv: 100_234.5 },
    ],
    nextRun: '2026-11-24T14:35:00Z',
    ...over,
  };
}

/** The 8-byte signature every PNG file starts with. */
export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
