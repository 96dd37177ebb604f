/**
 * Months of hourly runs written fast into a real SQLite file, through the store's own methods (one transaction per
 * day, fsync off: only the test's speed differs from a run's writes): runs, snapshots, positions, account reads,
 * forecasts, ledger checks, an order per run with its fill, and the day's `daily` row.
 */
import { DateTime } from 'luxon';
import { openDatabase } from '../../src/adapters/sqlite/open-database.js';
import { SqliteStore } from '../../src/adapters/sqlite/sqlite-store.js';
import { SqliteReportStore } from '../../src/adapters/sqlite/sqlite-report-store.js';
import type { PositionRecord } from '../../src/ports/store.js';

export interface YearOfRecordsOptions {
  /** Weekdays from `firstDay`. */
  days: number;
  runsPerDay: number;
  tickers: number;
  firstDay?: string;
}

export interface YearOfRecords {
  tradingDays: string[];
  runIds: string[];
  symbols: string[];
}

export function seedYearOfRecords(file: string, o: YearOfRecordsOptions): YearOfRecords {
  const db = openDatabase(file);
  db.pragma('synchronous = OFF');
  const store = new SqliteStore(db, { now: () => '2026-01-01T00:00:00Z' });
  const reports = new SqliteReportStore(db);
  const symbols = Array.from({ length: o.tickers }, (_, i) => `T${String(i).padStart(3, '0')}`);
  const tradingDays: string[] = [];
  const runIds: string[] = [];
  const held = new Map(symbols.map((s) => [s, 100]));
  let day = DateTime.fromISO(o.firstDay ?? '2026-01-05', { zone: 'utc' });
  let seq = 0;
  for (let d = 0; d < o.days; d += 1) {
    while (day.weekday > 5) day = day.plus({ days: 1 });
    const tradingDay = day.toISODate() ?? '';
    tradingDays.push(tradingDay);
    db.transaction(() => {
      let nlv = 0;
      for (let r = 0; r < o.runsPerDay; r += 1) {
        seq += 1;
        const startedAt = day.set({ hour: 14 + r, minute: 35 }).toISO({ suppressMilliseconds: true }) ?? '';
        const runId = `${day.toFormat('yyyyMMdd')}T${String(14 + r)}3500Z-${String(seq).padStart(6, '0')}`;
        runIds.push(runId);
        store.startRun({ runId, startedAt, tradingDay, dryRun: false });
        const price = (i: number): number => Math.round((100 + i + d * 0.5 + r * 0.1) * 100) / 100;
        // One order a run, filled at once: BUY 1 of a ticker that turns with the run.
        const symbol = symbols[seq % symbols.length] ?? 'T000';
        const orderRef = `rebal:${runId}:${symbol}`;
        const limit = price(seq % symbols.length);
        store.recordOrderIntent(
          runId,
          {
            orderRef,
            symbol,
            action: 'BUY',
            quantity: 1,
            limitPrice: limit,
            adaptivePriority: 'Normal',
            primaryExchange: 'NASDAQ',
            currency: 'USD',
            referencePrice: limit,
          },
          startedAt,
        );
        const brokerOrderId = seq;
        store.markOrderSent(orderRef, {
          brokerOrderId,
          permId: 900000 + seq,
          orderRef,
          symbol,
          action: 'BUY',
          quantity: 1,
          limitPrice: limit,
          status: 'Filled',
          filledQuantity: 1,
          avgFillPrice: limit,
        });
        store.recordFills(runId, [
          {
            execId: `0000e0d5.${String(seq).padStart(8, '0')}.01.01`,
            brokerOrderId,
            permId: 900000 + seq,
            orderRef,
            symbol,
            side: 'BUY',
            quantity: 1,
            price: limit,
            commission: 1,
            time: startedAt,
          },
        ]);
        held.set(symbol, (held.get(symbol) ?? 0) + 1);
        const positions: PositionRecord[] = symbols.map((s, i) => {
          const quantity = held.get(s) ?? 0;
          const p = price(i);
          return { symbol: s, quantity, avgCost: 100, marketPrice: p, marketValue: quantity * p, weight: 0.01, targetWeight: 0.01 };
        });
        const gross = positions.reduce((t, p) => t + p.marketValue, 0);
        nlv = Math.round((gross + 50_000) * 100) / 100;
        store.recordAccountRead({
          runId,
          readAt: startedAt,
          tradingDay,
          cash: 50_000,
          netLiquidation: nlv,
          currency: 'USD',
          positions: Object.fromEntries(positions.map((p) => [p.symbol, p.quantity])),
        });
        store.addManagedSymbols(r === 0 && d === 0 ? symbols : [symbol], runId);
        store.recordForecasts(runId, [
          {
            strategy: 'trend',
            file: 'trend.json',
            asOf: startedAt,
            leverage: 1,
            capital: 1,
            weights: Object.fromEntries(symbols.map((s) => [s, 0.01])),
          },
        ]);
        store.recordLedgerCheck(
          runId,
          symbols.map((s) => ({ symbol: s, ledgerQuantity: held.get(s) ?? 0, brokerQuantity: held.get(s) ?? 0 })),
        );
        store.recordSnapshot(
          runId,
          {
            netLiquidation: nlv,
            cash: 50_000,
            grossPositionValue: gross,
            leverage: gross / nlv,
            maintMargin: gross * 0.25,
            excessLiquidity: nlv - gross * 0.25,
            cushion: 0.5,
            currency: 'USD',
          },
          positions,
        );
        store.finishRun(runId, { finishedAt: startedAt, status: 'ok', exitCode: 0, tradingState: 'ACTIVE' });
      }
      reports.recordDailyRow({ tradingDay, closingNlv: nlv, turnover: 0, commissions: o.runsPerDay, fills: o.runsPerDay }, tradingDay);
    })();
    day = day.plus({ days: 1 });
  }
  store.close();
  reports.close();
  db.close();
  return { tradingDays, runIds, symbols };
}
