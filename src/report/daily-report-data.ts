/**
 * The facts of a daily summary, read from the records: the read step of the report, kept apart from the
 * pure rendering so the same data can be printed, emailed or inspected in a test.
 */
import { forecastChanges } from '../core/forecast-changes.js';
import type { Side, TradingState } from '../core/types.js';
import { severityOf, tradingStateFor } from '../core/trading-state.js';
import { effectiveFlows, sumFlows } from '../core/cash-flows.js';
import { pnlOf, positionPnl, type Pnl } from '../core/pnl.js';
import { Exact } from '../core/money.js';
import type {
  CashBalanceRecord,
  CashFlowKind,
  CashFlowSource,
  DailyRow,
  ReportFill,
  DayBreach,
  OrderActivity,
  ReportCashFlow,
  ReportStore,
  RunRecord,
  RunStatus,
} from '../ports/store.js';
import type { FlowPoint } from './flow-adjusted.js';
import { showsCashByCurrency } from './cash-by-currency.js';
import { isPlain, shareValueDecimal, type Valuation as CoreValuation } from '../core/share-value.js';

export type ReportKind = 'start' | 'mid' | 'end';

/**
 * How an order's prices, and its fills', become money in the account's currency (migration 0017): price / magnifier
 * x rate. All absent: the account's currency in whole units (every order of a one-currency account, and a fill with
 * no order row, taken to be in the account's currency as before).
 */
export interface Valuation {
  /** The contract's currency, as the order recorded it; set only with `fxRate` or `priceMagnifier`. */
  currency?: string;
  /** Base-currency units per one unit of `currency`, the rate the order was sized with; absent: the account's currency. */
  fxRate?: number;
  /** The prices are in 1/priceMagnifier of the currency (100: pence); absent: 1. */
  priceMagnifier?: number;
}

/** quantity x price in the account's currency: the plain product when the line is in it, else / magnifier x rate, exact. */
export function valueInBase(quantity: number, price: number, v: Valuation): number {
  const valuation = coreValuation(v);
  if (isPlain(valuation)) return quantity * price;
  return shareValueDecimal(price, valuation).times(quantity).toNumber();
}

/** The same valuation as core/share-value.ts reads it. */
function coreValuation(v: Valuation): CoreValuation {
  return {
    ...(v.fxRate === undefined ? {} : { fx: { rate: v.fxRate } }),
    ...(v.priceMagnifier === undefined ? {} : { priceMagnifier: v.priceMagnifier }),
  };
}

/** A commission (in its currency's major units: pounds, not pence) in the account's currency. */
export function commissionInBase(commission: number, v: Valuation): number {
  return v.fxRate === undefined ? commission : new Exact(commission).times(v.fxRate).toNumber();
}

/** The valuation a fill or order carries: its fields, only when it is not in the account's currency. */
function valuationOf(v: Valuation): Valuation {
  if (v.fxRate === undefined && v.priceMagnifier === undefined) return {};
  return {
    ...(v.currency === undefined ? {} : { currency: v.currency }),
    ...(v.fxRate === undefined ? {} : { fxRate: v.fxRate }),
    ...(v.priceMagnifier === undefined ? {} : { priceMagnifier: v.priceMagnifier }),
  };
}

/**
 * A currency conversion's valuation: its prices and commission are in the pair's second currency (`currency`, kept
 * to label them), in the account's at `fxRate` when that currency is not the account's; never a magnifier.
 */
function conversionValuation(v: { currency?: string | undefined; fxRate?: number | undefined }): Valuation {
  return {
    ...(v.currency === undefined || v.currency === '' ? {} : { currency: v.currency }),
    ...(v.fxRate === undefined ? {} : { fxRate: v.fxRate }),
  };
}

/**
 * A change of NLV against a base, the cash flows of the interval taken out: the amount (NLV now - base - flows:
 * the gain or loss), and the amount as a fraction of the base (the interval's time-weighted return).
 */
export interface NlvChange {
  amount: number;
  fraction: number;
  base: number;
  /** The money that moved in (+) or out (-) in the interval, taken out of `amount`. */
  flows: number;
}

/** Money that moved in or out: not a gain or a loss. */
export interface ReportFlowLine {
  at: string;
  amount: number;
  currency: string;
  kind: CashFlowKind;
  source: CashFlowSource;
  description: string;
}

export interface ReportPosition {
  symbol: string;
  quantity: number;
  /** The contract's (in pence for a line quoted in pence). */
  marketPrice: number;
  /** In the account's currency. */
  marketValue: number;
  /** IB's average cost per share, commissions included, in the contract's currency (its major units). */
  avgCost: number;
  /** For a position in another currency than the account's: the rate the snapshot valued it with. */
  fxRate?: number;
  /** quantity x avgCost (x fxRate: in the account's currency; negative for a short). */
  costBasis: number;
  /** marketValue - costBasis. */
  unrealized: number;
  weight: number;
  targetWeight: number;
  /** weight - targetWeight: positive is overweight. */
  drift: number;
}

export interface ReportOrder extends Valuation {
  createdAt: string;
  orderRef: string;
  /** IB's order id and permanent id, when the broker acknowledged it. */
  brokerOrderId?: number;
  permId?: number;
  symbol: string;
  action: Side;
  quantity: number;
  limitPrice: number;
  referencePrice?: number;
  status: string;
  filledQuantity: number;
  avgFillPrice: number;
  message?: string;
  /** Changes in place the broker accepted for it today (ORDER_UPDATES=modify): its quantity and limit are the latest. */
  modified?: number;
  /** Its fills (by orderRef), whatever run collected them: the same fills `fills` and `totals` count. */
  fills: ReportFillLine[];
  /** 'CASH': a currency conversion (FX_POLICY=convert; its symbol the pair, `USD.SGD`); absent for a stock. */
  secType?: 'CASH';
}

/** A fill as recorded (price in the order's price units, commission in its currency), with its order's Valuation. */
export interface ReportFillLine extends Valuation {
  orderRef: string;
  time: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /** Null while IB's commission report has not arrived. */
  commission: number | null;
  referencePrice?: number;
  /**
   * Against the reference price at decision time; positive is a cost, negative a price improvement. `cost` in the
   * account's currency (valued like the fill), `bps` of the reference price. Never for a currency conversion.
   */
  slippage?: { cost: number; bps: number };
  /**
   * 'CASH': a fill of a currency conversion: `symbol` the pair (`USD.SGD`), quantity in its first currency, price and
   * commission in its second (`currency`, with `fxRate` when that is not the account's). Absent for a stock.
   */
  secType?: 'CASH';
}

/**
 * The day's currency conversions (FX_POLICY=convert): cash moved from one currency to another, no trade of a
 * ticker. Their orders and fills are kept out of `orders`, `fills` and `totals` (not notional, share counts,
 * slippage or the daily row's turnover, commissions and fills) and shown in a section of their own.
 */
export interface ReportConversions {
  /** The conversion orders of the day's runs, with their fills. */
  orders: ReportOrder[];
  /** Every conversion fill of the day (those of `orders`, and any whose order is not among them), oldest first. */
  fills: ReportFillLine[];
}

export interface DailyReportData {
  kind: ReportKind;
  tradingDay: string;
  /** When the report was made (ISO 8601). */
  now: string;
  account: string;
  /** The latest snapshot of the day at or before `now`; undefined when the day has none yet. */
  latest?: {
    at: string;
    nlv: number;
    cash: number;
    leverage: number;
    cushion: number;
    excessLiquidity: number;
    maintMargin: number;
    grossPositionValue: number;
    currency: string;
    /** Cash per currency with the broker's rates, when the account holds more than its base currency. */
    cashBalances?: CashBalanceRecord[];
  };
  /** Against the last snapshot of the previous trading day (or the latest day before it that has one), flows out. */
  sincePreviousClose?: NlvChange & { day: string };
  /** Against the first snapshot of the day, flows out; undefined while the day has only one. */
  sinceOpen?: NlvChange & { at: string };
  /** The cash flows taken out of the main change (since the previous close, else since the open), oldest first. */
  flows: ReportFlowLine[];
  positions: ReportPosition[];
  /** Day P&L, cost basis, unrealized and realized of the day (core/pnl.ts), of the latest snapshot. */
  pnl: Pnl;
  /** The day's stock orders (currency conversions are in `conversions`). */
  orders: ReportOrder[];
  /** The day's stock fills (currency conversions are in `conversions`). */
  fills: ReportFillLine[];
  /** The day's currency conversions, when there are any: apart from the orders, fills and totals. */
  conversions?: ReportConversions;
  /** In the account's currency: each fill valued at its order's magnifier and rate (fillValue, fillCommission). */
  totals: { fills: number; notional: number; commissions: number; slippageCost: number; fillsWithReference: number };
  breaches: DayBreach[];
  /** The day's runs at or before `now`, the run making this summary (`thisRun`) not among them. */
  runs: Record<RunStatus, number> & { total: number };
  /** The run making this summary, still running (it started at `now`): not counted in `runs`. */
  thisRun?: { startedAt: string };
  /**
   * The trading state as the latest run that decided one found it (the run making this summary included), when it is
   * not ACTIVE: the banner of the summary. `since`: that run's start; `breaches`: its run-level breaches.
   */
  tradingState?: { state: Exclude<TradingState, 'ACTIVE'>; since: string; codes: string[]; breaches: DayBreach[] };
  /** What the day's runs asked of the broker and how many orders executed: IB's order efficiency ratio. */
  activity: OrderActivity;
  /** The day's snapshots, each with the flows first reflected in it (the first: since the previous close). */
  daySeries: FlowPoint[];
  /** Closing NLV per trading day (yyyy-MM-dd), oldest first, ending with today's latest; flows since the point before. */
  history: FlowPoint[];
  nextRun?: string;
  /**
   * What changed in the forecasts since the previous trading day (its last recorded forecasts against the latest of
   * this day so far): leverage, tickers added and removed, the largest weight changes. Absent when no run of the day
   * recorded forecasts; empty when nothing changed.
   */
  forecastChanges?: string[];
}

export interface LoadDailyReportOptions {
  kind: ReportKind;
  tradingDay: string;
  now: string;
  account: string;
  /** When the next run is due (ISO 8601), as the scheduler knows it. */
  nextRun?: string;
  /** The trading day before a trading day (the exchange calendar's). */
  previousTradingDay: (tradingDay: string) => string;
  /** Points of the closing-NLV history, today included (default 30). */
  historyDays?: number;
}

/**
 * Slippage of a fill against the reference price, signed so that a positive cost is money lost. The cost in the
 * account's currency: per share x quantity, / magnifier x rate for a line in another currency or in pence.
 */
export function slippageOf(
  side: Side,
  price: number,
  reference: number,
  quantity: number,
  v: Valuation = {},
): { cost: number; bps: number } {
  const perShare = side === 'BUY' ? price - reference : reference - price;
  const bps = reference > 0 ? (perShare / reference) * 10_000 : 0;
  if (v.fxRate === undefined && v.priceMagnifier === undefined) return { cost: perShare * quantity, bps };
  const exactPerShare = side === 'BUY' ? new Exact(price).minus(reference) : new Exact(reference).minus(price);
  return { cost: valueInBase(quantity, exactPerShare.toNumber(), v), bps };
}

/** A fill's value (quantity x price) in the account's currency. */
export const fillValue = (f: ReportFillLine): number => valueInBase(f.quantity, f.price, f);

/** A fill's commission in the account's currency; null while IB's report has not arrived. */
export const fillCommission = (f: ReportFillLine): number | null => (f.commission === null ? null : commissionInBase(f.commission, f));

function changeOf(now: number, base: number, flows: number): NlvChange {
  const amount = now - base - flows;
  return { amount, fraction: base !== 0 ? amount / base : 0, base, flows };
}

const ms = (iso: string): number => Date.parse(iso);

/** The flows first reflected in a snapshot taken after `fromExclusive` (none: from the start) and at or before `until`. */
function flowsBetween(flows: readonly ReportCashFlow[], fromExclusive: string | undefined, until: string): ReportCashFlow[] {
  return flows.filter((f) => (fromExclusive === undefined || ms(f.reflectedAt) > ms(fromExclusive)) && ms(f.reflectedAt) <= ms(until));
}

export type LoadPnlOptions = Pick<LoadDailyReportOptions, 'tradingDay' | 'now' | 'previousTradingDay' | 'historyDays'>;

/** The records the day's P&L rests on: read alike for the daily summary and for `status` (loadPnl). */
interface PnlBasis {
  snapshots: ReturnType<ReportStore['snapshotsOn']>;
  first?: ReturnType<ReportStore['snapshotsOn']>[number];
  last?: ReturnType<ReportStore['snapshotsOn']>[number];
  close: ReturnType<ReportStore['closingSnapshotOnOrBefore']>;
  positions: ReturnType<ReportStore['positionsOf']>;
  dailyRows: DailyRow[];
  /** The cash flows from the first day the summary shows (its history, the previous close) to `now`. */
  flows: ReportCashFlow[];
}

function readPnlBasis(store: ReportStore, o: LoadPnlOptions): PnlBasis {
  const snapshots = store.snapshotsOn(o.tradingDay, o.now);
  const last = snapshots.at(-1);
  const close = store.closingSnapshotOnOrBefore(o.previousTradingDay(o.tradingDay));
  const positions = last === undefined ? [] : store.positionsOf(last.runId);
  const dailyRows = store.dailyRowsBefore(o.tradingDay, Math.max(0, (o.historyDays ?? 30) - 1));
  // Cash flows: each counted once (a declaration replaces the flow a run inferred for the same money), in the
  // snapshot that first reflects it. From the first day of the history (today's point comes after the daily rows).
  const fromDay =
    [dailyRows[0]?.tradingDay, close?.tradingDay, o.tradingDay].filter((d): d is string => d !== undefined).sort()[0] ?? o.tradingDay;
  const flows = effectiveFlows(store.cashFlowsOn(fromDay, o.tradingDay, o.now));
  return {
    snapshots,
    ...(snapshots[0] === undefined ? {} : { first: snapshots[0] }),
    ...(last === undefined ? {} : { last }),
    close,
    positions,
    dailyRows,
    flows,
  };
}

/** The day's P&L of the latest snapshot, and the flows and NLV change it counts. */
function pnlOfBasis(
  store: ReportStore,
  { first, last, close, positions, flows }: PnlBasis,
): { sinceClose: ReportCashFlow[]; sinceFirst: ReportCashFlow[]; sincePreviousClose?: NlvChange & { day: string }; pnl: Pnl } {
  const sinceClose = close === undefined || last === undefined ? [] : flowsBetween(flows, close.takenAt, last.takenAt);
  const sinceFirst = first === undefined || last === undefined ? [] : flowsBetween(flows, first.takenAt, last.takenAt);
  const sincePreviousClose =
    close === undefined || last === undefined
      ? undefined
      : { ...changeOf(last.netLiquidation, close.netLiquidation, sumFlows(sinceClose)), day: close.tradingDay };
  const pnl = pnlOf({
    positions,
    ...(sincePreviousClose === undefined ? {} : { sincePreviousClose }),
    ...(close === undefined
      ? {}
      : {
          previousClose: {
            runId: close.runId,
            at: close.takenAt,
            grossPositionValue: close.grossPositionValue,
            positions: store.positionsOf(close.runId),
          },
        }),
  });
  return { sinceClose, sinceFirst, ...(sincePreviousClose === undefined ? {} : { sincePreviousClose }), pnl };
}

/**
 * The day's P&L of the latest snapshot at or before `now`: the daily summary's own figures (`pnl` of
 * loadDailyReport), from only the records they rest on (`status` shows the P&L, not the summary).
 */
export function loadPnl(store: ReportStore, o: LoadPnlOptions): Pnl {
  return pnlOfBasis(store, readPnlBasis(store, o)).pnl;
}

/** Gathers everything a start-, mid- or end-of-day summary shows. Reads only; writes nothing. */
export function loadDailyReport(store: ReportStore, o: LoadDailyReportOptions): DailyReportData {
  // Changes in place the broker accepted today, per order (an order of an earlier day is not in the list).
  const changes = new Map<string, number>();
  for (const m of store.modificationsOn(o.tradingDay, o.now))
    if (m.status === 'Modified') changes.set(m.orderRef, (changes.get(m.orderRef) ?? 0) + 1);
  const basis = readPnlBasis(store, o);
  const { snapshots, first, last, close, positions, flows } = basis;
  const orderRecords = store.ordersOn(o.tradingDay, o.now);
  // An order's record holds what is known of it now (its status and filled quantity, whichever run learned them), so
  // its fills are all those recorded for it, whichever run collected them: the order and its fills never disagree.
  // Besides those, the day's fills collected by runs at or before `now` (a fill whose order is not among the orders).
  const shown = new Set(orderRecords.map((r) => r.orderRef));
  const seen = new Set<string>();
  const dayFills: ReportFill[] = [
    ...store.fillsOn(o.tradingDay, o.now),
    ...store.fillsOn(o.tradingDay, RECORDS_END).filter((f) => shown.has(f.orderRef)),
  ]
    .filter((f) => !seen.has(f.execId) && seen.add(f.execId) !== undefined)
    .sort((a, b) => ms(a.time) - ms(b.time));
  const conversionRefs = new Set(orderRecords.filter((r) => r.secType === 'CASH').map((r) => r.orderRef));
  // A fill of an order the records hold carries its order's currency, rate and magnifier. A fill with no order row
  // (an order placed by hand, or before migration 0017) has none: it is counted in the account's currency, as before.
  const allFills = dayFills.map((f): ReportFillLine => {
    const v = valuationOf(f);
    // A conversion's fill (its own record or its order's says so) is no trade of a ticker: no slippage is measured.
    if (f.secType === 'CASH' || conversionRefs.has(f.orderRef))
      return {
        orderRef: f.orderRef,
        time: f.time,
        symbol: f.symbol,
        side: f.side,
        quantity: f.quantity,
        price: f.price,
        commission: f.commission,
        ...conversionValuation(f),
        ...(f.referencePrice === undefined ? {} : { referencePrice: f.referencePrice }),
        secType: 'CASH',
      };
    return {
      orderRef: f.orderRef,
      time: f.time,
      symbol: f.symbol,
      side: f.side,
      quantity: f.quantity,
      price: f.price,
      commission: f.commission,
      ...v,
      ...(f.referencePrice === undefined
        ? {}
        : { referencePrice: f.referencePrice, slippage: slippageOf(f.side, f.price, f.referencePrice, f.quantity, v) }),
    };
  });
  const fills = allFills.filter((f) => f.secType !== 'CASH');
  const conversionFills = allFills.filter((f) => f.secType === 'CASH');
  // Each order's fills, in the fills' order, grouped once (500 orders and 1,500 fills on a busy day).
  const fillsByOrder = new Map<string, ReportFillLine[]>();
  for (const f of allFills) {
    const list = fillsByOrder.get(f.orderRef);
    if (list === undefined) fillsByOrder.set(f.orderRef, [f]);
    else list.push(f);
  }
  const reportOrders = orderRecords.map((r): ReportOrder => ({
    createdAt: r.createdAt,
    orderRef: r.orderRef,
    ...(r.brokerOrderId === undefined ? {} : { brokerOrderId: r.brokerOrderId }),
    ...(r.permId === undefined ? {} : { permId: r.permId }),
    symbol: r.symbol,
    action: r.action,
    quantity: r.quantity,
    limitPrice: r.limitPrice,
    ...(r.secType === 'CASH'
      ? conversionValuation({ currency: r.currency, fxRate: r.fx?.rate })
      : valuationOf({
          ...(r.currency === undefined ? {} : { currency: r.currency }),
          ...(r.fx === undefined ? {} : { fxRate: r.fx.rate }),
          ...(r.priceMagnifier === undefined ? {} : { priceMagnifier: r.priceMagnifier }),
        })),
    status: r.status,
    filledQuantity: r.filledQuantity,
    avgFillPrice: r.avgFillPrice,
    ...(r.referencePrice === undefined ? {} : { referencePrice: r.referencePrice }),
    ...(r.message === undefined ? {} : { message: r.message }),
    ...(changes.has(r.orderRef) ? { modified: changes.get(r.orderRef) } : {}),
    fills: fillsByOrder.get(r.orderRef) ?? [],
    ...(r.secType === 'CASH' ? { secType: 'CASH' as const } : {}),
  }));
  const conversionOrders = reportOrders.filter((r) => r.secType === 'CASH');
  const runs = { total: 0, running: 0, ok: 0, blocked: 0, failed: 0, skipped: 0 };
  const dayRuns = store.runsOn(o.tradingDay, o.now);
  // The run making this summary (still running, started at `now`) is not one of the day's runs so far.
  const current = dayRuns.findLast((r) => r.status === 'running' && ms(r.startedAt) === ms(o.now));
  for (const r of dayRuns) {
    if (r === current) continue;
    runs.total += 1;
    runs[r.status] += 1;
  }
  const today = store.forecastsAsOf(o.tradingDay, o.now).filter((f) => dayRuns.some((r) => r.runId === f.runId));
  const strategyChanges = today.length === 0 ? undefined : forecastChanges(store.forecastsAsOf(o.tradingDay), today);
  const dayBreaches = store.breachesOn(o.tradingDay, o.now);
  const tradingState = tradingStateOf(dayRuns, dayBreaches, current?.runId);
  const history: FlowPoint[] = basis.dailyRows.map((d) => ({ t: d.tradingDay, nlv: d.closingNlv }));
  if (last !== undefined) history.push({ t: o.tradingDay, nlv: last.netLiquidation });

  // Over days: a flow counts in the first point of its day or after (none before the first point: that is the base).
  for (const f of flows) {
    const point = history.find((p, i) => i > 0 && p.t >= f.tradingDay && (history[i - 1]?.t ?? '') < f.tradingDay);
    if (point !== undefined) point.flow = sumFlows([{ amount: point.flow ?? 0 }, f]);
  }
  const daySeries: FlowPoint[] = snapshots.map((s, i) => {
    // The first point's flows are those since the previous close; with no close, none is measured before it.
    const flow =
      i === 0 && close === undefined ? 0 : sumFlows(flowsBetween(flows, i === 0 ? close?.takenAt : snapshots[i - 1]?.takenAt, s.takenAt));
    return { t: s.takenAt, nlv: s.netLiquidation, ...(flow === 0 ? {} : { flow }) };
  });
  const { sinceClose, sinceFirst, sincePreviousClose, pnl } = pnlOfBasis(store, basis);
  const counted = close !== undefined ? sinceClose : sinceFirst;

  return {
    kind: o.kind,
    tradingDay: o.tradingDay,
    now: o.now,
    account: o.account,
    ...(last === undefined
      ? {}
      : {
          latest: {
            at: last.takenAt,
            nlv: last.netLiquidation,
            cash: last.cash,
            leverage: last.leverage,
            cushion: last.cushion,
            excessLiquidity: last.excessLiquidity,
            maintMargin: last.maintMargin,
            grossPositionValue: last.grossPositionValue,
            currency: last.currency,
            ...foreignCash(store.cashBalancesOf(last.runId), last.currency),
          },
          ...(sincePreviousClose === undefined ? {} : { sincePreviousClose }),
          // With one snapshot so far, the change since the open is zero by construction: not worth a line.
          ...(first === undefined || first === last
            ? {}
            : { sinceOpen: { ...changeOf(last.netLiquidation, first.netLiquidation, sumFlows(sinceFirst)), at: first.takenAt } }),
        }),
    flows: counted.map((f) => ({
      at: f.at,
      amount: f.amount,
      currency: f.currency,
      kind: f.kind,
      source: f.source,
      description: f.description,
    })),
    positions: positions
      .map((p) => ({ p, pnl: positionPnl(p) }))
      .map(({ p, pnl }) => ({
        symbol: p.symbol,
        quantity: p.quantity,
        marketPrice: p.marketPrice,
        marketValue: p.marketValue,
        avgCost: p.avgCost,
        ...(p.fxRate === undefined ? {} : { fxRate: p.fxRate }),
        costBasis: pnl.costBasis,
        unrealized: pnl.unrealized,
        weight: p.weight,
        targetWeight: p.targetWeight,
        drift: p.weight - p.targetWeight,
      }))
      // Largest drift first: what the next run will trade, and what a person should look at.
      .sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift) || a.symbol.localeCompare(b.symbol)),
    pnl,
    activity: store.orderActivityOn(o.tradingDay, o.now),
    orders: reportOrders.filter((r) => r.secType !== 'CASH'),
    ...(conversionOrders.length === 0 && conversionFills.length === 0
      ? {}
      : { conversions: { orders: conversionOrders, fills: conversionFills } }),
    fills,
    totals: {
      fills: fills.length,
      notional: fills.reduce((s, f) => s + fillValue(f), 0),
      commissions: fills.reduce((s, f) => s + (fillCommission(f) ?? 0), 0),
      slippageCost: fills.reduce((s, f) => s + (f.slippage?.cost ?? 0), 0),
      fillsWithReference: fills.filter((f) => f.slippage !== undefined).length,
    },
    breaches: dayBreaches,
    runs,
    ...(current === undefined ? {} : { thisRun: { startedAt: current.startedAt } }),
    ...(tradingState === undefined ? {} : { tradingState }),
    daySeries,
    history,
    ...(o.nextRun === undefined ? {} : { nextRun: o.nextRun }),
    ...(strategyChanges === undefined ? {} : { forecastChanges: strategyChanges }),
  };
}

/** Later than any record: "everything recorded so far" for a read bounded by a run's start. */
const RECORDS_END = '9999-12-31T00:00:00.000Z';

/**
 * The trading state of the latest run that decided one (dry runs aside): the state its finish recorded, or, for the
 * run making this summary (not finished yet, its breaches recorded) or a run that recorded none, the state its breaches
 * force. A run that never
 * decided (failed before planning) says nothing: the one before it does. Undefined when that state is ACTIVE.
 */
function tradingStateOf(
  runs: readonly RunRecord[],
  breaches: readonly DayBreach[],
  currentRunId: string | undefined,
): DailyReportData['tradingState'] {
  for (const r of [...runs].reverse()) {
    if (r.dryRun) continue;
    // A failure's BROKER_ERROR is recorded as a breach, but it is not a decision: it says nothing of the state.
    const own = breaches.filter((b) => b.runId === r.runId && b.code !== 'BROKER_ERROR');
    // A finished run recorded its state; the run making this summary has not finished, but its breaches are recorded
    // (so are those of runs recorded before the state was). A run without either never decided.
    const state = r.runId === currentRunId ? tradingStateFor(own) : (r.tradingState ?? (own.length > 0 ? tradingStateFor(own) : undefined));
    if (state === undefined) continue;
    if (state !== 'HALTED' && state !== 'REDUCING') return undefined;
    const runLevel = own.filter((b) => severityOf(b.code) !== 'SYMBOL' || b.symbol === undefined);
    return { state, since: r.startedAt, codes: [...new Set(runLevel.map((b) => b.code))], breaches: runLevel };
  }
  return undefined;
}

/**
 * The moment a summary describes its day at, as the scheduled email did (README, Email): start of day as of the
 * day's first run at or after the open, mid-day as of the first run at or after the session's midpoint (`run`: that
 * run's start), end of day as of `now`. Before that run (or on a day without a session: `marks` undefined), `now`:
 * the day so far. `runStarts`: the starts of the day's runs at or before `now`.
 */
export function reportAsOf(
  kind: ReportKind,
  runStarts: readonly string[],
  marks: { open: string; midpoint: string } | undefined,
  now: string,
): { at: string; run?: string } {
  if (kind === 'end' || marks === undefined) return { at: now };
  const from = ms(kind === 'start' ? marks.open : marks.midpoint);
  const first = runStarts.filter((t) => ms(t) >= from).sort((a, b) => ms(a) - ms(b))[0];
  return first === undefined ? { at: now } : { at: first, run: first };
}

/** The `daily` row an end-of-day report records; undefined when the day has no snapshot to close with. */
export function dailyRowOf(data: DailyReportData): DailyRow | undefined {
  if (data.latest === undefined) return undefined;
  return {
    tradingDay: data.tradingDay,
    closingNlv: data.latest.nlv,
    ...(data.sincePreviousClose === undefined ? {} : { change: data.sincePreviousClose.amount }),
    turnover: data.totals.notional,
    commissions: data.totals.commissions,
    fills: data.totals.fills,
    ...(data.pnl.realizedToday.value === null ? {} : { realized: data.pnl.realizedToday.value }),
  };
}

/** The snapshot's cash per currency, kept only when it holds a currency other than its base (else the section is not shown). */
function foreignCash(balances: CashBalanceRecord[], base: string): { cashBalances?: CashBalanceRecord[] } {
  return showsCashByCurrency(balances, base) ? { cashBalances: balances } : {};
}
