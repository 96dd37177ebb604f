import { describe, expect, it } from 'vitest';
import { BROKER_ORDER_STATUSES, FINAL_ORDER_STATUSES, RECORDED_ORDER_STATUSES } from '../../src/core/order-status.js';
import { renderDailyReport } from '../../src/report/render-daily-report.js';
import { buildReportView } from '../../src/report/report-view.js';
import { aReport } from './report-builders.js';

/** One order of the day in the given status, otherwise the builder's AAPL buy. */
const withOrder = (status: string, message?: string): ReturnType<typeof aReport> =>
  aReport({
    orders: [
      {
        createdAt: '2026-11-23T14:35:05Z',
        symbol: 'AAPL',
        action: 'BUY',
        quantity: 10,
        limitPrice: 190.09,
        referencePrice: 190,
        status,
        filledQuantity: 0,
        avgFillPrice: 0,
        ...(message === undefined ? {} : { message }),
      },
    ],
  });

const AMBER = '#b06000';

describe('order status in the daily report', () => {
  it('renders a NotSent order as settled, not amber', () => {
    const report = withOrder('NotSent', 'not at the broker');
    expect(buildReportView(report).orders.map((o) => o.settled)).toEqual([true]);
    const html = renderDailyReport(report).html ?? '';
    expect(html).toContain('>NotSent: not at the broker</span>');
    expect(html).not.toContain(AMBER);
  });

  it('settles exactly the final statuses of the core vocabulary', () => {
    for (const status of RECORDED_ORDER_STATUSES) {
      const final = (FINAL_ORDER_STATUSES as readonly string[]).includes(status);
      expect({ status, settled: buildReportView(withOrder(status)).orders[0]?.settled }).toEqual({ status, settled: final });
    }
  });

  it('shows a working order amber', () => {
    const working = BROKER_ORDER_STATUSES.filter((s) => !(FINAL_ORDER_STATUSES as readonly string[]).includes(s));
    expect(working).toContain('Submitted');
    for (const status of working)
      expect(renderDailyReport(withOrder(status)).html ?? '').toContain(`<span style="color:${AMBER}">${status}</span>`);
  });
});
