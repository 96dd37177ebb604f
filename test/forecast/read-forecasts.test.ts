import { appendFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readForecasts } from '../../src/forecast/read-forecasts.js';
import { nodeStableReadIo, type StableReadIo } from '../../src/forecast/read-stable-file.js';
import { fileWith } from './forecast-builders.js';

const NOW = '2026-11-21T12:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forecasts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes `files` (name -> content) into the temporary forecast directory. */
async function given(files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
}

const strategy = (name: string, changes: Record<string, unknown> = {}): string =>
  fileWith({ strategy: name, asOf: '2026-11-21T11:00:00Z', capital: 0.5, ...changes });

describe('readForecasts reads', () => {
  test('every *.json file in name order, and nothing else', async () => {
    await given({
      'trend.json': strategy('trend'),
      'carry.json': strategy('carry'),
      'notes.txt': 'not a forecast',
      'trend.json.tmp': '{"half": ',
      'carry.json.part': '',
      'x.json.partial': '',
      'trend.json~': '{}',
      '.hidden.json': '{}',
      '.trend.json.swp': '',
    });
    const result = await readForecasts(dir, NOW);
    expect(result.breaches).toEqual([]);
    expect(result.files).toEqual([join(dir, 'carry.json'), join(dir, 'trend.json')]);
    expect(result.forecasts.map((f) => [f.strategy, f.file, f.capital])).toEqual([
      ['carry', join(dir, 'carry.json'), 0.5],
      ['trend', join(dir, 'trend.json'), 0.5],
    ]);
  });

  test('a forecast exactly at the age limit, and one 5 minutes ahead of now', async () => {
    await given({
      'old.json': strategy('old', { asOf: '2026-11-20T12:00:00Z' }),
      'ahead.json': strategy('ahead', { asOf: '2026-11-21T12:05:00Z' }),
    });
    const result = await readForecasts(dir, NOW);
    expect(result.breaches).toEqual([]);
    expect(result.forecasts).toHaveLength(2);
  });

  test('a file a year old: its age is not judged here but by the run, under its session rules', async () => {
    await given({ 'old.json': strategy('old', { asOf: '2025-11-21T11:00:00Z' }) });
    const result = await readForecasts(dir, NOW);
    expect(result.breaches).toEqual([]);
    expect(result.forecasts.map((f) => f.strategy)).toEqual(['old']);
  });

  test('a file with a BOM, through a symbolic link', async () => {
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'real.json'), `\uFEFF${strategy('linked', { capital: 1 })}`);
    await symlink(join(dir, 'elsewhere', 'real.json'), join(dir, 'linked.json'));
    const result = await readForecasts(dir, NOW);
    expect(result.breaches).toEqual([]);
    expect(result.forecasts.map((f) => f.strategy)).toEqual(['linked']);
  });
});

describe('readForecasts blocks, with a message naming the file', () => {
  async function breachesFor(files: Record<string, string | Uint8Array>, now = NOW): Promise<string[]> {
    await given(files);
    const result = await readForecasts(dir, now);
    return result.breaches.map((b) => `${b.code} ${b.detail.replaceAll(dir, 'DIR')}`);
  }

  test.each([
    ['an empty file', { 'a.json': '' }, ['INVALID_FORECAST DIR/a.json: empty file']],
    ['a truncated file', { 'a.json': strategy('a').slice(0, 40) }, ['INVALID_FORECAST DIR/a.json: truncated or not valid JSON']],
    [
      'duplicate tickers',
      { 'a.json': strategy('a').replace('"MSFT"', '"AAPL"') },
      ['INVALID_FORECAST DIR/a.json: weights.AAPL: duplicate key'],
    ],
    [
      'a forecast from the future',
      { 'a.json': strategy('a', { asOf: '2026-11-21T14:00:00+01:00' }) },
      ['INVALID_FORECAST DIR/a.json: asOf: asOf is in the future: 2026-11-21T13:00:00Z is 1 hour (1h 0m 0s) after now'],
    ],
    [
      'asOf without a zone',
      { 'a.json': strategy('a', { asOf: '2026-11-21T11:00:00' }) },
      ['INVALID_FORECAST DIR/a.json: asOf: has no time zone'],
    ],
    [
      'an unknown field',
      { 'a.json': strategy('a', { wieghts: {} }) },
      ['INVALID_FORECAST DIR/a.json: wieghts: unknown field (did you mean "weights"?)'],
    ],
    [
      'one strategy in two files',
      { 'a.json': strategy('trend'), 'b.json': strategy('trend') },
      ['INVALID_FORECAST strategy "trend" is named by more than one file: DIR/a.json, DIR/b.json (one file per strategy)'],
    ],
    [
      'capitals summing over 1',
      { 'a.json': strategy('a', { capital: 0.6 }), 'b.json': strategy('b', { capital: undefined }) },
      ['INVALID_FORECAST capital of all forecast files sums to 1.6, more than 1: DIR/a.json 0.6, DIR/b.json 1'],
    ],
    [
      'a UTF-16 file',
      { 'a.json': Buffer.from(`\uFEFF${strategy('a')}`, 'utf16le') },
      ['INVALID_FORECAST DIR/a.json: the file is UTF-16 text; save it as UTF-8'],
    ],
    [
      'bytes that are not UTF-8',
      { 'a.json': Buffer.concat([Buffer.from('{"strategy": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]) },
      ['INVALID_FORECAST DIR/a.json: not valid UTF-8 text'],
    ],
    [
      'a file over 5 MB',
      { 'a.json': ' '.repeat(5 * 1024 * 1024 + 1) },
      ['INVALID_FORECAST DIR/a.json: file is 5242881 bytes, over the limit of 5242880 bytes (5 MB); not read'],
    ],
    [
      'an upper-case extension',
      { 'a.json': strategy('a'), 'B.JSON': strategy('b') },
      ['INVALID_FORECAST DIR/B.JSON: the extension must be .json in lower case; the file was not read'],
    ],
  ])('%s', async (_name, files, expected) => {
    const breaches = await breachesFor(files);
    expect(breaches).toHaveLength(expected.length);
    expected.forEach((fragment, i) => expect(breaches[i]).toContain(fragment));
  });

  test('no forecast file at all: an empty directory never means "sell everything"', async () => {
    await given({ 'trend.json.tmp': '{}', 'README.md': '' });
    const result = await readForecasts(dir, NOW);
    expect(result).toEqual({
      forecasts: [],
      files: [],
      breaches: [
        {
          code: 'INVALID_FORECAST',
          detail: `no forecast files (*.json) in ${dir}: refusing to plan without targets, which would sell every managed position`,
        },
      ],
    });
  });

  test('a missing directory', async () => {
    const missing = join(dir, 'nope');
    expect(await readForecasts(missing, NOW)).toEqual({
      forecasts: [],
      files: [],
      breaches: [{ code: 'INVALID_FORECAST', detail: `forecast directory ${missing} does not exist` }],
    });
  });

  test('a directory that is a file', async () => {
    await given({ 'file.json': '{}' });
    const result = await readForecasts(join(dir, 'file.json'), NOW);
    expect(result.breaches).toEqual([
      { code: 'INVALID_FORECAST', detail: `forecast directory ${join(dir, 'file.json')} is not a directory` },
    ]);
  });

  test('a file that cannot be read (a dangling link) and a directory named like a forecast', async () => {
    await symlink(join(dir, 'gone.json'), join(dir, 'a.json'));
    await mkdir(join(dir, 'b.json'));
    const breaches = await breachesFor({ 'c.json': strategy('c') });
    expect(breaches).toHaveLength(2);
    expect(breaches[0]).toMatch(/^INVALID_FORECAST DIR\/a\.json: cannot read file \(ENOENT/);
    expect(breaches[1]).toBe('INVALID_FORECAST DIR/b.json: a directory, not a regular file; not read');
  });

  test('a file that keeps changing while it is read', async () => {
    await given({ 'a.json': strategy('a') });
    // Written in place (the same inode) while it is read: the descriptor's size and mtime move.
    const io: StableReadIo = {
      sleep: () => Promise.resolve(),
      async open(path) {
        const file = await nodeStableReadIo.open(path);
        return {
          ...file,
          async read(limit) {
            const bytes = await file.read(limit);
            await appendFile(path, ' ');
            return bytes;
          },
        };
      },
    };
    const result = await readForecasts(dir, NOW, io);
    expect(result.forecasts).toEqual([]);
    expect(result.breaches).toEqual([
      {
        code: 'INVALID_FORECAST',
        detail: `${join(dir, 'a.json')}: file changed while being read (3 tries); write the forecast to a temporary name such as name.json.tmp and rename it when complete`,
      },
    ]);
  });

  test('a bad file contributes no forecast, but the good ones are still read and listed', async () => {
    await given({ 'a.json': strategy('a'), 'b.json': strategy('b', { leverage: 'high' }) });
    const result = await readForecasts(dir, NOW);
    expect(result.files).toEqual([join(dir, 'a.json'), join(dir, 'b.json')]);
    expect(result.forecasts.map((f) => f.strategy)).toEqual(['a']);
    expect(result.breaches.map((b) => b.detail)).toEqual([
      `${join(dir, 'b.json')}: leverage: not a number: write numbers without quotes (got the string "high")`,
    ]);
  });

  test.each([
    ['now without a zone', '2026-11-21T12:00:00', 'cannot check forecast ages: now "2026-11-21T12:00:00" has no time zone'],
    ['now that is not a time', 'soon', 'cannot check forecast ages: now "soon" not a valid ISO 8601 time'],
  ])('%s blocks rather than letting every file through', async (_name, now, detail) => {
    await given({ 'a.json': strategy('a') });
    const result = await readForecasts(dir, now);
    expect(result.forecasts).toEqual([]);
    expect(result.breaches.map((b) => b.detail)).toEqual([expect.stringContaining(detail)]);
  });
});
