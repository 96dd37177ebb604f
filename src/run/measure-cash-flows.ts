import { DateTime } from 'luxon';
import { EXCHANGE_ZONE } from '../core/session.js';
import type { AccountRead, CashFlowRecord, OrderRecord, RunStore } from '../ports/store.js';
import type { AccountSummary, BrokerPosition, ContractInfo } from '../core/types.js';
import { ORDER_REF_PREFIX, orderRefFor } from './run-id.js';
import { runIdInOrderRef } from '../core/foreign-orders.js';
import { isUsableRate } from '../core/share-value.js';
import { effectiveFlows, inferCashFlow, sumFlows, type FlowForWindow, type Inference, type StatementFlow } from '../core/cash-flows.js';

/** An execution this close to an account read may not be in that read's cash yet (IB). */
export const QUIET_MINUTES = 5;
/** A change in cash under this (in the account's currency) is not taken for a flow. */
export const MIN_INFERRED_FLOW = 1;

/** What the run learned about money that moved, and what the breakers compare against. */
export interface CashFlowMeasure {
  /** This run's reading of the account, recorded by a run that is not dry (the next run measures from it). */
  reading: AccountRead;
  /** The previous reading, when there is one: NAV_JUMP compares with its NLV. */
  last?: AccountRead;
  /** The day's first reading: DAILY_LOSS_LIMIT compares with its NLV. */
  startOfDay?: AccountRead;
  /** The flows that count since `last` (including the one inferred now) and since `startOfDay`. */
  sinceLastSnapshot: number;
  sinceStartOfDay: number;
  /** The flow this run inferred between `last` and `reading`, to be recorded with it. */
  inferred?: CashFlowRecord;
  /** Flows the broker's statement booked on whole days between the readings, when none could be inferred: recorded too. */
  fromStatement: CashFlowRecord[];
  /** Why the statement could not say (it failed, or the query lacks the section). */
  statementNote?: string;
  /** What the inference found: a flow, none, or why it could not tell. */
  inference?: Inference;
}

export interface MeasureOptions {
  runId: string;
  tradingDay: string;
  /** When the account was read (the machine's clock). */
  readAt: string;
  summary: AccountSummary;
  positions: BrokerPosition[];
  unknownOutcomes: number;
  /** The machine's clock onto the broker's and back (broker-clock.ts); default: they agree. */
  toBroker?: (machineIso: string) => string;
  toMachine?: (brokerIso: string) => string;
  /** The broker's statement's flows of the whole days between the last reading and this one (see wholeDaysBetween). */
  statementFlows?: StatementFlow[];
  /** A ticker's contract, when the run knows it: its currency (an account holding others measures per currency) and price magnifier. */
  contractOf?: (symbol: string) => ContractInfo | undefined;
}

/** The cash per currency of the broker's ledger, when it gave one for the account's own currency. */
function cashByCurrencyOf(summary: AccountSummary): Pick<AccountRead, 'cashByCurrency'> {
  const ledger = summary.cashLedger;
  if (ledger === undefined || ledger.baseCurrency !== summary.currency) return {};
  return { cashByCurrency: Object.fromEntries(ledger.balances.map((b) => [b.currency, b.cash])) };
}

/** The ledger's rates by currency (the usable ones). */
function ratesOf(summary: AccountSummary): Map<string, number> {
  const rates = new Map<string, number>();
  for (const b of summary.cashLedger?.balances ?? []) if (isUsableRate(b.exchangeRate)) rates.set(b.currency, b.exchangeRate);
  return rates;
}

/**
 * An execution's currency and price magnifier (a line quoted in pence): its contract's when the run read it (those
 * of tickers executed since the last read are asked of the broker too: symbolsExecutedSinceLastRead); else, for an
 * execution of an order of ours, what the order was recorded with: sized at a rate, its currency is not the
 * account's (and not named), so what it did to cash is not known; sized without one (or before migration 0017), the
 * account's currency, at the order's magnifier. Else (a trade by hand the broker gave no contract for) not known.
 */
function currencyField(
  o: MeasureOptions,
  symbol: string,
  order: OrderRecord | undefined,
): { currency?: string; priceMagnifier?: number; unknownValue?: string } {
  const contract = o.contractOf?.(symbol);
  const magnifier = contract?.priceMagnifier;
  const magnified = magnifier === undefined || magnifier === 1 ? {} : { priceMagnifier: magnifier };
  const known = contract?.currency;
  if (known !== undefined && known !== '') return { currency: known, ...magnified };
  if (order !== undefined && order.fx !== undefined)
    return {
      unknownValue: `${symbol}: its contract was not read this run, and its order ${order.orderRef} was sized in another currency than the account's`,
    };
  // Before migration 0017 every order was in the account's currency (CURRENCY_MISMATCH halted any other).
  if (order !== undefined)
    return { currency: o.summary.currency, ...(order.priceMagnifier === undefined ? {} : { priceMagnifier: order.priceMagnifier }) };
  // A trade not placed by this program whose contract the broker did not give either: in what units its price is
  // (pence?) and in what currency are not known, so neither is what it did to cash.
  return { unknownValue: `${symbol}: an execution not placed by this program, and the broker gave no contract for it` };
}

/**
 * A conversion's fill (FX_POLICY=convert: `USD.SGD`): both legs, in the pair's two currencies (see CashEffect.pair);
 * a pair name that does not read as two currency codes is not valued.
 */
function conversionField(symbol: string): { currency?: string; pair?: { symbol: string; currency: string }; unknownValue?: string } {
  const m = /^([A-Z]{3})\.([A-Z]{3})$/.exec(symbol);
  if (m?.[1] === undefined || m[2] === undefined)
    return { unknownValue: `${symbol}: a currency conversion whose pair is not two currency codes` };
  return { currency: m[2], pair: { symbol: m[1], currency: m[2] } };
}

/**
 * The tickers of the executions recorded since the last account read (from QUIET_MINUTES before it, as the
 * measure reads them): the run asks the broker for the contracts of those it does not price, so that the
 * measure knows each one's currency and price magnifier (a ticker sold out and in no forecast).
 */
export function symbolsExecutedSinceLastRead(store: RunStore, runId: string, toBroker: (iso: string) => string = (iso) => iso): string[] {
  const last = store.latestAccountRead(runId);
  if (last === undefined) return [];
  const from = DateTime.fromISO(last.readAt).minus({ minutes: QUIET_MINUTES }).toUTC().toISO() ?? last.readAt;
  // A conversion's pair is no ticker: its currencies are in its name.
  return [...new Set(store.fillsSince(toBroker(from)).flatMap((f) => (f.secType === 'CASH' ? [] : [f.symbol])))].sort();
}

/** The recorded order of an execution of ours, by its orderRef (`rebal:<run id>:<ticker>`); undefined for any other. */
function recordedOrders(store: RunStore): (orderRef: string) => OrderRecord | undefined {
  const byRun = new Map<string, OrderRecord[]>();
  return (orderRef: string) => {
    const runId = runIdInOrderRef(orderRef, ORDER_REF_PREFIX);
    if (runId === '') return undefined;
    let orders = byRun.get(runId);
    if (orders === undefined) {
      orders = store.ordersOf(runId);
      byRun.set(runId, orders);
    }
    return orders.find((r) => r.orderRef === orderRef);
  };
}

/**
 * The money that moved since the last account read and since the day's first: flows a person declared or a
 * statement reported, plus the one inferred now from the change in cash no recorded execution explains (see
 * core/cash-flows.ts for when it is inferred, and when it cannot be). Reads the store; writes nothing.
 */
export function measureCashFlows(store: RunStore, o: MeasureOptions): CashFlowMeasure {
  const toBroker = o.toBroker ?? ((iso: string) => iso);
  const toMachine = o.toMachine ?? ((iso: string) => iso);
  const reading: AccountRead = {
    runId: o.runId,
    readAt: o.readAt,
    tradingDay: o.tradingDay,
    cash: o.summary.totalCash,
    netLiquidation: o.summary.netLiquidation,
    currency: o.summary.currency,
    positions: Object.fromEntries(o.positions.filter((p) => p.quantity !== 0).map((p) => [p.symbol, p.quantity])),
    ...(o.summary.accruedDividend === undefined ? {} : { accruedDividend: o.summary.accruedDividend }),
    ...cashByCurrencyOf(o.summary),
  };
  const last = store.latestAccountRead(o.runId);
  const startOfDay = store.firstAccountReadOn(o.tradingDay);
  if (last === undefined)
    return { reading, sinceLastSnapshot: 0, sinceStartOfDay: 0, fromStatement: [], ...(startOfDay ? { startOfDay } : {}) };

  const from = DateTime.fromISO(last.readAt).minus({ minutes: QUIET_MINUTES }).toUTC().toISO() ?? last.readAt;
  const orderOf = recordedOrders(store);
  const executions = store.fillsSince(toBroker(from)).map((f) => ({
    symbol: f.symbol,
    side: f.side,
    quantity: f.quantity,
    price: f.price,
    commission: f.commission,
    time: toMachine(f.time),
    ...(f.secType === 'CASH'
      ? conversionField(f.symbol)
      : currencyField(o, f.symbol, o.contractOf?.(f.symbol) === undefined ? orderOf(f.orderRef) : undefined)),
    // The last read's run read the account before sending its orders: their executions came after that read.
    afterLastRead: f.orderRef === orderRefFor(last.runId, f.symbol),
  }));
  const inference = inferCashFlow({
    last: {
      at: last.readAt,
      cash: last.cash,
      currency: last.currency,
      positions: new Map(Object.entries(last.positions)),
      ...(last.accruedDividend === undefined ? {} : { accruedDividend: last.accruedDividend }),
      ...(last.cashByCurrency === undefined ? {} : { cashByCurrency: new Map(Object.entries(last.cashByCurrency)) }),
    },
    now: {
      at: reading.readAt,
      cash: reading.cash,
      currency: reading.currency,
      positions: new Map(Object.entries(reading.positions)),
      ...(reading.accruedDividend === undefined ? {} : { accruedDividend: reading.accruedDividend }),
      ...(reading.cashByCurrency === undefined ? {} : { cashByCurrency: new Map(Object.entries(reading.cashByCurrency)) }),
      rates: ratesOf(o.summary),
    },
    executions,
    unknownOutcomes: o.unknownOutcomes,
    quietMinutes: QUIET_MINUTES,
    minimum: MIN_INFERRED_FLOW,
  });
  const inferred: CashFlowRecord | undefined =
    inference.kind === 'flow'
      ? {
          id: `inferred:${o.runId}`,
          at: reading.readAt,
          windowFrom: last.readAt,
          amount: inference.amount,
          currency: reading.currency,
          kind: 'other',
          source: 'inferred',
          description: inference.description,
          runId: o.runId,
          recordedAt: reading.readAt,
          recordedBy: `run ${o.runId}`,
        }
      : undefined;
  // What the run could not infer, the broker's statement may have booked (whole days between the readings only).
  const fromStatement = inference.kind === 'unknown' ? (o.statementFlows ?? []).map((f) => statementRecord(f, o, reading)) : [];
  const measured: CashFlowRecord[] = [...(inferred ? [inferred] : []), ...fromStatement];
  const since = (fromExclusive: string): number => {
    const recorded: FlowForWindow[] = store
      .cashFlowsSince(fromExclusive)
      .filter((f) => f.at <= reading.readAt && !measured.some((m) => m.id === f.id));
    return sumFlows(effectiveFlows([...recorded, ...measured]));
  };
  return {
    reading,
    last,
    ...(startOfDay ? { startOfDay } : {}),
    sinceLastSnapshot: since(last.readAt),
    // The day's first reading is this one when none is recorded yet: nothing moved since it.
    sinceStartOfDay: startOfDay === undefined ? 0 : since(startOfDay.readAt),
    ...(inferred ? { inferred } : {}),
    fromStatement,
    inference,
  };
}

/**
 * The New York days wholly between two readings (after the last one's day, before this one's): the days a
 * statement can say everything about, since both readings' cash already holds or lacks all of them.
 */
export function wholeDaysBetween(lastReadAt: string, readAt: string): string[] {
  const first = DateTime.fromISO(lastReadAt, { zone: 'utc' }).setZone(EXCHANGE_ZONE).startOf('day').plus({ days: 1 });
  const end = DateTime.fromISO(readAt, { zone: 'utc' }).setZone(EXCHANGE_ZONE).startOf('day');
  if (!first.isValid || !end.isValid) return [];
  const days: string[] = [];
  for (let d = first; d < end && days.length < 31; d = d.plus({ days: 1 })) days.push(d.toISODate() ?? '');
  return days.filter((d) => d !== '');
}

function statementRecord(f: StatementFlow, o: MeasureOptions, reading: AccountRead): CashFlowRecord {
  const day = DateTime.fromISO(f.date, { zone: EXCHANGE_ZONE });
  return {
    id: `statement:${f.transactionId}`,
    // The whole day it was booked on: a declaration within that day wins over it.
    at: day.endOf('day').toUTC().toISO() ?? reading.readAt,
    windowFrom: day.startOf('day').toUTC().toISO() ?? reading.readAt,
    amount: f.amount,
    currency: reading.currency,
    kind: f.kind,
    source: 'statement',
    description: `${f.description} (booked ${f.date}, from the broker's statement)`,
    runId: o.runId,
    recordedAt: reading.readAt,
    recordedBy: `run ${o.runId}`,
  };
}
