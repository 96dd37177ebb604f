/**
 * Bad input in forecast files, beyond test/forecast (which covers one file's text thoroughly): whole forecast
 * directories with random mixes of valid and malformed files (bytes that are not UTF-8, UTF-16, truncated,
 * NaN, duplicate keys, quoted numbers, unknown fields, missing or zone-less asOf, stale, in the future, weights
 * over 1, empty, a .JSON name). Every malformed file is named by a breach of the right code and no valid file
 * is dropped; then, end to end, the built `rebalancer run` in session exits 3 naming each bad file, prints no
 * stack trace, and records no order.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readForecasts } from '../../src/forecast/read-forecasts.js';
import { forecastAgeLimitOf, judgeForecastAges } from '../../src/core/forecast-age.js';
import { NYSE_RULES } from '../../src/core/session.js';
import { makeWorkspace, runCli } from '../support/cli.js';
import { expectNoStackTrace, ordersInDatabase, SEED, STACK_LINE, transcriptOf } from './support/checks.js';

// Monday 23 November 2026, 10:35 in New York: the market is open.
const NOW = '2026-11-23T15:35:00Z';
const HOUR = 3_600_000;
const at = (offsetMs: number): string => new Date(Date.parse(NOW) + offsetMs).toISOString();

type Code = 'INVALID_FORECAST' | 'STALE_FORECAST';

/** A forecast file to write: its name, its bytes, and the breach it must cause (undefined: it is valid). */
interface FileCase {
  name: string;
  bytes: Buffer;
  expected?: Code;
  kind: string;
}

function validText(strategy: string, changes: Record<string, unknown> = {}): string {
  const fields: Record<string, unknown> = {
    strategy,
    asOf: at(-HOUR),
    leverage: 1,
    capital: 0.2,
    weights: { SPY: 0.3, TLT: 0.2 },
    ...changes,
  };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete fields[key];
  return JSON.stringify(fields, null, 2);
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Malformed contents, each with the code it must be refused with. */
function malformed(strategy: string): fc.Arbitrary<{ bytes: Buffer; expected: Code; kind: string; upperExtension?: true }> {
  const invalid = (kind: string, text: string | Buffer) => ({
    bytes: typeof text === 'string' ? utf8(text) : text,
    expected: 'INVALID_FORECAST' as const,
    kind,
  });
  const good = validText(strategy);
  return fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => invalid('random bytes', Buffer.from(b))),
    fc.constant(invalid('UTF-16', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(good, 'utf16le')]))),
    fc
      .constantFrom(0x80, 0xc3, 0xff)
      .map((byte) => invalid('not UTF-8', Buffer.concat([utf8(good.slice(0, 20)), Buffer.from([byte]), utf8(good.slice(20))]))),
    fc.integer({ min: 0, max: good.length - 2 }).map((cut) => invalid('truncated', good.slice(0, cut))),
    fc
      .constantFrom('NaN', 'Infinity', '-Infinity', '1e400', '"1.5"', 'null')
      .map((v) => invalid(`leverage ${v}`, good.replace('"leverage": 1', `"leverage": ${v}`))),
    fc.constant(invalid('duplicate key', good.replace('"SPY": 0.3', '"SPY": 0.1, "SPY": 0.2'))),
    fc.constantFrom('wieghts', 'comment', 'Leverage').map((k) => invalid(`unknown field ${k}`, validText(strategy, { [k]: 1 }))),
    fc.constant(invalid('missing asOf', validText(strategy, { asOf: undefined }))),
    fc
      .constantFrom('2026-11-23T14:00:00', '2026-11-23', 'yesterday', '')
      .map((t) => invalid(`asOf ${t}`, validText(strategy, { asOf: t }))),
    fc.integer({ min: 10, max: 10_000 }).map((minutes) => invalid('in the future', validText(strategy, { asOf: at(minutes * 60_000) }))),
    fc
      .double({ min: 0.51, max: 5, noNaN: true })
      .map((w) => invalid('weights over 1', validText(strategy, { weights: { SPY: 0.5, TLT: w } }))),
    fc.constant(invalid('empty', '')),
    fc.constant({ ...invalid('upper-case extension', good), upperExtension: true as const }),
    // NOW is Monday 10:35 New York: older than 73 hours is before Friday's open, so Friday's whole session has
    // closed since (stale under the default of 1 session); 27 to 73 hours is fresh on a Monday.
    fc.integer({ min: 74, max: 24 * 400 }).map((hours) => ({
      bytes: utf8(validText(strategy, { asOf: at(-hours * HOUR) })),
      expected: 'STALE_FORECAST' as const,
      kind: 'stale',
    })),
  );
}

/** File names a strategy might use: never hidden, never one of the names a writer uses while writing. */
const baseName = fc.stringMatching(/^[a-z0-9][a-z0-9 _-]{0,15}$/);

/** One to four files with distinct names and strategies; at least one malformed. */
const forecastDir = fc
  .uniqueArray(baseName, { minLength: 1, maxLength: 4, comparator: (a, b) => a.toLowerCase() === b.toLowerCase() })
  .chain((names) =>
    fc.tuple(
      ...names.map((name, i) =>
        fc.oneof(
          malformed(`s${i}`).map((m): FileCase => ({
            name: `${name}.${m.upperExtension ? 'JSON' : 'json'}`,
            bytes: m.bytes,
            expected: m.expected,
            kind: m.kind,
          })),
          fc.constant<FileCase>({ name: `${name}.json`, bytes: utf8(validText(`s${i}`)), kind: 'valid' }),
        ),
      ),
    ),
  )
  .filter((files) => files.some((f) => f.expected !== undefined));

function writeAll(dir: string, files: readonly FileCase[]): void {
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f.name), f.bytes);
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('a forecast directory with malformed files among valid ones', () => {
  it('names every malformed file in a breach of its code, keeps every valid file, and says nothing else', async () => {
    const root = mkdtempSync(join(tmpdir(), 'rebalancer-forecast-prop-'));
    roots.push(root);
    let n = 0;
    await fc.assert(
      fc.asyncProperty(forecastDir, async (files) => {
        const dir = join(root, String((n += 1)));
        writeAll(dir, files);
        const read = await readForecasts(dir, NOW);
        // Ages as the run judges them (gatherWorld): the default limit, under the NYSE calendar.
        const aged = judgeForecastAges(read.forecasts, NOW, forecastAgeLimitOf({}), NYSE_RULES);
        const result = { forecasts: aged.fresh, breaches: [...read.breaches, ...aged.breaches] };
        const described = files.map((f) => `${f.name} (${f.kind})`).join(', ');
        for (const breach of result.breaches) {
          expect(['INVALID_FORECAST', 'STALE_FORECAST'], described).toContain(breach.code);
          expect(breach.detail).not.toMatch(STACK_LINE);
        }
        for (const f of files) {
          const path = join(dir, f.name);
          const about = result.breaches.filter((b) => b.detail.startsWith(`${path}: `));
          if (f.expected === undefined) {
            expect(about, `${path} is valid: ${described}`).toEqual([]);
            expect(result.forecasts.map((x) => x.file)).toContain(path);
          } else {
            expect(
              about.map((b) => b.code),
              `${path} (${f.kind}): ${JSON.stringify(result.breaches)}`,
            ).toContain(f.expected);
            expect(result.forecasts.map((x) => x.file)).not.toContain(path);
          }
        }
        // Nothing else is reported: each breach is about one of the files, or says there is no *.json at all.
        const onlyUpperCase = files.every((f) => f.name.endsWith('.JSON'));
        for (const breach of result.breaches) {
          const aboutAFile = files.some((f) => breach.detail.startsWith(`${join(dir, f.name)}: `));
          const noFiles = onlyUpperCase && breach.detail.startsWith(`no forecast files (*.json) in ${dir}: `);
          expect(aboutAFile || noFiles, breach.detail).toBe(true);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
  });
});

describe('the built command, given malformed forecast files', () => {
  it('run in session exits 3 with INVALID_FORECAST or STALE_FORECAST naming each bad file, no stack trace, and no order', async () => {
    await fc.assert(
      fc.asyncProperty(
        forecastDir.filter((files) => files.length <= 2),
        async (files) => {
          const ws = makeWorkspace('rebalancer-forecast-cli-');
          roots.push(ws.root);
          writeAll(ws.forecasts, files);
          const r = await runCli(['run', '--now', NOW], {
            cwd: ws.root,
            env: { FORECAST_DIR: ws.forecasts, DATA_DIR: ws.data, LOG_DIR: ws.logs },
          });
          expect(r.code, transcriptOf(r)).toBe(3);
          expectNoStackTrace(r);
          for (const f of files) {
            if (f.expected === undefined) continue;
            expect(r.stdout, `${f.name} (${f.kind})\n${transcriptOf(r)}`).toContain(`${f.expected}: ${join(ws.forecasts, f.name)}: `);
          }
          expect(ordersInDatabase(ws.data), transcriptOf(r)).toBe(0);
        },
      ),
      { numRuns: 10, seed: SEED },
    );
  }, 90_000);
});
