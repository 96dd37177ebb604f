import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseForecast } from '../../src/forecast/parse-forecast.js';
import { FILE, fileWith } from './forecast-builders.js';

/** A value's JSON text (possibly not JSON: NaN, 1e400), whether its own rule holds, and its number if finite. */
interface Part {
  text: string;
  ok: boolean;
  n?: number;
}
type Entry = readonly [string, Part];

const TICKER_RULE = (key: string): boolean => key.length <= 12 && /^[A-Z][A-Z0-9]*(?:[.\- ][A-Z0-9]+)?$/.test(key);
const objectText = (entries: readonly Entry[]): string => `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${v.text}`).join(', ')}}`;
const hasDuplicates = (keys: readonly string[]): boolean => new Set(keys).size !== keys.length;

const badValue = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '"0.5"', '"NaN"', 'null', 'true', '[]', '{}');
const bad: fc.Arbitrary<Part> = badValue.map((text) => ({ text, ok: false }));
/** For string fields: the bad values that are not strings (a quoted "0.5" is a fine strategy name). */
const notString: fc.Arbitrary<Part> = badValue.filter((text) => !text.startsWith('"')).map((text) => ({ text, ok: false }));
const numberIn = (min: number, max: number, rule: (n: number) => boolean): fc.Arbitrary<Part> =>
  fc.double({ min, max, noNaN: true }).map((n) => ({ text: JSON.stringify(n), ok: rule(n), n }));
const string = (valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>, rule: (s: string) => boolean): fc.Arbitrary<Part> =>
  fc.oneof({ weight: 6, arbitrary: valid }, { weight: 1, arbitrary: invalid }).map((s) => ({ text: JSON.stringify(s), ok: rule(s) }));

/** Mostly the valid values, so that whole files often pass and the oracle is tested on both sides. */
const mostly = (valid: fc.Arbitrary<Part>, ...others: fc.Arbitrary<Part>[]): fc.Arbitrary<Part> =>
  fc.oneof({ weight: 6 * others.length, arbitrary: valid }, ...others.map((arbitrary) => ({ weight: 1, arbitrary })));

/** Undefined nine times in ten. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const strategy = mostly(
  string(fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), fc.constantFrom('', 'a b', 's'.repeat(65), 'trend/1', 'é'), (s) =>
    /^[A-Za-z0-9_.-]{1,64}$/.test(s),
  ),
  notString,
);
const VALID_TIMES = ['2026-11-20T21:05:00Z', '2026-11-20T16:05:00-05:00', '2026-11-20T21:05:00.5+00:00', '2026-02-28T23:59:59+14:00'];
const INVALID_TIMES = [
  '2026-11-20T21:05:00',
  '2026-11-20',
  '2026-13-01T00:00:00Z',
  '2026-11-31T00:00Z',
  'yesterday',
  '2026-11-20T21:05:00+25:00',
  '',
];
const asOf = mostly(
  fc.constantFrom(...VALID_TIMES).map((s) => ({ text: JSON.stringify(s), ok: true })),
  fc
    .date({ min: new Date('1990-01-01Z'), max: new Date('2100-01-01Z'), noInvalidDate: true })
    .map((d) => ({ text: JSON.stringify(d.toISOString()), ok: true })),
  fc.constantFrom(...INVALID_TIMES).map((s) => ({ text: JSON.stringify(s), ok: false })),
  notString,
);
const leverage = mostly(
  numberIn(0, 10, () => true),
  numberIn(-1, 12, (n) => n >= 0 && n <= 10),
  fc.double().map((n) => ({ text: String(n), ok: Number.isFinite(n) && n >= 0 && n <= 10 })),
  bad,
);
const capital = mostly(
  numberIn(Number.MIN_VALUE, 1, () => true),
  numberIn(-0.5, 1.5, (n) => n > 0 && n <= 1),
  bad,
);

const ticker = fc.oneof(
  { weight: 12, arbitrary: fc.stringMatching(/^[A-Z][A-Z0-9]{0,4}(?:[.\- ][A-Z0-9]{1,3})?$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('aapl', '1AB', 'ABCDEFGHIJKLM', 'A..B', 'A.B.C', '', '__proto__', 'A_B', 'B ', 'BRK.B', 'BRK B'),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 14 }) },
);
const weightValue = fc.oneof(
  { weight: 12, arbitrary: numberIn(-0.25, 0.25, () => true) },
  { weight: 2, arbitrary: numberIn(-1.5, 1.5, (n) => Math.abs(n) <= 1) },
  { weight: 1, arbitrary: bad },
);

function weightsRule(entries: readonly Entry[]): boolean {
  const keys = entries.map(([k]) => k);
  const canonical = keys.map((k) => k.replace(/[.\- ]/, ' '));
  const sum = entries.reduce((total, [, v]) => total + Math.abs(v.n ?? 0), 0);
  return (
    entries.length > 0 &&
    keys.every(TICKER_RULE) &&
    !hasDuplicates(keys) &&
    !hasDuplicates(canonical) &&
    entries.every(([, v]) => v.ok) &&
    sum <= 1 + 1e-9
  );
}
const weights = fc.oneof(
  { weight: 15, arbitrary: fc.array(fc.tuple(ticker, weightValue), { minLength: 1, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.tuple(ticker, weightValue), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);

const hintField = (valid: RegExp, invalid: string[]): fc.Arbitrary<Part> =>
  mostly(
    string(fc.stringMatching(valid), fc.constantFrom(...invalid), (s) => valid.test(s)),
    notString,
  );
const hint = fc
  .record({
    primaryExchange: fc.option(hintField(/^[A-Z.]{1,16}$/, ['arca', '', 'A'.repeat(17), 'NY SE']), { nil: undefined }),
    currency: fc.option(hintField(/^[A-Z]{3}$/, ['usd', 'USDT', 'US']), { nil: undefined }),
    exchange: rarely(fc.constant<Part>({ text: '"SMART"', ok: false })),
  })
  .map((fields): Part => {
    const entries = Object.entries(fields).filter((entry): entry is [string, Part] => entry[1] !== undefined);
    return { text: objectText(entries), ok: entries.every(([, v]) => v.ok) };
  });

/** A near-valid forecast file with random mutations, and whether every rule holds for it (the oracle). */
const forecastFile = fc
  .record({
    strategy,
    asOf,
    leverage,
    capital: fc.option(capital, { nil: undefined }),
    weights,
    extra: rarely(fc.constantFrom('wieghts', 'comment', 'Leverage')),
    duplicate: fc.nat(9).map((n) => n === 0),
  })
  .chain((f) => {
    const weightKeys = f.weights?.map(([k]) => k) ?? [];
    const contractKey =
      weightKeys.length > 0 ? fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...weightKeys) }, { weight: 1, arbitrary: ticker }) : ticker;
    return fc.record({
      file: fc.constant(f),
      contracts: fc.option(fc.array(fc.tuple(contractKey, hint), { maxLength: 2 }), { nil: undefined }),
    });
  })
  .map(({ file: f, contracts }) => {
    const weightKeys = new Set(f.weights?.map(([k]) => k) ?? []);
    const fields: Entry[] = [
      ['strategy', f.strategy],
      ['asOf', f.asOf],
      ['leverage', f.leverage],
    ];
    if (f.capital !== undefined) fields.push(['capital', f.capital]);
    fields.push(['weights', f.weights === null ? { text: '[]', ok: false } : { text: objectText(f.weights), ok: weightsRule(f.weights) }]);
    if (contracts !== undefined) {
      const ok = contracts.every(([k, v]) => weightKeys.has(k) && v.ok) && !hasDuplicates(contracts.map(([k]) => k));
      fields.push(['contracts', { text: objectText(contracts), ok }]);
    }
    if (f.extra !== undefined) fields.push([f.extra, { text: '1', ok: false }]);
    if (f.duplicate) fields.push(['leverage', { text: '1', ok: false }]);
    return { text: objectText(fields), valid: fields.every(([, v]) => v.ok) };
  });

describe('parseForecast, for any input', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.json().map((j) => j),
    fc.tuple(fc.nat(), fc.string({ maxLength: 5 })).map(([cut, insert]) => {
      const text = fileWith();
      const at = cut % text.length;
      return text.slice(0, at) + insert + text.slice(at + 1);
    }),
    fc.nat().map((cut) => fileWith().slice(0, cut % 300)),
  );

  test('returns a forecast or errors, never throws, and every error is INVALID_FORECAST naming the file', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = parseForecast(FILE, text);
        if (result.ok) return;
        expect(result.errors.length).toBeGreaterThan(0);
        for (const error of result.errors) {
          expect(error.code).toBe('INVALID_FORECAST');
          expect(error.detail.startsWith(`${FILE}: `)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parseForecast, for near-valid forecasts with random mutations', () => {
  test('accepts exactly the files that satisfy every rule; refusals name a field', () => {
    const seen = { accepted: 0, refused: 0 };
    fc.assert(
      fc.property(forecastFile, ({ text, valid }) => {
        const result = parseForecast(FILE, text);
        expect(result.ok, `${text}\n${result.ok ? '' : result.errors.map((e) => e.detail).join('\n')}`).toBe(valid);
        if (!result.ok) {
          seen.refused += 1;
          for (const { detail } of result.errors) {
            expect(detail).toMatch(
              /^forecasts\/trend\.json: (strategy|asOf|leverage|capital|weights|contracts|wieghts|comment|Leverage)\b/,
            );
          }
          return;
        }
        seen.accepted += 1;
        const { forecast } = result;
        expect(forecast.strategy).toMatch(/^[A-Za-z0-9_.-]{1,64}$/);
        expect(forecast.asOf).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
        expect(Number.isFinite(forecast.leverage) && forecast.leverage >= 0 && forecast.leverage <= 10).toBe(true);
        expect(Number.isFinite(forecast.capital) && forecast.capital > 0 && forecast.capital <= 1).toBe(true);
        const entries = Object.entries(forecast.weights);
        expect(entries.length).toBeGreaterThan(0);
        for (const [key, w] of entries) expect(TICKER_RULE(key) && Number.isFinite(w) && Math.abs(w) <= 1, key).toBe(true);
        expect(entries.reduce((sum, [, w]) => sum + Math.abs(w), 0)).toBeLessThanOrEqual(1 + 1e-9);
        for (const key of Object.keys(forecast.contracts)) expect(key in forecast.weights).toBe(true);
      }),
      { numRuns: 3000 },
    );
    // Both sides of the oracle were exercised, so neither half of the property is vacuous.
    expect(seen.accepted).toBeGreaterThan(150);
    expect(seen.refused).toBeGreaterThan(1000);
  });
});
