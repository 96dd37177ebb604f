import type { Broker } from '../ports/broker.js';
import type { ForecastSource } from '../ports/forecast-source.js';
import type { RunStore } from '../ports/store.js';
import type { AccountSummary, Breach, BrokerPosition, ContractHint, ContractInfo, Execution, Forecast, Quote } from '../core/types.js';
import { tradingDayOf } from '../core/session.js';
import { contractMarketsOf, sessionRulesOf, type ContractMarket, type SessionRulesChoice } from '../core/session-rules.js';
import { judgeForecastAges, type ForecastAgeLimit } from '../core/forecast-age.js';
import { checkLedger, type LedgerState } from './check-ledger.js';
import { measureCashFlows, symbolsExecutedSinceLastRead, wholeDaysBetween, type CashFlowMeasure } from './measure-cash-flows.js';
import { statementFlows } from '../core/cash-flows.js';
import { findSplits } from './find-splits.js';
import { gatherExchangeRates, type RunRates } from './exchange-rates.js';
import { settlingConversions } from './settling-conversions.js';
import { magnifierDigits } from '../core/share-value.js';
import type { StatementSource } from '../ports/statements.js';
import type { StrategyRecord } from '../core/strategies.js';
import type { UnknownOutcome } from '../core/unknown-outcomes.js';

export interface GatherOptions {
  broker: Broker;
  store: RunStore;
  forecasts: ForecastSource;
  account: string;
  now: string;
  /** How old a forecast may be (forecastAgeLimitOf the settings), judged under the session rules of this run. */
  forecastAge: ForecastAgeLimit;
  /** Executions the broker reported that are not recorded (read-only callers): the ledger counts them too. */
  unrecordedExecutions?: Execution[];
  /** The run this gathering is for (a preview: none): its own reading is not its "last". */
  runId?: string;
  /** The run's clock, read when the account is read (default: `now`). */
  readClock?: () => string;
  /** The machine's clock onto the broker's and back (the run's BrokerClock); default: they agree. */
  brokerClock?: { toBroker(machineIso: string): string; toMachine(brokerIso: string): string };
  /** The broker's statements, when configured: a break that looks like a split is checked against their corporate actions. */
  statements?: StatementSource;
  /** FX_POLICY=convert: the FX market's quote of every foreign currency the contracts use (the conversions' prices). */
  fxQuotes?: boolean;
}

/**
 * Everything a decision is made from, read once: the broker's account, positions, contracts and quotes, the
 * strategies' forecasts, the figures of earlier runs the breakers compare against, the ledger, and the session
 * rules of the contracts. Plain data: `decide` turns it into a plan without reading anything else.
 */
export interface World {
  now: string;
  summary: AccountSummary;
  positions: BrokerPosition[];
  contracts: Record<string, ContractInfo>;
  quotes: Record<string, Quote>;
  /** The rates of the contracts' currencies other than the account's, and why a currency has none (exchange-rates.ts). */
  exchangeRates: RunRates;
  /** Why the broker gave no contract or no quote for a ticker, in its own words and with the fix when known. */
  priceProblems?: Record<string, string>;
  forecasts: Forecast[];
  /** Problems with the forecasts, as breaches (INVALID_FORECAST, STALE_FORECAST). */
  forecastBreaches: Breach[];
  forecastFiles: string[];
  /** Every strategy an earlier run planned with, as the records remember it (a missing one blocks the run). */
  strategies: StrategyRecord[];
  /** Tickers the system has ever managed. */
  managedSymbols: string[];
  lastNetLiquidation?: number;
  startOfDayNetLiquidation?: number;
  tradedValueToday: number;
  /** Ledger against broker for the managed tickers and the forecast tickers about to become managed. */
  ledger: LedgerState;
  /** Orders of earlier days whose outcome is Unknown and not accepted: each holds its ticker. */
  unknownOutcomes: UnknownOutcome[];
  /** Money that moved in or out since the last account read and since the day's first (see measure-cash-flows.ts). */
  cashFlows: CashFlowMeasure;
  /**
   * The run's session rules (the US contracts' hours, or our NYSE calendar), computed here once: how old a forecast
   * may be, the daily emails, the next scheduled run. Each ticker trades in its own market's hours: `markets`.
   */
  session: SessionRulesChoice;
  /** Each contract's market and the rules of its sessions (its own liquid hours; NYSE for US listings without). */
  markets: Record<string, ContractMarket>;
  /** Currencies a conversion of ours moved just before the account read, with why: none is planned in them (settling-conversions.ts). */
  conversionsSettling: Record<string, string>;
}

/**
 * The gathering of a run or a preview: read the account, positions, forecasts, contract details and quotes,
 * and the records. Never plans; never writes. A forecast problem is a breach in the world, not an exception.
 */
export async function gatherWorld(options: GatherOptions): Promise<World> {
  const { broker, store, account, now } = options;
  const readAt = options.readClock?.() ?? now;
  const summary = await broker.accountSummary(account);
  const positions = (await broker.positions(account)).filter((p) => p.quantity !== 0);
  const read = await options.forecasts.read(now);
  // The contracts of every forecast read, stale or not: their hours decide the sessions a forecast's age is counted in.
  const symbols = symbolsToPrice(read.forecasts, positions);
  // Why the broker left a ticker out (its own words and the fix): MISSING_PRICE says it.
  const leftOut: Record<string, string> = {};
  const contracts = withValuablePrices(await broker.contractDetails(symbols, contractHints(read.forecasts), leftOut), leftOut);
  const session = sessionRulesOf(contracts);
  const aged = judgeForecastAges(read.forecasts, now, options.forecastAge, session.rules);
  const quotes = await broker.quotes(symbolsToPrice(aged.fresh, positions), contracts, leftOut);
  const exchangeRates = await gatherExchangeRates(broker, summary, contracts, { fxQuotes: options.fxQuotes === true });
  const tradingDay = tradingDayOf(now);
  const managedSymbols = store.managedSymbols();
  const forecastSymbols = aged.fresh.flatMap((f) => Object.keys(f.weights));
  const checked = checkLedger(store, [...managedSymbols, ...forecastSymbols], positions, options.unrecordedExecutions);
  // A break that is a split (quantity, price and average cost moved by one ratio) agrees again, its split to record.
  const unknownOutcomes = store.unknownOutcomes();
  // The contracts of tickers executed since the last read that the run does not price (sold out, in no forecast):
  // the cash-flow measure needs their currency and price magnifier. Asked only when there are such tickers.
  const executed = symbolsExecutedSinceLastRead(store, options.runId ?? 'preview', options.brokerClock?.toBroker).filter(
    (s) => contracts[s] === undefined,
  );
  const executedContracts = executed.length === 0 ? {} : await broker.contractDetails(executed, {}, {});
  const measure = {
    runId: options.runId ?? 'preview',
    tradingDay,
    readAt,
    summary,
    positions,
    unknownOutcomes: unknownOutcomes.length,
    contractOf: (symbol: string) => contracts[symbol] ?? executedContracts[symbol],
    ...(options.brokerClock ?? {}),
  };
  const measured = measureCashFlows(store, measure);
  const cashFlows = await withStatementFlows(measured, { store, account, statements: options.statements, measure });
  const ledger = await findSplits(checked, { store, account, now, positions, quotes, statements: options.statements });
  return {
    now,
    summary,
    positions,
    contracts,
    quotes,
    exchangeRates,
    priceProblems: withoutPriced(leftOut, quotes),
    forecasts: aged.fresh,
    forecastBreaches: [...read.breaches, ...aged.breaches],
    forecastFiles: read.files,
    strategies: store.strategies(),
    managedSymbols,
    ...againstLastReads(cashFlows, store, tradingDay),
    tradedValueToday: store.tradedValueOn(tradingDay),
    ledger,
    unknownOutcomes,
    cashFlows,
    session,
    markets: contractMarketsOf(contracts),
    conversionsSettling: settlingConversions(store, {
      readAt,
      base: summary.currency,
      ...(options.unrecordedExecutions === undefined ? {} : { unrecorded: options.unrecordedExecutions }),
      ...(options.brokerClock === undefined ? {} : { toBroker: options.brokerClock.toBroker }),
    }),
  };
}

/**
 * The contracts whose prices can be valued exactly: a price magnifier (IB's, 100 for a line quoted in pence) must be
 * a power of ten. Any other leaves its ticker out, with the reason (MISSING_PRICE says it); never guessed.
 */
function withValuablePrices(contracts: Record<string, ContractInfo>, leftOut: Record<string, string>): Record<string, ContractInfo> {
  const out: Record<string, ContractInfo> = {};
  for (const [symbol, c] of Object.entries(contracts)) {
    if (c.priceMagnifier !== undefined && magnifierDigits(c.priceMagnifier) === undefined) {
      leftOut[symbol] =
        `the broker's price magnifier ${String(c.priceMagnifier)} is not a power of ten: its prices cannot be valued exactly`;
      continue;
    }
    out[symbol] = c;
  }
  return out;
}

/** The broker's reasons for the tickers that have no quote (a reason for a ticker quoted after all is stale). */
function withoutPriced(leftOut: Record<string, string>, quotes: Record<string, Quote>): Record<string, string> {
  return Object.fromEntries(Object.entries(leftOut).filter(([symbol]) => quotes[symbol] === undefined));
}

/** Every ticker the plan needs a price for: all forecast tickers and every held position. */
export function symbolsToPrice(forecasts: Forecast[], positions: BrokerPosition[]): string[] {
  const symbols = new Set<string>();
  for (const f of forecasts) for (const s of Object.keys(f.weights)) symbols.add(s);
  for (const p of positions) symbols.add(p.symbol);
  return [...symbols].sort();
}

function contractHints(forecasts: Forecast[]): Record<string, ContractHint> {
  const hints: Record<string, ContractHint> = {};
  for (const f of forecasts) {
    for (const [symbol, hint] of Object.entries(f.contracts)) hints[symbol] = { ...hints[symbol], ...hint };
  }
  return hints;
}

/**
 * NAV_JUMP and DAILY_LOSS_LIMIT compare with the account as earlier runs read it before deciding (the readings the
 * flows are measured from), when there are such readings; else with the snapshots, as before migration 0009.
 */
function againstLastReads(
  flows: CashFlowMeasure,
  store: RunStore,
  tradingDay: string,
): Pick<World, 'lastNetLiquidation' | 'startOfDayNetLiquidation'> {
  return {
    lastNetLiquidation: flows.last?.netLiquidation ?? store.latestSnapshot()?.netLiquidation,
    startOfDayNetLiquidation: flows.startOfDay?.netLiquidation ?? store.startOfDayNetLiquidation(tradingDay),
  };
}

/**
 * When no flow could be inferred between the readings (see core/cash-flows.ts), the broker's statement of the whole
 * days between them says what moved (deposits, withdrawals, interest, fees). A statement that cannot be had leaves
 * the flows unknown: the breakers judge NLV as it is, as they would without statements.
 */
async function withStatementFlows(
  measured: CashFlowMeasure,
  o: { store: RunStore; account: string; statements: StatementSource | undefined; measure: Parameters<typeof measureCashFlows>[1] },
): Promise<CashFlowMeasure> {
  if (o.statements === undefined || measured.inference?.kind !== 'unknown' || measured.last === undefined) return measured;
  const days = wholeDaysBetween(measured.last.readAt, o.measure.readAt);
  const first = days[0];
  const lastDay = days.at(-1);
  if (first === undefined || lastDay === undefined) return measured;
  try {
    const statement = await o.statements.statement(o.account, first, lastDay);
    if (statement.cashTransactions === undefined)
      return { ...measured, statementNote: `${o.statements.name} has no Cash Transactions section: add it to the Flex query` };
    const flows = statementFlows(statement.cashTransactions, { currency: o.measure.summary.currency, days: new Set(days) });
    return measureCashFlows(o.store, { ...o.measure, statementFlows: flows });
  } catch (error) {
    return { ...measured, statementNote: `${o.statements.name}: ${error instanceof Error ? error.message : String(error)}` };
  }
}
