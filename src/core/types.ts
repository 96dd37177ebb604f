/**
 * Domain types shared by the pure core, the ports and the adapters.
 * Plain data only: no classes, no I/O, no clock.
 */

import type { Cents, Money, Price, Shares, TickPrice } from './money.js';
import type { OrderStatusName } from './order-status.js';

export type { OrderStatusName };
export type { Cents, Money, Price, Shares, TickPrice };

export type Action = 'BUY' | 'SELL' | 'NONE';
export type Side = 'BUY' | 'SELL';
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';
export type CommissionModel = 'fixed' | 'tiered';
export type AdaptivePriority = 'Patient' | 'Normal' | 'Urgent';

/** A validated forecast file: one strategy's target weights. */
export interface Forecast {
  /** File the forecast came from (as given to the reader, for messages). */
  file: string;
  strategy: string;
  /** ISO 8601 instant the strategy computed the weights. */
  asOf: string;
  leverage: number;
  /** Share of the account this strategy may use, 0..1 (default 1). */
  capital: number;
  /** Ticker -> fraction of the strategy's exposure; negative is short. */
  weights: Record<string, number>;
  /** Optional per-ticker contract hints (primary exchange, currency). */
  contracts: Record<string, ContractHint>;
}

export interface ContractHint {
  primaryExchange?: string;
  currency?: string;
}

/** Contract facts from the broker (IB contract details, or the simulator). */
/** One band of a market rule: from `lowEdge` (inclusive) up, limit prices are multiples of `increment`. */
export interface PriceIncrement {
  lowEdge: number;
  increment: number;
}

export interface ContractInfo {
  symbol: string;
  conId?: number;
  /** Minimum price increment, e.g. 0.01 or 0.0001. */
  minTick: number;
  primaryExchange: string;
  currency: string;
  /**
   * IB's priceMagnifier: quotes, ticks and order prices are in 1/priceMagnifier of `currency` (100 for an LSE line
   * quoted in pence with currency GBP). Absent: 1. Values are price / priceMagnifier in `currency`.
   */
  priceMagnifier?: number;
  /**
   * False when IB does not route the listing through SMART (its contract details' validExchanges lack SMART, e.g. a
   * Hong Kong line valid on SEHK alone): its orders go to the primary exchange directly. Absent: SMART-routable.
   */
  smartRoutable?: false;
  /**
   * IB's market rule for the exchange the orders route to (SMART, else the primary exchange): the price bands, each
   * `increment` applying from its `lowEdge` (in quote units) up to the next band's. Sorted by lowEdge from 0, every
   * increment positive. A limit price must be a multiple of the increment of its own band (IB error 110 otherwise).
   * Absent: `minTick` at every price.
   */
  priceIncrements?: readonly PriceIncrement[];
  timeZone?: string;
  liquidHours?: string;
  tradingHours?: string;
}

/**
 * A rate the run converts with: base-currency units per one unit of a currency (IB's ExchangeRate), where it came
 * from and when it was read. Rates come from the broker's cash ledger (IB: `$LEDGER:ALL`) for a currency the account
 * holds, else from the broker's FX quote (IB: the IDEALPRO pair's bid/ask midpoint).
 */
export interface ExchangeRate {
  /** Base-currency units per one unit of the currency: finite and > 0. */
  rate: number;
  /** When the run read it (ISO 8601 UTC). */
  at: string;
  /** Where it came from, as a person reads it: "ledger", "IDEALPRO USD.SGD midpoint". */
  source: string;
  /**
   * The FX market's two-sided quote the rate was read from (IB: the IDEALPRO pair's snapshot), when it came from one:
   * FX_POLICY=convert prices its conversions on it. Absent for a rate from the cash ledger.
   */
  market?: FxQuote;
}

/**
 * A two-sided quote of an FX pair as the broker lists it (IB: an IDEALPRO CASH contract in its one orientation):
 * `symbol` is the pair's first currency, `currency` the one its price is quoted in (USD.SGD: 1 USD costs `bid`..`ask`
 * SGD). Bid and ask are positive and uncrossed (a quote that is not is no rate at all).
 */
export interface FxQuote {
  symbol: string;
  currency: string;
  bid: number;
  ask: number;
}

/** One quote snapshot. Any field may be missing or invalid (IB sends -1 for "no price"). */
export interface Quote {
  symbol: string;
  bid?: number;
  ask?: number;
  last?: number;
  /** Previous session's close. */
  close?: number;
  /** True when the data is delayed (IB market data type 3/4). */
  delayed?: boolean;
}

export interface AccountSummary {
  account: string;
  currency: string;
  netLiquidation: Money;
  totalCash: Money;
  grossPositionValue: Money;
  maintMargin: Money;
  excessLiquidity: Money;
  /** IB's Cushion: excess liquidity / NLV, a fraction (0.25 = 25%). */
  cushion: number;
  /**
   * Dividends accrued and not yet paid (IB: the ledger's NetDividend; negative when owed on a short), counted in
   * NLV from the ex-date until the pay date moves them into cash. Absent when the broker did not say.
   */
  accruedDividend?: Money;
  /**
   * Cash per currency and the broker's exchange rates (IB: the `$LEDGER:ALL` rows). Absent when the broker did not
   * say (a broker that keeps one currency may leave it out: `totalCash` is then all the cash, in `currency`).
   */
  cashLedger?: CashLedger;
}

/**
 * The account's cash by currency, as the broker reports it, and its exchange rates: what a run needs to value
 * foreign cash in the base currency. Amounts are as the broker printed them (exact decimals held in doubles, read
 * back by their shortest representation: see money.ts).
 */
export interface CashLedger {
  /** The account's base currency (IB: the currency of NetLiquidation). */
  baseCurrency: string;
  /** One per currency the account holds, the base currency first, then by code. */
  balances: CurrencyCash[];
  /** When the rates were read (ISO 8601 UTC): IB sends no time with a rate, so the moment the run received them. */
  ratesReadAt: string;
  /** The broker's own account time when it gave one (IB's ACCT_UPDATE_TIME: an opaque "HH:mm"). */
  brokerTime?: string;
}

/** The cash held in one currency, and its rate to the base currency. */
export interface CurrencyCash {
  /** ISO 4217 code. */
  currency: string;
  /** The balance in that currency (IB: TotalCashBalance); negative when the broker lends it. */
  cash: Money;
  /**
   * Base-currency units per one unit of `currency` (IB: ExchangeRate; 1 for the base currency). Absent when the
   * broker gave none, or one that is not a positive number: never guessed.
   */
  exchangeRate?: number;
}

export interface BrokerPosition {
  account: string;
  symbol: string;
  quantity: number;
  avgCost: number;
}

/**
 * What an order trades: a stock (absent: the default) or, for FX_POLICY=convert, a currency conversion on the FX
 * market (IB: an IDEALPRO CASH pair). A conversion's `symbol` is the pair as IB names it (`USD.SGD`), its `currency`
 * the pair's second currency, its quantity in units of the first and its price in units of the second per one of
 * the first; it is never a position of a ticker.
 */
export type SecType = 'STK' | 'CASH';

/** An order as the system wants it sent. */
export interface OrderRequest {
  orderRef: string;
  /** Absent: a stock. 'CASH': a currency conversion (see {@link SecType}): primaryExchange IDEALPRO, no algo. */
  secType?: 'CASH';
  symbol: string;
  action: Side;
  quantity: Shares;
  limitPrice: TickPrice;
  adaptivePriority: AdaptivePriority;
  /** Contract facts the broker needs to route it. */
  primaryExchange: string;
  currency: string;
}

/** An order the broker knows about (open or recently finished). */
export interface BrokerOrder {
  brokerOrderId: number;
  /** 'CASH' for a currency conversion of ours (symbol `USD.SGD`); absent for a stock. */
  secType?: 'CASH';
  permId?: number;
  clientId?: number;
  orderRef: string;
  symbol: string;
  action: Side;
  quantity: number;
  limitPrice: number;
  status: OrderStatusName;
  filledQuantity: number;
  avgFillPrice: number;
  /** Why the broker rejected or cancelled it, when it says. */
  message?: string;
  /** When it reached its final state (ISO 8601 UTC, the broker's clock), as the broker's completed orders report it. */
  completedAt?: string;
}

export interface Execution {
  execId: string;
  /**
   * 'CASH' for an execution of a currency conversion of ours (symbol `USD.SGD`, quantity in the first currency,
   * price in the second per one of the first, commission in the second); absent for a stock.
   */
  secType?: 'CASH';
  brokerOrderId: number;
  permId?: number;
  orderRef: string;
  symbol: string;
  side: Side;
  quantity: number;
  price: number;
  /**
   * IB's commission report for the execution; null while none has arrived (IB sends it separately, sometimes
   * late or not at all): the fill is recorded without it and a later run that hears the report fills it in.
   */
  commission: number | null;
  /** ISO 8601 instant of the execution. */
  time: string;
}

/** Result of asking the broker to cancel one order and waiting for its confirmation. */
export interface CancelResult {
  brokerOrderId: number;
  orderRef: string;
  confirmed: boolean;
  status?: OrderStatusName;
  detail?: string;
}

/** Sizing and order parameters (from configuration). */
export interface SizingConfig {
  cashBufferPct: number;
  noTradeBandPct: number;
  minOrderValue: number;
  limitOffsetBps: number;
  adaptivePriority: AdaptivePriority;
  commissionModel: CommissionModel;
  allowShort: boolean;
  /**
   * FX_POLICY: how a purchase in another currency than the account's is paid for. 'borrow' (absent: the default)
   * leaves it to the broker's loan; 'convert' places currency conversions beside the stock orders (core/conversions.ts).
   */
  fxPolicy?: FxPolicy;
  /** MIN_CONVERSION_VALUE: a conversion worth less (in the account's currency) is not placed; absent: 1000. */
  minConversionValue?: number;
}

export type FxPolicy = 'borrow' | 'convert';

/** Risk limits (from configuration). Percent fields are percentages: 1.5 means 1.5%. */
export interface RiskLimits {
  maxLeverage: number;
  maxPositionPct: number;
  maxOrderValue: number;
  maxOrderPct: number;
  maxTurnoverPct: number;
  maxDailyTurnoverPct: number;
  maxOrdersPerRun: number;
  priceCollarPct: number;
  maxNavJumpPct: number;
  maxDailyLossPct: number;
  /** Minimum IB cushion, a fraction (0.05 = 5%). */
  minCushion: number;
  /**
   * More position breaks (ledger vs broker) than this in one run halt the whole run; up to it, only the broken
   * tickers are blocked. Absent: 2 (DEFAULT_MAX_POSITION_BREAKS in ledger.ts).
   */
  maxPositionBreaks?: number;
  /**
   * The most any one currency's cash may be below zero after a run's orders, in percent of NLV (valued in the base
   * currency): IB lends the currency and charges interest. Absent: 100 (DEFAULT_MAX_CURRENCY_LOAN_PCT).
   */
  maxCurrencyLoanPct?: number;
}

/**
 * A managed ticker whose position at the broker differs from the system's own ledger (baseline + own fills +
 * adjustments): a manual trade, a lost fill, a broker-side liquidation. Trading in it stops until they agree.
 */
export interface PositionBreak {
  symbol: string;
  ledgerQuantity: number;
  brokerQuantity: number;
  /** What the break most likely is, when the run could tell (a split that did not fit: see core/splits.ts). */
  likelyCause?: string;
}

/** One line of the plan: every ticker considered gets one, traded or not. */
export interface PlanLine {
  symbol: string;
  action: Action;
  /** Shares to trade, always >= 0 (0 when action is NONE). */
  quantity: Shares;
  currentQuantity: Shares;
  targetQuantity: Shares;
  /** Midpoint when bid and ask are valid, else last. Undefined when there is no price. */
  referencePrice?: Price;
  /** Tick-exact limit price; undefined when action is NONE. */
  limitPrice?: TickPrice;
  /** |target - current| x reference price, rounded to cents. */
  tradeValue: Cents;
  /** Target value in account currency, rounded to cents (0 for dropped tickers). */
  targetValue: Cents;
  targetWeight: number;
  currentWeight: number;
  estimatedCommission: Cents;
  /** Half the bid/ask spread times the quantity, rounded to cents. */
  estimatedSpreadCost: Cents;
  /** True when the system manages this ticker (in a forecast now or before). */
  managed: boolean;
  /** Previous close, when known (used by the price collar). */
  previousClose?: Price;
  primaryExchange?: string;
  currency?: string;
  /**
   * For a ticker quoted in another currency than the account's: the rate its prices and values were converted with
   * (base-currency units per one unit of `currency`), and when and where it was read. Absent for a ticker in the
   * account's currency (rate 1). Every value on the line (target, trade, current weight, costs) is in the account's
   * currency; quantities and prices are the contract's own.
   */
  fx?: ExchangeRate;
  /** The contract's price magnifier when more than 1 (a line quoted in pence: 100): values are price / it. */
  priceMagnifier?: number;
  reason: string;
  /** Set when trading in the ticker is blocked because its ledger and the broker's position disagree. */
  positionBreak?: PositionBreak;
}

export interface Breach {
  code: BreachCode;
  detail: string;
  /** Symbol the breach concerns, when it concerns one. */
  symbol?: string;
}

export type BreachCode =
  | 'INVALID_FORECAST'
  | 'STALE_FORECAST'
  | 'SHORT_NOT_ALLOWED'
  | 'MISSING_PRICE'
  | 'LEVERAGE_LIMIT'
  | 'POSITION_LIMIT'
  | 'ORDER_VALUE_LIMIT'
  /** An order whose quantity, limit price or value is not exactly representable or past a sane bound. */
  | 'ORDER_BOUNDS'
  | 'TURNOVER_LIMIT'
  | 'ORDER_COUNT_LIMIT'
  | 'DAILY_TURNOVER_LIMIT'
  | 'PRICE_COLLAR'
  | 'NAV_JUMP'
  | 'DAILY_LOSS_LIMIT'
  | 'MARGIN_CUSHION'
  | 'ACCOUNT_MISMATCH'
  | 'CANCEL_UNCONFIRMED'
  | 'BROKER_ERROR'
  | 'KILL_SWITCH'
  | 'POSITION_BREAK'
  | 'POSITION_BREAKS_LIMIT'
  /** Orders or fills with our orderRef prefix but a run id the records never made: halts, kill switch on. */
  | 'FOREIGN_ORDERS'
  | 'CURRENCY_MISMATCH'
  /** A currency's cash after the run's orders is a loan beyond MAX_CURRENCY_LOAN_PCT of NLV (see core/breakers-cash.ts). */
  | 'CURRENCY_LOAN_LIMIT'
  /** A strategy that traded before has no forecast file now (see core/strategies.ts): halts until restored or retired. */
  | 'STRATEGY_MISSING'
  /** The run passed its deadline (RUN_DEADLINE_MINUTES) before all its orders were sent. */
  | 'RUN_DEADLINE'
  /** Before an order: the plan grew older than MAX_PLAN_AGE_MINUTES, or its session closed meanwhile. */
  | 'STALE_PLAN'
  /** The run lock's file was removed or replaced during the run: another run may be running beside this one. */
  | 'LOCK_LOST'
  /** The machine's clock and the broker's differ by more than MAX_CLOCK_SKEW_SECONDS: sessions, ages and windows are unreliable. */
  | 'CLOCK_SKEW'
  /**
   * An order of an earlier day left the broker's view before its outcome was recorded (IB's API shows only the
   * current day's orders and executions): blocks its ticker until its executions are found in a statement or a
   * person accepts the broker's position.
   */
  | 'ORDER_OUTCOME_UNKNOWN';

/** Everything the pure planner needs; gathered by the run from the broker, the files and the store. */
export interface PlanInputs {
  /** The decision time (ISO 8601). The core never reads the clock. */
  now: string;
  account: AccountSummary;
  positions: BrokerPosition[];
  quotes: Record<string, Quote>;
  contracts: Record<string, ContractInfo>;
  /** Why the broker gave no contract or quote for a ticker (its own words, the fix when known): MISSING_PRICE says it. */
  priceProblems?: Record<string, string>;
  forecasts: Forecast[];
  /** Tickers the system has ever managed (were in a forecast at some run). */
  managedSymbols: string[];
  sizing: SizingConfig;
  limits: RiskLimits;
  /**
   * Exchange rates by currency for the tickers quoted in another currency than the account's (see
   * {@link ExchangeRate}). A ticker whose currency has no rate here is not sized: CURRENCY_MISMATCH halts the run.
   */
  exchangeRates?: Readonly<Record<string, ExchangeRate>>;
  /** Why a currency has no rate (the broker's words, by currency): CURRENCY_MISMATCH says it. */
  rateProblems?: Readonly<Record<string, string>>;
  /**
   * FX_POLICY=convert: currencies a conversion of ours moved just before the account was read, with why: the broker's
   * cash may not show it yet, so no conversion is planned in them this run.
   */
  conversionsSettling?: Readonly<Record<string, string>>;
  /** Breaches found before planning (forecast errors, broker problems, kill switch). */
  priorBreaches: Breach[];
  /** NLV of the last recorded snapshot, if any (for NAV_JUMP). */
  lastNetLiquidation?: number;
  /** NLV at the start of the trading day, if recorded (for DAILY_LOSS_LIMIT). */
  startOfDayNetLiquidation?: number;
  /**
   * Money that moved in (+) or out (-) without being a gain or a loss (deposits, withdrawals, dividends, interest,
   * fees: see core/cash-flows.ts), since the last snapshot and since the start of the day: NAV_JUMP and
   * DAILY_LOSS_LIMIT take them out. Absent: none known.
   */
  cashFlows?: { sinceLastSnapshot: number; sinceStartOfDay: number };
  /** Sum of trade values already sent today (for DAILY_TURNOVER_LIMIT). */
  tradedValueToday: number;
  /** Managed tickers whose ledger and broker position disagree: each is blocked (POSITION_BREAK). */
  positionBreaks?: PositionBreak[];
  /**
   * Tickers whose market does not take orders now while another market does (closed, in a no-trade window, or
   * with no hours known), each with the plan's reason: their orders are left for a later run, before the breakers
   * judge the orders that can go out.
   */
  marketHolds?: Readonly<Record<string, string>>;
  /**
   * Working orders of earlier runs on tickers whose market is closed now (what remains of them, by ticker): they may
   * be left as they stand and fill when their market opens, so the leverage the breakers judge counts them as filled.
   */
  workingOnClosed?: Readonly<Record<string, { action: 'BUY' | 'SELL'; quantity: number }>>;
}

/**
 * A currency conversion of the plan (FX_POLICY=convert): on the FX pair as the broker lists it, funding what this
 * run's orders spend in a currency the account lacks, or selling back to the account's currency what its sales
 * brought in. Every currency considered gets one; action NONE when none goes (reason says why).
 */
export interface ConversionLine {
  /** The pair as the broker names it (`USD.SGD`): the order's symbol and orderRef's ticker part. */
  symbol: string;
  /** The pair's first currency (the one `quantity` counts) and the one its price is quoted in. */
  pair: { symbol: string; currency: string };
  /** The foreign currency this line is about (one of the pair's two; the other is the account's). */
  currency: string;
  /** 'fund': buy `amount` of `currency` the run's orders need; 'sweep': sell `amount` its sales brought in. */
  purpose: 'fund' | 'sweep';
  action: Action;
  /** Whole units of pair.symbol; 0 when action is NONE. */
  quantity: number;
  /** Units of pair.currency per one of pair.symbol, on the pair's tick; undefined when action is NONE. */
  limitPrice?: number;
  /** The FX quote's midpoint. Undefined without a quote. */
  referencePrice?: number;
  /** How much of `currency` is to be funded or swept (before rounding to whole units of the pair). */
  amount: number;
  /** The order's value in the account's currency, to the cent (0 when action is NONE and no quote). */
  value: Cents;
  /** When the quote was read. */
  quotedAt?: string;
  /**
   * The rate of the pair's second currency when it is not the account's (SGD.HKD in an SGD account: HKD's), as a
   * stock line's `fx`: the order's price x quantity is in that currency. Absent on a pair quoted in the account's.
   */
  fx?: ExchangeRate;
  reason: string;
}

export interface Plan {
  now: string;
  netLiquidation: number;
  /** NLV x (1 - cash buffer): the base of all target values. */
  sizingNetLiquidation: number;
  lines: PlanLine[];
  breaches: Breach[];
  tradingState: TradingState;
  /** Gross exposure / NLV before and after the planned trades. */
  leverageBefore: number;
  leverageAfter: number;
  /** Sum of trade values of the orders that will be sent / NLV, in percent. */
  turnoverPct: number;
  /** FX_POLICY=convert: the run's currency conversions (none under borrow). Sent before the stock orders. */
  conversions?: ConversionLine[];
}
