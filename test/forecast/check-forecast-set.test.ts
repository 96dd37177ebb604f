import { describe, expect, test } from 'vitest';
import { checkCapitalSum, checkForecastTime, checkStrategyNames } from '../../src/forecast/check-forecast-set.js';
import type { Forecast } from '../../src/core/types.js';

function forecast(changes: Partial<Forecast> = {}): Forecast {
  return {
    file: 'forecasts/trend.json',
    strategy: 'trend',
    asOf: '2026-11-20T21:00:00Z',
    leverage: 1,
    capital: 1,
    weights: { AAPL: 1 },
    contracts: {},
    ...changes,
  };
}

const NOW = Date.parse('2026-11-21T21:00:00Z');
const MINUTE = 60_000;

describe('checkForecastTime', () => {
  test.each([
    ['a fresh forecast', NOW - 60 * MINUTE, 24],
    ['a forecast exactly at the age limit', NOW - 24 * 60 * MINUTE, 24],
    ['a forecast dated now', NOW, 24],
    ['a forecast exactly 5 minutes ahead (clock skew)', NOW + 5 * MINUTE, 24],
  ])('accepts %s', (_name, asOfMs, maxAgeHours) => {
    expect(checkForecastTime(forecast({ asOf: new Date(asOfMs).toISOString() }), NOW, maxAgeHours)).toBeUndefined();
  });

  test('a forecast one millisecond past the limit is stale, with its age and the limit', () => {
    const asOf = new Date(NOW - 24 * 60 * MINUTE - 1).toISOString();
    expect(checkForecastTime(forecast({ asOf }), NOW, 24)).toEqual({
      code: 'STALE_FORECAST',
      detail:
        'forecasts/trend.json: asOf: forecast is 24 hours (24h 0m 0s) old (asOf 2026-11-20T20:59:59.999Z, ' +
        'now 2026-11-21T21:00:00.000Z); the limit is 24 hours',
    });
  });

  test('a forecast of 25.5 hours against a limit of 24', () => {
    const breach = checkForecastTime(forecast({ asOf: '2026-11-20T19:30:00Z' }), NOW, 24);
    expect(breach?.code).toBe('STALE_FORECAST');
    expect(breach?.detail).toContain('forecast is 25.5 hours (25h 30m 0s) old');
  });

  test('a fractional limit', () => {
    expect(checkForecastTime(forecast({ asOf: '2026-11-21T20:29:00Z' }), NOW, 0.5)?.code).toBe('STALE_FORECAST');
    expect(checkForecastTime(forecast({ asOf: '2026-11-21T20:30:00Z' }), NOW, 0.5)).toBeUndefined();
  });

  test('a forecast more than 5 minutes ahead is invalid: asOf is in the future', () => {
    const asOf = new Date(NOW + 5 * MINUTE + 1000).toISOString();
    const breach = checkForecastTime(forecast({ asOf }), NOW, 24);
    expect(breach?.code).toBe('INVALID_FORECAST');
    expect(breach?.detail).toMatch(/^forecasts\/trend\.json: asOf: asOf is in the future: .* is 0\.08 hours \(0h 5m 1s\) after now/);
  });
});

describe('checkStrategyNames', () => {
  test('distinct strategies pass', () => {
    expect(checkStrategyNames([forecast(), forecast({ file: 'b.json', strategy: 'carry' })])).toEqual([]);
  });

  test('one strategy in two files names both files', () => {
    const breaches = checkStrategyNames([
      forecast({ file: 'forecasts/a.json' }),
      forecast({ file: 'forecasts/b.json', strategy: 'carry' }),
      forecast({ file: 'forecasts/c.json' }),
    ]);
    expect(breaches).toEqual([
      {
        code: 'INVALID_FORECAST',
        detail: 'strategy "trend" is named by more than one file: forecasts/a.json, forecasts/c.json (one file per strategy)',
      },
    ]);
  });
});

describe('checkCapitalSum', () => {
  test.each([[[1]], [[0.5, 0.5]], [[0.1, 0.2, 0.3, 0.4]], [[0.7, 0.3 + 1e-10]]])('capitals %j pass', (capitals) => {
    expect(checkCapitalSum(capitals.map((capital, i) => forecast({ file: `f${i}.json`, capital })))).toBeUndefined();
  });

  test('capitals over 1 name the sum and every file', () => {
    const breach = checkCapitalSum([forecast({ file: 'a.json', capital: 0.6 }), forecast({ file: 'b.json', capital: 0.6 })]);
    expect(breach).toEqual({
      code: 'INVALID_FORECAST',
      detail: 'capital of all forecast files sums to 1.2, more than 1: a.json 0.6, b.json 0.6',
    });
  });
});
