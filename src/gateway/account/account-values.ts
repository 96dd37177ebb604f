import { Decimal } from 'decimal.js';
import { NYSE_RULES, parseInstant, previousSessionClose, tradingDayOf } from '../../core/session.js';
import { printedRate } from '../../sim/fx-rates.js';
import type { LedgerStyle } from '../../sim/scenario-gateway.js';
import { marginFigures, toBaseFactor } from '../../sim/sim-state.js';
import type { GatewayAccount } from './gateway-account.js';

/**
 * The figures TWS serves about the account, from the simulated account's state: the margin figures IB puts in
 * the account summary and account updates, the cash ledger per currency, each position's portfolio values and
 * the daily, unrealised and realised P&L. Account-wide figures are in the base currency (other currencies at the
 * account's unrounded rates); each currency's ledger in that currency, with its rate as TWS prints it. Daily P&L is measured against the previous session's close: the
 * position held at that close at the close price, plus today's trades at their prices, commissions included.
 */

/** The account-wide figures, unrounded. */
export interface AccountFigures {
  account: string;
  currency: string;
  cash: Decimal;
  /** Dividends past their ex-date, not yet paid (negative for a short): in NetLiquidation and EquityWithLoanValue. */
  accruedDividend: Decimal;
  netLiquidation: Decimal;
  equityWithLoan: Decimal;
  previousEquityWithLoan: Decimal;
  grossPositionValue: Decimal;
  stockMarketValue: Decimal;
  initMargin: Decimal;
  maintMargin: Decimal;
  /** EquityWithLoanValue - InitMarginReq. */
  availableFunds: Decimal;
  /** EquityWithLoanValue - MaintMarginReq. */
  excessLiquidity: Decimal;
  /** Reg T margin account: four times the available funds. */
  buyingPower: Decimal;
  /** Special Memorandum Account, simplified: Reg T equity above the Reg T (initial) requirement, never negative. */
  sma: Decimal;
  /** ExcessLiquidity / NetLiquidation. */
  cushion: Decimal;
  /** GrossPositionValue / NetLiquidation. */
  leverage: Decimal;
  /** -1 (unlimited) at or above IB's $25,000 pattern day trader minimum, else 3. */
  dayTradesRemaining: number;
  unrealizedPnl: Decimal;
  realizedPnl: Decimal;
  dailyPnl: Decimal;
  /** The ledger of each currency held: the base first, then the others by code. */
  currencies: CurrencyFigures[];
  /** How the ledger is spelled on the wire (scenario `gateway.ledger`). */
  ledgerStyle: LedgerStyle;
}

/** One currency's ledger, in that currency. */
export interface CurrencyFigures {
  currency: string;
  cash: Decimal;
  stockMarketValue: Decimal;
  unrealizedPnl: Decimal;
  realizedPnl: Decimal;
  netDividend: Decimal;
  /** Base-currency units per one unit, unrounded (1 for the base currency). */
  rate: Decimal;
}

/** One position as the portfolio (UPDATE_PORTFOLIO_VALUE) and P&L messages report it. */
export interface PortfolioLine {
  symbol: string;
  /** The contract's currency: the line's money is in it. */
  currency: string;
  /** Turns the line's money into the base currency (1 for the base, and for a currency without a rate). */
  toBase: Decimal;
  position: number;
  marketPrice: number;
  marketValue: Decimal;
  averageCost: number;
  unrealizedPnl: Decimal;
  /** Realised today (since the previous session's close). */
  realizedPnl: Decimal;
  /** False when the position has not been traded today: IB then has no realised P&L for it (PNL_SINGLE). */
  tradedToday: boolean;
  dailyPnl: Decimal;
}

/** IB's pattern day trader equity minimum. */
const PDT_MINIMUM = 25_000;

/**
 * Every symbol with a position now or a trade today, with its portfolio line. A position closed today keeps a
 * line (position 0) while it has today's trades, as TWS keeps it in the portfolio for the day.
 */
export function portfolioLines(account: GatewayAccount): PortfolioLine[] {
  const state = account.state;
  const since = previousSessionClose(account.now, NYSE_RULES);
  const sinceMs = parseInstant(since).toMillis();
  const today = state.executions.filter((e) => parseInstant(e.time).toMillis() > sinceMs);
  const lines: PortfolioLine[] = [];
  for (const [symbol, pos] of Object.entries(state.positions)) {
    const trades = today.filter((e) => e.symbol === symbol);
    if (pos.quantity === 0 && trades.length === 0) continue;
    // In the currency itself, as IB's portfolio reports a pence line: quotes and execution prices are divided by its
    // priceMagnifier, average costs and commissions already are in it.
    const magnifier = account.contract(symbol).priceMagnifier ?? 1;
    const marketPrice = markOf(account, symbol, pos.avgCost);
    const marketValue = new Decimal(pos.quantity).times(marketPrice);
    const signed = (e: (typeof trades)[number]) => (e.side === 'BUY' ? e.quantity : -e.quantity);
    const heldAtClose = pos.quantity - trades.reduce((sum, e) => sum + signed(e), 0);
    const quotedClose = account.quote(symbol)?.close;
    const close = quotedClose === undefined ? marketPrice : new Decimal(quotedClose).div(magnifier).toNumber();
    // What today's trades cost (a sale brings cash in), commissions included.
    const spent = trades.reduce(
      (sum, e) => sum.plus(new Decimal(signed(e)).times(e.price).div(magnifier)).plus(e.commission),
      new Decimal(0),
    );
    const dailyPnl = marketValue.minus(new Decimal(heldAtClose).times(close)).minus(spent);
    const realizedToday = trades.length > 0 && pos.dayRealized?.since === since;
    const currency = account.contract(symbol).currency;
    lines.push({
      symbol,
      currency,
      toBase: toBaseFactor(state, account.fx(), currency),
      position: pos.quantity,
      marketPrice,
      marketValue,
      averageCost: pos.avgCost,
      unrealizedPnl: marketValue.minus(new Decimal(pos.quantity).times(pos.avgCost)),
      realizedPnl: new Decimal(realizedToday ? (pos.dayRealized?.pnl ?? 0) : 0),
      tradedToday: trades.length > 0,
      dailyPnl,
    });
  }
  return lines.sort((a, b) => a.symbol.localeCompare(b.symbol));
}

/** The account-wide figures, positions marked as in the account summary. */
export function accountFigures(account: GatewayAccount): AccountFigures {
  const state = account.state;
  const m = marginFigures(state, (symbol, avgCost) => markOf(account, symbol, avgCost), account.fx());
  const lines = portfolioLines(account);
  const sum = (pick: (l: PortfolioLine) => Decimal) => lines.reduce((total, l) => total.plus(pick(l).times(l.toBase)), new Decimal(0));
  const dailyPnl = sum((l) => l.dailyPnl);
  // A stock account: equity with loan value is the net liquidation value, accrued dividends included.
  const equityWithLoan = m.nlv;
  const today = tradingDayOf(account.now);
  const accruedToday = (state.dividendAccruals ?? [])
    .filter((a) => a.exDate === today)
    .reduce((sum, a) => sum.plus(a.amount), new Decimal(0));
  // As IB: a dividend credit accrual does not add to the funds available until paid; a debit (short) takes from them.
  const availableFunds = equityWithLoan.minus(m.initMargin).minus(Decimal.max(0, m.accruedDividend));
  const excessLiquidity = equityWithLoan.minus(m.maintMargin);
  const gross = m.long.plus(m.short);
  const ratio = (a: Decimal) => (m.nlv.gt(0) ? a.div(m.nlv) : new Decimal(0));
  return {
    account: state.account,
    currency: state.currency,
    cash: m.cash,
    accruedDividend: m.accruedDividend,
    netLiquidation: m.nlv,
    equityWithLoan,
    // Today's P&L counts the ex-date's price drop; the accrual booked today offsets it and was not in yesterday's equity.
    previousEquityWithLoan: equityWithLoan.minus(dailyPnl).minus(accruedToday),
    grossPositionValue: gross,
    stockMarketValue: m.long.minus(m.short),
    initMargin: m.initMargin,
    maintMargin: m.maintMargin,
    availableFunds,
    excessLiquidity,
    buyingPower: Decimal.max(0, availableFunds).times(4),
    sma: Decimal.max(0, availableFunds),
    cushion: ratio(excessLiquidity),
    leverage: ratio(gross),
    dayTradesRemaining: m.nlv.gte(PDT_MINIMUM) ? -1 : 3,
    unrealizedPnl: sum((l) => l.unrealizedPnl),
    realizedPnl: sum((l) => l.realizedPnl),
    dailyPnl,
    currencies: currencyFigures(account, lines, m.accruedDividend),
    ledgerStyle: account.ledgerStyle,
  };
}

/**
 * The ledger of each currency the account holds: the base currency, every other currency it has cash in, and the
 * currency of each position valued at a rate. Each in its own currency: cash, stock value, P&L.
 */
function currencyFigures(account: GatewayAccount, lines: readonly PortfolioLine[], accruedDividend: Decimal): CurrencyFigures[] {
  const state = account.state;
  const base = state.currency;
  const held = new Set([...Object.keys(state.foreignCash ?? {}), ...lines.filter((l) => l.position !== 0).map((l) => l.currency)]);
  const others = [...held].filter((c) => c !== base && account.exchangeRate(c) !== undefined).sort();
  return [base, ...others].map((currency) => {
    const mine = lines.filter((l) => l.currency === currency || (currency === base && account.exchangeRate(l.currency) === undefined));
    const sum = (pick: (l: PortfolioLine) => Decimal) => mine.reduce((total, l) => total.plus(pick(l)), new Decimal(0));
    return {
      currency,
      cash: new Decimal(currency === base ? state.cash : (state.foreignCash?.[currency] ?? 0)),
      stockMarketValue: sum((l) => l.marketValue),
      unrealizedPnl: sum((l) => l.unrealizedPnl),
      realizedPnl: sum((l) => l.realizedPnl),
      netDividend: currency === base ? accruedDividend : new Decimal(0),
      rate: account.exchangeRate(currency) ?? new Decimal(1),
    };
  });
}

/**
 * A position's mark per share in its currency itself: the last trade, else the midpoint, divided by the contract's
 * priceMagnifier (pence to pounds), else its average cost (as the simulated account marks).
 */
function markOf(account: GatewayAccount, symbol: string, avgCost: number): number {
  return account.markOf(symbol, avgCost);
}

/** An account value of money as TWS prints it: cents ("119000.00"). */
export function cents(value: Decimal): string {
  return value.toFixed(2);
}

/** A ledger amount as TWS prints it: cents, or up to four decimals when it has them ("7421167.7441"). */
export function ledgerAmount(value: Decimal): string {
  const four = value.toDecimalPlaces(4);
  return four.decimalPlaces() <= 2 ? four.toFixed(2) : four.toFixed();
}

/** One account value: key, value, currency ('' for a value without one, 'BASE' for the base currency's ledger). */
export type AccountValue = [key: string, value: string, currency: string];

/** The cash ledger's keys, per currency, as TWS lists them in account updates and the `$LEDGER` summary tags. */
export const LEDGER_KEYS = [
  'AccountOrGroup',
  'AccruedCash',
  'CashBalance',
  'CorporateBondValue',
  'Cryptocurrency',
  'Currency',
  'ExchangeRate',
  'FundValue',
  'FutureOptionValue',
  'FuturesPNL',
  'FxCashBalance',
  'IssuerOptionValue',
  'MoneyMarketFundValue',
  'MutualFundValue',
  'NetDividend',
  'NetLiquidationByCurrency',
  'OptionMarketValue',
  'RealCurrency',
  'RealizedPnL',
  'StockMarketValue',
  'TBillValue',
  'TBondValue',
  'TotalCashBalance',
  'UnrealizedPnL',
  'WarrantValue',
] as const;

/** Where ledger rows go: the account summary, or account updates (reqAccountUpdates and reqAccountUpdatesMulti). */
export type LedgerPlace = 'summary' | 'updates';

/**
 * The ledger of one currency: `BASE` (every currency together, in the base currency, rate 1) or a currency the
 * account holds (its own amounts, its rate as TWS prints it: 7 significant digits). BASE is computed from the
 * unrounded rates and rounded on its own, so it is not exactly the sum of each currency times its printed rate,
 * as at IB. Undefined for a currency the account does not hold. Keys carry the `$LEDGER-` prefix where the
 * scenario's `gateway.ledger.keyPrefix` puts it; `exchangeRateText` replaces (or, null, leaves out) a rate.
 */
export function ledger(f: AccountFigures, currency: string, place: LedgerPlace): AccountValue[] | undefined {
  const isBase = currency === 'BASE';
  const c = isBase ? undefined : f.currencies.find((x) => x.currency === currency);
  if (!isBase && c === undefined) return undefined;
  const zero = ledgerAmount(new Decimal(0));
  const rateText = isBase ? '1.00' : rateTextOf(f, c?.currency ?? currency, c?.rate ?? new Decimal(1));
  const cash = ledgerAmount(c?.cash ?? f.cash);
  const values: Record<(typeof LEDGER_KEYS)[number], string | null> = {
    AccountOrGroup: f.account,
    AccruedCash: zero,
    CashBalance: cash,
    CorporateBondValue: zero,
    Cryptocurrency: zero,
    Currency: currency,
    ExchangeRate: rateText,
    FundValue: zero,
    FutureOptionValue: zero,
    FuturesPNL: zero,
    FxCashBalance: zero,
    IssuerOptionValue: zero,
    MoneyMarketFundValue: zero,
    MutualFundValue: zero,
    // The ledger's dividends receivable (payable when short): the accruals not yet paid.
    NetDividend: ledgerAmount(c?.netDividend ?? f.accruedDividend),
    NetLiquidationByCurrency: ledgerAmount(c === undefined ? f.netLiquidation : c.cash.plus(c.stockMarketValue).plus(c.netDividend)),
    OptionMarketValue: zero,
    // IB's RealCurrency of BASE is the base currency's code.
    RealCurrency: isBase ? f.currency : currency,
    RealizedPnL: ledgerAmount(c?.realizedPnl ?? f.realizedPnl),
    StockMarketValue: ledgerAmount(c?.stockMarketValue ?? f.stockMarketValue),
    TBillValue: zero,
    TBondValue: zero,
    TotalCashBalance: cash,
    UnrealizedPnL: ledgerAmount(c?.unrealizedPnl ?? f.unrealizedPnl),
    WarrantValue: zero,
  };
  const { keyPrefix } = f.ledgerStyle;
  const prefix = keyPrefix === 'all' || (keyPrefix === 'updates' && place === 'updates') ? '$LEDGER-' : '';
  return LEDGER_KEYS.flatMap((key): AccountValue[] => {
    const value = values[key];
    return value === null ? [] : [[`${prefix}${key}`, value, currency]];
  });
}

/** The currencies of `$LEDGER:ALL`: BASE, then each currency held. */
export function ledgerCurrencies(f: AccountFigures): string[] {
  return ['BASE', ...f.currencies.map((c) => c.currency)];
}

/** A currency's ExchangeRate as sent: the scenario's text for it when it has one (null: left out), else the rate. */
function rateTextOf(f: AccountFigures, currency: string, rate: Decimal): string | null {
  const forced = f.ledgerStyle.exchangeRateText[currency];
  if (forced !== undefined) return forced;
  return currency === f.currency ? '1.00' : printedRate(rate);
}

/**
 * The account-wide values TWS sends in the account summary, by tag, with their currency ('' for the ratios,
 * counts and texts). AvailableFunds comes from the initial margin, ExcessLiquidity from the maintenance margin.
 */
export function summaryValues(f: AccountFigures): Record<string, [value: string, currency: string]> {
  const c = f.currency;
  const m = (d: Decimal): [string, string] => [cents(d), c];
  return {
    AccountType: ['INDIVIDUAL', ''],
    NetLiquidation: m(f.netLiquidation),
    TotalCashValue: m(f.cash),
    SettledCash: m(f.cash),
    AccruedCash: m(new Decimal(0)),
    BuyingPower: m(f.buyingPower),
    EquityWithLoanValue: m(f.equityWithLoan),
    PreviousEquityWithLoanValue: m(f.previousEquityWithLoan),
    GrossPositionValue: m(f.grossPositionValue),
    RegTEquity: m(f.equityWithLoan),
    RegTMargin: m(f.initMargin),
    SMA: m(f.sma),
    InitMarginReq: m(f.initMargin),
    MaintMarginReq: m(f.maintMargin),
    AvailableFunds: m(f.availableFunds),
    ExcessLiquidity: m(f.excessLiquidity),
    Cushion: [ratioText(f.cushion), ''],
    FullInitMarginReq: m(f.initMargin),
    FullMaintMarginReq: m(f.maintMargin),
    FullAvailableFunds: m(f.availableFunds),
    FullExcessLiquidity: m(f.excessLiquidity),
    // No margin change is scheduled for a stock account: nothing ahead differs from now.
    LookAheadNextChange: ['0', ''],
    LookAheadInitMarginReq: m(f.initMargin),
    LookAheadMaintMarginReq: m(f.maintMargin),
    LookAheadAvailableFunds: m(f.availableFunds),
    LookAheadExcessLiquidity: m(f.excessLiquidity),
    HighestSeverity: ['0', ''],
    DayTradesRemaining: [String(f.dayTradesRemaining), ''],
    Leverage: [ratioText(f.leverage), ''],
  };
}

/**
 * The account values of reqAccountUpdates (UPDATE_ACCOUNT_VALUE), by key then currency (TWS sends them in
 * alphabetical order of key): the
 * account-wide values (most also with the securities segment's `-S` copy), and the ledger of BASE and of
 * each currency held.
 */
export function accountUpdateValues(f: AccountFigures): AccountValue[] {
  const s = summaryValues(f);
  const money = (key: string, tag = key): AccountValue[] => {
    const [value, currency] = s[tag] ?? ['', ''];
    return [
      [key, value, currency],
      [`${key}-S`, value, currency],
    ];
  };
  const plain = (key: string, tag = key): AccountValue => {
    const [value, currency] = s[tag] ?? ['', ''];
    return [key, value, currency];
  };
  const accrued = cents(f.accruedDividend);
  const account: AccountValue[] = [
    ['AccountCode', f.account, ''],
    ['AccountReady', 'true', ''],
    // Served in account updates only: IB's account summary has no such tag.
    ['AccruedDividend', accrued, f.currency],
    ['AccruedDividend-S', accrued, f.currency],
    plain('AccountType'),
    ...money('AvailableFunds'),
    plain('BuyingPower'),
    plain('Cushion'),
    plain('DayTradesRemaining'),
    ...money('EquityWithLoanValue'),
    ...money('ExcessLiquidity'),
    ...money('FullAvailableFunds'),
    ...money('FullExcessLiquidity'),
    ...money('FullInitMarginReq'),
    ...money('FullMaintMarginReq'),
    ...money('GrossPositionValue'),
    ...money('InitMarginReq'),
    ['Leverage-S', s.Leverage?.[0] ?? '', ''],
    ...money('LookAheadAvailableFunds'),
    ...money('LookAheadExcessLiquidity'),
    ...money('LookAheadInitMarginReq'),
    ...money('LookAheadMaintMarginReq'),
    plain('LookAheadNextChange'),
    ...money('MaintMarginReq'),
    ...money('NetLiquidation'),
    ...money('PreviousDayEquityWithLoanValue', 'PreviousEquityWithLoanValue'),
    ...money('RegTEquity'),
    ...money('RegTMargin'),
    ...money('SMA'),
    ...money('TotalCashValue'),
  ];
  const ledgers = ledgerCurrencies(f).flatMap((ccy) => ledger(f, ccy, 'updates') ?? []);
  const order = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return [...account, ...ledgers].sort((a, b) => order(a[0], b[0]) || order(a[2], b[2]));
}

/** A ratio as TWS prints Cushion and Leverage: up to six decimals, no trailing zeros ("0.960084", "1"). */
export function ratioText(value: Decimal): string {
  return value.toDecimalPlaces(6).toFixed();
}
