/**
 * The day's traded value (DAILY_TURNOVER_LIMIT's "traded today") of fills in two other currencies, one quoted in
 * pence, from a real SQLite file (issue 15): each fill valued at quantity x price / its order's magnifier x its
 * order's rate, summed in the account's currency; the sum must be the exact decimal one (no double creeping in).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { orderRefFor } from '../../src/run/run-id.js';

const RUN = '20261123T153000Z-0123456789ab';
const AT = '2026-11-23T15:30:00Z';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("the day's traded value in an SGD account", () => {
  it('fills in pence (GBP) and in USD: the exact decimal sum at each order rate, to 1e-6', () => {
    const dir = mkdtempSync(join(tmpdir(), 'turnover-fx-'));
    dirs.push(dir);
    const store = new SqliteStore(join(dir, 'rebalancer.sqlite'));
    store.startRun({ runId: RUN, startedAt: AT, tradingDay: '2026-11-23', dryRun: false });
    const gbp = { rate: 1.7215, at: AT, source: 'IDEALPRO GBP.SGD midpoint' };
    const usd = { rate: 1.3502, at: AT, source: 'the account ledger' };
    store.recordOrderIntents(
      RUN,
      [
        {
          orderRef: orderRefFor(RUN, 'VOD'),
          symbol: 'VOD',
          action: 'SELL',
          quantity: 1000,
          limitPrice: 3514,
          adaptivePriority: 'Normal',
          primaryExchange: 'LSE',
          currency: 'GBP',
          referencePrice: 3517,
          fx: gbp,
          priceMagnifier: 100,
        },
        {
          orderRef: orderRefFor(RUN, 'SPY'),
          symbol: 'SPY',
          action: 'BUY',
          quantity: 45,
          limitPrice: 600.72,
          adaptivePriority: 'Normal',
          primaryExchange: 'ARCA',
          currency: 'USD',
          referencePrice: 600.12,
          fx: usd,
        },
      ],
      AT,
    );
    const fill = (execId: string, symbol: string, side: 'BUY' | 'SELL', quantity: number, price: number) => ({
      execId,
      brokerOrderId: symbol === 'VOD' ? 1 : 2,
      orderRef: orderRefFor(RUN, symbol),
      symbol,
      side,
      quantity,
      price,
      commission: 1,
      time: '2026-11-23T15:31:00Z',
    });
    store.recordFills(RUN, [
      fill('0001.01.01', 'VOD', 'SELL', 999, 3514.5),
      fill('0001.02.01', 'VOD', 'SELL', 1, 3514.25),
      fill('0002.01.01', 'SPY', 'BUY', 20, 600.7),
      fill('0002.02.01', 'SPY', 'BUY', 25, 600.72),
    ]);
    const exact = [
      new Decimal(999).times(3514.5).div(100).times(1.7215),
      new Decimal(1).times(3514.25).div(100).times(1.7215),
      new Decimal(20).times(600.7).times(1.3502),
      new Decimal(25).times(600.72).times(1.3502),
    ].reduce((a, b) => a.plus(b), new Decimal(0));
    expect(exact.toString()).toBe('97000.71959625');
    expect(store.tradedValueOn('2026-11-23')).toBe(exact.toDecimalPlaces(6).toNumber());
    store.close();
  });
});
