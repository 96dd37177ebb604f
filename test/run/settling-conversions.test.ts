/**
 * A conversion that filled minutes before the account read may not be in IB's cash yet (its account values are
 * refreshed every few minutes): a run planning from that cash would buy the currency again. The currencies such a
 * conversion moved get no conversion this run.
 */
import { describe, expect, it } from 'vitest';
import type { FillRecord } from '../../src/ports/store.js';
import { settlingConversions } from '../../src/run/settling-conversions.js';

const READ_AT = '2026-11-23T16:30:00Z';
const fill = (over: Partial<FillRecord>): FillRecord => ({
  runId: 'r1',
  execId: 'e1',
  brokerOrderId: 1,
  orderRef: 'rebal:r1:USD.SGD',
  symbol: 'USD.SGD',
  secType: 'CASH',
  side: 'BUY',
  quantity: 12_000,
  price: 1.3504,
  commission: 3.24,
  time: '2026-11-23T16:27:00Z',
  ...over,
});

describe('settlingConversions', () => {
  it('names the foreign currency of a conversion executed within the quiet minutes, and asks the store from then', () => {
    const asked: string[] = [];
    const out = settlingConversions(
      {
        fillsSince: (since: string) => {
          asked.push(since);
          return [fill({}), fill({ execId: 'e2', symbol: 'SPY', secType: undefined, orderRef: 'rebal:r1:SPY' })];
        },
      },
      { readAt: READ_AT, base: 'SGD' },
    );
    expect(asked).toEqual(['2026-11-23T16:25:00.000Z']);
    expect(Object.keys(out)).toEqual(['USD']);
    expect(out.USD).toBe(
      "our conversion BUY 12000 USD.SGD executed at 2026-11-23T16:27:00Z, within 5 minutes of this account read: IB's cash may not show it yet, so none is planned from it this run",
    );
  });

  it("counts the broker's executions not yet recorded too, and nothing when there is no conversion", () => {
    const none = { fillsSince: () => [] };
    expect(settlingConversions(none, { readAt: READ_AT, base: 'SGD' })).toEqual({});
    const unrecorded = [fill({ symbol: 'SGD.HKD', side: 'SELL' }), fill({ symbol: 'EUR.SGD', time: '2026-11-23T14:30:00Z' })];
    expect(Object.keys(settlingConversions(none, { readAt: READ_AT, base: 'SGD', unrecorded }))).toEqual(['HKD']);
  });
});
