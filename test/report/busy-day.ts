/**
 * A busy trading day at 500 tickers, written to a real SQLite store the way runs write it: seven hourly runs, each
 * with a snapshot of 500 positions; 500 orders over the day (one per ticker), 1,500 fills (three per filled order),
 * 25 orders rejected with IB's message, 10 cancelled, 40 breaches. Some symbols and messages are hostile (a formula,
 * HTML). For the size tests of the daily summary: the numbers are whatever the store gives back.
 */
import type { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot } from '../storage/fixtures.js';

export const TICKERS = 500;
export const HOURS = [14, 15, 16, 17, 18, 19, 20].map((h) => `2026-11-23T${h}:35:00.000Z`);
/** The symbols a hostile forecast or broker could bring: a formula, HTML, a quote and a comma. */
export const HOSTILE = ['=HYPERLINK("http://evil.example","x")', '<img src=x onerror=alert(1)>', '+1-2', '@SUM(A1)', '-3+4', 'A,"B"'];

/** Four upper-case letters, AAAA, AAAB..., the first few replaced by HOSTILE. */
export function symbolOf(i: number): string {
  const hostile = HOSTILE[i];
  if (hostile !== undefined) return hostile;
  let n = i;
  let s = '';
  for (let k = 0; k < 4; k += 1) {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26);
  }
  return s;
}

const priceOf = (i: number): number => 20 + ((i * 37) % 480) + 0.37;

/** Writes the day; returns the number of orders, fills and breaches written. */
export function fillBusyDay(store: SqliteStore, reports: SqliteReportStore): { orders: number; fills: number; breaches: number } {
  // Friday's close, for the change and the 30-day chart.
  store.startRun({ runId: 'f1', startedAt: '2026-11-20T20:35:00.000Z', tradingDay: '2026-11-20', dryRun: false });
  store.recordSnapshot('f1', aSnapshot({ netLiquidation: 10_000_000 }), []);
  store.finishRun('f1', { finishedAt: '2026-11-20T20:36:00.000Z', status: 'ok', exitCode: 0 });
  reports.recordDailyRow(
    { tradingDay: '2026-11-20', closingNlv: 10_000_000, change: 0, turnover: 0, commissions: 0, fills: 0 },
    '2026-11-20T21:05:00.000Z',
  );
  let orders = 0;
  let fills = 0;
  let breaches = 0;
  for (const [h, at] of HOURS.entries()) {
    const runId = `m${h}`;
    store.startRun({ runId, startedAt: at, tradingDay: '2026-11-23', dryRun: false });
    const positions = Array.from({ length: TICKERS }, (_, i) => {
      const price = priceOf(i);
      const quantity = Math.round(18_000 / price) + h;
      const weight = (quantity * price) / 10_000_000;
      return aPosition({
        symbol: symbolOf(i),
        quantity,
        avgCost: price * 0.97,
        marketPrice: price,
        marketValue: quantity * price,
        weight,
        targetWeight: 0.0018 + (((i * 13) % 17) - 8) / 100_000,
      });
    });
    store.recordSnapshot(runId, aSnapshot({ netLiquidation: 10_000_000 + h * 1_234.5, leverage: 0.9, cushion: 0.3 }), positions);
    // About 72 orders a run, one per ticker over the day.
    const first = Math.floor((h * TICKERS) / HOURS.length);
    const last = Math.floor(((h + 1) * TICKERS) / HOURS.length);
    for (let i = first; i < last; i += 1) {
      const symbol = symbolOf(i);
      const orderRef = `rb:${runId}:${symbol}`;
      const price = priceOf(i);
      const quantity = 30 + (i % 40);
      const action = i % 3 === 0 ? 'SELL' : 'BUY';
      const at2 = new Date(Date.parse(at) + 5_000 + (i - first) * 25).toISOString();
      store.recordOrderIntent(
        runId,
        { ...anOrder({ orderRef, symbol, action, quantity, limitPrice: price + 0.05 }), referencePrice: price },
        at2,
      );
      orders += 1;
      if (i % 20 === 7) {
        store.markOrderFailed(
          orderRef,
          `IB error 201: Order rejected - reason: YOUR ORDER IS NOT ACCEPTED. IN ORDER TO OBTAIN THE DESIRED POSITION YOUR EQUITY WITH LOAN VALUE [${symbol}] MUST EXCEED THE INITIAL MARGIN`,
        );
        continue;
      }
      const cancelled = i % 50 === 11;
      store.markOrderSent(
        orderRef,
        aBrokerOrder({
          orderRef,
          symbol,
          action,
          quantity,
          limitPrice: price + 0.05,
          brokerOrderId: 1000 + i,
          permId: 900_000 + i,
          status: cancelled ? 'Cancelled' : 'Filled',
          filledQuantity: cancelled ? 0 : quantity,
          avgFillPrice: cancelled ? 0 : price + 0.01,
        }),
      );
      if (cancelled) continue;
      // Three or four fills an order: about 1,550 in all.
      const n = i % 3 === 0 ? 4 : 3;
      const parts = Array.from({ length: n }, (_, k) =>
        k < n - 1 ? Math.floor(quantity / n) : quantity - (n - 1) * Math.floor(quantity / n),
      );
      store.recordFills(
        runId,
        parts.map((q, k) =>
          anExecution({
            execId: `0000e0d5.${String(i * 10 + k).padStart(8, '0')}.01.01`,
            brokerOrderId: 1000 + i,
            permId: 900_000 + i,
            orderRef,
            symbol,
            side: action,
            quantity: q,
            price: price + 0.01 * k,
            commission: 0.35 + q * 0.0035,
            time: new Date(Date.parse(at2) + 1_000 * (k + 1)).toISOString(),
          }),
        ),
      );
      fills += parts.length;
    }
    const runBreaches = h === 2 ? 40 : 0;
    if (runBreaches > 0) {
      store.recordBreaches(
        runId,
        Array.from({ length: runBreaches }, (_, k) => ({
          code: 'POSITION_LIMIT' as const,
          symbol: symbolOf(k),
          detail: `${symbolOf(k)} 2.1% of NLV > max 2% (a hand-edited limit)`,
        })),
      );
      breaches += runBreaches;
    }
    store.finishRun(runId, { finishedAt: at, status: 'ok', exitCode: 0 });
  }
  return { orders, fills, breaches };
}
