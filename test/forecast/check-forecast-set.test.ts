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

describe('checkForecastTime (ages are judged in core/forecast-age.ts)', () => {
  test.each([
    ['a forecast a day old', NOW - 24 * 60 * MINUTE],
    ['a forecast a year old', NOW - 365 * 24 * 60 * MINUTE],
    ['a forecast dated now', NOW],
    ['a forecast exactly 5 minutes ahead (clock skew)', NOW + 5 * MINUTE],
  ])('accepts %s', (_name, asOfMs) => {
    expect(checkForecastTime(forecast({ asOf: new Date(asOfMs).toISOString() }), NOW)).toBeUndefined();
  });

  test('a forecast more than 5 minutes ahead is invalid: asOf is in the future', () => {
    const asOf = new Date(NOW + 5 * MINUTE + 1000).toISOString();
    const breach = checkForecastTime(forecast({ asOf }), NOW);
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
