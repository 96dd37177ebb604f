import { ExitCode } from '../../errors.js';
import { formatMoney } from '../../core/money.js';
import { formatTable } from '../../run/console-report.js';
import { existingDatabase, killSwitchOf, noRecordsYet, openApp, openStores, recordsLine } from '../../app/compose.js';
import { orderActivityLine } from '../../report/report-view.js';
import { findHome } from '../../config/home.js';
import type { CommandIo } from './command-io.js';
import type { HaltState } from '../../ports/kill-switch.js';
import { DateTime } from 'luxon';
import { effectiveFlows, signedMoney } from '../../core/cash-flows.js';
import { EXCHANGE_ZONE, tradingDayOf } from '../../core/session.js';
import type { CashFlowRecord, RunStore } from '../../ports/store.js';
import { previousTradingDay } from '../../core/calendar.js';
import { loadPnl } from '../../report/daily-report-data.js';
import { formatSignedMoney, formatSignedPct } from '../../report/format.js';
import type { Known, Pnl } from '../../core/pnl.js';
import { cashByCurrency, cashCells, cashHeader, rateTimeText, showsCashByCurrency } from '../../report/cash-by-currency.js';

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

/** `rebalancer status [--json]`: the latest snapshot, positions vs targets, last runs, breaches, halt state. */
export function statusCommand(io: CommandIo, options: { json: boolean; now?: string }): ExitCode {
  const home = findHome(io.cwd, io.env, { mayCreate: false });
  const app = openApp(home.dir, io.env, { workingDir: io.cwd, deferLog: true });
  const halt = killSwitchOf(app.config).read() ?? null;
  if (existingDatabase(app.config) === undefined) {
    // A home with its settings but no run yet: say so, and create nothing.
    if (options.json) io.out(JSON.stringify({ halt, snapshot: null, positions: [], pnl: null, runs: [], lastRunBreaches: [] }, null, 2));
    else io.out(recordsLine(home, app.config), haltLine(halt), noRecordsYet(app.config));
    return ExitCode.ok;
  }
  const stores = openStores(app.config);
  const store = stores.store;
  try {
    const snapshot = store.latestSnapshot() ?? null;
    const positions = snapshot ? store.positionsOf(snapshot.runId) : [];
    const balances = snapshot ? store.cashBalancesOf(snapshot.runId) : [];
    const runs = store.recentRuns(10);
    const lastRun = runs[0];
    const breaches = lastRun ? store.breachesOf(lastRun.runId) : [];
    const now = options.now ?? new Date().toISOString();
    const cashLines = cashByCurrency(balances, now);
    const flows = flowsToday(store, now);
    // The New York day of `now`: what IB's order efficiency ratio counts.
    const today = tradingDayOf(now);
    const activity = stores.reports.orderActivityOn(today, now);
    // Orders the records hold as not settled (working at the broker as the last run left them, or intents).
    const unsettled = store.ordersToReconcile('');
    // P&L of the latest snapshot, on its trading day, against the previous close: the daily report's own figures.
    const snapshotDay =
      snapshot === null ? undefined : (runs.find((r) => r.runId === snapshot.runId)?.tradingDay ?? tradingDayOf(snapshot.takenAt));
    const rules = snapshot === null ? undefined : stores.recordedSessionRules();
    const pnl =
      snapshot === null || snapshotDay === undefined || rules === undefined
        ? undefined
        : {
            tradingDay: snapshotDay,
            ...loadPnl(stores.reports, {
              tradingDay: snapshotDay,
              now: snapshot.takenAt,
              previousTradingDay: (day) => previousTradingDay(day, rules),
            }),
          };
    const pnlOfSymbol = new Map((pnl?.perPosition ?? []).map((p) => [p.symbol, p]));
    const lastRunAgeMinutes =
      lastRun === undefined ? null : Math.max(0, Math.round((Date.parse(now) - Date.parse(lastRun.startedAt)) / 60_000));
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            halt,
            snapshot,
            positions: positions.map((p) => ({
              ...p,
              drift: p.weight - p.targetWeight,
              costBasis: pnlOfSymbol.get(p.symbol)?.costBasis ?? null,
              unrealized: pnlOfSymbol.get(p.symbol)?.unrealized ?? null,
            })),
            pnl: pnl === undefined ? null : pnlJson(pnl),
            cashByCurrency: cashLines,
            runs,
            lastRunBreaches: breaches,
            lastRunAgeMinutes,
            unsettledOrders: unsettled,
            cashFlowsToday: flows,
            ordersToday: {
              tradingDay: today,
              ...activity,
              efficiencyRatio:
                activity.executedOrders === 0 ? null : (activity.sent + activity.modified + activity.cancelled) / activity.executedOrders,
            },
          },
          null,
          2,
        ),
      );
      return ExitCode.ok;
    }
    io.out(recordsLine(home, app.config), haltLine(halt));
    if (lastRun !== undefined)
      io.out(
        `last run ${lastRun.runId}${lastRun.dryRun ? ' (dry run)' : ''}: ${lastRun.status}, started ${lastRun.startedAt}, ${describeAge(lastRunAgeMinutes ?? 0)}`,
      );
    if (!snapshot) {
      io.out('no snapshot recorded yet: run `rebalancer run` first');
    } else {
      io.out(
        `latest snapshot (run ${snapshot.runId}, ${snapshot.takenAt}): NLV ${formatMoney(snapshot.netLiquidation)} ${snapshot.currency}, ` +
          `cash ${formatMoney(snapshot.cash)}, leverage ${snapshot.leverage.toFixed(2)}x, cushion ${pct(snapshot.cushion)}`,
      );
      if (showsCashByCurrency(balances, snapshot.currency)) io.out(...cashSection(cashLines, snapshot.currency));
      if (pnl !== undefined) io.out(...pnlLines(pnl));
      const rows = positions.map((p) => [
        p.symbol,
        String(p.quantity),
        String(p.marketPrice),
        formatMoney(p.marketValue),
        formatMoney(pnlOfSymbol.get(p.symbol)?.costBasis ?? 0),
        formatSignedMoney(pnlOfSymbol.get(p.symbol)?.unrealized ?? 0),
        pct(p.weight),
        pct(p.targetWeight),
        pct(p.weight - p.targetWeight),
      ]);
      io.out(
        ...formatTable(
          ['SYMBOL', 'QTY', 'PRICE', 'VALUE', 'COST', 'UNREALIZED', 'WEIGHT', 'TARGET', 'DRIFT'],
          rows,
          new Set([1, 2, 3, 4, 5, 6, 7, 8]),
        ),
      );
    }
    if (flows.length > 0) {
      io.out(
        '',
        'cash flows today (New York date; not gains or losses, taken out of NAV_JUMP, DAILY_LOSS_LIMIT and the P&L):',
        ...flows.map(
          (f) =>
            `  ${f.at} ${signedMoney(f.amount)} ${f.currency} ${f.kind} (${f.source}, ${f.recordedBy}): ${f.description}` +
            (f.counted ? '' : ' [replaced by a declaration: not counted]'),
        ),
      );
    }
    if (unsettled.length > 0)
      io.out(
        '',
        `orders not settled as the last run left them (${unsettled.length}; the next run changes, cancels or reconciles each):`,
        ...unsettled.map(
          (o) =>
            `  ${o.orderRef}: ${o.action} ${o.quantity} ${o.symbol} @ ${o.limitPrice}, ${o.status}, ${o.filledQuantity} filled` +
            (o.brokerOrderId === undefined ? '' : ` (order ${o.brokerOrderId})`),
        ),
      );
    const activityLine = orderActivityLine(activity);
    if (activityLine !== undefined) io.out('', `${activityLine} (${today}, New York)`);
    io.out('', 'last runs:');
    io.out(
      ...formatTable(
        ['RUN', 'STARTED', 'STATUS', 'EXIT', 'STATE', 'ERROR'],
        runs.map((r) => [
          r.runId,
          r.startedAt,
          r.dryRun ? `${r.status} (dry run)` : r.status,
          String(r.exitCode ?? ''),
          r.tradingState ?? '',
          r.error ?? '',
        ]),
      ),
    );
    if (breaches.length > 0)
      io.out('', `breaches of the last run:`, ...breaches.map((b) => `  ${b.code}${b.symbol ? ` [${b.symbol}]` : ''}: ${b.detail}`));
    return ExitCode.ok;
  } finally {
    stores.close();
  }
}

const known = (k: Known): number | null => k.value;

/** `status --json`'s P&L: the figures, null with the reason beside it when one is not known. */
function pnlJson(p: Pnl & { tradingDay: string }): Record<string, unknown> {
  return {
    tradingDay: p.tradingDay,
    previousClose: p.previousClose === undefined ? null : { tradingDay: p.previousClose.day, at: p.previousClose.at },
    day: known(p.day),
    ...(p.day.value === null ? { dayUnknownBecause: p.day.reason } : {}),
    dayCashFlows: p.flows,
    dayNlvChange: p.day.value === null ? null : p.day.value + p.flows,
    unrealized: p.unrealized,
    costBasis: p.costBasis,
    unrealizedAtPreviousClose: known(p.unrealizedAtPreviousClose),
    realizedToday: known(p.realizedToday),
    ...(p.realizedToday.value === null ? { realizedTodayUnknownBecause: p.realizedToday.reason } : {}),
    perPosition: p.perPosition,
  };
}

/** "P&L of 2026-11-23 ...", "  day +98.00 since the close of 2026-11-20 ...", unrealized, realized. */
function pnlLines(p: Pnl & { tradingDay: string }): string[] {
  const flows = p.flows === 0 ? '' : `, cash flows of ${formatSignedMoney(p.flows)} taken out`;
  const unrealizedPct = p.costBasis === 0 ? '' : ` (${formatSignedPct(p.unrealized / Math.abs(p.costBasis))})`;
  return [
    `P&L of ${p.tradingDay} at this snapshot:`,
    p.day.value === null
      ? `  day n/a (${p.day.reason})`
      : `  day ${formatSignedMoney(p.day.value)} since the close of ${p.previousClose?.day ?? '?'}${flows}`,
    `  unrealized ${formatSignedMoney(p.unrealized)}${unrealizedPct} on a cost basis of ${formatMoney(p.costBasis)}`,
    p.realizedToday.value === null
      ? `  realized today n/a (${p.realizedToday.reason})`
      : `  realized today ${formatSignedMoney(p.realizedToday.value)} (day P&L less the change of unrealized since the previous close)`,
  ];
}

/** The cash flows of today (New York date), each marked counted or replaced by a declaration. */
function flowsToday(store: RunStore, now: string): (CashFlowRecord & { counted: boolean })[] {
  const midnight = DateTime.fromISO(now).setZone(EXCHANGE_ZONE).startOf('day').toUTC().toISO() ?? now;
  // An inferred flow's interval may start before midnight: read a day more, so a declaration that replaces it is seen.
  const flows = store.cashFlowsSince(DateTime.fromISO(midnight).minus({ days: 1 }).toUTC().toISO() ?? midnight);
  const counted = new Set(effectiveFlows(flows).map((f) => f.id));
  return flows.filter((f) => f.at >= midnight && f.at <= now).map((f) => ({ ...f, counted: counted.has(f.id) }));
}

/** The halt first, as a banner a person cannot miss; a plain line when trading is on. */
function haltLine(halt: HaltState | null): string {
  return halt
    ? `*** TRADING HALTED: KILL SWITCH ON since ${halt.at} (${halt.source}): ${halt.reason}. Runs cancel the system's orders and send none; 'rebalancer resume' to trade again ***`
    : 'kill switch off';
}

/** "12 minutes ago", "3 hours ago", "2 days ago". */
function describeAge(minutes: number): string {
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** Cash by currency, each with the broker's rate and the amount in the base currency, and when the rates were read. */
function cashSection(lines: ReturnType<typeof cashByCurrency>, base: string): string[] {
  const first = lines.find((l) => l.currency !== base) ?? lines[0];
  const when = first === undefined ? '' : `, ${rateTimeText(first)}`;
  const table = formatTable(cashHeader(base), lines.map(cashCells), new Set([1, 2, 3]));
  return [`cash by currency (the broker's rates, ${base} per unit${when}):`, ...table.map((row) => `  ${row}`)];
}
