/**
 * Reading the forecast directory: every strategy's file, each read safely and checked strictly, then the set
 * checked as a whole. Problems come back as breaches, never as exceptions, so the run can block and say why.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Breach, Forecast } from '../core/types.js';
import { checkCapitalSum, checkForecastTime, checkStrategyNames, checkUniverse } from './check-forecast-set.js';
import { parseZonedTime } from './forecast-schema.js';
import { DEFAULT_MAX_TICKERS, parseForecast } from './parse-forecast.js';
import { describeError, nodeStableReadIo, readStableFile, type StableReadIo, type StableReadOptions } from './read-stable-file.js';

export interface ReadForecastsResult {
  /** The forecasts with no problem at all. When `breaches` is not empty this set is incomplete: do not trade on it. */
  forecasts: Forecast[];
  breaches: Breach[];
  /** Every forecast file considered, as `join(dir, name)`, sorted by name. */
  files: string[];
}

// Names a writer uses while a file is incomplete, and hidden files (editors' swap files, .gitkeep).
const IGNORED = [/^\./, /\.tmp$/, /\.part$/, /\.partial$/, /~$/];

/**
 * Reads the forecast files in `dir`: every `*.json` directly in it, in name order, except names that start
 * with `.` or end in `.tmp`, `.part`, `.partial` or `~`.
 *
 * A strategy must write its file whole: write `name.json.tmp` (ignored here) and rename it to `name.json`, which
 * replaces the old file at once (a rename while we read is harmless: we read the version we opened). As a second
 * guard a file is read only when the open file's size and modification time are the same before and after the
 * read (three tries, then "file changed while being read"): a file written in place is caught half-way.
 *
 * INVALID_FORECAST for: a missing or unreadable directory; no forecast file at all (no targets must never mean
 * "sell everything"); a file that cannot be read, is not a regular file (a FIFO, a device: refused on the open
 * descriptor, which opens without blocking), does not answer within 10 s, is over 5 MB, is not UTF-8, or breaks a rule of
 * parseForecast; `asOf` more than 5 minutes after `now`; one strategy in two files; capitals summing over 1.
 * Ages are not judged here: how old a forecast may be depends on the exchange's sessions, which the run knows
 * only once it has the contracts (core/forecast-age.ts, applied by gatherWorld). `forecasts` holds every file
 * with no problem but its age.
 *
 * INVALID_FORECAST, and no forecast at all returned, when the files together name more than `limits.maxTickers`
 * (MAX_TICKERS, default 1000) tickers; one file past it is refused by parseForecast.
 *
 * `now` is an ISO 8601 time with a zone. Never throws; `io` and `readOptions` are for tests.
 */
export async function readForecasts(
  dir: string,
  now: string,
  io: StableReadIo = nodeStableReadIo,
  readOptions?: StableReadOptions,
  limits: { maxTickers?: number } = {},
): Promise<ReadForecastsResult> {
  const maxTickers = limits.maxTickers ?? DEFAULT_MAX_TICKERS;
  const breaches: Breach[] = [];
  const invalid = (detail: string): void => void breaches.push({ code: 'INVALID_FORECAST', detail });
  const clock = parseZonedTime(now);
  if (!clock.ok) invalid(`cannot check forecast ages: now ${JSON.stringify(now)} ${clock.problem}`);

  const listing = await listForecastFiles(dir);
  if (!listing.ok) {
    invalid(listing.problem);
    return { forecasts: [], breaches, files: [] };
  }
  for (const name of listing.miscased) {
    invalid(`${join(dir, name)}: the extension must be .json in lower case; the file was not read`);
  }
  if (listing.names.length === 0) {
    const why = 'refusing to plan without targets, which would sell every managed position';
    invalid(`no forecast files (*.json) in ${dir}: ${why}`);
  }

  const files = listing.names.map((name) => join(dir, name));
  const parsed: Forecast[] = [];
  const timely = new Set<Forecast>();
  for (const file of files) {
    try {
      const forecast = await readOne(file, io, readOptions, breaches, maxTickers);
      if (forecast === undefined) continue;
      parsed.push(forecast);
      const timing = clock.ok ? checkForecastTime(forecast, clock.millis) : undefined;
      if (timing !== undefined) breaches.push(timing);
      else if (clock.ok) timely.add(forecast);
    } catch (error) {
      // Not expected (every step returns its problems); still a breach, so the run blocks instead of crashing.
      invalid(`${file}: unexpected error while reading (${describeError(error)})`);
    }
  }

  // Across files: judged on every file that parsed, so that a stale file cannot hide a clash.
  breaches.push(...checkStrategyNames(parsed));
  const capital = checkCapitalSum(parsed);
  if (capital !== undefined) breaches.push(capital);
  // A universe past the cap is refused whole: no ticker of it is priced, and no file alone can be trusted to trade.
  const universe = checkUniverse(parsed, maxTickers);
  if (universe !== undefined) breaches.push(universe);
  const strategyCount = new Map<string, number>();
  for (const { strategy } of parsed) strategyCount.set(strategy, (strategyCount.get(strategy) ?? 0) + 1);
  const unique = (forecast: Forecast): boolean => strategyCount.get(forecast.strategy) === 1;
  const forecasts = capital === undefined && universe === undefined ? parsed.filter((f) => timely.has(f) && unique(f)) : [];
  return { forecasts, breaches, files };
}

/** One file read, decoded and parsed; its problems go to `breaches`. */
async function readOne(
  file: string,
  io: StableReadIo,
  readOptions: StableReadOptions | undefined,
  breaches: Breach[],
  maxTickers: number,
): Promise<Forecast | undefined> {
  const read = await readStableFile(file, io, readOptions);
  const text = read.ok ? decodeUtf8(read.bytes) : read;
  if (!text.ok) {
    breaches.push({ code: 'INVALID_FORECAST', detail: `${file}: ${text.problem}` });
    return undefined;
  }
  const result = parseForecast(file, text.text, { maxTickers });
  if (result.ok) return result.forecast;
  breaches.push(...result.errors);
  return undefined;
}

type Listing = { ok: true; names: string[]; miscased: string[] } | { ok: false; problem: string };

async function listForecastFiles(dir: string): Promise<Listing> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    if (code === 'ENOENT') return { ok: false, problem: `forecast directory ${dir} does not exist` };
    if (code === 'ENOTDIR') return { ok: false, problem: `forecast directory ${dir} is not a directory` };
    return { ok: false, problem: `cannot list forecast directory ${dir} (${describeError(error)})` };
  }
  const considered = names.filter((name) => !IGNORED.some((pattern) => pattern.test(name))).sort();
  return {
    ok: true,
    names: considered.filter((name) => name.endsWith('.json')),
    // "trend.JSON" is surely meant as a forecast; skipping it quietly would drop a strategy's positions.
    miscased: considered.filter((name) => !name.endsWith('.json') && name.toLowerCase().endsWith('.json')),
  };
}

function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; problem: string } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { ok: false, problem: 'the file is UTF-16 text; save it as UTF-8' };
  }
  try {
    // fatal: a stray byte must not turn into U+FFFD inside a ticker or a number without anyone noticing.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    return { ok: false, problem: 'not valid UTF-8 text' };
  }
}
