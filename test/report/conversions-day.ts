/** A day with currency conversions (FX_POLICY=convert) in an SGD account, for the report tests. */
import type { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot } from '../storage/fixtures.js';

const DAY = '2026-11-23';

/**
 * Friday's close: NLV 250,000.00 SGD, 100 SPY valued at 1.34. Monday, run m1 (09:35 ET):
 * - BUY 20,000 USD.SGD (limit 1.3502, reference 1.35) filled at 1.3501: 27,002.00 SGD, commission 2.70 SGD;
 * - BUY 10 SPY (limit 600.50 USD, reference 600.12, rate 1.35) filled at 600.30: 8,104.05 SGD, commission 1.00 USD
 *   (1.35 SGD), slippage 0.18 x 10 x 1.35 = 2.43 SGD;
 * - SELL 10,000 SGD.HKD (limit 5.80 HKD per SGD, HKD at 0.1724 SGD) rejected.
 * The broker then holds 110 SPY and no position in USD.SGD (a conversion moves cash).
 */
export function mondayWithConversions(store: SqliteStore): void {
  store.startRun({ runId: 'f', startedAt: '2026-11-20T20:35:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  store.recordSnapshot('f', aSnapshot({ currency: 'SGD', netLiquidation: 250_000, grossPositionValue: 79_730 }), [
    aPosition({ symbol: 'SPY', quantity: 100, avgCost: 590, marketPrice: 595, marketValue: 79_730, fxRate: 1.34 }),
  ]);
  store.finishRun('f', { finishedAt: '2026-11-20T20:36:00.000Z', status: 'ok', exitCode: 0 });

  store.startRun({ runId: 'm1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: DAY, dryRun: false });
  const fx = 'rebal:m1:USD.SGD';
  const hkd = 'rebal:m1:SGD.HKD';
  const spy = 'rebal:m1:SPY';
  store.recordOrderIntents(
    'm1',
    [
      {
        ...anOrder({
          orderRef: fx,
          secType: 'CASH',
          symbol: 'USD.SGD',
          quantity: 20_000,
          limitPrice: 1.3502,
          primaryExchange: 'IDEALPRO',
          currency: 'SGD',
        }),
        referencePrice: 1.35,
      },
      {
        ...anOrder({
          orderRef: hkd,
          secType: 'CASH',
          symbol: 'SGD.HKD',
          action: 'SELL',
          quantity: 10_000,
          limitPrice: 5.8,
          primaryExchange: 'IDEALPRO',
          currency: 'HKD',
        }),
        referencePrice: 5.8,
        fx: { rate: 0.1724, at: '2026-11-23T14:35:01.000Z', source: 'IDEALPRO SGD.HKD midpoint' },
      },
      {
        ...anOrder({ orderRef: spy, symbol: 'SPY', quantity: 10, limitPrice: 600.5, primaryExchange: 'ARCA', currency: 'USD' }),
        referencePrice: 600.12,
        fx: { rate: 1.35, at: '2026-11-23T14:35:01.000Z', source: 'ledger' },
      },
    ],
    '2026-11-23T14:35:05.000Z',
  );
  store.markTurnsTaken([fx, hkd, spy]);
  store.markOrderSent(
    fx,
    aBrokerOrder({ orderRef: fx, secType: 'CASH', symbol: 'USD.SGD', brokerOrderId: 11, quantity: 20_000, limitPrice: 1.3502 }),
  );
  store.markOrderSent(
    hkd,
    aBrokerOrder({
      orderRef: hkd,
      secType: 'CASH',
      symbol: 'SGD.HKD',
      action: 'SELL',
      brokerOrderId: 12,
      quantity: 10_000,
      status: 'Rejected',
      message: 'IDEALPRO closed',
    }),
  );
  store.markOrderSent(spy, aBrokerOrder({ orderRef: spy, symbol: 'SPY', brokerOrderId: 13, quantity: 10, limitPrice: 600.5 }));
  store.recordFills('m1', [
    anExecution({
      execId: 'fx.01',
      secType: 'CASH',
      orderRef: fx,
      symbol: 'USD.SGD',
      brokerOrderId: 11,
      quantity: 20_000,
      price: 1.3501,
      commission: 2.7,
      time: '2026-11-23T14:35:10.000Z',
    }),
    anExecution({
      execId: 'spy.01',
      orderRef: spy,
      symbol: 'SPY',
      brokerOrderId: 13,
      quantity: 10,
      price: 600.3,
      commission: 1,
      time: '2026-11-23T14:36:00.000Z',
    }),
  ]);
  store.recordSnapshot('m1', aSnapshot({ currency: 'SGD', netLiquidation: 250_500, grossPositionValue: 89_248.5 }), [
    aPosition({ symbol: 'SPY', quantity: 110, avgCost: 590.95, marketPrice: 601, marketValue: 89_248.5, fxRate: 1.35 }),
  ]);
  store.finishRun('m1', { finishedAt: '2026-11-23T14:37:00.000Z', status: 'ok', exitCode: 0 });
}
