import type { Broker } from '../ports/broker.js';
import type { RunStore } from '../ports/store.js';
import type {
  AccountSummary,
  Breach,
  BrokerPosition,
  ContractHint,
  Forecast,
  PlanInputs,
  RiskLimits,
  SizingConfig,
} from '../core/types.js';
import type { Execution } from '../core/types.js';
import { readForecasts } from '../forecast/read-forecasts.js';
import { tradingDayOf } from '../core/session.js';
import { checkLedger, type LedgerState } from './check-ledger.js';

export interface GatherOptions {
  broker: Broker;
  store: RunStore;
  account: string;
  now: string;
  forecastDir: string;
  maxForecastAgeHours: number;
  sizing: SizingConfig;
  limits: RiskLimits;
  /** Breaches already known (kill switch, unconfirmed cancels). */
  priorBreaches: Breach[];
  /** Executions the broker reported that are not recorded (read-only callers): the ledger counts them too. */
  unrecordedExecutions?: Execution[];
}

export interface Gathered {
  inputs: PlanInputs;
  summary: AccountSummary;
  positions: BrokerPosition[];
  forecastFiles: string[];
  /** Ledger against broker for the managed tickers and the forecast tickers about to become managed. */
  ledger: LedgerState;
}

/**
 * Steps 4 and 5 of a run: read the account, positions, forecasts, contract details and quotes, and the
 * figures of earlier runs the breakers compare against. Returns the planner's inputs; never plans.
 * A forecast problem is a breach in the inputs, not an exception: the run still snapshots and reports.
 */
export async function gatherPlanInputs(options: GatherOptions): Promise<Gathered> {
  const { broker, store, account, now } = options;
  const summary = await broker.accountSummary(account);
  const positions = (await broker.positions(account)).filter((p) => p.quantity !== 0);
  const read = await readForecasts(options.forecastDir, now, options.maxForecastAgeHours);
  const hints = contractHints(read.forecasts);
  const symbols = symbolsToPrice(read.forecasts, positions);
  const contracts = await broker.contractDetails(symbols, hints);
  const quotes = await broker.quotes(symbols, contracts);
  const tradingDay = tradingDayOf(now);
  const managedSymbols = store.managedSymbols();
  const forecastSymbols = read.forecasts.flatMap((f) => Object.keys(f.weights));
  const ledger = checkLedger(store, [...managedSymbols, ...forecastSymbols], positions, options.unrecordedExecutions);
  const inputs: PlanInputs = {
    now,
    account: summary,
    positions,
    quotes,
    contracts,
    forecasts: read.forecasts,
    managedSymbols,
    sizing: options.sizing,
    limits: options.limits,
    priorBreaches: [...options.priorBreaches, ...read.breaches],
    lastNetLiquidation: store.latestSnapshot()?.netLiquidation,
    startOfDayNetLiquidation: store.startOfDayNetLiquidation(tradingDay),
    tradedValueToday: store.tradedValueOn(tradingDay),
    positionBreaks: ledger.breaks,
  };
  return { inputs, summary, positions, forecastFiles: read.files, ledger };
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
