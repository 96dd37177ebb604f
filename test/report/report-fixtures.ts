/** A database filled by hand over two trading days (Fri 2026-11-20, Mon 2026-11-23), for the report tests. */
import { join } from 'node:path';
import { openDatabase, type SqliteDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import type { Breach } from '../../src/core/types.js';
import type { PositionRecord } from '../../src/ports/store.js';
import { aBrokerOrder, anExecution, anOrder, aPosition, aSnapshot, makeTempDir } from '../storage/fixtures.js';

export interface ReportDb {
  dir: string;
  db: SqliteDatabase;
  store: SqliteStore;
  reports: SqliteReportStore;
  cleanup: () => Promise<void>;
}

export async function openReportDb(): Promise<ReportDb> {
  const { dir, cleanup } = await makeTempDir();
  const db = openDatabase(join(dir, 'rebalancer.sqlite'));
  const store = new SqliteStore(db, { now: () => '2026-11-23T18:00:00.000Z' });
  const reports = new SqliteReportStore(db);
  return {
    dir,
    db,
    store,
    reports,
    cleanup: async () => {
      db.close();
      await cleanup();
    },
  };
}

/** One finished run with a snapshot; NLV given, the rest of the snapshot from the storage fixtures. */
export function aRun(
  store: SqliteStore,
  runId: string,
  startedAt: string,
  tradingDay: string,
  nlv: number,
  positions: PositionRecord[] = [],
  breaches: Breach[] = [],
): void {
  store.startRun({ runId, startedAt, tradingDay, dryRun: false });
  store.recordSnapshot(runId, aSnapshot({ netLiquidation: nlv, leverage: 0.62, cushion: 0.41, cash: 38_000 }), positions);
  if (breaches.length > 0) store.recordBreaches(runId, breaches);
  store.finishRun(runId, { finishedAt: startedAt, status: breaches.length > 0 ? 'blocked' : 'ok', exitCode: breaches.length > 0 ? 3 : 0 });
}

/** The previous trading day, for the two weeks the fixtures cover (the tests do not depend on the calendar module). */
export const previousTradingDay = (day: string): string =>
  ({ '2026-11-23': '2026-11-20', '2026-11-20': '2026-11-19', '2026-11-19': '2026-11-18' })[day] ?? '1970-01-01';

/**
 * Friday: two runs, NLV 99,000 then 100,000 (the close). Saturday: a run off-session at 100,050 (not a close).
 * Monday: m1 at 09:35 ET (100,100) buys AAPL (reference 190.00, filled 190.05: a cost) and sells MSFT
 * (reference 400.00, filled 400.20: an improvement); m2 at 11:35 ET (100,300) is blocked by POSITION_LIMIT;
 * m3 at 14:35 ET (100,900) is after the report's `now` (13:00 ET) and must not show.
 * The daily table holds Thursday's and Friday's closes.
 */
export function fillTwoDays(store: SqliteStore, reports: SqliteReportStore): void {
  aRun(store, 'f1', '2026-11-20T14:35:00.000Z', '2026-11-20', 99_000);
  aRun(store, 'f2', '2026-11-20T20:35:00.000Z', '2026-11-20', 100_000);
  aRun(store, 's1', '2026-11-21T15:00:00.000Z', '2026-11-21', 100_050);

  const positions = [
    aPosition({ symbol: 'AAPL', quantity: 210, marketPrice: 190, marketValue: 39_900, weight: 0.4, targetWeight: 0.38 }),
    aPosition({ symbol: 'MSFT', quantity: 50, marketPrice: 400, marketValue: 20_000, weight: 0.2, targetWeight: 0.21 }),
  ];
  store.startRun({ runId: 'm1', startedAt: '2026-11-23T14:35:00.000Z', tradingDay: '2026-11-23', dryRun: false });
  store.recordOrderIntent(
    'm1',
    { ...anOrder({ orderRef: 'rb:m1:AAPL', quantity: 10, limitPrice: 190.09 }), referencePrice: 190 },
    '2026-11-23T14:35:05.000Z',
  );
  store.markOrderSent(
    'rb:m1:AAPL',
    aBrokerOrder({ orderRef: 'rb:m1:AAPL', brokerOrderId: 11, status: 'Filled', filledQuantity: 10, avgFillPrice: 190.05 }),
  );
  store.recordOrderIntent(
    'm1',
    { ...anOrder({ orderRef: 'rb:m1:MSFT', symbol: 'MSFT', action: 'SELL', quantity: 5, limitPrice: 399.8 }), referencePrice: 400 },
    '2026-11-23T14:35:06.000Z',
  );
  store.markOrderSent(
    'rb:m1:MSFT',
    aBrokerOrder({
      orderRef: 'rb:m1:MSFT',
      symbol: 'MSFT',
      action: 'SELL',
      brokerOrderId: 12,
      status: 'Filled',
      quantity: 5,
      filledQuantity: 5,
      avgFillPrice: 400.2,
    }),
  );
  store.recordFills('m1', [
    anExecution({ execId: 'e1', orderRef: 'rb:m1:AAPL', quantity: 10, price: 190.05, commission: 1, time: '2026-11-23T14:36:00.000Z' }),
    anExecution({
      execId: 'e2',
      orderRef: 'rb:m1:MSFT',
      symbol: 'MSFT',
      side: 'SELL',
      quantity: 5,
      price: 400.2,
      commission: 1,
      time: '2026-11-23T14:37:00.000Z',
    }),
  ]);
  store.recordSnapshot('m1', aSnapshot({ netLiquidation: 100_100, leverage: 0.6, cushion: 0.42 }), positions);
  store.finishRun('m1', { finishedAt: '2026-11-23T14:36:00.000Z', status: 'ok', exitCode: 0 });

  aRun(store, 'm2', '2026-11-23T16:35:00.000Z', '2026-11-23', 100_300, positions, [
    { code: 'POSITION_LIMIT', symbol: 'AAPL', detail: 'AAPL 40.0% of NLV > max 35%' },
  ]);
  aRun(store, 'm3', '2026-11-23T19:35:00.000Z', '2026-11-23', 100_900, positions);

  reports.recordDailyRow(
    { tradingDay: '2026-11-19', closingNlv: 99_500, change: -100, turnover: 0, commissions: 0, fills: 0 },
    '2026-11-19T21:05:00.000Z',
  );
  reports.recordDailyRow(
    { tradingDay: '2026-11-20', closingNlv: 100_000, change: 500, turnover: 1_900, commissions: 1, fills: 1 },
    '2026-11-20T21:05:00.000Z',
  );
}
