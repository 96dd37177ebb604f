/**
 * The strategies the records remember, so that a strategy whose file disappears is noticed instead of read as
 * "this strategy holds nothing". Without this, a file lost by a failed deploy, a full disk or a typo turns every
 * ticker only that strategy wanted into "managed, wanted by no forecast", and the next run sells its whole book.
 *
 * Every strategy of a plan the run acted on is recorded (name, file, first and last seen, the tickers it wanted
 * last). A recorded strategy that is neither retired nor in any forecast now is STRATEGY_MISSING, which halts the
 * run (HALTED: no order in any ticker) until its file is back or a person retires it: `rebalancer retire NAME
 * --reason TEXT`, or a file for it whose every weight is 0 ("this strategy holds nothing"). Once retired, its
 * tickers are like any other that no forecast wants: sold to zero if managed.
 *
 * Why the whole run and not only the strategy's tickers: the other files' targets are safe only if the capitals
 * of all strategies still sum to at most 1, and the capital of the missing one is unknown (a deploy that lost
 * carry.json may also have given its capital to trend.json). Pure: records and forecasts in, breaches out.
 */
import type { Breach, Forecast } from './types.js';

/** A strategy as one plan saw it: its file and the tickers it wants (weight other than 0), sorted. */
export interface StrategySighting {
  name: string;
  file: string;
  symbols: string[];
}

/** Who retired a strategy, when and why. */
export interface StrategyRetirement {
  at: string;
  /** `operator <user>` or `run <id>`. */
  source: string;
  reason: string;
}

/** A strategy the records remember. */
export interface StrategyRecord {
  name: string;
  /** The forecast file it was last read from. */
  lastFile: string;
  firstSeenAt: string;
  firstRunId: string;
  lastSeenAt: string;
  lastRunId: string;
  /** The tickers it wanted at its last sighting, sorted; empty when it wanted none. */
  lastSymbols: string[];
  /** Set while retired: a later sighting with tickers makes it active again. */
  retired?: StrategyRetirement;
}

/** What a plan's forecasts teach the records: every strategy seen, and those that now hold nothing. */
export interface StrategyUpdates {
  sightings: StrategySighting[];
  /** Strategies whose file wants no ticker and that are not retired yet: retired by the run. */
  retirements: { name: string; reason: string }[];
}

/** The forecasts as read: the valid ones, every file considered, and the problems. */
export interface ForecastsAsRead {
  forecasts: readonly Forecast[];
  files: readonly string[];
  breaches: readonly Breach[];
}

/** The sightings of a plan's forecasts, by name, and the retirements that files wanting nothing ask for. */
export function strategyUpdatesOf(known: readonly StrategyRecord[], forecasts: readonly Forecast[]): StrategyUpdates {
  const sightings = forecasts
    .map((f) => ({
      name: f.strategy,
      file: f.file,
      symbols: Object.keys(f.weights)
        .filter((s) => f.weights[s] !== 0)
        .sort(compareCodePoints),
    }))
    .sort((a, b) => compareCodePoints(a.name, b.name));
  const retiredNow = new Set(known.filter((k) => k.retired !== undefined).map((k) => k.name));
  const retirements = sightings
    .filter((s) => s.symbols.length === 0 && !retiredNow.has(s.name))
    .map((s) => ({ name: s.name, reason: `${s.file} holds no ticker with a weight other than 0` }));
  return { sightings, retirements };
}

/**
 * One STRATEGY_MISSING per remembered strategy that is not retired, wanted tickers at its last sighting, and is
 * named by no valid forecast now. A strategy whose last file is still there but could not be used (unreadable,
 * invalid, stale) is left to that file's own breach, which already halts the run.
 */
export function checkMissingStrategies(known: readonly StrategyRecord[], read: ForecastsAsRead): Breach[] {
  const present = new Set(read.forecasts.map((f) => f.strategy));
  const usedFiles = new Set(read.forecasts.map((f) => f.file));
  const considered = new Set(read.files);
  return [...known]
    .sort((a, b) => compareCodePoints(a.name, b.name))
    .filter((k) => k.retired === undefined && k.lastSymbols.length > 0 && !present.has(k.name))
    .filter((k) => !(considered.has(k.lastFile) && !usedFiles.has(k.lastFile) && read.breaches.length > 0))
    .map((k) => ({ code: 'STRATEGY_MISSING', detail: describeMissing(k) }));
}

function describeMissing(k: StrategyRecord): string {
  const tickers = k.lastSymbols.join(', ');
  return (
    `strategy "${k.name}" (last file ${k.lastFile}) has no forecast file: it traded before (last planned ${k.lastSeenAt}, ` +
    `run ${k.lastRunId}, wanting ${tickers}), so no order goes out, its positions are neither sold nor bought, ` +
    `until its file is back or a person retires it: ${retireCommandFor(k.name)}`
  );
}

const MISSING = /^strategy "([A-Za-z0-9_.-]+)" \(last file (.*)\) has no forecast file: /;

/** The strategy and last file a STRATEGY_MISSING breach names (for the alert's advice); undefined for any other breach. */
export function missingStrategyOf(b: Breach): { name: string; file: string } | undefined {
  if (b.code !== 'STRATEGY_MISSING') return undefined;
  const m = MISSING.exec(b.detail);
  return m === null ? undefined : { name: m[1] ?? '', file: m[2] ?? '' };
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The command that retires a strategy, as a person can type it (a name starting with "-" after "--"). */
export function retireCommandFor(name: string): string {
  return name.startsWith('-') ? `rebalancer retire --reason "why" -- ${name}` : `rebalancer retire ${name} --reason "why"`;
}
