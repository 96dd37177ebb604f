import { describe, expect, it } from 'vitest';
import { forecastChanges, formatForecastChanges, type ForecastFigures, type RecordedForecast } from '../../src/core/forecast-changes.js';

const trend: ForecastFigures = {
  strategy: 'trend',
  file: 'forecasts/trend.json',
  asOf: '2026-11-20T14:00:00.000Z',
  leverage: 1,
  capital: 1,
  weights: { AAPL: 0.2, MSFT: 0.3, XLE: 0.1, SPY: 0.4 },
};

const recorded = (f: ForecastFigures, runId = 'r1'): RecordedForecast => ({ ...f, runId });

describe('forecastChanges: what changed in each strategy since the last recorded forecasts', () => {
  it('says leverage, tickers added and removed, and weight changes, in one line per strategy', () => {
    const now: ForecastFigures = {
      ...trend,
      asOf: '2026-11-20T15:00:00.000Z',
      leverage: 1.2,
      weights: { AAPL: 0.25, MSFT: 0.3, SPY: 0.35, NVDA: 0.1 },
    };
    expect(forecastChanges([recorded(trend)], [now])).toEqual([
      'trend.json: leverage 1.00 -> 1.20; added NVDA (10.0%); removed XLE; AAPL 20.0% -> 25.0%, SPY 40.0% -> 35.0%',
    ]);
  });

  it('a file rewritten with the same content (a new asOf only) says nothing', () => {
    expect(forecastChanges([recorded(trend)], [{ ...trend, asOf: '2026-11-20T15:00:00.000Z' }])).toEqual([]);
    expect(formatForecastChanges([])).toEqual(['no change in the forecasts since the last run']);
  });

  it('weights that differ in the 10th decimal are no change (rounded to 0.1 percentage point), nor is leverage noise', () => {
    const noisy: ForecastFigures = {
      ...trend,
      leverage: 1.0000000001,
      capital: 0.9999999999,
      weights: { AAPL: 0.2000000001, MSFT: 0.2999999999, XLE: 0.1 + 1e-10, SPY: 0.4 - 1e-10 },
    };
    expect(forecastChanges([recorded(trend)], [noisy])).toEqual([]);
    // On a rounding boundary too: 12.35% and 12.35% + 1e-10 are the same figure, whichever way each rounds.
    const edge = { ...trend, weights: { AAPL: 0.1235 } };
    expect(forecastChanges([recorded(edge)], [{ ...edge, weights: { AAPL: 0.1235 + 1e-10 } }])).toEqual([]);
    expect(forecastChanges([recorded(edge)], [{ ...edge, weights: { AAPL: 0.1245 } }])).toEqual(['trend.json: AAPL 12.3% -> 12.4%']);
  });

  it('capital changes are said; a weight of 0 is no ticker', () => {
    const now = { ...trend, capital: 0.6, weights: { ...trend.weights, XLE: 0, QQQ: 0 } };
    expect(forecastChanges([recorded(trend)], [now])).toEqual(['trend.json: capital 100.0% -> 60.0%; removed XLE']);
  });

  it('1000 tickers: only the 5 largest of each kind are named, with the counts', () => {
    const many = (scale: number, from: number, n: number): Record<string, number> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`T${String(from + i).padStart(4, '0')}`, ((i + 1) * scale) / 1e6]));
    const before = { ...trend, weights: many(1, 0, 1000) };
    // Every weight doubled, 10 tickers gone, 7 new.
    const after = { ...trend, weights: { ...many(2, 10, 990), ...many(3, 2000, 7) } };
    const lines = forecastChanges([recorded(before)], [after]);
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.length).toBeLessThan(500);
    // Largest first as shown (0.1 percentage point), then by ticker.
    expect(line).toContain('added 7 tickers: T2000 (0.0%), T2001 (0.0%), T2002 (0.0%), T2003 (0.0%), T2004 (0.0%) and 2 more');
    expect(line).toContain('removed 10 tickers: T0000, T0001, T0002, T0003, T0004 and 5 more');
    // Only changes shown as different, by at least 0.05 percentage point, count.
    expect(line).toContain('; 240 weights changed, the largest: T0969 0.1% -> 0.2%, T0970 0.1% -> 0.2%, T0971 0.1% -> 0.2%');
    expect(line).toMatch(/ and 235 more$/);
  });

  it('a new strategy, and one of the last run that is no longer in the forecasts', () => {
    const carry: ForecastFigures = {
      strategy: 'carry',
      file: '/srv/forecasts/carry-v2.json',
      asOf: '2026-11-20T15:00:00.000Z',
      leverage: 0.5,
      capital: 0.4,
      weights: { TLT: 0.6, GLD: -0.4 },
    };
    expect(forecastChanges([recorded(trend)], [carry])).toEqual([
      'carry-v2.json (carry): new strategy: leverage 0.50, capital 40.0%, 2 tickers: TLT 60.0%, GLD -40.0%',
      "trend.json: not in this run's forecasts (its file missing, invalid or stale): nothing recorded for it",
    ]);
  });

  it('a strategy missing since before the last run is not said again', () => {
    const carry = { ...trend, strategy: 'carry', file: 'forecasts/carry.json' };
    // carry was last recorded by r1, trend by r2 (the last run): only trend's absence is news.
    expect(forecastChanges([recorded(carry, 'r1'), recorded(trend, 'r2')], [])).toEqual([
      "trend.json: not in this run's forecasts (its file missing, invalid or stale): nothing recorded for it",
    ]);
    expect(forecastChanges([recorded(carry, 'r1'), recorded(trend, 'r2')], [trend])).toEqual([]);
  });

  it('a strategy renamed in its file is compared with what the file said before', () => {
    const renamed = { ...trend, strategy: 'trend2', weights: { ...trend.weights, AAPL: 0.3 } };
    expect(forecastChanges([recorded(trend)], [renamed])).toEqual(['trend.json (trend2): renamed from trend; AAPL 20.0% -> 30.0%']);
  });

  it('the first run ever: no previous forecasts', () => {
    const lines = forecastChanges([], [trend]);
    expect(lines).toEqual([
      'trend.json: first forecast (none recorded before): leverage 1.00, capital 100.0%, 4 tickers: SPY 40.0%, MSFT 30.0%, AAPL 20.0%, XLE 10.0%',
    ]);
    expect(formatForecastChanges(lines)).toEqual(lines);
    expect(forecastChanges([], [])).toEqual([]);
  });
});
