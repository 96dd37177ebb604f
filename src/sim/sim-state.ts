import { randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { estimateCommission } from '../core/commission.js';
import { round2 } from '../core/money.js';
import { BROKER_ORDER_STATUSES, isFinal } from '../core/order-status.js';
import { NYSE_RULES, previousSessionClose } from '../core/session.js';
import type { AccountSummary, CashLedger, CommissionModel, CurrencyCash, Side } from '../core/types.js';
import type { Fill } from './fill-model.js';

/**
 * The simulated account as persisted between runs under `<dataDir>/sim/state.json`: what IB would keep on
 * its side (cash, positions, orders, executions, id counters) plus the simulator's own clock.
 */

const side = z.enum(['BUY', 'SELL']);
const status = z.enum(BROKER_ORDER_STATUSES);

const int = z.number().int();
const orderSchema = z.strictObject({
  orderId: int,
  permId: int,
  clientId: int,
  orderRef: z.string(),
  /** 'CASH': a currency conversion on IDEALPRO (symbol the pair, `USD.SGD`; see fx-orders.ts); absent: a stock. */
  secType: z.literal('CASH').optional(),
  symbol: z.string(),
  action: side,
  quantity: int.positive(),
  limitPrice: z.number().positive(),
  minTick: z.number().positive(),
  /** A conversion below IDEALPRO's minimum, routed as an odd lot (IB's warning 399); absent otherwise. */
  oddLot: z.literal(true).optional(),
  // Absent for a plain limit order (one placed without the Adaptive algo, e.g. by hand through the gateway).
  adaptivePriority: z.enum(['Patient', 'Normal', 'Urgent']).optional(),
  tif: z.literal('DAY'),
  status,
  filled: int.nonnegative(),
  avgFillPrice: z.number().nonnegative(),
  submittedAt: z.string(),
  /** When it reached its final state (filled, cancelled, expired); absent while open, and in states saved before it was kept. */
  completedAt: z.string().optional(),
  message: z.string().optional(),
  /** How many modifications the order took (placeOrder again on its id), and when the last one did; absent if none. */
  modifications: int.positive().optional(),
  modifiedAt: z.string().optional(),
});

const executionSchema = z.strictObject({
  execId: z.string(),
  orderId: int,
  permId: int,
  orderRef: z.string(),
  /** 'CASH': an execution of a currency conversion (commission in the pair's second currency); absent: a stock. */
  secType: z.literal('CASH').optional(),
  symbol: z.string(),
  side,
  quantity: int.positive(),
  price: z.number().positive(),
  commission: z.number().nonnegative(),
  time: z.string(),
});

export const stateSchema = z.strictObject({
  version: z.literal(1),
  /** Random per simulation, in every execId, so a restarted simulation never reuses an id already recorded. */
  simId: z.string(),
  account: z.string(),
  currency: z.string(),
  /** Cash in the base currency (`currency`). */
  cash: z.number(),
  /** Cash in each other currency the account holds (may be negative: IB lends it); absent for a one-currency account. */
  foreignCash: z.record(z.string(), z.number()).optional(),
  positions: z.record(
    z.string(),
    z.strictObject({
      quantity: int,
      avgCost: z.number(),
      realizedPnl: z.number(),
      /** P&L realised in one trading day (from the previous session's close `since`), as IB's daily P&L counts it. */
      dayRealized: z.strictObject({ since: z.string(), pnl: z.number() }).optional(),
    }),
  ),
  orders: z.array(orderSchema),
  executions: z.array(executionSchema),
  nextOrderId: int.positive(),
  nextPermId: int.positive(),
  nextExecSeq: int.positive(),
  /** Last instant the market was advanced to (ISO UTC). */
  clock: z.string(),
  seed: int,
  /** Absolute path of the scenario that seeded the state, or null for the seeded universe. */
  scenarioPath: z.string().nullable(),
  /** The scenario event stages already applied (see scenario-events.ts), so each applies once across restarts. */
  appliedEvents: z.array(z.string()).optional(),
  /** Dividends past their ex-date, not yet paid: IB's accrued dividends (amount signed, negative for a short). */
  dividendAccruals: z
    .array(
      z.strictObject({
        key: z.string(),
        symbol: z.string(),
        quantity: int,
        amountPerShare: z.number(),
        amount: z.number(),
        exDate: z.string(),
        payDate: z.string(),
      }),
    )
    .optional(),
  /** The cash the scenario's events moved, as IB's statements list cash transactions (amount an exact decimal string). */
  cashTransactions: z
    .array(
      z.strictObject({
        transactionId: z.string(),
        type: z.string(),
        symbol: z.string(),
        assetCategory: z.string(),
        currency: z.string(),
        amount: z.string(),
        date: z.string(),
        time: z.string(),
        reportDate: z.string(),
        description: z.string(),
      }),
    )
    .optional(),
});

export type SimState = z.infer<typeof stateSchema>;
export type SimOrder = z.infer<typeof orderSchema>;
export type SimExecution = z.infer<typeof executionSchema>;

/** A fresh state, its clock at `now`; the ids start where a new IB paper account's would be plausible. */
export function createState(
  init: Pick<SimState, 'account' | 'currency' | 'cash' | 'foreignCash' | 'seed' | 'scenarioPath'> & {
    positions: Record<string, { quantity: number; avgCost: number }>;
    now: string;
  },
): SimState {
  const positions: SimState['positions'] = {};
  for (const [symbol, p] of Object.entries(init.positions)) positions[symbol] = { ...p, realizedPnl: 0 };
  return {
    version: 1,
    simId: randomBytes(4).toString('hex'),
    account: init.account,
    currency: init.currency,
    cash: init.cash,
    ...(init.foreignCash === undefined ? {} : { foreignCash: { ...init.foreignCash } }),
    positions,
    orders: [],
    executions: [],
    nextOrderId: 1,
    nextPermId: 1_000_001,
    nextExecSeq: 1,
    clock: init.now,
    seed: init.seed,
    scenarioPath: init.scenarioPath,
  };
}

/**
 * Books one execution: cash moves by the value and the commission, the position's average cost (which, as at
 * IB, includes commissions) grows on an opening trade, and a closing trade realises P&L against it. The cash of
 * the contract's `currency` moves (default the base currency): a purchase in a currency the account does not hold
 * leaves it negative there, as IB lends it on a margin account.
 *
 * `priceMagnifier` (IB's, default 1): the fill's price is in 1/priceMagnifier of the currency (pence for an LSE line
 * with 100), as the order's limit and the execution report it; the cash, commission, average cost and realised P&L
 * are in the currency itself (pounds), as IB books them.
 */
export function bookFill(
  state: SimState,
  order: SimOrder,
  fill: Fill,
  model: CommissionModel,
  time: string,
  currency: string = state.currency,
  priceMagnifier = 1,
): SimExecution {
  const { quantity, price } = fill;
  const commission = orderCommission(state, order, fill, model, priceMagnifier);
  const unitPrice = new Decimal(price).div(priceMagnifier);
  const value = new Decimal(quantity).times(unitPrice);
  const signedQty = order.action === 'BUY' ? quantity : -quantity;
  const moved = (held: number) =>
    new Decimal(held)
      .minus(value.times(Math.sign(signedQty)))
      .minus(commission)
      .toNumber();
  if (currency === state.currency) state.cash = moved(state.cash);
  else state.foreignCash = { ...state.foreignCash, [currency]: moved(state.foreignCash?.[currency] ?? 0) };
  const pos = state.positions[order.symbol] ?? { quantity: 0, avgCost: 0, realizedPnl: 0 };
  const held = pos.quantity;
  const perShareFee = new Decimal(commission).div(quantity);
  // The fee raises a long's cost and lowers a short's proceeds: both raise the break-even of the position.
  const netPrice = order.action === 'BUY' ? perShareFee.plus(unitPrice) : unitPrice.minus(perShareFee);
  if (held === 0 || Math.sign(held) === Math.sign(signedQty)) {
    pos.avgCost = new Decimal(pos.avgCost)
      .times(Math.abs(held))
      .plus(netPrice.times(quantity))
      .div(Math.abs(held) + quantity)
      .toDecimalPlaces(8)
      .toNumber();
  } else {
    const closing = Math.min(quantity, Math.abs(held));
    const realized = netPrice.minus(pos.avgCost).times(closing).times(Math.sign(held));
    pos.realizedPnl = realized.plus(pos.realizedPnl).toDecimalPlaces(8).toNumber();
    const since = previousSessionClose(time, NYSE_RULES);
    const before = pos.dayRealized?.since === since ? pos.dayRealized.pnl : 0;
    pos.dayRealized = { since, pnl: realized.plus(before).toDecimalPlaces(8).toNumber() };
    if (quantity > Math.abs(held)) pos.avgCost = netPrice.toDecimalPlaces(8).toNumber();
  }
  pos.quantity = held + signedQty;
  if (pos.quantity === 0) pos.avgCost = 0;
  state.positions[order.symbol] = pos;

  // In the units of the order's prices (pence for a pence line), as IB's order status reports it.
  order.avgFillPrice = new Decimal(order.avgFillPrice)
    .times(order.filled)
    .plus(new Decimal(quantity).times(price))
    .div(order.filled + quantity)
    .toDecimalPlaces(8)
    .toNumber();
  order.filled += quantity;
  if (order.filled === order.quantity) Object.assign(order, { status: 'Filled', completedAt: time });
  const execution: SimExecution = {
    execId: `${state.simId}.${state.nextExecSeq.toString(16).padStart(8, '0')}.01`,
    orderId: order.orderId,
    permId: order.permId,
    orderRef: order.orderRef,
    symbol: order.symbol,
    side: order.action satisfies Side,
    quantity,
    price,
    commission,
    time,
  };
  state.nextExecSeq += 1;
  state.executions.push(execution);
  return execution;
}

/**
 * IB charges per order (its minimum once): an execution pays the order's fee so far less what it paid. The fee is
 * reckoned on the price in the currency itself (the quoted price / priceMagnifier).
 */
function orderCommission(state: SimState, order: SimOrder, fill: Fill, model: CommissionModel, priceMagnifier: number): number {
  const paid = state.executions.filter((e) => e.orderId === order.orderId).reduce((sum, e) => sum.plus(e.commission), new Decimal(0));
  const filled = order.filled + fill.quantity;
  const avg = new Decimal(order.avgFillPrice)
    .times(order.filled)
    .plus(new Decimal(fill.price).times(fill.quantity))
    .div(filled)
    .div(priceMagnifier);
  return Decimal.max(0, new Decimal(estimateCommission(model, filled, avg.toNumber(), order.action)).minus(paid)).toNumber();
}

/**
 * The simulated account's margin rates, Reg T-like for stocks: initial margin 50% of the long and of the short
 * value, maintenance 25% of the long and 30% of the short value. IB derives AvailableFunds from the first and
 * ExcessLiquidity (and the Cushion) from the second.
 */
export const MARGIN_RATES = {
  initial: { long: 0.5, short: 0.5 },
  maintenance: { long: 0.25, short: 0.3 },
} as const;

/** The account's figures before rounding: cash, NLV, long and short stock value, initial and maintenance margin. */
export interface MarginFigures {
  cash: Decimal;
  nlv: Decimal;
  long: Decimal;
  /** The short positions' value, positive. */
  short: Decimal;
  /** Dividends accrued (past the ex-date, not yet paid), signed: IB counts them in NetLiquidation. */
  accruedDividend: Decimal;
  initMargin: Decimal;
  maintMargin: Decimal;
}

/**
 * How the account converts other currencies to its base currency: the rate of a currency (base units per one unit,
 * unrounded; undefined when there is none) and the currency of a symbol's contract. Without it, or for a currency
 * without a rate, amounts count as they are, in the base currency (the one-currency account).
 */
export interface SimFx {
  rate(currency: string): Decimal | undefined;
  currencyOf(symbol: string): string;
}

/** The factor that turns an amount in `currency` into the base currency (1 for the base and a currency without a rate). */
export function toBaseFactor(state: Pick<SimState, 'currency'>, fx: SimFx | undefined, currency: string): Decimal {
  if (fx === undefined || currency === state.currency) return new Decimal(1);
  return fx.rate(currency) ?? new Decimal(1);
}

/**
 * Positions marked by `markOf` (per share, in the contract's currency itself: pounds for a line quoted in pence): NLV = cash + sum of quantity x mark + accrued dividends, margins at
 * {@link MARGIN_RATES}; foreign cash and positions in the base currency at `fx`'s rates.
 */
export function marginFigures(state: SimState, markOf: (symbol: string, avgCost: number) => number, fx?: SimFx): MarginFigures {
  const accruedDividend = (state.dividendAccruals ?? []).reduce((sum, a) => sum.plus(a.amount), new Decimal(0));
  const cash = Object.entries(state.foreignCash ?? {}).reduce(
    (sum, [currency, amount]) => sum.plus(new Decimal(amount).times(toBaseFactor(state, fx, currency))),
    new Decimal(state.cash),
  );
  let nlv = cash.plus(accruedDividend);
  let long = new Decimal(0);
  let short = new Decimal(0);
  for (const [symbol, pos] of Object.entries(state.positions)) {
    if (pos.quantity === 0) continue;
    const factor = fx === undefined ? new Decimal(1) : toBaseFactor(state, fx, fx.currencyOf(symbol));
    const value = new Decimal(pos.quantity).times(markOf(symbol, pos.avgCost)).times(factor);
    nlv = nlv.plus(value);
    if (pos.quantity > 0) long = long.plus(value);
    else short = short.minus(value);
  }
  const { initial, maintenance } = MARGIN_RATES;
  return {
    cash,
    nlv,
    long,
    short,
    accruedDividend,
    initMargin: long.times(initial.long).plus(short.times(initial.short)),
    maintMargin: long.times(maintenance.long).plus(short.times(maintenance.short)),
  };
}

/**
 * The account's figures with positions marked by `markOf` (see {@link marginFigures}). With `ledger` (an account
 * that holds or prices other currencies), the cash per currency and the rates as IB prints them, read at its `at`.
 */
export function summarizeAccount(
  state: SimState,
  markOf: (symbol: string, avgCost: number) => number,
  ledger?: { fx: SimFx; at: string; printed: (currency: string) => number | undefined },
): AccountSummary {
  const { nlv, long, short, maintMargin: maint, accruedDividend, cash } = marginFigures(state, markOf, ledger?.fx);
  const excess = nlv.minus(maint);
  return {
    account: state.account,
    currency: state.currency,
    netLiquidation: round2(nlv),
    totalCash: round2(cash),
    grossPositionValue: round2(long.plus(short)),
    maintMargin: round2(maint),
    excessLiquidity: round2(excess),
    cushion: nlv.gt(0) ? excess.div(nlv).toDecimalPlaces(6).toNumber() : 0,
    accruedDividend: round2(accruedDividend),
    ...(ledger === undefined ? {} : { cashLedger: cashLedgerOf(state, ledger.at, ledger.printed) }),
  };
}

/** Cash per currency held (the base first, then by code) and each one's rate as printed, read at `at`. */
function cashLedgerOf(state: SimState, at: string, printed: (currency: string) => number | undefined): CashLedger {
  const foreign = Object.entries(state.foreignCash ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const balances: CurrencyCash[] = [
    { currency: state.currency, cash: state.cash, exchangeRate: 1 },
    ...foreign.map(([currency, cash]) => {
      const rate = printed(currency);
      return { currency, cash, ...(rate === undefined ? {} : { exchangeRate: rate }) };
    }),
  ];
  return { baseCurrency: state.currency, balances, ratesReadAt: at };
}

/** Drops final orders and executions older than `before`, as IB forgets them, so the file stays small. */
export function pruneState(state: SimState, before: string): void {
  const cutoff = Date.parse(before);
  state.executions = state.executions.filter((e) => Date.parse(e.time) >= cutoff);
  state.orders = state.orders.filter((o) => !isFinal(o.status) || Date.parse(o.submittedAt) >= cutoff);
}
