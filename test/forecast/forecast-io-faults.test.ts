/**
 * Forecast files that a hostile world swaps, hangs or renames while the run reads them (issue 9, items 2 and 11).
 * The reader compares the file it opened, not the path: a strategy renaming complete versions over the path in
 * a tight loop is read as one whole version every time; and a read that never answers has a deadline.
 */
import { rename, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readForecasts } from '../../src/forecast/read-forecasts.js';
import { nodeStableReadIo, readStableFile, type StableReadIo } from '../../src/forecast/read-stable-file.js';
import { fileWith } from './forecast-builders.js';

const NOW = '2026-11-21T12:00:00Z';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forecast-faults-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Version `n` of a complete forecast file: its weight for AAPL tells which version was read. */
const version = (n: number): string =>
  fileWith({ strategy: 'trend', asOf: '2026-11-21T11:00:00Z', weights: { AAPL: n / 10_000, MSFT: 0.25 }, contracts: {} }) +
  ' '.repeat(n % 97);

describe('a strategy that writes a new version and renames it over the path, in a tight loop', () => {
  test('every read is one whole version, never a mixed file and never "changed while being read"', async () => {
    const path = join(dir, 'trend.json');
    await writeFile(path, version(0));
    let stop = false;
    let written = 0;
    const writer = (async () => {
      for (let n = 1; !stop; n += 1) {
        await writeFile(`${path}.tmp`, version(n));
        await rename(`${path}.tmp`, path);
        written = n;
      }
    })();
    const reads: { ok: boolean; detail?: string; aapl?: number }[] = [];
    try {
      for (let i = 0; i < 40; i += 1) {
        const result = await readForecasts(dir, NOW);
        const aapl = result.forecasts[0]?.weights.AAPL;
        reads.push({ ok: result.breaches.length === 0, detail: result.breaches[0]?.detail, aapl });
      }
    } finally {
      stop = true;
      await writer;
    }
    expect(written).toBeGreaterThan(10);
    expect(reads.filter((r) => !r.ok)).toEqual([]);
    // Each read is one version written whole: its AAPL weight is n / 10,000 for some version n.
    for (const r of reads) {
      const n = (r.aapl ?? NaN) * 10_000;
      expect(Math.abs(n - Math.round(n))).toBeLessThan(1e-6);
    }
  });
});

describe('a read that never answers (a network mount that stopped answering)', () => {
  test('gives up after its deadline: INVALID_FORECAST naming the file, not a hung run', async () => {
    await writeFile(join(dir, 'trend.json'), version(1));
    const hanging: StableReadIo = {
      ...nodeStableReadIo,
      open: () => new Promise(() => undefined),
    } as StableReadIo;
    const started = Date.now();
    const result = await readForecasts(dir, NOW, hanging, { tries: 3, pauseMs: 1, maxBytes: 1 << 20, timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.forecasts).toEqual([]);
    expect(result.breaches).toEqual([
      {
        code: 'INVALID_FORECAST',
        detail: expect.stringMatching(new RegExp(`^${join(dir, 'trend.json')}: no answer from the file system within 200 ms`)),
      },
    ]);
  });

  test('a read that hangs after the open is bounded too', async () => {
    const path = join(dir, 'trend.json');
    await writeFile(path, version(1));
    const io: StableReadIo = {
      ...nodeStableReadIo,
      async open(p) {
        const file = await nodeStableReadIo.open(p);
        return { ...file, read: () => new Promise<Uint8Array>(() => undefined) };
      },
    };
    const result = await readStableFile(path, io, { tries: 3, pauseMs: 1, maxBytes: 1 << 20, timeoutMs: 100 });
    expect(result).toEqual({ ok: false, problem: expect.stringMatching(/^no answer from the file system within 100 ms/) });
  });
});
