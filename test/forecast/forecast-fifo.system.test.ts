/**
 * A forecast path that is, or becomes, a FIFO (issue 9, item 2): opening a FIFO for reading waits for a writer,
 * forever. The reader opens without blocking and checks the type of the file it opened, so a path swapped to a
 * FIFO between a check and the open cannot hang the run. A system test: mkfifo is a process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readForecasts } from '../../src/forecast/read-forecasts.js';
import { nodeStableReadIo, readStableFile, type StableReadIo } from '../../src/forecast/read-stable-file.js';
import { fileWith } from './forecast-builders.js';

const NOW = '2026-11-21T12:00:00Z';
const FILE = fileWith({ strategy: 'trend', asOf: '2026-11-21T11:00:00Z', capital: 0.5 });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'forecast-fifo-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Resolves with `promise`, or with 'hung' after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'hung'> {
  return Promise.race([promise, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), ms).unref())]);
}

/** The real file system, but once its first call has answered, `path` is swapped to a FIFO. */
function swappedAfterFirstCall(io: StableReadIo, path: string, fifo: string): StableReadIo {
  let swapped = false;
  return new Proxy(io, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const answer: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (!swapped) {
          swapped = true;
          await rename(fifo, path);
        }
        return answer;
      };
    },
  });
}

describe('a forecast path that is a FIFO', () => {
  test('a FIFO named like a forecast is refused at once: INVALID_FORECAST naming the file and what it is', async () => {
    execFileSync('mkfifo', [join(dir, 'trend.json')]);
    const result = await within(readForecasts(dir, NOW), 3000);
    expect(result).not.toBe('hung');
    if (result === 'hung') return;
    expect(result.forecasts).toEqual([]);
    expect(result.breaches).toEqual([
      { code: 'INVALID_FORECAST', detail: `${join(dir, 'trend.json')}: a FIFO (named pipe), not a regular file; not read` },
    ]);
  });

  test("a path swapped to a FIFO between the reader's first look and its open does not hang the reader", async () => {
    const path = join(dir, 'trend.json');
    await writeFile(path, FILE);
    const fifo = join(dir, 'pipe.tmp');
    execFileSync('mkfifo', [fifo]);
    const result = await within(readStableFile(path, swappedAfterFirstCall(nodeStableReadIo, path, fifo)), 3000);
    expect(result).not.toBe('hung');
    if (result === 'hung') return;
    // The file opened before the swap is read whole, or the FIFO is refused: either, but at once.
    if (result.ok) expect(Buffer.from(result.bytes).toString('utf8')).toBe(FILE);
    else expect(result.problem).toMatch(/FIFO/);
  });
});
