import { describe, expect, test } from 'vitest';
import { formatPath } from '../../src/forecast/json-path.js';
import { parseStrictJson } from '../../src/forecast/strict-json.js';

describe('parseStrictJson reads exactly what JSON.parse reads', () => {
  test.each([
    '{}',
    '[]',
    '{"a": [1, -2.5e-3, 0, -0, 1E+2, true, false, null, "x\\n\\u00e9\\"\\\\\\/"]}',
    ' \t\r\n"just a string" ',
    '{"nested": {"deeper": [{"x": {}}]}}',
    '"\\ud83d\\ude00 é ☃"',
    '123456789012345678901234567890',
  ])('%s', (text) => {
    const result = parseStrictJson(text);
    expect(result).toMatchObject({ ok: true, problems: [] });
    expect(result.ok && result.value).toEqual(JSON.parse(text));
  });

  test('a "__proto__" key stays a plain field, as with JSON.parse', () => {
    const result = parseStrictJson('{"__proto__": {"polluted": true}}');
    if (!result.ok) throw new Error(result.problem);
    expect(Object.keys(result.value as object)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseStrictJson refuses what JSON.parse refuses, with a position', () => {
  test.each([
    ['{"a": 01}', "not valid JSON: expected ',' or '}' but found \"1\" at line 1, column 8"],
    ['{"a": +1}', 'not valid JSON: expected a value but found "+" at line 1, column 7'],
    ['{"a": .5}', 'expected a value but found "."'],
    ['{"a": 1.}', "expected ',' or '}' but found \".\""],
    ['{"a": -}', 'expected a value but found "-"'],
    ['{"a": 0x10}', "expected ',' or '}' but found \"x\""],
    ['{"a": "tab\there"}', 'control character in a string (it must be escaped) at line 1, column 11'],
    ['{"a": "\\x41"}', 'invalid escape in a string at line 1, column 8'],
    ['{"a": "\\u12G4"}', 'invalid escape in a string'],
    ['{a: 1}', 'expected a key in double quotes but found "a"'],
    ['{"a": undefined}', 'expected a value but found "u"'],
    ['{"a": None}', 'expected a value but found "N"'],
    ['{"a": nan}', 'expected a value but found "n"'],
    ['[1 2]', "expected ',' or ']' but found \"2\""],
    ['{"a": 1}\n\n  x', 'more content after the end of the JSON value at line 3, column 3'],
    ['{"a":\r\n 1,\r\n "b" 2}', 'expected \':\' but found "2" at line 3, column 6'],
    ['{"a": 1}\uFEFF', 'more content after the end of the JSON value'],
    ['{"a": "😀" x}', 'but found "x" at line 1, column 12'],
  ])('%s', (text, problem) => {
    const result = parseStrictJson(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain(problem);
    expect(() => JSON.parse(text)).toThrow();
  });

  test.each(['{', '{"a"', '{"a":', '{"a": 1', '{"a": 1,', '["x', '"abc', '[', '{"a": tr', '{"a": "\\'])(
    'the truncated document %s',
    (text) => {
      const result = parseStrictJson(text);
      expect(!result.ok && result.problem).toMatch(/^truncated or not valid JSON: unexpected end of file at line 1, column \d+$/);
    },
  );

  test.each(['', ' ', '\n\r\t ', '\uFEFF', '\uFEFF\n'])('the empty document %j', (text) => {
    expect(parseStrictJson(text)).toEqual({ ok: false, problem: 'empty file' });
  });
});

describe('parseStrictJson reports, without stopping', () => {
  test('every duplicate key, at its path, with both positions', () => {
    const result = parseStrictJson('{"a": {"x": 1,\n "x": 2, "x": 3}, "a": [ {"k": 1, "k": 1} ]}');
    if (!result.ok) throw new Error(result.problem);
    expect(result.problems.map((p) => `${formatPath(p.path)}: ${p.problem}`)).toEqual([
      'a.x: duplicate key (at line 1, column 8 and again at line 2, column 2)',
      'a.x: duplicate key (at line 1, column 8 and again at line 2, column 10)',
      'a: duplicate key (at line 1, column 2 and again at line 2, column 19)',
      'a[0].k: duplicate key (at line 2, column 27 and again at line 2, column 35)',
    ]);
  });

  test('NaN and Infinity as Python writes them, as problems, with their text kept', () => {
    const result = parseStrictJson('{"w": {"A": NaN, "B": -Infinity}, "big": 1e400}');
    if (!result.ok) throw new Error(result.problem);
    expect(result.problems.map((p) => `${formatPath(p.path)}: ${p.problem}`)).toEqual([
      'w.A: not a finite number (got NaN)',
      'w.B: not a finite number (got -Infinity)',
    ]);
    expect([...result.rawNumbers]).toEqual([
      ['w.A', 'NaN'],
      ['w.B', '-Infinity'],
      ['big', '1e400'],
    ]);
  });

  test('a leading byte order mark is skipped', () => {
    expect(parseStrictJson('\uFEFF{"a": 1}')).toMatchObject({ ok: true, value: { a: 1 } });
  });
});

describe('formatPath', () => {
  test.each([
    [[], ''],
    [['weights', 'AAPL'], 'weights.AAPL'],
    [['weights', 'BRK.B'], 'weights.BRK.B'],
    [['weights', 'BRK B'], 'weights["BRK B"]'],
    [['a: b'], '["a: b"]'],
    [['list', 2, 'x'], 'list[2].x'],
    [['weights', ''], 'weights[""]'],
  ])('%j is %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});
