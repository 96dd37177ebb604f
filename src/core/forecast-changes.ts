/**
 * What changed in the strategies' forecasts since the last run: the "why" behind a plan's orders, at the level of
 * the strategy ("trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%)"), where a plan line only says BUY 55 NVDA.
 *
 * Each run records the valid forecasts it planned with (not a dry run, not `plan`); this compares the forecasts of
 * now with the latest recorded forecast of each strategy. Figures are compared as they are shown (leverage to 0.01,
 * capital and weights to 0.1 percentage point) and must also differ by at least half that step: a weight rewritten
 * with noise in its 10th decimal is no change. A weight of 0 is no ticker. Pure.
 */
import type { Forecast } from './types.js';

/** The figures of a forecast that are recorded and compared. */
export type ForecastFigures = Pick<Forecast, 'strategy' | 'file' | 'asOf' | 'leverage' | 'capital' | 'weights'>;

/** A forecast as a run recorded it. */
export interface RecordedForecast extends ForecastFigures {
  runId: string;
}

/** How many tickers of each kind (added, removed, changed) a line names; the rest are counted. */
export const LISTED_PER_KIND = 5;

const MISSING_NOTE = "not in this run's forecasts (its file missing, invalid or stale): nothing recorded for it";

/**
 * One line per strategy that changed, in the order of `current`, then one per strategy of the last recording run
 * that is not in `current`. `previous`: the latest recorded forecast of each strategy, oldest first (as recorded):
 * the last one's run is "the last run". No previous forecast at all: each strategy's line says it is the first.
 * Empty when nothing changed.
 */
export function forecastChanges(
  previous: readonly RecordedForecast[],
  current: readonly ForecastFigures[],
  listed: number = LISTED_PER_KIND,
): string[] {
  const lastRunId = previous.at(-1)?.runId;
  const before = new Map(previous.map((p) => [p.strategy, p]));
  const now = new Set(current.map((c) => c.strategy));
  // Absent now, and recorded by the last run: news. Absent since an earlier run: said then.
  const gone = previous.filter((p) => !now.has(p.strategy) && p.runId === lastRunId);
  const renamedFrom = new Map<string, RecordedForecast>();
  for (const c of current) {
    if (before.has(c.strategy)) continue;
    const old = gone.find((g) => g.file === c.file && ![...renamedFrom.values()].includes(g));
    if (old !== undefined) renamedFrom.set(c.strategy, old);
  }
  const lines: string[] = [];
  for (const c of current) {
    const old = before.get(c.strategy);
    const from = renamedFrom.get(c.strategy);
    if (old !== undefined) {
      const parts = changesOf(old, c, listed);
      if (parts.length > 0) lines.push(`${labelOf(c)}: ${parts.join('; ')}`);
    } else if (from !== undefined) {
      lines.push(`${labelOf(c)}: ${[`renamed from ${from.strategy}`, ...changesOf(from, c, listed)].join('; ')}`);
    } else {
      const what = previous.length === 0 ? 'first forecast (none recorded before)' : 'new strategy';
      lines.push(`${labelOf(c)}: ${what}: ${describeForecast(c, listed)}`);
    }
  }
  const renamed = new Set(renamedFrom.values());
  for (const g of gone) if (!renamed.has(g)) lines.push(`${labelOf(g)}: ${MISSING_NOTE}`);
  return lines;
}

/** The lines for the console under "== what changed since the last run". */
export function formatForecastChanges(lines: readonly string[]): string[] {
  return lines.length === 0 ? ['no change in the forecasts since the last run'] : [...lines];
}

/** The file's name, and the strategy's when it is not the file's name without `.json`. */
function labelOf(f: Pick<ForecastFigures, 'file' | 'strategy'>): string {
  const name = f.file.split(/[\\/]/).at(-1) ?? f.file;
  return name === `${f.strategy}.json` ? name : `${name} (${f.strategy})`;
}

function changesOf(old: ForecastFigures, now: ForecastFigures, listed: number): string[] {
  const parts: string[] = [];
  if (differs(old.leverage, now.leverage, 0.01)) parts.push(`leverage ${lev(old.leverage)} -> ${lev(now.leverage)}`);
  if (differs(old.capital, now.capital, 0.001)) parts.push(`capital ${pct(old.capital)} -> ${pct(now.capital)}`);
  const was = held(old.weights);
  const is = held(now.weights);
  const added = [...is.keys()].filter((s) => !was.has(s)).sort(byMagnitude(is));
  const removed = [...was.keys()].filter((s) => !is.has(s)).sort(byMagnitude(was));
  const changed = [...is.keys()]
    .filter((s) => was.has(s) && differs(was.get(s) ?? 0, is.get(s) ?? 0, 0.001))
    .map((s) => ({ s, from: was.get(s) ?? 0, to: is.get(s) ?? 0 }))
    .sort((a, b) => tenths(b.to - b.from) - tenths(a.to - a.from) || compare(a.s, b.s));
  if (added.length > 0)
    parts.push(
      listOf(
        'added',
        added.map((s) => `${s} (${pct(is.get(s) ?? 0)})`),
        listed,
      ),
    );
  if (removed.length > 0) parts.push(listOf('removed', removed, listed));
  if (changed.length > 0) {
    const named = changed.slice(0, listed).map((c) => `${c.s} ${pct(c.from)} -> ${pct(c.to)}`);
    parts.push(
      changed.length <= listed
        ? named.join(', ')
        : `${changed.length} weights changed, the largest: ${named.join(', ')} and ${changed.length - listed} more`,
    );
  }
  return parts;
}

function describeForecast(f: ForecastFigures, listed: number): string {
  const weights = held(f.weights);
  const tickers = [...weights.keys()].sort(byMagnitude(weights));
  const named = tickers.slice(0, listed).map((s) => `${s} ${pct(weights.get(s) ?? 0)}`);
  const more = tickers.length > listed ? ` and ${tickers.length - listed} more` : '';
  const list = tickers.length === 0 ? '' : `: ${named.join(', ')}${more}`;
  return `leverage ${lev(f.leverage)}, capital ${pct(f.capital)}, ${tickers.length} ticker${tickers.length === 1 ? '' : 's'}${list}`;
}

function listOf(verb: string, items: string[], listed: number): string {
  if (items.length <= listed) return `${verb} ${items.join(', ')}`;
  return `${verb} ${items.length} tickers: ${items.slice(0, listed).join(', ')} and ${items.length - listed} more`;
}

/** The tickers with a weight other than 0. */
function held(weights: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(weights).filter(([, w]) => w !== 0));
}

/** Largest weight first (by magnitude), then by ticker. */
function byMagnitude(weights: Map<string, number>): (a: string, b: string) => number {
  return (a, b) => tenths(weights.get(b) ?? 0) - tenths(weights.get(a) ?? 0) || compare(a, b);
}

/** A weight's magnitude in tenths of a percentage point, as ordered: ties as shown are broken by ticker. */
function tenths(x: number): number {
  return Math.round(Math.abs(x) * 1e4) / 10;
}

/** Shown differently, and by at least half the step shown: no noise, whichever way a boundary rounds. */
function differs(a: number, b: number, step: number): boolean {
  const show = step === 0.01 ? lev : pct;
  return Math.abs(a - b) >= step / 2 && show(a) !== show(b);
}

function lev(x: number): string {
  return noMinusZero(x.toFixed(2));
}

function pct(x: number): string {
  return `${noMinusZero((x * 100).toFixed(1))}%`;
}

function noMinusZero(s: string): string {
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
