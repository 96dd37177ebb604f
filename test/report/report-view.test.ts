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
        orderRef: 'rb:m1:AAPL',
        fills: [],
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
    // A plain state first; the records' status and message on the second line.
    expect(html).toContain('>not sent</span>');
    expect(buildReportView(report).orders[0]?.details).toBe('ref 190.00 · records: NotSent · not at the broker');
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
      expect(renderDailyReport(withOrder(status)).html ?? '').toContain(`<span style="color:${AMBER}">working</span>`);
  });
});

describe("the day's order efficiency in the daily report", () => {
  it('counts the requests to the broker per executed order, and says how often an order was changed in place', () => {
    const report = aReport({
      activity: { sent: 5, modified: 3, cancelled: 1, executedOrders: 4, fills: 10 },
      orders: [
        {
          createdAt: '2026-11-23T14:35:05Z',
          orderRef: 'rb:m1:AAPL',
          fills: [],
          symbol: 'AAPL',
          action: 'BUY',
          quantity: 60,
          limitPrice: 190.19,
          referencePrice: 190,
          status: 'Submitted',
          filledQuantity: 40,
          avgFillPrice: 190.05,
          modified: 2,
        },
      ],
    });
    const view = buildReportView(report);
    expect(view.orderActivity).toBe(
      'Order efficiency: 9 requests to the broker (5 new, 3 changed in place, 1 cancelled) for 4 executed orders: ratio 2.3, 2.5 fills per executed order',
    );
    expect(view.orders[0]?.details).toBe('ref 190.00 · changed in place 2 times · IB: Submitted');
    const { html, text } = renderDailyReport(report);
    expect(text).toContain('Order efficiency: 9 requests');
    expect(html).toContain('Order efficiency: 9 requests');
    expect(html).toContain('changed in place 2 times');
  });

  it('says nothing of efficiency on a day whose runs asked nothing of the broker, and "no order executed yet" before a fill', () => {
    expect(
      buildReportView(aReport({ activity: { sent: 0, modified: 0, cancelled: 0, executedOrders: 0, fills: 0 } })).orderActivity,
    ).toBeUndefined();
    expect(buildReportView(aReport({ activity: { sent: 3, modified: 0, cancelled: 0, executedOrders: 0, fills: 0 } })).orderActivity).toBe(
      'Order efficiency: 3 requests to the broker (3 new, 0 changed in place, 0 cancelled) for 0 executed orders: no order executed yet',
    );
  });
});
