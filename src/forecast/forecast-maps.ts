/**
 * Entry-by-entry checks of the two maps keyed by ticker: `weights` and `contracts`.
 * Written out rather than as `z.record`, which drops a `__proto__` key unchecked; every key is looked at here.
 */
import type { ContractHint } from '../core/types.js';
import { contractHintSchema, issuesToProblems, weightSchema } from './forecast-schema.js';
import { formatPath } from './json-path.js';
import type { JsonObject, JsonProblem } from './strict-json.js';

/** The absolute weights may exceed 1 by this much: float sums of fractions written with many decimals. */
export const WEIGHT_SUM_TOLERANCE = 1e-9;
export const MAX_TICKER_LENGTH = 12;

// An uppercase letter, then letters and digits, with at most one separator followed by more of them.
const TICKER = /^[A-Z][A-Z0-9]*(?:[.\- ][A-Z0-9]+)?$/;

/** Why `key` is not a ticker, or undefined when it is one (`AAPL`, `BRK.B`, `BF-B`, `BRK B`). */
export function tickerProblem(key: string): string | undefined {
  if (key.length <= MAX_TICKER_LENGTH && TICKER.test(key)) return undefined;
  return (
    `not a valid ticker: 1-${MAX_TICKER_LENGTH} characters, an uppercase letter first, then uppercase letters ` +
    'or digits with at most one ".", "-" or " " separator (as in AAPL, BRK B; with BROKER=ib write share classes as IB does, with a space)'
  );
}

/** Checks every ticker and weight, then the weights together. `weights` holds the entries that passed. */
export function checkWeights(
  root: JsonObject,
  map: JsonObject,
  rawNumbers: ReadonlyMap<string, string>,
): { problems: JsonProblem[]; weights: Record<string, number> } {
  const problems: JsonProblem[] = [];
  const weights: Record<string, number> = {};
  const spellings = new Map<string, string>();
  let absoluteSum = 0;
  const entries = Object.entries(map);
  if (entries.length === 0) {
    problems.push({ path: ['weights'], problem: 'has no tickers: at least one is required (a weight of 0 holds none)' });
  }
  for (const [ticker, value] of entries) {
    const path = ['weights', ticker];
    const badTicker = tickerProblem(ticker);
    if (badTicker !== undefined) problems.push({ path, problem: badTicker });
    // BRK.B, BRK-B and BRK B are one stock; two spellings in one file would double its target.
    const canonical = ticker.replace(/[.\- ]/, ' ');
    const earlier = spellings.get(canonical);
    if (badTicker === undefined && earlier !== undefined) {
      const problem = `same ticker as ${formatPath(['weights', earlier])} ("." "-" and " " are the same separator)`;
      problems.push({ path, problem });
    }
    spellings.set(canonical, earlier ?? ticker);
    if (typeof value === 'number' && Number.isFinite(value)) absoluteSum += Math.abs(value);
    const checked = weightSchema.safeParse(value);
    if (!checked.success) problems.push(...issuesToProblems(checked.error.issues, root, path, rawNumbers));
    else if (badTicker === undefined) weights[ticker] = checked.data; // a valid ticker is never "__proto__"
  }
  if (absoluteSum > 1 + WEIGHT_SUM_TOLERANCE) {
    const sum = String(Number(absoluteSum.toPrecision(12)));
    problems.push({ path: ['weights'], problem: `absolute weights sum to ${sum}; at most 1 is allowed (the rest is cash)` });
  }
  return { problems, weights };
}

/** Checks each ticker's contract hints; a hint for a ticker that is not in `weights` is a mistake too. */
export function checkContracts(
  root: JsonObject,
  map: JsonObject,
  tickers: ReadonlySet<string>,
  rawNumbers: ReadonlyMap<string, string>,
): { problems: JsonProblem[]; contracts: Record<string, ContractHint> } {
  const problems: JsonProblem[] = [];
  const contracts: Record<string, ContractHint> = {};
  for (const [ticker, value] of Object.entries(map)) {
    const path = ['contracts', ticker];
    if (!tickers.has(ticker)) {
      problems.push({ path, problem: 'not in weights: contract hints are only for tickers in weights' });
    }
    const checked = contractHintSchema.safeParse(value);
    if (!checked.success) {
      problems.push(...issuesToProblems(checked.error.issues, root, path, rawNumbers));
      continue;
    }
    const { primaryExchange, currency } = checked.data;
    const hint: ContractHint = {};
    if (primaryExchange !== undefined) hint.primaryExchange = primaryExchange;
    if (currency !== undefined) hint.currency = currency;
    // Only a valid ticker is kept, so no key such as "__proto__" is ever assigned.
    if (tickers.has(ticker) && tickerProblem(ticker) === undefined) contracts[ticker] = hint;
  }
  return { problems, contracts };
}
