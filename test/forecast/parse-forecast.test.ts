import { describe, expect, test } from 'vitest';
import { MAX_PROBLEMS_PER_FILE, parseForecast } from '../../src/forecast/parse-forecast.js';
import { FILE, fileWith, fileWithRaw } from './forecast-builders.js';

function errorsOf(text: string): string[] {
  const result = parseForecast(FILE, text);
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.forecast)}`);
  for (const error of result.errors) {
    expect(error.code).toBe('INVALID_FORECAST');
    expect(error.detail.startsWith(`${FILE}: `)).toBe(true);
  }
  return result.errors.map((error) => error.detail);
}

describe('parseForecast accepts', () => {
  test('a valid file, with capital defaulting to 1 and contracts to {}', () => {
    const result = parseForecast(FILE, fileWith({ capital: undefined, contracts: undefined }));
    expect(result).toEqual({
      ok: true,
      forecast: {
        file: FILE,
        strategy: 'trend',
        asOf: '2026-11-20T21:05:00Z',
        leverage: 1.5,
        capital: 1,
        weights: { AAPL: 0.4, MSFT: 0.35, SPY: 0.25 },
        contracts: {},
      },
    });
  });

  test('the example of the design, with its contract hints', () => {
    const result = parseForecast(FILE, fileWith({ capital: 1 }));
    expect(result.ok && result.forecast.contracts).toEqual({ SPY: { primaryExchange: 'ARCA' } });
  });

  test.each([
    ['an offset, returned as the same instant in UTC', { asOf: '2026-11-20T16:05:00-05:00' }, '2026-11-20T21:05:00Z'],
    ['milliseconds, kept', { asOf: '2026-11-20T21:05:00.250+00:00' }, '2026-11-20T21:05:00.250Z'],
    ['a compact offset', { asOf: '2026-11-20T22:05:00+0100' }, '2026-11-20T21:05:00Z'],
  ])('asOf with %s', (_name, changes, utc) => {
    const result = parseForecast(FILE, fileWith(changes));
    expect(result.ok && result.forecast.asOf).toBe(utc);
  });

  test.each([
    ['a UTF-8 byte order mark', `\uFEFF${fileWith()}`],
    ['leverage 0 and 10, capital 1', fileWith({ leverage: 10, capital: 1 })],
    ['leverage 0', fileWith({ leverage: 0 })],
    [
      'tickers with one separator and at the length limit',
      fileWith({ contracts: {}, weights: { 'BRK.B': 0.1, 'BF-B': 0.1, 'RDS A': 0.1, ABCDEFGHIJKL: 0.1, A: 0.1, X1: 0.1 } }),
    ],
    ['negative weights (shorting is decided later)', fileWith({ contracts: {}, weights: { AAPL: -0.5, MSFT: 0.5 } })],
    ['absolute weights summing to exactly 1', fileWith({ contracts: {}, weights: { A: 0.1, B: 0.2, C: 0.3, D: 0.4 } })],
    ['a sum over 1 by less than 1e-9', fileWith({ contracts: {}, weights: { A: 0.5, B: 0.5 + 1e-10 } })],
    ['zero weights', fileWith({ contracts: {}, weights: { AAPL: 0 } })],
    ['a contract hint with both fields', fileWith({ contracts: { AAPL: { primaryExchange: 'NASDAQ', currency: 'USD' } } })],
    ['an empty contract hint', fileWith({ contracts: { AAPL: {} } })],
    ['CRLF line ends and tabs', fileWith().replace(/\n/g, '\r\n').replace(/ {2}/g, '\t')],
  ])('%s', (_name, text) => {
    expect(parseForecast(FILE, text).ok).toBe(true);
  });
});

/** A case: its name, the file's text, and fragments that must each appear in some error. */
type Refusal = readonly [name: string, text: string, expected: readonly string[]];

describe('parseForecast refuses, naming the file, the field and the problem', () => {
  test.each<Refusal>([
    // not JSON
    ['an empty file', '', ['forecasts/trend.json: empty file']],
    ['a file of blanks after a BOM', '\uFEFF \n ', ['forecasts/trend.json: empty file']],
    ['a truncated file', fileWith().slice(0, 60), ['truncated or not valid JSON: unexpected end of file at line 4']],
    [
      'a syntax error, with line and column',
      '{\n  "strategy": "trend",\n  "asOf" "x"\n}',
      ['not valid JSON: expected \':\' but found "\\"" at line 3, column 10'],
    ],
    ['two documents in one file', `${fileWith()}\n{}`, ['more content after the end of the JSON value']],
    ['an array', '[1]', ['forecasts/trend.json: must hold a JSON object (got an array)']],
    ['a number', '1', ['must hold a JSON object (got 1)']],
    ['null', 'null', ['must hold a JSON object (got null)']],
    ['a comment', `// weights\n${fileWith()}`, ['not valid JSON']],
    ['single quotes', "{'strategy': 'trend'}", ['not valid JSON']],
    ['a trailing comma', fileWith().replace('"SPY": 0.25', '"SPY": 0.25,'), ['not valid JSON']],
    // duplicate keys
    [
      'a ticker named twice',
      fileWithRaw('weights', '{"AAPL": 0.4,\n "AAPL": 0.1}'),
      ['weights.AAPL: duplicate key (at line 6, column 15 and again at line 7, column 2)'],
    ],
    [
      'a ticker named twice, once with an escape',
      fileWithRaw('weights', '{"AAPL": 0.4, "A\\u0041PL": 0.1}'),
      ['weights.AAPL: duplicate key'],
    ],
    ['a top-level field twice', fileWith().replace('"leverage": 1.5', '"leverage": 1.5, "leverage": 3'), ['leverage: duplicate key']],
    [
      'a contract field twice',
      fileWithRaw('contracts', '{"SPY": {"currency": "USD", "currency": "EUR"}}'),
      ['contracts.SPY.currency: duplicate key'],
    ],
    // numbers
    ['NaN', fileWithRaw('weights', '{"AAPL": NaN}'), ['forecasts/trend.json: weights.AAPL: not a finite number (got NaN)']],
    ['Infinity', fileWithRaw('leverage', 'Infinity'), ['leverage: not a finite number (got Infinity)']],
    ['-Infinity', fileWithRaw('weights', '{"AAPL": -Infinity}'), ['weights.AAPL: not a finite number (got -Infinity)']],
    ['1e400', fileWithRaw('weights', '{"AAPL": 1e400}'), ['weights.AAPL: not a finite number (got 1e400)']],
    ['-1e400 as capital', fileWithRaw('capital', '-1e400'), ['capital: not a finite number (got -1e400)']],
    [
      'a weight written as a string',
      fileWith({ weights: { AAPL: '0.4' } }),
      ['weights.AAPL: not a number: write numbers without quotes (got the string "0.4")'],
    ],
    [
      'the string "NaN"',
      fileWith({ weights: { AAPL: 'NaN' } }),
      ['weights.AAPL: not a number: write numbers without quotes (got the string "NaN")'],
    ],
    [
      'leverage written as a string',
      fileWith({ leverage: '1.5' }),
      ['leverage: not a number: write numbers without quotes (got the string "1.5")'],
    ],
    ['capital written as a string', fileWith({ capital: '1' }), ['capital: not a number']],
    ['a weight that is a boolean', fileWith({ weights: { AAPL: true } }), ['weights.AAPL: not a finite number (got true)']],
    // strategy
    ['no strategy', fileWith({ strategy: undefined }), ['forecasts/trend.json: strategy: missing (required)']],
    ['an empty strategy', fileWith({ strategy: '' }), ['strategy: must not be empty']],
    ['a strategy of 65 characters', fileWith({ strategy: 's'.repeat(65) }), ['strategy: must be at most 64 characters']],
    [
      'a strategy with a space',
      fileWith({ strategy: 'my trend' }),
      ['strategy: may contain only letters, digits, "_", "." and "-" (got the string "my trend")'],
    ],
    ['a strategy with a slash', fileWith({ strategy: '../trend' }), ['strategy: may contain only']],
    ['a numeric strategy', fileWith({ strategy: 7 }), ['strategy: not a string (got 7)']],
    // asOf
    ['no asOf', fileWith({ asOf: undefined }), ['asOf: missing (required)']],
    [
      'asOf without a zone',
      fileWith({ asOf: '2026-11-20T21:05:00' }),
      ['asOf: has no time zone: it must end with Z or an offset such as +01:00'],
    ],
    ['asOf as a date only', fileWith({ asOf: '2026-11-20' }), ['asOf: has no time zone']],
    ['asOf on a day that does not exist', fileWith({ asOf: '2026-11-31T00:00:00Z' }), ['asOf: not a valid ISO 8601 time']],
    ['asOf that is not ISO', fileWith({ asOf: 'Fri, 20 Nov 2026 21:05:00 GMT' }), ['asOf: not a valid ISO 8601 time']],
    ['asOf with an impossible offset', fileWith({ asOf: '2026-11-20T21:05:00+25:00' }), ['asOf: has an impossible offset']],
    ['asOf as epoch seconds', fileWith({ asOf: 1795000000 }), ['asOf: not a string (got 1795000000)']],
    // leverage and capital
    ['no leverage', fileWith({ leverage: undefined }), ['leverage: missing (required)']],
    ['negative leverage', fileWith({ leverage: -0.5 }), ['leverage: must be at least 0 (got -0.5)']],
    ['leverage over 10', fileWith({ leverage: 10.01 }), ['leverage: must be at most 10 (got 10.01)']],
    ['capital 0', fileWith({ capital: 0 }), ['capital: must be greater than 0 (got 0)']],
    ['negative capital', fileWith({ capital: -0.1 }), ['capital: must be greater than 0 (got -0.1)']],
    ['capital over 1', fileWith({ capital: 1.2 }), ['capital: must be at most 1 (got 1.2)']],
    ['capital null', fileWith({ capital: null }), ['capital: not a finite number (got null)']],
    // weights
    ['no weights', fileWith({ weights: undefined, contracts: undefined }), ['weights: missing (required)']],
    [
      'weights as a list',
      fileWith({ weights: [['AAPL', 1]], contracts: undefined }),
      ['weights: must be an object of ticker: weight (got an array)'],
    ],
    ['no tickers', fileWith({ weights: {}, contracts: undefined }), ['weights: has no tickers: at least one is required']],
    ['a weight over 1', fileWith({ weights: { AAPL: 1.5 }, contracts: undefined }), ['weights.AAPL: must be between -1 and 1 (got 1.5)']],
    ['a weight under -1', fileWith({ weights: { AAPL: -2 }, contracts: undefined }), ['weights.AAPL: must be between -1 and 1 (got -2)']],
    [
      'weights summing over 1',
      fileWith({ weights: { AAPL: 0.6, MSFT: 0.3, SPY: 0.2 } }),
      ['weights: absolute weights sum to 1.1; at most 1 is allowed'],
    ],
    ['shorts counted by absolute value', fileWith({ weights: { AAPL: -0.6, SPY: 0.6 } }), ['weights: absolute weights sum to 1.2']],
    [
      'a weight object',
      fileWith({ weights: { AAPL: { w: 0.4 } }, contracts: undefined }),
      ['weights.AAPL: not a finite number (got an object)'],
    ],
    [
      'two spellings of one ticker',
      fileWith({ weights: { 'BRK.B': 0.2, 'BRK B': 0.2 }, contracts: undefined }),
      ['weights["BRK B"]: same ticker as weights.BRK.B'],
    ],
    // tickers
    ...[
      'aapl',
      'Aapl',
      '1ABC',
      'ABCDEFGHIJKLM',
      'BRK..B',
      'BRK.B.C',
      'BRK.',
      'BRK B ',
      ' BRK',
      'A_B',
      'A/B',
      'ÄPFEL',
      '',
      '__proto__',
      'constructor',
    ].map((ticker): Refusal => [
      `the ticker ${JSON.stringify(ticker)}`,
      fileWith({ weights: { [ticker]: 0.1 }, contracts: undefined }),
      ['not a valid ticker: 1-12 characters'],
    ]),
    // contracts
    ['contracts for a ticker not in weights', fileWith({ contracts: { QQQ: { currency: 'USD' } } }), ['contracts.QQQ: not in weights']],
    [
      'an unknown contract field',
      fileWith({ contracts: { SPY: { exchange: 'ARCA' } } }),
      ['contracts.SPY.exchange: unknown field (known fields: primaryExchange, currency)'],
    ],
    [
      'a lower-case exchange',
      fileWith({ contracts: { SPY: { primaryExchange: 'arca' } } }),
      ['contracts.SPY.primaryExchange: must be 1-16 uppercase letters or dots'],
    ],
    [
      'an exchange of 17 letters',
      fileWith({ contracts: { SPY: { primaryExchange: 'A'.repeat(17) } } }),
      ['contracts.SPY.primaryExchange: must be 1-16'],
    ],
    [
      'a four-letter currency',
      fileWith({ contracts: { SPY: { currency: 'USDT' } } }),
      ['contracts.SPY.currency: must be a three-letter currency code'],
    ],
    [
      'a contract hint that is a string',
      fileWith({ contracts: { SPY: 'ARCA' } }),
      ['contracts.SPY: must be an object with primaryExchange and/or currency (got the string "ARCA")'],
    ],
    ['contracts as a list', fileWith({ contracts: ['SPY'] }), ['contracts: must be an object of ticker: contract hints (got an array)']],
    // unknown fields
    [
      'a misspelt weights',
      fileWith({ weights: undefined, contracts: undefined, wieghts: { AAPL: 1 } }),
      ['wieghts: unknown field (did you mean "weights"?)', 'weights: missing (required)'],
    ],
    [
      'an extra field',
      fileWith({ comment: 'hi' }),
      ['forecasts/trend.json: comment: unknown field (known fields: strategy, asOf, leverage, capital, weights, contracts)'],
    ],
    ['a __proto__ field', fileWithRaw('contracts', '{}, "__proto__": {"leverage": 9}'), ['__proto__: unknown field']],
    ['a field name with a colon', fileWith({ 'a: b': 1 }), ['forecasts/trend.json: ["a: b"]: unknown field']],
  ])('%s', (_name, text, expected) => {
    const details = errorsOf(text);
    for (const fragment of expected)
      expect(
        details.some((detail) => detail.includes(fragment)),
        `${fragment}\nin\n${details.join('\n')}`,
      ).toBe(true);
  });

  test('every problem in the file, not only the first', () => {
    const text = fileWith({ strategy: '', asOf: '2026-11-20', leverage: 11, capital: 0, weights: { aapl: 2 }, extra: 1 });
    expect(errorsOf(text)).toEqual([
      'forecasts/trend.json: strategy: must not be empty (got the string "")',
      'forecasts/trend.json: asOf: has no time zone: it must end with Z or an offset such as +01:00 (got the string "2026-11-20")',
      'forecasts/trend.json: leverage: must be at most 10 (got 11)',
      'forecasts/trend.json: capital: must be greater than 0 (got 0)',
      'forecasts/trend.json: extra: unknown field (known fields: strategy, asOf, leverage, capital, weights, contracts)',
      'forecasts/trend.json: weights.aapl: not a valid ticker: 1-12 characters, an uppercase letter first, then uppercase letters or digits with at most one ".", "-" or " " separator (as in AAPL, BRK B; with BROKER=ib write share classes as IB does, with a space)',
      'forecasts/trend.json: weights.aapl: must be between -1 and 1 (got 2)',
      'forecasts/trend.json: weights: absolute weights sum to 2; at most 1 is allowed (the rest is cash)',
      'forecasts/trend.json: contracts.SPY: not in weights: contract hints are only for tickers in weights',
    ]);
  });

  test('a NaN is reported once, though both the reader and the schema see it', () => {
    expect(errorsOf(fileWithRaw('leverage', 'NaN'))).toEqual(['forecasts/trend.json: leverage: not a finite number (got NaN)']);
  });

  test(`no more than ${MAX_PROBLEMS_PER_FILE} problems are listed, and the rest are counted`, () => {
    const weights = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`bad${i}`, 0]));
    const details = errorsOf(fileWith({ weights, contracts: undefined }));
    expect(details).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(details.at(-1)).toBe('forecasts/trend.json: and 30 more problems');
  });

  test('a document nested thousands of levels deep is refused without exhausting the stack', () => {
    expect(errorsOf(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).toEqual([
      'forecasts/trend.json: not valid JSON: nested more than 64 levels deep at line 1, column 66',
    ]);
  });
});
