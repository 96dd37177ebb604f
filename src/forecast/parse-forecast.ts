/**
 * Reading one forecast file's text into a `Forecast`, strictly. Nothing is repaired or guessed: a file either
 * satisfies every rule or is refused with every problem found, each naming the file, the field and the problem.
 * Pure: no I/O, no clock (age and "in the future" are checked by readForecasts, which knows the time).
 */
import type { Breach, Forecast } from '../core/types.js';
import { checkContracts, checkWeights } from './forecast-maps.js';
import { forecastShape, isJsonObject, issuesToProblems, parseZonedTime } from './forecast-schema.js';
import { describeValue, formatPath } from './json-path.js';
import { parseStrictJson, type JsonProblem } from './strict-json.js';

/** Beyond this many problems in one file the rest are counted, not listed: one bad file must not flood an email. */
export const MAX_PROBLEMS_PER_FILE = 50;

/** The most tickers one forecast file, and all of them together, may name unless MAX_TICKERS says otherwise. */
export const DEFAULT_MAX_TICKERS = 1000;

export interface ParseForecastOptions {
  /** MAX_TICKERS: a file naming more tickers is refused before any of them is checked. */
  maxTickers?: number;
}

export type ParseForecastResult = { ok: true; forecast: Forecast } | { ok: false; errors: Breach[] };

/**
 * Parses and validates the text of the forecast file `file` (used only in messages and as `Forecast.file`).
 *
 * Rules, all checked, all reported: JSON exactly (a UTF-8 byte order mark is allowed; `NaN`, `Infinity`,
 * numbers too large for a double, and duplicate keys anywhere are refused); an object with only the fields
 * `strategy`, `asOf`, `leverage`, `capital`, `weights`, `contracts`; see forecast-schema.ts and forecast-maps.ts
 * for each field's rule. `capital` defaults to 1 and `contracts` to `{}`; `asOf` is returned as the same
 * instant in UTC (`2026-11-20T16:05:00-05:00` becomes `2026-11-20T21:05:00Z`) so that later code can compare it.
 *
 * A file whose weights name more than `maxTickers` (MAX_TICKERS, default 1000) tickers is refused with that one
 * problem, before its tickers are checked, priced or planned: a runaway universe costs nothing more.
 *
 * Never throws. Every error is an `INVALID_FORECAST` breach whose detail reads `file: path: problem`.
 */
export function parseForecast(file: string, text: string, options: ParseForecastOptions = {}): ParseForecastResult {
  const json = parseStrictJson(text);
  if (!json.ok) return refuse(file, [{ path: [], problem: json.problem }]);
  const { value: root, rawNumbers } = json;
  const problems: JsonProblem[] = [...json.problems];
  if (!isJsonObject(root)) {
    return refuse(file, [...problems, { path: [], problem: `must hold a JSON object (got ${describeValue(root)})` }]);
  }

  const maxTickers = options.maxTickers ?? DEFAULT_MAX_TICKERS;
  const tickerCount = isJsonObject(root.weights) ? Object.keys(root.weights).length : 0;
  if (tickerCount > maxTickers) {
    const problem = `${tickerCount} tickers, more than MAX_TICKERS (${maxTickers}); split the universe or raise MAX_TICKERS`;
    return refuse(file, [{ path: ['weights'], problem }]);
  }

  const shape = forecastShape.safeParse(root);
  if (!shape.success) problems.push(...issuesToProblems(shape.error.issues, root, [], rawNumbers));
  // The maps are checked even when other fields are wrong, so one run reports everything to fix.
  const weights = isJsonObject(root.weights) ? checkWeights(root, root.weights, rawNumbers) : undefined;
  if (weights !== undefined) problems.push(...weights.problems);
  const tickers = new Set(isJsonObject(root.weights) ? Object.keys(root.weights) : []);
  const contracts = isJsonObject(root.contracts) ? checkContracts(root, root.contracts, tickers, rawNumbers) : undefined;
  if (contracts !== undefined) problems.push(...contracts.problems);

  const asOf = shape.success ? parseZonedTime(shape.data.asOf) : undefined;
  if (!shape.success || problems.length > 0 || weights === undefined || asOf === undefined || !asOf.ok) {
    return refuse(file, problems);
  }
  return {
    ok: true,
    forecast: {
      file,
      strategy: shape.data.strategy,
      asOf: asOf.utc,
      leverage: shape.data.leverage,
      capital: shape.data.capital ?? 1,
      weights: weights.weights,
      contracts: contracts?.contracts ?? {},
    },
  };
}

function refuse(file: string, problems: readonly JsonProblem[]): { ok: false; errors: Breach[] } {
  const details = [
    ...new Set(
      problems.map(({ path, problem }) => {
        const where = formatPath(path);
        return where === '' ? `${file}: ${problem}` : `${file}: ${where}: ${problem}`;
      }),
    ),
  ];
  // Unreachable by the checks above; kept so that a refusal can never be empty and pass for success.
  if (details.length === 0) details.push(`${file}: refused for an unknown reason`);
  const shown = details.slice(0, MAX_PROBLEMS_PER_FILE);
  if (details.length > shown.length) shown.push(`${file}: and ${details.length - shown.length} more problems`);
  return { ok: false, errors: shown.map((detail) => ({ code: 'INVALID_FORECAST', detail })) };
}
